package cmd

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gopip/gopip/internal/pythontest"
	"github.com/gopip/gopip/internal/testwheel"
	"github.com/gopip/gopip/trust/publish"
)

// countingHandler serves a gopip repository and counts the requests by
// kind: "page" (simple/ pages, and TUF-verified index.json targets),
// "metadata" (PEP 658 files), "file" (distributions), "tuf" (metadata);
// "<kind> 304" counts the Not Modified answers.
type countingHandler struct {
	h      http.Handler
	mu     sync.Mutex
	counts map[string]int
}

func (c *countingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	kind := "page"
	switch {
	case strings.HasPrefix(p, "/tuf/"):
		kind = "tuf"
	case strings.HasSuffix(p, ".metadata"):
		kind = "metadata"
	case strings.HasSuffix(p, ".whl"), strings.HasSuffix(p, ".tar.gz"):
		kind = "file"
	}
	rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	c.h.ServeHTTP(rec, r)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[kind]++
	if rec.status == http.StatusNotModified {
		c.counts[kind+" 304"]++
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// take returns the counts since the last call.
func (c *countingHandler) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.counts
	c.counts = map[string]int{}
	return out
}

// cacheWorld is a repository with app (which requires dep) and dep,
// served on loopback, and a hermetic home.
type cacheWorld struct {
	t       *testing.T
	python  string
	dir     string
	index   string
	srv     *countingHandler
	environ []string
	cache   string // $XDG_CACHE_HOME/gopip
	root    string // the repository's root metadata file
}

func newCacheWorld(t *testing.T) *cacheWorld {
	t.Helper()
	python := pythontest.Python(t)
	dir := t.TempDir()
	ctx := context.Background()
	var files []string
	for _, s := range []testwheel.Spec{
		{Name: "app", Version: "1.0", Metadata: []string{"Requires-Dist: dep"},
			Files:          []testwheel.File{{Path: "app/__init__.py", Data: "import dep\nVERSION = '1.0'\n"}},
			ConsoleScripts: map[string]string{"app-cli": "app:main"}},
		{Name: "dep", Version: "1.0",
			Files: []testwheel.File{{Path: "dep/__init__.py", Data: "DEP = 1\n"}, {Path: "dep/data.bin", Data: strings.Repeat("\x00\x01", 5000)}},
			Data:  []testwheel.File{{Path: "scripts/dep-tool", Data: "#!python\nimport dep\n", Mode: 0o755}}},
	} {
		files = append(files, testwheel.MustBuild(t, dir, s))
	}
	repo, err := publish.Init(ctx, filepath.Join(dir, "repo"), publish.InitOptions{BinBits: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := repo.Add(ctx, files...); err != nil {
		t.Fatal(err)
	}
	srv := &countingHandler{h: publish.Handler(repo.Dir()), counts: map[string]int{}}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	rootFile := filepath.Join(dir, "root.json")
	if err := os.WriteFile(rootFile, root, 0o644); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(dir, "home")
	return &cacheWorld{t: t, python: python, dir: dir, index: ts.URL + "/simple/", srv: srv, root: rootFile,
		cache: filepath.Join(home, ".cache", "gopip"),
		environ: []string{
			"HOME=" + home,
			"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
			"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
			"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
			"XDG_CONFIG_DIRS=" + filepath.Join(dir, "etc-xdg"),
			"PATH=" + os.Getenv("PATH"),
			"PYTHONDONTWRITEBYTECODE=1",
		}}
}

func (w *cacheWorld) gopip(environ []string, args ...string) (string, string) {
	w.t.Helper()
	var out, errOut bytes.Buffer
	if code := Run(context.Background(), args, append(w.environ, environ...), strings.NewReader(""), &out, &errOut); code != 0 {
		w.t.Fatalf("gopip %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
	}
	return out.String(), errOut.String()
}

// install installs app into a new venv and checks it works.
func (w *cacheWorld) install(environ []string, args ...string) (venv, stderr string) {
	w.t.Helper()
	venv, err := os.MkdirTemp(w.dir, "venv")
	if err != nil {
		w.t.Fatal(err)
	}
	if out, err := exec.Command(w.python, "-m", "venv", "--without-pip", venv).CombinedOutput(); err != nil {
		w.t.Fatalf("creating venv: %v\n%s", err, out)
	}
	py := filepath.Join(venv, "bin", "python")
	out, errOut := w.gopip(environ, append([]string{"install", "--python", py, "-i", w.index, "--progress-bar", "off", "--no-compile", "app"}, args...)...)
	if !strings.Contains(out, "Successfully installed app-1.0 dep-1.0") {
		w.t.Fatalf("install: %s%s", out, errOut)
	}
	got, err := exec.Command(py, "-c", "import app, dep; print(app.VERSION, dep.DEP)").CombinedOutput()
	if err != nil || string(got) != "1.0 1\n" {
		w.t.Fatalf("import: %v\n%s", err, got)
	}
	return venv, errOut
}

// cacheState describes every file under the cache: size, mode, time.
func cacheState(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		info, err := d.Info()
		if err == nil {
			out[p] = fmt.Sprintf("%v %d %v", info.Mode(), info.Size(), info.ModTime().UnixNano())
		}
		return nil
	})
	return out
}

// TestCacheLayers: a second install from the same repository, with the
// cache the first one filled, downloads no distribution and no metadata
// file, reads verified pages from the cache (TUF) or revalidates them
// (no TUF root: 304), and links the installed files from the unpacked
// wheels; a cached download that was changed is downloaded again; with
// --no-cache-dir (or PIP_NO_CACHE_DIR, any valid boolean) nothing under
// the cache is read or written.
func TestCacheLayers(t *testing.T) {
	for _, verified := range []bool{true, false} {
		t.Run(map[bool]string{true: "verified", false: "unverified"}[verified], func(t *testing.T) {
			w := newCacheWorld(t)
			if verified {
				w.gopip(nil, "trust", "add", "local", "--index-url", w.index, "--root", w.root, "-y")
			}
			w.srv.take()

			w.install(nil)
			first := w.srv.take()
			if first["file"] != 2 || first["metadata"] != 2 || first["page"] < 2 {
				t.Fatalf("cold install: requests %v; want 2 pages, 2 metadata files, 2 files", first)
			}

			venv, _ := w.install(nil)
			warm := w.srv.take()
			if warm["file"] != 0 || warm["metadata"] != 0 {
				t.Errorf("warm install: requests %v; want no file and no metadata file", warm)
			}
			if verified && warm["page"] != 0 {
				t.Errorf("warm install: %d page requests; want the verified pages from the cache (their digests are in the bins)", warm["page"])
			}
			if !verified && (warm["page"] != 2 || warm["page 304"] != 2) {
				t.Errorf("warm install: %d page requests, %d answered 304; want both pages revalidated", warm["page"], warm["page 304"])
			}
			// Linked from the unpacked wheels (the cache and this
			// environment are on one file system): the two environments
			// and the cache share the module.
			site, _ := filepath.Glob(filepath.Join(venv, "lib", "python*", "site-packages"))
			st, err := os.Stat(filepath.Join(site[0], "dep", "data.bin"))
			if err != nil {
				t.Fatal(err)
			}
			if n := st.Sys().(*syscall.Stat_t).Nlink; n != 3 {
				t.Errorf("dep/data.bin has %d links, want 3", n)
			}

			// A changed download in the cache is detected and replaced.
			cached, _ := filepath.Glob(filepath.Join(w.cache, "files", "sha256", "*", "*", "dep-1.0-py3-none-any.whl"))
			if len(cached) != 1 {
				t.Fatalf("cached dep wheel: %v", cached)
			}
			data, err := os.ReadFile(cached[0])
			if err != nil {
				t.Fatal(err)
			}
			data[len(data)/2] ^= 0xff
			if err := os.WriteFile(cached[0], data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, stderr := w.install(nil)
			if !strings.Contains(stderr, "The cached dep-1.0-py3-none-any.whl does not match what gopip trusts now") {
				t.Errorf("no warning about the changed download:\n%s", stderr)
			}
			if got := w.srv.take(); got["file"] != 1 {
				t.Errorf("after the change: requests %v; want dep downloaded again", got)
			}

			// Without the cache, nothing under it changes, and everything
			// is fetched.
			before := cacheState(t, w.cache)
			for _, off := range [][]string{{"--no-cache-dir"}, {"PIP_NO_CACHE_DIR=false"}, {"PIP_NO_CACHE_DIR=1"}} {
				var environ, args []string
				if strings.Contains(off[0], "=") {
					environ = off
				} else {
					args = off
				}
				w.install(environ, args...)
				if got := w.srv.take(); got["file"] != 2 || got["metadata"] != 2 || got["page 304"] != 0 {
					t.Errorf("%s: requests %v; want every file and metadata file fetched", off[0], got)
				}
				if diff := diffStates(before, cacheState(t, w.cache)); diff != "" {
					t.Errorf("%s changed the cache:\n%s", off[0], diff)
				}
			}
		})
	}
}

func diffStates(a, b map[string]string) string {
	var out []string
	for p, s := range a {
		if b[p] != s {
			out = append(out, fmt.Sprintf("%s: %q → %q", p, s, b[p]))
		}
	}
	for p, s := range b {
		if _, ok := a[p]; !ok {
			out = append(out, fmt.Sprintf("%s: new (%s)", p, s))
		}
	}
	return strings.Join(out, "\n")
}

// TestCacheConcurrentProcesses: gopip processes installing the same
// distributions at once into their own environments, from one empty
// cache, all fill the same cache entries; then as many at once from the
// filled cache. Every install is correct, the cache holds one complete
// entry per wheel and nothing half written, and the second round's files
// are linked from it.
func TestCacheConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: concurrent installs of real distributions")
	}
	python := pythontest.Python(t)
	gopip, err := exec.LookPath("gopip") // this test binary, as TestMain links it
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").Output()
	if err != nil {
		t.Fatal(err)
	}
	site := strings.TrimSpace(string(out))
	dir := t.TempDir()
	var wheels []string
	for _, name := range []string{"pygments", "docutils", "jinja2", "markupsafe", "idna", "six"} {
		p, err := testwheel.Repack(dir, site, name)
		if err != nil {
			t.Logf("not repacking %s: %v", name, err)
			continue
		}
		wheels = append(wheels, p)
	}
	if len(wheels) < 3 {
		t.Skipf("only %d distributions to repack from %s", len(wheels), site)
	}
	cacheDir := filepath.Join(dir, "cache")
	environ := []string{"HOME=" + filepath.Join(dir, "home"), "PATH=" + os.Getenv("PATH"), "PIP_CONFIG_FILE=" + os.DevNull, "PYTHONDONTWRITEBYTECODE=1"}
	const processes = 5
	var ref map[string]fileSum
	for round := 1; round <= 2; round++ {
		venvs := make([]string, processes)
		for i := range venvs {
			venvs[i] = filepath.Join(dir, fmt.Sprintf("r%d-venv%d", round, i))
			if out, err := exec.Command(python, "-m", "venv", "--without-pip", venvs[i]).CombinedOutput(); err != nil {
				t.Fatalf("creating venv: %v\n%s", err, out)
			}
		}
		errs := make([]string, processes)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range venvs {
			wg.Go(func() {
				args := append([]string{"install", "--python", filepath.Join(venvs[i], "bin", "python"), "--cache-dir", cacheDir, "--no-deps", "--no-compile"}, wheels...)
				cmd := exec.Command(gopip, args...)
				cmd.Env = environ
				<-start
				if out, err := cmd.CombinedOutput(); err != nil {
					errs[i] = fmt.Sprintf("%v\n%s", err, out)
				}
			})
		}
		t0 := time.Now()
		close(start)
		wg.Wait()
		t.Logf("round %d: %d processes in %v", round, processes, time.Since(t0).Round(time.Millisecond))
		for i, e := range errs {
			if e != "" {
				t.Fatalf("round %d, process %d: %s", round, i, e)
			}
		}
		for _, v := range venvs {
			got := treeSums(t, v)
			if ref == nil {
				ref = got
				continue
			}
			if d := diffSums(ref, got); d != "" {
				t.Errorf("round %d: %s differs from the first environment:\n%s", round, v, d)
			}
		}
		entries, _ := filepath.Glob(filepath.Join(cacheDir, "unpacked", "sha256", "*", "*"))
		complete := 0
		for _, e := range entries {
			if strings.HasPrefix(filepath.Base(e), ".") {
				t.Errorf("round %d: left in the cache: %s", round, e)
			} else if _, err := os.Stat(filepath.Join(e, "entry.json")); err == nil {
				complete++
			}
		}
		if complete != len(wheels) {
			t.Errorf("round %d: %d complete entries, want %d", round, complete, len(wheels))
		}
		if round == 2 {
			links := 0
			for _, s := range treeSums(t, venvs[0]) {
				if s.nlink > 1 {
					links++
				}
			}
			if links == 0 {
				t.Error("round 2: no file linked from the cache")
			}
		}
	}
}

type fileSum struct {
	mode  fs.FileMode
	data  string
	nlink uint64
}

// treeSums reads every file of a venv's site-packages and bin, with the
// venv's path replaced.
func treeSums(t *testing.T, venv string) map[string]fileSum {
	t.Helper()
	out := map[string]fileSum{}
	filepath.WalkDir(venv, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(venv, p)
		if strings.HasPrefix(rel, filepath.Join("bin", "activate")) {
			return nil // the venv's own, naming it
		}
		text := strings.ReplaceAll(string(data), venv, "<VENV>")
		if d.Name() == "RECORD" {
			text = recordWithoutScriptHashes(text)
		}
		out[rel] = fileSum{mode: info.Mode(), data: text, nlink: uint64(info.Sys().(*syscall.Stat_t).Nlink)}
		return nil
	})
	return out
}

// recordWithoutScriptHashes drops the hash and size of the RECORD rows
// of files in bin: a launcher names its venv's interpreter, so its hash
// differs from one venv to another.
func recordWithoutScriptHashes(record string) string {
	lines := strings.Split(record, "\n")
	for i, l := range lines {
		if path, _, ok := strings.Cut(l, ","); ok && strings.Contains(path, "/bin/") {
			lines[i] = path + ",,"
		}
	}
	return strings.Join(lines, "\n")
}

func diffSums(a, b map[string]fileSum) string {
	var out []string
	for p, s := range a {
		o, ok := b[p]
		switch {
		case !ok:
			out = append(out, p+": missing")
		case o.mode != s.mode:
			out = append(out, fmt.Sprintf("%s: mode %v, want %v", p, o.mode, s.mode))
		case o.data != s.data:
			out = append(out, p+": content differs")
		}
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			out = append(out, p+": extra")
		}
	}
	return strings.Join(out, "\n")
}
