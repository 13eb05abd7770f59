package resolver

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gopip/gopip/resolver/pep440"
	"github.com/gopip/gopip/resolver/pep508"
)

// DefaultConcurrency bounds the provider calls Resolve makes in the
// background when Options.Concurrency is zero. It is conservative on
// purpose: index proxies rate-limit clients that open many connections.
const DefaultConcurrency = 8

// maxRestarts bounds how often Resolve starts over after learning of a URL
// or an exact pin of a yanked release in a dependency; each restart starts
// with more knowledge, so few are ever needed.
const maxRestarts = 16

// Root is one requirement the user gave.
type Root struct {
	// Requirement is the parsed requirement.
	Requirement *pep508.Requirement
	// Text is the requirement as the user wrote it, used in explanations;
	// "" means Requirement.String().
	Text string
	// Origin says where the user wrote it, for explanations, such as
	// "requirements.txt, line 3"; "" for the command line.
	Origin string
}

// UpgradeStrategy is pip's --upgrade-strategy.
type UpgradeStrategy string

const (
	// UpgradeOnlyIfNeeded upgrades the projects the user named, and their
	// dependencies only when the installed version no longer fits (pip's
	// default with -U).
	UpgradeOnlyIfNeeded UpgradeStrategy = "only-if-needed"
	// UpgradeEager upgrades every project in the resolution to the newest
	// version that fits.
	UpgradeEager UpgradeStrategy = "eager"
)

// Installed is a distribution already present in the target environment.
type Installed struct {
	// Name is the distribution's name as installed.
	Name string
	// Version is the installed version.
	Version pep440.Version
	// Metadata is the installed distribution's metadata (its Requires-Dist
	// and Provides-Extra are used when the installed version is kept);
	// nil means it requires nothing.
	Metadata *Metadata
}

// Options control a resolution. The zero value resolves like pip install
// without options for an environment with nothing installed, except that
// Environment and Python describe no target at all (markers that use a
// variable fail, Requires-Python is not checked).
type Options struct {
	// Environment holds the target's marker variables; the resolver sets
	// "extra" itself.
	Environment pep508.Environment
	// Python is the target interpreter's version ("3.11.7"), checked
	// against the Requires-Python of releases; the zero Version skips the
	// check.
	Python pep440.Version
	// IgnoreRequiresPython is pip's --ignore-requires-python, for the
	// metadata's Requires-Python (the index provider applies it to the
	// files' Requires-Python through its Target).
	IgnoreRequiresPython bool
	// Constraints are the -c requirements: they restrict the versions of
	// projects that something else requires and never add a project. A
	// constraint with a URL makes the project come from that URL.
	Constraints []Root
	// Pre is --pre: pre-releases are considered like final releases.
	// Without it a pre-release is only chosen when a requirement or
	// constraint on the project names one (">=2.0b1"), or when the range
	// left for the project holds no final release at all.
	Pre bool
	// NoDeps is --no-deps: only the user's requirements are installed
	// (their Requires-Python is still checked).
	NoDeps bool
	// Upgrade is -U; UpgradeStrategy says what it upgrades ("" means
	// only-if-needed). Without Upgrade, installed versions that satisfy
	// the requirements are kept.
	Upgrade         bool
	UpgradeStrategy UpgradeStrategy
	// ForceReinstall is --force-reinstall: installed distributions are
	// not candidates, so the newest fitting version is chosen and
	// reinstalled even when it is the installed one.
	ForceReinstall bool
	// IgnoreInstalled is -I: the installed distributions are ignored
	// altogether, and everything chosen is installed over them.
	IgnoreInstalled bool
	// Installed are the distributions in the target environment.
	Installed []Installed
	// PreferBinary is --prefer-binary: releases with a wheel are tried
	// before newer ones with only a source distribution.
	PreferBinary bool
	// Concurrency bounds the provider calls made in the background;
	// 0 means DefaultConcurrency.
	Concurrency int

	installed map[string]*Installed
}

