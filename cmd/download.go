package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gopip/gopip/resolver"
	"github.com/gopip/gopip/resolver/index"
	"github.com/gopip/gopip/resolver/pep440"
	"github.com/gopip/gopip/resolver/tags"
)

// downloadOptions are pip download's options.
type downloadOptions struct {
	progressOptions
	indexOptions
	buildOptions

	dest            string
	requirements    []string
	constraints     []string
	noDeps          bool
	ignoreReqPython bool
	requireHashes   bool
	report          string
	platforms       []string
	pythonVersion   string
	implementation  string
	abis            []string
}

func newDownloadCmd(g *globalOptions) *cobra.Command {
	opts := &downloadOptions{}
	c := &cobra.Command{
		Use:   "download [options] <requirement specifier | wheel file or URL> ... | -r <requirements file> ...",
		Short: "Download packages",
		Long: `Download packages from package indexes, requirements files and URLs, verified
through TUF for every index that has a root, concurrently.

With --platform, --python-version, --implementation or --abi the files are
chosen for that target instead of the target interpreter; like pip, this
needs --only-binary=:all: or --no-deps.`,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 0 && len(opts.requirements) == 0 {
				return usageErrorf(c, "You must give at least one requirement to download (see \"gopip help download\")")
			}
			if opts.targetOverridden() && !opts.noDeps && !opts.onlyBinaryAll() {
				return usageErrorf(c, "When restricting platform and interpreter constraints using --python-version, --platform, --abi, or --implementation, either --no-deps must be set, or --only-binary=:all: must be set and --no-binary must not be set (or must be set to :none:).")
			}
			return runDownload(c.Context(), g, opts, args)
		},
	}
	f := c.Flags()
	f.SortFlags = false
	f.StringArrayVarP(&opts.constraints, "constraint", "c", nil, "Constrain versions using the given constraints file. This option can be used multiple times.")
	f.StringArrayVarP(&opts.requirements, "requirement", "r", nil, "Install from the given requirements file. This option can be used multiple times.")
	f.BoolVar(&opts.noDeps, "no-deps", false, "Don't install package dependencies.")
	opts.addSelectionFlags(f)
	f.StringVarP(&opts.dest, "dest", "d", ".", "Download packages into <dir>.")
	f.StringArrayVar(&opts.platforms, "platform", nil, "Only use wheels compatible with <platform>. Defaults to the platform of the target interpreter.")
	f.StringVar(&opts.pythonVersion, "python-version", "", "The Python interpreter version to use for wheel and \"Requires-Python\" compatibility checks, e.g. \"3\", \"3.11\" or \"311\".")
	f.StringVar(&opts.implementation, "implementation", "", "Only use wheels compatible with Python implementation <implementation>, e.g. 'pp', 'jy', 'cp', or 'ip'.")
	f.StringArrayVar(&opts.abis, "abi", nil, "Only use wheels compatible with Python abi <abi>, e.g. 'pypy_41'.")
	f.BoolVar(&opts.ignoreReqPython, "ignore-requires-python", false, "Ignore the Requires-Python information.")
	f.BoolVar(&opts.requireHashes, "require-hashes", false, "Require a hash to check each requirement against, for repeatable installs.")
	opts.progressOptions.addFlags(f)
	opts.buildOptions.addFlags(f)
	f.StringVar(&opts.report, "report", "", "Generate a JSON file describing what gopip did to download the provided requirements; - writes it to stdout.")
	opts.addIndexFlags(f)
	return c
}

func (o *downloadOptions) targetOverridden() bool {
	return len(o.platforms) > 0 || o.pythonVersion != "" || o.implementation != "" || len(o.abis) > 0
}

func (o *downloadOptions) onlyBinaryAll() bool {
	s := o.settings(nil)
	for _, n := range s.Format.OnlyBinary {
		if n == ":all:" {
			return len(s.Format.NoBinary) == 0
		}
	}
	return false
}

