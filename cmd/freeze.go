package cmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gopip/gopip/installer/installed"
	"github.com/gopip/gopip/internal/pystr"
	"github.com/gopip/gopip/internal/pyurl"
	"github.com/gopip/gopip/resolver/pep508"
	"github.com/gopip/gopip/resolver/reqfile"
	"github.com/spf13/cobra"
)

// freezeOptions are pip freeze's options.
type freezeOptions struct {
	requirements    []string
	local           bool
	user            bool
	paths           []string
	all             bool
	excludeEditable bool
	excludes        []string
}

func newFreezeCmd(g *globalOptions) *cobra.Command {
	opts := &freezeOptions{}
	c := &cobra.Command{
		Use:   "freeze [options]",
		Short: "Output installed packages in requirements format",
		Long: `Output installed packages in requirements format.

packages are listed in a case-insensitive sorted order.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return runFreeze(c.Context(), g, opts)
		},
	}
	f := c.Flags()
	f.SortFlags = false
	f.StringArrayVarP(&opts.requirements, "requirement", "r", nil, "Use the order in the given requirements file and its comments when generating output. This option can be used multiple times.")
	f.BoolVarP(&opts.local, "local", "l", false, "If in a virtualenv that has global access, do not output globally-installed packages.")
	f.BoolVar(&opts.user, "user", false, "Only output packages installed in user-site.")
	f.StringArrayVar(&opts.paths, "path", nil, "Restrict to the specified installation path for listing packages (can be used multiple times).")
	f.BoolVar(&opts.all, "all", false, "Do not skip these packages in the output: pip, setuptools, distribute, wheel (the last three only for Python < 3.12)")
	f.BoolVar(&opts.excludeEditable, "exclude-editable", false, "Exclude editable package from output.")
	f.StringArrayVar(&opts.excludes, "exclude", nil, "Exclude specified package from the output")
	return c
}

// frozenRequirement is pip's FrozenRequirement: one installed
// distribution as a requirement line, with comments above it.
type frozenRequirement struct {
	name          string
	canonicalName string
	req           string
	editable      bool
	comments      []string
}

func (r *frozenRequirement) String() string {
	req := r.req
	if r.editable {
		req = "-e " + req
	}
	return strings.TrimRightFunc(strings.Join(append(append([]string{}, r.comments...), req), "\n"), pystr.IsSpace)
}

func runFreeze(ctx context.Context, g *globalOptions, opts *freezeOptions) error {
	env, err := newDistEnv(ctx, g, opts.paths)
	if err != nil {
		return err
	}
	skip := map[string]bool{"python": true, "wsgiref": true, "argparse": true}
	if !opts.all {
		skip["pip"] = true
		// pip 23.2 hides the build back-ends only below Python 3.12.
		if v := env.interp.VersionInfo; len(v) >= 2 && (v[0] < 3 || (v[0] == 3 && v[1] < 12)) {
			skip["setuptools"], skip["distribute"], skip["wheel"] = true, true, true
		}
	}
	for _, n := range opts.excludes {
		skip[pep508.NormalizeName(n)] = true
	}
	if len(opts.paths) > 0 && (opts.user || opts.local) {
		return errors.New("Cannot combine '--path' with '--user' or '--local'")
	}
	dists, err := env.installedDistributions(opts.local, opts.user, false, true, map[string]bool{})
	if err != nil {
		return err
	}
	installations := map[string]*frozenRequirement{}
	var order []string
	for _, d := range dists {
		r := env.frozenRequirement(d)
		if opts.excludeEditable && r.editable {
			continue
		}
		if _, ok := installations[r.canonicalName]; !ok {
			order = append(order, r.canonicalName)
		}
		installations[r.canonicalName] = r
	}

	out := bufio.NewWriter(g.stdout)
	emit := func(line string) { out.WriteString(line + "\n") }
	if len(opts.requirements) > 0 {
		if err := freezeRequirementFiles(g, opts.requirements, installations, emit); err != nil {
			out.Flush()
			return err
		}
		emit("## The following requirements were added by pip freeze:")
	}
	var rest []*frozenRequirement
	for _, k := range order {
		if r, ok := installations[k]; ok {
			rest = append(rest, r)
		}
	}
	sort.SliceStable(rest, func(i, j int) bool { return strings.ToLower(rest[i].name) < strings.ToLower(rest[j].name) })
	for _, r := range rest {
		if !skip[r.canonicalName] {
			emit(r.String())
		}
	}
	return out.Flush()
}

// frozenRequirement is FrozenRequirement.from_dist.
func (e *distEnv) frozenRequirement(d *installed.Distribution) *frozenRequirement {
	r := &frozenRequirement{name: d.Name, canonicalName: pep508.NormalizeName(d.Name)}
	if loc := e.editableLocation(d); loc != "" {
		r.editable = true
		r.req, r.comments = e.editableInfo(d, loc)
		return r
	}
	if u, err := d.DirectURL(); err != nil {
		e.g.distdbWarn("%s", err)
	} else if u != nil {
		r.req = u.FreezeRequirement(d.Name)
		return r
	}
	r.req = nameVersion(d)
	return r
}

// nameVersion is pip's _format_as_name_version: "==" for PEP 440
// versions, "===" for others.
func nameVersion(d *installed.Distribution) string {
	v, ok := d.DisplayVersion()
	if ok {
		return d.Name + "==" + v
	}
	return d.Name + "===" + v
}

// editableInfo is pip's _get_editable_info for Git checkouts and projects
// under no version control. (Mercurial, Subversion and Bazaar checkouts are
// reported as under no version control.)
func (e *distEnv) editableInfo(d *installed.Distribution, projectLocation string) (string, []string) {
	location := projectLocation
	if !filepath.IsAbs(location) {
		if abs, err := filepath.Abs(location); err == nil {
			location = abs
		}
	}
	location = filepath.Clean(location)
	root := e.gitRepositoryRoot(location)
	if root == "" {
		return location, []string{fmt.Sprintf("# Editable install with no version control (%s)", nameVersion(d))}
	}
	if _, err := exec.LookPath("git"); err != nil {
		e.g.distdbWarn("cannot determine version of editable source in %s (git command not found in path)", location)
		return location, nil
	}
	remoteOut, err := e.git(location, "config", "--get-regexp", `remote\..*\.url`)
	if err != nil {
		return e.gitFailed(location, err)
	}
	remotes := pystr.SplitLines(remoteOut)
	if len(remotes) == 0 {
		return location, []string{fmt.Sprintf("# Editable Git install with no remote (%s)", nameVersion(d))}
	}
	found := remotes[0]
	for _, r := range remotes {
		if strings.HasPrefix(r, "remote.origin.url ") {
			found = r
			break
		}
	}
	fields := strings.Split(found, " ")
	remote := ""
	if len(fields) > 1 {
		remote = pystr.Strip(fields[1])
	}
	repoURL, ok := gitRemoteToPipURL(remote)
	if !ok {
		return location, []string{
			fmt.Sprintf("# Editable Git install (%s) with either a deleted local remote or invalid URI:", nameVersion(d)),
			fmt.Sprintf("# '%s'", remote),
		}
	}
	if !strings.HasPrefix(strings.ToLower(repoURL), "git:") {
		repoURL = "git+" + repoURL
	}
	rev, err := e.git(location, "rev-parse", "HEAD")
	if err != nil {
		return e.gitFailed(location, err)
	}
	gitDir, err := e.git(location, "rev-parse", "--git-dir")
	if err != nil {
		return e.gitFailed(location, err)
	}
	gitDir = strings.TrimSpace(gitDir)
	if !filepath.IsAbs(gitDir) {
		gitDir = filepath.Join(location, gitDir)
	}
	repoRoot := filepath.Clean(filepath.Join(gitDir, ".."))
	req := fmt.Sprintf("%s@%s#egg=%s", repoURL, strings.TrimSpace(rev), strings.ReplaceAll(d.Name, "-", "_"))
	if sub := e.projectSubdirectory(location, repoRoot); sub != "" {
		req += "&subdirectory=" + sub
	}
	return req, nil
}

func (e *distEnv) gitFailed(location string, err error) (string, []string) {
	e.g.distdbWarn("Error when trying to get requirement for VCS system %s", err)
	e.g.distdbWarn("Could not determine repository location of %s", location)
	return location, []string{"## !! Could not determine repository location"}
}

// gitRepositoryRoot is Git.get_repository_root: the directory itself when
// it holds .git, else what "git rev-parse --show-toplevel" says, else "".
func (e *distEnv) gitRepositoryRoot(location string) string {
	if _, err := os.Stat(filepath.Join(location, ".git")); err == nil {
		return location
	}
	if _, err := exec.LookPath("git"); err != nil {
		return ""
	}
	out, err := e.git(location, "rev-parse", "--show-toplevel")
	if err != nil {
		return ""
	}
	return filepath.Clean(strings.TrimRight(out, "\r\n"))
}

func (e *distEnv) git(dir string, args ...string) (string, error) {
	c := exec.CommandContext(e.ctx, "git", args...)
	c.Dir = dir
	c.Env = e.g.environ
	out, err := c.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 && len(args) > 0 && args[0] == "config" {
		return string(out), nil // no matching remote
	}
	if err != nil {
		return "", fmt.Errorf("git %s in %s: %w", strings.Join(args, " "), dir, err)
	}
	return string(out), nil
}

// pip's patterns for Git remotes, with Python's Unicode-aware \w.
var (
	schemeURLRE = pystr.MustCompile(`^[{w}]+://`)
	scpRE       = pystr.MustCompile(`^([{w}]+@)?([^/:]+):([{w}][^:]*)$`)
)

// gitRemoteToPipURL is Git._git_remote_to_pip_url. A local path becomes
// pathlib's as_uri(): "file://" and the path quoted as urllib's quote does.
// (pathlib keeps ".." where filepath.Clean resolves it.)
func gitRemoteToPipURL(remote string) (string, bool) {
	if schemeURLRE.MatchString(remote) {
		return remote, true
	}
	if _, err := os.Stat(remote); err == nil && filepath.IsAbs(remote) {
		return "file://" + pyurl.Quote(filepath.Clean(remote)), true
	}
	if m := scpRE.FindStringSubmatch(remote); m != nil {
		return "ssh://" + m[1] + m[2] + "/" + m[3], true
	}
	return "", false
}

// projectSubdirectory is find_path_to_project_root_from_repo_root.
func (e *distEnv) projectSubdirectory(location, repoRoot string) string {
	orig := location
	for !isInstallableDir(location) {
		parent := filepath.Dir(location)
		if parent == location {
			e.g.distdbWarn("Could not find a Python project for directory %s (tried all parent directories)", orig)
			return ""
		}
		location = parent
	}
	a, errA := os.Stat(repoRoot)
	b, errB := os.Stat(location)
	if errA == nil && errB == nil && os.SameFile(a, b) {
		return ""
	}
	rel, err := filepath.Rel(repoRoot, location)
	if err != nil {
		return ""
	}
	return rel
}

func isInstallableDir(dir string) bool {
	for _, f := range []string{"pyproject.toml", "setup.py"} {
		if info, err := os.Stat(filepath.Join(dir, f)); err == nil && !info.IsDir() {
			return true
		}
	}
	return false
}

// freezeRequirementFiles is the -r part of pip's freeze(): the given files'
// options and comments are repeated once each, their requirements replaced
// by what is installed, in their order. Each requirement line is read as
// pip reads it (install_req_from_line, or install_req_from_editable for -e
// lines), by reqfile.ParseArg.
func freezeRequirementFiles(g *globalOptions, files []string, installations map[string]*frozenRequirement, emit func(string)) error {
	cwd := g.cwd()
	emitted := map[string]bool{}
	reqFiles := map[string][]string{}
	var reqOrder []string
	optionPrefixes := []string{"-r", "--requirement", "-f", "--find-links", "-i", "--index-url",
		"--pre", "--trusted-host", "--process-dependency-links", "--extra-index-url", "--use-feature"}
	// Python shows a deprecation warning once for each message.
	deprecations := map[string]bool{}
	warn := func(w string) {
		if !strings.HasPrefix(w, "DEPRECATION: ") {
			g.distdbWarn("%s", w)
			return
		}
		// pip's log format adds no "WARNING: " before its own prefix.
		if !deprecations[w] && g.verbose-g.quiet >= -1 {
			deprecations[w] = true
			fmt.Fprintln(g.stderr, w)
		}
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("[Errno 2] No such file or directory: %s", pystr.Repr(path))
		}
		for _, line := range strings.SplitAfter(pystr.UniversalNewlines(string(data)), "\n") {
			if line == "" {
				continue
			}
			stripped := pystr.Strip(line)
			isOption := false
			for _, p := range optionPrefixes {
				if strings.HasPrefix(line, p) {
					isOption = true
					break
				}
			}
			if stripped == "" || strings.HasPrefix(stripped, "#") || isOption {
				l := strings.TrimRightFunc(line, pystr.IsSpace)
				if !emitted[l] {
					emitted[l] = true
					emit(l)
				}
				continue
			}
			editable := strings.HasPrefix(line, "-e") || strings.HasPrefix(line, "--editable")
			switch {
			case strings.HasPrefix(line, "-e"):
				line = pystr.Strip(line[2:])
			case editable:
				line = strings.TrimLeft(pystr.Strip(line[len("--editable"):]), "=")
			}
			// COMMENT_RE.sub("", line).strip(): the line break is what
			// "$" matches before.
			arg := pystr.Strip(reqfile.StripComment(strings.TrimSuffix(line, "\n")))
			if editable {
				arg = line // pip passes -e arguments on with their comment
			}
			e, warnings, err := reqfile.ParseArg(cwd, arg, editable)
			for _, w := range warnings {
				warn(w)
			}
			if err != nil {
				return err
			}
			name := ""
			if e.Requirement != nil {
				name = e.Requirement.Name
			}
			if name == "" && g.distdbInfo() {
				// pip 23.2 logs this at INFO level, which goes to stdout
				// (FreezeCommand.log_streams is no longer used).
				emit(fmt.Sprintf("Skipping line in requirement file [%s] because it's not clear what it would install: %s",
					path, pystr.Strip(line)))
				emit("  (add #egg=PackageName to the URL to avoid this warning)")
			}
			if name == "" {
				continue
			}
			canonical := pep508.NormalizeName(name)
			if _, seen := reqFiles[name]; !seen {
				reqOrder = append(reqOrder, name)
				reqFiles[name] = nil
			}
			if r, ok := installations[canonical]; ok {
				emit(r.String())
				delete(installations, canonical)
				reqFiles[name] = append(reqFiles[name], path)
			} else if len(reqFiles[name]) == 0 {
				g.distdbWarn("Requirement file [%s] contains %s, but package %s is not installed",
					path, pystr.Strip(reqfile.StripComment(strings.TrimSuffix(line, "\n"))), pystr.Repr(name))
			} else {
				reqFiles[name] = append(reqFiles[name], path)
			}
		}
	}
	for _, name := range reqOrder {
		if fs := reqFiles[name]; len(fs) > 1 {
			set := map[string]bool{}
			var uniq []string
			for _, f := range fs {
				if !set[f] {
					set[f] = true
					uniq = append(uniq, f)
				}
			}
			sort.Strings(uniq)
			g.distdbWarn("Requirement %s included multiple times [%s]", name, strings.Join(uniq, ", "))
		}
	}
	return nil
}
