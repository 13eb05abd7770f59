package build

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gopip/gopip/installer"
	"github.com/gopip/gopip/internal/coremeta"
	"github.com/gopip/gopip/internal/pystr"
	"github.com/gopip/gopip/resolver/pep440"
	"github.com/gopip/gopip/resolver/pep508"
	"github.com/gopip/gopip/resolver/tags"
)

// EnvInstaller installs build requirements into a build environment.
//
// Install installs reqs (PEP 508 requirement strings, as the project's
// pyproject.toml or its backend gives them; markers are the installer's to
// evaluate) and everything they depend on into the installation prefix
// prefix (pip's "install --prefix PREFIX --ignore-installed --no-user"):
// what is installed in the target interpreter does not count, and nothing
// outside prefix may change. prefix does not exist yet, or is empty.
//
// cmd implements it with gopip's resolver, verified downloads and
// installer, honouring the same indexes, trust settings, constraints and
// binary/source choices as the install that needs the build; a build
// requirement that is itself an sdist is built by the same Builder.
// Install may be called from several goroutines at once (one per project
// being built), each time with a different prefix.
type EnvInstaller interface {
	Install(ctx context.Context, prefix string, reqs []string) error
}

// EnvInstallerFunc adapts a function to EnvInstaller.
type EnvInstallerFunc func(ctx context.Context, prefix string, reqs []string) error

// Install calls f.
func (f EnvInstallerFunc) Install(ctx context.Context, prefix string, reqs []string) error {
	return f(ctx, prefix, reqs)
}

// Options configure a Builder.
type Options struct {
	// Interpreter is the target interpreter: it runs every hook, and the
	// wheels are built for it. Required.
	Interpreter *installer.Interpreter
	// Installer installs the build requirements into the isolated build
	// environments. Required unless NoIsolation.
	Installer EnvInstaller
	// NoIsolation is --no-build-isolation: the hooks run with the target
	// environment as it is (its site-packages, the user's PYTHONPATH), and
	// nothing is installed; build requirements must already be there.
	NoIsolation bool
	// ConfigSettings are -C/--config-settings, passed to every hook as
	// config_settings: a key given once maps to a string, a key given
	// several times to the list of its values (pip's rule). nil passes
	// None.
	ConfigSettings map[string][]string
	// CacheDir is where built wheels are kept (cmd:
	// $XDG_CACHE_HOME/gopip/wheels); "" disables the cache. Only wheels
	// built from sdist archives are cached: a directory can change without
	// its path changing.
	CacheDir string
	// TempDir is where source trees and build environments are made;
	// "" is os.TempDir().
	TempDir string
	// Verbose keeps all of a failed hook's output in its error, rather
	// than the last 20 lines (pip's -v).
	Verbose bool
	// Output, when set, receives the backend's output as it is printed,
	// from every hook (pip -v shows it). Writes are serialised.
	Output io.Writer
	// Reporter receives what pip would print while building; nil discards.
	Reporter Reporter
	// Environ is the environment of the hook processes before isolation
	// changes it; nil is os.Environ().
	Environ []string
	// Limits bound the unpacking of source archives.
	Limits Limits
}

// Result is a wheel Builder made or found.
type Result struct {
	// Path is the wheel file, in the output directory.
	Path string
	// Name and Version are the project's, from the wheel's METADATA.
	Name, Version string
	// Metadata is the wheel's METADATA.
	Metadata *coremeta.Metadata
	// Cached is set when the wheel came from the cache and nothing was
	// built (cmd says so; pip says "Using cached").
	Cached bool
}

// Builder turns source distributions and project directories into wheels
// and metadata through their PEP 517 build backends. It remembers each
// source it has prepared until Close, so that Metadata followed by Wheel
// (the resolver's question, then the installer's) installs the build
// requirements and runs the backend's setup once, as pip does for one
// requirement. A Builder is safe for concurrent use; builds of different
// sources run in parallel, calls for the same source wait for each other.
type Builder struct {
	opts     Options
	cache    *wheelCache
	streamMu sync.Mutex

	mu       sync.Mutex
	tmp      string // lazily made: runner, projects
	runner   string
	projects map[string]*project
	closed   bool

	// testCalls, for tests, sees every hook started, with the project.
	testCalls func(project, hook string)
}

