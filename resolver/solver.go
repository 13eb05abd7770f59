package resolver

import (
	"context"
	"errors"
	"slices"

	"github.com/gopip/gopip/resolver/pep440"
)

// The PubGrub core: terms, incompatibilities, the partial solution, unit
// propagation, conflict resolution and the decision loop, after Dart's pub
// (doc/solver.md) and pubgrub-rs. The Python-specific parts (which package
// to decide next, which version, what it depends on) are methods of the same
// solver, in python.go.

// pid identifies a package of the solver: a distribution, an extra of one
// ("flask[async]"), or the root.
type pid int32

const rootPID pid = 0

// term is a statement about one package: positive "P ∈ set" holds when P
// is selected at a version in set; negative "P ∉ set" holds when P is not
// selected or selected outside set.
type term struct {
	pos bool
	set vset
}

func (t term) negate() term { return term{!t.pos, t.set} }

func (t term) intersect(u term) term {
	switch {
	case t.pos && u.pos:
		return term{true, t.set.intersect(u.set)}
	case t.pos:
		return term{true, t.set.minus(u.set)}
	case u.pos:
		return term{true, u.set.minus(t.set)}
	}
	return term{false, t.set.union(u.set)}
}

func (t term) union(u term) term { return t.negate().intersect(u.negate()).negate() }

// subsetOf reports whether t satisfies u: u holds whenever t does.
func (t term) subsetOf(u term) bool {
	switch {
	case t.pos && u.pos:
		return t.set.subsetOf(u.set)
	case t.pos:
		return t.set.disjoint(u.set)
	case u.pos:
		return false
	}
	return u.set.subsetOf(t.set)
}

// disjoint reports whether t contradicts u: they never hold together.
func (t term) disjoint(u term) bool {
	switch {
	case t.pos && u.pos:
		return t.set.disjoint(u.set)
	case t.pos:
		return t.set.subsetOf(u.set)
	case u.pos:
		return u.set.subsetOf(t.set)
	}
	return false
}

// isAny reports whether t holds whatever is selected.
func (t term) isAny() bool { return !t.pos && t.set.isEmpty() }

type pterm struct {
	pkg pid
	t   term
}

type incompatKind uint8

const (
	kindNotRoot     incompatKind = iota // {not root}: the root must be selected
	kindDependency                      // {P ∈ S, Q ∉ R}: P at S depends on Q at R
	kindNoVersions                      // {P ∈ S}: no usable version of P in S
	kindUnavailable                     // {P ∈ S}: these versions cannot be used (reason)
	kindConstraint                      // {P ∉ C}: a -c constraint
	kindDerived                         // learned from two causes
)

// incompat is a set of terms that must not all hold.
type incompat struct {
	terms []pterm
	kind  incompatKind
	// causes of a derived incompatibility
	cause1, cause2 *incompat
	// text is the requirement as written (dependency, constraint) or the
	// reason (unavailable); origin where the user wrote it.
	text, origin string
	// facts about the requirement behind a dependency, for pip's
	// preferences: it pins with ==, names a pre-release, is a URL, has any
	// operator at all.
	pinned, allowsPre, direct, unfree bool
	// contradicted caches, for one epoch of the partial solution, that the
	// incompatibility cannot become satisfied before the next backtrack.
	contradicted uint64
	id           int
}

func (in *incompat) get(p pid) (term, bool) {
	for _, pt := range in.terms {
		if pt.pkg == p {
			return pt.t, true
		}
	}
	return term{}, false
}

// assignment is one step of the partial solution.
type assignment struct {
	pkg      pid
	t        term
	accum    term // intersection of this package's assignments so far
	level    int
	index    int
	cause    *incompat // nil for decisions
	decision bool
}

type relation int

const (
	relSatisfied relation = iota
	relContradicted
	relAlmost
	relInconclusive
)

// errNoSolution carries the terminal incompatibility out of the core.
type errNoSolution struct{ in *incompat }

func (e *errNoSolution) Error() string { return "no solution" }

// errRestart asks Resolve to start over because a package's set of usable
// versions grew after the solver had reasoned about it (a URL or a pin of a
// yanked release found in a dependency).
var errRestart = errors.New("restart")

func (s *solver) accum(p pid) term {
	as := s.pkgs[p].assigns
	if len(as) == 0 {
		return term{false, nil}
	}
	return as[len(as)-1].accum
}

