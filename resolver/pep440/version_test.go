package pep440

import (
	"cmp"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseNormalises(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"1.0", "1.0"},
		{"  1.0\n", "1.0"},
		{"v1.0", "1.0"},
		{"V1.0", "1.0"},
		{"1.0.0", "1.0.0"},
		{"01.002", "1.2"},
		{"1!1.0", "1!1.0"},
		{"0!1.0", "1.0"},
		{"1.0a1", "1.0a1"},
		{"1.0A1", "1.0a1"},
		{"1.0alpha1", "1.0a1"},
		{"1.0-alpha-1", "1.0a1"},
		{"1.0.alpha.1", "1.0a1"},
		{"1.0_alpha_1", "1.0a1"},
		{"1.0a", "1.0a0"},
		{"1.0b2", "1.0b2"},
		{"1.0beta2", "1.0b2"},
		{"1.0c1", "1.0rc1"},
		{"1.0pre1", "1.0rc1"},
		{"1.0preview1", "1.0rc1"},
		{"1.0RC1", "1.0rc1"},
		{"1.0.post1", "1.0.post1"},
		{"1.0post1", "1.0.post1"},
		{"1.0-post1", "1.0.post1"},
		{"1.0.post", "1.0.post0"},
		{"1.0.rev1", "1.0.post1"},
		{"1.0r1", "1.0.post1"},
		{"1.0-1", "1.0.post1"},
		{"1.0-0", "1.0.post0"},
		{"1.0.dev1", "1.0.dev1"},
		{"1.0dev", "1.0.dev0"},
		{"1.0-dev-2", "1.0.dev2"},
		{"1.0.dev.", "1.0.dev0"},
		{"1.0a.", "1.0a0"},
		{"1.0a1.post2.dev3", "1.0a1.post2.dev3"},
		{"1.0a-1", "1.0a1"},
		{"1.0a-1-2", "1.0a1.post2"},
		{"1.0+abc", "1.0+abc"},
		{"1.0+ABC.def", "1.0+abc.def"},
		{"1.0+ubuntu-01_2", "1.0+ubuntu.1.2"},
		{"1.0+0", "1.0+0"},
		{"1.0+00a", "1.0+00a"},
		{"1!2.3rc4.post5.dev6+seven.8", "1!2.3rc4.post5.dev6+seven.8"},
		{"\u00a01.0\u2003", "1.0"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			v, err := Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := v.String(); got != tt.want {
				t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
			}
			w, err := Parse(v.String())
			if err != nil || Compare(v, w) != 0 || w.String() != v.String() {
				t.Errorf("round trip of %q: %v %v", v, w, err)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	for _, in := range []string{
		"", " ", "v", "1.", ".1", "1..0", "1.0-", "1.0+", "1.0+a..b", "1.0+a_", "1.0foo",
		"1.0 a1", "vv1", "1!", "!1", "1!2!3", "1.0a1a2", "1.0.post1.post2", "1.0-1-1",
		"1.0dev1.post1", "1.0+a+b", "1.0poſt1", "1.0+ſ", "99999999999999999999",
		"1.0.dev99999999999999999999", "1.0+é", "1.0\x00",
	} {
		t.Run(in, func(t *testing.T) {
			v, err := Parse(in)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want error", in, v)
			}
			if !errors.Is(err, ErrInvalidVersion) || !strings.Contains(err.Error(), "invalid version") {
				t.Errorf("error %q does not wrap ErrInvalidVersion", err)
			}
		})
	}
	if _, err := Parse("1.0foo"); err.Error() != `invalid version "1.0foo"` {
		t.Errorf("error = %q", err)
	}
}

func TestCompareOrder(t *testing.T) {
	// Strictly increasing, from the PEP 440 examples plus local labels.
	order := []string{
		"0.9", "1.0.dev0", "1.0.dev456", "1.0a1.dev1", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12",
		"1.0b1.dev456", "1.0b2", "1.0b2.post345.dev456", "1.0b2.post345",
		"1.0rc1.dev456", "1.0rc1", "1.0", "1.0+abc.5", "1.0+abc.7", "1.0+5", "1.0+5.a", "1.0+6",
		"1.0.post456.dev34", "1.0.post456", "1.0.post456+a", "1.1.dev1", "1.1", "2.0", "1!0.1",
	}
	vs := make([]Version, len(order))
	for i, s := range order {
		vs[i] = MustParse(s)
	}
	for i := range vs {
		for j := range vs {
			want := cmp.Compare(i, j)
			if got := Compare(vs[i], vs[j]); got != want {
				t.Errorf("Compare(%s, %s) = %d, want %d", vs[i], vs[j], got, want)
			}
		}
	}
	shuffled := slices.Clone(vs)
	slices.Reverse(shuffled)
	slices.SortFunc(shuffled, Compare)
	for i := range vs {
		if shuffled[i].String() != vs[i].String() {
			t.Fatalf("sorted order differs at %d: %s vs %s", i, shuffled[i], vs[i])
		}
	}
}

func TestEqual(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"1.0", "1.0.0", true},
		{"1", "1.0.0.0", true},
		{"1.0", "1.0.1", false},
		{"1.0+A", "1.0+a", true},
		{"1.0+01", "1.0+1", true},
		{"1.0+1", "1.0+1.0", false},
		{"0!1.0", "1.0", true},
		{"1.0a", "1.0a0", true},
		{"1.0", "1.0+0", false},
	}
	for _, tt := range tests {
		t.Run(tt.a+"=="+tt.b, func(t *testing.T) {
			if got := MustParse(tt.a).Equal(MustParse(tt.b)); got != tt.want {
				t.Errorf("got %v", got)
			}
		})
	}
}

