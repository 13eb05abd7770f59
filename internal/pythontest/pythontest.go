package pythontest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

var interpreter struct {
	once sync.Once
	path string
	why  string // the reason for skipping when path is ""
}

// Python returns the path of the interpreter that python3 on PATH runs, as
// its own sys.executable says: a wrapper such as a pyenv shim is resolved
// to the real binary, which tests can then run with a clean environment or
// use to create virtual environments. It skips the test when there is no
// working python3.
func Python(t testing.TB) string {
	t.Helper()
	interpreter.once.Do(func() {
		p, err := exec.LookPath("python3")
		if err != nil {
			interpreter.why = "no python3 on this machine"
			return
		}
		out, err := exec.Command(p, "-c", "import sys; print(sys.executable)").Output()
		if err != nil {
			interpreter.why = "python3 does not run: " + err.Error()
			return
		}
		interpreter.path = strings.TrimSpace(string(out))
		if interpreter.path == "" {
			interpreter.why = "python3 does not know its sys.executable"
		}
	})
	if interpreter.path == "" {
		t.Skip(interpreter.why)
	}
	return interpreter.path
}

var pip struct {
	once         sync.Once
	version, dir string
	why          string // the reason for skipping when version is ""
}

// RequirePip skips the test unless [Python] has pip and its version starts
// with versionPrefix ("23.2" accepts 23.2 and 23.2.1; "" any version). It
// returns the directory of the pip package (…/site-packages/pip).
//
// Tests that compare with pip name the version they were written against,
// because pip's output changes between releases.
func RequirePip(t testing.TB, versionPrefix string) string {
	t.Helper()
	python := Python(t)
	pip.once.Do(func() {
		out, err := exec.Command(python, "-c", "import os, pip; print(pip.__version__); print(os.path.dirname(pip.__file__))").Output()
		if err != nil {
			pip.why = "python3 has no pip: " + err.Error()
			return
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) != 2 {
			pip.why = "cannot read pip's version from " + string(out)
			return
		}
		pip.version, pip.dir = lines[0], lines[1]
	})
	if pip.version == "" {
		t.Skip(pip.why)
	}
	if !strings.HasPrefix(pip.version, versionPrefix) {
		t.Skipf("this test compares with pip %s; python3 has pip %s", versionPrefix, pip.version)
	}
	return pip.dir
}

// RequireModule skips the test unless [Python] can import module, for
// oracles that need a module beyond the standard library.
func RequireModule(t testing.TB, module string) {
	t.Helper()
	python := Python(t)
	if err := exec.Command(python, "-c", "import "+module).Run(); err != nil {
		t.Skipf("python3 cannot import %s (%v)", module, err)
	}
}

// RunJSON runs script, the source of a Python program, in one [Python]
// process with args as sys.argv[1:]. in is written to its stdin as JSON;
// the JSON it prints to stdout is decoded into out. A script that fails or
// prints something else fails the test, with Python's stderr (its
// traceback) in the message.
//
// The script runs from a file in a temporary directory, so sys.path[0]
// holds nothing else and modules next to the test cannot shadow the
// standard library. Python neither writes byte-code nor depends on the
// locale for its standard streams (UTF-8).
func RunJSON(t testing.TB, script string, in, out any, args ...string) {
	t.Helper()
	python := Python(t)
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatalf("encoding the input for python3: %v", err)
	}
	file := filepath.Join(t.TempDir(), "oracle.py")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, append([]string{file}, args...)...)
	cmd.Stdin = bytes.NewReader(data)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "PYTHONIOENCODING=utf-8")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("python3 oracle %s: %v\n%s", firstLine(script), err, stderr.Bytes())
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		t.Fatalf("decoding the output of python3 oracle %s: %v\nstdout: %.500q\nstderr: %s", firstLine(script), err, stdout.Bytes(), stderr.Bytes())
	}
}

// firstLine names a script in failure messages by its first non-blank
// line.
func firstLine(script string) string {
	for _, l := range strings.Split(script, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return strconv.Quote(l)
		}
	}
	return `""`
}

// Exclusions counts the cases a differential test leaves out of the
// comparison, by reason: the known, documented places where gopip and the
// Python it is compared with disagree on purpose. Log shows the counts, so
// every run says what it did not compare.
type Exclusions map[string]int

// Add counts one case left out for reason.
func (e Exclusions) Add(reason string) { e[reason]++ }

// Log logs each reason with its count.
func (e Exclusions) Log(t testing.TB) {
	t.Helper()
	reasons := make([]string, 0, len(e))
	for r := range e {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		t.Logf("excluded %5d: %s", e[r], r)
	}
}