// New returns a Builder. Call Close when done with it.
func New(opts Options) (*Builder, error) {
	if opts.Interpreter == nil {
		return nil, errors.New("build: Options.Interpreter is required")
	}
	if opts.Installer == nil && !opts.NoIsolation {
		return nil, errors.New("build: Options.Installer is required for isolated builds")
	}
	if opts.Environ == nil {
		opts.Environ = os.Environ()
	}
	b := &Builder{opts: opts, projects: map[string]*project{}}
	b.cache = newWheelCache(opts.CacheDir, opts.Interpreter)
	return b, nil
}

// Close removes the Builder's temporary directories: unpacked sources,
// build environments and wheels not yet moved out. Results already
// returned stay. Call it once every call to the Builder has returned.
func (b *Builder) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	b.projects = map[string]*project{}
	if b.tmp == "" {
		return nil
	}
	err := os.RemoveAll(b.tmp)
	b.tmp = ""
	return err
}

// project is one source being built: an sdist (by content) or a directory
// (by path).
type project struct {
	mu      sync.Mutex
	b       *Builder
	src     string // absolute path of the archive or directory
	archive bool
	sha256  string          // an archive's content hash
	sdist   *tags.SdistName // an archive's parsed file name, when it parses
	label   string          // how messages name it

	work     string // the project's temporary directory
	dir      string // the source tree
	bs       *BuildSystem
	hooks    *hookCaller
	env      *buildEnv
	backend  bool            // build-system.requires installed
	requires map[string]bool // "wheel", "editable": get_requires done
	features []string        // _supported_features, once asked

	metadataDir string // prepare_metadata_for_build_wheel's .dist-info
	metadata    *coremeta.Metadata
	builtWheel  string // a wheel built for metadata, not yet handed out
}

