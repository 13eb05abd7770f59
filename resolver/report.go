package resolver

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gopip/gopip/resolver/pep440"
)

// Explanations: the derivation graph of the terminal incompatibility,
// written out the way Dart's pub and pubgrub-rs do (doc/solver.md, "Error
// Reporting"). External incompatibilities become clauses ("flask>=3.0
// depends on werkzeug>=3.0", "you require flask>=3.0"), derived ones
// conclusions ("flask>=3.0 cannot be used"). A derived incompatibility
// that several others rest on is explained once and given a line number
// that later lines refer to.

type reporter struct {
	s      *solver
	shared map[*incompat]bool
	refs   map[*incompat]int
	lines  []string
	nrefs  int
}

// explain writes the explanation for the terminal incompatibility.
func (s *solver) explain(in *incompat) string {
	if in.kind != kindDerived {
		return s.external(in)
	}
	if msg, ok := s.simpleNoVersion(in); ok {
		return msg
	}
	r := &reporter{s: s, shared: map[*incompat]bool{}, refs: map[*incompat]int{}}
	seen := map[*incompat]bool{}
	var walk func(*incompat)
	walk = func(x *incompat) {
		if x.kind != kindDerived {
			return
		}
		if seen[x] {
			r.shared[x] = true
			return
		}
		seen[x] = true
		walk(x.cause1)
		walk(x.cause2)
	}
	walk(in)
	r.build(in)
	return strings.Join(r.lines, "\n")
}

// simpleNoVersion gives the one-line message of STYLE.md when the whole
// failure is that a requirement of the user matches no version.
func (s *solver) simpleNoVersion(in *incompat) (string, bool) {
	a, b := in.cause1, in.cause2
	if a.kind == kindNoVersions {
		a, b = b, a
	}
	if a.kind != kindDependency || b.kind != kindNoVersions || len(a.terms) != 2 || a.terms[0].pkg != rootPID || a.terms[1].pkg != b.terms[0].pkg {
		return "", false
	}
	p := b.terms[0].pkg
	origin := ""
	if a.origin != "" {
		origin = " (" + a.origin + ")"
	}
	return fmt.Sprintf("no version of %q satisfies %q%s; %s", s.pkgs[p].display, a.text, origin, s.available(p, b.terms[0].t.set)), true
}

func (r *reporter) build(in *incompat) {
	r.buildHelper(in)
	if r.shared[in] {
		if _, ok := r.refs[in]; !ok {
			r.addRef()
			r.refs[in] = r.nrefs
		}
	}
}

func (r *reporter) addRef() {
	r.nrefs++
	if n := len(r.lines); n > 0 {
		r.lines[n-1] += fmt.Sprintf(" (%d)", r.nrefs)
	}
}

func (r *reporter) ref(in *incompat) (int, bool) {
	n, ok := r.refs[in]
	return n, ok
}

func (r *reporter) buildHelper(cur *incompat) {
	s := r.s
	c1, c2 := cur.cause1, cur.cause2
	d1, d2 := c1.kind == kindDerived, c2.kind == kindDerived
	switch {
	case !d1 && !d2:
		r.lines = append(r.lines, fmt.Sprintf("Because %s, %s.", s.twoExternals(c1, c2), s.conclusion(cur)))
	case d1 && !d2:
		r.oneEach(c1, c2, cur)
	case !d1 && d2:
		r.oneEach(c2, c1, cur)
	default:
		n1, ok1 := r.ref(c1)
		n2, ok2 := r.ref(c2)
		switch {
		case ok1 && ok2:
			r.lines = append(r.lines, fmt.Sprintf("Because %s (%d) and %s (%d), %s.", s.conclusion(c1), n1, s.conclusion(c2), n2, s.conclusion(cur)))
		case ok1:
			r.build(c2)
			r.lines = append(r.lines, fmt.Sprintf("And because %s (%d), %s.", s.conclusion(c1), n1, s.conclusion(cur)))
		case ok2:
			r.build(c1)
			r.lines = append(r.lines, fmt.Sprintf("And because %s (%d), %s.", s.conclusion(c2), n2, s.conclusion(cur)))
		default:
			r.build(c1)
			if r.shared[c1] {
				r.lines = append(r.lines, "")
				r.build(cur)
				return
			}
			r.addRef()
			n := r.nrefs
			r.lines = append(r.lines, "")
			r.build(c2)
			r.lines = append(r.lines, fmt.Sprintf("And because %s (%d), %s.", s.conclusion(c1), n, s.conclusion(cur)))
		}
	}
}

