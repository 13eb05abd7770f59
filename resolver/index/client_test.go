package index

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopip/gopip/internal/httpx"
)

func newHTTP(t *testing.T, retries int) *httpx.Client {
	t.Helper()
	c, err := httpx.New(httpx.Options{
		UserAgent:      "gopip-test",
		Retries:        retries,
		RetryBaseDelay: time.Millisecond,
		NoNetrc:        true,
		LookupEnv:      func(string) (string, bool) { return "", false },
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newClient(t *testing.T, opts Options) *Client {
	t.Helper()
	if opts.HTTP == nil {
		opts.HTTP = newHTTP(t, 2)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const demoHTML = `<!DOCTYPE html>
<html><body>
<a href="../../packages/demo-1.0-py3-none-any.whl#sha256=aa">demo-1.0-py3-none-any.whl</a>
<a href="../../packages/demo-1.0.tar.gz#sha256=bb">demo-1.0.tar.gz</a>
</body></html>`

const demoJSON = `{"meta": {"api-version": "1.1"}, "name": "demo", "files": [
 {"filename": "demo-1.0-py3-none-any.whl", "url": "../../packages/demo-1.0-py3-none-any.whl", "hashes": {"sha256": "aa"}, "size": 100},
 {"filename": "demo-1.0.tar.gz", "url": "../../packages/demo-1.0.tar.gz", "hashes": {"sha256": "bb"}, "size": 200}]}`

// negotiatingIndex serves /simple/demo/ as JSON when the client prefers it
// and as HTML otherwise, like PyPI. It records each request's headers.
type negotiatingIndex struct {
	jsonOK   bool // serves JSON at all
	mu       sync.Mutex
	requests []*http.Request
	hits     atomic.Int32
}

func (x *negotiatingIndex) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x.hits.Add(1)
	x.mu.Lock()
	x.requests = append(x.requests, r)
	x.mu.Unlock()
	if r.URL.Path != "/simple/demo/" {
		http.NotFound(w, r)
		return
	}
	if x.jsonOK && prefersJSON(r.Header.Get("Accept")) {
		w.Header().Set("Content-Type", MediaTypeJSON)
		fmt.Fprint(w, demoJSON)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, demoHTML)
}

// prefersJSON is a small quality-value comparison, enough for the test.
func prefersJSON(accept string) bool {
	q := map[string]string{}
	for _, part := range strings.Split(accept, ",") {
		typ, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		v := "1"
		if _, after, ok := strings.Cut(params, "q="); ok {
			v = strings.TrimSpace(after)
		}
		q[strings.TrimSpace(typ)] = v
	}
	j, ok := q[MediaTypeJSON]
	return ok && j >= q[MediaTypeHTMLv1] && j >= q[MediaTypeHTML]
}

func TestContentNegotiation(t *testing.T) {
	for _, jsonOK := range []bool{true, false} {
		t.Run(fmt.Sprintf("json=%v", jsonOK), func(t *testing.T) {
			srv := &negotiatingIndex{jsonOK: jsonOK}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			c := newClient(t, Options{Indexes: []*Index{{URL: ts.URL + "/simple"}}})
			files, err := c.Files(context.Background(), "Demo")
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != 2 {
				t.Fatalf("got %d files", len(files))
			}
			r := srv.requests[0]
			if got := r.Header.Get("Accept"); got != Accept {
				t.Errorf("Accept = %q", got)
			}
			if got := r.Header.Get("Cache-Control"); got != "max-age=0" {
				t.Errorf("Cache-Control = %q", got)
			}
			if r.URL.Path != "/simple/demo/" {
				t.Errorf("requested %s, want pip's /simple/demo/", r.URL.Path)
			}
			w := files[0]
			if w.Kind != Wheel || w.URL != ts.URL+"/packages/demo-1.0-py3-none-any.whl" || w.Hashes["sha256"] != "aa" {
				t.Errorf("wheel: %+v", w)
			}
			if jsonOK != (w.Size == 100) {
				t.Errorf("size %d: the page was not read in the negotiated format", w.Size)
			}
			if files[1].Kind != Sdist || files[1].Version.String() != "1.0" {
				t.Errorf("sdist: %+v", files[1])
			}
		})
	}
}

func TestNotFoundIsNoFiles(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	defer ts.Close()
	c := newClient(t, Options{Indexes: []*Index{{URL: ts.URL + "/simple/"}}})
	files, err := c.Files(context.Background(), "demo")
	if err != nil || len(files) != 0 {
		t.Fatalf("files %v, err %v", files, err)
	}
}

func TestServerErrorIsRetriedThenNamed(t *testing.T) {
	var hits atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer ts.Close()
	url := strings.Replace(ts.URL, "http://", "http://alice:s3cret@", 1) + "/simple/"
	c := newClient(t, Options{Indexes: []*Index{{URL: url}}, HTTP: newHTTP(t, 2)})
	_, err := c.Files(context.Background(), "Demo")
	if err == nil {
		t.Fatal("no error")
	}
	if hits.Load() != 3 {
		t.Errorf("%d requests, want 1 + 2 retries", hits.Load())
	}
	var pe *PageError
	if !errors.As(err, &pe) || pe.Project != "Demo" {
		t.Fatalf("error %T %v, want a *PageError for Demo", err, err)
	}
	if httpx.StatusCode(err) != 500 {
		t.Errorf("status %d", httpx.StatusCode(err))
	}
	msg := err.Error()
	if strings.Contains(msg, "s3cret") || !strings.Contains(msg, "alice:****@") || !strings.Contains(msg, `"Demo"`) {
		t.Errorf("message %q must name the project and the redacted index", msg)
	}
}

func TestRedirectedPageResolvesAgainstFinalURL(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/simple/demo/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/mirror/projects/demo/", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/mirror/projects/demo/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<a href="files/demo-1.0.tar.gz">x</a>`)
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	c := newClient(t, Options{Indexes: []*Index{{URL: ts.URL + "/simple/"}}})
	files, err := c.Files(context.Background(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].URL != ts.URL+"/mirror/projects/demo/files/demo-1.0.tar.gz" {
		t.Fatalf("files %+v", files)
	}
}

func TestUnsupportedPages(t *testing.T) {
	for _, tc := range []struct{ ctype, body, want string }{
		{"application/octet-stream", "PK", "unsupported Content-Type"},
		{MediaTypeJSON, `{"meta": {"api-version": "2.0"}, "files": []}`, `unsupported simple API version "2.0"`},
		{"text/html", `<meta name="pypi:repository-version" content="2.1"><a href="demo-1.0.tar.gz">`, `unsupported simple API version "2.1"`},
		{MediaTypeJSON, `{"files": [`, "malformed PEP 691 page"},
	} {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", tc.ctype)
			fmt.Fprint(w, tc.body)
		}))
		c := newClient(t, Options{Indexes: []*Index{{Name: "internal", URL: ts.URL}}})
		_, err := c.Files(context.Background(), "demo")
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "on internal") {
			t.Errorf("%s %q: error %v, want %q", tc.ctype, tc.body, err, tc.want)
		}
		ts.Close()
	}
	// A newer minor version is fine.
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", MediaTypeJSON)
		fmt.Fprint(w, `{"meta": {"api-version": "1.7"}, "files": [{"filename": "demo-1.0.tar.gz", "url": "demo-1.0.tar.gz", "hashes": {}, "new-key": 1}]}`)
	}))
	defer ts.Close()
	files, err := newClient(t, Options{Indexes: []*Index{{URL: ts.URL}}}).Files(context.Background(), "demo")
	if err != nil || len(files) != 1 {
		t.Errorf("api-version 1.7: %v %v", files, err)
	}
}

