package tags

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/gopip/gopip/internal/pythontest"
)

func TestParseWheelFilename(t *testing.T) {
	tests := []struct {
		file                 string
		name, version, build string
		buildNumber          int
		buildSuffix          string
		tags                 []string
		normalized, distInfo string
	}{
		{file: "foo-1.0-py3-none-any.whl", name: "foo", version: "1.0", tags: []string{"py3-none-any"},
			normalized: "foo", distInfo: "foo-1.0.dist-info"},
		{file: "Foo_Bar-2.0.post1-1-py2.py3-none-any.whl", name: "Foo_Bar", version: "2.0.post1", build: "1", buildNumber: 1,
			tags: []string{"py2-none-any", "py3-none-any"}, normalized: "foo-bar", distInfo: "Foo_Bar-2.0.post1.dist-info"},
		{file: "numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", name: "numpy", version: "1.26.4",
			tags: []string{"cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-manylinux2014_x86_64"}, normalized: "numpy", distInfo: "numpy-1.26.4.dist-info"},
		{file: "zope.interface-6.0-12abc-cp311-cp311-win_amd64.whl", name: "zope.interface", version: "6.0", build: "12abc", buildNumber: 12, buildSuffix: "abc",
			tags: []string{"cp311-cp311-win_amd64"}, normalized: "zope-interface", distInfo: "zope.interface-6.0.dist-info"},
		{file: "pkg-1!2.0rc1.dev3+local.7-py3-none-any.whl", name: "pkg", version: "1!2.0rc1.dev3+local.7", tags: []string{"py3-none-any"},
			normalized: "pkg", distInfo: "pkg-1!2.0rc1.dev3+local.7.dist-info"},
		{file: "Pkg-V1.0-PY3-NONE-ANY.whl", name: "Pkg", version: "V1.0", tags: []string{"py3-none-any"}, normalized: "pkg", distInfo: "Pkg-V1.0.dist-info"},
		{file: "café-1.0-py3-none-any.whl", name: "café", version: "1.0", tags: []string{"py3-none-any"}, normalized: "café", distInfo: "café-1.0.dist-info"},
		{file: "a-0-0-py3-none-any.whl", name: "a", version: "0", build: "0", tags: []string{"py3-none-any"}, normalized: "a", distInfo: "a-0.dist-info"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			w, err := ParseWheelFilename(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if w.Name != tt.name || w.Version != tt.version || w.Build != tt.build || w.BuildNumber != tt.buildNumber || w.BuildSuffix != tt.buildSuffix {
				t.Errorf("got %+v", w)
			}
			if w.HasBuild() != (tt.build != "") {
				t.Errorf("HasBuild() = %v", w.HasBuild())
			}
			if got := tagStrings(w.Tags); !slices.Equal(got, tt.tags) {
				t.Errorf("tags %v, want %v", got, tt.tags)
			}
			if got := w.NormalizedName(); got != tt.normalized {
				t.Errorf("NormalizedName() = %q, want %q", got, tt.normalized)
			}
			if got := w.DistInfoDir(); got != tt.distInfo {
				t.Errorf("DistInfoDir() = %q, want %q", got, tt.distInfo)
			}
			if !w.OwnsDistInfo(w.DistInfoDir()) {
				t.Errorf("OwnsDistInfo(%q) = false", w.DistInfoDir())
			}
			if got, want := w.DataDir(), strings.TrimSuffix(tt.distInfo, ".dist-info")+".data"; got != want {
				t.Errorf("DataDir() = %q, want %q", got, want)
			}
		})
	}
}

