package installer

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gopip/gopip/installer/installed"
	"github.com/gopip/gopip/internal/cache"
	"github.com/gopip/gopip/internal/pypath"
	"github.com/gopip/gopip/internal/pystr"
	"github.com/gopip/gopip/internal/pyurl"
	"github.com/gopip/gopip/resolver/pep440"
	"github.com/gopip/gopip/resolver/pep508"
	"github.com/gopip/gopip/resolver/tags"
	"github.com/gopip/gopip/scripts"
)

// InstallOptions tune Install.
type InstallOptions struct {
	// Compile byte-compiles the installed .py files, as pip does unless
	// --no-compile.
	Compile bool
	// ForceReinstall reinstalls a distribution already installed in the
	// same version (--force-reinstall).
	ForceReinstall bool
	// Reporter receives progress and warnings; nil discards them.
	Reporter Reporter
	// Ensurepip is ENSUREPIP_OPTIONS as pip would see it; it changes the
	// names of pip's own launchers (see package scripts).
	Ensurepip scripts.EnsurepipMode
	// CompileWorkers is the number of interpreter processes compiling
	// byte-code in parallel; 0 means two per CPU, at most 8.
	CompileWorkers int
	// Cache, when set, keeps every wheel installed extracted and verified
	// (its unpacked layer, by the wheel's sha256), and installs the wheels
	// it holds from there, by LinkMode, instead of inflating them again.
	// Every file taken from the cache is checked against the RECORD of
	// the wheel being installed, as an extracted file is, unless its
	// stamp shows it unchanged since it was so checked (cache.FileStamp);
	// a cached file that fails is not used (the wheel is extracted
	// instead) and its entry is removed. With Compile, it also keeps the byte-code
	// compiled from those files, per interpreter and compile settings,
	// and links it instead of compiling again (pyccache.go). See
	// cache.go.
	Cache *cache.Cache
	// LinkMode says how files come from the cache (and go into it).
	LinkMode LinkMode
	// Phase, when set, is called as each phase of the installation ends
	// (with its name), to see where the time goes (GOPIP_TIMING).
	Phase func(what string)

	// extractWorkers, for benchmarks, sizes the extraction pool; 0 means
	// the default (see installation.extractWorkers).
	extractWorkers int

	// hook, for tests, is called at named points of the transaction; an
	// error it returns aborts the installation there.
	hook func(point string) error
}

// InstalledDist names an installed distribution.
type InstalledDist struct {
	Name     string // as its metadata writes it
	Version  string
	Location string // the directory holding its .dist-info
}

// InstallResult says what Install did.
type InstallResult struct {
	// Installed are the distributions installed, in the order of the
	// wheels (pip sorts its "Successfully installed" line by name).
	Installed []InstalledDist
	// AlreadyInstalled are the wheels skipped because the same version is
	// installed (no ForceReinstall).
	AlreadyInstalled []InstalledDist
	// Uninstalled are the distributions replaced (upgraded, downgraded or
	// reinstalled).
	Uninstalled []InstalledDist
	// ConsoleScripts are the console_scripts launchers written, as final
	// paths; pip warns when their directory is not on PATH (see
	// ScriptsNotOnPATHWarning).
	ConsoleScripts []string
	// With Compile: Compiled is the number of .py files the interpreter
	// byte-compiled, CachedByteCode the number the unpacked-wheel cache
	// answered for instead (with their byte-code, or knowing that they do
	// not compile), and CompileWorkers the number of interpreter processes
	// started to compile (none when the cache had all the byte-code).
	Compiled       int
	CachedByteCode int
	CompileWorkers int
	// FromCache is the number of files taken from the unpacked-wheel
	// cache instead of extracted from their wheels; Reread is the number
	// of those files and of the .pyc files (CachedByteCode) that were
	// linked and then read and checked again (against RECORD, or the
	// byte-code's manifest), because their stamp did not show them
	// unchanged since they were verified (see cache.FileStamp). Files
	// copied from the cache are hashed as they are copied.
	FromCache int
	Reread    int
}

