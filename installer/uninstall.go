package installer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gopip/gopip/installer/installed"
	"github.com/gopip/gopip/internal/pypath"
	"github.com/gopip/gopip/resolver/pep508"
)

// UninstallOptions tune Uninstall.
type UninstallOptions struct {
	// Reporter receives progress and warnings; nil discards them.
	Reporter Reporter
	// Confirm, when set, is asked about each distribution before it is
	// removed, with what pip's prompt lists; returning false keeps that
	// distribution (pip without -y, answered "n"). nil removes without
	// asking (-y).
	Confirm func(UninstallPlan) bool

	hook func(point string) error
}

// UninstallPlan is what uninstalling one distribution removes, in the
// forms pip's uninstall prompt shows (UninstallPathSet._allowed_to_proceed).
type UninstallPlan struct {
	Name, Version, Location string
	// Remove is pip's "Would remove:" list (compress_for_output_listing:
	// package directories as "dir/*", other files one by one), sorted.
	Remove []string
	// Skip is pip's "Would not remove (might be manually added):" list:
	// files inside those directories that RECORD does not list.
	Skip []string
	// Refused is pip's "Would not remove (outside of prefix):" list.
	Refused []string
	// Paths are all the paths removed, for pip's verbose listing.
	Paths []string
}

// UninstallResult says what Uninstall did.
type UninstallResult struct {
	// Uninstalled are the distributions removed, in the order named.
	Uninstalled []InstalledDist
	// NotInstalled are the names that matched no installed distribution
	// (pip warns "Skipping X as it is not installed.").
	NotInstalled []string
}

// Uninstall removes the distributions names (compared PEP 503-normalised;
// duplicates count once) from env by their RECORD, the way pip 23.2's
// uninstall does: the RECORD files and their byte-code, the launchers of
// their entry points, directories holding nothing else moved whole, and
// the directories emptied by removing single files pruned (pip's
// renames/removedirs). All of it happens at once under the environment's
// lock: a failure, a cancelled ctx or a killed process leaves every
// distribution installed (pip commits each one as it goes).
//
// A distribution without RECORD stops everything with pip's message
// ("Cannot uninstall demo 1.0, RECORD file not found. ..."), as an
// *UninstallError. A distribution outside the virtual environment, or in
// the standard library, is reported (EventNotUninstalling) and left alone.
func Uninstall(ctx context.Context, env *Environment, names []string, opts UninstallOptions) (*UninstallResult, error) {
	rep := reporterOrNop(opts.Reporter)
	res := &UninstallResult{}
	var order []string
	given := map[string]string{}
	for _, n := range names {
		k := pep508.NormalizeName(n)
		if _, ok := given[k]; !ok {
			order = append(order, k)
		}
		given[k] = n
	}
	lock, err := lockEnv(ctx, env.LockDir(), rep)
	if err != nil {
		return nil, err
	}
	defer lock.unlock(true)
	if err := recoverLocked(env, rep); err != nil {
		return nil, err
	}
	inst := &installation{env: env, rep: rep, opts: InstallOptions{hook: opts.hook}}
	type target struct {
		d     *installed.Distribution
		items []asideItem
	}
	var targets []target
	for _, k := range order {
		name := given[k]
		d, err := installed.Find(env.lookup, name)
		if err != nil {
			return nil, fmt.Errorf("looking up installed %s: %w", name, err)
		}
		if d == nil {
			res.NotInstalled = append(res.NotInstalled, name)
			rep.Report(Event{Kind: EventWarning, Name: name, Message: fmt.Sprintf("Skipping %s as it is not installed.", name)})
			continue
		}
		rep.Report(Event{Kind: EventFoundExisting, Name: d.Name, Version: d.Version, Location: d.Location})
		if !inst.uninstallable(d) {
			rep.Report(Event{Kind: EventNotUninstalling, Name: d.Name, Location: d.Location,
				Message: fmt.Sprintf("Can't uninstall '%s'. No files were found to uninstall.", d.Name)})
			continue
		}
		set, err := env.collectPaths(d)
		if err != nil {
			return nil, uninstallError(d, err)
		}
		if len(set.paths) == 0 {
			rep.Report(Event{Kind: EventNotUninstalling, Name: d.Name, Location: d.Location,
				Message: fmt.Sprintf("Can't uninstall '%s'. No files were found to uninstall.", d.Name)})
			continue
		}
		rep.Report(Event{Kind: EventUninstalling, Name: d.Name, Version: d.Version, Location: d.Location})
		if opts.Confirm != nil {
			remove, skip := outputListing(set.paths)
			plan := UninstallPlan{Name: d.Name, Version: d.Version, Location: d.Location,
				Remove: compactPaths(remove), Skip: compactPaths(skip), Refused: compactPaths(set.refused), Paths: set.paths}
			if !opts.Confirm(plan) {
				continue
			}
		}
		targets = append(targets, target{d: d, items: env.compressForRename(set.paths)})
	}
	if len(targets) == 0 {
		return res, nil
	}
	t, err := newTxn(env.LockDir(), opts.hook)
	if err != nil {
		return nil, err
	}
	inst.t = t
	committed := false
	defer func() {
		if !committed {
			t.rollback()
		}
	}()
	var items []asideItem
	for _, tg := range targets {
		items = append(items, tg.items...)
	}
	moves, prune, err := inst.plan(items)
	if err != nil {
		return nil, err
	}
	if err := t.commit(ctx, moves, prune); err != nil {
		return nil, err
	}
	committed = true
	if err := t.finish(); err != nil {
		rep.Report(Event{Kind: EventWarning, Message: fmt.Sprintf("Uninstalled, but cleaning up failed: %v", err)})
	}
	for _, tg := range targets {
		res.Uninstalled = append(res.Uninstalled, InstalledDist{Name: tg.d.Name, Version: tg.d.Version, Location: tg.d.Location})
		rep.Report(Event{Kind: EventUninstalled, Name: tg.d.Name, Version: tg.d.Version, Location: tg.d.Location})
	}
	return res, nil
}