// Action says what the installer must do for a package of a Plan.
type Action int

const (
	// ActionInstall installs a project that is not installed (or, with
	// IgnoreInstalled, installs over whatever is).
	ActionInstall Action = iota
	// ActionUpgrade replaces the installed version by another one, which
	// may be older (pip uninstalls the old one first in both cases).
	ActionUpgrade
	// ActionReinstall replaces the installed distribution by the same
	// version (--force-reinstall, or a local source distribution).
	ActionReinstall
	// ActionKeep leaves the installed distribution alone.
	ActionKeep
)

// String returns "install", "upgrade", "reinstall" or "keep".
func (a Action) String() string {
	switch a {
	case ActionUpgrade:
		return "upgrade"
	case ActionReinstall:
		return "reinstall"
	case ActionKeep:
		return "keep"
	}
	return "install"
}

// Plan is the result of a resolution: every distribution of the solution.
type Plan struct {
	// Packages are sorted by normalised name.
	Packages []PlannedPackage
	// Stats describe the work the resolution took, for -v output and
	// benchmarks.
	Stats Stats
}

// Stats count the steps of a resolution.
type Stats struct {
	// Decisions, Conflicts and Backtracks count the solver's steps;
	// Restarts the times it started over (see Options.Constraints and
	// URL requirements).
	Decisions, Conflicts, Backtracks, Restarts int
	// VersionCalls and MetadataCalls count provider calls; Prefetched
	// those a background prefetch made before the solver needed them (or
	// without it ever needing them); MaxInFlight the most calls running
	// at once.
	VersionCalls, MetadataCalls, Prefetched, MaxInFlight int
}

// PlannedPackage is one distribution of a Plan.
type PlannedPackage struct {
	// Name is the project name as its metadata (or index) spells it;
	// Key is its PEP 503 normalised form.
	Name string
	Key  string
	// Version is the chosen version.
	Version pep440.Version
	// Artifact is the file to install; its zero value when the installed
	// distribution is kept.
	Artifact Artifact
	// Direct reports a direct reference (name @ url).
	Direct bool
	// Requested reports that the user asked for the project (pip writes
	// REQUESTED for it); Extras are the extras the user asked for, as
	// written, in order.
	Requested bool
	Extras    []string
	// AllExtras are the extras anything in the resolution needed,
	// normalised and sorted.
	AllExtras []string
	// Action is what to do relative to the installed set; Installed is
	// the installed version it concerns, if any.
	Action    Action
	Installed *pep440.Version
	// Metadata is the chosen release's metadata (nil when it was never
	// needed, which only happens with nothing to read).
	Metadata *Metadata
	// Dependencies are the normalised names of the packages of the plan
	// this one depends on, sorted.
	Dependencies []string
}

// ToInstall returns the packages whose Action is not ActionKeep, in Plan
// order.
func (p *Plan) ToInstall() []PlannedPackage {
	var out []PlannedPackage
	for _, pkg := range p.Packages {
		if pkg.Action != ActionKeep {
			out = append(out, pkg)
		}
	}
	return out
}

// ResolutionError is returned when no set of versions satisfies the
// requirements. Explanation is the PubGrub derivation written out for a
// person, one numbered line of reasoning per sentence where lines are
// referred to later.
type ResolutionError struct {
	Explanation string
}

// Error returns the explanation.
func (e *ResolutionError) Error() string { return e.Explanation }

// ConflictingURLsError is returned when a project is required from two
// different URLs.
type ConflictingURLsError struct {
	Name string
	URLs [2]string
	// From names who asked for each URL (a project name, "" for the user).
	From [2]string
}

// Error names the project and both URLs, with the remedy on the next line.
func (e *ConflictingURLsError) Error() string {
	who := func(s string) string {
		if s == "" {
			return "you"
		}
		return s
	}
	return fmt.Sprintf("%s is required from two URLs: %s (%s) and %s (%s)\nrequire it from one URL only",
		e.Name, e.URLs[0], who(e.From[0]), e.URLs[1], who(e.From[1]))
}