func TestParseWheelFilenameErrors(t *testing.T) {
	tests := []struct{ file, reason string }{
		{"foo-1.0-py3-none-any.zip", `extension must be ".whl"`},
		{"foo-1.0-py3-none-any.WHL", `extension must be ".whl"`},
		{"foo-1.0-py3-none.whl", "want 5 or 6 dash-separated parts"},
		{"foo-bar-1.0-1-py3-none-any.whl", "have 7"},
		{"-1.0-py3-none-any.whl", "project name is empty"},
		{"foo__bar-1.0-py3-none-any.whl", `contains "__"`},
		{"foo+bar-1.0-py3-none-any.whl", `contains '+'`},
		{"foo bar-1.0-py3-none-any.whl", `contains ' '`},
		{"foo-1.0~beta-py3-none-any.whl", `invalid version "1.0~beta"`},
		{"foo--py3-none-any.whl", `invalid version ""`},
		{"foo-1.0-abc-py3-none-any.whl", `build tag "abc" must start with a digit`},
		{"foo-1.0--py3-none-any.whl", `build tag "" must start with a digit`},
		{"foo-1.0-99999999999999999999-py3-none-any.whl", "build number"},
		{"foo-1.0-py3-none-.whl", "empty component"},
		{"foo-1.0-3py-none-any.whl", "not an identifier"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := ParseWheelFilename(tt.file)
			var fe *FilenameError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a *FilenameError", err)
			}
			if fe.Filename != tt.file || fe.Kind != "wheel" {
				t.Errorf("err names %q (%s)", fe.Filename, fe.Kind)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.reason) || !strings.Contains(msg, tt.file) {
				t.Errorf("err = %q, want it to name the file and say %q", msg, tt.reason)
			}
		})
	}
	_, err := ParseWheelFilename("foo-1.0-py3-none-.whl")
	var te *TagError
	if !errors.As(err, &te) {
		t.Errorf("a bad tag set should unwrap to *TagError: %v", err)
	}
}

func TestCompareBuild(t *testing.T) {
	parse := func(s string) WheelName {
		w, err := ParseWheelFilename(s)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	order := []WheelName{
		parse("a-1.0-py3-none-any.whl"),
		parse("a-1.0-1-py3-none-any.whl"),
		parse("a-1.0-1a-py3-none-any.whl"),
		parse("a-1.0-1b-py3-none-any.whl"),
		parse("a-1.0-2-py3-none-any.whl"),
		parse("a-1.0-10-py3-none-any.whl"),
	}
	for i := range order {
		for j := range order {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := CompareBuild(order[i], order[j]); got != want {
				t.Errorf("CompareBuild(%q, %q) = %d, want %d", order[i].Build, order[j].Build, got, want)
			}
		}
	}
}

func TestOwnsDistInfo(t *testing.T) {
	w, err := ParseWheelFilename("Foo_Bar-1.0-py3-none-any.whl")
	if err != nil {
		t.Fatal(err)
	}
	for dir, want := range map[string]bool{
		"Foo_Bar-1.0.dist-info":    true,
		"foo.bar-1.0.dist-info":    true,
		"foo_bar-2.0.dist-info":    true, // pip checks the name prefix only
		"foo_barbaz-1.0.dist-info": true,
		"Foo_Bar-1.0.data":         false,
		"baz-1.0.dist-info":        false,
	} {
		if got := w.OwnsDistInfo(dir); got != want {
			t.Errorf("OwnsDistInfo(%q) = %v, want %v", dir, got, want)
		}
	}
}

func TestParseSdistFilename(t *testing.T) {
	tests := []struct{ file, name, version, ext string }{
		{"foo-1.0.tar.gz", "foo", "1.0", ".tar.gz"},
		{"foo_bar-2.0.zip", "foo_bar", "2.0", ".zip"},
		{"python-dateutil-2.8.2.tar.gz", "python-dateutil", "2.8.2", ".tar.gz"},
		{"foo-1.0-beta.tar.gz", "foo", "1.0-beta", ".tar.gz"},
		{"foo-bar-1.0-1.tar.gz", "foo-bar-1.0", "1", ".tar.gz"}, // ambiguous: the last dash wins
		{"foo-1.0.post1.tar.gz", "foo", "1.0.post1", ".tar.gz"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, err := ParseSdistFilename(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if s.Name != tt.name || s.Version != tt.version || s.Ext != tt.ext {
				t.Errorf("got %+v", s)
			}
		})
	}
	for _, bad := range []string{"foo-1.0.tar.bz2", "foo.tar.gz", "foo-bar.tar.gz", "-1.0.tar.gz", "foo-.zip"} {
		_, err := ParseSdistFilename(bad)
		var fe *FilenameError
		if !errors.As(err, &fe) || fe.Kind != "sdist" || !strings.Contains(err.Error(), bad) {
			t.Errorf("ParseSdistFilename(%q) = %v, want an sdist *FilenameError naming it", bad, err)
		}
	}
}

func TestParseSdistFilenameFor(t *testing.T) {
	tests := []struct{ file, project, name, version string }{
		{"foo-bar-1.0-1.tar.gz", "foo-bar", "foo-bar", "1.0-1"},
		{"foo_bar-1.0.zip", "Foo.Bar", "foo_bar", "1.0"},
		{"python-dateutil-2.8.2.tar.gz", "python_dateutil", "python-dateutil", "2.8.2"},
		{"foo-1.0~odd.tar.gz", "foo", "foo", "1.0~odd"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, err := ParseSdistFilenameFor(tt.file, tt.project)
			if err != nil {
				t.Fatal(err)
			}
			if s.Name != tt.name || s.Version != tt.version {
				t.Errorf("got %+v", s)
			}
		})
	}
	for _, bad := range [][2]string{{"foo-1.0.tar.gz", "bar"}, {"foo-.tar.gz", "foo"}, {"foo-1.0.whl", "foo"}, {"foobar-1.0.tar.gz", "foo"}} {
		if _, err := ParseSdistFilenameFor(bad[0], bad[1]); err == nil {
			t.Errorf("ParseSdistFilenameFor(%q, %q) succeeded", bad[0], bad[1])
		}
	}
}

