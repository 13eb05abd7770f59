package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gopip/gopip/installer"
	"github.com/gopip/gopip/resolver/pep508"
	"github.com/gopip/gopip/resolver/tags"
	"github.com/gopip/gopip/scripts"
	"github.com/gopip/gopip/trust"
)

// installOptions are pip install's options.
type installOptions struct {
	installTargetOptions
	progressOptions

	upgrade          bool
	forceReinstall   bool
	noDeps           bool
	dryRun           bool
	compile          bool
	noCompile        bool
	noWarnScriptLoc  bool
	noWarnConflicts  bool
	rootUserAction   string
	requirements     []string
	constraints      []string
	editables        []string
	indexURL         string
	extraIndexURLs   []string
	noIndex          bool
	findLinks        []string
	pre              bool
	ignoreInstalled  bool
	upgradeStrategy  string
	onlyBinary       []string
	noBinary         []string
	preferBinary     bool
	requireHashes    bool
	report           string
	ignoreReqPython  bool
	noBuildIsolation bool
}

func newInstallCmd(g *globalOptions) *cobra.Command {
	opts := &installOptions{}
	c := &cobra.Command{
		Use:   "install [options] <wheel file or URL> ...",
		Short: "Install packages",
		Long: `Install packages from wheel files and URLs.

gopip installs each wheel the way pip does (the binary distribution format
specification), all at once: a failure or an interrupt leaves the
environment exactly as it was.`,
		RunE: func(c *cobra.Command, args []string) error {
			if opts.target != "" && opts.user {
				return usageErrorf(c, "Can not combine '--user' and '--target'")
			}
			switch opts.rootUserAction {
			case "warn", "ignore":
			default:
				return usageErrorf(c, "option --root-user-action: invalid choice: '%s' (choose from 'warn', 'ignore')", opts.rootUserAction)
			}
			switch opts.upgradeStrategy {
			case "only-if-needed", "eager":
			default:
				return usageErrorf(c, "option --upgrade-strategy: invalid choice: '%s' (choose from 'only-if-needed', 'eager')", opts.upgradeStrategy)
			}
			if len(args) == 0 && len(opts.requirements) == 0 && len(opts.editables) == 0 {
				return usageErrorf(c, "You must give at least one requirement to install (see \"gopip help install\")")
			}
			if err := opts.checkUnsupported(c); err != nil {
				return err
			}
			return runInstall(c.Context(), g, opts, args)
		},
	}
	f := c.Flags()
	f.SortFlags = false
	f.StringArrayVarP(&opts.requirements, "requirement", "r", nil, "Install from the given requirements file. This option can be used multiple times.")
	f.StringArrayVarP(&opts.constraints, "constraint", "c", nil, "Constrain versions using the given constraints file. This option can be used multiple times.")
	f.BoolVar(&opts.noDeps, "no-deps", false, "Don't install package dependencies.")
	f.BoolVar(&opts.pre, "pre", false, "Include pre-release and development versions. By default, gopip only finds stable versions.")
	f.StringArrayVarP(&opts.editables, "editable", "e", nil, "Install a project in editable mode (i.e. setuptools \"develop mode\") from a local project path or a VCS url.")
	f.BoolVar(&opts.dryRun, "dry-run", false, "Don't actually install anything, just print what would be.")
	opts.addInstallFlags(f)
	f.BoolVarP(&opts.upgrade, "upgrade", "U", false, "Upgrade all specified packages to the newest available version.")
	f.StringVar(&opts.upgradeStrategy, "upgrade-strategy", "only-if-needed", "Determines how dependency upgrading should be handled [eager, only-if-needed].")
	f.BoolVar(&opts.forceReinstall, "force-reinstall", false, "Reinstall all packages even if they are already up-to-date.")
	f.BoolVarP(&opts.ignoreInstalled, "ignore-installed", "I", false, "Ignore the installed packages, overwriting them.")
	f.BoolVar(&opts.ignoreReqPython, "ignore-requires-python", false, "Ignore the Requires-Python information.")
	f.BoolVar(&opts.noBuildIsolation, "no-build-isolation", false, "Disable isolation when building a modern source distribution.")
	f.BoolVar(&opts.compile, "compile", false, "Compile Python source files to bytecode (the default).")
	f.BoolVar(&opts.noCompile, "no-compile", false, "Do not compile Python source files to bytecode.")
	f.BoolVar(&opts.noWarnScriptLoc, "no-warn-script-location", false, "Do not warn when installing scripts outside PATH.")
	f.BoolVar(&opts.noWarnConflicts, "no-warn-conflicts", false, "Do not warn about broken dependencies.")
	f.StringArrayVar(&opts.noBinary, "no-binary", nil, "Do not use binary packages (:all:, :none: or package names).")
	f.StringArrayVar(&opts.onlyBinary, "only-binary", nil, "Do not use source packages (:all:, :none: or package names).")
	f.BoolVar(&opts.preferBinary, "prefer-binary", false, "Prefer binary packages over source packages, even if the source packages are newer.")
	f.BoolVar(&opts.requireHashes, "require-hashes", false, "Require a hash to check each requirement against.")
	opts.progressOptions.addFlags(f)
	f.StringVar(&opts.rootUserAction, "root-user-action", "ignore", "Action if gopip is run as a root user [warn, ignore]. gopip does not warn by default: containers run as root.")
	f.StringVar(&opts.report, "report", "", "Generate a JSON file describing what gopip did to install the provided requirements.")
	f.StringVarP(&opts.indexURL, "index-url", "i", "https://pypi.org/simple", "Base URL of the Python Package Index.")
	f.StringArrayVar(&opts.extraIndexURLs, "extra-index-url", nil, "Extra URLs of package indexes to use in addition to --index-url.")
	f.BoolVar(&opts.noIndex, "no-index", false, "Ignore package index (only looking at --find-links URLs instead).")
	f.StringArrayVarP(&opts.findLinks, "find-links", "f", nil, "Look for archives in the directory listing at this URL or path.")
	return c
}

