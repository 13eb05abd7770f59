package trust

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/fetcher"

	"github.com/gopip/gopip/internal/httpx"
)

// metadataFetcher is the fetcher.Fetcher gopip gives go-tuf: metadata
// travels through gopip's own *httpx.Client (proxies, certificates,
// credentials, retries, timeouts), never http.DefaultClient, which go-tuf's
// default fetcher uses and whose transport its setters change for the
// whole process.
//
// go-tuf's interface carries no context, so the Repository sets ctx
// before every call into its Updater, under the lock that serialises those
// calls; a metadataFetcher is used by one goroutine at a time.
type metadataFetcher struct {
	client *httpx.Client
	// ctx is the context of the Updater call in progress.
	ctx context.Context
	// withCredentials adds the userinfo of the index URL, as the user gave
	// it, to a URL on the same host; nil adds none.
	withCredentials func(string) string
	// last is the most recent metadata file fetched: when go-tuf refuses
	// it, its role and version say what failed.
	last fetched
}

// fetched records one metadata download.
type fetched struct {
	url  string // redacted
	role string
	data []byte
}

var _ fetcher.Fetcher = (*metadataFetcher)(nil)

// DownloadFile fetches urlPath, reading at most maxLength bytes: a larger
// Content-Length is refused before the body is read, and a body that goes
// on past maxLength is cut after one byte too many (the endless-data
// attack on metadata). A 404, 403 or 410 answer is a missing file to
// go-tuf (a *metadata.ErrDownloadHTTP with status 404), so that root
// rotation ends on servers such as S3 that answer 403 for a missing key. A
// body broken off in the middle is fetched again, within the client's
// retries. The timeout argument is unused, as in go-tuf's own fetcher: the
// client's timeout applies.
func (f *metadataFetcher) DownloadFile(urlPath string, maxLength int64, _ time.Duration) ([]byte, error) {
	ctx := f.ctx
	if ctx == nil {
		return nil, errors.New("trust: metadata fetcher used without a context")
	}
	display := redact(urlPath)
	f.last = fetched{url: display, role: roleFromURL(urlPath)}
	for attempt := 1; ; attempt++ {
		data, err := f.get(ctx, urlPath, display, maxLength)
		if err == nil {
			f.last.data = data
			return data, nil
		}
		var fe *FetchError
		if !errors.As(err, &fe) || !fe.broken || ctx.Err() != nil || attempt > f.client.Retries() {
			return nil, err
		}
		// The body broke off: fetch the (small) file again.
		if err := f.client.Backoff(ctx, attempt); err != nil {
			return nil, &FetchError{URL: display, Err: err}
		}
	}
}

func (f *metadataFetcher) get(ctx context.Context, rawURL, display string, maxLength int64) ([]byte, error) {
	if f.withCredentials != nil {
		rawURL = f.withCredentials(rawURL)
	}
	resp, err := f.client.Get(ctx, rawURL, nil)
	if err != nil {
		fe := &FetchError{URL: display, Status: httpx.StatusCode(err), Err: err}
		switch fe.Status {
		case http.StatusNotFound, http.StatusForbidden, http.StatusGone:
			fe.missing = &metadata.ErrDownloadHTTP{StatusCode: http.StatusNotFound, URL: display}
		}
		return nil, fe
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &FetchError{URL: display, Status: resp.StatusCode, Err: fmt.Errorf("unexpected status %s", resp.Status)}
	}
	tooLong := func(n int64) error {
		return &VerificationError{
			Role: f.last.role, URL: display, Reason: ReasonLength,
			Err: &metadata.ErrDownloadLengthMismatch{Msg: fmt.Sprintf("%s is longer than its maximum length of %d bytes (got %d or more)", display, maxLength, n)},
		}
	}
	if resp.ContentLength > maxLength {
		return nil, tooLong(resp.ContentLength)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxLength+1))
	if int64(len(data)) > maxLength {
		return nil, tooLong(int64(len(data)))
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, &FetchError{URL: display, Err: context.Cause(ctx)}
		}
		return nil, &FetchError{URL: display, Err: err, broken: true}
	}
	return data, nil
}

// roleFromURL returns the role of a metadata URL: "3.bins-0a.json" is
// bins-0a, "timestamp.json" is timestamp.
func roleFromURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	base := strings.TrimSuffix(path.Base(u.Path), ".json")
	if v, rest, ok := strings.Cut(base, "."); ok {
		if _, err := strconv.ParseUint(v, 10, 64); err == nil {
			base = rest
		}
	}
	if r, err := url.PathUnescape(base); err == nil {
		return r
	}
	return base
}
