package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gopip/gopip/installer"
	"github.com/gopip/gopip/installer/installed"
	"github.com/gopip/gopip/internal/pypath"
	"github.com/gopip/gopip/internal/pystr"
	"github.com/gopip/gopip/resolver/pep440"
	"github.com/gopip/gopip/resolver/pep508"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// listOptions are pip list's options.
type listOptions struct {
	outdated        bool
	uptodate        bool
	editable        bool
	local           bool
	user            bool
	paths           []string
	pre             bool
	format          string
	notRequired     bool
	includeEditable bool
	excludes        []string

	// indexOptions are the indexes --outdated and --uptodate look at.
	indexOptions
}

func newListCmd(g *globalOptions) *cobra.Command {
	opts := &listOptions{includeEditable: true}
	c := &cobra.Command{
		Use:   "list [options]",
		Short: "List installed packages",
		Long: `List installed packages, including editables.

Packages are listed in a case-insensitive sorted order.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			switch opts.format {
			case "columns", "freeze", "json":
			default:
				return usageErrorf(c, "option --format: invalid choice: '%s' (choose from 'columns', 'freeze', 'json')", opts.format)
			}
			return runList(c.Context(), g, opts)
		},
	}
	f := c.Flags()
	f.SortFlags = false
	f.BoolVarP(&opts.outdated, "outdated", "o", false, "List outdated packages")
	f.BoolVarP(&opts.uptodate, "uptodate", "u", false, "List uptodate packages")
	f.BoolVarP(&opts.editable, "editable", "e", false, "List editable projects.")
	f.BoolVarP(&opts.local, "local", "l", false, "If in a virtualenv that has global access, do not list globally-installed packages.")
	f.BoolVar(&opts.user, "user", false, "Only output packages installed in user-site.")
	f.StringArrayVar(&opts.paths, "path", nil, "Restrict to the specified installation path for listing packages (can be used multiple times).")
	f.BoolVar(&opts.pre, "pre", false, "Include pre-release and development versions. By default, pip only finds stable versions.")
	f.StringVar(&opts.format, "format", "columns", "Select the output format among: columns (default), freeze, or json. The 'freeze' format cannot be used with the --outdated option.")
	f.BoolVar(&opts.notRequired, "not-required", false, "List packages that are not dependencies of installed packages.")
	addEditableSwitch(f, &opts.includeEditable)
	f.StringArrayVar(&opts.excludes, "exclude", nil, "Exclude specified package from the output")
	opts.addIndexFlags(f)
	return c
}

// editableSwitch backs pip's pair --exclude-editable/--include-editable,
// which share one destination (include_editable): on the command line the
// last one given wins. From PIP_* variables and config files pip stores
// the boolean itself in that destination, whichever of the two names it
// came under, so PIP_EXCLUDE_EDITABLE=1 includes editables; gopip keeps
// that quirk. The command line sets the flag with the token
// editableFromCommandLine, configuration with "true" or "false".
type editableSwitch struct {
	dest    *editableDest
	exclude bool // this flag is --exclude-editable
}

// editableDest is the destination both flags share.
type editableDest struct {
	include *bool
	fromCLI bool // set on the command line: configuration cannot override it
}

const editableFromCommandLine = "\x00cli"

func (s *editableSwitch) String() string   { return "false" }
func (s *editableSwitch) Type() string     { return "bool" }
func (s *editableSwitch) IsBoolFlag() bool { return true }

func (s *editableSwitch) Set(v string) error {
	if v == editableFromCommandLine {
		*s.dest.include = !s.exclude
		s.dest.fromCLI = true
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return err
	}
	if !s.dest.fromCLI {
		*s.dest.include = b
	}
	return nil
}

func addEditableSwitch(f *pflag.FlagSet, include *bool) {
	dest := &editableDest{include: include}
	ex := f.VarPF(&editableSwitch{dest: dest, exclude: true}, "exclude-editable", "", "Exclude editable package from output.")
	ex.NoOptDefVal = editableFromCommandLine
	in := f.VarPF(&editableSwitch{dest: dest}, "include-editable", "", "Include editable package from output.")
	in.NoOptDefVal = editableFromCommandLine
}

func runList(ctx context.Context, g *globalOptions, opts *listOptions) error {
	if opts.outdated && opts.uptodate {
		return errors.New("Options --outdated and --uptodate cannot be combined.")
	}
	if opts.outdated && opts.format == "freeze" {
		return errors.New("List format 'freeze' cannot be used with the --outdated option.")
	}
	if len(opts.paths) > 0 && (opts.user || opts.local) {
		return errors.New("Cannot combine '--path' with '--user' or '--local'")
	}
	env, err := newDistEnv(ctx, g, opts.paths)
	if err != nil {
		return err
	}
	skip := map[string]bool{"python": true, "wsgiref": true, "argparse": true}
	for _, n := range opts.excludes {
		skip[pep508.NormalizeName(n)] = true
	}
	dists, err := env.installedDistributions(opts.local, opts.user, opts.editable, opts.includeEditable, skip)
	if err != nil {
		return err
	}
	if opts.notRequired {
		if dists, err = env.notRequired(dists); err != nil {
			return err
		}
	}
	var latest map[*installed.Distribution]latestInfo
	if opts.outdated || opts.uptodate {
		if latest, err = g.latestVersions(ctx, opts, env.interp, dists); err != nil {
			return err
		}
		var kept []*installed.Distribution
		for _, d := range dists {
			l, ok := latest[d]
			if !ok {
				continue
			}
			if c := pep440.Compare(l.version, l.installed); (opts.outdated && c > 0) || (opts.uptodate && c == 0) {
				kept = append(kept, d)
			}
		}
		dists = kept
		if opts.uptodate {
			latest = nil // pip shows Latest and Type only with --outdated
		}
	}
	sort.SliceStable(dists, func(i, j int) bool { return dists[i].CanonicalName < dists[j].CanonicalName })
	if !g.distdbInfo() {
		return nil
	}
	w := g.stdout
	switch opts.format {
	case "columns":
		if len(dists) > 0 {
			return writeListColumns(w, env, dists, latest, g.verbose >= 1)
		}
	case "freeze":
		for _, d := range dists {
			v, _ := d.DisplayVersion()
			if g.verbose >= 1 {
				fmt.Fprintf(w, "%s==%s (%s)\n", d.Name, v, d.Location)
			} else {
				fmt.Fprintf(w, "%s==%s\n", d.Name, v)
			}
		}
	case "json":
		return writeListJSON(w, env, dists, latest, g.verbose >= 1)
	}
	return nil
}

func writeListColumns(w io.Writer, env *distEnv, dists []*installed.Distribution, latest map[*installed.Distribution]latestInfo, verbose bool) error {
	header := []string{"Package", "Version"}
	if latest != nil {
		header = append(header, "Latest", "Type")
	}
	hasEditables := false
	for _, d := range dists {
		if env.editableLocation(d) != "" {
			hasEditables = true
			break
		}
	}
	if hasEditables {
		header = append(header, "Editable project location")
	}
	if verbose {
		header = append(header, "Location", "Installer")
	}
	rows := [][]string{header}
	for _, d := range dists {
		v, _ := d.DisplayVersion()
		row := []string{d.Name, v}
		if latest != nil {
			row = append(row, latest[d].version.String(), latest[d].filetype)
		}
		if hasEditables {
			row = append(row, env.editableLocation(d))
		}
		if verbose {
			row = append(row, d.Location, d.Installer())
		}
		rows = append(rows, row)
	}
	var b strings.Builder
	for _, l := range tabulateWithRule(rows) {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// tabulateWithRule is tabulate with a rule of dashes under the first row,
// the header, as pip's list command prints its columns format.
func tabulateWithRule(rows [][]string) []string {
	lines, sizes := tabulate(rows)
	rule := make([]string, len(sizes))
	for i, n := range sizes {
		rule[i] = strings.Repeat("-", n)
	}
	return append(lines[:1], append([]string{strings.Join(rule, " ")}, lines[1:]...)...)
}

// tabulate is pip's utils.misc.tabulate: every column left-justified to its
// widest cell (in code points, as str.ljust counts), joined by one space,
// trailing white space removed.
func tabulate(rows [][]string) ([]string, []int) {
	var sizes []int
	for _, row := range rows {
		for i, cell := range row {
			if i >= len(sizes) {
				sizes = append(sizes, 0)
			}
			if n := utf8.RuneCountInString(cell); n > sizes[i] {
				sizes[i] = n
			}
		}
	}
	lines := make([]string, len(rows))
	for r, row := range rows {
		cells := make([]string, len(sizes))
		for i := range sizes {
			cell := ""
			if i < len(row) {
				cell = row[i]
			}
			cells[i] = cell + strings.Repeat(" ", sizes[i]-utf8.RuneCountInString(cell))
		}
		lines[r] = strings.TrimRightFunc(strings.Join(cells, " "), pystr.IsSpace)
	}
	return lines, sizes
}

func writeListJSON(w io.Writer, env *distEnv, dists []*installed.Distribution, latest map[*installed.Distribution]latestInfo, verbose bool) error {
	var b strings.Builder
	b.WriteByte('[')
	for i, d := range dists {
		if i > 0 {
			b.WriteString(", ")
		}
		v, _ := d.DisplayVersion()
		b.WriteString(`{"name": `)
		b.WriteString(pystr.JSON(d.Name))
		b.WriteString(`, "version": `)
		b.WriteString(pystr.JSON(v))
		if verbose {
			b.WriteString(`, "location": `)
			b.WriteString(pystr.JSON(d.Location))
			b.WriteString(`, "installer": `)
			b.WriteString(pystr.JSON(d.Installer()))
		}
		if latest != nil {
			b.WriteString(`, "latest_version": `)
			b.WriteString(pystr.JSON(latest[d].version.String()))
			b.WriteString(`, "latest_filetype": `)
			b.WriteString(pystr.JSON(latest[d].filetype))
		}
		if loc := env.editableLocation(d); loc != "" {
			b.WriteString(`, "editable_project_location": `)
			b.WriteString(pystr.JSON(loc))
		}
		b.WriteByte('}')
	}
	b.WriteString("]\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// distEnv is the installed-distribution view list, show and freeze share:
// the directories searched, the target interpreter's sys.path and user
// site, and facts about the interpreter asked for only when needed.
type distEnv struct {
	ctx      context.Context
	g        *globalOptions
	dirs     []string // searched: --path, or sys.path
	sysPath  []string
	userSite string
	interp   *installer.Interpreter
	editable map[*installed.Distribution]string
}

func newDistEnv(ctx context.Context, g *globalOptions, paths []string) (*distEnv, error) {
	in, err := g.interpreter(ctx)
	if err != nil {
		return nil, err
	}
	env := &distEnv{ctx: ctx, g: g, interp: in, sysPath: in.SysPath, userSite: in.UserSite, dirs: in.SysPath,
		editable: map[*installed.Distribution]string{}}
	if len(paths) > 0 {
		env.dirs = make([]string, len(paths))
		for i, p := range paths {
			env.dirs[i] = g.expandUser(p)
		}
	}
	return env, nil
}

// expandUser is os.path.expanduser for "~" and "~/..." (pip's "path"
// option type).
func (g *globalOptions) expandUser(p string) string {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p
	}
	home := g.getenv("HOME")
	if home == "" {
		return p
	}
	return strings.TrimSuffix(home, "/") + p[1:]
}

func (e *distEnv) markers() (map[string]string, error) {
	return e.interp.MarkerEnvironment, nil
}

// all returns every distribution in the searched directories, printing
// pip's warnings about those skipped.
func (e *distEnv) all() ([]*installed.Distribution, error) {
	dists, err := installed.Scan(e.dirs)
	var w *installed.Warnings
	if errors.As(err, &w) {
		for _, m := range w.Messages {
			e.g.distdbWarn("%s", m)
		}
	} else if err != nil {
		return nil, err
	}
	return dists, nil
}

func (e *distEnv) editableLocation(d *installed.Distribution) string {
	if loc, ok := e.editable[d]; ok {
		return loc
	}
	loc := d.EditableLocation(e.sysPath)
	e.editable[d] = loc
	return loc
}

// installedDistributions is pip's iter_installed_distributions.
func (e *distEnv) installedDistributions(localOnly, userOnly, editablesOnly, includeEditables bool, skip map[string]bool) ([]*installed.Distribution, error) {
	all, err := e.all()
	if err != nil {
		return nil, err
	}
	// pip's is_local compares real paths.
	prefix, venv := pypath.RealPath(e.interp.Prefix), e.interp.InVirtualenv
	userSite := ""
	if userOnly && e.userSite != "" {
		userSite = pypath.RealPath(e.userSite)
	}
	var out []*installed.Distribution
	for _, d := range all {
		if localOnly && venv && !strings.HasPrefix(d.InstalledLocation, prefix) {
			continue
		}
		if !includeEditables && e.editableLocation(d) != "" {
			continue
		}
		if editablesOnly && e.editableLocation(d) == "" {
			continue
		}
		if userOnly && (userSite == "" || !strings.HasPrefix(d.InstalledLocation, userSite)) {
			continue
		}
		if skip[d.CanonicalName] {
			continue
		}
		out = append(out, d)
	}
	return out, nil
}

// notRequired is pip list's get_not_required: the distributions none of
// the listed ones depends on.
func (e *distEnv) notRequired(dists []*installed.Distribution) ([]*installed.Distribution, error) {
	deps := map[string]bool{}
	for _, d := range dists {
		names, err := d.Dependencies(e.markers)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			deps[pep508.NormalizeName(n)] = true
		}
	}
	var out []*installed.Distribution
	for _, d := range dists {
		if !deps[d.CanonicalName] {
			out = append(out, d)
		}
	}
	return out, nil
}

// pip logs through Python's logging: with -q, informational output (list's
// and show's whole output) disappears; with -qq, warnings too.

func (g *globalOptions) distdbInfo() bool { return g.verbose-g.quiet >= 0 }

func (g *globalOptions) distdbWarn(format string, args ...any) {
	if g.verbose-g.quiet >= -1 {
		fmt.Fprintf(g.stderr, "WARNING: "+format+"\n", args...)
	}
}