// checkUnsupported refuses the options whose work belongs to parts of
// gopip that do not exist yet, rather than ignoring them.
func (o *installOptions) checkUnsupported(c *cobra.Command) error {
	for _, name := range []string{"requirement", "constraint", "editable", "report", "require-hashes"} {
		if c.Flags().Changed(name) {
			return fmt.Errorf("--%s is not supported yet: this gopip installs wheel files and wheel URLs given on the command line", name)
		}
	}
	return nil
}

// wheelArg is one command-line argument naming a wheel.
type wheelArg struct {
	arg   string // as given
	name  string // the requirement's name for "name @ url", else ""
	url   string // http(s) URL, or "" for a local file
	local string // local path (absolute), or "" for a remote URL
	file  string // the wheel's file name
}

// parseWheelArg classifies an install argument the way pip's
// install_req_from_line does for the forms gopip supports: a path to a
// .whl file, a file:// or http(s):// URL of one, or "name @ URL".
func parseWheelArg(arg string) (wheelArg, error) {
	w := wheelArg{arg: arg}
	target := arg
	if strings.Contains(arg, "@") {
		if req, err := pep508.ParseRequirement(arg); err == nil && req.URL != "" {
			w.name = req.Name
			target = req.URL
		}
	}
	if u, err := url.Parse(target); err == nil && (u.Scheme == "http" || u.Scheme == "https" || u.Scheme == "file") {
		w.file = path.Base(u.Path)
		if u.Scheme == "file" {
			w.local = filepath.FromSlash(u.Path)
		} else {
			w.url = target
		}
	} else {
		abs, err := filepath.Abs(target)
		if err != nil {
			return w, err
		}
		w.local = abs
		w.file = filepath.Base(abs)
	}
	if !strings.HasSuffix(strings.ToLower(w.file), ".whl") {
		if w.local != "" {
			if st, err := os.Stat(w.local); err == nil && st.IsDir() {
				return w, fmt.Errorf("cannot install %s: installing a project directory needs a source build, which gopip does not support yet", arg)
			}
			if _, err := os.Stat(w.local); errors.Is(err, os.ErrNotExist) && !strings.ContainsAny(arg, "/\\") {
				return w, fmt.Errorf("cannot install %q: gopip does not resolve requirements from an index yet\nPass wheel files or wheel URLs", arg)
			}
		}
		return w, fmt.Errorf("cannot install %s: only wheels (.whl) are supported; source distributions are not yet", arg)
	}
	wn, err := tags.ParseWheelFilename(w.file)
	if err != nil {
		return w, err
	}
	if w.name != "" && pep508.NormalizeName(w.name) != wn.NormalizedName() {
		return w, fmt.Errorf("Requested %s has inconsistent name: expected '%s', but the wheel is named '%s'", arg, w.name, wn.Name)
	}
	if w.local != "" {
		if _, err := os.Stat(w.local); err != nil {
			return w, fmt.Errorf("Could not install requirement %s because of error: %w\nHint: It looks like a path. File '%s' does not exist.", arg, err, w.local)
		}
	}
	return w, nil
}

