package tags

import (
	"slices"
	"strings"
	"testing"
)

// These tests pin down behaviour the differential tests cannot reach:
// rules newer than every packaging on this machine (abi3t, Android,
// Emscripten) and gopip's own choices.

func indexOf(tags []Tag, s string) int {
	for k, t := range tags {
		if t.String() == s {
			return k
		}
	}
	return -1
}

func TestSupportedHost(t *testing.T) {
	i := linux([]int{3, 11}, "x86_64", "2.36", "", false)
	got := tagStrings(Supported(i))
	head := []string{
		"cp311-cp311-manylinux_2_36_x86_64",
		"cp311-cp311-manylinux_2_35_x86_64",
	}
	if !slices.Equal(got[:2], head) {
		t.Errorf("starts with %v, want %v", got[:2], head)
	}
	// The legacy aliases sit right after the manylinux_X_Y they stand for,
	// and the native linux tag comes last (pip 26.2; packaging 26.3 moves
	// it first).
	for _, pair := range [][2]string{
		{"cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-manylinux2014_x86_64"},
		{"cp311-cp311-manylinux_2_12_x86_64", "cp311-cp311-manylinux2010_x86_64"},
		{"cp311-cp311-manylinux_2_5_x86_64", "cp311-cp311-manylinux1_x86_64"},
		{"cp311-cp311-manylinux1_x86_64", "cp311-cp311-linux_x86_64"},
		{"cp311-cp311-linux_x86_64", "cp311-abi3-manylinux_2_36_x86_64"},
	} {
		a, b := slices.Index(got, pair[0]), slices.Index(got, pair[1])
		if a < 0 || b != a+1 {
			t.Errorf("%s at %d, %s at %d: want adjacent", pair[0], a, pair[1], b)
		}
	}
	tail := []string{"py30-none-linux_x86_64", "cp311-none-any", "py311-none-any", "py3-none-any", "py310-none-any"}
	k := slices.Index(got, "cp311-none-any")
	if k < 1 || !slices.Equal(got[k-1:k+4], tail) {
		t.Errorf("around cp311-none-any: %v, want %v", got[max(0, k-1):min(len(got), k+4)], tail)
	}
	if last := got[len(got)-1]; last != "py30-none-any" {
		t.Errorf("last tag %q, want py30-none-any", last)
	}
}

func TestSupportedFreeThreaded(t *testing.T) {
	i := with(linux([]int{3, 14}, "x86_64", "2.39", "", false), func(i *Interpreter) { i.Config["Py_GIL_DISABLED"] = "1" })
	got := Supported(i)
	if s := got[0].String(); s != "cp314-cp314t-manylinux_2_39_x86_64" {
		t.Errorf("first tag %s", s)
	}
	// Free-threaded builds cannot load abi3 modules: abi3t (PEP 803)
	// takes its place, for this and every older minor version.
	for _, tag := range got {
		if tag.ABI == "abi3" {
			t.Fatalf("free-threaded build supports %s", tag)
		}
	}
	order := []string{"cp314-cp314t-linux_x86_64", "cp314-abi3t-manylinux_2_39_x86_64", "cp314-abi3t-linux_x86_64",
		"cp314-none-manylinux_2_39_x86_64", "cp314-none-linux_x86_64", "cp313-abi3t-manylinux_2_39_x86_64", "cp32-abi3t-linux_x86_64",
		"py314-none-manylinux_2_39_x86_64"}
	last := -1
	for _, s := range order {
		k := indexOf(got, s)
		if k <= last {
			t.Errorf("%s at %d, want after %d", s, k, last)
		}
		last = k
	}
	if indexOf(got, "cp31-abi3t-linux_x86_64") >= 0 {
		t.Error("abi3t goes below Python 3.2")
	}

	d := with(i, func(i *Interpreter) { i.Config["Py_DEBUG"] = "1" })
	abis := []string{}
	for _, tag := range Supported(d) {
		if tag.Platform == "linux_x86_64" && tag.Interpreter == "cp314" && !slices.Contains(abis, tag.ABI) {
			abis = append(abis, tag.ABI)
		}
	}
	if want := []string{"cp314td", "cp314t", "abi3t", "none"}; !slices.Equal(abis, want) {
		t.Errorf("debug free-threaded ABIs %v, want %v", abis, want)
	}
}

