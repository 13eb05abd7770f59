package tags

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Supported returns the tags the interpreter i supports, most preferred
// first: the list pip builds (compatibility_tags.get_supported() with no
// overrides) and, for CPython, exactly what packaging.tags.sys_tags()
// yields in the packaging that pip 26 vendors. It is
// SupportedFor(i, Override{}).
//
// For CPython that is
//
//	cp311-cp311-<platform>...   the interpreter's own ABI (cp311d, cp311t, cp37m …)
//	cp311-abi3-<platform>...    (abi3t for free-threaded builds)
//	cp311-none-<platform>...
//	cp310-abi3-<platform>... down to cp32
//	py311-none-<platform>..., py3-none-<platform>..., py310-none-<platform>... down to py30
//	cp311-none-any
//	py311-none-any, py3-none-any, py310-none-any ... py30-none-any
//
// where <platform> runs through the platform tags from most to least
// specific (manylinux_2_36 … manylinux1, musllinux_1_2 … musllinux_1_0,
// linux_x86_64 on Linux; macosx_14_0_arm64 … on macOS; win_amd64 on
// Windows). Other implementations get generic tags
// (pp310-pypy310_pp73-<platform>, pp310-none-<platform>) instead of the
// cp lines. The list may hold duplicates, as pip's does; NewSet keeps the
// first.
//
// One deliberate difference from sys_tags: for PyPy and other
// non-CPython interpreters sys_tags() yields "pp3-none-any" (or nothing)
// where pip's get_supported(), and so this function, yields
// "<impl><py_version_nodot>-none-any", e.g. "pp310-none-any".
//
// Supported returns nil when i.PythonVersion is empty.
func Supported(i Interpreter) []Tag {
	return SupportedFor(i, Override{})
}

// Override holds pip's target options --python-version, --implementation,
// --abi and --platform. The zero value overrides nothing.
type Override struct {
	// PythonVersion is --python-version as ParsePythonVersion returns it:
	// (3, 11) or just (3); only the first two numbers count.
	PythonVersion []int
	// Implementation is --implementation: a short interpreter name such
	// as "cp", "pp", "ip", "jy" or "py".
	Implementation string
	// ABIs is --abi, e.g. ["cp311", "abi3", "none"].
	ABIs []string
	// Platforms is --platform, e.g. ["manylinux2014_x86_64"]. Like pip,
	// "manylinux2014_<arch>" and "manylinux2010_<arch>" also admit the
	// older legacy manylinux tags, "macosx_<X>_<Y>_<arch>" every macOS
	// tag that version runs, and "ios_<X>_<Y>_<multiarch>" every earlier
	// iOS; no other expansion is made (in particular manylinux_2_28_x86_64
	// does not admit manylinux_2_27_x86_64: list what you accept).
	Platforms []string
}

// SupportedFor returns the tags supported by a target described by the
// interpreter i and pip's overrides o, in preference order, as pip's
// compatibility_tags.get_supported(version, platforms, impl, abis) builds
// them from packaging's cpython_tags (or generic_tags) and
// compatible_tags. Whatever o leaves unset comes from i, as pip takes it
// from the running interpreter: the ABIs are derived from i.Config even
// for another --python-version, and the platforms from i unless
// o.Platforms is set. With a zero Interpreter, set all of o.
func SupportedFor(i Interpreter, o Override) []Tag {
	impl := o.Implementation
	if impl == "" {
		impl = interpreterName(i)
	}
	var (
		pyVersion []int  // python_version passed to packaging
		verNodot  string // pip's "version" string
	)
	if len(o.PythonVersion) > 0 {
		pyVersion = o.PythonVersion
		if len(pyVersion) > 2 {
			pyVersion = pyVersion[:2]
		}
		verNodot = nodot(pyVersion)
	} else {
		if len(i.PythonVersion) == 0 {
			return nil
		}
		pyVersion = i.PythonVersion
		if len(pyVersion) > 2 {
			pyVersion = pyVersion[:2]
		}
		verNodot = interpreterVersion(i)
	}
	interpreter := impl + verNodot

	platforms := expandPlatforms(o.Platforms)
	if platforms == nil {
		platforms = platformTags(i)
	}

	var out []Tag
	if impl == "cp" {
		abis := o.ABIs
		if abis == nil && len(pyVersion) > 1 {
			abis = cpythonABIs(pyVersion, i.Config)
		}
		out = cpythonTags(pyVersion, abis, platforms)
	} else {
		abis := o.ABIs
		if abis == nil {
			abis = genericABIs(i)
		}
		out = genericTags(interpreter, abis, platforms)
	}
	return append(out, compatibleTags(pyVersion, interpreter, platforms)...)
}

