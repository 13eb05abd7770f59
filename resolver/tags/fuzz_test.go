package tags

import (
	"strings"
	"testing"
)

func FuzzParseWheelFilename(f *testing.F) {
	for _, s := range filenameCases {
		f.Add(s)
	}
	for s := range filenameDeviations {
		f.Add(s)
	}
	f.Add("a-1-1-py3-none-any.whl")
	f.Add("a-1-py2.py3-cp311.abi3-manylinux1_x86_64.linux_x86_64.whl")
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseWheelFilename(s)
		if err != nil {
			if !strings.Contains(err.Error(), "invalid wheel filename") {
				t.Fatalf("error does not say what failed: %v", err)
			}
			return
		}
		if w.Name == "" || !isVersion(w.Version) || len(w.Tags) == 0 || len(w.Tags) > MaxTagSet {
			t.Fatalf("accepted %q as %+v", s, w)
		}
		if w.HasBuild() && (w.Build[0] < '0' || w.Build[0] > '9') {
			t.Fatalf("build tag %q", w.Build)
		}
		for _, tag := range w.Tags {
			if tag != tag.lower() || tag.Interpreter == "" || tag.ABI == "" || tag.Platform == "" {
				t.Fatalf("tag %#v", tag)
			}
			if back, err := ParseTag(tag.String()); err != nil || back != tag {
				t.Fatalf("tag %s does not round-trip: %v %v", tag, back, err)
			}
		}
		if !w.OwnsDistInfo(w.DistInfoDir()) {
			t.Fatalf("%s does not own %s", s, w.DistInfoDir())
		}
		n := NewSet(w.Tags)
		if !n.Compatible(w) {
			t.Fatalf("a wheel is not compatible with its own tags")
		}
	})
}

func FuzzParseTagSet(f *testing.F) {
	for _, s := range []string{
		"py3-none-any", "py2.py3-none-any", "cp311-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64",
		"cp37.cp38-cp37m.cp38-win_amd64", "3py-none-any", "py3--any", "a-b-c-d", ".-.-.", "Ä-ß-ç",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tags, err := ParseTagSet(s)
		if err != nil {
			return
		}
		if len(tags) == 0 || len(tags) > MaxTagSet {
			t.Fatalf("%q gave %d tags", s, len(tags))
		}
		seen := map[Tag]bool{}
		for _, tag := range tags {
			if seen[tag] {
				t.Fatalf("duplicate %s", tag)
			}
			seen[tag] = true
			if strings.ContainsAny(tag.String(), ".") && !strings.Contains(strings.ToLower(s), ".") {
				t.Fatalf("dot in %s", tag)
			}
			for _, part := range []string{tag.Interpreter, tag.ABI, tag.Platform} {
				if part == "" || strings.ContainsAny(part, "-.") {
					t.Fatalf("bad part %q in %#v", part, tag)
				}
			}
		}
		// Re-compressing each tag alone parses back to itself.
		for _, tag := range tags {
			if back, err := ParseTag(tag.String()); err != nil || back != tag {
				t.Fatalf("%s: %v %v", tag, back, err)
			}
		}
	})
}

func FuzzParseSdistFilename(f *testing.F) {
	for _, s := range filenameCases {
		f.Add(s, "foo")
	}
	f.Add("python-dateutil-2.8.2.tar.gz", "python-dateutil")
	f.Fuzz(func(t *testing.T, s, project string) {
		if n, err := ParseSdistFilename(s); err == nil {
			if n.Name == "" || !isVersion(n.Version) || n.Name+"-"+n.Version+n.Ext != s {
				t.Fatalf("%q parsed as %+v", s, n)
			}
		}
		if n, err := ParseSdistFilenameFor(s, project); err == nil {
			if n.Version == "" || n.Name+"-"+n.Version+n.Ext != s {
				t.Fatalf("%q for %q parsed as %+v", s, project, n)
			}
		}
	})
}

func FuzzSupported(f *testing.F) {
	f.Add("cpython", 3, 11, "linux-x86_64", "x86_64", false, "2.36", "", "", "0", "")
	f.Add("pypy", 3, 10, "macosx-11.0-arm64", "arm64", false, "", "", "14.2", "", ".pypy310-pp73-darwin.so")
	f.Add("cpython", 3, 13, "linux-aarch64", "aarch64", true, "", "1.2", "", "1", "")
	f.Add("cpython", 3, 7, "win32", "x86", true, "", "", "", "", ".pyd")
	f.Fuzz(func(t *testing.T, impl string, major, minor int, plat, machine string, is32 bool, glibc, musl, macVer, gil, ext string) {
		if major < 0 || major > 9 || minor < 0 || minor > 40 {
			return
		}
		if v, _ := parseIntTuple(macVer, 2); len(v) > 0 && (v[0] > 100 || v[0] < 0) {
			return
		}
		if a, _ := parseMajorMinor(glibc); a > 4 {
			return
		}
		if _, b := parseMajorMinor(musl); b > 100 {
			return
		}
		if _, b := parseMajorMinor(glibc); b > 100 {
			return
		}
		if f := field(plat, "-", 1); strings.HasPrefix(plat, "android") || strings.HasPrefix(plat, "ios") {
			if v, _ := parseIntTuple(f, 2); len(v) > 0 && (v[0] > 100 || (len(v) > 1 && v[1] > 100)) {
				return
			}
		}
		i := Interpreter{Implementation: impl, PythonVersion: []int{major, minor}, Platform: plat, Machine: machine,
			Is32Bit: is32, Glibc: glibc, Musl: musl, MacVersion: macVer,
			Config: map[string]string{"Py_GIL_DISABLED": gil, "EXT_SUFFIX": ext}}
		tags := Supported(i)
		if len(tags) == 0 {
			t.Fatal("no tags")
		}
		if last := tags[len(tags)-1]; last.Platform != "any" || last.ABI != "none" {
			t.Fatalf("last tag %s", last)
		}
		for _, tag := range tags {
			if tag != tag.lower() {
				t.Fatalf("tag %#v not lower-case", tag)
			}
		}
	})
}
