package trust

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gopip/gopip/resolver/index"
	"github.com/gopip/gopip/trust/trusttest"
)

func TestPageGopipLayout(t *testing.T) {
	repo, _ := demoRepo(t, trusttest.Options{})
	r := addRepo(t, testStore(t, StoreOptions{}), repo, "corp")
	ctx := context.Background()
	repo.Requests()
	p, err := r.Page(ctx, "Demo")
	if err != nil {
		t.Fatal(err)
	}
	want := repo.File("simple/demo/index.json")
	if !bytes.Equal(p.Body, want) || p.ContentType != ContentTypeJSON || p.URL != repo.IndexURL()+"demo/" ||
		p.Target != "simple/demo/index.json" || p.Repository != "corp" {
		t.Errorf("page = %+v", p)
	}
	// The page is fetched under its consistent-snapshot name.
	if got := repo.Requests(); !slices.Contains(got, trusttest.HashedPath("simple/demo/index.json", want)) {
		t.Errorf("requests = %q", got)
	}
	_, err = r.Page(ctx, "nothere")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("missing project: %v", err)
	}
}

func TestPageWarehouseLayout(t *testing.T) {
	repo := trusttest.New(t, trusttest.Options{Warehouse: true})
	whl := content(3000, 7)
	repo.AddProject("Demo.Pkg", trusttest.File{Name: "demo_pkg-1.0-py3-none-any.whl", Data: whl})
	repo.Publish()
	s := testStore(t, StoreOptions{})
	if _, err := s.Add(Config{Name: "wh", IndexURL: repo.IndexURL(), Layout: LayoutWarehouse}, repo.RootJSON(1)); err != nil {
		t.Fatal(err)
	}
	r, err := s.Get("wh")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	repo.Requests()
	p, err := r.Page(ctx, "demo_pkg")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.Body, repo.File("simple/demo-pkg/index.html")) || !strings.HasPrefix(p.ContentType, "text/html") || p.Target != "demo-pkg" {
		t.Errorf("page = %+v", p)
	}
	// Fetched from the index, as HTML.
	if got := repo.Requests(); !slices.Contains(got, "simple/demo-pkg/") {
		t.Errorf("requests = %q", got)
	}
	// Files are never targets: the page's hash and size vouch for them.
	link := FileLink{URL: repo.URL() + "packages/demo_pkg-1.0-py3-none-any.whl", Hashes: map[string]string{"sha256": digests(whl)["sha256"], "md5": "0123456789abcdef0123456789abcdef"}, Size: int64(len(whl))}
	req, err := r.FileRequest(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	if req.Length != int64(len(whl)) || req.Hashes["sha256"] != digests(whl)["sha256"] || req.Name != "demo_pkg-1.0-py3-none-any.whl" {
		t.Errorf("request = %+v", req)
	}
	// A tampered page is refused.
	repo.SetFile("simple/demo-pkg/index.html", bytes.Replace(repo.File("simple/demo-pkg/index.html"), []byte("demo_pkg-1.0"), []byte("demo_pkg-6.6"), 1))
	r2 := nextRun(t, s, "wh")
	_, err = r2.Page(ctx, "demo-pkg")
	securityFailure(t, err, ReasonHash)
}

