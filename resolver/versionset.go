package resolver

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"

	"github.com/gopip/gopip/resolver/pep440"
)

// Version sets.
//
// PubGrub needs sets of versions closed under intersection, union and
// complement, with exact subset and emptiness tests. PEP 440 specifiers are
// almost intervals of the version order, but not quite: ">1.0a1" excludes
// 1.0rc1.post1 yet admits 1.0b1, "<1.0.post1" excludes 1.0.post0.dev0 yet
// admits 1.0.post0, and ">1.0.post1" admits 1.0.post2 but not 1.0.post2+abc.
// Those exceptions depend only on three properties of a version: whether it
// is a pre-release (or development release), a post-release, or carries a
// local label. So every version belongs to one of eight classes, and within
// each class every specifier is a single interval.
//
// A vset is therefore a union of intervals on an extended line: the class is
// the most significant coordinate, then the version order. Interval ends are
// cuts, positions between versions; besides "just before v" and "just after
// v" a cut can sit after every local variant of v, or before or after every
// version of a release segment, which is how "==1.2.*", "<=1.0" and the
// exclusive comparisons are written exactly. Some cuts name the same gap
// between real versions by different means (before 1.0.dev0 and before the
// release 1.0); the algebra is exact on the extended line, so at worst a set
// holds a sliver without any real version in it, which the solver treats like
// any range without candidates.

// Version classes: a bit each for pre-release, post-release and local label.
const (
	classPre   = 1
	classPost  = 2
	classLocal = 4
	numClasses = 8
)

func classOf(v pep440.Version) uint8 {
	var c uint8
	if v.IsPrerelease() {
		c |= classPre
	}
	if v.IsPostrelease() {
		c |= classPost
	}
	if v.Local() != "" {
		c |= classLocal
	}
	return c
}

type cutKind uint8

const (
	cutStart        cutKind = iota // the start of a class (before all its versions)
	cutBelowRelease                // before every version whose epoch and release equal v's
	cutBelow                       // just before v
	cutExact                       // v itself (only used to locate a version, never stored)
	cutAbove                       // just after v
	cutAboveLocals                 // after v and every local variant of v (v is public)
	cutAboveRelease                // after every version whose epoch and release equal v's
)

// A cut is a position on the extended line. The end of class c is the start
// of class c+1; the end of everything is the start of class numClasses.
type cut struct {
	class uint8
	kind  cutKind
	v     pep440.Version
}

// releaseLevel ranks a kind among the cuts that share a release segment.
func releaseLevel(k cutKind) int {
	switch k {
	case cutBelowRelease:
		return -1
	case cutAboveRelease:
		return 1
	}
	return 0
}

func exactLevel(k cutKind) int {
	switch k {
	case cutBelow:
		return -1
	case cutAbove:
		return 1
	}
	return 0
}

func compareCut(a, b cut) int {
	if a.class != b.class {
		return cmp.Compare(a.class, b.class)
	}
	if a.kind == cutStart || b.kind == cutStart {
		switch {
		case a.kind == b.kind:
			return 0
		case a.kind == cutStart:
			return -1
		}
		return 1
	}
	if c := pep440.Compare(a.v.BaseVersion(), b.v.BaseVersion()); c != 0 {
		return c
	}
	la, lb := releaseLevel(a.kind), releaseLevel(b.kind)
	if la != lb || la != 0 {
		return cmp.Compare(la, lb)
	}
	if c := pep440.Compare(a.v.Public(), b.v.Public()); c != 0 {
		return c
	}
	aLoc, bLoc := a.kind == cutAboveLocals, b.kind == cutAboveLocals
	switch {
	case aLoc && bLoc:
		return 0
	case aLoc:
		return 1
	case bLoc:
		return -1
	}
	if c := pep440.Compare(a.v, b.v); c != 0 {
		return c
	}
	return cmp.Compare(exactLevel(a.kind), exactLevel(b.kind))
}

func classStart(c uint8) cut { return cut{class: c, kind: cutStart} }

// interval is [lo, hi): the versions at or after lo and before hi.
type interval struct{ lo, hi cut }

// vset is an immutable set of versions: sorted, disjoint, non-adjacent,
// non-empty intervals. nil is the empty set.
type vset []interval

var fullSet = vset{{classStart(0), classStart(numClasses)}}