// Resolve chooses a version of every project the roots need, directly or
// not, such that every requirement and constraint holds, using the
// PubGrub algorithm. It fails with a *ResolutionError explaining why when
// no such choice exists. The provider is called concurrently (see
// Provider); all its calls have returned when Resolve returns.
func Resolve(ctx context.Context, roots []Root, p Provider, opts Options) (*Plan, error) {
	if opts.UpgradeStrategy == "" {
		opts.UpgradeStrategy = UpgradeOnlyIfNeeded
	}
	if opts.UpgradeStrategy != UpgradeOnlyIfNeeded && opts.UpgradeStrategy != UpgradeEager {
		return nil, fmt.Errorf("unknown upgrade strategy %q", opts.UpgradeStrategy)
	}
	opts.installed = map[string]*Installed{}
	if !opts.IgnoreInstalled {
		for i := range opts.Installed {
			inst := &opts.Installed[i]
			opts.installed[pep508.NormalizeName(inst.Name)] = inst
		}
	}
	rootReqs, err := applicable(roots, opts.Environment)
	if err != nil {
		return nil, err
	}
	constraints, err := applicable(opts.Constraints, opts.Environment)
	if err != nil {
		return nil, err
	}

	fctx, cancel := context.WithCancel(ctx)
	f := newFetcher(fctx, p, opts.Concurrency, opts.PreferBinary)
	defer func() {
		cancel()
		f.wait()
	}()
	for _, r := range rootReqs {
		if r.req.URL == "" {
			f.prefetchVersions(pep508.NormalizeName(r.req.Name), setOfSpecifierSet(r.req.Specifier), opts.Pre || r.req.Specifier.AllowsPrereleases(), false)
		}
	}
	know := &knowledge{urls: map[string]string{}, urlFrom: map[string]string{}, direct: map[string]*cand{}, pins: map[string][]vset{}}
	for attempt := 0; ; attempt++ {
		s := newSolver(&opts, f, know)
		s.roots = rootReqs
		err := s.addConstraints(ctx, constraints)
		if err == nil {
			err = s.run(ctx)
		}
		if errors.Is(err, errRestart) && attempt < maxRestarts {
			continue
		}
		var ns *errNoSolution
		if errors.As(err, &ns) {
			return nil, &ResolutionError{Explanation: s.explain(ns.in)}
		}
		if err != nil {
			return nil, err
		}
		plan := s.plan()
		plan.Stats = Stats{
			Decisions: s.stats.decisions, Conflicts: s.stats.conflicts, Backtracks: s.stats.backtracks, Restarts: attempt,
			VersionCalls: int(f.versionCalls.Load()), MetadataCalls: int(f.metadataCalls.Load()),
			Prefetched: int(f.prefetched.Load()), MaxInFlight: int(f.maxInFlight.Load()),
		}
		return plan, nil
	}
}

// applicable keeps the requirements whose markers hold in env.
func applicable(roots []Root, env pep508.Environment) ([]rootReq, error) {
	var out []rootReq
	for i, r := range roots {
		if r.Requirement == nil {
			return nil, fmt.Errorf("resolver: root %d has no requirement", i)
		}
		ok, err := r.Requirement.Applies(env.WithExtra(""))
		if err != nil {
			return nil, fmt.Errorf("evaluating the marker of %s: %w", r.Requirement, err)
		}
		if !ok {
			continue
		}
		text := r.Text
		if text == "" {
			text = requirementText(r.Requirement)
		}
		out = append(out, rootReq{req: r.Requirement, text: strings.TrimSpace(text), origin: r.Origin, order: i})
	}
	return out, nil
}

