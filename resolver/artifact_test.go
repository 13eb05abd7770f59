package resolver

import (
	"strings"
	"testing"

	"github.com/gopip/gopip/resolver/pep440"
	"github.com/gopip/gopip/resolver/tags"
)

func file(name string) Artifact {
	a := Artifact{Filename: name, URL: "https://example.invalid/" + name, IsWheel: strings.HasSuffix(name, ".whl")}
	if a.IsWheel {
		w, err := tags.ParseWheelFilename(name)
		if err != nil {
			panic(err)
		}
		a.Version = pep440.MustParse(w.Version)
	} else {
		s, err := tags.ParseSdistFilename(name)
		if err != nil {
			panic(err)
		}
		a.Version = pep440.MustParse(s.Version)
	}
	return a
}

func TestBestArtifact(t *testing.T) {
	supported := tags.NewSet([]tags.Tag{
		{Interpreter: "cp311", ABI: "cp311", Platform: "manylinux_2_17_x86_64"},
		{Interpreter: "cp311", ABI: "abi3", Platform: "manylinux_2_17_x86_64"},
		{Interpreter: "py3", ABI: "none", Platform: "any"},
	})
	target := Target{Tags: supported, Python: pep440.MustParse("3.11.7")}
	yanked := func(a Artifact) Artifact { a.Yanked = true; return a }
	python := func(a Artifact, spec string) Artifact {
		a.RequiresPython = pep440.MustParseSpecifierSet(spec)
		return a
	}
	tests := []struct {
		name   string
		files  []Artifact
		target func(Target) Target
		want   string // filename, or "!" + reasons
	}{
		{"most specific tag wins", []Artifact{file("x-1.0-py3-none-any.whl"), file("x-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"), file("x-1.0-cp311-abi3-manylinux_2_17_x86_64.whl")}, nil,
			"x-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"},
		{"any wheel beats the sdist", []Artifact{file("x-1.0.tar.gz"), file("x-1.0-py3-none-any.whl")}, nil, "x-1.0-py3-none-any.whl"},
		{"incompatible wheel: the sdist", []Artifact{file("x-1.0-cp39-cp39-win_amd64.whl"), file("x-1.0.tar.gz")}, nil, "x-1.0.tar.gz"},
		{"highest build tag", []Artifact{file("x-1.0-1-py3-none-any.whl"), file("x-1.0-10-py3-none-any.whl"), file("x-1.0-2-py3-none-any.whl"), file("x-1.0-py3-none-any.whl")}, nil,
			"x-1.0-10-py3-none-any.whl"},
		{"unyanked first", []Artifact{yanked(file("x-1.0-cp311-cp311-manylinux_2_17_x86_64.whl")), file("x-1.0.tar.gz")}, nil, "x-1.0.tar.gz"},
		{"only yanked", []Artifact{yanked(file("x-1.0-py3-none-any.whl"))}, nil, "x-1.0-py3-none-any.whl"},
		{"--no-binary", []Artifact{file("x-1.0-py3-none-any.whl"), file("x-1.0.tar.gz")}, func(t Target) Target { t.Formats.NoBinary = []string{"x"}; return t }, "x-1.0.tar.gz"},
		{"--only-binary :all:", []Artifact{file("x-1.0.tar.gz")}, func(t Target) Target { t.Formats.OnlyBinary = []string{":all:"}; return t },
			"!only a source distribution, excluded by --only-binary"},
		{"a name beats :all:", []Artifact{file("x-1.0.tar.gz")}, func(t Target) Target {
			t.Formats.OnlyBinary = []string{":all:"}
			t.Formats.NoBinary = []string{"x"}
			return t
		}, "x-1.0.tar.gz"},
		{"Requires-Python", []Artifact{python(file("x-1.0-py3-none-any.whl"), ">=3.12"), file("x-1.0.tar.gz")}, nil, "x-1.0.tar.gz"},
		{"nothing fits", []Artifact{python(file("x-1.0-py3-none-any.whl"), ">=3.12"), file("x-1.0-cp39-cp39-win_amd64.whl")}, nil,
			"!no wheel is compatible with the target platform; requires Python >=3.12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := target
			if tt.target != nil {
				tg = tt.target(tg)
			}
			a, ok, why := BestArtifact("x", tt.files, tg)
			got := a.Filename
			if !ok {
				got = "!" + why
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCandidates(t *testing.T) {
	files := []Artifact{file("x-1.0-py3-none-any.whl"), file("x-1.0.0.tar.gz"), file("x-2.0.tar.gz"), file("x-3.0-cp39-cp39-win_amd64.whl")}
	target := Target{Tags: tags.NewSet([]tags.Tag{{Interpreter: "py3", ABI: "none", Platform: "any"}})}
	cs := Candidates("x", files, target)
	var got []string
	for _, c := range cs {
		s := c.Version.String() + "=" + c.Artifact.Filename
		if c.Unavailable != "" {
			s += "!"
		}
		got = append(got, s)
	}
	if g := strings.Join(got, " "); g != "1.0=x-1.0-py3-none-any.whl 2.0=x-2.0.tar.gz 3.0=x-3.0-cp39-cp39-win_amd64.whl!" {
		t.Errorf("got %s", g)
	}
	// --prefer-binary: the solver tries 1.0 (a wheel) before 2.0 (sdist).
	target.PreferBinary = true
	order := []*cand{}
	for _, c := range Candidates("x", files, target) {
		if c.Unavailable == "" {
			order = append(order, &cand{Candidate: c})
		}
	}
	sortCands(order, true)
	if order[0].Version.String() != "1.0" {
		t.Errorf("prefer-binary order starts with %s", order[0].Version)
	}
}