// source resolves src and returns its project, made on first use.
func (b *Builder) source(src string) (*project, error) {
	abs, err := filepath.Abs(src)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	p := &project{b: b, src: abs, requires: map[string]bool{}}
	key := "dir:" + abs
	if st.IsDir() {
		p.label = abs
	} else {
		if archiveKind(abs) == "" {
			return nil, &ArchiveError{Archive: abs, Reason: "not a source archive (.tar.gz, .tgz, .tar.bz2, .tbz, .tar or .zip)"}
		}
		p.archive = true
		if p.sha256, _, err = fileSHA256(abs); err != nil {
			return nil, err
		}
		key = "sdist:" + p.sha256
		p.label = filepath.Base(abs)
		if n, err := tags.ParseSdistFilename(filepath.Base(abs)); err == nil {
			p.sdist = &n
			p.label = n.Name
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, errors.New("build: Builder is closed")
	}
	if old := b.projects[key]; old != nil {
		return old, nil
	}
	b.projects[key] = p
	return p, nil
}

// tempDir returns the Builder's temporary directory, with the hook runner
// written into a directory of its own (it becomes sys.path[0]).
func (b *Builder) tempDir() (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tmp != "" {
		return b.tmp, nil
	}
	tmp, err := os.MkdirTemp(b.opts.TempDir, "gopip-build-")
	if err != nil {
		return "", err
	}
	runnerDir := filepath.Join(tmp, "runner")
	if err := os.Mkdir(runnerDir, 0o755); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	runner := filepath.Join(runnerDir, "gopip_hook_runner.py")
	if err := os.WriteFile(runner, hookRunner, 0o644); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	b.tmp, b.runner = tmp, runner
	return tmp, nil
}

func (b *Builder) report(e Event) {
	if b.opts.Reporter != nil {
		b.opts.Reporter.Report(e)
	}
}

// Wheel builds a wheel from src, an sdist archive (.tar.gz, .zip, …) or
// a project directory, and puts it into outDir, the way pip 23.2 builds a
// requirement: isolated build environment, build-system.requires, then
// get_requires_for_build_wheel, then build_wheel (see the package
// documentation).
//
// For an archive, the cache is looked up first, by the archive's sha256:
// a hit is linked or copied into outDir with Result.Cached set, and
// nothing is unpacked or run. A wheel built from an archive is stored in
// the cache. The wheel's name and version must match the sdist's file name.
// The archive must already be verified (hashes, TUF); it is unpacked
// safely before any code runs (see ArchiveError).
func (b *Builder) Wheel(ctx context.Context, src, outDir string) (*Result, error) {
	p, err := b.source(src)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var keyDir string
	if p.archive && b.cache != nil {
		keyDir = b.cache.keyDir(p.sha256, b.opts.Interpreter, !b.opts.NoIsolation, b.opts.ConfigSettings)
	}
	wheel := p.builtWheel // built (and cached) by Metadata
	if wheel == "" && keyDir != "" {
		if hit := b.cache.lookup(keyDir); hit != "" {
			res, err := b.readResult(p, hit)
			if err != nil {
				return nil, err
			}
			if res.Path, err = placeFile(hit, outDir); err != nil {
				return nil, fmt.Errorf("copying cached wheel %s: %w", hit, err)
			}
			res.Cached = true
			b.report(Event{Kind: EventCacheHit, Project: p.label, Path: hit, Message: "Using cached " + filepath.Base(hit)})
			return res, nil
		}
	}
	if wheel == "" {
		if err := p.prepare(ctx, "wheel"); err != nil {
			return nil, err
		}
		if wheel, err = p.buildWheel(ctx, "build_wheel", p.metadataDir); err != nil {
			return nil, err
		}
		if keyDir != "" {
			if err := p.storeInCache(keyDir, wheel); err != nil {
				return nil, err
			}
		}
	}
	res, err := b.deliver(p, wheel, outDir)
	if err != nil {
		return nil, err
	}
	p.builtWheel = ""
	return res, nil
}

// Metadata returns the core metadata of src (an sdist archive or a project
// directory) for the resolver, building as little as possible:
//
//  1. An sdist whose PKG-INFO is Metadata-Version 2.2 or later and does not
//     mark Requires-Dist, Requires-Python or Provides-Extra as Dynamic
//     (PEP 643), and whose Name and Version match the file name, is
//     answered from PKG-INFO: nothing is unpacked, installed or run.
//  2. A wheel of the sdist in the cache answers with its METADATA.
//  3. Otherwise the build environment is prepared as for Wheel and the
//     backend's prepare_metadata_for_build_wheel is called; a backend
//     without that hook builds the wheel, which a later Wheel call then
//     uses (and which is cached).
func (b *Builder) Metadata(ctx context.Context, src string) (*coremeta.Metadata, error) {
	p, err := b.source(src)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.metadata != nil {
		return p.metadata, nil
	}
	if p.archive {
		md, err := b.staticMetadata(p)
		if err != nil {
			return nil, err
		}
		if md != nil {
			b.report(Event{Kind: EventStaticMetadata, Project: p.label, Path: p.src,
				Message: "Using the static metadata (PEP 643) of " + filepath.Base(p.src)})
			p.metadata = md
			return md, nil
		}
		if b.cache != nil {
			keyDir := b.cache.keyDir(p.sha256, b.opts.Interpreter, !b.opts.NoIsolation, b.opts.ConfigSettings)
			if hit := b.cache.lookup(keyDir); hit != "" {
				res, err := b.readResult(p, hit)
				if err != nil {
					return nil, err
				}
				b.report(Event{Kind: EventCacheHit, Project: p.label, Path: hit, Message: "Using cached " + filepath.Base(hit)})
				p.metadata = res.Metadata
				return res.Metadata, nil
			}
		}
	}
	if err := p.prepare(ctx, "wheel"); err != nil {
		return nil, err
	}
	b.report(Event{Kind: EventPreparingMetadata, Project: p.label, Message: "Preparing metadata (pyproject.toml)"})
	mdRoot := filepath.Join(p.work, "metadata")
	if err := os.MkdirAll(mdRoot, 0o755); err != nil {
		return nil, err
	}
	var distInfo string
	err = p.hooks.call(ctx, "prepare_metadata_for_build_wheel", map[string]any{
		"metadata_directory": mdRoot, "config_settings": p.hooks.config}, &distInfo)
	if errors.Is(err, ErrHookMissing) {
		// No such hook: build the wheel and read it (pyproject_hooks'
		// fallback); Wheel will hand out this wheel.
		wheel, err := p.buildWheel(ctx, "build_wheel", "")
		if err != nil {
			return nil, err
		}
		res, err := b.readResult(p, wheel)
		if err != nil {
			return nil, err
		}
		if p.archive && b.cache != nil {
			keyDir := b.cache.keyDir(p.sha256, b.opts.Interpreter, !b.opts.NoIsolation, b.opts.ConfigSettings)
			if err := p.storeInCache(keyDir, wheel); err != nil {
				return nil, err
			}
		}
		p.builtWheel = wheel
		p.metadata = res.Metadata
		return res.Metadata, nil
	}
	if err != nil {
		return nil, err
	}
	md, err := readDistInfo(mdRoot, distInfo)
	if err != nil {
		return nil, &HookError{Project: p.label, Hook: "prepare_metadata_for_build_wheel", Backend: p.bs.Backend, Reason: err.Error()}
	}
	if err := p.checkNameVersion(md.Name(), md.Version()); err != nil {
		return nil, err
	}
	p.metadataDir = filepath.Join(mdRoot, distInfo)
	p.metadata = md
	return md, nil
}

// Editable builds an editable wheel (PEP 660 build_editable) of the
// project directory dir into outDir. The build environment gets
// build-system.requires and get_requires_for_build_editable;
// prepare_metadata_for_build_editable is called when the backend has it.
// A backend without build_editable is an error wrapping ErrHookMissing
// (gopip has no "setup.py develop" fallback). Editable wheels are not
// cached.
func (b *Builder) Editable(ctx context.Context, dir, outDir string) (*Result, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a directory: only a project directory can be installed in editable mode", dir)
	}
	p, err := b.source(dir)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.prepare(ctx, "editable"); err != nil {
		return nil, err
	}
	mdRoot, err := os.MkdirTemp(p.work, "editable-metadata-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(mdRoot)
	var mdDir string
	if slices.Contains(p.features, "prepare_metadata_for_build_editable") {
		b.report(Event{Kind: EventPreparingMetadata, Project: p.label, Message: "Preparing editable metadata (pyproject.toml)"})
		var distInfo string
		err := p.hooks.call(ctx, "prepare_metadata_for_build_editable", map[string]any{
			"metadata_directory": mdRoot, "config_settings": p.hooks.config}, &distInfo)
		if err != nil {
			return nil, err
		}
		if _, err := readDistInfo(mdRoot, distInfo); err != nil {
			return nil, &HookError{Project: p.label, Hook: "prepare_metadata_for_build_editable", Backend: p.bs.Backend, Reason: err.Error()}
		}
		mdDir = filepath.Join(mdRoot, distInfo)
	}
	wheel, err := p.buildWheel(ctx, "build_editable", mdDir)
	if err != nil {
		return nil, err
	}
	return b.deliver(p, wheel, outDir)
}

// storeInCache copies a wheel built from an sdist into the cache.
func (p *project) storeInCache(keyDir, wheel string) error {
	cached, err := p.b.cache.store(keyDir, wheel)
	if err != nil {
		return fmt.Errorf("storing %s in the wheel cache: %w", filepath.Base(wheel), err)
	}
	p.b.report(Event{Kind: EventStored, Project: p.label, Path: cached, Message: "Stored in directory: " + filepath.Dir(cached)})
	return nil
}

// staticMetadata returns the sdist's PKG-INFO when PEP 643 makes it
// authoritative for resolution, or nil.
func (b *Builder) staticMetadata(p *project) (*coremeta.Metadata, error) {
	data, err := readArchiveFile(p.src, b.opts.Limits, "PKG-INFO", 16<<20)
	if err != nil {
		return nil, err
	}
	if data == nil {
		return nil, nil
	}
	md, err := coremeta.Parse(data)
	if err != nil {
		return nil, nil // a broken PKG-INFO: let the backend answer
	}
	if !metadataVersionAtLeast(md.Get("Metadata-Version"), 2, 2) {
		return nil, nil
	}
	for _, d := range md.GetAll("Dynamic") {
		switch strings.ToLower(strings.TrimSpace(d)) {
		case "requires-dist", "requires-python", "provides-extra":
			return nil, nil
		}
	}
	if md.Name() == "" || md.Version() == "" {
		return nil, nil
	}
	if p.sdist != nil && p.checkNameVersion(md.Name(), md.Version()) != nil {
		return nil, nil
	}
	return md, nil
}

func metadataVersionAtLeast(v string, major, minor int) bool {
	a, b, ok := strings.Cut(strings.TrimSpace(v), ".")
	if !ok {
		return false
	}
	ma, err1 := strconv.Atoi(a)
	mi, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || ma == major && mi >= minor
}

// checkNameVersion compares a name and version the backend produced with
// the sdist's file name, as pip does after building (a mismatch means the
// file is not what the index said it is).
func (p *project) checkNameVersion(name, version string) error {
	if p.sdist == nil {
		return nil
	}
	if pep508.NormalizeName(name) != pep508.NormalizeName(p.sdist.Name) {
		return fmt.Errorf("%s: the built distribution is named %q, not %q as the file name says", filepath.Base(p.src), name, p.sdist.Name)
	}
	v1, err1 := pep440.Parse(version)
	v2, err2 := pep440.Parse(p.sdist.Version)
	if err1 == nil && err2 == nil {
		if pep440.Compare(v1, v2) != 0 {
			return fmt.Errorf("%s: the built distribution has version %s, not %s as the file name says", filepath.Base(p.src), version, p.sdist.Version)
		}
	} else if version != p.sdist.Version {
		return fmt.Errorf("%s: the built distribution has version %s, not %s as the file name says", filepath.Base(p.src), version, p.sdist.Version)
	}
	return nil
}

// prepare makes the project ready for the hooks of kind ("wheel" or
// "editable"): source tree, build system, hook caller, and (isolated) the
// build environment with build-system.requires, then the backend's
// get_requires_for_build_<kind>.
func (p *project) prepare(ctx context.Context, kind string) error {
	b := p.b
	if p.hooks == nil {
		tmp, err := b.tempDir()
		if err != nil {
			return err
		}
		work, err := os.MkdirTemp(tmp, "project-")
		if err != nil {
			return err
		}
		ok := false
		defer func() {
			if !ok {
				os.RemoveAll(work)
			}
		}()
		dir := p.src
		if p.archive {
			dir = filepath.Join(work, "src")
			if err := os.Mkdir(dir, 0o755); err != nil {
				return err
			}
			if err := unpack(p.src, dir, b.opts.Limits); err != nil {
				return err
			}
		}
		bs, err := LoadBuildSystem(dir, p.label)
		if err != nil {
			return err
		}
		if !p.archive && bs.Name != "" {
			p.label = bs.Name
		}
		environ := b.opts.Environ
		var env *buildEnv
		if !b.opts.NoIsolation {
			if env, err = newBuildEnv(b.opts.Interpreter, filepath.Join(work, "env")); err != nil {
				return err
			}
			environ = env.environ(environ)
		}
		control := filepath.Join(work, "control")
		if err := os.Mkdir(control, 0o755); err != nil {
			return err
		}
		h := &hookCaller{
			python:      b.opts.Interpreter.Executable,
			runner:      b.runner,
			srcDir:      dir,
			project:     p.label,
			backend:     bs.Backend,
			backendPath: bs.BackendPath,
			environ:     environ,
			config:      configJSON(b.opts.ConfigSettings),
			controlRoot: control,
			verbose:     b.opts.Verbose,
			stream:      b.opts.Output,
			streamMu:    &b.streamMu,
		}
		if b.testCalls != nil {
			label := p.label
			h.calls = func(hook string) { b.testCalls(label, hook) }
		}
		p.work, p.dir, p.bs, p.env, p.hooks = work, dir, bs, env, h
		ok = true
	}

	if p.env != nil && !p.backend {
		if len(p.bs.Requires) > 0 {
			b.report(Event{Kind: EventInstallingBuildDeps, Project: p.label, Requirements: p.bs.Requires, Message: "Installing build dependencies"})
			if err := b.opts.Installer.Install(ctx, p.env.overlay.path, p.bs.Requires); err != nil {
				return fmt.Errorf("installing build dependencies for %s: %w", p.label, err)
			}
		}
		conflicts, missing, err := checkRequirements(p.env.libDirs, b.opts.Interpreter.MarkerEnvironment, p.bs.Check)
		if err != nil {
			return err
		}
		if len(conflicts) > 0 {
			return conflictError(p.label, "PEP 517/518 supported requirements", conflicts)
		}
		if len(missing) > 0 {
			b.report(Event{Kind: EventWarning, Project: p.label, Message: "Missing build requirements in pyproject.toml for " + p.label + "."})
			b.report(Event{Kind: EventWarning, Project: p.label, Message: "The project does not specify a build backend, and gopip cannot fall back to setuptools without " + quoteJoin(missing) + "."})
		}
		p.backend = true
	}

	if kind == "editable" && p.features == nil {
		var features []string
		if err := p.hooks.call(ctx, "_supported_features", nil, &features); err != nil {
			return err
		}
		p.features = append([]string{}, features...)
		if !slices.Contains(p.features, "build_editable") {
			msg := fmt.Sprintf("project %s has a build backend (%s) without the 'build_editable' hook, so it cannot be installed in editable mode", p.label, p.bs.Backend)
			if !isFile(filepath.Join(p.dir, "setup.py")) && !isFile(filepath.Join(p.dir, "setup.cfg")) {
				msg = fmt.Sprintf("Project %s has a 'pyproject.toml' and its build backend is missing the 'build_editable' hook. Since it does not have a 'setup.py' nor a 'setup.cfg', it cannot be installed in editable mode. Consider using a build backend that supports PEP 660.", p.label)
			} else {
				msg += " (gopip does not run 'setup.py develop'); consider a backend that supports PEP 660, such as setuptools 64 or later"
			}
			return &HookError{Project: p.label, Hook: "build_editable", Backend: p.bs.Backend, Reason: msg, Err: ErrHookMissing}
		}
	}

	if p.env != nil && !p.requires[kind] {
		hook := "get_requires_for_build_" + kind
		msg := "Getting requirements to build " + kind
		b.report(Event{Kind: EventGettingRequires, Project: p.label, Message: msg})
		var reqs []string
		err := p.hooks.call(ctx, hook, map[string]any{"config_settings": p.hooks.config}, &reqs)
		if err != nil && !errors.Is(err, ErrHookMissing) {
			return err
		}
		for _, r := range reqs {
			if _, err := pep508.ParseRequirement(r); err != nil {
				return &HookError{Project: p.label, Hook: hook, Backend: p.bs.Backend, Reason: fmt.Sprintf("invalid requirement %q: %v", r, err)}
			}
		}
		conflicts, missing, err := checkRequirements(p.env.libDirs, b.opts.Interpreter.MarkerEnvironment, reqs)
		if err != nil {
			return err
		}
		if len(conflicts) > 0 {
			return conflictError(p.label, "the backend dependencies", conflicts)
		}
		if len(missing) > 0 {
			b.report(Event{Kind: EventInstallingBackendDeps, Project: p.label, Requirements: missing, Message: "Installing backend dependencies"})
			if err := b.opts.Installer.Install(ctx, p.env.normal.path, missing); err != nil {
				return fmt.Errorf("installing backend dependencies for %s: %w", p.label, err)
			}
		}
		p.requires[kind] = true
	}
	return nil
}

// buildWheel runs build_wheel or build_editable into a fresh directory and
// returns the wheel's path, checked.
func (p *project) buildWheel(ctx context.Context, hook, metadataDir string) (string, error) {
	b := p.b
	kind := "wheel"
	if hook == "build_editable" {
		kind = "editable"
	}
	b.report(Event{Kind: EventBuilding, Project: p.label, Message: fmt.Sprintf("Building %s for %s (pyproject.toml)", kind, p.label)})
	outDir, err := os.MkdirTemp(p.work, kind+"-")
	if err != nil {
		return "", err
	}
	kwargs := map[string]any{"wheel_directory": outDir, "config_settings": p.hooks.config}
	if metadataDir != "" {
		kwargs["metadata_directory"] = metadataDir
	} else {
		kwargs["metadata_directory"] = nil
	}
	var name string
	if err := p.hooks.call(ctx, hook, kwargs, &name); err != nil {
		return "", err
	}
	bad := func(reason string) error {
		return &HookError{Project: p.label, Hook: hook, Backend: p.bs.Backend, Reason: reason}
	}
	if name == "" || name != filepath.Base(name) || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return "", bad(fmt.Sprintf("returned %q, not the name of a wheel file", name))
	}
	wheel := filepath.Join(outDir, name)
	st, err := os.Lstat(wheel)
	if err != nil || !st.Mode().IsRegular() {
		return "", bad(fmt.Sprintf("returned %q, but %s has no such file", name, outDir))
	}
	wn, err := tags.ParseWheelFilename(name)
	if err != nil {
		return "", bad(fmt.Sprintf("returned %q, which is not a valid wheel file name: %v", name, err))
	}
	if err := p.checkNameVersion(wn.Name, wn.Version); err != nil {
		return "", err
	}
	sum, size, err := fileSHA256(wheel)
	if err != nil {
		return "", err
	}
	b.report(Event{Kind: EventBuilt, Project: p.label, Path: wheel,
		Message: fmt.Sprintf("Created %s for %s: filename=%s size=%d sha256=%s", kind, p.label, name, size, sum)})
	return wheel, nil
}