func (s *solver) relation(in *incompat) (relation, int) {
	unsatisfied := -1
	for i, pt := range in.terms {
		a := s.accum(pt.pkg)
		if a.subsetOf(pt.t) {
			continue
		}
		if a.disjoint(pt.t) {
			return relContradicted, i
		}
		if unsatisfied >= 0 {
			return relInconclusive, -1
		}
		unsatisfied = i
	}
	if unsatisfied < 0 {
		return relSatisfied, -1
	}
	return relAlmost, unsatisfied
}

func (s *solver) push(p pid, t term, cause *incompat, decision bool) {
	ps := s.pkgs[p]
	acc := t
	if n := len(ps.assigns); n > 0 {
		acc = ps.assigns[n-1].accum.intersect(t)
	}
	a := &assignment{pkg: p, t: t, accum: acc, level: s.level, index: len(s.trail), cause: cause, decision: decision}
	ps.assigns = append(ps.assigns, a)
	s.trail = append(s.trail, a)
}

func (s *solver) derive(p pid, t term, cause *incompat) { s.push(p, t, cause, false) }

func (s *solver) decide(p pid, c *cand) {
	s.level++
	ps := s.pkgs[p]
	ps.decided, ps.version, ps.chosen = true, c.Version, c
	s.push(p, term{true, singleton(c.Version)}, nil, true)
	s.stats.decisions++
}

func (s *solver) backtrack(level int) {
	for len(s.trail) > 0 {
		a := s.trail[len(s.trail)-1]
		if a.level <= level {
			break
		}
		s.trail = s.trail[:len(s.trail)-1]
		ps := s.pkgs[a.pkg]
		ps.assigns = ps.assigns[:len(ps.assigns)-1]
		if a.decision {
			ps.decided, ps.chosen = false, nil
		}
	}
	s.level = level
	s.epoch++
	s.stats.backtracks++
}

// addIncompat records an incompatibility and indexes it under its packages.
func (s *solver) addIncompat(in *incompat) *incompat {
	s.nextID++
	in.id = s.nextID
	for _, pt := range in.terms {
		ps := s.pkgs[pt.pkg]
		ps.incompats = append(ps.incompats, in)
	}
	if in.kind == kindNoVersions {
		s.pkgs[in.terms[0].pkg].noVersions = true
	}
	return in
}

func (s *solver) unindex(in *incompat) {
	for _, pt := range in.terms {
		ps := s.pkgs[pt.pkg]
		for i, x := range ps.incompats {
			if x == in {
				ps.incompats = append(ps.incompats[:i:i], ps.incompats[i+1:]...)
				break
			}
		}
	}
}

func (s *solver) isTerminal(in *incompat) bool {
	switch len(in.terms) {
	case 0:
		return true
	case 1:
		return in.terms[0].pkg == rootPID && in.terms[0].t.pos
	}
	return false
}

// propagate is unit propagation, starting from the package that changed.
func (s *solver) propagate(start pid) error {
	queue := []pid{start}
	for len(queue) > 0 {
		p := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		var conflict *incompat
		list := s.pkgs[p].incompats
		for i := len(list) - 1; i >= 0; i-- {
			in := list[i]
			if in.contradicted == s.epoch {
				continue
			}
			rel, k := s.relation(in)
			switch rel {
			case relSatisfied:
				conflict = in
			case relAlmost:
				pt := in.terms[k]
				s.derive(pt.pkg, pt.t.negate(), in)
				in.contradicted = s.epoch
				queue = append(queue, pt.pkg)
			case relContradicted:
				in.contradicted = s.epoch
			}
			if conflict != nil {
				break
			}
		}
		if conflict != nil {
			root, k, err := s.resolveConflict(conflict)
			if err != nil {
				return err
			}
			pt := root.terms[k]
			s.derive(pt.pkg, pt.t.negate(), root)
			root.contradicted = s.epoch
			queue = append(queue[:0], pt.pkg)
		}
	}
	return nil
}