// TestExtraIndexMerge checks that every index is searched and the files
// merged in index order, with no priority.
func TestExtraIndexMerge(t *testing.T) {
	page := func(version string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<a href="demo-%s.tar.gz">x</a>`, version)
		}))
	}
	a, b := page("1.0"), page("2.0")
	defer a.Close()
	defer b.Close()
	ixA, ixB := &Index{URL: a.URL + "/simple/"}, &Index{URL: b.URL + "/simple/"}
	c := newClient(t, Options{Indexes: []*Index{ixA, ixB, {URL: a.URL + "/simple/"}}})
	files, err := c.Files(context.Background(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0].Version.String() != "1.0" || files[1].Version.String() != "2.0" {
		t.Fatalf("files %v", files)
	}
	if files[0].Index != ixA || files[1].Index != ixB {
		t.Errorf("files do not name their index")
	}
	if got := len(c.Indexes()); got != 2 {
		t.Errorf("%d indexes, the duplicate should be dropped", got)
	}
}

// TestConcurrentCallersShareOneFetch checks par.Cache-style sharing: many
// goroutines asking for one project (under different spellings) while
// the page is in flight, and later ones, cost one request.
func TestConcurrentCallersShareOneFetch(t *testing.T) {
	release := make(chan struct{})
	srv := &negotiatingIndex{jsonOK: true}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		srv.ServeHTTP(w, r)
	}))
	defer ts.Close()
	c := newClient(t, Options{Indexes: []*Index{{URL: ts.URL + "/simple/"}}})
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		name := []string{"demo", "Demo", "DEMO"}[i%3]
		wg.Go(func() {
			files, err := c.Files(context.Background(), name)
			if err == nil && len(files) != 2 {
				err = fmt.Errorf("%d files", len(files))
			}
			errs <- err
		})
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Files(context.Background(), "demo"); err != nil {
		t.Fatal(err)
	}
	if n := srv.hits.Load(); n != 1 {
		t.Errorf("%d requests for one page", n)
	}
}

// TestCanceledCallerDoesNotPoisonTheCache: when the caller whose fetch the
// others wait on gives up, the others fetch again.
func TestCanceledCallerDoesNotPoisonTheCache(t *testing.T) {
	var hits atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<a href="demo-1.0.tar.gz">x</a>`)
	}))
	defer ts.Close()
	c := newClient(t, Options{Indexes: []*Index{{URL: ts.URL}}})
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() {
		_, err := c.Files(ctx, "demo")
		first <- err
	}()
	for hits.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	second := make(chan error, 1)
	go func() {
		files, err := c.Files(context.Background(), "demo")
		if err == nil && len(files) != 1 {
			err = fmt.Errorf("%d files", len(files))
		}
		second <- err
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := <-first; err == nil {
		t.Error("canceled caller got no error")
	}
	if err := <-second; err != nil {
		t.Errorf("second caller: %v", err)
	}
}

