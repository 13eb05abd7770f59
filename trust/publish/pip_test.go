package publish

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestPipInstall: the machine's real pip installs from the served
// repository as from any simple index: it negotiates the JSON pages, skips
// a yanked release and one whose Requires-Python excludes it, checks the
// sha256 and installs the newest acceptable wheel.
func TestPipInstall(t *testing.T) {
	python := pipPython(t)
	f := newFixture(t, InitOptions{BinBits: 2})
	f.add(f.wheel("demo", "1.0"), f.wheel("demo", "1.1"), f.wheel("demo", "2.0"), f.wheel("demo", "3.0", "Requires-Python: <3"), f.sdist("demo", "1.1"))
	if _, err := f.repo.Yank(t.Context(), "demo-2.0-py3-none-any.whl", "broken"); err != nil {
		t.Fatal(err)
	}
	srv := f.serve()
	target := t.TempDir()
	cmd := exec.CommandContext(t.Context(), python, "-m", "pip", "install", "--no-cache-dir", "--disable-pip-version-check",
		"--no-input", "--keyring-provider", "disabled", "--only-binary", ":all:", "--target", target,
		"--index-url", srv.URL+"/simple/", "demo")
	// Only this index: no PIP_* settings from the machine (find-links).
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PIP_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "PIP_CONFIG_FILE="+os.DevNull, "NO_PROXY=127.0.0.1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pip install: %v\n%s", err, out)
	}
	init, err := os.ReadFile(filepath.Join(target, "demo", "__init__.py"))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(string(init), `"1.1"`) {
		t.Fatalf("pip installed %s, want 1.1 (2.0 is yanked, 3.0 needs Python < 3)\n%s", init, out)
	}
}

var (
	pipPythonOnce sync.Once
	pipPythonPath string
	pipPythonErr  error
)

// pipPython returns the machine's python3 interpreter itself (not a
// wrapper such as a pyenv shim, which costs a second a run), or skips the
// test when there is none with pip.
func pipPython(t *testing.T) string {
	t.Helper()
	pipPythonOnce.Do(func() {
		out, err := exec.Command("python3", "-c", "import pip._internal.index.collector, sys; print(sys.executable)").Output()
		pipPythonPath, pipPythonErr = strings.TrimSpace(string(out)), err
	})
	if pipPythonErr != nil {
		t.Skipf("no python3 with pip: %v", pipPythonErr)
	}
	return pipPythonPath
}
