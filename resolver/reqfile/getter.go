package reqfile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/gopip/gopip/internal/httpx"
)

// maxBody bounds what HTTPGetter reads: a requirements file is text.
const maxBody = 32 << 20

// HTTPGetter is a Getter over an *http.Client. A status of 400 and above
// is a *StatusError. It is safe for concurrent use when its Client is.
type HTTPGetter struct {
	Client *http.Client
}

// Get fetches url.
func (g HTTPGetter) Get(ctx context.Context, url string) ([]byte, string, error) {
	if g.Client == nil {
		return nil, "", errors.New("reqfile.HTTPGetter has no http.Client")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, "", err
	}
	resp, err := g.Client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		return nil, "", &StatusError{Code: resp.StatusCode, URL: url}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, "", fmt.Errorf("reading %s: %w", url, err)
	}
	if len(body) > maxBody {
		return nil, "", fmt.Errorf("reading %s: larger than %d bytes", url, maxBody)
	}
	return body, resp.Header.Get("Content-Type"), nil
}

// StatusError is an HTTP error status for a requirements file, as
// HTTPGetter reports it. Its message is pip's (raise_for_status): "404
// Client Error: Not Found for url: URL". A Getter built on an
// httpx.Client returns an *httpx.StatusError instead, which Parse reports
// the same way.
type StatusError struct {
	Code int
	URL  string
}

// Error returns pip's message for the status, with the standard reason
// phrase, as httpx.StatusError formats it.
func (e *StatusError) Error() string {
	se := httpx.StatusError{StatusCode: e.Code, Reason: http.StatusText(e.Code), URL: e.URL}
	return se.Error()
}