func runDownload(ctx context.Context, g *globalOptions, opts *downloadOptions, args []string) error {
	in, err := g.interpreter(ctx)
	if err != nil {
		return err
	}
	settings := opts.settings(g.trustedHosts)
	settings.RequireHashes = opts.requireHashes
	rs, err := g.collectRequirements(ctx, requirementSources{args: args, files: opts.requirements, constraints: opts.constraints}, settings)
	if err != nil {
		return err
	}
	target, python, err := resolverTarget(in)
	if err != nil {
		return err
	}
	if opts.targetOverridden() {
		o := tags.Override{Implementation: opts.implementation, ABIs: opts.abis, Platforms: opts.platforms}
		if opts.pythonVersion != "" {
			if o.PythonVersion, err = tags.ParsePythonVersion(opts.pythonVersion); err != nil {
				return err
			}
			v := make([]string, len(o.PythonVersion))
			for i, n := range o.PythonVersion {
				v[i] = fmt.Sprint(n)
			}
			if python, err = pep440.Parse(strings.Join(v, ".")); err != nil {
				return err
			}
			target.Python = python
		}
		target.Tags = tags.NewSet(tags.SupportedFor(in.Tags, o))
	}
	dest, err := filepath.Abs(g.expandUser(opts.dest))
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "gopip-download-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bars, err := g.renderer(opts.progressOptions)
	if err != nil {
		return err
	}
	defer bars.Close()
	sess, err := g.newSession(ctx, rs.settings, opts.requireVerified, bars, tmp)
	if err != nil {
		return err
	}
	defer sess.close()
	target = targetFor(target, rs.settings)
	if err := sess.enableBuilds(in, target, python, rs, opts.buildOptions); err != nil {
		return err
	}
	g.announceRoots(rs)
	if err := rs.nameProjects(ctx, sess); err != nil {
		return err
	}
	plan, err := resolver.Resolve(ctx, rs.roots, sess.provider(target, opts.ignoreReqPython), resolver.Options{
		Environment:          in.MarkerEnvironment,
		Python:               python,
		IgnoreRequiresPython: opts.ignoreReqPython,
		Constraints:          rs.constraints,
		Pre:                  rs.settings.Pre,
		NoDeps:               opts.noDeps,
		IgnoreInstalled:      true,
		PreferBinary:         rs.settings.PreferBinary,
	})
	if err != nil {
		return err
	}
	pkgs := plan.ToInstall()
	files := make([]index.File, len(pkgs))
	for i, p := range pkgs {
		if files[i], err = indexFile(p.Artifact); err != nil {
			return err
		}
	}
	paths, err := sess.fetchAll(ctx, files)
	if err != nil {
		return err
	}
	local := map[string]string{}
	for i, p := range pkgs {
		local[p.Key] = paths[i]
	}
	if rs.hashMode {
		if err := rs.checkHashes(pkgs, local); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return err
	}
	var names []string
	for i, p := range pkgs {
		to := filepath.Join(dest, files[i].Filename)
		same, err := sameFile(paths[i], to)
		if err != nil {
			return err
		}
		if same {
			g.info("File was already downloaded " + displayPath(to, g.cwd()))
		} else {
			if err := placeFile(paths[i], to); err != nil {
				return err
			}
			g.info("Saved " + displayPath(to, g.cwd()))
		}
		local[p.Key] = to
		names = append(names, p.Name)
	}
	if opts.report != "" {
		if err := g.writeReport(opts.report, installReport(pkgs, in.MarkerEnvironment, local)); err != nil {
			return err
		}
	}
	if len(names) > 0 {
		g.info("Successfully downloaded " + strings.Join(names, " "))
	}
	return nil
}

// sameFile reports whether to already holds the bytes of from.
func sameFile(from, to string) (bool, error) {
	a, err := fileDigest(from, "sha256")
	if err != nil {
		return false, err
	}
	b, err := fileDigest(to, "sha256")
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return a == b, nil
}

// placeFile puts a copy of from at to, atomically (temporary file, then
// rename), never moving a local file the user named.
func placeFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	tmp, err := os.CreateTemp(filepath.Dir(to), ".gopip-"+filepath.Base(to)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, src); err != nil {
		tmp.Close()
		return fmt.Errorf("saving %s: %w", to, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), to)
}
