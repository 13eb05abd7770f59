package resolver

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/gopip/gopip/resolver/pep440"
	"github.com/gopip/gopip/resolver/pep508"
)

// Python semantics on top of the PubGrub core, the way uv models them:
//
//   - Every distribution is a package; every extra of one is a package of
//     its own ("flask[async]") whose version v depends on the distribution
//     at exactly v and on the requirements the extra adds.
//   - Markers are evaluated against the target environment when
//     dependencies are read; requirements that do not apply are dropped.
//   - Requires-Python of a release that excludes the target makes that
//     version unavailable, with the reason kept for explanations.
//   - A -c constraint is an incompatibility with one positive term
//     ("the package outside the constraint is impossible"), so it narrows a
//     package that something else requires and adds nothing by itself.
//   - A URL requirement replaces the package's versions by the one
//     artifact at the URL.
//   - Which package to decide next follows pip's get_preference, and which
//     version its candidate order (installed first unless upgrading, newest
//     first, yanked last), so that ordinary problems come out as pip's do.

// pkgKey names a solver package: a normalised distribution name and, for an
// extra, the normalised extra.
type pkgKey struct{ name, extra string }

func (k pkgKey) String() string {
	if k.extra != "" {
		return k.name + "[" + k.extra + "]"
	}
	return k.name
}

// cand is a version of a distribution the solver may choose.
type cand struct {
	Candidate
	installed *Installed // non-nil when choosing it keeps the installed distribution
	unusable  string     // why it cannot be chosen, once known
	meta      *Metadata  // fetched metadata, once known
}

type pkgState struct {
	key        pkgKey
	base       pid // the distribution's pid (itself for a distribution)
	display    string
	assigns    []*assignment
	decided    bool
	version    pep440.Version
	chosen     *cand
	incompats  []*incompat
	incoming   []*incompat // dependencies on this package
	noVersions bool        // a NoVersions incompatibility names it

	// pip's preference bookkeeping
	requestedOrder int // position among the user's requirements, -1 if none
	tries          int // how often a version was chosen for it
	depth          float64

	// distribution-level data (on the base pid only)
	listed  bool
	cands   []*cand
	sorted  []pep440.Version // the versions of cands, ascending
	urlPin  string
	pins    []vset // exact pins (== or ===) seen for the distribution
	preSeen bool   // a constraint on the distribution names a pre-release
}

type solverStats struct {
	decisions, conflicts, backtracks int
}

type solver struct {
	opts   *Options
	fetch  *fetcher
	know   *knowledge
	pkgs   []*pkgState
	index  map[pkgKey]pid
	trail  []*assignment
	level  int
	epoch  uint64
	nextID int
	merged map[pairKey][]*incompat
	causes map[pid]bool // packages of the last learned incompatibility
	stats  solverStats

	roots []rootReq
}

// knowledge survives restarts: what the solver learnt about URLs and pins
// that changes which versions of a package are usable.
type knowledge struct {
	urls    map[string]string // distribution → URL it is pinned to
	urlFrom map[string]string // distribution → who asked for the URL
	direct  map[string]*cand  // URL → candidate
	pins    map[string][]vset // distribution → exact pins
}

type rootReq struct {
	req    *pep508.Requirement
	text   string
	origin string
	order  int
}

func newSolver(opts *Options, f *fetcher, know *knowledge) *solver {
	s := &solver{
		opts:   opts,
		fetch:  f,
		know:   know,
		index:  map[pkgKey]pid{},
		merged: map[pairKey][]*incompat{},
		causes: map[pid]bool{},
		epoch:  1,
	}
	s.pkgs = append(s.pkgs, &pkgState{display: "root", requestedOrder: -1, depth: 0})
	return s
}

// pkg returns the pid of a distribution or extra, creating it.
func (s *solver) pkg(name, extra string) pid { return s.pkgNamed(name, name, extra) }

// pkgNamed is pkg for a name as written (raw), which explanations use.
func (s *solver) pkgNamed(raw, name, extra string) pid {
	k := pkgKey{name, extra}
	if p, ok := s.index[k]; ok {
		return p
	}
	p := pid(len(s.pkgs))
	display := raw
	if extra != "" {
		display += "[" + extra + "]"
	}
	ps := &pkgState{key: k, base: p, display: display, requestedOrder: -1, depth: math.Inf(1)}
	s.pkgs = append(s.pkgs, ps)
	s.index[k] = p
	if extra != "" {
		ps.base = s.pkgNamed(raw, name, "")
	} else {
		ps.pins = s.know.pins[name]
		ps.urlPin = s.know.urls[name]
	}
	return p
}

