package trust

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/blake2b"

	"github.com/gopip/gopip/internal/httpx"
	"github.com/gopip/gopip/internal/progress"
)

// content returns n deterministic pseudo-random bytes.
func content(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed+1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func digests(b []byte) map[string]string {
	s256 := sha256.Sum256(b)
	s512 := sha512.Sum512(b)
	b2 := blake2b.Sum256(b)
	return map[string]string{
		"sha256":      hex.EncodeToString(s256[:]),
		"sha512":      hex.EncodeToString(s512[:]),
		"blake2b-256": hex.EncodeToString(b2[:]),
	}
}

// newClient returns a hermetic client: no environment, no netrc, and a 1 ms
// backoff.
func newClient(t testing.TB, retries int) *httpx.Client {
	t.Helper()
	c, err := httpx.New(httpx.Options{
		Retries:        retries,
		RetryBaseDelay: time.Millisecond,
		Timeout:        5 * time.Second,
		NoNetrc:        true,
		LookupEnv:      func(string) (string, bool) { return "", false },
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// assertEmpty fails unless dir holds exactly the named files (no
// destination, no temporary file).
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if fmt.Sprint(got) != fmt.Sprint(names) {
		t.Errorf("%s holds %q, want %q", dir, got, names)
	}
}

// serveBytes serves data with range support.
func serveBytes(data []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "f", time.Time{}, bytes.NewReader(data))
	}
}

func TestDownloadVerified(t *testing.T) {
	data := content(300_000, 1)
	srv := httptest.NewServer(serveBytes(data))
	defer srv.Close()
	dir := t.TempDir()
	var out bytes.Buffer
	r := progress.New(progress.Options{Out: &out, IsTerminal: func() bool { return false }})
	d := NewDownloader(newClient(t, 0), DownloaderOptions{Progress: r, Sync: true})
	want := digests(data)
	dest := filepath.Join(dir, "sub", "flask-3.1.3-py3-none-any.whl")
	res, err := d.Download(t.Context(), Request{URL: srv.URL + "/flask.whl", Dest: dest, Length: int64(len(data)), Hashes: want})
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	got, _ := os.ReadFile(dest)
	if !bytes.Equal(got, data) || res.Size != int64(len(data)) || res.Path != dest {
		t.Fatalf("result %+v", res)
	}
	for algo, h := range want {
		if res.Hashes[algo] != h {
			t.Errorf("%s = %s, want %s", algo, res.Hashes[algo], h)
		}
	}
	if st, _ := os.Stat(dest); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", st.Mode())
	}
	assertOnly(t, filepath.Dir(dest), "flask-3.1.3-py3-none-any.whl")
	if out.String() != "Downloaded flask-3.1.3-py3-none-any.whl (300 kB)\n" {
		t.Errorf("progress %q", out.String())
	}
}