// oneEach explains a derived cause and an external one.
func (r *reporter) oneEach(derived, ext, cur *incompat) {
	s := r.s
	if n, ok := r.ref(derived); ok {
		r.lines = append(r.lines, fmt.Sprintf("Because %s (%d) and %s, %s.", s.conclusion(derived), n, s.external(ext), s.conclusion(cur)))
		return
	}
	// When the derived cause itself rests on one derived and one
	// external incompatibility, chain the two externals in one sentence.
	a, b := derived.cause1, derived.cause2
	if a.kind != kindDerived && b.kind == kindDerived {
		a, b = b, a
	}
	if a.kind == kindDerived && b.kind != kindDerived {
		if _, ok := r.ref(a); !ok && !r.shared[derived] {
			r.build(a)
			r.lines = append(r.lines, fmt.Sprintf("And because %s, %s.", s.twoExternals(b, ext), s.conclusion(cur)))
			return
		}
	}
	r.build(derived)
	r.lines = append(r.lines, fmt.Sprintf("And because %s, %s.", s.external(ext), s.conclusion(cur)))
}

// twoExternals joins two external clauses, as pub does: "you require a and
// b" for two requirements of the user, "a depends on b which depends on c"
// for a chain.
func (s *solver) twoExternals(a, b *incompat) string {
	if a.kind == kindDependency && b.kind == kindDependency && len(a.terms) == 2 && len(b.terms) == 2 {
		if a.terms[0].pkg == rootPID && b.terms[0].pkg == rootPID {
			return "you require " + withOrigin(a) + " and " + withOrigin(b)
		}
		for range 2 {
			// a: P depends on Q; b: Q depends on R, for every Q that a allows.
			if a.terms[1].pkg == b.terms[0].pkg && b.terms[0].pkg != rootPID &&
				a.terms[1].t.set.intersect(s.knownSet(a.terms[1].pkg)).subsetOf(b.terms[0].t.set) {
				return s.external(a) + " which depends on " + withOrigin(b)
			}
			a, b = b, a
		}
	}
	return s.external(a) + " and " + s.external(b)
}

func withOrigin(in *incompat) string {
	if in.origin != "" {
		return in.text + " (" + in.origin + ")"
	}
	return in.text
}

// knownSet is the set of the known versions of p (all versions when none
// is known).
func (s *solver) knownSet(p pid) vset {
	vs := s.knownVersions(p)
	if len(vs) == 0 {
		return fullSet
	}
	var out vset
	for _, v := range vs {
		out = out.union(singleton(v))
	}
	return out
}

