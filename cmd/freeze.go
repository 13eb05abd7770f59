package cmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/gopip/gopip/installer/installed"
	"github.com/gopip/gopip/internal/pystr"
	"github.com/gopip/gopip/resolver/pep508"
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

var (
	schemeURLRE = regexp.MustCompile(`^\w+://`)
	scpRE       = regexp.MustCompile(`^(\w+@)?([^/:]+):(\w[^:]*)$`)
)

// gitRemoteToPipURL is Git._git_remote_to_pip_url.
func gitRemoteToPipURL(remote string) (string, bool) {
	if schemeURLRE.MatchString(remote) {
		return remote, true
	}
	if _, err := os.Stat(remote); err == nil && filepath.IsAbs(remote) {
		return (&url.URL{Scheme: "file", Path: filepath.Clean(remote)}).String(), true
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
// by what is installed, in their order.
func freezeRequirementFiles(g *globalOptions, files []string, installations map[string]*frozenRequirement, emit func(string)) error {
	emitted := map[string]bool{}
	reqFiles := map[string][]string{}
	var reqOrder []string
	optionPrefixes := []string{"-r", "--requirement", "-f", "--find-links", "-i", "--index-url",
		"--pre", "--trusted-host", "--process-dependency-links", "--extra-index-url", "--use-feature"}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("[Errno 2] No such file or directory: %s", pystr.Repr(path))
		}
		text := strings.ReplaceAll(strings.ReplaceAll(string(data), "\r\n", "\n"), "\r", "\n")
		for _, line := range strings.SplitAfter(text, "\n") {
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
			var (
				name string
				err  error
			)
			if strings.HasPrefix(line, "-e") || strings.HasPrefix(line, "--editable") {
				var target string
				if strings.HasPrefix(line, "-e") {
					target = pystr.Strip(line[2:])
				} else {
					target = strings.TrimLeft(pystr.Strip(line[len("--editable"):]), "=")
				}
				name, err = editableLineName(target)
			} else {
				name, err = requirementLineName(g, pystr.Strip(commentRE.ReplaceAllString(line, "")))
			}
			if err != nil {
				return err
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
					path, pystr.Strip(commentRE.ReplaceAllString(line, "")), pystr.Repr(name))
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

var commentRE = regexp.MustCompile(`(^|\s+)#.*$`)

var (
	eggFragmentRE  = regexp.MustCompile(`[#&]egg=([^&]*)`)
	extrasSuffixRE = regexp.MustCompile(`^(.+)(\[[^\]]+\])$`)
)

// eggFragmentName is the #egg= fragment of a URL (pip's
// Link.egg_fragment), or "".
func eggFragmentName(url string) string {
	if m := eggFragmentRE.FindStringSubmatch(url); m != nil {
		return m[1]
	}
	return ""
}

// vcsSchemes are pip 23.2's vcs.all_schemes, in its order.
var vcsSchemes = []string{"bzr+http", "bzr+https", "bzr+ssh", "bzr+sftp", "bzr+ftp", "bzr+lp", "bzr+file",
	"git+http", "git+https", "git+ssh", "git+git", "git+file", "hg+file", "hg+http", "hg+https", "hg+ssh",
	"hg+static-http", "svn+ssh", "svn+http", "svn+https", "svn+svn", "svn+file"}

func urlScheme(url string) string {
	scheme, _, ok := strings.Cut(url, ":")
	if !ok {
		return ""
	}
	return strings.ToLower(scheme)
}

// editableLineName is the project name of an "-e" line, as pip's
// parse_editable finds it: "" for a local directory or file: URL without
// #egg=; an error for what is neither a local project nor a VCS URL.
func editableLineName(target string) (string, error) {
	urlNoExtras := target
	if m := extrasSuffixRE.FindStringSubmatch(target); m != nil {
		urlNoExtras = m[1]
	}
	if info, err := os.Stat(urlNoExtras); err == nil && info.IsDir() {
		return "", nil
	}
	if strings.HasPrefix(strings.ToLower(urlNoExtras), "file:") {
		return eggFragmentName(urlNoExtras), nil
	}
	url := target
	for _, v := range []string{"bzr", "git", "hg", "svn"} {
		if strings.HasPrefix(strings.ToLower(url), v+":") {
			url = v + "+" + url
			break
		}
	}
	isVCS := false
	for _, s := range vcsSchemes {
		if urlScheme(url) == s {
			isVCS = true
		}
	}
	if !isVCS {
		return "", fmt.Errorf("%s is not a valid editable requirement. It should either be a path to a local project or a VCS URL (beginning with %s).",
			target, strings.Join(vcsSchemes, ", "))
	}
	name := eggFragmentName(url)
	if name == "" {
		return "", fmt.Errorf("Could not detect requirement name for '%s', please specify one with #egg=your_package_name", target)
	}
	return name, nil
}

var archiveExtensions = []string{".zip", ".whl", ".tar.bz2", ".tbz", ".tar.gz", ".tgz", ".tar", ".tar.xz", ".txz", ".tlz", ".tar.lz", ".tar.lzma"}

func isArchiveFile(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	base := strings.TrimSuffix(name, filepath.Ext(name))
	if strings.HasSuffix(strings.ToLower(base), ".tar") {
		ext = ".tar" + ext
	}
	for _, a := range archiveExtensions {
		if ext == a {
			return true
		}
	}
	return false
}

func looksLikePath(name string) bool {
	return strings.Contains(name, "/") || strings.HasPrefix(name, ".")
}

// requirementLineName is the project name of a requirements-file line, as
// far as pip's install_req_from_line finds one: the #egg= fragment of a
// URL, the name in a wheel's file name, nothing for a local project
// directory or archive, or the name of a PEP 508 requirement.
func requirementLineName(g *globalOptions, line string) (string, error) {
	isURL := false
	switch scheme := urlScheme(line); scheme {
	case "http", "https", "file", "ftp":
		isURL = true
	default:
		for _, s := range vcsSchemes {
			isURL = isURL || scheme == s
		}
	}
	sep := ";"
	if isURL {
		sep = "; "
	}
	name, _, _ := strings.Cut(line, sep)
	name = pystr.Strip(name)
	fromFile := func(file string) string {
		if strings.HasSuffix(strings.ToLower(file), ".whl") {
			base := filepath.Base(file)
			if i := strings.IndexByte(base, '-'); i > 0 {
				return strings.ReplaceAll(base[:i], "_", "-")
			}
		}
		return ""
	}
	if isURL {
		u, _, _ := strings.Cut(name, "#")
		if n := fromFile(u); n != "" {
			return n, nil
		}
		return eggFragmentName(name), nil
	}
	path, err := filepath.Abs(name)
	if err != nil {
		path = name
	}
	if m := extrasSuffixRE.FindStringSubmatch(path); m != nil {
		path = m[1]
	}
	if looksLikePath(name) {
		if info, err := os.Stat(path); err == nil && info.IsDir() {
			if !isInstallableDir(path) {
				return "", fmt.Errorf("Directory %s is not installable. Neither 'setup.py' nor 'pyproject.toml' found.", pystr.Repr(name))
			}
			return "", nil
		}
	}
	if isArchiveFile(path) {
		before, _, hasAt := strings.Cut(name, "@")
		if !(hasAt && !looksLikePath(before)) {
			if _, err := os.Stat(path); err != nil {
				g.distdbWarn("Requirement %s looks like a filename, but the file does not exist", pystr.Repr(name))
			}
			return fromFile(path), nil
		}
	}
	reqName, _, err := installed.SplitRequirement(name)
	if err != nil {
		msg := "Invalid requirement: " + pystr.Repr(name)
		switch {
		case strings.Contains(name, "/"):
			hint := "It looks like a path."
			if _, err := os.Stat(name); err != nil {
				hint += fmt.Sprintf(" File '%s' does not exist.", name)
			}
			msg += "\nHint: " + hint
		case strings.Contains(name, "=") && !strings.ContainsAny(name, "<>!~"):
			msg += "\nHint: = is not a valid operator. Did you mean == ?"
		}
		return "", errors.New(msg)
	}
	return reqName, nil
}