func TestSupportedPlatformsWithoutOracle(t *testing.T) {
	tests := []struct {
		name  string
		facts Interpreter
		want  []string // the first platform tags, in order
		count int      // number of platform tags
	}{
		{"android", cpython([]int{3, 13}, "android-24-arm64_v8a", "aarch64"),
			[]string{"android_24_arm64_v8a", "android_23_arm64_v8a"}, 9},
		{"android x86_64", cpython([]int{3, 13}, "android-21-x86_64", "x86_64"),
			[]string{"android_21_x86_64", "android_20_x86_64"}, 6},
		{"emscripten", with(cpython([]int{3, 13}, "emscripten-4.0.9-wasm32", "wasm32"), func(i *Interpreter) {
			i.Config["PYEMSCRIPTEN_PLATFORM_VERSION"] = "2025_0"
		}), []string{"pyemscripten_2025_0_wasm32", "emscripten_4_0_9_wasm32"}, 2},
		{"emscripten without version", cpython([]int{3, 12}, "emscripten-3.1.58-wasm32", "wasm32"),
			[]string{"emscripten_3_1_58_wasm32"}, 1},
		{"ios", cpython([]int{3, 13}, "ios-13.0-arm64-iphonesimulator", "arm64"),
			[]string{"ios_13_0_arm64_iphonesimulator", "ios_12_9_arm64_iphonesimulator"}, 11},
		{"ios too old", cpython([]int{3, 13}, "ios-11.0-arm64-iphoneos", "arm64"), nil, 0},
		{"macOS without mac_version uses the deployment target", mac([]int{3, 12}, "", "arm64", false),
			[]string{"macosx_10_9_arm64", "macosx_10_9_universal2", "macosx_10_8_arm64"}, 20},
		{"macOS with a one-part version", mac([]int{3, 12}, "14", "arm64", false),
			[]string{"macosx_14_0_arm64", "macosx_14_0_universal2", "macosx_13_0_arm64"}, 21},
		{"linux with glibc 2.16 on aarch64", linux([]int{3, 12}, "aarch64", "2.16", "", false),
			[]string{"linux_aarch64"}, 1},
		{"no platform", cpython([]int{3, 12}, "", "x86_64"), nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plats := platformTags(tt.facts)
			if len(plats) != tt.count || !slices.Equal(plats[:min(len(tt.want), len(plats))], tt.want) {
				t.Errorf("platform tags %v (%d), want %v… (%d)", plats, len(plats), tt.want, tt.count)
			}
			got := Supported(tt.facts)
			if tt.count > 0 && got[0].Platform != plats[0] {
				t.Errorf("first supported tag %s, want platform %s", got[0], plats[0])
			}
			if tt.count == 0 {
				for _, tag := range got {
					if tag.Platform != "any" {
						t.Fatalf("supports %s", tag)
					}
				}
			}
		})
	}
}

func TestSupportedPyPyCompatibleInterpreter(t *testing.T) {
	i := Interpreter{
		Implementation: "pypy", PythonVersion: []int{3, 10}, Platform: "linux-x86_64", Machine: "x86_64", Glibc: "2.35",
		Config: map[string]string{"EXT_SUFFIX": ".pypy310-pp73-x86_64-linux-gnu.so", "py_version_nodot": "310"},
	}
	got := tagStrings(Supported(i))
	if got[0] != "pp310-pypy310_pp73-manylinux_2_35_x86_64" {
		t.Errorf("first tag %s", got[0])
	}
	// pip's get_supported, not sys_tags(): pp310-none-any, never pp3-none-any.
	if !slices.Contains(got, "pp310-none-any") || slices.Contains(got, "pp3-none-any") {
		t.Error("want pp310-none-any and no pp3-none-any")
	}
	if slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, "abi3") }) {
		t.Error("PyPy supports abi3")
	}
}

func TestSupportedWithoutVersion(t *testing.T) {
	if got := Supported(Interpreter{Implementation: "cpython", Platform: "linux-x86_64"}); got != nil {
		t.Errorf("got %v, want nil", got)
	}
}

func TestSupportedForZeroInterpreter(t *testing.T) {
	got := tagStrings(SupportedFor(Interpreter{}, Override{
		PythonVersion: []int{3, 12}, Implementation: "cp", ABIs: []string{"cp312"}, Platforms: []string{"win_amd64"},
	}))
	want := []string{"cp312-cp312-win_amd64", "cp312-abi3-win_amd64", "cp312-none-win_amd64"}
	if !slices.Equal(got[:3], want) {
		t.Errorf("starts %v, want %v", got[:3], want)
	}
	if !slices.Contains(got, "cp312-none-any") || !slices.Contains(got, "py3-none-any") {
		t.Errorf("missing the any tags: %v", got)
	}
	// Without ABIs and without an interpreter to derive them from, only
	// the stable ABI and none remain.
	got = tagStrings(SupportedFor(Interpreter{}, Override{PythonVersion: []int{3, 12}, Implementation: "cp", Platforms: []string{"any"}}))
	if got[0] != "cp312-cp312-any" {
		t.Errorf("first tag %s", got[0])
	}
}