// Install installs wheels into env, as pip 23.2's install_wheel does for
// each, all at once: either every wheel is installed (and every older
// version it replaces removed), or, on any error or when ctx is
// cancelled, the environment is left exactly as it was.
//
// Before anything touches the environment, each wheel is checked: its
// tags against the interpreter, its entry names (absolute paths, ".."
// components, symbolic links and duplicates are refused), its .dist-info
// directory, WHEEL (Wheel-Version 2+ refused, 1.x above 1.0 warned
// about), METADATA against the file name, and RECORD (every file listed
// with a sha256 or stronger hash). Then the environment is locked
// (another gopip waits), an interrupted earlier run is recovered, and the
// wheels are extracted into staging directories, each file verified
// against RECORD while it streams (hash and size; reading stops at the
// size the zip header declares). A wheel of a distribution already
// installed in another version replaces it; in the same version it is
// skipped unless ForceReinstall. With --target (env.Target) nothing is
// looked up; existing top-level items of the target directory are kept
// (with pip's warning) unless env.Options.Upgrade, which replaces them.
//
// A failure returns a *WheelError for a bad wheel; other errors name the
// file concerned.
func Install(ctx context.Context, env *Environment, wheels []Wheel, opts InstallOptions) (*InstallResult, error) {
	rep := reporterOrNop(opts.Reporter)
	in := env.Interpreter
	supported := tags.NewSet(tags.Supported(in.Tags))
	var ws []*wheelFile
	defer func() {
		for _, w := range ws {
			w.Close()
		}
	}()
	// The wheels are opened and checked in parallel (reading RECORD and
	// METADATA inflates them); the errors are then taken in the order of
	// the wheels, as if they had been opened one after the other.
	opened := make([]*wheelFile, len(wheels))
	openErrs := make([]error, len(wheels))
	forEach(ctx, runtime.GOMAXPROCS(0), len(wheels), func(i int) error {
		if wheels[i].Path == "" {
			openErrs[i] = errors.New("Install: wheel without a path")
			return nil
		}
		opened[i], openErrs[i] = openWheel(wheels[i], in, supported)
		return nil
	})
	for _, w := range opened {
		if w != nil {
			ws = append(ws, w) // closed by the deferred function
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	byName := map[string]*wheelFile{}
	for i := range wheels {
		w, err := opened[i], openErrs[i]
		if err != nil {
			return nil, err
		}
		if prev, dup := byName[w.norm]; dup {
			return nil, fmt.Errorf("%s and %s are both wheels of %s; install one of them", prev.Path, w.Path, w.name)
		}
		byName[w.norm] = w
	}
	inst := &installation{env: env, opts: opts, rep: rep, result: &InstallResult{}}
	for _, w := range ws {
		d, err := inst.planWheel(w)
		if err != nil {
			return nil, err
		}
		inst.dists = append(inst.dists, d)
	}
	inst.phase("wheels opened, checked and planned")

	if len(ws) == 0 {
		return inst.result, nil
	}
	lock, err := lockEnv(ctx, env.LockDir(), rep)
	if err != nil {
		return nil, err
	}
	// Directories created only to be locked go again if they stayed
	// empty (a failed or skipped first install into a new --prefix).
	defer lock.unlock(true)
	if err := recoverLocked(env, rep); err != nil {
		return nil, err
	}
	for _, w := range ws {
		for _, m := range w.warnings {
			rep.Report(Event{Kind: EventWarning, Message: m, Wheel: &w.Wheel})
		}
	}
	if err := inst.run(ctx); err != nil {
		return nil, err
	}
	inst.result.FromCache, inst.result.Reread = int(inst.fromCache.Load()), int(inst.reread.Load())
	return inst.result, nil
}

// phase reports the end of a phase (InstallOptions.Phase).
func (inst *installation) phase(what string) {
	if inst.opts.Phase != nil {
		inst.opts.Phase(what)
	}
}

// recoverLocked recovers an interrupted transaction; the caller holds the
// lock.
func recoverLocked(env *Environment, rep Reporter) error {
	j, err := recoverEnv(env.LockDir())
	if err != nil {
		return err
	}
	if j != "" {
		rep.Report(Event{Kind: EventRecovered, Path: j, Message: "Recovered from an interrupted gopip run in " + env.LockDir()})
	}
	return nil
}

// Recover locks env and rolls back (or completes) a transaction that a
// killed gopip left behind, removing its staging files. Install and
// Uninstall do this themselves; commands that change nothing call it to
// repair an environment before reading it. Without an interrupted run it
// only takes and releases the lock.
func Recover(ctx context.Context, env *Environment, r Reporter) error {
	rep := reporterOrNop(r)
	if _, err := os.Stat(env.LockDir()); err != nil {
		return nil // nothing there, nothing to recover
	}
	lock, err := lockEnv(ctx, env.LockDir(), rep)
	if err != nil {
		return err
	}
	defer lock.unlock(false)
	return recoverLocked(env, rep)
}

// fileOp is one archive file to install.
type fileOp struct {
	f          *zip.File
	name       string // path.Clean(f.Name)
	recordPath string // the archive name, RECORD's key
	dest       string // scheme-space destination
	script     bool   // .data/scripts: #!python is rewritten
	exec       bool
}

// dist is one wheel being installed.
type dist struct {
	w       *wheelFile
	scheme  Scheme
	libDir  string
	ops     []fileOp
	scripts []scripts.Script
	// outcome of the installed-distribution lookup
	skip bool
	old  *installed.Distribution

	// RECORD bookkeeping, as pip's _install_wheel keeps it (scheme-space)
	installed map[string]string // archive path → record path
	changed   map[string]recHash
	generated []string // scheme paths of generated files
	genHash   map[string]recHash
	pycs      []string // scheme paths of compiled .pyc files

	consoleScripts []string // final paths of its console_scripts launchers

	unpacked *unpackedEntry // its entry of the unpacked-wheel cache, if any

	opIDs    []int             // writer ids of ops
	genIDs   map[string]int    // writer ids of generated files
	stagedOf map[string]string // scheme path → where this dist staged it
	opAt     map[string]int    // scheme path → index of the op staged there
}

// generatedPaths lists, in pip's order, the scheme paths of the files pip
// generates for d.
func (d *dist) generatedPaths() []string {
	var out []string
	for _, s := range d.scripts {
		out = append(out, filepath.Join(d.scheme.Scripts, s.Name))
	}
	info := filepath.Join(d.libDir, filepath.FromSlash(d.w.distInfo))
	out = append(out, filepath.Join(info, "INSTALLER"))
	if d.w.URL != "" || d.w.DirectURL != nil {
		out = append(out, filepath.Join(info, "direct_url.json"))
	}
	if d.w.Requested {
		out = append(out, filepath.Join(info, "REQUESTED"))
	}
	return out
}

type recHash struct {
	hash string
	size int64
}

type installation struct {
	env    *Environment
	opts   InstallOptions
	rep    Reporter
	result *InstallResult
	dists  []*dist
	t      *txn
	umask  fs.FileMode
	linker *linker     // for the unpacked-wheel cache
	pyc    pycSettings // of the byte-code kept in the cache (Compile)

	fromCache, reread atomic.Int64 // InstallResult.FromCache, Reread
	unsealed          []*dist      // filled entries left to seal (under mu)

	dirs sync.Map // staging directories known to exist

	mu sync.Mutex
	// owner maps each final path to the writer whose file ends up there
	owner map[string]int
	// target directory items: state per top-level item
	items map[string]itemState
}

type itemState int

const (
	itemNew itemState = iota
	itemSkip
	itemReplace
)

// planWheel classifies the wheel's files the way pip's _install_wheel
// does, computing scheme-space destinations. It touches nothing.
func (inst *installation) planWheel(w *wheelFile) (*dist, error) {
	reqName := w.ReqName
	if reqName == "" {
		reqName = w.filename.Name
	}
	d := &dist{w: w, scheme: inst.env.Scheme(reqName)}
	if w.rootIsPurelib {
		d.libDir = d.scheme.Purelib
	} else {
		d.libDir = d.scheme.Platlib
	}
	schemePaths := map[string]string{
		"purelib": d.scheme.Purelib, "platlib": d.scheme.Platlib, "headers": d.scheme.Headers,
		"scripts": d.scheme.Scripts, "data": d.scheme.Data,
	}
	var root, data, scriptOps []fileOp
	for _, f := range w.files {
		name := f.Name
		normed := path.Clean(name)
		top, _, _ := strings.Cut(name, "/")
		op := fileOp{f: f, name: normed, recordPath: name, exec: zipExecutable(f)}
		if !strings.HasSuffix(top, ".data") {
			op.dest = filepath.Join(d.libDir, filepath.FromSlash(normed))
			root = append(root, op)
			continue
		}
		parts := strings.SplitN(normed, "/", 3)
		if len(parts) < 3 {
			return nil, &WheelError{Wheel: w.Path, Entry: name, Reason: fmt.Sprintf("Unexpected file in %s: %s. .data directory contents should be named like: '<scheme key>/<path>'.", w.Path, pystr.Repr(name))}
		}
		base, ok := schemePaths[parts[1]]
		if !ok {
			return nil, &WheelError{Wheel: w.Path, Entry: name, Reason: fmt.Sprintf("Unknown scheme key used in %s: %s (for file %s). .data directory contents should be in subdirectories named with a valid scheme key (data, headers, platlib, purelib, scripts)", w.Path, parts[1], pystr.Repr(name))}
		}
		op.dest = filepath.Join(base, filepath.FromSlash(parts[2]))
		rawParts := strings.SplitN(name, "/", 3)
		if len(rawParts) > 2 && rawParts[1] == "scripts" {
			// setuptools' wrappers for entry points are not installed:
			// pip writes its own launchers.
			if scripts.IsEntryPointWrapper(filepath.Base(op.dest), w.entryPoints) {
				continue
			}
			op.script = true
			scriptOps = append(scriptOps, op)
			continue
		}
		data = append(data, op)
	}
	d.ops = append(append(root, data...), scriptOps...)
	target := scripts.Target{Python: inst.env.Interpreter.Executable, Ensurepip: inst.opts.Ensurepip}
	if vi := inst.env.Interpreter.VersionInfo; len(vi) >= 2 {
		target.Major, target.Minor = vi[0], vi[1]
	}
	var err error
	d.scripts, err = target.Scripts(w.entryPoints)
	if err != nil {
		return nil, &WheelError{Wheel: w.Path, Entry: w.distInfo + "/entry_points.txt", Reason: err.Error()}
	}
	return d, nil
}

// zipExecutable is pip's zip_item_is_executable: the Unix mode in the
// entry's external attributes is a regular file with an x bit.
func zipExecutable(f *zip.File) bool {
	mode := f.ExternalAttrs >> 16
	return mode != 0 && mode&0o170000 == 0o100000 && mode&0o111 != 0
}

// run does the locked part of Install.
func (inst *installation) run(ctx context.Context) error {
	env := inst.env
	in := env.Interpreter
	var err error
	if inst.umask, err = currentUmask(); err != nil {
		return err
	}

	// Installed distributions: skip, replace, or install anew. The
	// lookup directories are scanned once for all the wheels
	// (installed.Find per wheel would read them all again each time).
	var present map[string]*installed.Distribution
	if env.Target == "" {
		all, err := installed.Scan(env.lookup)
		var w *installed.Warnings
		if err != nil && !errors.As(err, &w) {
			return fmt.Errorf("looking up installed distributions: %w", err)
		}
		present = make(map[string]*installed.Distribution, len(all))
		for _, d := range all {
			if _, dup := present[d.CanonicalName]; !dup {
				present[d.CanonicalName] = d
			}
		}
	}
	var names []string
	for _, d := range inst.dists {
		if env.Target != "" {
			names = append(names, d.w.name)
			continue
		}
		// installed.Find's answer: the first distribution of that name.
		old := present[pep508.NormalizeName(d.w.name)]
		var err error
		if old != nil {
			old, err = inst.distToUninstall(old)
			if err != nil {
				return err
			}
		}
		if old != nil && !inst.opts.ForceReinstall && sameVersion(old.Version, d.w.version) {
			d.skip = true
			inst.result.AlreadyInstalled = append(inst.result.AlreadyInstalled, InstalledDist{Name: old.Name, Version: old.Version, Location: old.Location})
			wh := d.w.Wheel
			inst.rep.Report(Event{Kind: EventAlreadyInstalled, Name: old.Name, Version: old.Version, Location: old.Location, Wheel: &wh})
			continue
		}
		if old != nil && (env.Options.Prefix != "" || env.Options.Root != "") && !inst.insideScheme(old) {
			// pip would uninstall the running environment's copy while
			// installing the new one elsewhere; gopip leaves it alone.
			inst.rep.Report(Event{Kind: EventNotUninstalling, Name: old.Name, Location: old.Location,
				Message: fmt.Sprintf("Not uninstalling %s at %s, outside the installation target %s", pep508.NormalizeName(old.Name), old.Location, env.purelib)})
			old = nil
		}
		d.old = old
		names = append(names, d.w.name)
	}
	var todo []*dist
	for _, d := range inst.dists {
		if !d.skip {
			todo = append(todo, d)
		}
	}
	inst.dists = todo
	if len(todo) == 0 {
		return nil
	}
	inst.rep.Report(Event{Kind: EventInstalling, Names: names})

	// Old files to move aside: computed before anything is written, so
	// that a distribution without RECORD stops the install here.
	var aside []asideItem
	for _, d := range inst.dists {
		if d.old == nil {
			continue
		}
		items, err := inst.removalSet(d.old)
		if err != nil {
			return err
		}
		aside = append(aside, items...)
	}

	if inst.opts.Compile {
		inst.pyc = pycKey(in, checkedHashPycs())
	}
	if err := inst.openCache(ctx); err != nil {
		return err
	}
	defer inst.closeCache()
	inst.phase("cache entries opened")
	var pyc *pycBatch
	if inst.opts.Compile && inst.hasPython() {
		pyc = inst.newPycBatch(ctx)
		defer pyc.closeCompiler()
		// Unless the cache has all the byte-code, the interpreters start
		// now, while files are being extracted.
		if n := pyc.needsCompiler(); n > 0 {
			if err := pyc.startCompiler(n); err != nil {
				return err
			}
		}
	}
	inst.t, err = newTxn(env.LockDir(), inst.opts.hook)
	if err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			inst.t.rollback()
		}
	}()
	if err := inst.t.at("begin"); err != nil {
		return err
	}
	if pyc != nil {
		defer pyc.stop()
	}
	if err := inst.stage(ctx, pyc); err != nil {
		return err
	}
	inst.sealEntries()
	inst.phase("staged")
	if pyc != nil {
		if err := pyc.finish(); err != nil {
			return err
		}
		inst.phase("byte-compiled")
		pyc.keep()
		inst.phase("byte-code kept")
	}
	if err := forEach(ctx, runtime.GOMAXPROCS(0), len(inst.dists), func(i int) error {
		return inst.writeRecord(inst.dists[i])
	}); err != nil {
		return err
	}
	inst.phase("RECORDs written")
	if err := inst.t.at("staged"); err != nil {
		return err
	}
	moves, prune, err := inst.plan(aside)
	if err != nil {
		return err
	}
	for _, d := range inst.dists {
		if d.old != nil {
			inst.rep.Report(Event{Kind: EventAttemptingUninstall, Name: d.w.name})
			inst.rep.Report(Event{Kind: EventFoundExisting, Name: d.old.Name, Version: d.old.Version, Location: d.old.Location})
			inst.rep.Report(Event{Kind: EventUninstalling, Name: d.old.Name, Version: d.old.Version, Location: d.old.Location})
		}
	}
	if err := inst.t.commit(ctx, moves, prune); err != nil {
		return err
	}
	committed = true
	inst.phase("committed")
	if err := inst.t.finish(); err != nil {
		inst.rep.Report(Event{Kind: EventWarning, Message: fmt.Sprintf("Installed, but cleaning up failed: %v", err)})
	}
	for _, d := range inst.dists {
		if d.old != nil {
			inst.result.Uninstalled = append(inst.result.Uninstalled, InstalledDist{Name: d.old.Name, Version: d.old.Version, Location: d.old.Location})
			inst.rep.Report(Event{Kind: EventUninstalled, Name: d.old.Name, Version: d.old.Version, Location: d.old.Location})
		}
	}
	for _, d := range inst.dists {
		loc := inst.final(d.libDir)
		if env.Target != "" {
			loc = env.Target
		}
		inst.result.Installed = append(inst.result.Installed, InstalledDist{Name: d.w.name, Version: d.w.version, Location: loc})
		inst.rep.Report(Event{Kind: EventInstalled, Name: d.w.name, Version: d.w.version, Location: loc})
	}
	return nil
}