// external describes an external incompatibility as a clause.
func (s *solver) external(in *incompat) string {
	switch in.kind {
	case kindNotRoot:
		return "you asked to resolve your requirements"
	case kindDependency:
		from := in.terms[0]
		if len(in.terms) == 1 {
			return "you require " + withOrigin(in) + ", which no version satisfies"
		}
		if from.pkg == rootPID {
			return "you require " + withOrigin(in)
		}
		return s.dependerText(from.pkg, from.t.set) + " depends on " + withOrigin(in)
	case kindNoVersions:
		p, set := in.terms[0].pkg, in.terms[0].t.set
		return fmt.Sprintf("no version of %s satisfies %s (%s)", s.pkgs[p].display, s.rangeText(p, set, false), s.available(p, set))
	case kindUnavailable:
		p, set := in.terms[0].pkg, in.terms[0].t.set
		var known []pep440.Version
		for _, v := range s.knownVersions(p) {
			if set.contains(v) {
				known = append(known, v)
			}
		}
		if len(known) == 1 {
			return s.pkgs[p].display + "==" + known[0].String() + " " + s.reasonText(in.text)
		}
		return s.rangeText(p, set, true) + " " + s.reasonText(in.text)
	case kindConstraint:
		return "you constrain " + withOrigin(in)
	}
	return s.conclusion(in)
}

func (s *solver) reasonText(why string) string {
	if strings.HasPrefix(why, "requires Python") && !s.opts.Python.Equal(pep440.Version{}) {
		return why + " (the target is Python " + s.opts.Python.String() + ")"
	}
	return why
}

// conclusion describes what an incompatibility says, for derived ones.
func (s *solver) conclusion(in *incompat) string {
	var terms []pterm
	hasRoot := false
	for _, pt := range in.terms {
		if pt.pkg == rootPID {
			if pt.t.pos {
				hasRoot = true
			}
			continue
		}
		terms = append(terms, pt)
	}
	switch len(terms) {
	case 0:
		return "the requirements are unsatisfiable"
	case 1:
		t := terms[0]
		if t.t.pos {
			return s.rangeText(t.pkg, t.t.set, true) + " cannot be used"
		}
		if hasRoot {
			return "your requirements need " + s.rangeText(t.pkg, t.t.set, false)
		}
		return s.rangeText(t.pkg, t.t.set, false) + " is required"
	case 2:
		a, b := terms[0], terms[1]
		if !a.t.pos && b.t.pos {
			a, b = b, a
		}
		switch {
		case a.t.pos && !b.t.pos:
			return s.dependerText(a.pkg, a.t.set) + " requires " + s.rangeText(b.pkg, b.t.set, false)
		case a.t.pos && b.t.pos:
			return s.rangeText(a.pkg, a.t.set, true) + " is incompatible with " + s.rangeText(b.pkg, b.t.set, true)
		}
	}
	var parts []string
	for _, pt := range terms {
		if pt.t.pos {
			parts = append(parts, s.rangeText(pt.pkg, pt.t.set, true))
		} else {
			parts = append(parts, "not "+s.rangeText(pt.pkg, pt.t.set, false))
		}
	}
	return joinAnd(parts) + " are incompatible"
}