// uninstallable applies UninstallPathSet.from_dist's location checks,
// reporting why a distribution is left alone.
func (inst *installation) uninstallable(d *installed.Distribution) bool {
	in := inst.env.Interpreter
	loc := pypath.RealPath(d.InstalledLocation)
	if in.InVirtualenv && !strings.HasPrefix(loc, pypath.RealPath(in.Prefix)) {
		inst.rep.Report(Event{Kind: EventNotUninstalling, Name: d.Name, Location: d.Location,
			Message: fmt.Sprintf("Not uninstalling %s at %s, outside environment %s", pep508.NormalizeName(d.Name), pypath.RealPath(d.Location), in.Prefix)})
		return false
	}
	if loc == pypath.RealPath(in.Stdlib) || loc == pypath.RealPath(in.Platstdlib) {
		inst.rep.Report(Event{Kind: EventNotUninstalling, Name: d.Name, Location: d.Location,
			Message: fmt.Sprintf("Not uninstalling %s at %s, as it is in the standard library.", pep508.NormalizeName(d.Name), loc)})
		return false
	}
	return true
}

// outputListing is pip's compress_for_output_listing.
func outputListing(paths []string) (remove, skip []string) {
	files := map[string]bool{}
	folders := map[string]bool{}
	for _, p := range paths {
		if st, err := os.Lstat(p); err == nil && st.IsDir() {
			continue // a directory itself (the .dist-info): its files are listed
		}
		if strings.HasSuffix(p, ".pyc") {
			continue
		}
		if strings.HasSuffix(p, "__init__.py") || strings.Contains(p, ".dist-info") {
			folders[filepath.Dir(p)] = true
		}
		files[p] = true
	}
	var fl []string
	for f := range folders {
		fl = append(fl, f)
	}
	fl = compactPaths(fl)
	skipSet := map[string]bool{}
	for _, folder := range fl {
		for _, f := range walkFiles(folder) {
			if strings.HasSuffix(f, ".pyc") {
				continue
			}
			if st, err := os.Stat(f); err == nil && st.Mode().IsRegular() && !files[f] {
				skipSet[f] = true
			}
		}
	}
	for f := range files {
		remove = append(remove, f)
	}
	for _, folder := range fl {
		remove = append(remove, filepath.Join(folder, "*"))
	}
	for f := range skipSet {
		skip = append(skip, f)
	}
	sort.Strings(remove)
	sort.Strings(skip)
	return remove, skip
}
