package tags

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// This file computes platform tags the way packaging.tags does for the
// running interpreter (platform_tags and the functions behind it), from
// the facts in Interpreter instead of from the running process.
//
// Which packaging: the one pip 26.x vendors (packaging 26.0-26.2). The
// unreleased packaging 26.3 changes two things here that pip does not
// ship yet, and gopip follows pip:
//   - it orders the native linux_<arch> tags before manylinux and
//     musllinux (pypa/packaging#160); see nativeLinuxFirst;
//   - it renames the macOS binary format "fat32" to "fat3"
//     (pypa/packaging#1199); see macFat32.

// nativeLinuxFirst selects packaging 26.3's order, where linux_<arch>
// comes before the manylinux and musllinux tags. pip 26.2 and packaging
// 21.3-26.2 put it last.
const nativeLinuxFirst = false

// macFat32 is the name of the three-architecture macOS format up to
// packaging 26.2 ("fat32"); packaging 26.3 spells it "fat3", as CPython's
// _osx_support does.
const macFat32 = "fat32"

// normalizeString is packaging's _normalize_string.
func normalizeString(s string) string {
	return strings.NewReplacer(".", "_", "-", "_", " ", "_").Replace(s)
}

// system returns what platform.system() says on the interpreter's
// machine, derived from sysconfig.get_platform().
func system(platform string) string {
	switch {
	case strings.HasPrefix(platform, "linux"):
		return "Linux"
	case strings.HasPrefix(platform, "macosx"):
		return "Darwin"
	case strings.HasPrefix(platform, "ios"):
		return "iOS"
	case strings.HasPrefix(platform, "android"):
		return "Android"
	case strings.HasPrefix(platform, "emscripten"):
		return "Emscripten"
	}
	return ""
}

// platformTags is packaging's platform_tags() for the interpreter i, most
// preferred first. An interpreter that reports no platform gets none.
func platformTags(i Interpreter) []string {
	if i.Platform == "" {
		return nil
	}
	switch system(i.Platform) {
	case "Darwin":
		version, ok := parseIntTuple(i.MacVersion, 2)
		if !ok {
			// mac_ver() failed to report; fall back to the deployment
			// target in "macosx-11.0-arm64", which is at most the real
			// version and so yields a subset of the right tags.
			version, ok = parseIntTuple(field(i.Platform, "-", 1), 2)
		}
		if !ok {
			return []string{normalizeString(i.Platform)}
		}
		if len(version) == 1 {
			// "14" means 14.0. (packaging gives the same tags for 12 and
			// up, none for 10 and fails for 11.)
			version = append(version, 0)
		}
		return macPlatforms(version, macArch(i.Machine, i.Is32Bit))
	case "iOS":
		// sysconfig.get_platform() is "ios-<min version>-<arch>-<sdk>";
		// packaging uses platform.ios_ver() (the running OS, at least the
		// minimum) and sys.implementation._multiarch ("<arch>-<sdk>").
		// The minimum version gives a subset of the tags.
		p := strings.SplitN(i.Platform, "-", 3)
		version, ok := parseIntTuple(field(i.Platform, "-", 1), 2)
		if len(p) < 3 || !ok || len(version) < 2 {
			return []string{normalizeString(i.Platform)}
		}
		return iosPlatforms(version, p[2])
	case "Android":
		// "android-<api level>-<abi>"; packaging uses the device's API
		// level from platform.android_ver(), at least the one the
		// interpreter was built for, which gives a subset of the tags.
		p := strings.Split(i.Platform, "-")
		level, err := strconv.Atoi(field(i.Platform, "-", 1))
		if err != nil {
			return []string{normalizeString(i.Platform)}
		}
		return androidPlatforms(level, p[len(p)-1])
	case "Linux":
		return linuxPlatforms(i)
	case "Emscripten":
		var out []string
		if v := i.Config["PYEMSCRIPTEN_PLATFORM_VERSION"]; v != "" {
			out = append(out, "pyemscripten_"+v+"_wasm32")
		}
		return append(out, normalizeString(i.Platform))
	}
	// Windows ("win32", "win-amd64", "win-arm64") and everything else.
	return []string{normalizeString(i.Platform)}
}

func field(s, sep string, n int) string {
	p := strings.Split(s, sep)
	if n < len(p) {
		return p[n]
	}
	return ""
}

// parseIntTuple parses "14.2.1" as Python's tuple(map(int,
// s.split(".")[:max])) would.
func parseIntTuple(s string, max int) ([]int, bool) {
	if s == "" {
		return nil, false
	}
	p := strings.Split(s, ".")
	if len(p) > max {
		p = p[:max]
	}
	out := make([]int, len(p))
	for k, v := range p {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, false
		}
		out[k] = n
	}
	return out, true
}

