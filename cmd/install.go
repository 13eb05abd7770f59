package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gopip/gopip/installer"
	"github.com/gopip/gopip/installer/installed"
	"github.com/gopip/gopip/resolver"
	"github.com/gopip/gopip/resolver/index"
	"github.com/gopip/gopip/resolver/pep440"
	"github.com/gopip/gopip/resolver/pep508"
	"github.com/gopip/gopip/resolver/reqfile"
	"github.com/gopip/gopip/resolver/tags"
	"github.com/gopip/gopip/scripts"
)

// installOptions are pip install's options.
type installOptions struct {
	installTargetOptions
	progressOptions
	indexOptions
	buildOptions

	upgrade         bool
	forceReinstall  bool
	noDeps          bool
	dryRun          bool
	compile         bool
	noCompile       bool
	noWarnScriptLoc bool
	noWarnConflicts bool
	rootUserAction  string
	requirements    []string
	constraints     []string
	editables       []string
	ignoreInstalled bool
	upgradeStrategy string
	requireHashes   bool
	report          string
	ignoreReqPython bool
	linkMode        string
}

func newInstallCmd(g *globalOptions) *cobra.Command {
	opts := &installOptions{}
	c := &cobra.Command{
		Use:   "install [options] <requirement specifier | wheel file or URL> ... | -r <requirements file> ...",
		Short: "Install packages",
		Long: `Install packages from package indexes, requirements files, wheel files and URLs.

gopip resolves the requirements from the indexes' metadata alone, downloads
what it installs concurrently, verified through TUF for every index that has
a root (see 'gopip trust'), and installs each wheel the way pip does, all at
once: a failure or an interrupt leaves the environment exactly as it was.`,
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
			if _, err := installer.ParseLinkMode(opts.linkMode); err != nil {
				return usageErrorf(c, "option --link-mode: invalid choice: '%s' (choose from 'auto', 'reflink', 'hardlink', 'copy')", opts.linkMode)
			}
			if len(args) == 0 && len(opts.requirements) == 0 && len(opts.editables) == 0 {
				return usageErrorf(c, "You must give at least one requirement to install (see \"gopip help install\")")
			}
			return runInstall(c.Context(), g, opts, args)
		},
	}
	f := c.Flags()
	f.SortFlags = false
	f.StringArrayVarP(&opts.requirements, "requirement", "r", nil, "Install from the given requirements file. This option can be used multiple times.")
	f.StringArrayVarP(&opts.constraints, "constraint", "c", nil, "Constrain versions using the given constraints file. This option can be used multiple times.")
	f.BoolVar(&opts.noDeps, "no-deps", false, "Don't install package dependencies.")
	f.StringArrayVarP(&opts.editables, "editable", "e", nil, "Install a local project in editable mode (PEP 660) from its directory.")
	f.BoolVar(&opts.dryRun, "dry-run", false, "Don't actually install anything, just print what would be.")
	opts.addInstallFlags(f)
	f.BoolVarP(&opts.upgrade, "upgrade", "U", false, "Upgrade all specified packages to the newest available version.")
	f.StringVar(&opts.upgradeStrategy, "upgrade-strategy", "only-if-needed", "Determines how dependency upgrading should be handled [eager, only-if-needed].")
	f.BoolVar(&opts.forceReinstall, "force-reinstall", false, "Reinstall all packages even if they are already up-to-date.")
	f.BoolVarP(&opts.ignoreInstalled, "ignore-installed", "I", false, "Ignore the installed packages, overwriting them.")
	f.BoolVar(&opts.ignoreReqPython, "ignore-requires-python", false, "Ignore the Requires-Python information.")
	opts.buildOptions.addFlags(f)
	f.BoolVar(&opts.compile, "compile", false, "Compile Python source files to bytecode (the default).")
	f.BoolVar(&opts.noCompile, "no-compile", false, "Do not compile Python source files to bytecode.")
	f.BoolVar(&opts.noWarnScriptLoc, "no-warn-script-location", false, "Do not warn when installing scripts outside PATH.")
	f.BoolVar(&opts.noWarnConflicts, "no-warn-conflicts", false, "Do not warn about broken dependencies.")
	opts.addSelectionFlags(f)
	f.BoolVar(&opts.requireHashes, "require-hashes", false, "Require a hash to check each requirement against, for repeatable installs. This option is implied when any package in a requirements file has a --hash option.")
	opts.progressOptions.addFlags(f)
	f.StringVar(&opts.rootUserAction, "root-user-action", "ignore", "Action if gopip is run as a root user [warn, ignore]. gopip does not warn by default: containers run as root.")
	f.StringVar(&opts.linkMode, "link-mode", "auto", "How files come from gopip's cache of unpacked wheels into the environment [auto, reflink, hardlink, copy]. auto clones files where the file system can (reflink), else hard-links them when the cache and the environment share a file system, else copies them. A hard-linked file is shared with the cache and with every environment installed from it: an edit in place shows in all of them (gopip checks every file it takes from the cache, and never installs a changed one). gopip's own files (launchers, rewritten scripts, RECORD, byte-code) are never linked.")
	f.StringVar(&opts.report, "report", "", "Generate a JSON file describing what gopip did to install the provided requirements. Can be used in combination with --dry-run and --ignore-installed to 'resolve' the requirements. When - is used as file name it writes to stdout.")
	opts.addIndexFlags(f)
	return c
}