// fakeSource is a PageSource such as package trust provides.
type fakeSource struct {
	verified bool
	asked    []string
	mu       sync.Mutex
}

func (s *fakeSource) GetPage(ctx context.Context, ix *Index, project string) (*RawPage, error) {
	s.mu.Lock()
	s.asked = append(s.asked, project)
	s.mu.Unlock()
	if project != "demo" {
		return nil, fmt.Errorf("target simple/%s/index.json: %w", project, ErrNotFound)
	}
	return &RawPage{
		Body:        []byte(demoJSON),
		ContentType: MediaTypeJSON,
		URL:         "https://repo.example/simple/demo/index.json",
		Verified:    s.verified,
	}, nil
}

func TestPageSourceHook(t *testing.T) {
	src := &fakeSource{verified: true}
	ix := &Index{Name: "corp", URL: "https://repo.example/simple/", Verified: true, Pages: src}
	c := newClient(t, Options{Indexes: []*Index{ix}})
	files, err := c.Files(context.Background(), "Demo")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || !files[0].Verified || files[0].URL != "https://repo.example/packages/demo-1.0-py3-none-any.whl" {
		t.Fatalf("files %+v", files)
	}
	if files, err := c.Files(context.Background(), "absent"); err != nil || len(files) != 0 {
		t.Errorf("absent: %v %v", files, err)
	}
	if fmt.Sprint(src.asked) != "[demo absent]" {
		t.Errorf("asked %v, want normalised names", src.asked)
	}

	// A verified index whose source did not verify the page.
	bad := &Index{Name: "corp", URL: "https://repo.example/simple/", Verified: true, Pages: &fakeSource{}}
	_, err = newClient(t, Options{Indexes: []*Index{bad}}).Files(context.Background(), "demo")
	var uv *UnverifiedPageError
	if !errors.As(err, &uv) || !uv.SecurityFailure() {
		t.Fatalf("error %v, want *UnverifiedPageError", err)
	}
}

// writeFiles creates empty files in dir.
func writeFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func kinds(files []File) string {
	var b strings.Builder
	for _, f := range files {
		fmt.Fprintf(&b, "%s:%s ", f.Filename, f.Kind)
	}
	return strings.TrimSpace(b.String())
}