// TestFileRequest: in the gopip layout a file is checked against its
// verified page's hash and size and never looked up as a target (no bin
// is fetched for it, even when the repository lists it), and a page
// without a size is refused; in the gopip-files layout a file that is a
// target is checked against its target info and its page both.
func TestFileRequest(t *testing.T) {
	repo := trusttest.New(t, trusttest.Options{BitLength: 8})
	whl, sdist := content(4000, 1), content(3000, 2)
	repo.AddProject("demo",
		trusttest.File{Name: "demo-1.0-py3-none-any.whl", Data: whl, Target: true},
		trusttest.File{Name: "demo-1.0.tar.gz", Data: sdist})
	repo.Publish()
	ctx := context.Background()
	wd, sd := digests(whl), digests(sdist)
	whlURL, sdistURL := repo.URL()+"packages/demo-1.0-py3-none-any.whl", repo.URL()+"packages/demo-1.0.tar.gz"
	pageBin, whlBin := repo.BinFor("simple/demo/index.json"), repo.BinFor("packages/demo-1.0-py3-none-any.whl")
	if pageBin == whlBin {
		t.Fatal("the page and the wheel share a bin; pick other names")
	}

	t.Run("gopip", func(t *testing.T) {
		r := addRepo(t, testStore(t, StoreOptions{}), repo, "corp")
		if _, err := r.Page(ctx, "demo"); err != nil {
			t.Fatal(err)
		}
		repo.Requests()
		req, err := r.FileRequest(ctx, FileLink{URL: whlURL, Hashes: map[string]string{"SHA256": wd["sha256"], "sha512": wd["sha512"]}, Size: int64(len(whl))})
		if err != nil {
			t.Fatal(err)
		}
		if req.Length != int64(len(whl)) || len(req.Hashes) != 2 || req.Hashes["sha256"] != wd["sha256"] || req.Name != "demo-1.0-py3-none-any.whl" {
			t.Errorf("request = %+v", req)
		}
		// The page alone vouches: the target's bin was not fetched.
		if got := repo.Requests(); len(got) != 0 {
			t.Errorf("a file request fetched %q", got)
		}
		// A wrong page hash would be caught by the download, not here.
		req, err = r.FileRequest(ctx, FileLink{URL: sdistURL, Hashes: map[string]string{"sha256": sd["sha256"]}, Size: int64(len(sdist))})
		if err != nil || req.Length != int64(len(sdist)) {
			t.Errorf("sdist request = %+v, %v", req, err)
		}
		// No size on the page: the download could not be bounded.
		_, err = r.FileRequest(ctx, FileLink{URL: sdistURL, Hashes: map[string]string{"sha256": sd["sha256"]}})
		securityFailure(t, err, ReasonInvalid)
		// No strong hash on the page: refused.
		_, err = r.FileRequest(ctx, FileLink{URL: sdistURL, Hashes: map[string]string{"md5": "0123456789abcdef0123456789abcdef"}, Size: int64(len(sdist))})
		securityFailure(t, err, ReasonNotTarget)
	})

	t.Run("gopip-files", func(t *testing.T) {
		r := addRepoLayout(t, testStore(t, StoreOptions{}), repo, "corp", LayoutGopipFiles)
		// A target: its length and hashes, plus the page's.
		req, err := r.FileRequest(ctx, FileLink{URL: whlURL, Hashes: map[string]string{"SHA256": wd["sha256"]}})
		if err != nil {
			t.Fatal(err)
		}
		if req.Length != int64(len(whl)) || req.Hashes["sha256"] != wd["sha256"] || req.Hashes["blake2b-256"] != wd["blake2b-256"] {
			t.Errorf("target request = %+v", req)
		}
		if got := repo.Requests(); !slices.ContainsFunc(got, func(p string) bool { return strings.HasSuffix(p, "."+whlBin+".json") }) {
			t.Errorf("the wheel's bin %s was not fetched: %q", whlBin, got)
		}
		// The page and the target disagree.
		_, err = r.FileRequest(ctx, FileLink{URL: whlURL, Hashes: map[string]string{"sha256": sd["sha256"]}})
		securityFailure(t, err, ReasonHash)
		_, err = r.FileRequest(ctx, FileLink{URL: whlURL, Size: 1})
		securityFailure(t, err, ReasonLength)

		// Not a target: the page's hashes, and its size (optional here).
		req, err = r.FileRequest(ctx, FileLink{URL: sdistURL, Hashes: map[string]string{"sha256": sd["sha256"]}, Size: int64(len(sdist))})
		if err != nil {
			t.Fatal(err)
		}
		if req.Length != int64(len(sdist)) || len(req.Hashes) != 1 || req.Hashes["sha256"] != sd["sha256"] {
			t.Errorf("page request = %+v", req)
		}
		// Not a target and no strong hash on the page: refused.
		_, err = r.FileRequest(ctx, FileLink{URL: sdistURL, Hashes: map[string]string{"md5": "0123456789abcdef0123456789abcdef"}})
		securityFailure(t, err, ReasonNotTarget)
	})
}

