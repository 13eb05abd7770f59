package index

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	gocache "github.com/gopip/gopip/internal/cache"
)

// pageServer serves /simple/demo/ with the validators a test chooses,
// counting requests, conditional requests and 200 answers.
type pageServer struct {
	mu          sync.Mutex
	body        string
	etag        string    // "" sends none
	modified    time.Time // zero sends no Last-Modified
	gone        bool      // 404
	requests    int
	conditional int
	full        int // 200 answers (bodies sent)
}

func (s *pageServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.URL.Path == "/simple/Demo/" {
		http.Redirect(w, r, "/simple/demo/", http.StatusMovedPermanently)
		return
	}
	s.requests++
	if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
		s.conditional++
	}
	if r.Header.Get("Cache-Control") != "max-age=0" {
		panic("page requested without Cache-Control: max-age=0")
	}
	if s.gone || r.URL.Path != "/simple/demo/" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", MediaTypeJSON)
	if s.etag != "" {
		w.Header().Set("ETag", s.etag)
	}
	rec := &statusRecorder{ResponseWriter: w}
	http.ServeContent(rec, r, "", s.modified, strings.NewReader(s.body))
	if rec.status == http.StatusOK {
		s.full++
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(p)
}

func (s *pageServer) counts() (requests, conditional, full int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests, s.conditional, s.full
}

func (s *pageServer) set(f func(*pageServer)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

func TestCachingPages(t *testing.T) {
	page := func(version string) string {
		return fmt.Sprintf(`{"meta": {"api-version": "1.1"}, "name": "demo", "files": [{"filename": "demo-%s.tar.gz", "url": "demo-%s.tar.gz", "hashes": {}}]}`, version, version)
	}
	cases := []struct {
		name     string
		etag     string
		modified time.Time
		kept     bool // a later run revalidates instead of fetching
	}{
		{name: "etag", etag: `"v1"`, kept: true},
		{name: "last-modified", modified: time.Unix(1700000000, 0), kept: true},
		{name: "both", etag: `"v1"`, modified: time.Unix(1700000000, 0), kept: true},
		{name: "no validators", kept: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := &pageServer{body: page("1.0"), etag: tc.etag, modified: tc.modified}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			store := gocache.New(t.TempDir()).Records()
			// Each run has its own Client (the in-run cache) and shares
			// the on-disk store.
			run := func() []File {
				t.Helper()
				ix := &Index{URL: ts.URL + "/simple/"}
				c := newClient(t, Options{Indexes: []*Index{ix}, Pages: NewCachingPages(NewHTTPPages(newHTTP(t, 0)), store)})
				files, err := c.Files(context.Background(), "demo")
				if err != nil {
					t.Fatal(err)
				}
				return files
			}
			if files := run(); len(files) != 1 || files[0].Filename != "demo-1.0.tar.gz" {
				t.Fatalf("first run: %v", files)
			}
			files := run()
			if len(files) != 1 || files[0].Filename != "demo-1.0.tar.gz" || files[0].URL != ts.URL+"/simple/demo/demo-1.0.tar.gz" {
				t.Fatalf("second run: %+v", files)
			}
			requests, conditional, full := srv.counts()
			if requests != 2 {
				t.Errorf("%d requests, want one per run", requests)
			}
			if tc.kept && (conditional != 1 || full != 1) {
				t.Errorf("second run: %d conditional requests and %d bodies in all; want it revalidated (one body in all)", conditional, full)
			}
			if !tc.kept && (conditional != 0 || full != 2) {
				t.Errorf("a page without validators was kept (%d conditional requests, %d bodies)", conditional, full)
			}
			if !tc.kept {
				return
			}

			// A changed page is fetched again and replaces the kept one.
			srv.set(func(s *pageServer) {
				s.body = page("2.0")
				if s.etag != "" {
					s.etag = `"v2"`
				}
				if !s.modified.IsZero() {
					s.modified = s.modified.Add(time.Hour)
				}
			})
			if files := run(); len(files) != 1 || files[0].Filename != "demo-2.0.tar.gz" {
				t.Fatalf("after a change: %v", files)
			}
			if files := run(); len(files) != 1 || files[0].Filename != "demo-2.0.tar.gz" {
				t.Fatalf("after a change, kept: %v", files)
			}
			if _, _, full := srv.counts(); full != 2 {
				t.Errorf("%d bodies sent, want 2 (one per version)", full)
			}

			// A page that is gone is forgotten.
			srv.set(func(s *pageServer) { s.gone = true })
			if files := run(); len(files) != 0 {
				t.Fatalf("a 404 page gave files: %v", files)
			}
			srv.set(func(s *pageServer) { s.gone = false })
			_, before, _ := srv.counts()
			run()
			if _, after, _ := srv.counts(); after != before {
				t.Error("a forgotten page was revalidated")
			}
		})
	}
}

