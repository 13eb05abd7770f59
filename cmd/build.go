package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/gopip/gopip/installer"
	"github.com/gopip/gopip/installer/build"
	"github.com/gopip/gopip/installer/installed"
	"github.com/gopip/gopip/internal/coremeta"
	"github.com/gopip/gopip/internal/pyurl"
	"github.com/gopip/gopip/resolver"
	"github.com/gopip/gopip/resolver/index"
	"github.com/gopip/gopip/resolver/pep440"
	"github.com/gopip/gopip/resolver/pep508"
	"github.com/gopip/gopip/resolver/tags"
	"github.com/spf13/pflag"
)

// buildOptions are pip's options for building source distributions.
type buildOptions struct {
	noBuildIsolation bool
	configSettings   []string
}

func (o *buildOptions) addFlags(f *pflag.FlagSet) {
	f.BoolVar(&o.noBuildIsolation, "no-build-isolation", false, "Disable isolation when building a modern source distribution. Build dependencies specified by PEP 518 must be already installed if this option is used.")
	f.StringArrayVarP(&o.configSettings, "config-settings", "C", nil, "Configuration settings to be passed to the PEP 517 build backend. Settings take the form KEY=VALUE. Use multiple --config-settings options to pass multiple keys to the backend.")
}

// builds is what a session needs to turn source distributions and local
// projects into wheels: the target interpreter, the resolver's settings
// for build requirements (same indexes, trust and constraints as the
// install), and one Builder.
type builds struct {
	in          *installer.Interpreter
	target      resolver.Target
	python      pep440.Version
	constraints []resolver.Root
	pre         bool
	opts        build.Options

	once    sync.Once
	builder *build.Builder
	err     error
}

// buildDepth counts nested builds (an sdist among the build requirements
// of another) in a context, so that a cycle ends with an error.
type buildDepthKey struct{}

const maxBuildDepth = 8

// enableBuilds lets the session build source distributions for the
// interpreter in, with the command's build options. Without it, a source
// distribution is a release the resolver cannot use.
func (s *session) enableBuilds(in *installer.Interpreter, target resolver.Target, python pep440.Version, rs *requirementSet, o buildOptions) error {
	settings, err := parseConfigSettings(o.configSettings)
	if err != nil {
		return err
	}
	cache := s.g.cacheHome()
	if cache != "" {
		cache = filepath.Join(cache, "wheels")
	}
	var output io.Writer
	if s.g.verbose > 0 {
		output = s.g.stderr
	}
	s.builds = &builds{
		in:          in,
		target:      target,
		python:      python,
		constraints: rs.constraints,
		pre:         rs.settings.Pre,
		opts: build.Options{
			Interpreter:    in,
			NoIsolation:    o.noBuildIsolation,
			ConfigSettings: settings,
			CacheDir:       cache,
			Verbose:        s.g.verbose > 0,
			Output:         output,
			Environ:        s.g.environ,
			Reporter:       s.buildReporter(),
		},
	}
	s.builds.opts.Installer = build.EnvInstallerFunc(s.installBuildRequirements)
	return nil
}

