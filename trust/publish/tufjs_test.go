package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	tufjsOnce sync.Once
	tufjsSkip string
)

// tufjsDir returns the folder of the tuf-js harness, installing tuf-js
// there from the npm registry once (npm ci, from package-lock.json; the
// node_modules folder is kept between runs). It skips the test when node
// or npm is missing or the install fails.
func tufjsDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "tufjs"))
	if err != nil {
		t.Fatal(err)
	}
	tufjsOnce.Do(func() {
		if _, err := exec.LookPath("node"); err != nil {
			tufjsSkip = "tuf-js interop needs node (Node.js 18.17 or later): " + err.Error()
			return
		}
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "tuf-js", "package.json")); err == nil {
			return
		}
		npm, err := exec.LookPath("npm")
		if err != nil {
			tufjsSkip = "tuf-js is not installed in " + dir + " and there is no npm to install it: " + err.Error()
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			tufjsSkip = "installing tuf-js with npm ci failed (is the npm registry reachable?): " + err.Error() + "\n" + string(out)
		}
	})
	if tufjsSkip != "" {
		t.Skip(tufjsSkip)
	}
	return dir
}

type tufjsResult struct {
	RootVersion int `json:"root_version"`
	Targets     []struct {
		Path  string `json:"path"`
		File  string `json:"file"`
		Files []struct {
			Filename string `json:"filename"`
			File     string `json:"file"`
		} `json:"files"`
	} `json:"targets"`
}

// tufjs runs the harness against the served repository with the trusted
// metadata in metaDir and returns its output; its error carries what
// tuf-js printed on stderr.
func tufjs(t *testing.T, srvURL, metaDir string, paths ...string) ([]byte, error) {
	t.Helper()
	dir := tufjsDir(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	args := append([]string{"interop.mjs", srvURL + "/tuf/", srvURL + "/", metaDir, t.TempDir()}, paths...)
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("tuf-js failed: %v\n%s", err, stderr.String())
	}
	return stdout.Bytes(), nil
}

// runTufjs runs the harness against the served repository with the
// trusted metadata in metaDir (root.json at first) and checks that every
// target it downloaded, and every file it verified against a downloaded
// page, equals the repository's. It returns the result and the names of
// the files verified through pages.
func runTufjs(t *testing.T, f *fixture, srvURL, metaDir string, paths ...string) (tufjsResult, []string) {
	t.Helper()
	stdout, err := tufjs(t, srvURL, metaDir, paths...)
	if err != nil {
		t.Fatal(err)
	}
	var res tufjsResult
	if err := json.Unmarshal(stdout, &res); err != nil {
		t.Fatalf("tuf-js output %q: %v", stdout, err)
	}
	if len(res.Targets) != len(paths) {
		t.Fatalf("tuf-js downloaded %d targets, want %d", len(res.Targets), len(paths))
	}
	var files []string
	for _, tg := range res.Targets {
		got, err := os.ReadFile(tg.File)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, f.read(tg.Path)) {
			t.Fatalf("tuf-js's %s differs from the repository's", tg.Path)
		}
		for _, pf := range tg.Files {
			got, err := os.ReadFile(pf.File)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, f.read("packages/"+pf.Filename)) {
				t.Fatalf("tuf-js's %s differs from the repository's", pf.Filename)
			}
			files = append(files, pf.Filename)
		}
	}
	return res, files
}

// TestTufJS: tuf-js, an independent TUF client, refreshes a published
// repository (succinct hashed bins, consistent snapshots), downloads and
// verifies the project's JSON page, the one target, and through it the
// wheel and the sdist (against the page's sha256 and size); finds that
// neither the HTML page nor a file is a target; then follows a root
// rotation and an online-key rotation from the first root.
func TestTufJS(t *testing.T) {
	f := newFixture(t, InitOptions{})
	f.add(f.wheel("demo", "1.0", "Requires-Python: >=3.8"), f.sdist("demo", "1.0"))
	srv := f.serve()
	metaDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(metaDir, "root.json"), f.root(), 0o644); err != nil {
		t.Fatal(err)
	}
	res, files := runTufjs(t, f, srv.URL, metaDir, "simple/demo/index.json")
	if res.RootVersion != 1 || !slices.Equal(files, []string{"demo-1.0-py3-none-any.whl", "demo-1.0.tar.gz"}) {
		t.Fatalf("root v%d, files %v", res.RootVersion, files)
	}
	for _, p := range []string{"simple/demo/index.html", "packages/demo-1.0-py3-none-any.whl"} {
		if _, err := tufjs(t, srv.URL, metaDir, p); err == nil || !strings.Contains(err.Error(), p+" is not a target") {
			t.Errorf("tuf-js on %s: %v, want: not a target", p, err)
		}
	}

	// Rotations: root twice, then the online key; a client that starts
	// from root v1 and one with cached metadata both follow.
	f.rotate(RootKeys, RotateOptions{})
	f.add(f.wheel("demo", "1.1"))
	f.rotate(RootKeys, RotateOptions{Keys: 3, Threshold: 2})
	f.rotate(OnlineKeys, RotateOptions{})
	fresh := t.TempDir()
	if err := os.WriteFile(filepath.Join(fresh, "root.json"), f.firstRoot(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{metaDir, fresh} {
		res, files := runTufjs(t, f, srv.URL, dir, "simple/demo/index.json")
		if res.RootVersion != 4 {
			t.Fatalf("tuf-js trusts root v%d after three rotations, want v4", res.RootVersion)
		}
		if !slices.Contains(files, "demo-1.1-py3-none-any.whl") {
			t.Fatalf("tuf-js verified %v", files)
		}
	}
}