func runInstall(ctx context.Context, g *globalOptions, opts *installOptions, args []string) error {
	var wheelArgs []wheelArg
	for _, a := range args {
		w, err := parseWheelArg(a)
		if err != nil {
			return err
		}
		wheelArgs = append(wheelArgs, w)
	}
	in, err := g.interpreter(ctx)
	if err != nil {
		return err
	}
	env, err := installer.NewEnvironment(in, installer.SchemeOptions{
		User:    opts.user,
		Target:  opts.target,
		Prefix:  opts.prefix,
		Root:    opts.root,
		Upgrade: opts.upgrade,
	})
	if err != nil {
		return err
	}
	intoCurrent := !(opts.dryRun && opts.report != "") && opts.root == "" && opts.target == "" && opts.prefix == ""
	if intoCurrent && !opts.breakSystemPackages {
		if err := env.CheckExternallyManaged(); err != nil {
			return err
		}
	}
	if env.DefaultedToUser {
		g.info("Defaulting to user installation because normal site-packages is not writeable")
	}

	wheels, cleanup, err := g.fetchWheels(ctx, opts, wheelArgs)
	defer cleanup()
	if err != nil {
		return err
	}
	if opts.dryRun {
		var names []string
		for _, w := range wheels {
			wn, _ := tags.ParseWheelFilename(filepath.Base(w.Path))
			names = append(names, wn.Name+"-"+wn.Version)
		}
		sort.Strings(names)
		g.info("Would install " + strings.Join(names, " "))
		return nil
	}

	res, err := installer.Install(ctx, env, wheels, installer.InstallOptions{
		Compile:        !opts.noCompile,
		ForceReinstall: opts.forceReinstall,
		Reporter:       g.installReporter(),
		Ensurepip:      scripts.EnsurepipModeFromEnv(g.lookupEnv("ENSUREPIP_OPTIONS")),
	})
	if err != nil {
		return err
	}
	// pip does not warn for --target and --prefix installs.
	if !opts.noWarnScriptLoc && opts.target == "" && opts.prefix == "" {
		if msg := installer.ScriptsNotOnPATHWarning(res.ConsoleScripts, g.getenv("PATH"), in.Executable); msg != "" {
			g.warn(msg)
		}
	}
	if len(res.Installed) > 0 {
		var items []string
		for _, d := range res.Installed {
			items = append(items, d.Name+"-"+d.Version)
		}
		sort.Strings(items)
		g.info("Successfully installed " + strings.Join(items, " "))
	}
	return nil
}

