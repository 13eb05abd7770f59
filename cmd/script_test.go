package cmd

import (
	"os"
	"path/filepath"
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
		Setup: func(e *testscript.Env) error {
			home := filepath.Join(e.WorkDir, "home")
			e.Setenv("HOME", home)
			e.Setenv("XDG_DATA_HOME", filepath.Join(home, ".local", "share"))
			e.Setenv("XDG_CACHE_HOME", filepath.Join(home, ".cache"))
			e.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
			e.Setenv("XDG_CONFIG_DIRS", filepath.Join(e.WorkDir, "etc-xdg"))
			e.Setenv("PYTHON", python)
			e.Setenv("PYTHONDONTWRITEBYTECODE", "1")
			// Hermetic: an index a script forgets to name is a closed
			// loopback port, never pypi.org.
			e.Setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple/")
			return nil
		},
	})
}