func runInstall(ctx context.Context, g *globalOptions, opts *installOptions, args []string) error {
	in, err := g.interpreter(ctx)
	if err != nil {
		return err
	}
	g.phase("interpreter inspected")
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

	settings := opts.settings(g.trustedHosts)
	settings.RequireHashes = opts.requireHashes
	rs, err := g.collectRequirements(ctx, requirementSources{
		args:        args,
		files:       opts.requirements,
		constraints: opts.constraints,
		editables:   opts.editables,
	}, settings)
	if err != nil {
		return err
	}
	if len(rs.roots) == 0 {
		return errors.New("You must give at least one requirement to install (see \"gopip help install\")")
	}

	tmp, err := os.MkdirTemp("", "gopip-install-")
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
	g.phase("requirements read, session open")

	inst, locations, err := installedSet(env.SiteDirs())
	if err != nil {
		return err
	}
	target, python, err := resolverTarget(in)
	if err != nil {
		return err
	}
	target = targetFor(target, rs.settings)
	if err := sess.enableBuilds(in, target, python, rs, opts.buildOptions); err != nil {
		return err
	}
	g.announceRoots(rs)
	if err := rs.nameProjects(ctx, sess); err != nil {
		return err
	}
	strategy := resolver.UpgradeOnlyIfNeeded
	if opts.upgradeStrategy == "eager" {
		strategy = resolver.UpgradeEager
	}
	plan, err := resolver.Resolve(ctx, rs.roots, sess.provider(target, opts.ignoreReqPython), resolver.Options{
		Environment:          in.MarkerEnvironment,
		Python:               python,
		IgnoreRequiresPython: opts.ignoreReqPython,
		Constraints:          rs.constraints,
		Pre:                  rs.settings.Pre,
		NoDeps:               opts.noDeps,
		Upgrade:              opts.upgrade,
		UpgradeStrategy:      strategy,
		ForceReinstall:       opts.forceReinstall,
		IgnoreInstalled:      opts.ignoreInstalled || opts.target != "",
		Installed:            inst,
		PreferBinary:         rs.settings.PreferBinary,
	})
	if err != nil {
		return err
	}
	g.phase("resolved")
	directWheel := map[string]bool{}
	for _, r := range rs.roots {
		if u := r.Requirement.URL; u != "" && strings.HasSuffix(strings.ToLower(strings.SplitN(u, "#", 2)[0]), ".whl") {
			directWheel[pep508.NormalizeName(r.Requirement.Name)] = true
		}
	}
	for _, p := range plan.Packages {
		switch {
		case p.Action != resolver.ActionKeep:
		case directWheel[p.Key]:
			g.info(p.Name + " is already installed with the same version as the provided wheel. Use --force-reinstall to force an installation of the wheel.")
		default:
			g.info(fmt.Sprintf("Requirement already satisfied: %s in %s (%s)", p.Name, locations[p.Key], p.Version))
		}
	}
	toInstall := plan.ToInstall()

	local := map[string]string{}
	if !opts.dryRun || rs.hashMode {
		files := make([]index.File, len(toInstall))
		for i, p := range toInstall {
			if files[i], err = indexFile(p.Artifact); err != nil {
				return err
			}
		}
		paths, err := sess.fetchAll(ctx, files)
		if err != nil {
			return err
		}
		g.phase("downloaded and verified")
		for i, p := range toInstall {
			local[p.Key] = paths[i]
		}
		if rs.hashMode {
			if err := rs.checkHashes(toInstall, local); err != nil {
				return err
			}
		}
	}
	if opts.report != "" {
		if err := g.writeReport(opts.report, installReport(toInstall, in.MarkerEnvironment, local)); err != nil {
			return err
		}
	}
	if opts.dryRun {
		if len(toInstall) > 0 {
			var names []string
			for _, p := range toInstall {
				names = append(names, p.Name+"-"+p.Version.String())
			}
			sort.Strings(names)
			g.info("Would install " + strings.Join(names, " "))
		}
		return nil
	}
	if len(toInstall) == 0 {
		return nil
	}

	editable := rs.editableDirs()
	wheels := make([]installer.Wheel, len(toInstall))
	for i, p := range toInstall {
		if wheels[i], err = sess.wheel(ctx, p, local[p.Key], tmp, editable[p.Key]); err != nil {
			return err
		}
	}
	g.phase("wheels ready")
	linkMode, _ := installer.ParseLinkMode(opts.linkMode)
	res, err := installer.Install(ctx, env, wheels, installer.InstallOptions{
		Cache:          sess.cache,
		LinkMode:       linkMode,
		Compile:        !opts.noCompile,
		ForceReinstall: opts.forceReinstall,
		Reporter:       g.installReporter(),
		Ensurepip:      scripts.EnsurepipModeFromEnv(g.lookupEnv("ENSUREPIP_OPTIONS")),
		Phase:          func(what string) { g.phase("  " + what) },
	})
	if err != nil {
		return err
	}
	g.phase("installed")
	// pip does not warn for --target and --prefix installs.
	if !opts.noWarnScriptLoc && opts.target == "" && opts.prefix == "" {
		if msg := installer.ScriptsNotOnPATHWarning(res.ConsoleScripts, g.getenv("PATH"), in.Executable); msg != "" {
			g.warn(msg)
		}
	}
	if len(res.Installed) > 0 {
		var items, names []string
		for _, d := range res.Installed {
			items = append(items, d.Name+"-"+d.Version)
			names = append(names, d.Name)
		}
		sort.Strings(items)
		g.info("Successfully installed " + strings.Join(items, " "))
		if !opts.noWarnConflicts && opts.target == "" {
			lines, err := dependencyConflicts(env.SiteDirs(), names, in.MarkerEnvironment)
			if err != nil {
				return err
			}
			if lines != nil {
				g.errorLine(strings.Join(lines, "\n"))
			}
			g.phase("dependencies checked")
		}
	}
	g.warnRoot(opts.rootUserAction, in)
	return nil
}