func (s *solver) isUserRequested(name string) bool {
	for _, r := range s.roots {
		if pep508.NormalizeName(r.req.Name) == name {
			return true
		}
	}
	return false
}

// eligibleForUpgrade is pip's _eligible_for_upgrade: with -U, the
// distributions the user named (only-if-needed) or all of them (eager).
func (s *solver) eligibleForUpgrade(name string) bool {
	if !s.opts.Upgrade {
		return false
	}
	if s.opts.UpgradeStrategy == UpgradeEager {
		return true
	}
	return s.isUserRequested(name)
}

// list loads the candidates of a distribution in pip's order.
func (s *solver) list(ctx context.Context, b *pkgState) error {
	if b.listed {
		return nil
	}
	name := b.key.name
	if b.urlPin != "" {
		c, ok := s.know.direct[b.urlPin]
		if !ok {
			return fmt.Errorf("resolver: URL %s of %s was not fetched", b.urlPin, name)
		}
		b.cands = []*cand{c}
		b.sorted = []pep440.Version{c.Version}
		b.listed = true
		return nil
	}
	found, err := s.fetch.versions(ctx, name)
	if err != nil {
		return err
	}
	index := make([]*cand, 0, len(found))
	for _, c := range found {
		index = append(index, &cand{Candidate: c})
	}
	sortCands(index, s.opts.PreferBinary)
	inst := s.installedCandidate(name)
	switch {
	case inst == nil:
		b.cands = index
	case !s.eligibleForUpgrade(name):
		// pip's _iter_built_with_prepended: the installed distribution
		// first, then the index without its version.
		b.cands = append(b.cands, inst)
		for _, c := range index {
			if !c.Version.Equal(inst.Version) {
				b.cands = append(b.cands, c)
			}
		}
	default:
		// pip's _iter_built_with_inserted: the installed distribution
		// before the first index candidate that is not newer.
		placed := false
		for _, c := range index {
			if c.Version.Equal(inst.Version) {
				if !placed {
					b.cands = append(b.cands, inst)
					placed = true
				}
				continue
			}
			if !placed && pep440.Compare(inst.Version, c.Version) >= 0 {
				b.cands = append(b.cands, inst)
				placed = true
			}
			b.cands = append(b.cands, c)
		}
		if !placed {
			b.cands = append(b.cands, inst)
		}
	}
	b.listed = true
	for _, c := range b.cands {
		b.sorted = append(b.sorted, c.Version)
	}
	slices.SortFunc(b.sorted, pep440.Compare)
	b.sorted = slices.CompactFunc(b.sorted, pep440.Version.Equal)
	return nil
}

// sortCands puts candidates in pip's order (CandidateEvaluator._sort_key,
// best first): not yanked, then wheels first with --prefer-binary, then
// newest.
func sortCands(cs []*cand, preferBinary bool) {
	slices.SortStableFunc(cs, func(a, b *cand) int {
		if a.Yanked() != b.Yanked() {
			if a.Yanked() {
				return 1
			}
			return -1
		}
		if preferBinary && a.Artifact.IsWheel != b.Artifact.IsWheel {
			if a.Artifact.IsWheel {
				return -1
			}
			return 1
		}
		return pep440.Compare(b.Version, a.Version)
	})
}

// installedCandidate is the installed distribution as a candidate, unless
// --force-reinstall or --ignore-installed hide it.
func (s *solver) installedCandidate(name string) *cand {
	if s.opts.ForceReinstall || s.opts.IgnoreInstalled {
		return nil
	}
	inst, ok := s.opts.installed[name]
	if !ok {
		return nil
	}
	return &cand{Candidate: Candidate{Name: inst.Name, Version: inst.Version}, installed: inst}
}

// activeRequirements are pip's "information" for a package: the
// dependencies on it from the root or from decided versions.
func (s *solver) activeRequirements(p pid, yield func(in *incompat, parent pid)) {
	for _, in := range s.pkgs[p].incoming {
		parent := in.terms[0].pkg
		if parent != rootPID {
			pp := s.pkgs[parent]
			if !pp.decided {
				continue
			}
			if t, _ := in.get(parent); !t.set.contains(pp.version) {
				continue
			}
		}
		yield(in, parent)
	}
}

// preference is pip's get_preference key (smaller first). pip's "direct"
// flag is left out: in pip 23.2 it is true for every identifier with
// requirements (a tuple is compared with None), so it never decides.
type preference struct {
	notPinned, notCause bool
	depth               float64
	order               float64
	notUnfree           bool
	name                string
}

