package tags

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The differential tests compare Supported and SupportedFor with what
// packaging and pip compute, in Python, on this machine:
//
//   - for every real Python interpreter found (python3 on PATH, plus every
//     pyenv version), testdata/interpreter_facts.py reports its
//     Interpreter facts and testdata/packaging_oracle.py its sys_tags()
//     and pip's get_supported(); Supported(facts) must equal the latter
//     exactly, order included;
//   - for synthetic facts (other glibc and musl versions, 32-bit, ARM,
//     macOS, Windows, PyPy, debug and free-threaded builds, pip's
//     --platform/--python-version/--implementation/--abi), the oracle
//     monkeypatches packaging in one Python process so that it answers as
//     such an interpreter would, once with pip's vendored packaging (21.3
//     here) and once with every newer packaging copy found on the machine.
//
// packaging 21.3 predates several rules gopip follows (see platform.go
// and supported.go); cases that exercise them are marked with the first
// packaging version that agrees.

// pythons returns the Python interpreters to test against: python3 on
// PATH first, then pyenv's versions. Python 2 and Pythons whose pip lacks
// packaging.tags are dropped by the caller.
func pythons(t *testing.T) []string {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		real, err := filepath.EvalSymlinks(p)
		if err != nil || seen[real] {
			return
		}
		seen[real] = true
		out = append(out, p)
	}
	if p, err := exec.LookPath("python3"); err == nil {
		add(p)
	}
	root := os.Getenv("PYENV_ROOT")
	if root == "" {
		if home, err := os.UserHomeDir(); err == nil {
			root = filepath.Join(home, ".pyenv")
		}
	}
	if root != "" {
		matches, _ := filepath.Glob(filepath.Join(root, "versions", "3.*", "bin", "python3"))
		sort.Strings(matches)
		for _, m := range matches {
			add(m)
		}
	}
	for _, p := range []string{"/usr/bin/python3"} {
		if _, err := os.Stat(p); err == nil {
			add(p)
		}
	}
	return out
}

func runPython(t *testing.T, python string, stdin []byte, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(python, args...)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "PYTHONNOUSERSITE=1")
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, &pythonError{python, args, err, stderr.String()}
	}
	return out, nil
}

type pythonError struct {
	python string
	args   []string
	err    error
	stderr string
}

func (e *pythonError) Error() string {
	return e.python + " " + strings.Join(e.args, " ") + ": " + e.err.Error() + "\n" + e.stderr
}

func tagStrings(tags []Tag) []string {
	out := make([]string, len(tags))
	for k, t := range tags {
		out[k] = t.String()
	}
	return out
}

// diffLists reports the first difference between two tag lists.
func diffLists(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) == len(want) {
		same := true
		for k := range got {
			if got[k] != want[k] {
				same = false
				break
			}
		}
		if same {
			return
		}
	}
	n := len(got)
	if len(want) < n {
		n = len(want)
	}
	k := 0
	for k < n && got[k] == want[k] {
		k++
	}
	lo := max(0, k-3)
	t.Errorf("%s: got %d tags, want %d; first difference at index %d:\n got  %v\n want %v",
		what, len(got), len(want), k, got[lo:min(len(got), k+4)], want[lo:min(len(want), k+4)])
}

func TestSupportedMatchesRealInterpreters(t *testing.T) {
	ps := pythons(t)
	if len(ps) == 0 {
		t.Skip("no python3 on this machine")
	}
	tested := 0
	for _, python := range ps {
		t.Run(python, func(t *testing.T) {
			factsJSON, err := runPython(t, python, nil, "testdata/interpreter_facts.py")
			if err != nil {
				t.Skipf("cannot inspect: %v", err)
			}
			var facts Interpreter
			if err := json.Unmarshal(factsJSON, &facts); err != nil {
				t.Fatalf("facts: %v\n%s", err, factsJSON)
			}
			out, err := runPython(t, python, nil, "testdata/packaging_oracle.py", "real")
			if err != nil {
				t.Skipf("no usable pip/packaging: %v", err)
			}
			var oracle struct {
				Packaging    string   `json:"packaging"`
				SysTags      []string `json:"sys_tags"`
				GetSupported []string `json:"get_supported"`
			}
			if err := json.Unmarshal(out, &oracle); err != nil {
				t.Fatalf("oracle: %v", err)
			}
			tested++
			got := tagStrings(Supported(facts))
			t.Logf("%s %v, packaging %s: %d tags", facts.Implementation, facts.PythonVersion, oracle.Packaging, len(got))
			if oracle.GetSupported != nil {
				diffLists(t, "Supported vs pip get_supported()", got, oracle.GetSupported)
			}
			// sys_tags() differs from pip's list only by the
			// "<impl><nodot>-none-any" tag, which packaging added to
			// sys_tags for CPython in 22.0 (and which pip always had).
			want := oracle.SysTags
			if facts.Implementation == "cpython" {
				interp := "cp" + interpreterVersion(facts) + "-none-any"
				if !contains(want, interp) {
					for k, s := range want {
						if strings.HasPrefix(s, "py") && strings.HasSuffix(s, "-none-any") {
							want = append(want[:k:k], append([]string{interp}, want[k:]...)...)
							break
						}
					}
				}
				diffLists(t, "Supported vs sys_tags()", got, want)
			}
		})
	}
	if tested == 0 {
		t.Skip("no interpreter with pip's packaging.tags found")
	}
}