// sameVersion compares versions as pip does (packaging Version objects,
// so "1.0" equals "1.0.0"), falling back to the text for non-PEP 440
// versions.
func sameVersion(a, b string) bool {
	if a == b {
		return true
	}
	va, err1 := pep440.Parse(a)
	vb, err2 := pep440.Parse(b)
	return err1 == nil && err2 == nil && pep440.Compare(va, vb) == 0
}

func (inst *installation) hasPython() bool {
	for _, d := range inst.dists {
		for _, op := range d.ops {
			if strings.HasSuffix(op.dest, ".py") {
				return true
			}
		}
	}
	return false
}

// distToUninstall is pip's Factory.get_dist_to_uninstall and
// UninstallPathSet.from_dist's checks: which installed distribution the
// new one replaces, if any.
func (inst *installation) distToUninstall(d *installed.Distribution) (*installed.Distribution, error) {
	env := inst.env
	in := env.Interpreter
	if env.UserInstall && !inst.inUserSite(d) {
		if in.InVirtualenv && inst.inSitePackages(d) {
			return nil, fmt.Errorf("Will not install to the user site because it will lack sys.path precedence to %s in %s", d.Name, d.Location)
		}
		return nil, nil
	}
	if !inst.uninstallable(d) {
		return nil, nil
	}
	return d, nil
}