func lessPreference(a, b preference) bool {
	if a.notPinned != b.notPinned {
		return !a.notPinned
	}
	if a.notCause != b.notCause {
		return !a.notCause
	}
	if a.depth != b.depth {
		return a.depth < b.depth
	}
	if a.order != b.order {
		return a.order < b.order
	}
	if a.notUnfree != b.notUnfree {
		return !a.notUnfree
	}
	return a.name < b.name
}

// pick chooses the next package to decide: one with a positive term and no
// decision, the most preferred the way pip orders them.
func (s *solver) pick() (pid, bool) {
	best := pid(-1)
	var bestPref preference
	for i, ps := range s.pkgs {
		p := pid(i)
		if ps.decided || len(ps.assigns) == 0 || !ps.assigns[len(ps.assigns)-1].accum.pos {
			continue
		}
		if p == rootPID {
			return p, true
		}
		pref := s.preference(p)
		if best < 0 || lessPreference(pref, bestPref) {
			best, bestPref = p, pref
		}
	}
	return best, best >= 0
}

func (s *solver) preference(p pid) preference {
	ps := s.pkgs[p]
	pref := preference{notPinned: true, notCause: !s.causes[p], notUnfree: true, name: ps.display}
	depth := math.Inf(1)
	s.activeRequirements(p, func(in *incompat, parent pid) {
		if in.pinned {
			pref.notPinned = false
		}
		if in.unfree {
			pref.notUnfree = false
		}
		d := s.pkgs[parent].depth + 1
		if parent == rootPID {
			d = 1
		}
		depth = min(depth, d)
	})
	pref.order = math.Inf(1)
	if ps.requestedOrder >= 0 {
		pref.order = float64(ps.requestedOrder)
		depth = 1
	}
	ps.depth = depth
	pref.depth = depth
	return pref
}

func (s *solver) noteBacktrackCause(in *incompat) {
	clear(s.causes)
	for _, pt := range in.terms {
		s.causes[pt.pkg] = true
	}
}

// allowsPrereleases is pip's test of the combined specifier: --pre, or a
// constraint or a requirement from the root or a decided version that names
// a pre-release.
func (s *solver) allowsPrereleases(p pid) bool {
	if s.opts.Pre || s.pkgs[s.pkgs[p].base].preSeen {
		return true
	}
	allowed := false
	s.activeRequirements(p, func(in *incompat, _ pid) {
		if in.allowsPre {
			allowed = true
		}
	})
	return allowed
}

func (s *solver) yankAllowed(b *pkgState, v pep440.Version) bool {
	for _, pin := range b.pins {
		if pin.contains(v) {
			return true
		}
	}
	return false
}

// choose picks the version of p to try: the first candidate in pip's order
// that is in set and usable. Pre-releases are skipped unless allowed, but
// taken when the set holds no final release at all (PEP 440's "if
// necessary").
func (s *solver) choose(ctx context.Context, p pid, set vset) (*cand, error) {
	if p == rootPID {
		return &cand{}, nil
	}
	ps := s.pkgs[p]
	b := s.pkgs[ps.base]
	if err := s.list(ctx, b); err != nil {
		return nil, err
	}
	if ps.key.extra != "" && b.decided && set.contains(b.version) {
		return b.chosen, nil
	}
	explicit := s.allowsPrereleases(p)
	try := func(pre bool) (*cand, int) {
		for i, c := range b.cands {
			if c.unusable != "" || c.Unavailable != "" || !set.contains(c.Version) {
				continue
			}
			if c.installed == nil && c.Yanked() && !s.yankAllowed(b, c.Version) {
				continue
			}
			if !explicit && c.installed == nil && c.Version.IsPrerelease() != pre {
				continue
			}
			return c, i
		}
		return nil, -1
	}
	c, i := try(false)
	if c == nil && !explicit {
		c, i = try(true)
	}
	ps.tries++
	if c != nil && ps.tries > 1 {
		// The package is being chosen again after a conflict: the next
		// candidate is the likely one if this one fails too.
		for _, n := range b.cands[i+1:] {
			if n.installed == nil && n.Unavailable == "" && set.contains(n.Version) {
				s.fetch.prefetchMetadata(n.Candidate)
				break
			}
		}
	}
	return c, nil
}