func TestFindLinksFolderAndNoIndex(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, "demo-1.0-py3-none-any.whl", "demo-1.1.tar.gz", "other-1.0.tar.gz", "README.txt", "demo-0.9.tar.bz2")
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "links.html"), []byte(`<a href="https://files.example/demo-2.0.tar.gz#sha256=cc">demo</a><a href="demo-1.1.tar.gz">local</a>`), 0o644)

	var hits atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer ts.Close()
	c := newClient(t, Options{Indexes: []*Index{{URL: ts.URL}}, NoIndex: true, FindLinks: []string{dir}})
	files, err := c.Files(context.Background(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	want := "README.txt:ignored demo-0.9.tar.bz2:ignored demo-1.0-py3-none-any.whl:wheel demo-1.1.tar.gz:sdist demo-2.0.tar.gz:sdist demo-1.1.tar.gz:sdist other-1.0.tar.gz:ignored"
	if got := kinds(files); got != want {
		t.Errorf("files\n got %s\nwant %s", got, want)
	}
	if hits.Load() != 0 {
		t.Error("--no-index still asked the index")
	}
	p, ok := files[2].LocalPath()
	if !ok || p != filepath.Join(dir, "demo-1.0-py3-none-any.whl") || files[2].Index != nil {
		t.Errorf("local wheel: %q %v %+v", p, ok, files[2])
	}
	if files[4].URL != "https://files.example/demo-2.0.tar.gz" || files[4].Hashes["sha256"] != "cc" {
		t.Errorf("page link: %+v", files[4])
	}
	// The listing is read once for every project.
	os.Remove(filepath.Join(dir, "demo-1.1.tar.gz"))
	files, err = c.Files(context.Background(), "other")
	if err != nil {
		t.Fatal(err)
	}
	if got := kinds(files); !strings.Contains(got, "other-1.0.tar.gz:sdist") || !strings.Contains(got, "demo-1.1.tar.gz:ignored") {
		t.Errorf("other: %s", got)
	}
}

func TestFindLinksURL(t *testing.T) {
	listing, err := os.ReadFile(filepath.Join("testdata", "listing.html"))
	if err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path != "/wheels/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write(listing)
	}))
	defer ts.Close()
	c := newClient(t, Options{FindLinks: []string{ts.URL + "/wheels/", ts.URL + "/gone/", ts.URL + "/direct/demo-3.0-py3-none-any.whl"}})
	files, err := c.Files(context.Background(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	want := "wheels.example:ignored demo-1.0-py3-none-any.whl:wheel demo-1.0.tar.gz:sdist demo-1.1-cp311-cp311-win_amd64.whl:wheel other_pkg-2.0-py3-none-any.whl:ignored README.txt:ignored demo-3.0-py3-none-any.whl:wheel"
	got := strings.Replace(kinds(files), strings.TrimPrefix(ts.URL, "http://"), "wheels.example", 1)
	if got != want {
		t.Errorf("files\n got %s\nwant %s", got, want)
	}
	if files[1].URL != ts.URL+"/wheels/demo-1.0-py3-none-any.whl" {
		t.Errorf("URL %s", files[1].URL)
	}
	if _, err := c.Files(context.Background(), "other-pkg"); err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 2 {
		t.Errorf("%d requests: pages are fetched once per run and archives not at all", hits.Load())
	}
}

func TestFindLinksBadLocation(t *testing.T) {
	for _, loc := range []string{"/does/not/exist", "relative/missing", "ftp://host/x", "file:///does/not/exist"} {
		if _, err := New(Options{FindLinks: []string{loc}}); err == nil {
			t.Errorf("%s: no error", loc)
		}
	}
}

// TestFileIndex reads a static index from disk, as gopip repo writes it.
func TestFileIndex(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "simple", "demo"), 0o755)
	os.WriteFile(filepath.Join(root, "simple", "demo", "index.html"), []byte(demoHTML), 0o644)
	c := newClient(t, Options{Indexes: []*Index{{URL: fileURL(filepath.Join(root, "simple")) + "/"}}})
	files, err := c.Files(context.Background(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0].URL != fileURL(filepath.Join(root, "packages", "demo-1.0-py3-none-any.whl")) {
		t.Fatalf("files %+v", files)
	}
	if files, err := c.Files(context.Background(), "absent"); err != nil || len(files) != 0 {
		t.Errorf("absent: %v %v", files, err)
	}
}

// TestEndlessPageRefused: a server that sends a project page without end
// (or merely larger than maxPageSize) gets a clear error naming the URL,
// after gopip has read at most the limit.
func TestEndlessPageRefused(t *testing.T) {
	defer func(n int) { maxPageSize = n }(maxPageSize)
	maxPageSize = 1 << 20
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		chunk := []byte(strings.Repeat(`<a href="demo-1.0.tar.gz">demo-1.0.tar.gz</a>`+"\n", 1000))
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer ts.Close()
	c := newClient(t, Options{Indexes: []*Index{{URL: ts.URL + "/simple/"}}})
	_, err := c.Files(context.Background(), "demo")
	if err == nil || !strings.Contains(err.Error(), ts.URL+"/simple/demo/: page larger than 1 MiB") {
		t.Fatalf("err = %v", err)
	}
}