// cmpTuple compares two int tuples as Python does.
func cmpTuple(a []int, b ...int) int {
	for k := 0; k < len(a) && k < len(b); k++ {
		if a[k] != b[k] {
			if a[k] < b[k] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

// linuxPlatforms is packaging's _linux_platforms.
func linuxPlatforms(i Interpreter) []string {
	linux := strings.ToLower(normalizeString(i.Platform))
	if !strings.HasPrefix(linux, "linux_") {
		return []string{linux}
	}
	if i.Is32Bit {
		// A 32-bit interpreter on a 64-bit kernel.
		switch linux {
		case "linux_x86_64":
			linux = "linux_i686"
		case "linux_aarch64":
			// packaging 21.3 said armv7l; since 23.x it is armv8l, which
			// also runs armv7l code.
			linux = "linux_armv8l"
		}
	}
	arch := strings.TrimPrefix(linux, "linux_")
	archs := []string{arch}
	if arch == "armv8l" {
		archs = []string{"armv8l", "armv7l"}
	}
	var native []string
	for _, a := range archs {
		native = append(native, "linux_"+a)
	}
	var out []string
	if nativeLinuxFirst {
		out = append(out, native...)
	}
	out = append(out, manylinuxPlatforms(archs, i.Glibc)...)
	out = append(out, musllinuxPlatforms(archs, i.Musl)...)
	if !nativeLinuxFirst {
		out = append(out, native...)
	}
	return out
}

// manylinuxArchs are the architectures packaging offers manylinux tags
// for without looking at the executable (_manylinux._ALLOWED_ARCHS;
// packaging 21.3 lacked loongarch64 and riscv64).
var manylinuxArchs = map[string]bool{
	"x86_64": true, "aarch64": true, "ppc64": true, "ppc64le": true,
	"s390x": true, "loongarch64": true, "riscv64": true,
}

var leadingMajorMinor = regexp.MustCompile(`^([0-9]+)\.([0-9]+)`)

// parseMajorMinor reads "2.36" (or "2.20-2014.11", keeping the leading
// numbers as packaging's _parse_glibc_version does) into (2, 36); it
// returns (-1, -1) when s does not start with two dotted numbers.
func parseMajorMinor(s string) (int, int) {
	m := leadingMajorMinor.FindStringSubmatch(s)
	if m == nil {
		return -1, -1
	}
	major, err1 := strconv.Atoi(m[1])
	minor, err2 := strconv.Atoi(m[2])
	if err1 != nil || err2 != nil {
		return -1, -1
	}
	return major, minor
}

// legacyManylinux maps the glibc versions of PEP 513/571/599 to their
// legacy tag names.
var legacyManylinux = map[[2]int]string{
	{2, 17}: "manylinux2014",
	{2, 12}: "manylinux2010",
	{2, 5}:  "manylinux1",
}

// lastGlibcMinor is packaging's _LAST_GLIBC_MINOR default: the minor
// version assumed for every earlier glibc major version.
const lastGlibcMinor = 50

// manylinuxPlatforms is packaging's _manylinux.platform_tags for a
// glibc version such as "2.36" ("" when the interpreter does not use
// glibc).
//
// Two checks of packaging's cannot be made from Interpreter and are
// assumed to pass: that an armv7l interpreter uses the hard-float ABI
// (its ELF header says so; soft-float armel userlands on ARMv7 hardware
// would wrongly get manylinux tags), and that an i686 one is a 32-bit
// x86 executable. The distribution's optional _manylinux module, which
// can veto tags (PEP 600), is not consulted either.
func manylinuxPlatforms(archs []string, glibc string) []string {
	compatible := false
	switch {
	case contains(archs, "armv7l"), contains(archs, "i686"):
		compatible = true
	default:
		for _, a := range archs {
			compatible = compatible || manylinuxArchs[a]
		}
	}
	if !compatible {
		return nil
	}
	tooOld := [2]int{2, 16}
	if contains(archs, "x86_64") || contains(archs, "i686") {
		tooOld = [2]int{2, 4}
	}
	major, minor := parseMajorMinor(glibc)
	maxList := [][2]int{{major, minor}}
	for m := major - 1; m > 1; m-- {
		maxList = append(maxList, [2]int{m, lastGlibcMinor})
	}
	var out []string
	for _, arch := range archs {
		for _, max := range maxList {
			minMinor := -1
			if max[0] == tooOld[0] {
				minMinor = tooOld[1]
			}
			for m := max[1]; m > minMinor; m-- {
				v := [2]int{max[0], m}
				// _is_compatible: the interpreter's glibc is at least v,
				// which holds for every v generated here.
				out = append(out, fmt.Sprintf("manylinux_%d_%d_%s", v[0], v[1], arch))
				if legacy, ok := legacyManylinux[v]; ok {
					out = append(out, legacy+"_"+arch)
				}
			}
		}
	}
	return out
}

// musllinuxPlatforms is packaging's _musllinux.platform_tags for a musl
// version such as "1.2" ("" when the interpreter does not use musl).
func musllinuxPlatforms(archs []string, musl string) []string {
	major, minor := parseMajorMinor(musl)
	if major < 0 {
		return nil
	}
	var out []string
	for _, arch := range archs {
		for m := minor; m >= 0; m-- {
			out = append(out, fmt.Sprintf("musllinux_%d_%d_%s", major, m, arch))
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// macArch is packaging's _mac_arch.
func macArch(arch string, is32Bit bool) string {
	if !is32Bit {
		return arch
	}
	if strings.HasPrefix(arch, "ppc") {
		return "ppc"
	}
	return "i386"
}

// macBinaryFormats is packaging's _mac_binary_formats.
func macBinaryFormats(version []int, arch string) []string {
	formats := []string{arch}
	switch arch {
	case "x86_64":
		if cmpTuple(version, 10, 4) < 0 {
			return nil
		}
		formats = append(formats, "intel", "fat64", macFat32)
	case "i386":
		if cmpTuple(version, 10, 4) < 0 {
			return nil
		}
		formats = append(formats, "intel", macFat32, "fat")
	case "ppc64":
		if cmpTuple(version, 10, 5) > 0 || cmpTuple(version, 10, 4) < 0 {
			return nil
		}
		formats = append(formats, "fat64")
	case "ppc":
		if cmpTuple(version, 10, 6) > 0 {
			return nil
		}
		formats = append(formats, macFat32, "fat")
	}
	switch arch {
	case "arm64", "x86_64":
		formats = append(formats, "universal2")
	}
	switch arch {
	case "x86_64", "i386", "ppc64", "ppc", "intel":
		formats = append(formats, "universal")
	}
	return formats
}

// macPlatforms is packaging's mac_platforms(version, arch): version is
// (major, minor) of macOS, arch a CPU architecture as _mac_arch gives it.
func macPlatforms(version []int, arch string) []string {
	var out []string
	emit := func(major, minor int, formats []string) {
		for _, f := range formats {
			out = append(out, fmt.Sprintf("macosx_%d_%d_%s", major, minor, f))
		}
	}
	if cmpTuple(version, 10, 0) >= 0 && cmpTuple(version, 11, 0) < 0 {
		// Before macOS 11 every yearly release bumped the minor number.
		for minor := version[1]; minor >= 0; minor-- {
			emit(10, minor, macBinaryFormats([]int{10, minor}, arch))
		}
	}
	if cmpTuple(version, 11, 0) >= 0 {
		// From macOS 11 on the major number moves; minor releases are
		// the mid-year updates.
		for major := version[0]; major > 10; major-- {
			emit(major, 0, macBinaryFormats([]int{major, 0}, arch))
		}
		// x86_64 on macOS 11+ runs everything built for 10.x; arm64 only
		// universal2 builds, whose x86_64 half may target 10.x.
		for minor := 16; minor > 3; minor-- {
			if arch == "x86_64" {
				emit(10, minor, macBinaryFormats([]int{10, minor}, arch))
			} else {
				emit(10, minor, []string{"universal2"})
			}
		}
	}
	return out
}

// iosPlatforms is packaging's ios_platforms(version, multiarch).
func iosPlatforms(version []int, multiarch string) []string {
	multiarch = strings.ReplaceAll(multiarch, "-", "_")
	if len(version) < 2 || version[0] < 12 {
		return nil
	}
	out := []string{fmt.Sprintf("ios_%d_%d_%s", version[0], version[1], multiarch)}
	for minor := version[1] - 1; minor >= 0; minor-- {
		out = append(out, fmt.Sprintf("ios_%d_%d_%s", version[0], minor, multiarch))
	}
	for major := version[0] - 1; major > 11; major-- {
		for minor := 9; minor >= 0; minor-- {
			out = append(out, fmt.Sprintf("ios_%d_%d_%s", major, minor, multiarch))
		}
	}
	return out
}

// androidPlatforms is packaging's android_platforms(api_level, abi)
// (packaging 25.0+): every API level from apiLevel down to 16.
func androidPlatforms(apiLevel int, abi string) []string {
	abi = normalizeString(abi)
	var out []string
	for v := apiLevel; v >= 16; v-- {
		out = append(out, fmt.Sprintf("android_%d_%s", v, abi))
	}
	return out
}