// ParsePythonVersion parses a --python-version value as pip does: "3",
// "3.11", "3.11.4", or the dotless "311" (the first digit is the major
// version, the rest the minor). "" gives nil, meaning "no override".
func ParsePythonVersion(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ".")
	if len(parts) > 3 {
		return nil, fmt.Errorf("invalid --python-version value %q: at most three version parts are allowed", s)
	}
	if len(parts) == 1 && len(parts[0]) > 1 {
		parts = []string{parts[0][:1], parts[0][1:]}
	}
	out := make([]int, len(parts))
	for k, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("invalid --python-version value %q: each version part must be an integer", s)
		}
		out[k] = n
	}
	return out, nil
}

// interpreterShortNames is packaging's INTERPRETER_SHORT_NAMES.
var interpreterShortNames = map[string]string{
	"python":     "py",
	"cpython":    "cp",
	"pypy":       "pp",
	"ironpython": "ip",
	"jython":     "jy",
}

// interpreterName is packaging's interpreter_name().
func interpreterName(i Interpreter) string {
	if s, ok := interpreterShortNames[i.Implementation]; ok {
		return s
	}
	return i.Implementation
}

// interpreterVersion is packaging's interpreter_version(): the
// py_version_nodot config variable, else the dotless version.
func interpreterVersion(i Interpreter) string {
	if v := i.Config["py_version_nodot"]; v != "" {
		return v
	}
	if len(i.PythonVersion) > 2 {
		return nodot(i.PythonVersion[:2])
	}
	return nodot(i.PythonVersion)
}