// buildReporter prints the builds' progress as pip does, each line once
// (preparing metadata and then the wheel can both find the cached wheel).
func (s *session) buildReporter() build.Reporter {
	var mu sync.Mutex
	seen := map[string]bool{}
	return build.ReporterFunc(func(e build.Event) {
		if e.Message == "" {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		key := e.Project + "\x00" + e.Message
		if seen[key] {
			return
		}
		seen[key] = true
		s.g.info("  " + e.Message)
	})
}

// parseConfigSettings reads -C/--config-settings KEY=VALUE options.
func parseConfigSettings(values []string) (map[string][]string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	out := map[string][]string{}
	for _, v := range values {
		k, val, ok := strings.Cut(v, "=")
		if !ok {
			return nil, fmt.Errorf("Arguments to --config-settings must be of the form KEY=VAL (got %q)", v)
		}
		out[k] = append(out[k], val)
	}
	return out, nil
}

// builder returns the session's Builder, made on first use.
func (s *session) builder() (*build.Builder, error) {
	if s.builds == nil {
		return nil, errors.New("gopip cannot build source distributions in this command")
	}
	b := s.builds
	b.once.Do(func() { b.builder, b.err = build.New(b.opts) })
	return b.builder, b.err
}

// close releases the session's build directories.
func (s *session) close() {
	if s.builds != nil && s.builds.builder != nil {
		s.builds.builder.Close()
	}
}

// sdistMetadata reads the metadata of a source distribution or project
// directory: PEP 643 static metadata when it can, else the backend's.
func (s *session) sdistMetadata(ctx context.Context, path string) (*coremeta.Metadata, error) {
	b, err := s.builder()
	if err != nil {
		return nil, err
	}
	return b.Metadata(ctx, path)
}

// wheelFor returns a wheel for a planned package whose local file is
// path: the file itself for a wheel, else a wheel built from the sdist
// or project directory into dir.
func (s *session) wheelFor(ctx context.Context, p resolver.PlannedPackage, path, dir string) (string, error) {
	if p.Artifact.IsWheel {
		return path, nil
	}
	b, err := s.builder()
	if err != nil {
		return "", err
	}
	res, err := b.Wheel(ctx, path, dir)
	if err != nil {
		return "", err
	}
	return res.Path, nil
}

// installBuildRequirements is the build environments' installer: the
// requirements are resolved against the same indexes, trust and
// constraints as the install, ignoring what the target has, downloaded
// verified, built if they are source distributions themselves, and
// installed into prefix.
func (s *session) installBuildRequirements(ctx context.Context, prefix string, reqs []string) error {
	depth, _ := ctx.Value(buildDepthKey{}).(int)
	if depth >= maxBuildDepth {
		return fmt.Errorf("build requirements nested more than %d deep (a cycle?): %s", maxBuildDepth, strings.Join(reqs, ", "))
	}
	ctx = context.WithValue(ctx, buildDepthKey{}, depth+1)
	b := s.builds
	var roots []resolver.Root
	for _, r := range reqs {
		req, err := pep508.ParseRequirement(r)
		if err != nil {
			return fmt.Errorf("build requirement %q: %w", r, err)
		}
		roots = append(roots, resolver.Root{Requirement: req, Text: r, Origin: "build requirements"})
	}
	plan, err := resolver.Resolve(ctx, roots, s.provider(b.target, false), resolver.Options{
		Environment:     b.in.MarkerEnvironment,
		Python:          b.python,
		Constraints:     b.constraints,
		Pre:             b.pre,
		IgnoreInstalled: true,
	})
	if err != nil {
		return err
	}
	pkgs := plan.ToInstall()
	dir, err := os.MkdirTemp(s.dir, "build-deps-")
	if err != nil {
		return err
	}
	wheels, err := s.wheels(ctx, pkgs, dir, nil)
	if err != nil {
		return err
	}
	env, err := installer.NewEnvironment(b.in, installer.SchemeOptions{Prefix: prefix, NoUser: true})
	if err != nil {
		return err
	}
	// ForceReinstall: for a prefix the installer also looks at sys.path
	// and would keep the target's own copy of a build requirement.
	_, err = installer.Install(ctx, env, wheels, installer.InstallOptions{ForceReinstall: true, Cache: s.cache})
	return err
}

// wheels downloads (verified) what pkgs need and returns the wheels to
// install, building the source distributions and local projects into
// dir, and the projects of editable (by normalised name) as editable
// wheels (PEP 660).
func (s *session) wheels(ctx context.Context, pkgs []resolver.PlannedPackage, dir string, editable map[string]string) ([]installer.Wheel, error) {
	files := make([]index.File, len(pkgs))
	for i, p := range pkgs {
		f, err := indexFile(p.Artifact)
		if err != nil {
			return nil, err
		}
		files[i] = f
	}
	paths, err := s.fetchAll(ctx, files)
	if err != nil {
		return nil, err
	}
	wheels := make([]installer.Wheel, len(pkgs))
	for i, p := range pkgs {
		if wheels[i], err = s.wheel(ctx, p, paths[i], dir, editable[p.Key]); err != nil {
			return nil, err
		}
	}
	return wheels, nil
}

// wheel turns one planned package, whose downloaded file (or local
// project) is path, into the wheel to install, with the direct_url.json
// pip records for it: the wheel's own URL and hash for a wheel named by
// URL or path, the source archive's for a wheel built from one, dir_info
// for a project directory, editable for editableDir.
func (s *session) wheel(ctx context.Context, p resolver.PlannedPackage, path, dir, editableDir string) (installer.Wheel, error) {
	w := installer.Wheel{Requested: p.Requested, ReqName: p.Name}
	switch {
	case editableDir != "":
		b, err := s.builder()
		if err != nil {
			return w, err
		}
		res, err := b.Editable(ctx, editableDir, dir)
		if err != nil {
			return w, err
		}
		w.Path = res.Path
		w.DirectURL = &installed.DirectURL{URL: pyurl.FileURL(editableDir), Dir: &installed.DirInfo{Editable: true}}
		return w, nil
	case p.Artifact.IsWheel:
		w.Path = path
		w.SHA256 = s.digest(path)
		if p.Direct {
			w.URL = p.Artifact.URL
		}
		return w, nil
	}
	built, err := s.wheelFor(ctx, p, path, dir)
	if err != nil {
		return w, err
	}
	w.Path = built
	if p.Direct {
		if d, ok := localDir(p.Artifact.URL); ok {
			w.DirectURL = &installed.DirectURL{URL: pyurl.FileURL(d), Dir: &installed.DirInfo{}}
		} else {
			sum, err := fileDigest(path, "sha256")
			if err != nil {
				return w, err
			}
			base, _, _ := strings.Cut(p.Artifact.URL, "#")
			w.DirectURL = &installed.DirectURL{URL: base, Archive: &installed.ArchiveInfo{Hash: "sha256=" + sum, Hashes: map[string]string{"sha256": sum}}}
		}
	}
	return w, nil
}

// localProject is the index file of a project directory named on the
// command line: its file: URL, classified as a source tree.
func localProject(name, dir string, version pep440.Version) index.File {
	return index.File{
		URL:      "file://" + filepath.ToSlash(dir),
		Filename: filepath.Base(dir),
		Kind:     index.Sdist,
		Sdist:    &tags.SdistName{Name: name, Version: version.String()},
		Version:  version,
	}
}

// projectProvider is the index provider plus local project directories:
// a direct reference to a directory is a candidate whose metadata comes
// from the project's build backend.
type projectProvider struct {
	resolver.Provider
	s *session
}

func (p projectProvider) Direct(ctx context.Context, name, url string) (resolver.Candidate, error) {
	dir, ok := localDir(url)
	if !ok {
		return p.Provider.Direct(ctx, name, url)
	}
	md, err := p.s.sdistMetadata(ctx, dir)
	if err != nil {
		return resolver.Candidate{}, err
	}
	v, err := pep440.Parse(md.Version())
	if err != nil {
		return resolver.Candidate{}, fmt.Errorf("%s: version %q: %w", dir, md.Version(), err)
	}
	f := localProject(name, dir, v)
	return resolver.Candidate{
		Name:    name,
		Version: v,
		Direct:  true,
		Artifact: resolver.Artifact{
			URL:      f.URL,
			Filename: f.Filename,
			Version:  v,
			Source:   f,
		},
	}, nil
}

func (p projectProvider) Metadata(ctx context.Context, c resolver.Candidate) (*resolver.Metadata, error) {
	if dir, ok := localDir(c.Artifact.URL); ok {
		md, err := p.s.sdistMetadata(ctx, dir)
		if err != nil {
			return nil, err
		}
		return resolver.MetadataFromCore(md)
	}
	return p.Provider.Metadata(ctx, c)
}

// localDir returns the directory a file: URL names, if it is one.
func localDir(url string) (string, bool) {
	if !strings.HasPrefix(url, "file:") {
		return "", false
	}
	p := fileURLPath(url)
	st, err := os.Stat(p)
	if err != nil || !st.IsDir() {
		return "", false
	}
	return p, true
}
