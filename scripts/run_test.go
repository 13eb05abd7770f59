package scripts

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gopip/gopip/internal/pythontest"
)

// realPython returns the machine's python3 as its own sys.executable, or
// skips.
func realPython(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("POSIX launchers")
	}
	return pythontest.Python(t)
}

const demoModule = `import sys

def main():
    print("hello", sys.argv[0].rsplit("/", 1)[-1], sys.argv[1:])

def fail():
    return 3

def message():
    return "something went wrong"

def boom():
    raise SystemExit(7)

class Cli:
    @staticmethod
    def run():
        print("method")
        return 0
`

// TestRunLaunchers writes launchers the way the installer will, runs them
// with the real interpreter and checks sys.exit(main()) semantics.
func TestRunLaunchers(t *testing.T) {
	python := realPython(t)
	dir := t.TempDir()
	lib := filepath.Join(dir, "lib")
	if err := os.MkdirAll(filepath.Join(lib, "demo"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(lib, "demo", "__init__.py"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(lib, "demo", "cli.py"), []byte(demoModule), 0o644); err != nil {
		t.Fatal(err)
	}

	// The interpreter under three names: its own path, a path with a
	// space and a path too long for a "#!" line, both symlinks to it, so
	// that both shebang forms run.
	spaced := filepath.Join(dir, "my env", "python3")
	long := filepath.Join(dir, strings.Repeat("d", 60), strings.Repeat("e", 60), "python3")
	for _, link := range []string{spaced, long} {
		if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(python, link); err != nil {
			t.Fatal(err)
		}
	}
	if len(long)+3 <= 127 {
		t.Fatalf("%s is not long enough", long)
	}

	tests := []struct {
		name, value, args string
		code              int
		stdout, stderr    string
	}{
		{"hello", "demo.cli:main", "a b", 0, "hello hello ['a', 'b']\n", ""},
		{"fail", "demo.cli:fail", "", 3, "", ""},
		{"message", "demo.cli:message", "", 1, "", "something went wrong\n"},
		{"boom", "demo.cli:boom", "", 7, "", ""},
		{"method", "demo.cli:Cli.run", "", 0, "method\n", ""},
	}
	interpreters := []struct{ label, path string }{{"own path", python}, {"spaced path", spaced}, {"long path", long}}
	for _, interp := range interpreters {
		py := interp.path
		for _, tt := range tests {
			t.Run(interp.label+"/"+tt.name, func(t *testing.T) {
				bin := t.TempDir()
				target := Target{Python: py, Major: 3, Minor: 11}
				data, err := target.Launcher(EntryPoint{Name: tt.name, Value: tt.value})
				if err != nil {
					t.Fatal(err)
				}
				if py != python && !strings.HasPrefix(string(data), "#!/bin/sh\n") {
					t.Fatalf("expected the /bin/sh form for %q:\n%s", py, data)
				}
				path := filepath.Join(bin, tt.name)
				if err := os.WriteFile(path, data, 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, LauncherMode(0o022)); err != nil {
					t.Fatal(err)
				}
				checkRun(t, path, lib, tt.args, tt.code, tt.stdout, tt.stderr)
			})
		}
	}

	t.Run("rewritten #!python script", func(t *testing.T) {
		bin := t.TempDir()
		data, changed := RewriteShebang([]byte("#!python -u\r\nimport sys\r\nprint('script', sys.argv[1:])\r\nsys.exit(5)\r\n"), python)
		if !changed {
			t.Fatal("not rewritten")
		}
		path := filepath.Join(bin, "script")
		if err := os.WriteFile(path, data, 0o755); err != nil {
			t.Fatal(err)
		}
		checkRun(t, path, lib, "x", 5, "script ['x']\n", "")
	})
}

func checkRun(t *testing.T, path, pythonPath, args string, code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(path, strings.Fields(args)...)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+pythonPath, "PYTHONDONTWRITEBYTECODE=1")
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	got := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		got = exitErr.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if got != code || out.String() != stdout || errOut.String() != stderr {
		t.Errorf("exit %d, stdout %q, stderr %q; want %d, %q, %q", got, out.String(), errOut.String(), code, stdout, stderr)
	}
}
