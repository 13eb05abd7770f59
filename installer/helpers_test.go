package installer

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopip/gopip/internal/pythontest"
)

// pipSitePackages returns the site-packages directory holding the base
// interpreter's pip, or skips the test.
func pipSitePackages(t testing.TB) string {
	t.Helper()
	return filepath.Dir(pythontest.RequirePip(t, ""))
}

// newVenv creates a virtual environment without pip and returns its
// directory.
func newVenv(t testing.TB, args ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "venv")
	cmd := exec.Command(pythontest.Python(t), append([]string{"-m", "venv", "--without-pip"}, append(args, dir)...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("creating venv: %v\n%s", err, out)
	}
	return dir
}

// runPip runs the base interpreter's pip against python (pip's --python),
// so that a venv without pip can be checked by the real pip.
func runPip(t testing.TB, python string, args ...string) (string, error) {
	t.Helper()
	all := append([]string{"-m", "pip", "--python", python, "--disable-pip-version-check", "--no-input", "--no-color"}, args...)
	cmd := exec.Command(pythontest.Python(t), all...)
	cmd.Env = append(os.Environ(), "PIP_NO_INDEX=1", "PIP_CONFIG_FILE="+os.DevNull, "PYTHONDONTWRITEBYTECODE=")
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	return out.String(), err
}

func mustPip(t testing.TB, python string, args ...string) string {
	t.Helper()
	out, err := runPip(t, python, args...)
	if err != nil {
		t.Fatalf("pip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// runPython runs python with code and returns its stdout.
func runPython(t testing.TB, python, code string, env ...string) string {
	t.Helper()
	cmd := exec.Command(python, "-c", code)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = os.TempDir() // not this package's directory, which has an inspect.py
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python -c %q: %v\n%s", code, err, stderr.String())
	}
	return string(out)
}

// pythonJSON runs code, which must print one JSON value, and decodes it.
func pythonJSON(t testing.TB, python, code string, v any, env ...string) {
	t.Helper()
	out := runPython(t, python, code, env...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("decoding %q: %v", out, err)
	}
}

func inspectT(t testing.TB, python string) *Interpreter {
	t.Helper()
	in, err := Inspect(context.Background(), python, "")
	if err != nil {
		t.Fatal(err)
	}
	return in
}