// resolveConflict finds the root cause of a satisfied incompatibility,
// learns it and backjumps; it returns the learned incompatibility and the
// index of its term that is now the only one undecided.
func (s *solver) resolveConflict(in *incompat) (*incompat, int, error) {
	s.stats.conflicts++
	changed := false
	for {
		if s.isTerminal(in) {
			return nil, 0, &errNoSolution{in}
		}
		sat, satTerm, prevLevel := s.satisfierSearch(in)
		if sat.decision || prevLevel != sat.level {
			s.backtrack(prevLevel)
			if changed {
				s.addIncompat(in)
			}
			s.noteBacktrackCause(in)
			return in, satTerm, nil
		}
		in = s.priorCause(in, sat.cause, sat.pkg)
		changed = true
	}
}

// satisfierSearch finds the assignment that made in satisfied (the latest
// of the earliest satisfying assignments of its terms) and the decision
// level of the previous satisfier, the latest assignment needed besides it.
func (s *solver) satisfierSearch(in *incompat) (*assignment, int, int) {
	firstSat := make([]*assignment, len(in.terms))
	var sat *assignment
	satTerm := -1
	for i, pt := range in.terms {
		for _, a := range s.pkgs[pt.pkg].assigns {
			if a.accum.subsetOf(pt.t) {
				firstSat[i] = a
				break
			}
		}
		if firstSat[i] == nil {
			panic("resolver: satisfier search on an incompatibility that is not satisfied")
		}
		if sat == nil || firstSat[i].index > sat.index {
			sat, satTerm = firstSat[i], i
		}
	}
	prev := -1
	for i, a := range firstSat {
		if i != satTerm && a.index > prev {
			prev = a.index
		}
	}
	// The satisfier may need earlier assignments of its own package.
	t := in.terms[satTerm].t
	if !sat.t.subsetOf(t) {
		for _, a := range s.pkgs[sat.pkg].assigns {
			if a == sat {
				break
			}
			if a.accum.intersect(sat.t).subsetOf(t) {
				if a.index > prev {
					prev = a.index
				}
				break
			}
		}
	}
	level := 1
	if prev >= 0 {
		level = max(s.trail[prev].level, 1)
	}
	return sat, satTerm, level
}

// priorCause resolves in with the cause of its satisfier on package p:
// from {p: t1, q...} and {p: t2, r...} it derives {q..., r..., p: t1 ∪ t2}.
func (s *solver) priorCause(in, cause *incompat, p pid) *incompat {
	out := &incompat{kind: kindDerived, cause1: in, cause2: cause}
	add := func(pt pterm) {
		for i := range out.terms {
			if out.terms[i].pkg == pt.pkg {
				out.terms[i].t = out.terms[i].t.intersect(pt.t)
				return
			}
		}
		out.terms = append(out.terms, pt)
	}
	t1, _ := in.get(p)
	t2, _ := cause.get(p)
	for _, pt := range in.terms {
		if pt.pkg != p {
			add(pt)
		}
	}
	for _, pt := range cause.terms {
		if pt.pkg != p {
			add(pt)
		}
	}
	if u := t1.union(t2); !u.isAny() {
		out.terms = append(out.terms, pterm{p, u})
	}
	return out
}

// run is the main loop: propagate, then decide, until every package with a
// positive term has a decision.
func (s *solver) run(ctx context.Context) error {
	s.addIncompat(&incompat{kind: kindNotRoot, terms: []pterm{{rootPID, term{false, singleton(pep440.Version{})}}}})
	next := rootPID
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.propagate(next); err != nil {
			return err
		}
		p, ok := s.pick()
		if !ok {
			return nil
		}
		next = p
		set := s.accum(p).set
		c, err := s.choose(ctx, p, set)
		if err != nil {
			return err
		}
		if c == nil {
			s.addIncompat(&incompat{kind: kindNoVersions, terms: []pterm{{p, term{true, set}}}})
			continue
		}
		deps, unavailable, err := s.dependencies(ctx, p, c)
		if err != nil {
			return err
		}
		if unavailable != "" {
			s.markUnavailable(p, c, unavailable)
			continue
		}
		if !s.addDependencies(p, c, deps) {
			s.decide(p, c)
			s.afterDecision(ctx, p, c, deps)
		}
	}
}

// dep is one dependency of a package version, as the Python layer
// computed it.
type dep struct {
	pkg                               pid
	set                               vset
	text                              string
	origin                            string
	pinned, allowsPre, direct, unfree bool
}