func joinAnd(parts []string) string {
	if len(parts) <= 1 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// dependerText names the versions of a package that have a dependency:
// "every version of foo" when that is all of them.
func (s *solver) dependerText(p pid, set vset) string {
	if set.isFull() || s.coversAllKnown(p, set) {
		return "every version of " + s.pkgs[p].display
	}
	return s.rangeText(p, set, true)
}

func (s *solver) knownVersions(p pid) []pep440.Version {
	b := s.pkgs[s.pkgs[p].base]
	var vs []pep440.Version
	for _, c := range b.cands {
		vs = append(vs, c.Version)
	}
	slices.SortFunc(vs, pep440.Compare)
	return vs
}

func (s *solver) coversAllKnown(p pid, set vset) bool {
	vs := s.knownVersions(p)
	if len(vs) == 0 {
		return false
	}
	for _, v := range vs {
		if !set.contains(v) {
			return false
		}
	}
	return true
}

// rangeText writes a package with a set of its versions: "flask>=3.0",
// "flask==2.1", "flask" for any version. With simplify, the set is
// described by the releases the index has (as pub does): the runs of
// consecutive known versions it holds, each from its first version up to
// the next version it does not hold.
func (s *solver) rangeText(p pid, set vset, simplify bool) string {
	name := s.pkgs[p].display
	if set.isFull() {
		return name
	}
	if v, ok := set.single(); ok {
		return name + "==" + v.String()
	}
	if simplify {
		if vs := s.knownVersions(p); len(vs) > 0 {
			var runs []string
			for i := 0; i < len(vs); {
				if !set.contains(vs[i]) {
					i++
					continue
				}
				j := i
				for j+1 < len(vs) && set.contains(vs[j+1]) {
					j++
				}
				var spec []string
				if i > 0 {
					spec = append(spec, ">="+vs[i].String())
				}
				if j+1 < len(vs) {
					spec = append(spec, "<"+vs[j+1].String())
				}
				switch {
				case len(spec) == 2 && i == j:
					runs = append(runs, name+"=="+vs[i].String())
				case len(spec) == 0:
					runs = append(runs, name)
				default:
					runs = append(runs, name+strings.Join(spec, ","))
				}
				i = j + 1
			}
			if len(runs) > 0 {
				return strings.Join(runs, " or ")
			}
		}
	}
	specs := set.specs()
	if len(specs) == 0 {
		return name + " (no version)"
	}
	for i := range specs {
		specs[i] = name + specs[i]
	}
	return strings.Join(specs, " or ")
}

// available lists the usable releases of a package, and says why the
// others in set cannot be used.
func (s *solver) available(p pid, set vset) string {
	b := s.pkgs[s.pkgs[p].base]
	var ok []pep440.Version
	var excluded []string
	python := false
	cands := slices.Clone(b.cands)
	slices.SortFunc(cands, func(x, y *cand) int { return pep440.Compare(x.Version, y.Version) })
	for _, c := range cands {
		why := c.Unavailable
		if why == "" {
			why = c.unusable
		}
		if why == "" && c.installed == nil && c.Yanked() && !s.yankAllowed(b, c.Version) {
			why = "is yanked"
			if c.Artifact.YankedReason != "" {
				why += " (" + c.Artifact.YankedReason + ")"
			}
		}
		if why == "" {
			ok = append(ok, c.Version)
			continue
		}
		if set.contains(c.Version) {
			if !strings.HasPrefix(why, "is ") && !strings.HasPrefix(why, "requires ") && !strings.HasPrefix(why, "cannot ") {
				why = "cannot be used: " + why
			}
			excluded = append(excluded, c.Version.String()+" "+why)
			if strings.HasPrefix(why, "requires Python") {
				python = true
			}
		}
	}
	var text string
	switch {
	case b.urlPin != "" && len(ok) == 1:
		text = "available: " + ok[0].String() + " from " + b.urlPin
	case len(ok) == 0 && len(b.cands) == 0:
		text = "the indexes have no release of " + b.display
	case len(ok) == 0:
		text = "no release is usable"
	case len(ok) <= 4:
		var vs []string
		for _, v := range ok {
			vs = append(vs, v.String())
		}
		text = "available: " + strings.Join(vs, ", ")
	default:
		text = "available: " + ok[0].String() + " … " + ok[len(ok)-1].String()
	}
	if len(excluded) > 0 {
		text += "; " + strings.Join(excluded, "; ")
		if python && !s.opts.Python.Equal(pep440.Version{}) {
			text += " (the target is Python " + s.opts.Python.String() + ")"
		}
	}
	return text
}

// single reports whether the set is one version.
func (s vset) single() (pep440.Version, bool) {
	if len(s) != 1 {
		return pep440.Version{}, false
	}
	iv := s[0]
	if iv.lo.kind == cutBelow && (iv.hi.kind == cutAbove || iv.hi.kind == cutAboveLocals) && iv.lo.class == iv.hi.class && iv.lo.v.Equal(iv.hi.v) {
		return iv.lo.v, true
	}
	return pep440.Version{}, false
}

// specs describes the set with PEP 440 clauses, one string per disjoint
// range ("<1.0", ">=2.0,!=2.1"). Where classes of versions disagree (the
// edges of exclusive comparisons), it describes what all the constrained
// classes have in common, which is what a person means by the range.
func (s vset) specs() []string {
	var common vset
	found := false
	for c := uint8(0); c < numClasses; c++ {
		cls := s.classPart(c)
		if cls.isEmpty() || (len(cls) == 1 && cls[0].lo.kind == cutStart && cls[0].hi.kind == cutStart) {
			continue
		}
		if !found {
			common, found = cls, true
		} else if x := common.intersect(cls); !x.isEmpty() {
			common = x
		}
	}
	if !found {
		if s.isEmpty() {
			return nil
		}
		return []string{""}
	}
	// Gaps that are single versions or prefixes become != clauses.
	var excl []string
	hull := []interval{common[0]}
	allSimple := true
	for i := 1; i < len(common); i++ {
		gap := interval{common[i-1].hi, common[i].lo}
		if g, ok := gapText(gap); ok {
			excl = append(excl, g)
		} else {
			allSimple = false
			break
		}
	}
	if allSimple {
		hull[0].hi = common[len(common)-1].hi
		return []string{intervalText(hull[0], excl)}
	}
	var out []string
	for _, iv := range common {
		out = append(out, intervalText(iv, nil))
	}
	return out
}

// classPart is the part of s in class c, moved to class 0.
func (s vset) classPart(c uint8) vset {
	start, end := classStart(c), classStart(c+1)
	var out vset
	for _, iv := range s {
		if compareCut(iv.hi, start) <= 0 || compareCut(iv.lo, end) >= 0 {
			continue
		}
		lo, hi := iv.lo, iv.hi
		if compareCut(lo, start) < 0 {
			lo = start
		}
		if compareCut(hi, end) > 0 {
			hi = end
		}
		lo.class -= c
		hi.class -= c
		out = append(out, interval{lo, hi})
	}
	return out
}

func gapText(g interval) (string, bool) {
	if g.lo.kind == cutBelow && (g.hi.kind == cutAbove || g.hi.kind == cutAboveLocals) && g.lo.v.Equal(g.hi.v) {
		return "!=" + g.lo.v.String(), true
	}
	if p, ok := prefixText(g); ok {
		return "!=" + p, true
	}
	return "", false
}

func prefixText(iv interval) (string, bool) {
	if iv.lo.kind != cutBelowRelease || iv.hi.kind != cutBelowRelease {
		return "", false
	}
	next, ok := nextPrefix(iv.lo.v)
	if !ok || !next.Equal(iv.hi.v) {
		return "", false
	}
	return iv.lo.v.String() + ".*", true
}

func intervalText(iv interval, excl []string) string {
	var parts []string
	if p, ok := prefixText(iv); ok {
		parts = append(parts, "=="+p)
	} else if iv.lo.kind == cutBelow && (iv.hi.kind == cutAbove || iv.hi.kind == cutAboveLocals) && iv.lo.v.Equal(iv.hi.v) {
		parts = append(parts, "=="+iv.lo.v.String())
	} else {
		switch iv.lo.kind {
		case cutBelow, cutBelowRelease:
			parts = append(parts, ">="+iv.lo.v.String())
		case cutAbove, cutAboveLocals:
			parts = append(parts, ">"+iv.lo.v.String())
		case cutAboveRelease:
			parts = append(parts, ">"+iv.lo.v.BaseVersion().String())
		}
		if iv.hi.class == iv.lo.class {
			switch iv.hi.kind {
			case cutBelow, cutBelowRelease:
				parts = append(parts, "<"+iv.hi.v.String())
			case cutAbove, cutAboveLocals:
				parts = append(parts, "<="+iv.hi.v.String())
			case cutAboveRelease:
				parts = append(parts, "<="+iv.hi.v.BaseVersion().String())
			}
		}
	}
	return strings.Join(append(parts, excl...), ",")
}
