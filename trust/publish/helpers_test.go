package publish

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	tufconfig "github.com/theupdateframework/go-tuf/v2/metadata/config"
	"github.com/theupdateframework/go-tuf/v2/metadata/updater"

	"github.com/gopip/gopip/internal/testwheel"
)

// fakeClock is a clock tests move forward.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Now().UTC().Truncate(time.Second)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fixture is a repository made for a test, with its clock.
type fixture struct {
	t     testing.TB
	dir   string
	keys  string
	clock *fakeClock
	repo  *Repo
}

func newFixture(t testing.TB, opts InitOptions) *fixture {
	t.Helper()
	base := t.TempDir()
	f := &fixture{t: t, dir: filepath.Join(base, "repo"), clock: newFakeClock()}
	opts.Now = f.clock.Now
	r, err := Init(context.Background(), f.dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	f.keys = r.KeysDir()
	// Reopen, as a later command would.
	if f.repo, err = Open(f.dir, f.keys, WithClock(f.clock.Now)); err != nil {
		t.Fatal(err)
	}
	return f
}

// wheel builds a wheel of project name at version.
func (f *fixture) wheel(name, version string, metadata ...string) string {
	f.t.Helper()
	return testwheel.MustBuild(f.t, f.t.TempDir(), testwheel.Spec{
		Name:     name,
		Version:  version,
		Metadata: metadata,
		Files:    []testwheel.File{{Path: testwheel.EscapeName(name) + "/__init__.py", Data: "VERSION = " + fmt.Sprintf("%q", version) + "\n"}},
	})
}

func (f *fixture) add(files ...string) *Report {
	f.t.Helper()
	rep, err := f.repo.Add(context.Background(), files...)
	if err != nil {
		f.t.Fatalf("add: %v", err)
	}
	return rep
}

func (f *fixture) read(rel string) []byte {
	f.t.Helper()
	data, err := os.ReadFile(filepath.Join(f.dir, filepath.FromSlash(rel)))
	if err != nil {
		f.t.Fatal(err)
	}
	return data
}

func (f *fixture) root() []byte {
	f.t.Helper()
	data, err := f.repo.Root()
	if err != nil {
		f.t.Fatal(err)
	}
	return data
}

func (f *fixture) serve() *httptest.Server {
	srv := httptest.NewServer(Handler(f.dir))
	f.t.Cleanup(srv.Close)
	return srv
}

// testFetcher is go-tuf's fetcher over the test server's client: one try,
// 404 as metadata.ErrDownloadHTTP (which ends root rotation), a length
// limit.
type testFetcher struct{ c *http.Client }

func (tf testFetcher) DownloadFile(u string, maxLength int64, _ time.Duration) ([]byte, error) {
	resp, err := tf.c.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &metadata.ErrDownloadHTTP{StatusCode: resp.StatusCode, URL: u}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxLength+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > maxLength {
		return nil, &metadata.ErrDownloadLengthMismatch{Msg: fmt.Sprintf("%s is longer than %d bytes", u, maxLength)}
	}
	return data, nil
}

// tufClient is a go-tuf client of the served repository whose trusted
// metadata lives in metaDir, starting from root, at reference time at.
func tufClient(t testing.TB, srv *httptest.Server, metaDir string, root []byte, at time.Time) *updater.Updater {
	t.Helper()
	cfg, err := tufconfig.New(srv.URL+"/tuf/", root)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RemoteTargetsURL = srv.URL + "/"
	cfg.LocalMetadataDir = metaDir
	cfg.LocalTargetsDir = t.TempDir()
	cfg.Fetcher = testFetcher{srv.Client()}
	up, err := updater.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	up.UnsafeSetRefTime(at)
	return up
}

// refreshed returns a go-tuf client that has refreshed successfully.
func refreshed(t testing.TB, srv *httptest.Server, metaDir string, root []byte, at time.Time) *updater.Updater {
	t.Helper()
	up := tufClient(t, srv, metaDir, root, at)
	if err := up.Refresh(); err != nil {
		t.Fatalf("go-tuf refresh: %v", err)
	}
	return up
}

// checkTarget looks a target up through the delegations, downloads it
// (go-tuf checks its length and sha256) and compares it with the file in
// the repository folder.
func checkTarget(t testing.TB, up *updater.Updater, f *fixture, path string) {
	t.Helper()
	ti, err := up.GetTargetInfo(path)
	if err != nil {
		t.Fatalf("GetTargetInfo(%s): %v", path, err)
	}
	_, data, err := up.DownloadTarget(ti, filepath.Join(t.TempDir(), "target"), "")
	if err != nil {
		t.Fatalf("DownloadTarget(%s): %v", path, err)
	}
	if want := f.read(path); string(data) != string(want) {
		t.Fatalf("%s: downloaded bytes differ from the repository's", path)
	}
}

func sha(data []byte) []byte {
	s := sha256.Sum256(data)
	return s[:]
}

// sdist writes a source distribution "<name>-<version>.tar.gz" whose
// PKG-INFO has the given extra header lines.
func (f *fixture) sdist(name, version string, headers ...string) string {
	f.t.Helper()
	base := fmt.Sprintf("%s-%s", name, version)
	pkgInfo := fmt.Sprintf("Metadata-Version: 2.1\nName: %s\nVersion: %s\n", name, version)
	for _, h := range headers {
		pkgInfo += h + "\n"
	}
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range []struct{ name, data string }{
		{base + "/PKG-INFO", pkgInfo},
		{base + "/setup.py", "from setuptools import setup\nsetup()\n"},
	} {
		if err := tw.WriteHeader(&tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.data)), Typeflag: tar.TypeReg}); err != nil {
			f.t.Fatal(err)
		}
		tw.Write([]byte(e.data))
	}
	tw.Close()
	gz.Close()
	p := filepath.Join(f.t.TempDir(), base+".tar.gz")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		f.t.Fatal(err)
	}
	return p
}

// checkFile verifies a distribution file the way the gopip layout has
// clients do: the project's JSON page is looked up and downloaded as a
// target (checkTarget), and the file, which is not a target, must have the
// sha256 and size the verified page gives, as must its .metadata file the
// page's core-metadata hash. It returns the page's entry for the file.
func checkFile(t testing.TB, up *updater.Updater, f *fixture, project, filename string) pageFile {
	t.Helper()
	page := "simple/" + project + "/index.json"
	checkTarget(t, up, f, page)
	p, err := parseProjectJSON(f.read(page))
	if err != nil {
		t.Fatal(err)
	}
	for _, pf := range p.Files {
		if pf.Filename != filename {
			continue
		}
		data := f.read("packages/" + filename)
		if got := fmt.Sprintf("%x", sha(data)); got != pf.SHA256 || int64(len(data)) != pf.Size {
			t.Fatalf("%s: sha256 %s, %d bytes; the signed page gives %s, %d bytes", filename, got, len(data), pf.SHA256, pf.Size)
		}
		if pf.MetadataSHA256 != "" {
			if got := fmt.Sprintf("%x", sha(f.read("packages/"+filename+".metadata"))); got != pf.MetadataSHA256 {
				t.Fatalf("%s.metadata: sha256 %s, the signed page gives %s", filename, got, pf.MetadataSHA256)
			}
		}
		if _, err := up.GetTargetInfo("packages/" + filename); err == nil {
			t.Fatalf("packages/%s is a target; only project pages are", filename)
		}
		return pf
	}
	t.Fatalf("the signed page of %s does not list %s", project, filename)
	return pageFile{}
}