// filenameCases are compared with packaging's parse_wheel_filename and
// parse_sdist_filename. deviation names the files on which gopip
// deliberately answers otherwise, and why.
var filenameCases = []string{
	"foo-1.0-py3-none-any.whl",
	"Foo_Bar-2.0.post1-1-py2.py3-none-any.whl",
	"numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
	"zope.interface-6.0-12abc-cp311-cp311-win_amd64.whl",
	"pkg-1!2.0rc1.dev3+local.7-py3-none-any.whl",
	"Pkg-V1.0-PY3-NONE-ANY.whl",
	"pkg-1.0a-py3-none-any.whl",
	"pkg-1.0-a-py3-none-any.whl",
	"pkg-1.0.post-py3-none-any.whl",
	"pkg-1.0_rc_1-py3-none-any.whl",
	"pkg-1.0+-py3-none-any.whl",
	"pkg-1.0+ubuntu_1-py3-none-any.whl",
	"pkg-1..0-py3-none-any.whl",
	"pkg-1.0~b-py3-none-any.whl",
	"pkg-1.0-0-py3-none-any.whl",
	"pkg-1.0-007x-py3-none-any.whl",
	"café-1.0-py3-none-any.whl",
	"foo__bar-1.0-py3-none-any.whl",
	"foo.-1.0-py3-none-any.whl",
	"foo+bar-1.0-py3-none-any.whl",
	"foo-1.0-py3-none.whl",
	"foo-1.0-py3-none-any.whl.zip",
	"foo-1.0-py3.none-any-x.whl",
	"foo-bar-1.0-1-py3-none-any.whl",
	"foo-1.0-cp37.cp38.cp39-abi3-macosx_10_9_x86_64.macosx_11_0_arm64.whl",
	"foo-1.0.tar.gz",
	"foo_bar-2.0.zip",
	"python-dateutil-2.8.2.tar.gz",
	"foo-bar.tar.gz",
	"foo.tar.gz",
	"foo-1.0.tar.bz2",
	"foo-1.0.post1.tar.gz",
	"foo-v1.0.tar.gz",
	"v-1.0dev-py3-none-any.whl",
	"v-1.0.DEV1-py3-none-any.whl",
	"v-1.0pre1-py3-none-any.whl",
	"v-1.0preview-py3-none-any.whl",
	"v-1.0alpha1-py3-none-any.whl",
	"v-1.0_a_1-py3-none-any.whl",
	"v-1.0c1-py3-none-any.whl",
	"v-1.0rc-py3-none-any.whl",
	"v-1.0r-py3-none-any.whl",
	"v-1.0rev2-py3-none-any.whl",
	"v-V1-py3-none-any.whl",
	"v-1!-py3-none-any.whl",
	"v-!1-py3-none-any.whl",
	"v-1.0+abc.-py3-none-any.whl",
	"v-1.0+.abc-py3-none-any.whl",
	"v-1.0+a_b.c-py3-none-any.whl",
	"v-01.02-py3-none-any.whl",
	"v-1.0.0.0.0-py3-none-any.whl",
	"v-1.0post1dev2-py3-none-any.whl",
	"v-1.0a1.post2.dev3+x-py3-none-any.whl",
	"v-1.0.a.b-py3-none-any.whl",
	"v-1.0a1b2-py3-none-any.whl",
	"v- 1.0-py3-none-any.whl",
	"v-1.0 -py3-none-any.whl",
	"v-1.0.-py3-none-any.whl",
	"v-.1.0-py3-none-any.whl",
	"v-1.0dev1post1-py3-none-any.whl",
	"v-1.0.post.dev-py3-none-any.whl",
	"v-1.0+UBUNTU-py3-none-any.whl",
	"v-1.0_post_1-py3-none-any.whl",
}