// insideScheme reports whether d is installed in env's own library
// directories.
func (inst *installation) insideScheme(d *installed.Distribution) bool {
	loc := pypath.RealPath(d.InstalledLocation)
	return loc == pypath.RealPath(inst.env.purelib) || loc == pypath.RealPath(inst.env.platlib)
}

func (inst *installation) inUserSite(d *installed.Distribution) bool {
	us := inst.env.Interpreter.UserSite
	return us != "" && pathHasPrefix(pypath.RealPath(d.InstalledLocation), pypath.RealPath(us))
}

func (inst *installation) inSitePackages(d *installed.Distribution) bool {
	s, err := inst.env.Interpreter.scheme("default")
	if err != nil {
		return false
	}
	return pathHasPrefix(pypath.RealPath(d.InstalledLocation), pypath.RealPath(s.Purelib))
}

// pathHasPrefix is pip's str.startswith on normalised paths.
func pathHasPrefix(p, prefix string) bool { return strings.HasPrefix(p, prefix) }

// final maps a scheme-space path to where it ends up: itself, except for
// --target, where pip's _handle_target_dir moves the home scheme's
// directories into the target. ok is false for files pip leaves behind
// in its temporary home (data under its lib directory).
func (inst *installation) finalPath(p string) (final, item string, ok bool) {
	env := inst.env
	if env.Target == "" {
		return p, "", true
	}
	libs := []string{env.purelib}
	if env.platlib != env.purelib {
		libs = append(libs, env.platlib)
	}
	for _, l := range libs {
		if rel, ok := relInside(l, p); ok {
			item, _, _ := strings.Cut(rel, string(filepath.Separator))
			return filepath.Join(env.Target, rel), item, true
		}
	}
	if rel, ok := relInside(env.data, p); ok {
		item, _, _ := strings.Cut(rel, string(filepath.Separator))
		ddir := filepath.Join(env.data, item)
		for _, l := range libs {
			if strings.HasPrefix(l, ddir) {
				return "", item, false
			}
		}
		return filepath.Join(env.Target, rel), item, true
	}
	return "", "", false
}

func (inst *installation) final(p string) string {
	f, _, ok := inst.finalPath(p)
	if !ok {
		return p
	}
	return f
}

// anchorFor returns the directory whose staging root holds final: the
// deepest scheme directory containing it (the target directory for
// --target), or else its parent.
func (inst *installation) anchorFor(final string) string {
	env := inst.env
	if env.Target != "" {
		return env.Target
	}
	best := ""
	for _, a := range []string{env.purelib, env.platlib, env.scripts, env.include, env.data} {
		if a == "" {
			continue
		}
		if _, ok := relInside(a, final); ok && len(a) > len(best) {
			best = a
		}
	}
	if best == "" {
		best = filepath.Dir(final)
	}
	return best
}

// stagedPathFor returns where the file with scheme-space path p, written
// by writer id (see stage), is staged: in the "new" tree when that writer
// is the last one of its final path, else in the "drop" tree (still
// written and verified, never moved into place).
func (inst *installation) stagedPathFor(id int, p string) (string, error) {
	final, item, ok := inst.finalPath(p)
	drop := func(anchor string) (string, error) {
		r, err := inst.t.root(anchor)
		if err != nil {
			return "", err
		}
		return r.dropPath(filepath.Join(strconv.Itoa(id), strings.TrimPrefix(filepath.ToSlash(p), "/"))), nil
	}
	switch {
	case !ok:
		return drop(inst.env.Target)
	case item != "" && inst.itemState(item) == itemSkip:
		return drop(inst.env.Target)
	case inst.owner[final] != id:
		return drop(inst.anchorFor(final))
	}
	r, err := inst.t.root(inst.anchorFor(final))
	if err != nil {
		return "", err
	}
	return r.newPath(final)
}

// itemState decides, once per top-level item of a --target directory,
// what pip's _handle_target_dir does with it.
func (inst *installation) itemState(item string) itemState {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	if s, ok := inst.items[item]; ok {
		return s
	}
	p := filepath.Join(inst.env.Target, item)
	s := itemNew
	if _, err := os.Stat(p); err == nil {
		switch st, _ := os.Lstat(p); {
		case !inst.env.Options.Upgrade:
			s = itemSkip
			inst.rep.Report(Event{Kind: EventWarning, Path: p, Message: fmt.Sprintf("Target directory %s already exists. Specify --upgrade to force replacement.", p)})
		case st != nil && st.Mode()&fs.ModeSymlink != 0:
			s = itemSkip
			inst.rep.Report(Event{Kind: EventWarning, Path: p, Message: fmt.Sprintf("Target directory %s already exists and is a link. pip will not automatically replace links, please remove if replacement is desired.", p)})
		default:
			s = itemReplace
		}
	}
	inst.items[item] = s
	return s
}

