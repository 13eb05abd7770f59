package resolver

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gopip/gopip/resolver/pep440"
)

// randomVersion draws versions from a small space so that specifiers and
// versions often share release segments, which is where PEP 440's special
// cases live.
func randomVersion(r *rand.Rand) string {
	s := ""
	if r.IntN(20) == 0 {
		s = "1!"
	}
	n := 1 + r.IntN(3)
	for i := range n {
		if i > 0 {
			s += "."
		}
		s += fmt.Sprint(r.IntN(3))
	}
	if r.IntN(3) == 0 {
		s += []string{"a", "b", "rc"}[r.IntN(3)] + fmt.Sprint(r.IntN(2))
	}
	if r.IntN(3) == 0 {
		s += ".post" + fmt.Sprint(r.IntN(2))
	}
	if r.IntN(4) == 0 {
		s += ".dev" + fmt.Sprint(r.IntN(2))
	}
	if r.IntN(4) == 0 {
		s += "+" + []string{"abc", "1", "abc.2", "0"}[r.IntN(4)]
	}
	return s
}

func randomSpecifier(r *rand.Rand) string {
	ops := []string{"==", "!=", "<=", ">=", "<", ">", "~=", "==*", "!=*"}
	op := ops[r.IntN(len(ops))]
	for {
		v := randomVersion(r)
		pv := pep440.MustParse(v)
		switch op {
		case "==*", "!=*":
			return op[:2] + releaseString(pv.Epoch(), pv.Release()) + ".*"
		case "~=":
			if len(pv.Release()) < 2 || pv.Local() != "" {
				continue
			}
		case "<=", ">=", "<", ">":
			if pv.Local() != "" {
				continue
			}
		}
		return op + v
	}
}

func TestSetOfSpecifierMatchesPEP440(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var versions []pep440.Version
	for range 400 {
		versions = append(versions, pep440.MustParse(randomVersion(r)))
	}
	for range 3000 {
		text := randomSpecifier(r)
		sp, err := pep440.ParseSpecifier(text)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		set := setOfSpecifier(sp)
		for _, v := range versions {
			if got, want := set.contains(v), sp.Contains(v, true); got != want {
				t.Fatalf("%s contains %s: set says %v, pep440 says %v (set %v)", text, v, got, want, set)
			}
		}
	}
}

func TestSetAlgebra(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var versions []pep440.Version
	for range 300 {
		versions = append(versions, pep440.MustParse(randomVersion(r)))
	}
	randomSet := func() vset {
		s := setOfSpecifier(pep440.MustParseSpecifier(randomSpecifier(r)))
		switch r.IntN(4) {
		case 0:
			s = s.intersect(setOfSpecifier(pep440.MustParseSpecifier(randomSpecifier(r))))
		case 1:
			s = s.union(setOfSpecifier(pep440.MustParseSpecifier(randomSpecifier(r))))
		case 2:
			s = s.union(singleton(versions[r.IntN(len(versions))]))
		}
		return s
	}
	for range 2000 {
		a, b := randomSet(), randomSet()
		inter, uni, comp, diff := a.intersect(b), a.union(b), a.complement(), a.minus(b)
		for _, v := range versions {
			ia, ib := a.contains(v), b.contains(v)
			if inter.contains(v) != (ia && ib) || uni.contains(v) != (ia || ib) || comp.contains(v) == ia || diff.contains(v) != (ia && !ib) {
				t.Fatalf("algebra broken for %s with a=%v b=%v", v, a, b)
			}
		}
		if !inter.subsetOf(a) || !a.subsetOf(uni) || !comp.complement().equal(a) {
			t.Fatalf("subset/complement broken: a=%v b=%v", a, b)
		}
		if !a.intersect(comp).isEmpty() || !a.union(comp).isFull() {
			t.Fatalf("a and its complement: a=%v", a)
		}
		checkCanonical(t, inter)
		checkCanonical(t, uni)
		checkCanonical(t, comp)
	}
}

func checkCanonical(t *testing.T, s vset) {
	t.Helper()
	for i, iv := range s {
		if compareCut(iv.lo, iv.hi) >= 0 {
			t.Fatalf("empty interval in %v", s)
		}
		if i > 0 && compareCut(s[i-1].hi, iv.lo) >= 0 {
			t.Fatalf("overlapping or adjacent intervals in %v", s)
		}
	}
}

func TestSingleton(t *testing.T) {
	for _, v := range []string{"1.0", "1.0+abc", "1.0a1", "1.0.post1.dev2+x"} {
		pv := pep440.MustParse(v)
		s := singleton(pv)
		if !s.contains(pv) || !s.contains(pep440.MustParse(pv.String())) {
			t.Errorf("%s not in its singleton", v)
		}
		for _, w := range []string{"1.0.0.1", "1.0+abd", "1.0a2", "0.9", "1.0.post1"} {
			if pw := pep440.MustParse(w); pep440.Compare(pw, pv) != 0 && s.contains(pw) {
				t.Errorf("singleton(%s) contains %s", v, w)
			}
		}
	}
}

func TestSetOfSpecifierSpecialCases(t *testing.T) {
	tests := []struct {
		spec    string
		in, out []string
	}{
		{">1.0a1", []string{"1.0a2", "1.0b1", "1.0", "1.0.1"}, []string{"1.0a1", "1.0rc1.post1", "1.0.post1", "1.0+abc", "1.0a1+x"}},
		{">1.0.post1", []string{"1.0.post2", "1.1"}, []string{"1.0.post2+abc", "1.0.post1+x"}},
		{"<1.0.post1", []string{"1.0", "1.0+abc", "1.0.post0", "0.9"}, []string{"1.0.post0.dev0", "1.0a1", "1.0.post1.dev0"}},
		{"<1.0", []string{"0.9", "0.9+x", "0.9a1", "0.1"}, []string{"1.0.dev0", "1.0a1", "1.0"}},
		{"<=1.0", []string{"1.0", "1.0+abc", "1.0a1"}, []string{"1.0.post0.dev0", "1.0.post1"}},
		{"==1.2.*", []string{"1.2", "1.2.0", "1.2.5", "1.2.dev0", "1.2a1", "1.2.post1", "1.2+x"}, []string{"1.3.dev0", "1.1.9", "1!1.2"}},
		{"==1.0.*", []string{"1", "1.0.0.0.1"}, []string{"1.1"}},
		{"~=2.2", []string{"2.2", "2.3", "2.9.1"}, []string{"3.0", "2.1", "3.0.dev0"}},
		{"~=1.4.5", []string{"1.4.5", "1.4.9"}, []string{"1.5", "1.4.4"}},
		{"==1.0", []string{"1.0", "1.0.0", "1.0+abc"}, []string{"1.0.post0", "1.0a1"}},
		{"==1.0+abc", []string{"1.0+abc"}, []string{"1.0", "1.0+abd"}},
		{"!=1.0", []string{"1.0.post0", "0.9"}, []string{"1.0", "1.0+abc"}},
	}
	for _, tt := range tests {
		set := setOfSpecifierSet(pep440.MustParseSpecifierSet(tt.spec))
		for _, v := range tt.in {
			if !set.contains(pep440.MustParse(v)) {
				t.Errorf("%s should contain %s", tt.spec, v)
			}
		}
		for _, v := range tt.out {
			if set.contains(pep440.MustParse(v)) {
				t.Errorf("%s should not contain %s", tt.spec, v)
			}
		}
	}
}