// addConstraints turns -c constraints into incompatibilities.
func (s *solver) addConstraints(ctx context.Context, cs []rootReq) error {
	for _, c := range cs {
		name := pep508.NormalizeName(c.req.Name)
		if c.req.URL != "" {
			if _, err := s.pinURL(ctx, name, c.req.URL, "constraint"); err != nil {
				return err
			}
			continue
		}
		p := s.pkg(name, "")
		if c.req.Specifier.AllowsPrereleases() {
			s.pkgs[p].preSeen = true
		}
		if err := s.notePins(name, c.req.Specifier); err != nil {
			return err
		}
		set := setOfSpecifierSet(c.req.Specifier)
		if set.isFull() {
			continue
		}
		s.addIncompat(&incompat{kind: kindConstraint, text: c.text, origin: c.origin, terms: []pterm{{p, term{true, set.complement()}}}})
	}
	return nil
}

// plan turns the decisions into a Plan.
func (s *solver) plan() *Plan {
	extras := map[pid][]string{}
	deps := map[pid][]string{}
	for i, ps := range s.pkgs {
		p := pid(i)
		if p == rootPID || !ps.decided {
			continue
		}
		if ps.key.extra != "" {
			extras[ps.base] = append(extras[ps.base], ps.key.extra)
		}
		for _, in := range ps.incoming {
			parent := in.terms[0].pkg
			if parent == rootPID {
				continue
			}
			pp := s.pkgs[parent]
			if t, _ := in.get(parent); !pp.decided || !t.set.contains(pp.version) {
				continue
			}
			from, to := pp.base, ps.base
			if from != to && !slices.Contains(deps[from], s.pkgs[to].key.name) {
				deps[from] = append(deps[from], s.pkgs[to].key.name)
			}
		}
	}
	requested := map[string][]string{}
	isRequested := map[string]bool{}
	for _, r := range s.roots {
		name := pep508.NormalizeName(r.req.Name)
		isRequested[name] = true
		for _, e := range r.req.Extras {
			if !slices.Contains(requested[name], e) {
				requested[name] = append(requested[name], e)
			}
		}
	}
	plan := &Plan{}
	for i, ps := range s.pkgs {
		p := pid(i)
		if p == rootPID || !ps.decided || ps.key.extra != "" {
			continue
		}
		c := ps.chosen
		name := ps.key.name
		pp := PlannedPackage{
			Name:      c.Name,
			Key:       name,
			Version:   c.Version,
			Direct:    c.Direct,
			Requested: isRequested[name],
			Extras:    requested[name],
			Metadata:  c.meta,
		}
		if c.meta != nil && c.meta.Name != "" {
			pp.Name = c.meta.Name
		}
		if pp.Name == "" {
			pp.Name = name
		}
		pp.AllExtras = extras[p]
		slices.Sort(pp.AllExtras)
		pp.Dependencies = deps[p]
		slices.Sort(pp.Dependencies)
		inst := s.opts.installed[name]
		if inst != nil {
			v := inst.Version
			pp.Installed = &v
		}
		switch {
		case c.installed != nil:
			pp.Action = ActionKeep
			if c.installed.Metadata == nil {
				pp.Metadata = nil
			}
		case inst == nil:
			pp.Action = ActionInstall
			pp.Artifact = c.Artifact
		case !inst.Version.Equal(c.Version):
			pp.Action = ActionUpgrade
			pp.Artifact = c.Artifact
		case s.opts.ForceReinstall:
			pp.Action = ActionReinstall
			pp.Artifact = c.Artifact
		case c.Direct && strings.HasPrefix(c.Artifact.URL, "file:") && !c.Artifact.IsWheel:
			// pip reinstalls a local source tree or sdist of the installed
			// version, and keeps the installed one for anything else.
			pp.Action = ActionReinstall
			pp.Artifact = c.Artifact
		default:
			pp.Action = ActionKeep
		}
		plan.Packages = append(plan.Packages, pp)
	}
	slices.SortFunc(plan.Packages, func(a, b PlannedPackage) int { return strings.Compare(a.Key, b.Key) })
	return plan
}
