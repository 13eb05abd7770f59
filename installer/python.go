package installer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// FindPython chooses the target interpreter the way pip does and returns
// its absolute path (not resolved through symbolic links: a virtual
// environment's bin/python is usually a link to the base interpreter, and
// the link's location is what makes it the environment's).
//
// flag is the value of --python. Like pip's identify_python_interpreter
// (pip/_internal/cli/main_parser.py), an existing file is used as is and an
// existing directory is taken as a virtual environment or installation
// prefix holding bin/python (or Scripts/python.exe). As an addition to pip,
// a bare name without a slash that is not a file in the working directory
// ("python3.12") is looked up on PATH.
//
// Without --python: $VIRTUAL_ENV/bin/python when VIRTUAL_ENV is set (an
// activated environment), else python3, then python, on PATH. getenv reads
// the environment (os.Getenv in production).
func FindPython(flag string, getenv func(string) string) (string, error) {
	if flag != "" {
		p, err := identifyPython(flag, getenv)
		if err != nil {
			return "", err
		}
		return p, nil
	}
	if venv := getenv("VIRTUAL_ENV"); venv != "" {
		for _, exe := range []string{"bin/python", "Scripts/python.exe"} {
			p := filepath.Join(venv, exe)
			if isExecutableFile(p) {
				return filepath.Abs(p)
			}
		}
		return "", fmt.Errorf("VIRTUAL_ENV is %s, but %s does not exist or is not executable\n"+
			"Activate an existing virtual environment, unset VIRTUAL_ENV, or pass --python", venv, filepath.Join(venv, "bin", "python"))
	}
	for _, name := range []string{"python3", "python"} {
		if p, ok := lookPath(name, getenv("PATH")); ok {
			return p, nil
		}
	}
	return "", errors.New("no Python interpreter found: neither python3 nor python is on PATH\n" +
		"Install Python, activate a virtual environment, or pass --python PATH")
}

func identifyPython(python string, getenv func(string) string) (string, error) {
	st, err := os.Stat(python)
	switch {
	case err == nil && st.IsDir():
		for _, exe := range []string{"bin/python", "Scripts/python.exe"} {
			p := filepath.Join(python, exe)
			if _, err := os.Stat(p); err == nil {
				return filepath.Abs(p)
			}
		}
	case err == nil:
		return filepath.Abs(python)
	case !strings.ContainsRune(python, filepath.Separator):
		if p, ok := lookPath(python, getenv("PATH")); ok {
			return p, nil
		}
	}
	return "", fmt.Errorf("Could not locate Python interpreter %s", python)
}

// lookPath is exec.LookPath over an explicit PATH value.
func lookPath(name, path string) (string, bool) {
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, name)
		if isExecutableFile(p) {
			abs, err := filepath.Abs(p)
			if err != nil {
				return "", false
			}
			return abs, true
		}
	}
	return "", false
}

func isExecutableFile(p string) bool {
	st, err := os.Stat(p)
	if err != nil {
		return false
	}
	return st.Mode().IsRegular() && st.Mode()&0o111 != 0
}