func TestDownloadWithoutHashesRecordsSHA256(t *testing.T) {
	data := content(5000, 2)
	srv := httptest.NewServer(serveBytes(data))
	defer srv.Close()
	d := NewDownloader(newClient(t, 0), DownloaderOptions{})
	res, err := d.Download(t.Context(), Request{URL: srv.URL, Dest: filepath.Join(t.TempDir(), "x.tar.gz")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Hashes["sha256"] != digests(data)["sha256"] || len(res.Hashes) != 1 {
		t.Errorf("hashes %v", res.Hashes)
	}
}

func TestHashMismatch(t *testing.T) {
	served := content(100_000, 3)
	trusted := digests(content(100_000, 4))
	srv := httptest.NewServer(serveBytes(served))
	defer srv.Close()
	for _, algo := range []string{"sha256", "sha512", "blake2b-256"} {
		t.Run(algo, func(t *testing.T) {
			dir := t.TempDir()
			d := NewDownloader(newClient(t, 0), DownloaderOptions{})
			// The other algorithms are right: every one must match.
			hashes := digests(served)
			hashes[algo] = strings.ToUpper(trusted[algo])
			_, err := d.Download(t.Context(), Request{URL: srv.URL, Dest: filepath.Join(dir, "evil.whl"), Length: int64(len(served)), Hashes: hashes})
			var he *HashMismatchError
			if !errors.As(err, &he) || he.Algo != algo || he.Want != trusted[algo] || he.Got != digests(served)[algo] || !he.SecurityFailure() {
				t.Fatalf("err = %v, want a %s mismatch", err, algo)
			}
			if !strings.Contains(err.Error(), "Expected "+algo+" "+trusted[algo]) {
				t.Errorf("message %q", err)
			}
			assertOnly(t, dir)
		})
	}
}

// countingBody counts the bytes read from a response body.
type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func TestEndlessData(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("A"), 32<<10)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	d := NewDownloader(newClient(t, 3), DownloaderOptions{})
	var read atomic.Int64
	d.wrapBody = func(rc io.ReadCloser) io.ReadCloser { return countingBody{rc, &read} }
	const length = 100_000
	_, err := d.Download(t.Context(), Request{URL: srv.URL, Dest: filepath.Join(dir, "f.whl"), Length: length,
		Hashes: map[string]string{"sha256": digests(nil)["sha256"]}})
	var le *LengthError
	if !errors.As(err, &le) || !le.Over || le.Want != length || !le.SecurityFailure() {
		t.Fatalf("err = %v, want an endless-data LengthError", err)
	}
	if n := read.Load(); n != length+1 {
		t.Errorf("read %d bytes, want exactly the trusted length + 1 = %d", n, length+1)
	}
	assertOnly(t, dir)
}

func TestLengthLies(t *testing.T) {
	data := content(10_000, 5)
	tests := []struct {
		name          string
		contentLength int // announced
		send          int // bytes actually written
		wantAnnounced bool
		wantGot       int64
	}{
		// Content-Length above the trusted length: refused before reading.
		{"announces more", 20_000, 10_000, true, 20_000},
		// Content-Length (and body) below it: a short file.
		{"announces and sends less", 9_000, 9_000, false, 9_000},
		// The server announces less than it writes; HTTP cuts the body at
		// Content-Length, which is short of the trusted length.
		{"announces less than it sends", 9_500, 10_000, false, 9_500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", strconv.Itoa(tt.contentLength))
				first := min(tt.send, tt.contentLength)
				w.Write(data[:first])
				w.Write(data[first:tt.send]) // refused by net/http past Content-Length
			}))
			defer srv.Close()
			dir := t.TempDir()
			d := NewDownloader(newClient(t, 2), DownloaderOptions{})
			var read atomic.Int64
			d.wrapBody = func(rc io.ReadCloser) io.ReadCloser { return countingBody{rc, &read} }
			_, err := d.Download(t.Context(), Request{URL: srv.URL, Dest: filepath.Join(dir, "f.whl"), Length: int64(len(data)), Hashes: digests(data)})
			var le *LengthError
			if !errors.As(err, &le) || le.Announced != tt.wantAnnounced || le.Got != tt.wantGot || le.Over {
				t.Fatalf("err = %v (%+v)", err, le)
			}
			if tt.wantAnnounced && read.Load() != 0 {
				t.Errorf("read %d bytes of a body announced too long", read.Load())
			}
			assertOnly(t, dir)
		})
	}
}

// breakingServer serves data with http.ServeContent (honouring Range and
// If-Range when ranges is set), dropping the connection after cut bytes of
// body for the first `breaks` requests.
type breakingServer struct {
	data   []byte
	cut    int
	breaks int
	ranges bool

	mu       sync.Mutex
	requests []string // Range header of each request ("" for none)
	ifRange  []string
	served   atomic.Int64
}

func (s *breakingServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	n := len(s.requests)
	s.requests = append(s.requests, r.Header.Get("Range"))
	s.ifRange = append(s.ifRange, r.Header.Get("If-Range"))
	s.mu.Unlock()
	if !s.ranges {
		r.Header.Del("Range")
	}
	w.Header().Set("ETag", `"v1"`)
	cw := &cuttingWriter{ResponseWriter: w, served: &s.served, cut: -1}
	if n < s.breaks {
		cw.cut = s.cut
	}
	http.ServeContent(cw, r, "f", time.Time{}, bytes.NewReader(s.data))
}

func (s *breakingServer) log() ([]string, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...), append([]string(nil), s.ifRange...)
}

// cuttingWriter counts the body bytes written and, once cut of them are
// out, drops the connection.
type cuttingWriter struct {
	http.ResponseWriter
	served *atomic.Int64
	n, cut int
}

func (c *cuttingWriter) Write(p []byte) (int, error) {
	if c.cut >= 0 && c.n+len(p) >= c.cut {
		m, _ := c.ResponseWriter.Write(p[:c.cut-c.n])
		c.served.Add(int64(m))
		c.ResponseWriter.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}
	m, err := c.ResponseWriter.Write(p)
	c.n += m
	c.served.Add(int64(m))
	return m, err
}

