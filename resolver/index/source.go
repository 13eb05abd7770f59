package index

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/gopip/gopip/internal/httpx"
	"github.com/gopip/gopip/internal/pyurl"
)

// Media types of the simple API (PEP 691).
const (
	MediaTypeJSON   = "application/vnd.pypi.simple.v1+json"
	MediaTypeHTMLv1 = "application/vnd.pypi.simple.v1+html"
	MediaTypeHTML   = "text/html"
)

// Accept is the Accept header sent for project pages: pip's own (index/
// collector.py _get_simple_response), which prefers PEP 691 JSON, then the
// versioned HTML, then any HTML page.
const Accept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"

// maxPageSize bounds a project page. PyPI's largest pages are a few tens
// of megabytes; a server that sends more is not serving a page.
var maxPageSize = 256 << 20 // a variable for tests

// ParsePage parses a fetched page by its content type: PEP 691 JSON, or
// HTML (PEP 503, PEP 691's versioned HTML, or any text/html page). An
// empty content type is guessed from the body. Other types are an error,
// as pip refuses them ("The only supported Content-Types are …").
func ParsePage(p *RawPage) ([]File, error) {
	ct := strings.ToLower(strings.TrimSpace(p.ContentType))
	switch {
	case ct == "":
		if bytes.HasPrefix(bytes.TrimSpace(p.Body), []byte("{")) {
			return ParseJSON(p.Body, p.URL)
		}
		return ParseHTML(p.Body, "", p.URL)
	case strings.HasPrefix(ct, MediaTypeJSON):
		return ParseJSON(p.Body, p.URL)
	case strings.HasPrefix(ct, MediaTypeHTMLv1), strings.HasPrefix(ct, MediaTypeHTML):
		return ParseHTML(p.Body, p.ContentType, p.URL)
	}
	return nil, fmt.Errorf("unsupported Content-Type %q: the only supported Content-Types are %s, %s and %s",
		p.ContentType, MediaTypeJSON, MediaTypeHTMLv1, MediaTypeHTML)
}

// HTTPPages is the plain PageSource: it fetches project pages with the
// httpx client (credentials, retries, per-host bound), negotiating PEP
// 691 JSON, and reads file: indexes from disk. Its pages are never
// Verified. It is safe for concurrent use.
type HTTPPages struct {
	client *httpx.Client
}

// NewHTTPPages returns a PageSource over c.
func NewHTTPPages(c *httpx.Client) *HTTPPages {
	return &HTTPPages{client: c}
}

// GetPage fetches the page of project on index at index.ProjectURL(project),
// following redirects; the final URL is the base of relative links. A 404
// (or a missing folder of a file: index) is ErrNotFound. Like pip, it sends
// Cache-Control: max-age=0 so that caches revalidate a page that a fresh
// upload may have changed.
func (s *HTTPPages) GetPage(ctx context.Context, index *Index, project string) (*RawPage, error) {
	return s.get(ctx, index.ProjectURL(project))
}

func (s *HTTPPages) get(ctx context.Context, rawURL string) (*RawPage, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("bad URL %s: %w", pyurl.Redact(rawURL), err)
	}
	if u.Scheme == "file" {
		return readLocalPage(u)
	}
	page, _, err := s.fetch(ctx, u, rawURL, nil)
	return page, err
}

// fetch GETs the page at rawURL (u parsed) with pip's headers and extra
// ones (conditional requests), and returns it with the response's status
// and header. The page of a 304 Not Modified has no Body.
func (s *HTTPPages) fetch(ctx context.Context, u *url.URL, rawURL string, extra http.Header) (*RawPage, *http.Response, error) {
	if s.client == nil {
		return nil, nil, errors.New("no HTTP client configured")
	}
	header := http.Header{
		"Accept":        {Accept},
		"Cache-Control": {"max-age=0"},
	}
	for k, v := range extra {
		header[k] = v
	}
	resp, err := s.client.Get(ctx, rawURL, header)
	if err != nil {
		if httpx.StatusCode(err) == http.StatusNotFound {
			return nil, nil, fmt.Errorf("%w: %w", ErrNotFound, err)
		}
		return nil, nil, err
	}
	defer resp.Body.Close()
	var body []byte
	if resp.StatusCode != http.StatusNotModified {
		if body, err = readBody(resp.Body, maxPageSize, rawURL, "page"); err != nil {
			return nil, nil, err
		}
	}
	final := rawURL
	if resp.Request != nil && resp.Request.URL != nil && resp.Request.URL.String() != u.String() {
		// After a redirect: keep the credentials of the original URL when the
		// host is the same, as the session's auth did in pip.
		final = withUserinfo(*resp.Request.URL, u)
	}
	ct := resp.Header.Get("Content-Type")
	if ct == "" {
		ct = "Unknown"
	}
	return &RawPage{Body: body, ContentType: ct, URL: final}, resp, nil
}

// withUserinfo returns r with the credentials of orig when r has none and
// is on orig's host.
func withUserinfo(r url.URL, orig *url.URL) string {
	if r.User == nil && orig.User != nil && r.Host == orig.Host {
		r.User = orig.User
	}
	return r.String()
}

// readLocalPage reads a page of a file: index or find-links location: a
// folder's index.html, as pip does (pip has no file name for a JSON page),
// or the file itself.
func readLocalPage(u *url.URL) (*RawPage, error) {
	p := filepath.FromSlash(u.Path)
	st, err := os.Stat(p)
	if err == nil && st.IsDir() {
		p = filepath.Join(p, "index.html")
		if !strings.HasSuffix(u.Path, "/") {
			v := *u
			v.Path += "/"
			u = &v
		}
	}
	body, err := os.ReadFile(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %w", ErrNotFound, err)
		}
		return nil, err
	}
	ct := mime.TypeByExtension(filepath.Ext(p))
	if strings.HasSuffix(p, ".json") {
		ct = MediaTypeJSON
	}
	return &RawPage{Body: body, ContentType: ct, URL: u.String()}, nil
}

// readBody reads the body of a response from rawURL, which must not be
// larger than limit bytes; what names the body in that error ("page"), or
// is "". Errors show the URL redacted.
func readBody(body io.Reader, limit int, rawURL, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(body, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", pyurl.Redact(rawURL), err)
	}
	if len(data) > limit {
		if what != "" {
			what += " "
		}
		return nil, fmt.Errorf("%s: %slarger than %d MiB", pyurl.Redact(rawURL), what, limit>>20)
	}
	return data, nil
}
