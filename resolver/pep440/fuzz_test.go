package pep440

import "testing"

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"1.0", " v1.0-Alpha-1.POST_2-dev3+Ubuntu-01 ", "1!2.3", "1.0-1", "1.0.dev.", "1.0a.", "1.0+a..b",
		"1.0poſt1", "99999999999999999999", "", "1.0rc1.post1.dev1", "0!0.0.0",
	} {
		f.Add(s, "1.0")
	}
	f.Fuzz(func(t *testing.T, s, other string) {
		v, err := Parse(s)
		if err != nil {
			return
		}
		w, err := Parse(v.String())
		if err != nil {
			t.Fatalf("String() of %q = %q does not parse: %v", s, v, err)
		}
		if w.String() != v.String() || Compare(v, w) != 0 {
			t.Fatalf("round trip %q -> %q -> %q", s, v, w)
		}
		if o, err := Parse(other); err == nil {
			if Compare(v, o) != -Compare(o, v) {
				t.Fatalf("Compare(%s, %s) is not antisymmetric", v, o)
			}
			if (Compare(v, o) == 0) != v.Equal(o) {
				t.Fatalf("Equal disagrees with Compare for %s, %s", v, o)
			}
		}
		if Compare(v.Public(), v) > 0 {
			t.Fatalf("Public() of %s sorts after it", v)
		}
		if !v.IsPrerelease() && !v.IsPostrelease() && !v.BaseVersion().Equal(v.Public()) {
			t.Fatalf("final release %s differs from its BaseVersion", v)
		}
	})
}

func FuzzParseSpecifierSet(f *testing.F) {
	for _, s := range []string{
		">=1.0,<2", "~=1.4.5a4", "==1.0.*", "!=1.0+local", "===foo", " , ", ">1.0.post1", "<2.0a2,>=1.0",
		"==1.0a1.*", "~=1", "=== ;",
	} {
		f.Add(s, "1.5")
	}
	f.Fuzz(func(t *testing.T, s, version string) {
		ss, err := ParseSpecifierSet(s)
		if err != nil {
			return
		}
		again, err := ParseSpecifierSet(ss.String())
		if err != nil {
			t.Fatalf("String() of %q = %q does not parse: %v", s, ss, err)
		}
		if again.String() != ss.String() || !again.Equal(ss) {
			t.Fatalf("round trip %q -> %q -> %q", s, ss, again)
		}
		if v, err := Parse(version); err == nil {
			if ss.Contains(v, false) && !ss.Contains(v, true) {
				t.Fatalf("%q contains %s only without pre-releases", s, v)
			}
			if ss.Contains(v, true) != again.Contains(v, true) {
				t.Fatalf("round trip of %q changed Contains(%s)", s, v)
			}
			ss.Filter([]Version{v}, false)
		}
		ss.ContainsRaw(version, false)
	})
}