// TestCachingPagesDamagedRecord: a kept page whose body was changed on
// disk is not used; the page is fetched whole.
func TestCachingPagesDamagedRecord(t *testing.T) {
	srv := &pageServer{body: `{"meta": {"api-version": "1.1"}, "name": "demo", "files": []}`, etag: `"v1"`}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	store := memCache{}
	ix := &Index{URL: ts.URL + "/simple/"}
	pages := NewCachingPages(NewHTTPPages(newHTTP(t, 0)), store)
	if _, err := pages.GetPage(context.Background(), ix, "demo"); err != nil {
		t.Fatal(err)
	}
	if len(store) != 1 {
		t.Fatalf("%d records kept, want 1", len(store))
	}
	for k, v := range store {
		store[k] = bytes.Replace(v, []byte(`"files": []`), []byte(`"files": [{"filename": "evil-1.0.tar.gz", "url": "evil-1.0.tar.gz", "hashes": {}}]`), 1)
	}
	p, err := pages.GetPage(context.Background(), ix, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(p.Body, []byte("evil")) {
		t.Fatal("a damaged record was used")
	}
	if _, conditional, full := srv.counts(); conditional != 0 || full != 2 {
		t.Errorf("%d conditional requests, %d bodies; want the damaged record ignored", conditional, full)
	}
}

// TestCachingPagesRedirect: the final URL of a redirected page, the base
// of its relative links, is kept (without credentials) and restored.
func TestCachingPagesRedirect(t *testing.T) {
	srv := &pageServer{body: `{"meta": {"api-version": "1.1"}, "name": "demo", "files": [{"filename": "demo-1.0.tar.gz", "url": "demo-1.0.tar.gz", "hashes": {}}]}`, etag: `"v1"`}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	store := memCache{}
	u := strings.Replace(ts.URL, "http://", "http://user:secret@", 1)
	for run := 0; run < 2; run++ {
		pages := NewCachingPages(NewHTTPPages(newHTTP(t, 0)), store)
		p, err := pages.GetPage(context.Background(), &Index{URL: u + "/simple/"}, "Demo")
		if err != nil {
			t.Fatal(err)
		}
		if p.URL != u+"/simple/demo/" {
			t.Errorf("run %d: page URL %s, want the redirect's target with the credentials", run, p.URL)
		}
	}
	for _, v := range store {
		if bytes.Contains(v, []byte("secret")) {
			t.Errorf("credentials in the cache: %q", v)
		}
	}
	if _, conditional, _ := srv.counts(); conditional != 1 {
		t.Errorf("%d conditional requests, want 1", conditional)
	}
}

// memCache is a Cache in memory, for tests that look at the records.
type memCache map[string][]byte

func (m memCache) Get(key string) ([]byte, bool) { v, ok := m[key]; return v, ok }
func (m memCache) Put(key string, data []byte) error {
	m[key] = append([]byte(nil), data...)
	return nil
}

// TestMetadataCache: a PEP 658 metadata file is kept by its digest; a
// later run reads it from the cache, and a kept file that does not match
// the page's digest is fetched again.
func TestMetadataCache(t *testing.T) {
	s := newWheelServer(t, bigSpec(3))
	s.mdServed = s.metadata
	s.mdHashes = fmt.Sprintf(`{"sha256": %q}`, sha256Hex(s.metadata))
	ts := httptest.NewServer(s)
	defer ts.Close()
	store := memCache{}
	mdPath := "/packages/" + s.spec.Filename() + ".metadata"
	run := func() []byte {
		t.Helper()
		ix := &Index{URL: ts.URL + "/simple/"}
		c := newClient(t, Options{Indexes: []*Index{ix}, Cache: store})
		files, err := c.Files(context.Background(), "demo")
		if err != nil || len(files) != 1 {
			t.Fatalf("Files: %v, %v", files, err)
		}
		_, raw, err := c.Metadata(context.Background(), files[0])
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	hits := func() int {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.hits[mdPath]
	}
	if raw := run(); !bytes.Equal(raw, s.metadata) {
		t.Fatalf("metadata %q", raw)
	}
	if raw := run(); !bytes.Equal(raw, s.metadata) {
		t.Fatalf("metadata %q", raw)
	}
	if n := hits(); n != 1 {
		t.Errorf("%d requests for the metadata file, want 1 (then the cache)", n)
	}
	// A tampered record is not used: it is fetched again and replaced.
	for k := range store {
		store[k] = append([]byte("Requires-Dist: evil\n"), s.metadata...)
	}
	if raw := run(); !bytes.Equal(raw, s.metadata) {
		t.Fatalf("a tampered record was used: %q", raw)
	}
	if n := hits(); n != 2 {
		t.Errorf("%d requests for the metadata file, want 2", n)
	}
	if raw := run(); !bytes.Equal(raw, s.metadata) || hits() != 2 {
		t.Errorf("the replaced record was not used (%d requests)", hits())
	}
	// Without a strong digest on the page, nothing is kept.
	s.mdHashes = "true"
	before := len(store)
	run()
	run()
	if n := hits(); n != 4 || len(store) != before {
		t.Errorf("metadata without a strong digest was cached (%d requests, %d records)", n, len(store))
	}
}