func TestResumeWithRange(t *testing.T) {
	data := content(1_000_000, 6)
	s := &breakingServer{data: data, cut: 400_000, breaks: 1, ranges: true}
	srv := httptest.NewServer(s)
	srv.Config.ErrorLog = discardLog()
	defer srv.Close()
	dir := t.TempDir()
	d := NewDownloader(newClient(t, 3), DownloaderOptions{})
	res, err := d.Download(t.Context(), Request{URL: srv.URL, Dest: filepath.Join(dir, "big.whl"), Length: int64(len(data)), Hashes: digests(data)})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(res.Path); !bytes.Equal(got, data) {
		t.Fatal("content differs")
	}
	// The second request asks for exactly the missing bytes, guarded by the
	// first response's ETag, and nothing is transferred twice.
	ranges, ifRange := s.log()
	if fmt.Sprint(ranges) != "[ bytes=400000-]" || ifRange[1] != `"v1"` {
		t.Errorf("Range headers %q, If-Range %q", ranges, ifRange)
	}
	if s.served.Load() != int64(len(data)) || res.Resumes != 1 {
		t.Errorf("served %d bytes for a %d-byte file, %d resumes", s.served.Load(), len(data), res.Resumes)
	}
	assertOnly(t, dir, "big.whl")
}

func TestResumeAfterStall(t *testing.T) {
	data := content(300_000, 13)
	var n atomic.Int32
	var ranges sync.Map
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		ranges.Store(i, r.Header.Get("Range"))
		if i == 1 {
			// Half the file, then silence: the client's read timeout fires.
			w.Header().Set("Content-Length", strconv.Itoa(len(data)))
			w.Write(data[:150_000])
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			return
		}
		http.ServeContent(w, r, "f", time.Time{}, bytes.NewReader(data))
	}))
	defer srv.Close()
	c, err := httpx.New(httpx.Options{Timeout: 500 * time.Millisecond, Retries: 2, RetryBaseDelay: time.Millisecond,
		NoNetrc: true, LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	d := NewDownloader(c, DownloaderOptions{})
	res, err := d.Download(t.Context(), Request{URL: srv.URL, Dest: filepath.Join(t.TempDir(), "f.whl"), Length: int64(len(data)), Hashes: digests(data)})
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := ranges.Load(int32(2)); r != "bytes=150000-" || res.Resumes != 1 {
		t.Errorf("second request Range %q, %d resumes", r, res.Resumes)
	}
}

func TestRestartWithoutRangeSupport(t *testing.T) {
	data := content(500_000, 7)
	s := &breakingServer{data: data, cut: 200_000, breaks: 1, ranges: false}
	srv := httptest.NewServer(s)
	srv.Config.ErrorLog = discardLog()
	defer srv.Close()
	d := NewDownloader(newClient(t, 3), DownloaderOptions{})
	res, err := d.Download(t.Context(), Request{URL: srv.URL, Dest: filepath.Join(t.TempDir(), "f.whl"), Length: int64(len(data)), Hashes: digests(data)})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(res.Path); !bytes.Equal(got, data) || res.Resumes != 1 {
		t.Fatalf("content differs or %d resumes", res.Resumes)
	}
}

func TestResumeGivesUp(t *testing.T) {
	data := content(100_000, 8)
	s := &breakingServer{data: data, cut: 1000, breaks: 100, ranges: true}
	srv := httptest.NewServer(s)
	srv.Config.ErrorLog = discardLog()
	defer srv.Close()
	dir := t.TempDir()
	d := NewDownloader(newClient(t, 2), DownloaderOptions{})
	_, err := d.Download(t.Context(), Request{URL: srv.URL, Dest: filepath.Join(dir, "f.whl"), Length: int64(len(data)), Hashes: digests(data)})
	if err == nil || !strings.Contains(err.Error(), "gave up after 3 broken connections") {
		t.Fatalf("err = %v", err)
	}
	if ranges, _ := s.log(); fmt.Sprint(ranges) != "[ bytes=1000- bytes=2000-]" {
		t.Errorf("requests %q, want 3, each resuming", ranges)
	}
	assertOnly(t, dir)
}

func TestFetchConcurrencyBound(t *testing.T) {
	const files = 50
	var cur, peak atomic.Int32
	blobs := make([][]byte, files)
	for i := range blobs {
		blobs[i] = content(2000+i*37, uint64(100+i))
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
		cur.Add(-1) // before the body, so the count is exact
		i, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		w.Write(blobs[i])
	}))
	defer srv.Close()
	dir := t.TempDir()
	d := NewDownloader(newClient(t, 0), DownloaderOptions{Concurrency: 4})
	var reqs []Request
	for i := range blobs {
		reqs = append(reqs, Request{URL: fmt.Sprintf("%s/%d", srv.URL, i), Dest: filepath.Join(dir, fmt.Sprintf("f%02d.whl", i)),
			Length: int64(len(blobs[i])), Hashes: map[string]string{"sha256": digests(blobs[i])["sha256"]}})
	}
	results, err := d.Fetch(t.Context(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	for i, res := range results {
		if got, _ := os.ReadFile(res.Path); res.Path != reqs[i].Dest || !bytes.Equal(got, blobs[i]) {
			t.Fatalf("result %d: %+v", i, res)
		}
	}
	if p := peak.Load(); p != 4 {
		t.Errorf("peak concurrency %d, want 4", p)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != files {
		t.Errorf("%d files in %s", len(entries), dir)
	}
}

func TestDedup(t *testing.T) {
	data := content(50_000, 9)
	var hits atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		<-release
		w.Write(data)
	}))
	defer srv.Close()
	dest := filepath.Join(t.TempDir(), "f.whl")
	d := NewDownloader(newClient(t, 0), DownloaderOptions{})
	want := digests(data)
	reqs := make([]Request, 10)
	for i := range reqs {
		reqs[i] = Request{URL: srv.URL + "/f.whl", Dest: dest, Hashes: map[string]string{"sha256": want["sha256"]}}
	}
	// One request expects another sha512: it is not the same request, so it
	// gets a transfer of its own, and fails alone.
	wrong := digests(content(10, 10))["sha512"]
	reqs[9].Hashes = map[string]string{"sha512": wrong}

	results := make([]Result, len(reqs))
	errs := make([]error, len(reqs))
	var wg sync.WaitGroup
	for i := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = d.Download(t.Context(), reqs[i])
		}()
	}
	// Let the transfers finish only once the eight followers of the first
	// are waiting for it.
	key := dedupKey(reqs[0])
	for {
		d.mu.Lock()
		c := d.inflight[key]
		n := 0
		if c != nil {
			n = c.waiters
		}
		d.mu.Unlock()
		if n == 8 && hits.Load() == 2 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if hits.Load() != 2 {
		t.Errorf("%d requests, want 2", hits.Load())
	}
	var he *HashMismatchError
	if !errors.As(errs[9], &he) || he.Algo != "sha512" {
		t.Errorf("follower with the wrong hash: %v", errs[9])
	}
	for i := 0; i < 9; i++ {
		if errs[i] != nil || results[i].Hashes["sha256"] != want["sha256"] {
			t.Errorf("request %d: %v %+v", i, errs[i], results[i])
		}
	}
}