// warnRoot is pip's --root-user-action=warn: a warning when gopip runs as
// root outside a virtual environment. gopip's default is "ignore":
// containers run as root.
func (g *globalOptions) warnRoot(action string, in *installer.Interpreter) {
	if action != "warn" || os.Geteuid() != 0 || in.InVirtualenv {
		return
	}
	g.warn("Running gopip as the 'root' user can result in broken permissions and conflicting behaviour with the system package manager. It is recommended to use a virtual environment instead: https://pip.pypa.io/warnings/venv")
}

// announceRoots prints pip's first line for each requirement: "Processing"
// for a local file or directory, "Collecting" for the rest.
func (g *globalOptions) announceRoots(rs *requirementSet) {
	unnamed := map[int]*reqfile.Entry{}
	for _, u := range rs.unnamed {
		unnamed[u.index] = u.entry
	}
	for i, r := range rs.roots {
		link := ""
		switch {
		case unnamed[i] != nil:
			link = unnamed[i].Link
		case r.Requirement != nil:
			link = r.Requirement.URL
		}
		if strings.HasPrefix(link, "file:") {
			g.info("Processing " + displayPath(fileURLPath(link), g.cwd()))
		} else {
			g.info("Collecting " + r.Text)
		}
	}
}

// installedSet reads the distributions installed in dirs for the
// resolver, and where each is.
func installedSet(dirs []string) ([]resolver.Installed, map[string]string, error) {
	dists, err := installed.Scan(dirs)
	var w *installed.Warnings
	if err != nil && !errors.As(err, &w) {
		return nil, nil, err
	}
	var out []resolver.Installed
	locations := map[string]string{}
	for _, d := range dists {
		v, err := pep440.Parse(d.Version)
		if err != nil {
			continue // pip's resolver cannot keep a non-PEP 440 version either
		}
		inst := resolver.Installed{Name: d.Name, Version: v}
		if d.Metadata != nil {
			if m, err := resolver.MetadataFromCore(d.Metadata); err == nil {
				inst.Metadata = m
			}
		}
		out = append(out, inst)
		locations[pep508.NormalizeName(d.Name)] = d.Location
	}
	return out, locations, nil
}

// resolverTarget describes the interpreter for choosing files.
func resolverTarget(in *installer.Interpreter) (resolver.Target, pep440.Version, error) {
	python, err := pep440.Parse(in.Version)
	if err != nil {
		return resolver.Target{}, pep440.Version{}, fmt.Errorf("the interpreter's version %q: %w", in.Version, err)
	}
	return resolver.Target{Tags: tags.NewSet(tags.Supported(in.Tags)), Python: python}, python, nil
}

// writeReport writes pip's installation report to file, or to stdout for
// "-".
func (g *globalOptions) writeReport(file string, report jsonObject) error {
	if file == "-" {
		return writePyJSON(g.stdout, report)
	}
	f, err := os.Create(file)
	if err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	if err := writePyJSON(f, report); err != nil {
		f.Close()
		return fmt.Errorf("writing the report: %w", err)
	}
	return f.Close()
}

// fileURLPath is the local path of a file: URL.
func fileURLPath(u string) string {
	if p, err := installed.FileURLToPath(u); err == nil {
		return p
	}
	return u
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

// note prints an informational line on stderr (not part of the output
// scripts read), unless -q.
func (g *globalOptions) note(msg string) {
	if g.quiet > 0 {
		return
	}
	io.WriteString(g.stderr, "Note: "+msg+"\n")
}

// warn prints pip's "WARNING: " lines on stderr, unless -qq.
func (g *globalOptions) warn(msg string) {
	if g.quiet > 1 {
		return
	}
	// pip's log formatter gives deprecations no "WARNING: " prefix.
	if !strings.HasPrefix(msg, "DEPRECATION: ") {
		msg = "WARNING: " + msg
	}
	io.WriteString(g.stderr, msg+"\n")
}