var filenameDeviations = map[string]string{
	"foo-1.0-py3-none-.whl":    "an empty tag component can never match (packaging 26.3 rejects it too)",
	"-1.0-py3-none-any.whl":    "an empty project name",
	"foo-1.0-3py-none-any.whl": "an interpreter tag that is no identifier (packaging 26.3 rejects it too)",
	"foo-1.0-beta.tar.gz":      "the version after an earlier dash is accepted for legacy sdists",
}

func TestFilenamesMatchPackaging(t *testing.T) {
	python := pythontest.Python(t)
	names := append([]string(nil), filenameCases...)
	for n := range filenameDeviations {
		names = append(names, n)
	}
	input, _ := json.Marshal(names)
	for _, src := range append([]string{""}, packagingCopies()...) {
		args := []string{"testdata/packaging_oracle.py", "filenames"}
		if src != "" {
			args = append(args, src)
		}
		out, err := runPython(t, python, input, args...)
		if err != nil {
			if src == "" {
				t.Fatal(err)
			}
			continue
		}
		var oracle struct {
			Packaging string `json:"packaging"`
			Results   []struct {
				Name    string   `json:"name"`
				Version string   `json:"version"`
				Build   []any    `json:"build"`
				Tags    []string `json:"tags"`
				Error   string   `json:"error"`
			} `json:"results"`
		}
		if err := json.Unmarshal(out, &oracle); err != nil {
			t.Fatal(err)
		}
		for k, name := range names {
			res := oracle.Results[k]
			var (
				gotName  string
				gotBuild []any
				gotTags  []string
				err      error
			)
			if strings.HasSuffix(name, ".whl") {
				var w WheelName
				w, err = ParseWheelFilename(name)
				gotName = w.NormalizedName()
				gotBuild = []any{}
				if w.HasBuild() {
					gotBuild = []any{float64(w.BuildNumber), w.BuildSuffix}
				}
				gotTags = tagStrings(w.Tags)
				slices.Sort(gotTags)
			} else {
				var s SdistName
				s, err = ParseSdistFilename(name)
				gotName = s.NormalizedName()
			}
			ok, wantOK := err == nil, res.Error == ""
			if why, dev := filenameDeviations[name]; dev {
				if ok == wantOK {
					t.Errorf("packaging %s: %q: expected a deliberate deviation (%s) but both agree (ok=%v)", oracle.Packaging, name, why, ok)
				}
				continue
			}
			if ok != wantOK {
				t.Errorf("packaging %s: %q: gopip err=%v, packaging err=%q", oracle.Packaging, name, err, res.Error)
				continue
			}
			if !ok {
				continue
			}
			if gotName != res.Name {
				t.Errorf("packaging %s: %q: name %q, want %q", oracle.Packaging, name, gotName, res.Name)
			}
			if strings.HasSuffix(name, ".whl") {
				gb, _ := json.Marshal(gotBuild)
				wb, _ := json.Marshal(res.Build)
				if string(gb) != string(wb) {
					t.Errorf("packaging %s: %q: build %s, want %s", oracle.Packaging, name, gb, wb)
				}
				if !slices.Equal(gotTags, res.Tags) {
					t.Errorf("packaging %s: %q: tags %v, want %v", oracle.Packaging, name, gotTags, res.Tags)
				}
			}
		}
	}
}