func (s vset) isEmpty() bool { return len(s) == 0 }

func (s vset) isFull() bool {
	return len(s) == 1 && compareCut(s[0].lo, classStart(0)) == 0 && compareCut(s[0].hi, classStart(numClasses)) == 0
}

// contains reports whether v is in s.
func (s vset) contains(v pep440.Version) bool {
	p := cut{class: classOf(v), kind: cutExact, v: v}
	// Binary search for the last interval whose lo is at or before p.
	lo, hi := 0, len(s)
	for lo < hi {
		m := (lo + hi) / 2
		if compareCut(s[m].lo, p) <= 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == 0 {
		return false
	}
	return compareCut(p, s[lo-1].hi) < 0
}

// singleton is the set holding exactly v.
func singleton(v pep440.Version) vset {
	c := classOf(v)
	return vset{{cut{class: c, kind: cutBelow, v: v}, cut{class: c, kind: cutAbove, v: v}}}
}

func (s vset) complement() vset {
	out := make(vset, 0, len(s)+1)
	prev := classStart(0)
	for _, iv := range s {
		if compareCut(prev, iv.lo) < 0 {
			out = append(out, interval{prev, iv.lo})
		}
		prev = iv.hi
	}
	if end := classStart(numClasses); compareCut(prev, end) < 0 {
		out = append(out, interval{prev, end})
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func (s vset) intersect(t vset) vset {
	if len(s) == 0 || len(t) == 0 {
		return nil
	}
	if s.isFull() {
		return t
	}
	if t.isFull() {
		return s
	}
	var out vset
	i, j := 0, 0
	for i < len(s) && j < len(t) {
		lo := s[i].lo
		if compareCut(t[j].lo, lo) > 0 {
			lo = t[j].lo
		}
		hi := s[i].hi
		endS := true
		if c := compareCut(t[j].hi, hi); c < 0 {
			hi = t[j].hi
			endS = false
		} else if c == 0 {
			j++
		}
		if compareCut(lo, hi) < 0 {
			out = append(out, interval{lo, hi})
		}
		if endS {
			i++
		} else {
			j++
		}
	}
	return out
}

func (s vset) union(t vset) vset {
	if len(s) == 0 {
		return t
	}
	if len(t) == 0 {
		return s
	}
	out := make(vset, 0, len(s)+len(t))
	i, j := 0, 0
	for i < len(s) || j < len(t) {
		var next interval
		if j >= len(t) || (i < len(s) && compareCut(s[i].lo, t[j].lo) <= 0) {
			next = s[i]
			i++
		} else {
			next = t[j]
			j++
		}
		if n := len(out); n > 0 && compareCut(out[n-1].hi, next.lo) >= 0 {
			if compareCut(next.hi, out[n-1].hi) > 0 {
				out[n-1].hi = next.hi
			}
			continue
		}
		out = append(out, next)
	}
	return out
}

func (s vset) minus(t vset) vset { return s.intersect(t.complement()) }

func (s vset) equal(t vset) bool {
	if len(s) != len(t) {
		return false
	}
	for i := range s {
		if compareCut(s[i].lo, t[i].lo) != 0 || compareCut(s[i].hi, t[i].hi) != 0 {
			return false
		}
	}
	return true
}

// subsetOf reports whether every version of s is in t.
func (s vset) subsetOf(t vset) bool {
	if len(s) == 0 || t.isFull() {
		return true
	}
	return s.intersect(t).equal(s)
}

func (s vset) disjoint(t vset) bool { return s.intersect(t).isEmpty() }

// perClass builds the set that holds, in each class c, the interval bounds(c)
// returns; a zero cut (kind cutStart) for lo or hi means the class's start or
// end.
func perClass(bounds func(c uint8) (lo, hi cut)) vset {
	var out vset
	for c := uint8(0); c < numClasses; c++ {
		lo, hi := bounds(c)
		if lo.kind == cutStart {
			lo = classStart(c)
		} else {
			lo.class = c
		}
		if hi.kind == cutStart {
			hi = classStart(c + 1)
		} else {
			hi.class = c
		}
		if compareCut(lo, hi) >= 0 {
			continue
		}
		if n := len(out); n > 0 && compareCut(out[n-1].hi, lo) == 0 {
			out[n-1].hi = hi
			continue
		}
		out = append(out, interval{lo, hi})
	}
	return out
}

func uniform(lo, hi cut) vset {
	return perClass(func(uint8) (cut, cut) { return lo, hi })
}

// setOfSpecifierSet is the set of versions every clause of ss matches,
// ignoring the pre-release admission rule (which the solver applies when it
// picks a version, see choose).
func setOfSpecifierSet(ss pep440.SpecifierSet) vset {
	out := fullSet
	for _, sp := range ss.Specifiers() {
		out = out.intersect(setOfSpecifier(sp))
	}
	return out
}

// setOfSpecifier is the set of versions sp matches, pre-releases included.
// "===" is approximated by exact equality with the version it names (and
// matches nothing when that is not a PEP 440 version): PEP 440 calls it a
// string comparison, so "===1.0" would not match 1.0.0; no solver works
// with that, and nobody publishes such requirements.
func setOfSpecifier(sp pep440.Specifier) vset {
	v, ok := sp.ParsedVersion()
	if !ok {
		return nil
	}
	at := func(k cutKind, v pep440.Version) cut { return cut{kind: k, v: v} }
	none := cut{}
	equal := func() vset {
		if sp.IsWildcard() {
			next, ok := nextPrefix(v)
			if !ok {
				return nil
			}
			return uniform(at(cutBelowRelease, v.BaseVersion()), at(cutBelowRelease, next))
		}
		if v.Local() != "" {
			return uniform(at(cutBelow, v), at(cutAbove, v))
		}
		return uniform(at(cutBelow, v), at(cutAboveLocals, v))
	}
	switch sp.Operator() {
	case "===":
		return uniform(at(cutBelow, v), at(cutAbove, v))
	case "==":
		return equal()
	case "!=":
		return equal().complement()
	case ">=":
		return uniform(at(cutBelow, v), none)
	case "<=":
		if v.Local() != "" {
			return uniform(none, at(cutAbove, v))
		}
		return uniform(none, at(cutAboveLocals, v.Public()))
	case "<":
		return perClass(func(c uint8) (cut, cut) {
			if c&classPre != 0 && !v.IsPrerelease() {
				return none, at(cutBelowRelease, v)
			}
			return none, at(cutBelow, v)
		})
	case ">":
		return perClass(func(c uint8) (cut, cut) {
			if c&classLocal != 0 || (c&classPost != 0 && !v.IsPostrelease()) {
				return at(cutAboveRelease, v), none
			}
			return at(cutAbove, v), none
		})
	case "~=":
		rel := v.Release()
		prefix, err := pep440.Parse(releaseString(v.Epoch(), rel[:len(rel)-1]))
		if err != nil {
			return nil
		}
		next, ok := nextPrefix(prefix)
		if !ok {
			return nil
		}
		return uniform(at(cutBelow, v), none).intersect(uniform(at(cutBelowRelease, prefix), at(cutBelowRelease, next)))
	}
	return nil
}

// nextPrefix returns the release that follows every release starting with
// v's: 1.3 for 1.2, 2 for 1.
func nextPrefix(v pep440.Version) (pep440.Version, bool) {
	rel := v.Release()
	if len(rel) == 0 {
		return pep440.Version{}, false
	}
	rel[len(rel)-1]++
	next, err := pep440.Parse(releaseString(v.Epoch(), rel))
	return next, err == nil
}

func releaseString(epoch int, rel []int) string {
	var b strings.Builder
	if epoch != 0 {
		b.WriteString(strconv.Itoa(epoch))
		b.WriteByte('!')
	}
	for i, n := range rel {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// String renders the set for debugging: every class's intervals.
func (s vset) String() string {
	if s.isEmpty() {
		return "∅"
	}
	if s.isFull() {
		return "*"
	}
	var parts []string
	for _, iv := range s {
		parts = append(parts, fmt.Sprintf("[%s, %s)", iv.lo, iv.hi))
	}
	return strings.Join(parts, " ∪ ")
}

func (c cut) String() string {
	names := [...]string{"start", "belowRelease", "below", "exact", "above", "aboveLocals", "aboveRelease"}
	if c.kind == cutStart {
		return fmt.Sprintf("c%d:start", c.class)
	}
	return fmt.Sprintf("c%d:%s(%s)", c.class, names[c.kind], c.v)
}