func TestParsePythonVersion(t *testing.T) {
	tests := []struct {
		in   string
		want []int
		err  string
	}{
		{"", nil, ""},
		{"3", []int{3}, ""},
		{"37", []int{3, 7}, ""},
		{"310", []int{3, 10}, ""},
		{"3.12", []int{3, 12}, ""},
		{"3.12.1", []int{3, 12, 1}, ""},
		{"3.12.1.0", nil, "at most three"},
		{"3.x", nil, "must be an integer"},
		{"3.", nil, "must be an integer"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePythonVersion(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), tt.in) {
					t.Errorf("err = %v, want one naming %q and saying %q", err, tt.in, tt.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestSet(t *testing.T) {
	s := NewSet([]Tag{
		{"cp311", "cp311", "linux_x86_64"},
		{"cp311", "abi3", "linux_x86_64"},
		{"CP311", "CP311", "LINUX_X86_64"}, // duplicate once lower-cased
		{"py3", "none", "any"},
	})
	if s.Len() != 3 || len(s.Tags()) != 3 {
		t.Fatalf("Len() = %d, Tags() = %v", s.Len(), s.Tags())
	}
	for tag, want := range map[Tag]int{
		{"cp311", "cp311", "linux_x86_64"}: 0,
		{"Cp311", "Abi3", "Linux_X86_64"}:  1,
		{"py3", "none", "any"}:             2,
	} {
		if r, ok := s.Rank(tag); !ok || r != want {
			t.Errorf("Rank(%s) = %d, %v; want %d", tag, r, ok, want)
		}
	}
	if _, ok := s.Rank(Tag{"py2", "none", "any"}); ok {
		t.Error("Rank of an unsupported tag")
	}
	if r, ok := s.Best([]Tag{{"py2", "none", "any"}, {"py3", "none", "any"}, {"cp311", "abi3", "linux_x86_64"}}); !ok || r != 1 {
		t.Errorf("Best = %d, %v; want 1", r, ok)
	}
	if _, ok := s.Best([]Tag{{"py2", "none", "any"}}); ok {
		t.Error("Best of unsupported tags")
	}
	if _, ok := s.Best(nil); ok {
		t.Error("Best of no tags")
	}

	host := NewSet(Supported(linux([]int{3, 11}, "x86_64", "2.36", "", false)))
	for file, want := range map[string]bool{
		"numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl": true,
		"numpy-1.26.4-cp311-cp311-musllinux_1_1_x86_64.whl":                       false,
		"numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.whl":                      false,
		"cryptography-42.0.0-cp39-abi3-manylinux_2_28_x86_64.whl":                 true,
		"six-1.16.0-py2.py3-none-any.whl":                                         true,
		"foo-1.0-py2-none-any.whl":                                                false,
		"foo-1.0-cp311-cp311-manylinux_2_38_x86_64.whl":                           false,
	} {
		w, err := ParseWheelFilename(file)
		if err != nil {
			t.Fatal(err)
		}
		if got := host.Compatible(w); got != want {
			t.Errorf("Compatible(%s) = %v, want %v", file, got, want)
		}
	}
	// A manylinux wheel beats a pure one, a newer glibc beats an older.
	rank := func(file string) int {
		w, err := ParseWheelFilename(file)
		if err != nil {
			t.Fatal(err)
		}
		r, ok := host.Best(w.Tags)
		if !ok {
			t.Fatalf("%s unsupported", file)
		}
		return r
	}
	if !(rank("a-1-cp311-cp311-manylinux_2_28_x86_64.whl") < rank("a-1-cp311-cp311-manylinux_2_17_x86_64.whl") &&
		rank("a-1-cp311-cp311-manylinux_2_17_x86_64.whl") < rank("a-1-cp311-abi3-manylinux_2_36_x86_64.whl") &&
		rank("a-1-cp311-abi3-manylinux_2_36_x86_64.whl") < rank("a-1-py3-none-any.whl")) {
		t.Error("ranks out of order")
	}
}