// TestIndexClient goes through resolver/index as install does: the index
// with a root is configured by the Store, its page is verified before it
// is parsed, and each file it lists becomes a verified download.
func TestIndexClient(t *testing.T) {
	repo := trusttest.New(t, trusttest.Options{})
	whl, sdist := content(4000, 1), content(3000, 2)
	repo.AddProject("demo",
		trusttest.File{Name: "demo-1.0-py3-none-any.whl", Data: whl},
		trusttest.File{Name: "demo-1.0.tar.gz", Data: sdist})
	repo.Publish()
	s := testStore(t, StoreOptions{})
	if _, err := s.Add(Config{Name: "corp", IndexURL: repo.IndexURL()}, repo.RootJSON(1)); err != nil {
		t.Fatal(err)
	}
	client := newClient(t, 2)
	plain := &index.Index{URL: "http://127.0.0.1:1/simple/"}
	verified := &index.Index{URL: repo.IndexURL()}
	for _, ix := range []*index.Index{plain, verified} {
		if _, err := s.ConfigureIndex(ix); err != nil {
			t.Fatal(err)
		}
	}
	if plain.Verified || plain.Pages != nil || !verified.Verified || verified.Pages == nil || verified.Name != "corp" {
		t.Fatalf("configured: %+v %+v", plain, verified)
	}
	c, err := index.New(index.Options{Indexes: []*index.Index{verified}, HTTP: client})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	files, err := c.Files(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Fatalf("files = %+v", files)
	}
	r, _, _ := s.ForIndex(repo.IndexURL())
	d := NewDownloader(client, DownloaderOptions{})
	dir := t.TempDir()
	for _, f := range files {
		if !f.Verified {
			t.Errorf("%s: not verified", f.Filename)
		}
		req, err := r.Request(ctx, &f)
		if err != nil {
			t.Fatal(err)
		}
		req.Dest = filepath.Join(dir, f.Filename)
		if _, err := d.Download(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "demo-1.0-py3-none-any.whl")); !bytes.Equal(got, whl) {
		t.Error("wheel differs")
	}
	// A project that is not a target: no files, no error.
	if files, err := c.Files(ctx, "nothere"); err != nil || len(files) != 0 {
		t.Errorf("missing project: %v, %v", files, err)
	}
	// A tampered page fails the lookup with a security failure.
	repo.Intercept(func(w http.ResponseWriter, req *http.Request) bool {
		if strings.HasPrefix(req.URL.Path, "/pypi/simple/other/") {
			w.Write([]byte(`{"meta":{"api-version":"1.1"},"name":"other","files":[]}`))
			return true
		}
		return false
	})
	repo.AddProject("other", trusttest.File{Name: "other-1.0-py3-none-any.whl", Data: content(10, 3)})
	repo.Publish()
	s2 := testStore(t, StoreOptions{Dir: s.Dir()})
	ix2 := &index.Index{URL: repo.IndexURL()}
	if _, err := s2.ConfigureIndex(ix2); err != nil {
		t.Fatal(err)
	}
	c2, _ := index.New(index.Options{Indexes: []*index.Index{ix2}, HTTP: client})
	_, err = c2.Files(ctx, "other")
	var sf interface{ SecurityFailure() bool }
	if !errors.As(err, &sf) || !sf.SecurityFailure() {
		t.Errorf("tampered page: %v", err)
	}
	// A file from an unverified page is refused.
	f := files[0]
	f.Verified = false
	_, err = r.Request(ctx, &f)
	securityFailure(t, err, ReasonNotTarget)
}

// TestConcurrentVerifiedDownloads looks up 20 projects at once (pages,
// bins, file requests from many goroutines over one Repository) and
// downloads their 20 wheels in parallel; run with -race. In the gopip
// layout that fetches one bin per project at most, none per file.
func TestConcurrentVerifiedDownloads(t *testing.T) {
	repo := trusttest.New(t, trusttest.Options{})
	wheels := map[string][]byte{}
	for i := range 20 {
		name := fmt.Sprintf("proj%d", i)
		whl := content(3000+i, uint64(i))
		file := fmt.Sprintf("%s-1.0-py3-none-any.whl", name)
		wheels[file] = whl
		repo.AddProject(name, trusttest.File{Name: file, Data: whl})
	}
	repo.Publish()
	r := addRepo(t, testStore(t, StoreOptions{}), repo, "corp")
	ctx := context.Background()
	dir := t.TempDir()
	reqs := make([]Request, 20)
	errs := make([]error, 20)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			page, err := r.Page(ctx, fmt.Sprintf("proj%d", i))
			if err != nil {
				errs[i] = err
				return
			}
			files, err := index.ParsePage(&index.RawPage{Body: page.Body, ContentType: page.ContentType, URL: page.URL, Verified: true})
			if err != nil || len(files) != 1 {
				errs[i] = fmt.Errorf("proj%d: %v %v", i, files, err)
				return
			}
			f := files[0]
			f.Verified = true
			req, err := r.Request(ctx, &f)
			req.Dest = filepath.Join(dir, f.Filename)
			reqs[i], errs[i] = req, err
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	results, err := NewDownloader(r.client, DownloaderOptions{Concurrency: 20}).Fetch(ctx, reqs)
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range results {
		if got, _ := os.ReadFile(res.Path); !bytes.Equal(got, wheels[filepath.Base(res.Path)]) {
			t.Errorf("%s differs", res.Path)
		}
	}
}