func TestCancelRemovesTempFile(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000000")
		w.Write(make([]byte, 64<<10))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	d := NewDownloader(newClient(t, 5), DownloaderOptions{})
	var once sync.Once
	d.wrapBody = func(rc io.ReadCloser) io.ReadCloser {
		return readHook{rc, func() {
			once.Do(func() {
				// Some bytes reached the temporary file: cancel now.
				go func() { time.Sleep(20 * time.Millisecond); cancel() }()
			})
		}}
	}
	_, err := d.Download(ctx, Request{URL: srv.URL, Dest: filepath.Join(dir, "f.whl"), Length: 1_000_000})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	assertOnly(t, dir)
}

type readHook struct {
	io.ReadCloser
	hook func()
}

func (r readHook) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	if n > 0 {
		r.hook()
	}
	return n, err
}

func TestFetchStopsAtFirstFailure(t *testing.T) {
	good := content(1000, 11)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow":
			w.Header().Set("Content-Length", "100000")
			w.Write(make([]byte, 1000))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		default:
			w.Write(good)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	d := NewDownloader(newClient(t, 0), DownloaderOptions{})
	reqs := []Request{
		{URL: srv.URL + "/slow", Dest: filepath.Join(dir, "slow1.whl")},
		{URL: srv.URL + "/tampered", Dest: filepath.Join(dir, "tampered.whl"), Hashes: digests(content(1000, 12))},
		{URL: srv.URL + "/slow", Dest: filepath.Join(dir, "slow2.whl")},
	}
	start := time.Now()
	_, err := d.Fetch(t.Context(), reqs)
	var he *HashMismatchError
	if !errors.As(err, &he) || he.File != "tampered.whl" {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "another download failed") {
		t.Errorf("cancelled transfers reported as failures: %v", err)
	}
	if time.Since(start) > 3*time.Second {
		t.Error("the slow transfers were not cancelled")
	}
	assertOnly(t, dir)
}

