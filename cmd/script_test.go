package cmd

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/gopip/gopip/internal/pythontest"
)

// TestMain lets the test binary act as the gopip command inside scripts.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"gopip": func() { os.Exit(Main()) },
	})
}

// TestScripts runs the end-to-end scripts in testdata/script: each is a
// txtar archive of commands and files, run in a fresh directory with HOME
// and the XDG directories inside it, no PIP_* variables from the host but
// PIP_INDEX_URL pointing at a closed loopback port, and $PYTHON naming the
// machine's real interpreter.
func TestScripts(t *testing.T) {
	python := pythontest.Python(t)
	testscript.Run(t, testscript.Params{
		Dir:  filepath.Join("testdata", "script"),
		Cmds: scriptCmds,
		Condition: func(cond string) (bool, error) {
			if cond == "buildwheels" {
				return buildWheels(python) != nil, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Setup: func(e *testscript.Env) error {
			home := filepath.Join(e.WorkDir, "home")
			e.Setenv("HOME", home)
			e.Setenv("XDG_DATA_HOME", filepath.Join(home, ".local", "share"))
			e.Setenv("XDG_CACHE_HOME", filepath.Join(home, ".cache"))
			e.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
			e.Setenv("XDG_CONFIG_DIRS", filepath.Join(e.WorkDir, "etc-xdg"))
			e.Setenv("PYTHON", python)
			e.Setenv("PYTHONDONTWRITEBYTECODE", "1")
			if w := buildWheels(python); w != nil {
				e.Setenv("SETUPTOOLS_WHL", w[0])
				e.Setenv("WHEEL_WHL", w[1])
			}
			// Hermetic: an index a script forgets to name is a closed
			// loopback port, never pypi.org.
			e.Setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple/")
			return nil
		},
	})
}

// buildWheels finds real setuptools and wheel wheels on this machine, for
// scripts that build setuptools projects offline: setuptools from the
// interpreter's ensurepip bundle, wheel from CPython's own test data (a
// pristine upstream wheel that some Python installations ship). nil when
// either is missing.
func buildWheels(python string) []string {
	out, err := exec.Command(python, "-c", "import ensurepip, os; print(os.path.dirname(ensurepip.__file__))").Output()
	if err != nil {
		return nil
	}
	setuptools, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(out)), "_bundled", "setuptools-*.whl"))
	var wheel []string
	for _, pattern := range []string{"/root/.pyenv/versions/*/lib/python3*/test/wheel-*.whl", "/root/.pyenv/versions/*/lib/python3*/test/wheeldata/wheel-*.whl", "/usr/lib/python3*/test/wheeldata/wheel-*.whl"} {
		m, _ := filepath.Glob(pattern)
		wheel = append(wheel, m...)
	}
	if len(setuptools) == 0 || len(wheel) == 0 {
		return nil
	}
	return []string{setuptools[0], wheel[0]}
}
