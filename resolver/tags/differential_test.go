package tags

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gopip/gopip/internal/pythontest"
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

// runPython runs a testdata script with one of the interpreters and returns
// its stdout. Unlike pythontest.RunJSON it takes the interpreter and returns
// the failure, because these tests go through several interpreters and
// packaging copies and pass over those that cannot answer.
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
		t.Run(strings.TrimPrefix(strings.ReplaceAll(python, "/", "_"), "_"), func(t *testing.T) {
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

// packagingCopies returns directories from which "import packaging"
// gives a packaging newer than pip's vendored one: copies vendored by
// other tools on this machine, and those listed in GOPIP_TEST_PACKAGING
// (colon-separated parent directories of a "packaging" package), so that
// a developer can point the test at a current packaging.
func packagingCopies() []string {
	var dirs []string
	if env := os.Getenv("GOPIP_TEST_PACKAGING"); env != "" {
		dirs = append(dirs, filepath.SplitList(env)...)
	}
	var globs []string
	if home, err := os.UserHomeDir(); err == nil {
		globs = append(globs, filepath.Join(home, ".pyenv/versions/*/lib/python3*/site-packages/pip/_vendor"))
	}
	globs = append(globs,
		"/usr/lib/google-cloud-sdk/lib/third_party",
		"/usr/lib/google-cloud-sdk/platform/bundledpythonunix/lib/python3*/site-packages/*/_vendor",
	)
	for _, g := range globs {
		m, _ := filepath.Glob(g)
		sort.Strings(m)
		dirs = append(dirs, m...)
	}
	var out []string
	seen := map[string]bool{}
	for _, d := range dirs {
		// _elffile.py appeared in packaging 22; older copies are what
		// pip vendors here already.
		if _, err := os.Stat(filepath.Join(d, "packaging", "_elffile.py")); err != nil {
			continue
		}
		// One copy of each version is enough.
		init, err := os.ReadFile(filepath.Join(d, "packaging", "__init__.py"))
		if err != nil {
			continue
		}
		v := packagingVersionRE.FindSubmatch(init)
		if v == nil || seen[string(v[1])] {
			continue
		}
		seen[string(v[1])] = true
		out = append(out, d)
	}
	return out
}

var packagingVersionRE = regexp.MustCompile(`__version__ = "([^"]+)"`)

// versionAtLeast compares dotted packaging versions such as "24.2".
func versionAtLeast(v, min string) bool {
	a, _ := parseIntTuple(strings.SplitN(v, "rc", 2)[0], 3)
	b, _ := parseIntTuple(min, 3)
	return cmpTuple(a, b...) >= 0
}

type synthCase struct {
	name     string
	facts    Interpreter
	override *Override
	// since is the first packaging version whose answer gopip follows
	// for this case ("" for every version).
	since string
	// pipLacks marks overrides that pip 23.2 does not know yet (iOS
	// platform expansion); only the replica of current pip is compared.
	pipLacks bool
}

func cpython(version []int, platform, machine string) Interpreter {
	v := nodot(version)
	i := Interpreter{
		Implementation: "cpython",
		PythonVersion:  version,
		Platform:       platform,
		Machine:        machine,
		Config: map[string]string{
			"SOABI":            "cpython-" + v + "-x86_64-linux-gnu",
			"EXT_SUFFIX":       ".cpython-" + v + "-x86_64-linux-gnu.so",
			"Py_DEBUG":         "0",
			"WITH_PYMALLOC":    "1",
			"py_version_nodot": v,
		},
	}
	if cmpTuple(version, 3, 13) >= 0 {
		i.Config["Py_GIL_DISABLED"] = "0"
	}
	return i
}

func linux(version []int, machine, glibc, musl string, is32 bool) Interpreter {
	i := cpython(version, "linux-"+machine, machine)
	i.Glibc, i.Musl, i.Is32Bit = glibc, musl, is32
	return i
}

func mac(version []int, macVersion, machine string, is32 bool) Interpreter {
	i := cpython(version, "macosx-10.9-universal2", machine)
	i.MacVersion, i.Is32Bit = macVersion, is32
	v := nodot(version)
	i.Config["SOABI"] = "cpython-" + v + "-darwin"
	i.Config["EXT_SUFFIX"] = ".cpython-" + v + "-darwin.so"
	return i
}

func windows(version []int, platform string, is32 bool) Interpreter {
	i := cpython(version, platform, "AMD64")
	v := nodot(version)
	i.Is32Bit = is32
	i.Config = map[string]string{
		"EXT_SUFFIX":       ".cp" + v + "-" + normalizeString(platform) + ".pyd",
		"py_version_nodot": v,
	}
	return i
}

func with(i Interpreter, f func(*Interpreter)) Interpreter {
	c := i
	c.Config = map[string]string{}
	for k, v := range i.Config {
		c.Config[k] = v
	}
	f(&c)
	return c
}

func synthCases() []synthCase {
	py311 := []int{3, 11}
	host := linux(py311, "x86_64", "2.36", "", false)
	pypy := Interpreter{
		Implementation: "pypy", PythonVersion: []int{3, 10}, Platform: "linux-x86_64", Machine: "x86_64", Glibc: "2.35",
		Config: map[string]string{
			"SOABI": "pypy310-pp73", "EXT_SUFFIX": ".pypy310-pp73-x86_64-linux-gnu.so",
			"Py_DEBUG": "0", "WITH_PYMALLOC": "0", "py_version_nodot": "310",
		},
	}
	cases := []synthCase{
		{name: "x86_64 glibc 2.36", facts: host},
		{name: "x86_64 glibc 2.5", facts: linux(py311, "x86_64", "2.5", "", false)},
		{name: "x86_64 glibc 2.4", facts: linux(py311, "x86_64", "2.4", "", false)},
		{name: "x86_64 glibc 2.12", facts: linux(py311, "x86_64", "2.12", "", false)},
		{name: "x86_64 glibc 2.17", facts: linux(py311, "x86_64", "2.17", "", false)},
		{name: "x86_64 glibc 2.39", facts: linux(py311, "x86_64", "2.39", "", false)},
		{name: "x86_64 glibc 3.1", facts: linux(py311, "x86_64", "3.1", "", false)},
		{name: "x86_64 glibc with junk", facts: linux(py311, "x86_64", "2.20-2014.11", "", false)},
		{name: "x86_64 glibc unparsable", facts: linux(py311, "x86_64", "junk", "", false)},
		{name: "x86_64 no libc", facts: linux(py311, "x86_64", "", "", false)},
		{name: "x86_64 musl 1.2", facts: linux(py311, "x86_64", "", "1.2", false)},
		{name: "x86_64 musl 1.1", facts: linux([]int{3, 9}, "x86_64", "", "1.1", false)},
		{name: "x86_64 glibc and musl", facts: linux(py311, "x86_64", "2.35", "1.2", false)},
		{name: "i686 on x86_64", facts: linux(py311, "x86_64", "2.31", "", true)},
		{name: "native i686", facts: linux(py311, "i686", "2.17", "", true)},
		{name: "aarch64 glibc 2.17", facts: linux(py311, "aarch64", "2.17", "", false)},
		{name: "aarch64 glibc 2.31", facts: linux([]int{3, 12}, "aarch64", "2.31", "", false)},
		{name: "aarch64 glibc 2.12", facts: linux(py311, "aarch64", "2.12", "", false)},
		{name: "aarch64 musl 1.2", facts: linux(py311, "aarch64", "", "1.2", false)},
		{name: "armv8l on aarch64", facts: linux(py311, "aarch64", "2.31", "", true), since: "22"},
		{name: "armv8l on aarch64 musl", facts: linux(py311, "aarch64", "", "1.2", true), since: "22"},
		{name: "armv7l", facts: linux(py311, "armv7l", "2.31", "", true)},
		{name: "armv6l", facts: linux(py311, "armv6l", "2.28", "", true)},
		{name: "ppc64le", facts: linux(py311, "ppc64le", "2.34", "", false)},
		{name: "ppc64", facts: linux(py311, "ppc64", "2.34", "", false)},
		{name: "s390x", facts: linux(py311, "s390x", "2.34", "", false)},
		{name: "riscv64", facts: linux(py311, "riscv64", "2.39", "", false), since: "24"},
		{name: "loongarch64", facts: linux(py311, "loongarch64", "2.39", "", false), since: "24"},
		{name: "mips", facts: linux(py311, "mips", "2.28", "", true)},
		{name: "cp37 pymalloc", facts: linux([]int{3, 7}, "x86_64", "2.28", "", false)},
		{name: "cp37 without pymalloc", facts: with(linux([]int{3, 7}, "x86_64", "2.28", "", false), func(i *Interpreter) { i.Config["WITH_PYMALLOC"] = "0" })},
		{name: "cp37 pymalloc unknown", facts: with(linux([]int{3, 7}, "x86_64", "2.28", "", false), func(i *Interpreter) { i.Config["WITH_PYMALLOC"] = "" })},
		{name: "cp38", facts: linux([]int{3, 8}, "x86_64", "2.28", "", false)},
		{name: "cp313", facts: linux([]int{3, 13}, "x86_64", "2.39", "", false)},
		{name: "cp313t", facts: with(linux([]int{3, 13}, "x86_64", "2.39", "", false), func(i *Interpreter) { i.Config["Py_GIL_DISABLED"] = "1" }), since: "24"},
		{name: "cp313td", facts: with(linux([]int{3, 13}, "x86_64", "2.39", "", false), func(i *Interpreter) {
			i.Config["Py_GIL_DISABLED"] = "1"
			i.Config["Py_DEBUG"] = "1"
		}), since: "24"},
		{name: "cp312 Py_GIL_DISABLED ignored before 3.13", facts: with(linux([]int{3, 12}, "x86_64", "2.39", "", false), func(i *Interpreter) { i.Config["Py_GIL_DISABLED"] = "1" })},
		{name: "cp311d", facts: with(host, func(i *Interpreter) { i.Config["Py_DEBUG"] = "1" })},
		{name: "cp37dm", facts: with(linux([]int{3, 7}, "x86_64", "2.28", "", false), func(i *Interpreter) { i.Config["Py_DEBUG"] = "1" })},
		{name: "py_version_nodot differs", facts: with(host, func(i *Interpreter) { i.Config["py_version_nodot"] = "3_11" })},
		{name: "py_version_nodot unset", facts: with(host, func(i *Interpreter) { i.Config["py_version_nodot"] = "" })},
		{name: "macOS 10.9 x86_64", facts: mac(py311, "10.9", "x86_64", false)},
		{name: "macOS 10.15.7 x86_64", facts: mac(py311, "10.15.7", "x86_64", false)},
		{name: "macOS 10.3 x86_64", facts: mac(py311, "10.3", "x86_64", false)},
		{name: "macOS 11.0 arm64", facts: mac(py311, "11.0", "arm64", false)},
		{name: "macOS 11.7 x86_64", facts: mac(py311, "11.7.10", "x86_64", false)},
		{name: "macOS 14.2 arm64", facts: mac([]int{3, 12}, "14.2", "arm64", false)},
		{name: "macOS 15.0 x86_64", facts: mac(py311, "15.0", "x86_64", false)},
		{name: "macOS 10.6 i386", facts: mac([]int{3, 7}, "10.6", "i386", true)},
		{name: "macOS 10.5 ppc", facts: mac([]int{3, 7}, "10.5", "ppc", true)},
		{name: "macOS 10.5 ppc64", facts: mac([]int{3, 7}, "10.5", "ppc64", false)},
		{name: "win32", facts: windows(py311, "win32", true)},
		{name: "win-amd64", facts: windows(py311, "win-amd64", false)},
		{name: "win-arm64", facts: windows([]int{3, 12}, "win-arm64", false)},
		{name: "win-amd64 debug", facts: with(windows(py311, "win-amd64", false), func(i *Interpreter) { i.Config["EXT_SUFFIX"] = "_d.cp311-win_amd64.pyd" })},
		{name: "win32 cp37", facts: windows([]int{3, 7}, "win32", true)},
		{name: "freebsd", facts: with(cpython(py311, "freebsd-13.2-RELEASE-amd64", "amd64"), func(*Interpreter) {})},
		{name: "cygwin", facts: cpython([]int{3, 9}, "cygwin-3.4.6-x86_64", "x86_64")},
		{name: "pypy linux", facts: pypy},
		{name: "pypy macOS", facts: with(pypy, func(i *Interpreter) {
			i.Platform, i.Machine, i.MacVersion, i.Glibc = "macosx-11.0-arm64", "arm64", "14.0", ""
			i.Config["SOABI"], i.Config["EXT_SUFFIX"] = "pypy310-pp73-darwin", ".pypy310-pp73-darwin.so"
		}), since: "22"}, // 21.3 read the ABI from SOABI, which ends in "-darwin" here
		{name: "pypy windows", facts: with(pypy, func(i *Interpreter) {
			i.Platform, i.Machine, i.Glibc = "win-amd64", "AMD64", ""
			i.Config["SOABI"], i.Config["EXT_SUFFIX"] = "", ".pypy310-pp73-win_amd64.pyd"
		}), since: "22"},
		{name: "graalpy", facts: Interpreter{
			Implementation: "graalpy", PythonVersion: []int{3, 10}, Platform: "macosx-11.0-x86_64", Machine: "x86_64", MacVersion: "13.0",
			Config: map[string]string{"SOABI": "graalpy230-310-native-x86_64-darwin", "EXT_SUFFIX": ".graalpy230-310-native-x86_64-darwin.dylib", "py_version_nodot": "310"},
		}, since: "22"},
		{name: "iOS", facts: with(cpython([]int{3, 13}, "ios-13.0-arm64-iphoneos", "arm64"), func(i *Interpreter) {
			i.Config["EXT_SUFFIX"] = ".cpython-313-iphoneos.dylib"
		}), since: "24.2"},

		// pip's --python-version, --implementation, --abi, --platform.
		{name: "override manylinux2014 cp38", facts: host, override: &Override{PythonVersion: []int{3, 8}, Implementation: "cp", ABIs: []string{"cp38"}, Platforms: []string{"manylinux2014_x86_64"}}},
		{name: "override two linux platforms", facts: host, override: &Override{Platforms: []string{"manylinux2014_x86_64", "manylinux_2_28_x86_64"}}},
		{name: "override manylinux2010 i686", facts: host, override: &Override{Platforms: []string{"manylinux2010_i686", "manylinux2014_i686"}}},
		{name: "override manylinux2014 aarch64", facts: host, override: &Override{Platforms: []string{"manylinux2014_aarch64"}}},
		{name: "override macOS x86_64", facts: host, override: &Override{PythonVersion: []int{3, 11}, Platforms: []string{"macosx_10_9_x86_64"}}},
		{name: "override macOS arm64 twice", facts: host, override: &Override{Platforms: []string{"macosx_11_0_arm64", "macosx_11_0_arm64"}}},
		{name: "override macOS custom prefix", facts: host, override: &Override{Platforms: []string{"macosxcustom_12_0_arm64"}}},
		{name: "override macOS unmatched", facts: host, override: &Override{Platforms: []string{"macosx_arm64"}}},
		{name: "override windows major only", facts: host, override: &Override{PythonVersion: []int{3}, Implementation: "cp", Platforms: []string{"win_amd64"}}},
		{name: "override pypy", facts: host, override: &Override{PythonVersion: []int{3, 9}, Implementation: "pp", Platforms: []string{"linux_x86_64"}}, since: "22"},
		{name: "override pypy abis from host", facts: host, override: &Override{Implementation: "pp"}, since: "22"},
		{name: "override abi order", facts: host, override: &Override{ABIs: []string{"abi3", "none", "cp311"}}},
		{name: "override abi none", facts: host, override: &Override{ABIs: []string{"none"}}},
		{name: "override abi none twice", facts: host, override: &Override{ABIs: []string{"none", "cp311", "none"}}},
		{name: "override free-threaded abi", facts: host, override: &Override{PythonVersion: []int{3, 13}, ABIs: []string{"cp313t"}}, since: "24"},
		{name: "override cp37 abis from host", facts: host, override: &Override{PythonVersion: []int{3, 7}}},
		{name: "override cp27", facts: host, override: &Override{PythonVersion: []int{2, 7}, Implementation: "cp", Platforms: []string{"manylinux1_x86_64"}}},
		{name: "override py", facts: host, override: &Override{PythonVersion: []int{3, 10}, Implementation: "py"}, since: "22"},
		{name: "override platform any", facts: host, override: &Override{PythonVersion: []int{3, 12}, Platforms: []string{"any"}}},
		{name: "override iOS", facts: host, override: &Override{Platforms: []string{"ios_13_0_arm64_iphoneos"}}, since: "24.2", pipLacks: true},
	}
	return cases
}

type overrideJSON struct {
	PythonVersion  []int    `json:"python_version,omitempty"`
	Implementation string   `json:"implementation,omitempty"`
	ABIs           []string `json:"abis"`
	Platforms      []string `json:"platforms,omitempty"`
}

func TestSupportedMatchesPackagingSynthetic(t *testing.T) {
	python := pythontest.Python(t)
	cases := synthCases()
	type caseJSON struct {
		Facts    Interpreter   `json:"facts"`
		Override *overrideJSON `json:"override"`
	}
	var in []caseJSON
	for _, c := range cases {
		cj := caseJSON{Facts: c.facts}
		if o := c.override; o != nil {
			cj.Override = &overrideJSON{o.PythonVersion, o.Implementation, o.ABIs, o.Platforms}
		}
		in = append(in, cj)
	}
	input, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	sources := append([]string{""}, packagingCopies()...)
	seen := map[string]bool{}
	for _, src := range sources {
		args := []string{"testdata/packaging_oracle.py", "synthetic"}
		if src != "" {
			args = append(args, src)
		}
		out, err := runPython(t, python, input, args...)
		if err != nil {
			if src == "" {
				t.Fatalf("oracle with pip's packaging: %v", err)
			}
			t.Logf("skipping packaging in %s: %v", src, err)
			continue
		}
		var oracle struct {
			Packaging string `json:"packaging"`
			Results   []struct {
				SysTags         []string `json:"sys_tags"`
				GetSupported    []string `json:"get_supported"`
				PipGetSupported []string `json:"pip_get_supported"`
			} `json:"results"`
		}
		if err := json.Unmarshal(out, &oracle); err != nil {
			t.Fatalf("oracle output: %v", err)
		}
		if len(oracle.Results) != len(cases) {
			t.Fatalf("oracle answered %d cases, want %d", len(oracle.Results), len(cases))
		}
		if seen[oracle.Packaging] {
			continue
		}
		seen[oracle.Packaging] = true
		pv := oracle.Packaging
		t.Run("packaging "+pv, func(t *testing.T) {
			for k, c := range cases {
				res := oracle.Results[k]
				t.Run(c.name, func(t *testing.T) {
					if c.since != "" && !versionAtLeast(pv, c.since) {
						t.Skipf("packaging %s predates the rule gopip follows (since %s)", pv, c.since)
					}
					var o Override
					if c.override != nil {
						o = *c.override
					}
					got := SupportedFor(c.facts, o)
					if !versionAtLeast(pv, "26.1") {
						// abi3t (PEP 803) arrived in packaging 26.1.
						var kept []Tag
						for _, tag := range got {
							if tag.ABI != "abi3t" {
								kept = append(kept, tag)
							}
						}
						got = kept
					}
					gs := tagStrings(got)
					diffLists(t, "vs get_supported() of current pip", gs, res.GetSupported)
					if res.PipGetSupported != nil && !c.pipLacks {
						diffLists(t, "vs the real pip's get_supported()", gs, res.PipGetSupported)
					}
					if res.SysTags != nil && c.facts.Implementation == "cpython" && versionAtLeast(pv, "22") {
						diffLists(t, "vs sys_tags()", gs, res.SysTags)
					}
				})
			}
		})
	}
}
