package index

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopip/gopip/internal/testwheel"
)

// wheelServer serves one project page and one wheel, counting requests and
// body bytes per path, with or without range support.
type wheelServer struct {
	t        *testing.T
	spec     testwheel.Spec
	wheel    []byte
	metadata []byte // METADATA as in the wheel

	noRanges  bool   // answer range requests with the whole file
	page      string // the JSON page; set by newWheelServer
	mdServed  []byte // served at <wheel>.metadata; nil means 404
	mdHashes  string // core-metadata value on the page; "" means absent
	etagAfter int32  // change the ETag from this request on (0: never)

	mu     sync.Mutex
	hits   map[string]int
	bytes  map[string]int64
	ranges []string
}

// wheelBytes caches built wheels by file name: building a 4 MB wheel is
// slow under the race detector.
var wheelBytes sync.Map

func newWheelServer(t *testing.T, spec testwheel.Spec) *wheelServer {
	t.Helper()
	var data []byte
	if b, ok := wheelBytes.Load(spec.Filename()); ok {
		data = b.([]byte)
	} else {
		var err error
		if data, err = spec.Bytes(); err != nil {
			t.Fatal(err)
		}
		wheelBytes.Store(spec.Filename(), data)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var md []byte
	for _, f := range zr.File {
		if f.Name == spec.DistInfo()+"/METADATA" {
			rc, _ := f.Open()
			md, _ = readAll(rc)
		}
	}
	return &wheelServer{t: t, spec: spec, wheel: data, metadata: md, hits: map[string]int{}, bytes: map[string]int64{}}
}

func readAll(rc interface {
	Read([]byte) (int, error)
	Close() error
}) ([]byte, error) {
	defer rc.Close()
	var b bytes.Buffer
	_, err := b.ReadFrom(rc)
	return b.Bytes(), err
}

// countingWriter counts body bytes as the handler writes them, before the
// client can have read them (so a test reading the counts after its
// client is done sees them all).
type countingWriter struct {
	http.ResponseWriter
	s    *wheelServer
	path string
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.s.mu.Lock()
	w.s.bytes[w.path] += int64(len(p))
	w.s.mu.Unlock()
	return w.ResponseWriter.Write(p)
}

func (s *wheelServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cw := &countingWriter{ResponseWriter: w, s: s, path: r.URL.Path}
	s.mu.Lock()
	s.hits[r.URL.Path]++
	if rg := r.Header.Get("Range"); rg != "" {
		s.ranges = append(s.ranges, rg)
	}
	s.mu.Unlock()
	name := s.spec.Filename()
	switch r.URL.Path {
	case "/simple/demo/":
		md := ""
		if s.mdHashes != "" {
			md = `, "core-metadata": ` + s.mdHashes
		}
		cw.Header().Set("Content-Type", MediaTypeJSON)
		fmt.Fprintf(cw, `{"meta": {"api-version": "1.1"}, "files": [{"filename": %q, "url": "../../packages/%s", "hashes": {}%s}]}`, name, name, md)
	case "/packages/" + name:
		if s.noRanges {
			r.Header.Del("Range")
		}
		s.mu.Lock()
		n := s.hits[r.URL.Path]
		s.mu.Unlock()
		etag := `"v1"`
		if s.etagAfter > 0 && int32(n) >= s.etagAfter {
			etag = `"v2"`
		}
		cw.Header().Set("ETag", etag)
		http.ServeContent(cw, r, name, time.Unix(1700000000, 0), bytes.NewReader(s.wheel))
	case "/packages/" + name + ".metadata":
		s.mu.Lock()
		md := s.mdServed
		s.mu.Unlock()
		if md == nil {
			http.NotFound(cw, r)
			return
		}
		cw.Write(md)
	default:
		http.NotFound(cw, r)
	}
}

func (s *wheelServer) wheelStats() (hits int, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := "/packages/" + s.spec.Filename()
	return s.hits[p], s.bytes[p]
}

// lookup starts the server and returns a client and the wheel's File.
func (s *wheelServer) lookup(t *testing.T, verified bool) (*Client, File) {
	t.Helper()
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	ix := &Index{URL: ts.URL + "/simple/", Verified: verified}
	if verified {
		ix.Pages = verifyingSource{NewHTTPPages(newHTTP(t, 0))}
	}
	c := newClient(t, Options{Indexes: []*Index{ix}, HTTP: newHTTP(t, 0)})
	files, err := c.Files(context.Background(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].Kind != Wheel {
		t.Fatalf("files %+v", files)
	}
	return c, files[0]
}

// verifyingSource stands for package trust: it marks pages verified.
type verifyingSource struct{ PageSource }

func (v verifyingSource) GetPage(ctx context.Context, ix *Index, project string) (*RawPage, error) {
	p, err := v.PageSource.GetPage(ctx, ix, project)
	if p != nil {
		p.Verified = true
	}
	return p, err
}

// bigSpec is a wheel of about 2 MB of incompressible data plus extra
// files, whose central directory holds files entries. With few files it
// is laid out as bdist_wheel lays wheels out, METADATA near the end; with
// many, the data (4 MB, stored to keep the test fast under the race
// detector) sits between METADATA and RECORD.
func bigSpec(files int) testwheel.Spec {
	blob := make([]byte, 2<<20)
	if files > 100 {
		blob = make([]byte, 4<<20)
	}
	rand.NewChaCha8([32]byte{1, 2}).Read(blob)
	s := testwheel.Spec{
		Name:     "demo",
		Version:  "1.0",
		Build:    strconv.Itoa(files), // a distinct file name per shape, for wheelBytes
		Metadata: []string{"Requires-Dist: requests>=2", "Requires-Python: >=3.8"},
	}
	if files > 100 {
		s.Extra = []testwheel.Entry{{Name: "demo/blob.bin", Data: blob, Stored: true}}
	} else {
		s.Files = []testwheel.File{{Path: "demo/blob.bin", Data: string(blob)}}
	}
	for i := range files {
		s.Files = append(s.Files, testwheel.File{Path: fmt.Sprintf("demo/sub/module_%05d.py", i), Data: "x = 1\n"})
	}
	return s
}

func TestMetadataRangeRequests(t *testing.T) {
	for _, tc := range []struct {
		name        string
		files       int
		maxRequests int
	}{
		{"small central directory", 3, 1},
		{"central directory beyond the tail", 3000, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newWheelServer(t, bigSpec(tc.files))
			c, f := s.lookup(t, false)
			md, raw, err := c.Metadata(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(raw, s.metadata) || md.Name() != "demo" || md.Get("Requires-Dist") != "requests>=2" {
				t.Errorf("metadata %q", raw)
			}
			hits, n := s.wheelStats()
			t.Logf("wheel %d bytes; %d requests, %d bytes (%v)", len(s.wheel), hits, n, s.ranges)
			if hits > tc.maxRequests {
				t.Errorf("%d range requests, want at most %d", hits, tc.maxRequests)
			}
			if n*10 > int64(len(s.wheel)) {
				t.Errorf("%d bytes transferred for a %d-byte wheel", n, len(s.wheel))
			}
			if len(s.ranges) == 0 || s.ranges[0] != fmt.Sprintf("bytes=-%d", tailSize) {
				t.Errorf("first range %v, want a suffix range", s.ranges)
			}
			// Cached: no more requests.
			if _, _, err := c.Metadata(context.Background(), f); err != nil {
				t.Fatal(err)
			}
			if again, _ := s.wheelStats(); again != hits {
				t.Errorf("a second Metadata made %d more requests", again-hits)
			}
		})
	}
}

// TestMetadataRangeZip64 reads a wheel whose central directory needs the
// zip64 end records (more than 65535 entries).
func TestMetadataRangeZip64(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 70,000-entry archive")
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := range 70000 {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("demo/m%05d.py", i), Method: zip.Store})
		w.Write([]byte("x"))
	}
	md := "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nSummary: zip64\n"
	w, _ := zw.Create("demo-1.0.dist-info/METADATA")
	w.Write([]byte(md))
	w, _ = zw.Create("demo-1.0.dist-info/RECORD")
	w.Write([]byte(""))
	zw.Close()
	s := &wheelServer{t: t, spec: testwheel.Spec{Name: "demo", Version: "1.0"}, wheel: buf.Bytes(), hits: map[string]int{}, bytes: map[string]int64{}}
	c, f := s.lookup(t, false)
	got, raw, err := c.Metadata(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if string(raw) != md || got.Get("Summary") != "zip64" {
		t.Errorf("metadata %q", raw)
	}
	hits, n := s.wheelStats()
	t.Logf("%d-byte zip64 archive: %d requests, %d bytes", len(s.wheel), hits, n)
}

func TestMetadataWithoutRangeSupport(t *testing.T) {
	s := newWheelServer(t, bigSpec(3))
	s.noRanges = true
	c, f := s.lookup(t, false)
	_, _, err := c.Metadata(context.Background(), f)
	if !errors.Is(err, ErrDownloadRequired) {
		t.Fatalf("error %v, want ErrDownloadRequired", err)
	}
	if !strings.Contains(err.Error(), f.Filename) {
		t.Errorf("error %q does not name the file", err)
	}
	if hits, _ := s.wheelStats(); hits != 1 {
		t.Errorf("%d requests", hits)
	}
}

// TestMetadataFileChangedBetweenRanges: when the wheel changes under the
// range requests (If-Range no longer matches), the whole file is needed.
func TestMetadataFileChangedBetweenRanges(t *testing.T) {
	s := newWheelServer(t, bigSpec(3000))
	s.etagAfter = 2
	c, f := s.lookup(t, false)
	if _, _, err := c.Metadata(context.Background(), f); !errors.Is(err, ErrDownloadRequired) {
		t.Fatalf("error %v, want ErrDownloadRequired", err)
	}
}

func TestMetadataVerifiedIndexMakesNoRangeRequests(t *testing.T) {
	s := newWheelServer(t, bigSpec(3))
	c, f := s.lookup(t, true)
	if !f.Verified {
		t.Fatal("page not verified")
	}
	_, _, err := c.Metadata(context.Background(), f)
	if !errors.Is(err, ErrDownloadRequired) {
		t.Fatalf("error %v, want ErrDownloadRequired", err)
	}
	if hits, _ := s.wheelStats(); hits != 0 {
		t.Errorf("%d requests for the wheel of a verified index", hits)
	}
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func TestMetadataPEP658(t *testing.T) {
	spec := bigSpec(3)
	t.Run("right hash", func(t *testing.T) {
		s := newWheelServer(t, spec)
		s.mdServed = s.metadata
		s.mdHashes = fmt.Sprintf(`{"sha256": %q}`, sha256Hex(s.metadata))
		c, f := s.lookup(t, false)
		md, raw, err := c.Metadata(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(raw, s.metadata) || md.Version() != "1.0" {
			t.Errorf("metadata %q", raw)
		}
		if hits, _ := s.wheelStats(); hits != 0 {
			t.Errorf("%d requests for the wheel", hits)
		}
	})
	t.Run("wrong hash", func(t *testing.T) {
		s := newWheelServer(t, spec)
		s.mdServed = append([]byte("Requires-Dist: evil\n"), s.metadata...)
		s.mdHashes = fmt.Sprintf(`{"sha256": %q}`, sha256Hex(s.metadata))
		c, f := s.lookup(t, false)
		_, _, err := c.Metadata(context.Background(), f)
		var hm *HashMismatchError
		if !errors.As(err, &hm) || !hm.SecurityFailure() || hm.Algo != "sha256" || hm.Want != sha256Hex(s.metadata) {
			t.Fatalf("error %v, want a *HashMismatchError", err)
		}
		var sec interface{ SecurityFailure() bool }
		if !errors.As(err, &sec) {
			t.Error("no SecurityFailure in the chain")
		}
		if hits, _ := s.wheelStats(); hits != 0 {
			t.Errorf("a hash mismatch fell back to the wheel (%d requests)", hits)
		}
	})
	t.Run("other algorithm", func(t *testing.T) {
		s := newWheelServer(t, spec)
		s.mdServed = s.metadata
		sum := md5.Sum(s.metadata)
		s.mdHashes = fmt.Sprintf(`{"md5": %q}`, hex.EncodeToString(sum[:]))
		c, f := s.lookup(t, false)
		if _, _, err := c.Metadata(context.Background(), f); err != nil {
			t.Fatal(err)
		}
		s.mdServed = []byte("Name: demo\nVersion: 1.0\n")
		c, f = s.lookup(t, false)
		var hm *HashMismatchError
		if _, _, err := c.Metadata(context.Background(), f); !errors.As(err, &hm) || hm.Algo != "md5" {
			t.Fatalf("error %v, want an md5 *HashMismatchError", err)
		}
	})
	t.Run("no hash", func(t *testing.T) {
		s := newWheelServer(t, spec)
		s.mdServed = s.metadata
		s.mdHashes = "true"
		c, f := s.lookup(t, false)
		if _, _, err := c.Metadata(context.Background(), f); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("advertised but missing", func(t *testing.T) {
		s := newWheelServer(t, spec)
		s.mdHashes = "true"
		c, f := s.lookup(t, false)
		if _, raw, err := c.Metadata(context.Background(), f); err != nil || !bytes.Equal(raw, s.metadata) {
			t.Fatalf("no fallback to range requests: %v", err)
		}
	})
	t.Run("inconsistent name", func(t *testing.T) {
		s := newWheelServer(t, spec)
		s.mdServed = []byte("Metadata-Version: 2.1\nName: other\nVersion: 1.0\n")
		s.mdHashes = "true"
		c, f := s.lookup(t, false)
		var ie *InconsistentMetadataError
		if _, _, err := c.Metadata(context.Background(), f); !errors.As(err, &ie) || ie.Field != "Name" {
			t.Fatalf("error %v, want *InconsistentMetadataError", err)
		}
	})
	t.Run("verified index, sha256", func(t *testing.T) {
		s := newWheelServer(t, spec)
		s.mdServed = s.metadata
		s.mdHashes = fmt.Sprintf(`{"sha256": %q}`, sha256Hex(s.metadata))
		c, f := s.lookup(t, true)
		if _, _, err := c.Metadata(context.Background(), f); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("verified index, no strong hash", func(t *testing.T) {
		s := newWheelServer(t, spec)
		s.mdServed = s.metadata
		s.mdHashes = "true"
		c, f := s.lookup(t, true)
		if _, _, err := c.Metadata(context.Background(), f); !errors.Is(err, ErrDownloadRequired) {
			t.Fatalf("error %v, want ErrDownloadRequired", err)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if n := s.hits["/packages/"+spec.Filename()+".metadata"] + s.hits["/packages/"+spec.Filename()]; n != 0 {
			t.Errorf("%d requests for bytes nothing verifies", n)
		}
	})
}

func TestMetadataSdistNeedsDownload(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<a href="demo-1.0.tar.gz">x</a>`)
	}))
	defer ts.Close()
	c := newClient(t, Options{Indexes: []*Index{{URL: ts.URL}}})
	files, err := c.Files(context.Background(), "demo")
	if err != nil || len(files) != 1 {
		t.Fatal(files, err)
	}
	if _, _, err := c.Metadata(context.Background(), files[0]); !errors.Is(err, ErrDownloadRequired) {
		t.Fatalf("error %v", err)
	}
}

func TestMetadataFromWheel(t *testing.T) {
	dir := t.TempDir()
	good := testwheel.MustBuild(t, dir, testwheel.Spec{Name: "Demo.Pkg", Version: "1.0", Metadata: []string{"Summary: hello"}})
	md, raw, err := MetadataFromWheel(good)
	if err != nil {
		t.Fatal(err)
	}
	if md.Name() != "Demo.Pkg" || md.Get("Summary") != "hello" || len(raw) == 0 {
		t.Errorf("metadata %q", raw)
	}

	// Through the Client, from a find-links folder.
	c := newClient(t, Options{FindLinks: []string{dir}})
	files, err := c.Files(context.Background(), "demo-pkg")
	if err != nil || len(files) != 1 {
		t.Fatal(files, err)
	}
	if _, raw2, err := c.Metadata(context.Background(), files[0]); err != nil || !bytes.Equal(raw, raw2) {
		t.Errorf("local wheel: %v", err)
	}

	for _, tc := range []struct {
		name string
		spec testwheel.Spec
		want string
	}{
		{"two dist-info", testwheel.Spec{Name: "demo", Version: "2.0", DistInfoFiles: nil,
			Extra: []testwheel.Entry{{Name: "other-1.0.dist-info/METADATA", Data: []byte("Name: other\n")}}}, "multiple .dist-info directories"},
		{"foreign dist-info", testwheel.Spec{Name: "demo", Version: "3.0", DistInfoName: "other-3.0"}, "does not start with"},
		{"no METADATA", testwheel.Spec{Name: "demo", Version: "4.0", NoMetadata: true}, "not found"},
	} {
		p := testwheel.MustBuild(t, t.TempDir(), tc.spec)
		if _, _, err := MetadataFromWheel(p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, _, err := MetadataFromWheel(filepath.Join(dir, "missing.whl")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestMetadataCacheKeepsVerificationApart: an answer obtained for a file
// of an unverified index (from range requests) is not reused for the same
// URL listed on a verified one.
func TestMetadataCacheKeepsVerificationApart(t *testing.T) {
	s := newWheelServer(t, bigSpec(3))
	c, f := s.lookup(t, false)
	if _, _, err := c.Metadata(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	v := f
	v.Verified = true
	if _, _, err := c.Metadata(context.Background(), v); !errors.Is(err, ErrDownloadRequired) {
		t.Fatalf("verified copy: %v, want ErrDownloadRequired", err)
	}
	s.mu.Lock()
	s.mdServed = s.metadata
	s.mu.Unlock()
	h := f
	h.Metadata = &MetadataInfo{Hashes: map[string]string{"sha256": strings.Repeat("0", 64)}}
	var hm *HashMismatchError
	if _, _, err := c.Metadata(context.Background(), h); !errors.As(err, &hm) {
		t.Fatalf("copy with a digest: %v, want the digest checked", err)
	}
}