// stage extracts and verifies every file, rewrites scripts, writes the
// launchers and the .dist-info files pip generates. With pyc, each dist's
// Python files are queued for byte-compilation as soon as all its archive
// files are staged.
func (inst *installation) stage(ctx context.Context, pyc *pycBatch) error {
	inst.owner = map[string]int{}
	inst.items = map[string]itemState{}
	// Every file written is a writer, numbered in the order pip writes
	// them (wheel after wheel; the archive's files, then the launchers and
	// the .dist-info files it generates). The last writer of each final
	// path wins.
	id := 0
	own := func(p string) int {
		id++
		if f, _, ok := inst.finalPath(p); ok {
			inst.owner[f] = id
		}
		return id
	}
	for _, d := range inst.dists {
		d.opIDs = make([]int, len(d.ops))
		for k, op := range d.ops {
			d.opIDs[k] = own(op.dest)
		}
		d.genIDs = map[string]int{}
		for _, g := range d.generatedPaths() {
			d.genIDs[g] = own(g)
		}
	}
	// Decide the target items (and warn) in a stable order.
	if inst.env.Target != "" {
		for _, d := range inst.dists {
			for _, op := range d.ops {
				if _, item, ok := inst.finalPath(op.dest); ok && item != "" {
					inst.itemState(item)
				}
			}
		}
	}
	// One bounded pool extracts every archive file of every wheel (so a
	// large wheel keeps all the workers busy) and writes the files pip
	// generates for each wheel (hashing the wheel for direct_url.json).
	// Entries of one archive are read concurrently: zip.File.Open allows
	// it (each entry reads its own section of the shared *os.File with
	// ReadAt, that is pread). Largest entries first, so that a big
	// extension module does not start last and finish alone; when
	// compiling (see pycBatch), wheel by wheel, largest first within
	// each, so that the compilers get the first wheels' files while the
	// others are extracted.
	type job struct{ i, k int } // k < 0: the generated files of dist i
	var jobs []job
	hashes := make([][]*recHash, len(inst.dists))
	staged := make([][]string, len(inst.dists))
	gen := make([]generated, len(inst.dists))
	left := make([]atomic.Int64, len(inst.dists)) // jobs of each dist not yet done
	for i, d := range inst.dists {
		hashes[i] = make([]*recHash, len(d.ops))
		staged[i] = make([]string, len(d.ops))
		left[i].Store(int64(len(d.ops)) + 1)
		jobs = append(jobs, job{i, -1})
	}
	for i, d := range inst.dists {
		for k := range d.ops {
			jobs = append(jobs, job{i, k})
		}
	}
	byDist := pyc != nil && pyc.overlap
	sort.SliceStable(jobs, func(a, b int) bool {
		ja, jb := jobs[a], jobs[b]
		switch {
		case byDist && ja.i != jb.i:
			return ja.i < jb.i
		case ja.k < 0 || jb.k < 0: // generated files first
			return ja.k < 0 && jb.k >= 0
		}
		return inst.dists[ja.i].ops[ja.k].f.UncompressedSize64 > inst.dists[jb.i].ops[jb.k].f.UncompressedSize64
	})
	err := forEach(ctx, inst.extractWorkers(), len(jobs), func(n int) error {
		j := jobs[n]
		d := inst.dists[j.i]
		var err error
		if j.k < 0 {
			gen[j.i], err = inst.stageGenerated(d)
		} else {
			if j.k == len(d.ops)/2 {
				if err := inst.t.at("staging"); err != nil {
					return err
				}
			}
			staged[j.i][j.k], hashes[j.i][j.k], err = inst.stageOp(d, d.opIDs[j.k], d.ops[j.k])
		}
		if err != nil || left[j.i].Add(-1) > 0 {
			return err
		}
		// The last job of dist j.i: the others' results are written (the
		// counter orders their writes before these reads).
		inst.distStaged(d, staged[j.i], hashes[j.i], gen[j.i])
		inst.finishEntry(d)
		if byDist {
			return pyc.queue(j.i)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, d := range inst.dists {
		inst.result.ConsoleScripts = append(inst.result.ConsoleScripts, d.consoleScripts...)
	}
	if pyc != nil && !byDist {
		for i := range inst.dists {
			if err := pyc.queue(i); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// distStaged records where d's files were staged (staged[k] and hashes[k]
// are those of d.ops[k]; g the generated files) and what RECORD will say
// of them.
func (inst *installation) distStaged(d *dist, staged []string, hashes []*recHash, g generated) {
	d.installed = map[string]string{}
	d.changed = map[string]recHash{}
	d.stagedOf = map[string]string{}
	d.opAt = map[string]int{}
	for k, op := range d.ops {
		d.stagedOf[op.dest] = staged[k]
		d.opAt[op.dest] = k
		rp := recordPath(op.dest, d.libDir)
		d.installed[op.recordPath] = rp
		if h := hashes[k]; h != nil {
			d.changed[rp] = *h
		}
	}
	d.generated, d.genHash, d.consoleScripts = g.paths, g.hashes, g.consoleScripts
	for p, sp := range g.staged {
		d.stagedOf[p] = sp
	}
}

// extractWorkers is the size of the extraction pool. Creating a file
// waits on the file system (about a millisecond on some disks), so there
// are more workers than CPUs.
func (inst *installation) extractWorkers() int {
	if inst.opts.extractWorkers > 0 {
		return inst.opts.extractWorkers
	}
	return 4 * runtime.GOMAXPROCS(0)
}

func (inst *installation) stageOp(d *dist, id int, op fileOp) (string, *recHash, error) {
	sp, err := inst.stagedPathFor(id, op.dest)
	if err != nil {
		return "", nil, err
	}
	if d.unpacked != nil && d.unpacked.warm {
		if h, ok, err := inst.stageFromCache(d, op, sp); ok || err != nil {
			return sp, h, err
		}
		// Not in the cache, or it failed its check: from the wheel.
	}
	h, err := inst.extract(d, op, sp)
	return sp, h, err
}

// generated are the files pip generates for a dist, once staged.
type generated struct {
	paths          []string           // scheme paths, in pip's order
	hashes         map[string]recHash // by scheme path
	staged         map[string]string  // scheme path → staged path
	consoleScripts []string           // final paths of console_scripts launchers
}

// stageGenerated writes the files pip generates for d: launchers,
// INSTALLER, direct_url.json, REQUESTED. It runs in the extraction pool,
// so it only reads d.
func (inst *installation) stageGenerated(d *dist) (generated, error) {
	g := generated{hashes: map[string]recHash{}, staged: map[string]string{}}
	write := func(p string, data []byte, mode fs.FileMode) error {
		sp, err := inst.stagedPathFor(d.genIDs[p], p)
		if err != nil {
			return err
		}
		if err := inst.writeStaged(sp, data, mode); err != nil {
			return err
		}
		g.paths = append(g.paths, p)
		g.hashes[p] = recHash{hash: installed.HashBytes(data), size: int64(len(data))}
		g.staged[p] = sp
		return nil
	}
	w := d.w
	// Launchers (pip's ScriptMaker with clobber and set_mode).
	lmode := scripts.LauncherMode(inst.umask)
	for _, s := range d.scripts {
		p := filepath.Join(d.scheme.Scripts, s.Name)
		if err := write(p, s.Data, lmode); err != nil {
			return g, err
		}
		if s.EntryPoint.Group == scripts.GroupConsole {
			g.consoleScripts = append(g.consoleScripts, inst.final(p))
		}
	}
	gmode := 0o666 &^ inst.umask
	info := filepath.Join(d.libDir, filepath.FromSlash(w.distInfo))
	if err := write(filepath.Join(info, "INSTALLER"), []byte("gopip\n"), gmode); err != nil {
		return g, err
	}
	du, err := directURL(w.Wheel)
	if err != nil {
		return g, &WheelError{Wheel: w.Path, Reason: err.Error()}
	}
	if du != nil {
		if err := write(filepath.Join(info, "direct_url.json"), du.JSON(), gmode); err != nil {
			return g, err
		}
	}
	if w.Requested {
		if err := write(filepath.Join(info, "REQUESTED"), nil, gmode); err != nil {
			return g, err
		}
	}
	return g, nil
}

// writeStaged writes a staged file (replacing a staged file of the same
// name, as RECORD replaces the archive's) with the given mode.
func (inst *installation) writeStaged(sp string, data []byte, mode fs.FileMode) error {
	if err := inst.mkdirStaged(filepath.Dir(sp)); err != nil {
		return err
	}
	// A staged file being replaced (RECORD) may be a hard link into the
	// unpacked-wheel cache: it is unlinked, never written through.
	if err := os.Remove(sp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	f, err := createStaged(sp, 0o666, true)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := inst.chmodIfNeeded(f, 0o666, mode); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// chmodIfNeeded sets mode on a file created with perm, unless the umask
// already gave it that mode.
func (inst *installation) chmodIfNeeded(f *stagedFile, perm, mode fs.FileMode) error {
	if perm&^inst.umask == mode {
		return nil
	}
	return f.Chmod(mode)
}

// mkdirStaged creates a directory of a staging tree, remembering which
// exist so that each is created once, with one mkdir (its parent is
// created first only when that fails for want of it).
func (inst *installation) mkdirStaged(dir string) error {
	if _, ok := inst.dirs.Load(dir); ok {
		return nil
	}
	err := os.Mkdir(dir, 0o777)
	if errors.Is(err, fs.ErrNotExist) {
		if perr := inst.mkdirStaged(filepath.Dir(dir)); perr != nil {
			return perr
		}
		err = os.Mkdir(dir, 0o777)
	}
	// Another worker may have just created it. Should a file of the
	// wheel have that name, creating the files inside fails.
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	inst.dirs.Store(dir, true)
	return nil
}

// copyBufs are the buffers files are extracted through: a file up to this
// size is read whole, then hashed and written with one write call.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// extract writes one archive file of d to sp, verifying it against
// RECORD as it streams, and puts a copy into the unpacked-wheel cache when
// the installation fills it. For a script whose first line is #!python it
// rewrites that line and returns the new RECORD hash.
func (inst *installation) extract(d *dist, op fileOp, sp string) (*recHash, error) {
	w, f := d.w, op.f
	rc, err := w.openEntry(f)
	if err != nil {
		return nil, w.errorf(f.Name, "%v", err)
	}
	defer rc.Close()
	fill := inst.fillPath(d, op)
	tee := ""
	if op.script {
		tee = fill // the cache keeps the script as the wheel has it
	}
	h, teed, err := inst.stream(w, op, rc, sp, tee)
	switch {
	case err != nil:
		inst.fillFailed(d)
		return nil, err
	case fill == "":
	case op.script:
		if teed {
			d.unpacked.files.Add(1)
		} else {
			inst.fillFailed(d)
		}
	default:
		inst.fillFrom(d, op, sp, fill)
	}
	return h, nil
}

// stream writes the content of the archive file op, read from src, to sp,
// verifying it against RECORD as it streams (hash and size; reading stops
// one byte after the size the zip header declares), and, when tee is not
// "", also writes the content as the archive has it to tee (teed reports
// whether that worked). A script whose first line is #!python gets that
// line rewritten (pip's fix_script) and the new RECORD hash is returned.
// Memory stays bounded whatever the file's size: a script is rewritten as
// it streams too.
func (inst *installation) stream(w *wheelFile, op fileOp, src io.Reader, sp, tee string) (h *recHash, teed bool, err error) {
	f := op.f
	if err := inst.mkdirStaged(filepath.Dir(sp)); err != nil {
		return nil, false, err
	}
	declared := int64(f.UncompressedSize64)
	exempt := w.recordExempt(f.Name)
	row := w.rows[f.Name]
	var check hash.Hash // nil for RECORD itself
	if !exempt {
		algo, _, _ := strings.Cut(row.Hash, "=")
		check = newRecordHash(algo)
	}
	// The mode is given when the file is created; only an executable
	// file under a umask that clears x bits needs a chmod (pip sets
	// them all).
	perm, mode := inst.fileMode(op)
	out, err := createStaged(sp, perm, false)
	if err != nil {
		return nil, false, err
	}
	defer out.Close()
	var raw *stagedFile // the copy for the cache, while it works
	if tee != "" {
		if inst.mkdirStaged(filepath.Dir(tee)) == nil {
			if raw, err = createStaged(tee, perm, false); err != nil {
				raw = nil
			}
		}
		if raw != nil {
			defer raw.Close()
		}
	}
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	buf := *bp
	body := io.LimitReader(src, declared+1)
	var (
		n       int64
		shebang = op.script // the first line is still to be looked at
		skip    bool        // dropping the rest of a #!python line
		outHash hash.Hash   // of what is written, when it differs
		outSize int64
	)
	write := func(p []byte) error {
		if outHash != nil {
			outHash.Write(p)
			outSize += int64(len(p))
		}
		_, err := out.Write(p)
		return err
	}
	for {
		m, rerr := io.ReadFull(body, buf)
		if m > 0 {
			chunk := buf[:m]
			n += int64(m)
			if check != nil {
				check.Write(chunk)
			}
			if raw != nil {
				if _, err := raw.Write(chunk); err != nil {
					raw.Close()
					raw = nil
				}
			}
			// The first chunk holds the first 8 bytes of any file that
			// has them (ReadFull).
			if shebang {
				shebang = false
				if bytes.HasPrefix(chunk, []byte("#!python")) {
					skip, outHash = true, sha256.New()
					if err := write([]byte("#!" + inst.env.Interpreter.Executable + "\n")); err != nil {
						return nil, false, w.errorf(f.Name, "extracting: %v", err)
					}
				}
			}
			if skip {
				if i := bytes.IndexByte(chunk, '\n'); i < 0 {
					chunk = nil
				} else {
					chunk, skip = chunk[i+1:], false
				}
			}
			if len(chunk) > 0 {
				if err := write(chunk); err != nil {
					return nil, false, w.errorf(f.Name, "extracting: %v", err)
				}
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			if errors.Is(rerr, zip.ErrFormat) || errors.Is(rerr, zip.ErrChecksum) {
				return nil, false, w.errorf(f.Name, "corrupt or lying zip entry (%v); its data does not match the %d bytes its header declares", rerr, declared)
			}
			return nil, false, w.errorf(f.Name, "extracting: %v", rerr)
		}
	}
	if n > declared {
		return nil, false, w.errorf(f.Name, "its real size exceeds the %d bytes its zip header declares", declared)
	}
	if check != nil {
		if ok, what := checkDigest(row, check.Sum(nil), n); !ok {
			return nil, false, w.errorf(f.Name, "%s (RECORD says %s, size %s)", what, row.Hash, row.Size)
		}
	}
	if err := inst.chmodIfNeeded(out, perm, mode); err != nil {
		return nil, false, err
	}
	if err := out.Close(); err != nil {
		return nil, false, err
	}
	if raw != nil {
		teed = inst.chmodIfNeeded(raw, perm, mode) == nil && raw.Close() == nil
	}
	if outHash != nil {
		return &recHash{hash: installed.RecordHash(outHash.Sum(nil)), size: outSize}, teed, nil
	}
	return nil, teed, nil
}

// fileMode returns the permissions a file of op is created with and the
// mode it must end up with, as pip gives them: 0666 less the umask, and
// for an executable file every x bit.
func (inst *installation) fileMode(op fileOp) (perm, mode fs.FileMode) {
	perm = 0o666
	mode = perm &^ inst.umask
	if op.exec {
		perm = 0o777
		mode = (0o777 &^ inst.umask) | 0o111
	}
	return perm, mode
}

// recordPath is pip's _fs_to_record_path: p relative to libDir, with "/".
func recordPath(p, libDir string) string {
	if rel, ok := relInside(libDir, p); ok {
		return filepath.ToSlash(rel)
	}
	rel, err := filepath.Rel(libDir, p)
	if err != nil {
		rel = p
	}
	return filepath.ToSlash(rel)
}

// relInside returns p relative to dir when p is inside dir (not dir
// itself), as filepath.Rel gives it; a relative path beginning with ".."
// counts as outside. The installer's paths are absolute and clean (made
// by filepath.Join), and for those the answer is a comparison of
// prefixes: filepath.Rel cleans both paths on every call, several calls
// per file of every install, which was a tenth of a warm install's time.
func relInside(dir, p string) (string, bool) {
	if plainAbs(dir) && plainAbs(p) {
		if n := len(dir); len(p) > n && p[n] == '/' && p[:n] == dir {
			return p[n+1:], true
		}
		return "", false
	}
	rel, err := filepath.Rel(dir, p)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return "", false
	}
	return rel, true
}

// plainAbs reports whether p is an absolute slash-separated path that
// filepath.Clean leaves as it is and whose components do not begin with
// a dot (so none is "." or ".."); "/" itself is not.
func plainAbs(p string) bool {
	return filepath.Separator == '/' && len(p) > 1 && p[0] == '/' && p[len(p)-1] != '/' &&
		!strings.Contains(p, "/.") && !strings.Contains(p, "//")
}

// pycBatch byte-compiles the installed .py files of each dist, as pip
// does after extracting each wheel (pyc_source_file_paths: sorted,
// de-duplicated installation paths), and records the .pyc files in the
// dists. A dist's files are queued as soon as all its archive files are
// staged, so compiling overlaps the extraction of the other wheels.
//
// Unless a wheel ships files inside a __pycache__ directory: the .pyc a
// compiler writes could then be the path another wheel's archive file is
// being staged to, so everything is queued after staging, when compiling
// replaces such files as it always did.
//
// A source whose byte-code the unpacked-wheel cache has (pyccache.go)
// gets it linked, by a bounded number of goroutines, instead of being
// compiled; the compiler is started only for the sources that need it
// (early, by the caller, when some do from the start).
type pycBatch struct {
	inst     *installation
	ctx      context.Context
	overlap  bool
	capacity int
	links    sync.WaitGroup // goroutines linking cached byte-code
	linking  chan struct{}  // bounds the links at work

	mu      sync.Mutex
	comp    *compiler     // started when first needed
	workers int           // the size asked (0: the default), then the size started
	batch   *compileBatch // begun with the first file compiled
	err     error         // starting the compiler failed
	stopped bool
	queued  bool        // the first file was queued
	tasks   [][]pycTask // per dist, in pip's order
	bySrc   map[string]*compileTask
}

type pycTask struct {
	scheme string // scheme-space path of the .py
	op     int    // index of the dist's op staged there
	t      *compileTask
}

func (inst *installation) newPycBatch(ctx context.Context) *pycBatch {
	p := &pycBatch{inst: inst, ctx: ctx, overlap: true,
		linking: make(chan struct{}, inst.extractWorkers()),
		tasks:   make([][]pycTask, len(inst.dists)), bySrc: map[string]*compileTask{}}
	for _, d := range inst.dists {
		for _, op := range d.ops {
			if strings.HasSuffix(op.dest, ".py") {
				p.capacity++
			}
			if strings.Contains("/"+op.recordPath, "/__pycache__/") {
				p.overlap = false
			}
		}
	}
	return p
}

// needsCompiler returns how many .py files have no byte-code in the
// cache.
func (p *pycBatch) needsCompiler() int {
	n := 0
	for _, d := range p.inst.dists {
		for _, op := range d.ops {
			if !strings.HasSuffix(op.dest, ".py") {
				continue
			}
			if f, failed := p.inst.cachedPyc(d, op); f == nil && !failed {
				n++
			}
		}
	}
	return n
}

// startCompiler starts the compiler's workers, once, for about n files
// (0: many): unless InstallOptions.CompileWorkers says how many, a worker
// per 32 files at most, since each interpreter takes as long to start
// as compiling a few dozen files (a warm install compiles only the
// scripts it rewrites).
func (p *pycBatch) startCompiler(n int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.workers = p.inst.opts.CompileWorkers
	if p.workers <= 0 && n > 0 {
		p.workers = min(defaultCompileWorkers(), (n+31)/32)
	}
	return p.startLocked()
}

func (p *pycBatch) startLocked() error {
	if p.comp != nil || p.err != nil {
		return p.err
	}
	comp, err := startCompiler(p.ctx, p.inst.env.Interpreter.Executable, p.workers)
	if err != nil {
		p.err = err
		return err
	}
	p.comp, p.workers = comp, len(comp.workers)
	return nil
}

// compileLocked has t compiled; p.mu is held.
func (p *pycBatch) compileLocked(t *compileTask) error {
	if p.stopped {
		return nil
	}
	if err := p.startLocked(); err != nil {
		return err
	}
	if p.batch == nil {
		p.batch = p.comp.begin(p.ctx, p.capacity)
	}
	p.batch.add(t)
	return nil
}

// queue queues the .py files of dist i, which is staged. The test hook's
// "compile" point is reached before the first file is queued.
func (p *pycBatch) queue(i int) error {
	inst := p.inst
	d := inst.dists[i]
	seen := map[string]bool{}
	var rels []string
	for _, rp := range d.installed {
		if !seen[rp] && strings.HasSuffix(rp, ".py") {
			seen[rp] = true
			rels = append(rels, rp)
		}
	}
	if len(rels) == 0 {
		return nil
	}
	sort.Strings(rels)
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, rp := range rels {
		sp := filepath.Join(d.libDir, filepath.FromSlash(rp))
		staged, ok := d.stagedOf[sp]
		if !ok {
			continue
		}
		if !p.queued {
			if err := inst.t.at("compile"); err != nil {
				return err
			}
			p.queued = true
		}
		k := d.opAt[sp]
		// Each staged file is compiled once, should several dists name
		// it.
		t := p.bySrc[staged]
		if t == nil {
			final, _, ok := inst.finalPath(sp)
			if !ok {
				final = sp
			}
			t = &compileTask{job: compileJob{src: staged, dfile: final}}
			p.bySrc[staged] = t
			if err := p.dispatchLocked(d, d.ops[k], t); err != nil {
				return err
			}
		}
		p.tasks[i] = append(p.tasks[i], pycTask{scheme: sp, op: k, t: t})
	}
	return nil
}

// dispatchLocked has the byte-code of op's staged source (t) linked from
// the cache, or compiled; p.mu is held.
func (p *pycBatch) dispatchLocked(d *dist, op fileOp, t *compileTask) error {
	f, failed := p.inst.cachedPyc(d, op)
	switch {
	case failed:
		t.cached, t.res = true, compileResult{error: "does not compile"}
	case f != nil:
		t.cached = true
		p.links.Add(1)
		go p.link(d, f, t)
	default:
		return p.compileLocked(t)
	}
	return nil
}

// link links the cached byte-code f for t, or has t compiled when it
// cannot be used.
func (p *pycBatch) link(d *dist, f *pycFile, t *compileTask) {
	defer p.links.Done()
	p.linking <- struct{}{}
	err := p.inst.stagePyc(d, f, t.job.src)
	<-p.linking
	if err == nil {
		t.res = compileResult{ok: true, pyc: path.Base(f.Path)}
		return
	}
	d.unpacked.reject(&d.unpacked.pycBad, err)
	p.mu.Lock()
	defer p.mu.Unlock()
	t.cached = false
	p.compileLocked(t) // an error is kept in p.err
}

// finish waits for the links and the compilers, records the .pyc files
// written, and removes the cached byte-code that failed.
func (p *pycBatch) finish() error {
	p.links.Wait()
	p.mu.Lock()
	b, err := p.batch, p.err
	p.mu.Unlock()
	if err != nil {
		return err
	}
	if b != nil {
		if err := b.wait(); err != nil {
			return err
		}
	}
	r := p.inst.result
	for _, t := range p.bySrc {
		if t.cached {
			r.CachedByteCode++
		} else {
			r.Compiled++
		}
	}
	r.CompileWorkers = p.workers
	for i, ts := range p.tasks {
		d := p.inst.dists[i]
		for _, t := range ts {
			if !t.t.res.ok {
				continue // pip skips files that do not compile
			}
			d.pycs = append(d.pycs, filepath.Join(filepath.Dir(t.scheme), "__pycache__", t.t.res.pyc))
		}
		p.inst.finishPycs(d)
	}
	return nil
}

// keep keeps the byte-code compiled in the dists' cache entries, in
// parallel (see keepPycs); after finish.
func (p *pycBatch) keep() {
	inst := p.inst
	if inst.pyc.key == "" {
		return
	}
	forEach(p.ctx, runtime.GOMAXPROCS(0), len(inst.dists), func(i int) error {
		inst.keepPycs(inst.dists[i], p.tasks[i])
		return nil
	})
}

// stop abandons the compilation (after a failure); it waits for the
// files being linked and compiled.
func (p *pycBatch) stop() {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	p.links.Wait()
	p.mu.Lock()
	b := p.batch
	p.mu.Unlock()
	if b != nil {
		b.stop()
	}
}

// closeCompiler ends the compiler's workers, if started.
func (p *pycBatch) closeCompiler() {
	p.mu.Lock()
	comp := p.comp
	p.mu.Unlock()
	if comp != nil {
		comp.close()
	}
}

// writeRecord writes the new RECORD exactly as pip's
// get_csv_rows_for_installed and _normalized_outrows build it.
func (inst *installation) writeRecord(d *dist) error {
	type row struct{ path, hash, size string }
	var rows []row
	installedLeft := map[string]string{}
	for k, v := range d.installed {
		installedLeft[k] = v
	}
	for _, pyc := range d.pycs {
		// pip records byte-code under its absolute path as key, which no
		// RECORD row matches.
		installedLeft["\x00"+pyc] = recordPath(pyc, d.libDir)
	}
	for _, r := range d.w.record {
		newPath, ok := installedLeft[r.Path]
		if ok {
			delete(installedLeft, r.Path)
		} else {
			newPath = r.Path
		}
		if h, ok := d.changed[newPath]; ok {
			rows = append(rows, row{newPath, h.hash, strconv.FormatInt(h.size, 10)})
		} else {
			rows = append(rows, row{newPath, r.Hash, r.Size})
		}
	}
	for _, g := range d.generated {
		h := d.genHash[g]
		rows = append(rows, row{recordPath(g, d.libDir), h.hash, strconv.FormatInt(h.size, 10)})
	}
	for _, v := range installedLeft {
		rows = append(rows, row{v, "", ""})
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].path != rows[j].path {
			return rows[i].path < rows[j].path
		}
		if rows[i].hash != rows[j].hash {
			return rows[i].hash < rows[j].hash
		}
		return rows[i].size < rows[j].size
	})
	entries := make([]installed.RecordEntry, len(rows))
	for i, r := range rows {
		entries[i] = installed.RecordEntry{Path: r.path, Hash: r.hash, Size: r.size}
	}
	var buf bytes.Buffer
	if err := installed.WriteRecord(&buf, entries); err != nil {
		return err
	}
	p := filepath.Join(d.libDir, filepath.FromSlash(d.w.distInfo), "RECORD")
	sp, ok := d.stagedOf[p]
	if !ok {
		return fmt.Errorf("%s: RECORD was not staged", d.w.Path)
	}
	return inst.writeStaged(sp, buf.Bytes(), 0o666&^inst.umask)
}

var (
	hashFragmentRE = regexp.MustCompile(`[#&](sha512|sha384|sha256|sha224|sha1|md5)=([^&]*)`)
	subdirectoryRE = regexp.MustCompile(`[#&]subdirectory=([^&]*)`)
	urlSchemeRE    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)
)

// directURL builds the PEP 610 record pip 23.2 writes for a wheel given
// by URL or path (direct_url_from_link, with the sha256 of the file
// computed when the URL carries no hash, as operations/prepare.py does).
func directURL(wh Wheel) (*installed.DirectURL, error) {
	if wh.DirectURL != nil {
		return wh.DirectURL, nil
	}
	if wh.URL == "" {
		return nil, nil
	}
	u := wh.URL
	if !urlSchemeRE.MatchString(u) {
		abs, err := filepath.Abs(u)
		if err != nil {
			return nil, err
		}
		u = pyurl.FileURL(abs)
	}
	hashName, hashValue := "", ""
	if m := hashFragmentRE.FindStringSubmatch(u); m != nil {
		hashName, hashValue = m[1], m[2]
	}
	var subdir string
	if m := subdirectoryRE.FindStringSubmatch(u); m != nil {
		subdir = m[1]
	}
	base, _, _ := strings.Cut(u, "#")
	if hashName == "" {
		sum := wh.SHA256
		if sum == "" {
			var err error
			if sum, err = fileSHA256(wh.Path); err != nil {
				return nil, err
			}
		}
		hashName, hashValue = "sha256", sum
	}
	return &installed.DirectURL{
		URL:          base,
		Subdirectory: subdir,
		Archive:      &installed.ArchiveInfo{Hash: hashName + "=" + hashValue, Hashes: map[string]string{hashName: hashValue}},
	}, nil
}

// currentUmask returns the process umask without changing it (Linux
// reports it in /proc/self/status); elsewhere it is read by setting and
// restoring it.
func currentUmask() (fs.FileMode, error) {
	if data, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "Umask:"); ok {
				n, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32)
				if err == nil {
					return fs.FileMode(n), nil
				}
			}
		}
	}
	return umaskBySetting(), nil
}