// dependencies lists what p at c depends on, or why c is unusable.
func (s *solver) dependencies(ctx context.Context, p pid, c *cand) ([]dep, string, error) {
	if p == rootPID {
		return s.rootDependencies(ctx)
	}
	ps := s.pkgs[p]
	if c.unusable != "" {
		return nil, c.unusable, nil
	}
	md, why, err := s.metadata(ctx, ps.key.name, c)
	if err != nil || why != "" {
		return nil, why, err
	}
	var out []dep
	extra := ps.key.extra
	if extra != "" {
		// pip's ExplicitRequirement on the base candidate: no specifier, so
		// neither "pinned" nor "unfree" for the preferences.
		out = append(out, dep{pkg: ps.base, set: singleton(c.Version), text: s.pkgs[ps.base].display + "==" + c.Version.String()})
		if s.opts.NoDeps || !providesExtra(md, extra) {
			return out, "", nil
		}
	} else if s.opts.NoDeps {
		return nil, "", nil
	}
	env := s.opts.Environment
	for _, r := range md.Requires {
		ok, err := r.Applies(env.WithExtra(extra))
		if err != nil {
			return nil, fmt.Sprintf("its requirement %q cannot be evaluated: %v", r.String(), err), nil
		}
		if !ok {
			continue
		}
		if extra != "" {
			// Requirements of the distribution itself come through the
			// base package.
			if base, err := r.Applies(env.WithExtra("")); err == nil && base {
				continue
			}
		}
		ds, err := s.requirementDeps(ctx, r, requirementText(r), "", ps.key.name)
		if err != nil {
			return nil, "", err
		}
		out = mergeDeps(out, ds)
	}
	for _, d := range out {
		if d.set.isEmpty() {
			return nil, "depends on " + d.text + ", which no version satisfies", nil
		}
	}
	return out, "", nil
}

func providesExtra(md *Metadata, extra string) bool {
	for _, e := range md.ProvidesExtra {
		if pep508.NormalizeName(e) == extra {
			return true
		}
	}
	return false
}

// metadata returns the metadata of a candidate, or why it is unusable.
func (s *solver) metadata(ctx context.Context, name string, c *cand) (*Metadata, string, error) {
	if c.meta != nil {
		return c.meta, "", nil
	}
	if c.installed != nil {
		md := c.installed.Metadata
		if md == nil {
			md = &Metadata{Name: c.installed.Name, Version: c.installed.Version.String()}
		}
		c.meta = md
		return md, "", nil
	}
	md, err := s.fetch.metadata(ctx, c.Candidate)
	if err != nil {
		if errors.Is(err, ErrUnusable) {
			return nil, "cannot be used: " + strings.Replace(err.Error(), ErrUnusable.Error()+": ", "", 1), nil
		}
		return nil, "", err
	}
	if md.Name != "" && pep508.NormalizeName(md.Name) != name {
		return nil, fmt.Sprintf("its metadata names another project (%s)", md.Name), nil
	}
	if !c.Direct && md.Version != "" {
		if v, err := pep440.Parse(md.Version); err == nil && !v.Equal(c.Version) {
			return nil, fmt.Sprintf("its metadata has another version (%s)", md.Version), nil
		}
	}
	if !s.opts.IgnoreRequiresPython && !s.opts.Python.Equal(pep440.Version{}) && !md.RequiresPython.IsEmpty() &&
		!md.RequiresPython.Contains(s.opts.Python, true) {
		return nil, "requires Python " + md.RequiresPython.String(), nil
	}
	c.meta = md
	return md, "", nil
}

// requirementText is the requirement as written (clauses in their order),
// without its marker.
func requirementText(r *pep508.Requirement) string {
	var b strings.Builder
	b.WriteString(r.Name)
	if len(r.Extras) > 0 {
		b.WriteString("[" + strings.Join(r.Extras, ",") + "]")
	}
	if r.URL != "" {
		b.WriteString(" @ " + r.URL)
		return b.String()
	}
	for i, sp := range r.Specifier.Specifiers() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(sp.String())
	}
	return b.String()
}

// requirementDeps turns one requirement into dependencies: on the
// distribution and on each extra it names. who is the distribution that
// has the requirement ("" for the user), for error messages.
func (s *solver) requirementDeps(ctx context.Context, r *pep508.Requirement, text, origin, who string) ([]dep, error) {
	name := pep508.NormalizeName(r.Name)
	if name == who {
		return nil, nil // a distribution requiring itself (or its extras) adds nothing pip would not ignore
	}
	d := dep{text: text, origin: origin}
	if r.URL != "" {
		c, err := s.pinURL(ctx, name, r.URL, who)
		if err != nil {
			return nil, err
		}
		d.set = singleton(c.Version)
		d.direct = true
	} else {
		d.set = setOfSpecifierSet(r.Specifier)
		d.allowsPre = r.Specifier.AllowsPrereleases()
		d.unfree = !r.Specifier.IsEmpty()
		for _, sp := range r.Specifier.Specifiers() {
			if strings.HasPrefix(sp.Operator(), "==") {
				d.pinned = true
			}
		}
		if err := s.notePins(name, r.Specifier); err != nil {
			return nil, err
		}
	}
	d.pkg = s.pkgNamed(r.Name, name, "")
	out := []dep{d}
	seen := map[string]bool{}
	for _, e := range r.Extras {
		e = pep508.NormalizeName(e)
		if seen[e] {
			continue
		}
		seen[e] = true
		de := d
		de.pkg = s.pkgNamed(r.Name, name, e)
		out = append(out, de)
	}
	return out, nil
}

