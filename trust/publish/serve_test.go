package publish

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct {
		accept []string
		want   string
	}{
		{nil, contentTypeHTML},
		{[]string{"*/*"}, contentTypeHTML},
		{[]string{"text/html"}, contentTypeHTML},
		{[]string{"application/json"}, contentTypeHTML}, // nothing acceptable: HTML
		{[]string{"application/vnd.pypi.simple.v1+json"}, contentTypeJSON},
		{[]string{"application/vnd.pypi.simple.latest+json"}, contentTypeJSON},
		{[]string{"application/vnd.pypi.simple.v1+html"}, contentTypeHTMLv1},
		// pip 23.2's header.
		{[]string{"application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"}, contentTypeJSON},
		{[]string{"application/vnd.pypi.simple.v1+json;q=0.2, text/html"}, contentTypeHTML},
		{[]string{"text/html;q=0.5, application/*;q=0.9"}, contentTypeHTMLv1},
		{[]string{"application/vnd.pypi.simple.v1+json;q=0", "*/*"}, contentTypeHTML},
		{[]string{"text/html", "application/vnd.pypi.simple.v1+json"}, contentTypeHTML}, // equal q: client order
		{[]string{"application/vnd.pypi.simple.v1+json, text/html"}, contentTypeJSON},
		{[]string{"*/*;q=0.1, application/vnd.pypi.simple.v1+json"}, contentTypeJSON},
	} {
		if got := negotiate(tc.accept); got != tc.want {
			t.Errorf("negotiate(%q) = %q, want %q", tc.accept, got, tc.want)
		}
	}
}

func TestHandler(t *testing.T) {
	f := newFixture(t, InitOptions{BinBits: 2})
	f.add(f.wheel("Demo.Pkg", "1.0"))
	srv := f.serve()
	noRedirect := *srv.Client()
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	get := func(path, accept string, hdr ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	body := func(resp *http.Response) string {
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	const pipAccept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"

	for _, tc := range []struct {
		path, accept string
		status       int
		ctype        string
		file         string // repository file whose bytes are the body
		location     string
	}{
		{"/simple/", "", 200, contentTypeHTML, "simple/index.html", ""},
		{"/simple/", pipAccept, 200, contentTypeJSON, "simple/index.json", ""},
		{"/simple/demo-pkg/", "", 200, contentTypeHTML, "simple/demo-pkg/index.html", ""},
		{"/simple/demo-pkg/", pipAccept, 200, contentTypeJSON, "simple/demo-pkg/index.json", ""},
		{"/simple/demo-pkg/", "application/vnd.pypi.simple.v1+html", 200, contentTypeHTMLv1, "simple/demo-pkg/index.html", ""},
		{"/simple/demo-pkg/index.json", "text/html", 200, contentTypeJSON, "simple/demo-pkg/index.json", ""},
		{"/simple/demo-pkg", "", 301, "", "", "/simple/demo-pkg/"},
		{"/simple", "", 301, "", "", "/simple/"},
		{"/simple/Demo_Pkg/", "", 301, "", "", "/simple/demo-pkg/"},
		{"/simple/Demo.Pkg", "", 301, "", "", "/simple/demo-pkg/"},
		{"/simple/nothing/", "", 404, "", "", ""},
		{"/packages/Demo_Pkg-1.0-py3-none-any.whl", "", 200, "application/octet-stream", "packages/Demo_Pkg-1.0-py3-none-any.whl", ""},
		{"/packages/Demo_Pkg-1.0-py3-none-any.whl.metadata", "", 200, "application/octet-stream", "packages/Demo_Pkg-1.0-py3-none-any.whl.metadata", ""},
		{"/tuf/1.root.json", "", 200, "application/json", "tuf/1.root.json", ""},
		{"/tuf/timestamp.json", "", 200, "application/json", "tuf/timestamp.json", ""},
		// No listings, no hidden files, no escapes.
		{"/packages/", "", 404, "", "", ""},
		{"/tuf/", "", 404, "", "", ""},
		{"/", "", 404, "", "", ""},
		{"/.gopip/config.json", "", 404, "", "", ""},
		{"/simple/../.gopip/config.json", "", 404, "", "", ""},
		{"/tuf/.tmp-123", "", 404, "", "", ""},
	} {
		resp := get(tc.path, tc.accept)
		if resp.StatusCode != tc.status {
			t.Errorf("GET %s (Accept %q): status %d, want %d", tc.path, tc.accept, resp.StatusCode, tc.status)
			continue
		}
		if tc.ctype != "" && resp.Header.Get("Content-Type") != tc.ctype {
			t.Errorf("GET %s (Accept %q): Content-Type %q, want %q", tc.path, tc.accept, resp.Header.Get("Content-Type"), tc.ctype)
		}
		if tc.file != "" && body(resp) != string(f.read(tc.file)) {
			t.Errorf("GET %s (Accept %q): body is not %s", tc.path, tc.accept, tc.file)
		}
		if tc.location != "" && resp.Header.Get("Location") != tc.location {
			t.Errorf("GET %s: Location %q, want %q", tc.path, resp.Header.Get("Location"), tc.location)
		}
		if strings.HasSuffix(tc.path, "/") && tc.status == 200 && resp.Header.Get("Vary") != "Accept" {
			t.Errorf("GET %s: no Vary: Accept", tc.path)
		}
	}

	// Range requests on a distribution file.
	whl := f.read("packages/Demo_Pkg-1.0-py3-none-any.whl")
	resp := get("/packages/Demo_Pkg-1.0-py3-none-any.whl", "", "Range", "bytes=10-19")
	if resp.StatusCode != http.StatusPartialContent || body(resp) != string(whl[10:20]) {
		t.Errorf("Range: status %d", resp.StatusCode)
	}
	// Caching: consistent-snapshot names are immutable, the rest are not.
	if cc := get("/tuf/1.root.json", "").Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("1.root.json: Cache-Control %q", cc)
	}
	if cc := get("/tuf/timestamp.json", "").Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("timestamp.json: Cache-Control %q", cc)
	}
	// Only GET and HEAD.
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/simple/", nil)
	if resp, err := srv.Client().Do(req); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %v %v", resp.StatusCode, err)
	} else {
		resp.Body.Close()
	}
	// Mounted under a prefix.
	mux := http.NewServeMux()
	mux.Handle("/pypi/", http.StripPrefix("/pypi", Handler(f.dir)))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/pypi/simple/demo-pkg/", nil))
	if rec.Code != 200 || rec.Body.String() != string(f.read("simple/demo-pkg/index.html")) {
		t.Errorf("under /pypi/: status %d", rec.Code)
	}
}