// readResult reads a wheel's METADATA and checks it against its file name.
func (b *Builder) readResult(p *project, wheel string) (*Result, error) {
	md, err := wheelMetadata(wheel)
	if err != nil {
		return nil, err
	}
	if err := p.checkNameVersion(md.Name(), md.Version()); err != nil {
		return nil, err
	}
	return &Result{Path: wheel, Name: md.Name(), Version: md.Version(), Metadata: md}, nil
}

// deliver is readResult for a wheel the backend built, which it then
// moves into outDir.
func (b *Builder) deliver(p *project, wheel, outDir string) (*Result, error) {
	res, err := b.readResult(p, wheel)
	if err != nil {
		return nil, err
	}
	if res.Path, err = placeFile(wheel, outDir); err != nil {
		return nil, fmt.Errorf("moving %s to %s: %w", filepath.Base(wheel), outDir, err)
	}
	os.Remove(wheel)
	return res, nil
}

// wheelMetadata reads the METADATA of a wheel's .dist-info directory.
func wheelMetadata(wheel string) (*coremeta.Metadata, error) {
	wn, err := tags.ParseWheelFilename(filepath.Base(wheel))
	if err != nil {
		return nil, err
	}
	zr, err := zip.OpenReader(wheel)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", wheel, err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		dir, file, ok := strings.Cut(f.Name, "/")
		if !ok || file != "METADATA" || !strings.HasSuffix(dir, ".dist-info") || !wn.OwnsDistInfo(dir) {
			continue
		}
		if f.UncompressedSize64 > 16<<20 {
			return nil, fmt.Errorf("%s: METADATA is too large", wheel)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(rc, 16<<20))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", wheel, err)
		}
		md, err := coremeta.Parse(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", wheel, err)
		}
		return md, nil
	}
	return nil, fmt.Errorf("%s has no %s/METADATA", wheel, wn.DistInfoDir())
}

// readDistInfo reads name/METADATA under root, where name is what a
// prepare_metadata hook returned.
func readDistInfo(root, name string) (*coremeta.Metadata, error) {
	if name == "" || name != filepath.Base(name) || name == "." || name == ".." || !strings.HasSuffix(name, ".dist-info") {
		return nil, fmt.Errorf("returned %q, not the name of a .dist-info directory", name)
	}
	data, err := os.ReadFile(filepath.Join(root, name, "METADATA"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("returned %q, which holds no METADATA", name)
		}
		return nil, err
	}
	return coremeta.Parse(data)
}

// configJSON is pip's config_settings value: a key given once maps to its
// value, a key given several times to the list of values.
func configJSON(cs map[string][]string) any {
	if cs == nil {
		return nil
	}
	out := make(map[string]any, len(cs))
	for k, vs := range cs {
		if len(vs) == 1 {
			out[k] = vs[0]
		} else {
			out[k] = append([]string{}, vs...)
		}
	}
	return out
}

func quoteJoin(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = pystr.Repr(s)
	}
	return strings.Join(q, " and ")
}