func TestInvalidRequests(t *testing.T) {
	d := NewDownloader(newClient(t, 0), DownloaderOptions{})
	dest := filepath.Join(t.TempDir(), "f.whl")
	for _, req := range []Request{
		{URL: "http://127.0.0.1:1/f", Dest: dest, Hashes: map[string]string{"sha3_256": strings.Repeat("0", 64)}},
		{URL: "http://127.0.0.1:1/f", Dest: dest, Hashes: map[string]string{"sha256": "abc"}},
		{URL: "http://127.0.0.1:1/f", Dest: dest, Hashes: map[string]string{"sha256": strings.Repeat("z", 64)}},
		{URL: "http://127.0.0.1:1/f", Dest: dest, Length: -1},
		{URL: "", Dest: dest},
	} {
		if _, err := d.Download(t.Context(), req); err == nil || !strings.Contains(err.Error(), "download request") {
			t.Errorf("%+v: err = %v", req, err)
		}
	}
	for _, a := range []string{"md5", "sha1", "sha224", "sha256", "sha384", "sha512", "blake2b-256"} {
		if !SupportedHash(a) {
			t.Errorf("%s unsupported", a)
		}
	}
	if StrongHash("md5") || StrongHash("sha1") || !StrongHash("blake2b-256") {
		t.Error("StrongHash")
	}
}

func TestHTTPErrorNamesFile(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	d := NewDownloader(newClient(t, 0), DownloaderOptions{})
	u := strings.Replace(srv.URL, "http://", "http://user:hunter2@", 1) + "/f.whl"
	_, err := d.Download(t.Context(), Request{URL: u, Dest: filepath.Join(t.TempDir(), "f.whl")})
	if httpx.StatusCode(err) != 404 || !strings.HasPrefix(err.Error(), "downloading f.whl: 404 Client Error") || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("err = %v", err)
	}
	var sf interface{ SecurityFailure() bool }
	if errors.As(err, &sf) {
		t.Error("a 404 is not a security failure")
	}
}

// The benchmarks serve from memory over loopback, so they measure gopip's
// side: request, stream to disk, hash, rename. Run them with
// go test -run '^$' -bench Download ./trust
func BenchmarkDownloadSmallFiles(b *testing.B) {
	const files, size = 64, 16 << 10
	blobs := make([][]byte, files)
	for i := range blobs {
		blobs[i] = content(size, uint64(i))
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		http.ServeContent(w, r, "f", time.Time{}, bytes.NewReader(blobs[i]))
	}))
	defer srv.Close()
	for _, sync := range []bool{false, true} {
		b.Run(fmt.Sprintf("sync=%v", sync), func(b *testing.B) {
			d := NewDownloader(newClient(b, 0), DownloaderOptions{Sync: sync})
			dir := b.TempDir()
			reqs := make([]Request, files)
			for i := range reqs {
				reqs[i] = Request{URL: fmt.Sprintf("%s/%d", srv.URL, i), Dest: filepath.Join(dir, fmt.Sprintf("f%d.whl", i)),
					Length: size, Hashes: map[string]string{"sha256": digests(blobs[i])["sha256"]}}
			}
			b.SetBytes(files * size)
			for b.Loop() {
				if _, err := d.Fetch(b.Context(), reqs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*files)/b.Elapsed().Seconds(), "files/s")
		})
	}
}

func BenchmarkDownloadLargeFile(b *testing.B) {
	data := content(64<<20, 1)
	srv := httptest.NewServer(serveBytes(data))
	defer srv.Close()
	want := digests(data)
	for _, sync := range []bool{false, true} {
		b.Run(fmt.Sprintf("sync=%v", sync), func(b *testing.B) {
			d := NewDownloader(newClient(b, 0), DownloaderOptions{Sync: sync})
			req := Request{URL: srv.URL + "/big.whl", Dest: filepath.Join(b.TempDir(), "big.whl"), Length: int64(len(data)),
				Hashes: map[string]string{"sha256": want["sha256"]}}
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := d.Download(b.Context(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// discardLog silences the server's log of deliberately aborted handlers.
func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }
