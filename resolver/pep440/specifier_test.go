package pep440

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseSpecifier(t *testing.T) {
	tests := []struct {
		in, want string // want "" means invalid
	}{
		{">=1.0", ">=1.0"},
		{" >= 1.0 ", ">=1.0"},
		{"==1.0.*", "==1.0.*"},
		{"!= 1.*", "!=1.*"},
		{"==1.0+local", "==1.0+local"},
		{"~=1.0", "~=1.0"},
		{"~=1.4.5a4", "~=1.4.5a4"},
		{"===foo-bar", "===foo-bar"},
		{"=== 1.0", "===1.0"},
		{"===", "==="},
		{"==V1.0", "==V1.0"},
		{"<2", "<2"},
		{">1.0.post1", ">1.0.post1"},
		{"~=1", ""},
		{"~=1.0+local", ""},
		{"~=1.0.*", ""},
		{">=1.0+local", ""},
		{">=1.0.*", ""},
		{"==1.0a1.*", ""},
		{"==1.0.dev1.*", ""},
		{"==1.0+abc.*", ""},
		{"=1.0", ""},
		{"=>1.0", ""},
		{"1.0", ""},
		{"==", ""},
		{"== 1.0 .*", ""},
		{"===a b", ""},
		{"===a;b", ""},
		{"===a)", ""},
		{"<>1.0", ""},
		{"==1.0,>=2", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			sp, err := ParseSpecifier(tt.in)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("ParseSpecifier(%q) = %v, want error", tt.in, sp)
				}
				if !errors.Is(err, ErrInvalidSpecifier) || !strings.Contains(err.Error(), fmt.Sprintf("%q", tt.in)) {
					t.Errorf("error %q does not wrap ErrInvalidSpecifier or name the input", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sp.String() != tt.want {
				t.Errorf("String() = %q, want %q", sp.String(), tt.want)
			}
		})
	}
}

func TestSpecifierContains(t *testing.T) {
	tests := []struct {
		spec, version string
		pre           bool // prereleases flag
		want          bool
	}{
		// Equality, with and without local labels and wildcards.
		{"==1.0", "1.0.0", false, true},
		{"==1.0", "1.0+local", false, true},
		{"==1.0+local", "1.0", false, false},
		{"==1.0+local", "1.0+LOCAL", false, true},
		{"==1.0+local", "1.0+other", false, false},
		{"!=1.0", "1.0+local", false, false},
		{"!=1.0+local", "1.0", false, true},
		{"==1.0.*", "1.0.5", false, true},
		{"==1.0.*", "1", false, true},
		{"==1.0.*", "1.0.post1", false, true},
		{"==1.0.*", "1.0a1", false, false},
		{"==1.0.*", "1.0a1", true, true},
		{"==1.0.*", "1.1", false, false},
		{"==1.4.0.*", "1.4rc1", true, true},
		{"==1!1.*", "1!1b2", true, true},
		{"==1!1.*", "1.0", false, false},
		{"!=1.0.*", "1.0.5", false, false},
		{"!=1.0.*", "1.1", false, true},
		// Compatible release.
		{"~=2.2", "2.3", false, true},
		{"~=2.2", "3.0", false, false},
		{"~=2.2", "2.1", false, false},
		{"~=2.2.0", "2.2.5", false, true},
		{"~=2.2.0", "2.3", false, false},
		{"~=1.4.5a4", "1.4.5", false, true},
		{"~=1.4.5a4", "1.4.5b1", false, true},
		{"~=1.4.5a4", "1.5", false, false},
		{"~=1.4.5.post1", "1.4.6", false, true},
		{"~=1.0.c1", "1.0.5", false, true},
		{"~=1!1.0", "1!1.5", false, true},
		{"~=1!1.0", "1.5", false, false},
		// Ordered comparisons drop the local label.
		{"<=1.0", "1.0+local", false, true},
		{">=1.0", "1.0+local", false, true},
		// <V excludes pre-releases of V unless V is one.
		{"<1.0", "1.0rc1", true, false},
		{"<1.0", "1.0.dev0", true, false},
		{"<1.0", "0.9.dev0", true, true},
		{"<1.0rc2", "1.0rc1", false, true},
		{"<1.0rc1", "1.0rc1", false, false},
		{"<1.0", "0.9+local", false, true},
		// >V excludes post-releases and local versions of V unless V is a post-release.
		{">1.0", "1.0.post1", false, false},
		{">1.0", "1.1.post1", false, true},
		{">1.0.post1", "1.0.post2", false, true},
		{">1.0", "1.0+local", false, false},
		{">1.0", "1.0.1+local", false, true},
		{">1.0rc1", "1.0", false, true},
		// Pre-releases need the flag or a clause that names one.
		{">=1.0", "2.0a1", false, false},
		{">=1.0", "2.0a1", true, true},
		{">=1.0a1", "2.0a1", false, true},
		{"<2.0a2", "2.0a1", false, true},
		{"!=1.0a1", "2.0a1", false, false},
		// Arbitrary equality.
		{"===1.0", "1.0", false, true},
		{"===1.0", "1.0.0", false, false},
		{"===1.0+Local", "1.0+local", false, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s/%v", tt.spec, tt.version, tt.pre), func(t *testing.T) {
			sp := MustParseSpecifier(tt.spec)
			if got := sp.Contains(MustParse(tt.version), tt.pre); got != tt.want {
				t.Errorf("%s Contains %s = %v, want %v", tt.spec, tt.version, got, tt.want)
			}
			set := MustParseSpecifierSet(tt.spec)
			if got := set.Contains(MustParse(tt.version), tt.pre); got != tt.want {
				t.Errorf("set %s Contains %s = %v, want %v", tt.spec, tt.version, got, tt.want)
			}
		})
	}
}

func TestContainsRaw(t *testing.T) {
	tests := []struct {
		set, raw string
		want     bool
	}{
		{"===foobar", "foobar", true},
		{"===foobar", "FooBar", true},
		{"===foobar", "foobar2", false},
		{"===1.0", "v1.0", false},
		{"===v1.0", "v1.0", true},
		{">=1.0", "foobar", false},
		{">=1.0,===foobar", "foobar", false},
		{">=1.0", "v1.5", true},
		{"", "foobar", false},
		{"", "1.0", true},
		{"===1.0a1", "1.0a1", true},
	}
	for _, tt := range tests {
		t.Run(tt.set+"/"+tt.raw, func(t *testing.T) {
			if got := MustParseSpecifierSet(tt.set).ContainsRaw(tt.raw, false); got != tt.want {
				t.Errorf("ContainsRaw = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSpecifierSet(t *testing.T) {
	tests := []struct {
		in, str string
		pre     bool
	}{
		{"", "", false},
		{" , ", "", false},
		{">=1.0, <2", "<2,>=1.0", false},
		{"<2,>=1.0,<2", "<2,>=1.0", false},
		{">=1,>=1.0", ">=1", false},
		{"~=1.0,~=1.0.0", "~=1.0,~=1.0.0", false},
		{">=1.0a1,<2", "<2,>=1.0a1", true},
		{"!=1.0a1", "!=1.0a1", false},
		{"==1.0.*", "==1.0.*", false},
		{">1.0rc1", ">1.0rc1", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			ss, err := ParseSpecifierSet(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if ss.String() != tt.str {
				t.Errorf("String() = %q, want %q", ss.String(), tt.str)
			}
			if ss.AllowsPrereleases() != tt.pre {
				t.Errorf("AllowsPrereleases() = %v", ss.AllowsPrereleases())
			}
			again := MustParseSpecifierSet(ss.String())
			if !again.Equal(ss) || again.String() != ss.String() {
				t.Errorf("round trip %q -> %q", ss, again)
			}
		})
	}
	if _, err := ParseSpecifierSet(">=1.0,foo"); err == nil || !strings.Contains(err.Error(), `">=1.0,foo"`) || !errors.Is(err, ErrInvalidSpecifier) {
		t.Errorf("error = %v", err)
	}
	a, b := MustParseSpecifierSet(">=1.0"), MustParseSpecifierSet("<2")
	if got := a.Intersect(b).String(); got != "<2,>=1.0" {
		t.Errorf("Intersect = %q", got)
	}
	if a.Len() != 1 || b.Intersect(a).Len() != 2 || !(SpecifierSet{}).IsEmpty() {
		t.Error("Len/IsEmpty")
	}
}

func TestFilter(t *testing.T) {
	vs := func(s string) []Version {
		var out []Version
		for f := range strings.FieldsSeq(s) {
			out = append(out, MustParse(f))
		}
		return out
	}
	tests := []struct {
		set, versions string
		pre           bool
		want          string
	}{
		{">=1.0", "0.9 1.0 1.5a1 2.0", false, "[1.0 2.0]"},
		{">=1.0", "0.9 1.0 1.5a1 2.0", true, "[1.0 1.5a1 2.0]"},
		{">=1.0", "0.9 1.5a1 2.0b1", false, "[1.5a1 2.0b1]"},
		{">=1.5a1", "0.9 1.0 1.5a1 2.0", false, "[1.5a1 2.0]"},
		{"", "1.0 2.0a1", false, "[1.0]"},
		{"", "2.0a1", false, "[2.0a1]"},
		{"<1.0", "0.9 1.0a1 1.0", false, "[0.9]"},
		{"==2.0", "1.0 3.0", false, "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.set+"/"+tt.versions, func(t *testing.T) {
			got := MustParseSpecifierSet(tt.set).Filter(vs(tt.versions), tt.pre)
			if fmt.Sprint(got) != tt.want {
				t.Errorf("Filter = %v, want %s", got, tt.want)
			}
		})
	}
}