// addDependencies turns the dependencies of p at c into incompatibilities,
// merging them with those of neighbouring versions that have the same
// dependency (pub's collapsing, which keeps learned facts about whole ranges
// of versions), and reports whether deciding c would immediately satisfy
// one of them.
func (s *solver) addDependencies(p pid, c *cand, deps []dep) bool {
	conflict := false
	for _, d := range deps {
		var in *incompat
		if p == rootPID {
			terms := []pterm{{p, term{true, singleton(c.Version)}}, {d.pkg, term{false, d.set}}}
			if d.set.isEmpty() {
				// A requirement no version can satisfy: its term would hold
				// whatever is chosen, so the root alone is incompatible.
				terms = terms[:1]
				conflict = true
			}
			in = s.addIncompat(&incompat{
				kind:  kindDependency,
				terms: terms,
				text:  d.text, origin: d.origin,
				pinned: d.pinned, allowsPre: d.allowsPre, direct: d.direct, unfree: d.unfree,
			})
			if len(terms) == 1 {
				continue
			}
			s.pkgs[d.pkg].incoming = append(s.pkgs[d.pkg].incoming, in)
		} else {
			in = s.mergeDependency(p, c, d)
		}
		// Would deciding c satisfy in? Its term for p holds for c, so look
		// at the dependency's term alone.
		if t, _ := in.get(d.pkg); s.accum(d.pkg).subsetOf(t) {
			conflict = true
		}
	}
	return conflict
}

// around is the set of versions of p between the known neighbours of v:
// what pub calls the range of a version. Facts about v hold for the whole
// range, since no other version of p exists in it, and ranges make both the
// learned incompatibilities and the explanations read like requirements
// ("foo>=1.1" rather than "foo==1.1 or foo==1.2").
func (s *solver) around(p pid, v pep440.Version) vset {
	vs := s.pkgs[s.pkgs[p].base].sorted
	i, ok := slices.BinarySearchFunc(vs, v, pep440.Compare)
	if !ok {
		return singleton(v)
	}
	var lo, hi cut
	if i > 0 {
		lo = cut{kind: cutAbove, v: vs[i-1]}
	}
	if i+1 < len(vs) {
		hi = cut{kind: cutBelow, v: vs[i+1]}
	}
	return uniform(lo, hi)
}

type pairKey struct{ from, to pid }

func (s *solver) mergeDependency(p pid, c *cand, d dep) *incompat {
	key := pairKey{p, d.pkg}
	neg := term{false, d.set}
	list := s.merged[key]
	w := s.around(p, c.Version)
	for i, old := range list {
		ot, _ := old.get(d.pkg)
		if !ot.set.equal(d.set) {
			continue
		}
		pt, _ := old.get(p)
		if pt.set.contains(c.Version) {
			return old // known already
		}
		in := &incompat{
			kind:  kindDependency,
			terms: []pterm{{p, term{true, pt.set.union(w)}}, {d.pkg, neg}},
			text:  old.text, origin: old.origin,
			pinned: old.pinned, allowsPre: old.allowsPre, direct: old.direct, unfree: old.unfree,
		}
		s.unindex(old)
		s.addIncompat(in)
		ps := s.pkgs[d.pkg]
		for j, x := range ps.incoming {
			if x == old {
				ps.incoming[j] = in
			}
		}
		list[i] = in
		return in
	}
	in := s.addIncompat(&incompat{
		kind:  kindDependency,
		terms: []pterm{{p, term{true, w}}, {d.pkg, neg}},
		text:  d.text, origin: d.origin,
		pinned: d.pinned, allowsPre: d.allowsPre, direct: d.direct, unfree: d.unfree,
	})
	s.merged[key] = append(list, in)
	s.pkgs[d.pkg].incoming = append(s.pkgs[d.pkg].incoming, in)
	return in
}

// markUnavailable records that p cannot be used at c, merged with the
// neighbouring versions unusable for the same reason.
func (s *solver) markUnavailable(p pid, c *cand, why string) {
	ps := s.pkgs[p]
	if ps.base == p {
		// The candidate is shared with the distribution's extras, which
		// cannot be used either; an extra's own failure (a requirement of
		// the extra that nothing satisfies) leaves the distribution usable.
		c.unusable = why
	}
	w := s.around(p, c.Version)
	for _, old := range ps.incompats {
		if old.kind == kindUnavailable && old.text == why {
			s.unindex(old)
			w = w.union(old.terms[0].t.set)
			break
		}
	}
	s.addIncompat(&incompat{kind: kindUnavailable, text: why, terms: []pterm{{p, term{true, w}}}})
}