func nodot(v []int) string {
	var b strings.Builder
	for _, n := range v {
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// truthy is Python's bool() of a sysconfig value the inspection script
// turned into a string: None → "", 0 → "0".
func truthy(v string) bool { return v != "" && v != "0" }

// cpythonABIs is packaging's _cpython_abis(py_version): the ABI tags of a
// CPython build, given its sysconfig variables.
func cpythonABIs(version []int, config map[string]string) []string {
	v := nodot(version[:2])
	var threading, debug, pymalloc, ucs4 string
	withDebug := config["Py_DEBUG"]
	// Windows does not set Py_DEBUG: packaging then looks for debug
	// extension modules ("_d.pyd" in EXTENSION_SUFFIXES) or
	// sys.gettotalrefcount; a debug build's EXT_SUFFIX starts with "_d.".
	if truthy(withDebug) || (withDebug == "" && strings.HasPrefix(config["EXT_SUFFIX"], "_d.")) {
		debug = "d"
	}
	// Free-threaded builds (PEP 703), packaging 24.0+.
	if cmpTuple(version, 3, 13) >= 0 && truthy(config["Py_GIL_DISABLED"]) {
		threading = "t"
	}
	if cmpTuple(version, 3, 8) < 0 {
		if w := config["WITH_PYMALLOC"]; truthy(w) || w == "" {
			pymalloc = "m"
		}
		if cmpTuple(version, 3, 3) < 0 {
			// Py_UNICODE_SIZE is unset on every Python 3.3+, where
			// packaging falls back to sys.maxunicode == 0x10FFFF: true.
			if u := config["Py_UNICODE_SIZE"]; u == "" || u == "4" {
				ucs4 = "u"
			}
		}
	}
	abis := []string{"cp" + v + threading + debug + pymalloc + ucs4}
	if cmpTuple(version, 3, 8) >= 0 && debug != "" {
		// Debug builds also load release-build extension modules.
		abis = append(abis, "cp"+v+threading)
	}
	return abis
}

// genericABIs is packaging's _generic_abi(): the ABI tag in EXT_SUFFIX
// (packaging 21.3 used SOABI, which gives the same tag for PyPy).
// packaging raises SystemError for a missing or malformed EXT_SUFFIX;
// here the interpreter then simply gets no ABI-specific tags.
func genericABIs(i Interpreter) []string {
	ext := i.Config["EXT_SUFFIX"]
	if !strings.HasPrefix(ext, ".") {
		return nil
	}
	parts := strings.Split(ext, ".")
	if len(parts) < 3 {
		// CPython 3.7 and earlier on Windows use ".pyd".
		if len(i.PythonVersion) < 2 {
			return nil
		}
		return cpythonABIs(i.PythonVersion[:2], i.Config)
	}
	soabi := parts[1]
	var abi string
	switch {
	case strings.HasPrefix(soabi, "cpython"):
		p := strings.Split(soabi, "-")
		if len(p) < 2 || p[1] == "" {
			return nil
		}
		abi = "cp" + p[1]
	case strings.HasPrefix(soabi, "cp"):
		abi = strings.Split(soabi, "-")[0]
	case strings.HasPrefix(soabi, "pypy"):
		abi = strings.Join(firstN(strings.Split(soabi, "-"), 2), "-")
	case strings.HasPrefix(soabi, "graalpy"):
		abi = strings.Join(firstN(strings.Split(soabi, "-"), 3), "-")
	case soabi != "":
		abi = soabi
	default:
		return nil
	}
	return []string{normalizeString(abi)}
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func newTag(interpreter, abi, platform string) Tag {
	return Tag{interpreter, abi, platform}.lower()
}

var cpABIFlags = regexp.MustCompile(`^cp[0-9]+(.*)`)

// cpythonTags is packaging's cpython_tags(python_version, abis,
// platforms) with every argument given (abis may be nil).
func cpythonTags(version []int, abis, platforms []string) []Tag {
	interpreter := "cp" + nodot(version)
	// The stable ABI and "none" are yielded at their own place, so they
	// are taken out of abis (their first occurrence, as list.remove does).
	// packaging 26.3 decides "free-threaded" from the first ABI before
	// taking them out, and then takes out abi3t as well.
	threading := false
	if len(abis) > 0 {
		if m := cpABIFlags.FindStringSubmatch(abis[0]); m != nil {
			threading = strings.Contains(m[1], "t")
		}
	}
	abis = append([]string(nil), abis...)
	explicit := []string{"abi3", "none"}
	if threading {
		explicit = []string{"abi3", "abi3t", "none"}
	}
	for _, e := range explicit {
		for k, a := range abis {
			if a == e {
				abis = append(abis[:k], abis[k+1:]...)
				break
			}
		}
	}
	var out []Tag
	for _, abi := range abis {
		for _, p := range platforms {
			out = append(out, newTag(interpreter, abi, p))
		}
	}
	// abi3 since Python 3.2 (PEP 384); free-threaded builds cannot load
	// abi3 modules and use abi3t instead (PEP 803, packaging 26.1).
	stable := len(version) > 1 && cmpTuple(version, 3, 2) >= 0
	useABI3 := stable && !threading
	useABI3t := stable && threading
	if useABI3 {
		for _, p := range platforms {
			out = append(out, newTag(interpreter, "abi3", p))
		}
	}
	if useABI3t {
		for _, p := range platforms {
			out = append(out, newTag(interpreter, "abi3t", p))
		}
	}
	for _, p := range platforms {
		out = append(out, newTag(interpreter, "none", p))
	}
	if useABI3 || useABI3t {
		for minor := version[1] - 1; minor > 1; minor-- {
			older := "cp" + nodot([]int{version[0], minor})
			for _, p := range platforms {
				if useABI3 {
					out = append(out, newTag(older, "abi3", p))
				}
				if useABI3t {
					out = append(out, newTag(older, "abi3t", p))
				}
			}
		}
	}
	return out
}

// genericTags is packaging's generic_tags(interpreter, abis, platforms)
// with every argument given: "none" is added to abis when missing.
func genericTags(interpreter string, abis, platforms []string) []Tag {
	abis = append([]string(nil), abis...)
	if !contains(abis, "none") {
		abis = append(abis, "none")
	}
	var out []Tag
	for _, abi := range abis {
		for _, p := range platforms {
			out = append(out, newTag(interpreter, abi, p))
		}
	}
	return out
}

// pyInterpreterRange is packaging's _py_interpreter_range: py311, py3,
// py310 … py30 for (3, 11); just py3 for (3).
func pyInterpreterRange(version []int) []string {
	var out []string
	if len(version) > 1 {
		out = append(out, "py"+nodot(version[:2]))
	}
	out = append(out, "py"+strconv.Itoa(version[0]))
	if len(version) > 1 {
		for minor := version[1] - 1; minor >= 0; minor-- {
			out = append(out, "py"+nodot([]int{version[0], minor}))
		}
	}
	return out
}

// compatibleTags is packaging's compatible_tags(python_version,
// interpreter, platforms) with every argument given.
func compatibleTags(version []int, interpreter string, platforms []string) []Tag {
	var out []Tag
	versions := pyInterpreterRange(version)
	for _, v := range versions {
		for _, p := range platforms {
			out = append(out, newTag(v, "none", p))
		}
	}
	if interpreter != "" {
		out = append(out, newTag(interpreter, "none", "any"))
	}
	for _, v := range versions {
		out = append(out, newTag(v, "none", "any"))
	}
	return out
}

var appleArch = regexp.MustCompile(`^(.+)_(\d+)_(\d+)_(.+)$`)

// expandPlatforms is pip's _expand_allowed_platforms: each --platform
// value with the platforms it implies, without duplicates, nil for none.
func expandPlatforms(platforms []string) []string {
	if len(platforms) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, p := range platforms {
		if seen[p] {
			continue
		}
		for _, c := range customPlatforms(p) {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// customPlatforms is pip's _get_custom_platforms.
func customPlatforms(arch string) []string {
	prefix, suffix, _ := strings.Cut(arch, "_")
	switch {
	case strings.HasPrefix(arch, "macosx"), strings.HasPrefix(arch, "ios"):
		m := appleArch.FindStringSubmatch(arch)
		if m == nil {
			return []string{arch}
		}
		major, err1 := strconv.Atoi(m[2])
		minor, err2 := strconv.Atoi(m[3])
		if err1 != nil || err2 != nil {
			return []string{arch}
		}
		// pip keeps whatever prefix the user wrote ("macosxcustom_…").
		var expanded []string
		trim := "macosx_"
		if strings.HasPrefix(arch, "macosx") {
			expanded = macPlatforms([]int{major, minor}, m[4])
		} else {
			trim = "ios_"
			expanded = iosPlatforms([]int{major, minor}, m[4])
		}
		out := make([]string, len(expanded))
		for k, e := range expanded {
			out[k] = m[1] + "_" + strings.TrimPrefix(e, trim)
		}
		return out
	case prefix == "manylinux2014":
		// PEP 599: manylinux1 and manylinux2010 wheels count as
		// manylinux2014 ones (x86 only; the others never had them).
		if suffix == "i686" || suffix == "x86_64" {
			return []string{arch, "manylinux2010_" + suffix, "manylinux1_" + suffix}
		}
		return []string{arch}
	case prefix == "manylinux2010":
		// PEP 571: manylinux1 wheels count as manylinux2010 ones.
		return []string{arch, "manylinux1_" + suffix}
	}
	return []string{arch}
}
