package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopip/gopip/internal/pythontest"
	"github.com/gopip/gopip/internal/testwheel"
	"github.com/gopip/gopip/trust/publish"
)

// concurrentRequests are what the processes of TestConcurrentProcesses
// ask for, one line each: different and overlapping sets (flask and
// requests share nothing; flask, jinja2 and werkzeug share markupsafe;
// several name the same package), all published in one signed
// repository.
var concurrentRequests = [][]string{
	{"flask"},
	{"requests"},
	{"jinja2", "pygments"},
	{"docutils", "click"},
	{"werkzeug", "itsdangerous"},
	{"requests", "idna"},
	{"flask", "docutils"},
	{"pyyaml", "markupsafe"},
	{"pygments", "pyyaml"},
	{"blinker", "certifi"},
}

// concurrentDists are the distributions of the repository (repacked from
// the machine's site-packages): the requested ones and their dependencies.
var concurrentDists = []string{"flask", "werkzeug", "jinja2", "markupsafe", "itsdangerous", "click", "blinker",
	"requests", "charset-normalizer", "idna", "urllib3", "certifi", "pygments", "docutils", "pyyaml"}

// TestConcurrentProcesses runs ten gopip processes at once, each
// installing a different (overlapping) set of packages from one TUF
// repository into the same virtual environment, with one shared
// --cache-dir and one trust store (whose TUF metadata they all refresh at
// once). Then ten more into a second environment, on the cache and trust
// store the first round left (whatever gopip caches there: interpreter
// facts today, downloads and unpacked wheels as the cache grows). Every
// process must succeed, and most wait for another's lock: the installs
// overlap; at the end every requested distribution is installed, every
// RECORD matches its files, nothing of gopip's is left, pip check is
// clean and the packages import.
func TestConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: ten concurrent installs of real distributions, twice")
	}
	python := pythontest.Python(t)
	pythontest.RequirePip(t, "")
	gopip, err := exec.LookPath("gopip") // this test binary, as TestMain links it
	if err != nil {
		t.Fatal(err)
	}
	site := concurrencySitePackages(t, python)
	dir := t.TempDir()
	ctx := context.Background()

	dist := filepath.Join(dir, "dist")
	if err := os.Mkdir(dist, 0o755); err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, name := range concurrentDists {
		p, err := testwheel.Repack(dist, site, name)
		if err != nil {
			t.Skipf("repacking %s from %s: %v", name, site, err)
		}
		files = append(files, p)
	}
	repo, err := publish.Init(ctx, filepath.Join(dir, "repo"), publish.InitOptions{BinBits: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := repo.Add(ctx, files...); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(publish.Handler(repo.Dir()))
	t.Cleanup(srv.Close)
	index := srv.URL + "/simple/"

	home := filepath.Join(dir, "home")
	environ := []string{
		"HOME=" + home,
		"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_CONFIG_DIRS=" + filepath.Join(dir, "etc-xdg"),
		"PATH=" + os.Getenv("PATH"),
		"PIP_CONFIG_FILE=" + os.DevNull,
		"PIP_DISABLE_PIP_VERSION_CHECK=1",
		"PIP_NO_INPUT=1",
		"PYTHONDONTWRITEBYTECODE=1",
	}
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	rootFile := filepath.Join(dir, "root.json")
	if err := os.WriteFile(rootFile, root, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := Run(ctx, []string{"trust", "add", "local", "--index-url", index, "--root", rootFile, "-y"}, environ, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("gopip trust add: exit %d\n%s", code, errOut.String())
	}
	cache := filepath.Join(dir, "shared-cache")

	for round := 1; round <= 2; round++ {
		venv := filepath.Join(dir, fmt.Sprintf("venv%d", round))
		if out, err := exec.Command(python, "-m", "venv", "--without-pip", venv).CombinedOutput(); err != nil {
			t.Fatalf("creating venv: %v\n%s", err, out)
		}
		vpy := filepath.Join(venv, "bin", "python")
		type result struct {
			code           int
			stdout, stderr string
			took           time.Duration
		}
		results := make([]result, len(concurrentRequests))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, req := range concurrentRequests {
			wg.Add(1)
			go func() {
				defer wg.Done()
				args := append([]string{"--python", vpy, "install", "--cache-dir", cache, "-i", index, "--progress-bar", "off"}, req...)
				cmd := exec.Command(gopip, args...)
				cmd.Env = environ
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				<-start
				t0 := time.Now()
				err := cmd.Run()
				results[i] = result{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String(), took: time.Since(t0)}
				if err != nil && results[i].code == 0 {
					results[i].code = -1
					results[i].stderr += err.Error()
				}
			}()
		}
		t0 := time.Now()
		close(start)
		wg.Wait()
		wall := time.Since(t0)
		var took []string
		waited := 0
		for i, r := range results {
			took = append(took, r.took.Round(10*time.Millisecond).String())
			if strings.Contains(r.stdout+r.stderr, "Waiting for another gopip process") {
				waited++
			}
			if r.code != 0 {
				t.Errorf("round %d, process %d (%s): exit %d\n%s\n%s", round, i, strings.Join(concurrentRequests[i], " "), r.code, r.stdout, r.stderr)
			}
		}
		t.Logf("round %d: %d processes in %v (each: %s); %d waited for another's lock on the environment", round, len(results), wall.Round(10*time.Millisecond), strings.Join(took, " "), waited)
		if waited == 0 {
			t.Errorf("round %d: no process waited for another: the installs did not overlap", round)
		}
		if t.Failed() {
			t.FailNow()
		}
		checkConcurrentEnv(t, python, vpy, venv)
	}
	// The cache holds no temporary or partial files.
	cached := map[string]int{}
	filepath.WalkDir(cache, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.Contains(d.Name(), ".tmp") || strings.HasPrefix(d.Name(), ".") {
			t.Errorf("left in the cache: %s", p)
		}
		rel, _ := filepath.Rel(cache, p)
		top, _, _ := strings.Cut(filepath.ToSlash(rel), "/")
		cached[top]++
		return nil
	})
	t.Logf("shared cache: files by top-level folder: %v", cached)
}

// checkConcurrentEnv checks the environment after a round: every
// requested distribution and dependency installed (once), RECORDs right,
// pip check clean, imports working, nothing of gopip's left.
func checkConcurrentEnv(t *testing.T, python, vpy, venv string) {
	t.Helper()
	var got map[string]string
	out, err := exec.Command(vpy, "-c", "import importlib.metadata as m, json; print(json.dumps({d.metadata['Name'].lower().replace('_', '-'): d.version for d in m.distributions()}))").Output()
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, name := range concurrentDists {
		if _, ok := got[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 || len(got) != len(concurrentDists) {
		t.Errorf("installed %v; missing %v", got, missing)
	}
	sites, _ := filepath.Glob(filepath.Join(venv, "lib", "python3*", "site-packages"))
	if len(sites) != 1 {
		t.Fatalf("site-packages: %v", sites)
	}
	infos, _ := filepath.Glob(filepath.Join(sites[0], "*.dist-info"))
	if len(infos) != len(concurrentDists) {
		t.Errorf("%d .dist-info directories for %d distributions: %v", len(infos), len(concurrentDists), infos)
	}
	if err := pythontest.VerifyRecords(sites[0]); err != nil {
		t.Error(err)
	}
	filepath.WalkDir(venv, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".gopip") {
			t.Errorf("left behind: %s", p)
		}
		return nil
	})
	pip := exec.Command(python, "-m", "pip", "--python", vpy, "--disable-pip-version-check", "check")
	pip.Env = append(os.Environ(), "PIP_CONFIG_FILE="+os.DevNull)
	if out, err := pip.CombinedOutput(); err != nil {
		t.Errorf("pip check: %v\n%s", err, out)
	}
	imp := exec.Command(vpy, "-c", "import flask, requests, jinja2, pygments, docutils.core, click, werkzeug, itsdangerous, idna, yaml, markupsafe, blinker, certifi, charset_normalizer, urllib3")
	imp.Dir = t.TempDir()
	if out, err := imp.CombinedOutput(); err != nil {
		t.Errorf("imports: %v\n%s", err, out)
	}
}

// concurrencySitePackages is the site-packages of the machine's
// interpreter holding pip (where the distributions are repacked from).
func concurrencySitePackages(t *testing.T, python string) string {
	t.Helper()
	out, err := exec.Command(python, "-c", "import os, pip; print(os.path.dirname(os.path.dirname(pip.__file__)))").Output()
	if err != nil {
		t.Skipf("no pip: %v", err)
	}
	return strings.TrimSpace(string(out))
}