// fetchWheels turns the arguments into local files, downloading URLs
// concurrently into a temporary directory (verified against the hash in
// the URL fragment when there is one). cleanup removes the downloads.
func (g *globalOptions) fetchWheels(ctx context.Context, opts *installOptions, args []wheelArg) ([]installer.Wheel, func(), error) {
	cleanup := func() {}
	wheels := make([]installer.Wheel, len(args))
	var reqs []trust.Request
	var reqIdx []int
	var tmp string
	for i, a := range args {
		if a.local != "" {
			g.info("Processing " + displayPath(a.local, g.cwd()))
			wheels[i] = installer.Wheel{Path: a.local, URL: a.local, Requested: true, ReqName: a.name}
			continue
		}
		if tmp == "" {
			var err error
			if tmp, err = os.MkdirTemp("", "gopip-download-"); err != nil {
				return nil, cleanup, err
			}
			cleanup = func() { os.RemoveAll(tmp) }
		}
		g.info("Collecting " + a.arg)
		hashes, err := fragmentHashes(a.url)
		if err != nil {
			return nil, cleanup, err
		}
		reqs = append(reqs, trust.Request{
			URL:    a.url,
			Dest:   filepath.Join(tmp, fmt.Sprint(i), a.file),
			Hashes: hashes,
			Name:   a.file,
		})
		reqIdx = append(reqIdx, i)
		wheels[i] = installer.Wheel{URL: a.url, Requested: true, ReqName: a.name}
	}
	if len(reqs) == 0 {
		return wheels, cleanup, nil
	}
	client, err := g.httpClient()
	if err != nil {
		return nil, cleanup, err
	}
	bars, err := g.renderer(opts.progressOptions)
	if err != nil {
		return nil, cleanup, err
	}
	defer bars.Close()
	d := trust.NewDownloader(client, trust.DownloaderOptions{Progress: bars})
	results, err := d.Fetch(ctx, reqs)
	if err != nil {
		return nil, cleanup, err
	}
	for j, r := range results {
		wheels[reqIdx[j]].Path = r.Path
	}
	return wheels, cleanup, nil
}

// fragmentHashes reads pip's "#sha256=<hex>" URL fragment.
func fragmentHashes(u string) (map[string]string, error) {
	parsed, err := url.Parse(u)
	if err != nil || parsed.Fragment == "" {
		return nil, nil
	}
	hashes := map[string]string{}
	for _, part := range strings.Split(parsed.Fragment, "&") {
		algo, digest, ok := strings.Cut(part, "=")
		if !ok || !trust.SupportedHash(algo) {
			continue
		}
		hashes[algo] = strings.ToLower(digest)
	}
	return hashes, nil
}

// installReporter prints the installer's events as pip prints them.
func (g *globalOptions) installReporter() installer.Reporter {
	return installer.ReporterFunc(func(e installer.Event) {
		switch e.Kind {
		case installer.EventWarning:
			g.warn(e.Message)
		case installer.EventWaitingForLock:
			g.info("Waiting for another gopip process to finish with " + e.Path)
		case installer.EventRecovered:
			g.warn("Recovered an interrupted gopip run (" + e.Path + ")")
		case installer.EventAlreadyInstalled:
			if e.Wheel != nil && e.Wheel.URL != "" {
				g.info(e.Name + " is already installed with the same version as the provided wheel. Use --force-reinstall to force an installation of the wheel.")
			} else {
				g.info(fmt.Sprintf("Requirement already satisfied: %s in %s (%s)", e.Name, e.Location, e.Version))
			}
		case installer.EventInstalling:
			g.info("Installing collected packages: " + strings.Join(e.Names, ", "))
		case installer.EventAttemptingUninstall:
			g.info("  Attempting uninstall: " + e.Name)
		case installer.EventFoundExisting:
			g.info("    Found existing installation: " + e.Name + " " + e.Version)
		case installer.EventUninstalling:
			g.info("    Uninstalling " + e.Name + "-" + e.Version + ":")
		case installer.EventUninstalled:
			g.info("      Successfully uninstalled " + e.Name + "-" + e.Version)
		case installer.EventNotUninstalling:
			g.info("    " + e.Message)
		}
	})
}

// displayPath is pip's display_path: a path under the working directory
// is shown relative to it, as "./...".
func displayPath(p, cwd string) string {
	if cwd != "" && strings.HasPrefix(p, cwd+string(filepath.Separator)) {
		return "." + p[len(cwd):]
	}
	return p
}

func (g *globalOptions) cwd() string {
	wd, _ := os.Getwd()
	return wd
}

// info prints a line of normal output (pip's logger.info): on stdout,
// unless -q.
func (g *globalOptions) info(msg string) {
	if g.quiet > 0 {
		return
	}
	io.WriteString(g.stdout, msg+"\n")
}

// warn prints pip's "WARNING: " lines on stderr, unless -qq.
func (g *globalOptions) warn(msg string) {
	if g.quiet > 1 {
		return
	}
	io.WriteString(g.stderr, "WARNING: "+msg+"\n")
}