// mergeDeps adds ds to out, intersecting dependencies on the same package
// (a distribution may list a project twice, "a>=1" and "a<2").
func mergeDeps(out, ds []dep) []dep {
	for _, d := range ds {
		merged := false
		for i := range out {
			if out[i].pkg == d.pkg {
				o := &out[i]
				o.set = o.set.intersect(d.set)
				o.text += ", " + d.text
				o.pinned = o.pinned || d.pinned
				o.allowsPre = o.allowsPre || d.allowsPre
				o.direct = o.direct || d.direct
				o.unfree = o.unfree || d.unfree
				merged = true
				break
			}
		}
		if !merged {
			out = append(out, d)
		}
	}
	return out
}

// notePins records exact pins (== without a wildcard, or ===), which make
// yanked releases usable (PEP 592). A pin that newly admits a yanked
// release the solver already gave up on restarts the resolution.
func (s *solver) notePins(name string, ss pep440.SpecifierSet) error {
	for _, sp := range ss.Specifiers() {
		if !(sp.Operator() == "===" || (sp.Operator() == "==" && !sp.IsWildcard())) {
			continue
		}
		set := setOfSpecifier(sp)
		known := false
		for _, pin := range s.know.pins[name] {
			if pin.equal(set) {
				known = true
				break
			}
		}
		if known {
			continue
		}
		s.know.pins[name] = append(s.know.pins[name], set)
		b := s.pkgs[s.pkg(name, "")]
		b.pins = s.know.pins[name]
		if b.listed && b.noVersions {
			for _, c := range b.cands {
				if c.Yanked() && set.contains(c.Version) {
					return errRestart
				}
			}
		}
	}
	return nil
}

// pinURL makes name a direct reference to url and returns its candidate.
func (s *solver) pinURL(ctx context.Context, name, url, who string) (*cand, error) {
	if old, ok := s.know.urls[name]; ok {
		if old != url {
			return nil, &ConflictingURLsError{Name: name, URLs: [2]string{old, url}, From: [2]string{s.know.urlFrom[name], who}}
		}
		return s.know.direct[url], nil
	}
	c, ok := s.know.direct[url]
	if !ok {
		dc, err := s.fetch.direct(ctx, name, url)
		if err != nil {
			return nil, fmt.Errorf("resolving %s @ %s: %w", name, url, err)
		}
		dc.Direct = true
		c = &cand{Candidate: dc}
		s.know.direct[url] = c
	}
	s.know.urls[name] = url
	s.know.urlFrom[name] = who
	b := s.pkgs[s.pkg(name, "")]
	b.urlPin = url
	if b.listed {
		return nil, errRestart
	}
	return c, nil
}

// rootDependencies are the user's requirements.
func (s *solver) rootDependencies(ctx context.Context) ([]dep, string, error) {
	var out []dep
	for _, r := range s.roots {
		ds, err := s.requirementDeps(ctx, r.req, r.text, r.origin, "")
		if err != nil {
			return nil, "", err
		}
		// pip's user_requested is keyed by identifier: "flask" for
		// flask, "flask[async]" (and not flask) for flask[async].
		for i, d := range ds {
			if (i == 0) == (len(ds) == 1) && s.pkgs[d.pkg].requestedOrder < 0 {
				s.pkgs[d.pkg].requestedOrder = r.order
			}
		}
		out = append(out, ds...)
	}
	return out, "", nil
}

// afterDecision prefetches what the solver will probably need next: the
// versions of every new dependency, and then the metadata of the version
// it will most likely pick.
func (s *solver) afterDecision(_ context.Context, p pid, _ *cand, deps []dep) {
	for _, d := range deps {
		dp := s.pkgs[d.pkg]
		b := s.pkgs[dp.base]
		if b.listed || b.urlPin != "" {
			continue
		}
		s.fetch.prefetchVersions(b.key.name, d.set, s.opts.Pre || d.allowsPre, s.installedCandidate(b.key.name) != nil && !s.eligibleForUpgrade(b.key.name))
	}
}