func TestAccessors(t *testing.T) {
	v := MustParse("2!1.2.3rc4.post5.dev6+Local.07")
	if v.Epoch() != 2 || !slices.Equal(v.Release(), []int{1, 2, 3}) {
		t.Errorf("epoch/release: %d %v", v.Epoch(), v.Release())
	}
	if p, ok := v.Pre(); !ok || p != (Pre{"rc", 4}) {
		t.Errorf("Pre = %v %v", p, ok)
	}
	if n, ok := v.Post(); !ok || n != 5 {
		t.Errorf("Post = %v %v", n, ok)
	}
	if n, ok := v.Dev(); !ok || n != 6 {
		t.Errorf("Dev = %v %v", n, ok)
	}
	if v.Local() != "local.7" || !slices.Equal(v.LocalSegments(), []string{"local", "7"}) {
		t.Errorf("Local = %q %q", v.Local(), v.LocalSegments())
	}
	if !v.IsPrerelease() || !v.IsPostrelease() || !v.IsDevrelease() {
		t.Error("Is* false")
	}
	if got := v.Public().String(); got != "2!1.2.3rc4.post5.dev6" {
		t.Errorf("Public = %s", got)
	}
	if got := v.BaseVersion().String(); got != "2!1.2.3" {
		t.Errorf("BaseVersion = %s", got)
	}
	if v.Major() != 1 || v.Minor() != 2 || v.Micro() != 3 {
		t.Error("Major/Minor/Micro")
	}
	r := v.Release()
	r[0] = 99
	if v.Release()[0] != 1 {
		t.Error("Release exposes internal slice")
	}
	w := MustParse("1.0")
	if w.IsPrerelease() || w.IsPostrelease() || w.IsDevrelease() || w.Local() != "" {
		t.Error("1.0 flags")
	}
	if _, ok := w.Pre(); ok {
		t.Error("1.0 has pre")
	}
	if !MustParse("1.0.dev0").IsPrerelease() {
		t.Error("dev release is not a pre-release")
	}
	var zero Version
	if zero.String() != "0" || Compare(zero, MustParse("0")) != 0 {
		t.Errorf("zero Version = %q", zero)
	}
}

func TestVersionJSON(t *testing.T) {
	data, err := json.Marshal(map[string]Version{"v": MustParse("1.0-Alpha-1")})
	if err != nil || string(data) != `{"v":"1.0a1"}` {
		t.Fatalf("Marshal = %s %v", data, err)
	}
	var out map[string]Version
	if err := json.Unmarshal(data, &out); err != nil || out["v"].String() != "1.0a1" {
		t.Fatalf("Unmarshal = %v %v", out, err)
	}
	if err := json.Unmarshal([]byte(`{"v":"1.0foo"}`), &out); !errors.Is(err, ErrInvalidVersion) {
		t.Errorf("Unmarshal of an invalid version: %v", err)
	}
}
