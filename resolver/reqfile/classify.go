package reqfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/gopip/gopip/internal/pypath"
	"github.com/gopip/gopip/internal/pystr"
	"github.com/gopip/gopip/internal/pyurl"
	"github.com/gopip/gopip/resolver/pep508"
	"github.com/gopip/gopip/resolver/tags"
)

// This file is pip's req/constructors.py as it applies to requirements
// files: install_req_from_line (parse_req_from_line, _get_url_from_path,
// _parse_req_string) and install_req_from_editable (parse_editable). Like
// pip it looks at the file system, relative to the working directory, to
// tell a local path from a requirement.

// vcsBackends and vcsSchemes are pip 23.2's version-control systems, in
// registration order.
var (
	vcsBackends = []string{"bzr", "git", "hg", "svn"}
	vcsSchemes  = []string{
		"bzr+http", "bzr+https", "bzr+ssh", "bzr+sftp", "bzr+ftp", "bzr+lp", "bzr+file",
		"git+http", "git+https", "git+ssh", "git+git", "git+file",
		"hg+file", "hg+http", "hg+https", "hg+ssh", "hg+static-http",
		"svn+ssh", "svn+http", "svn+https", "svn+svn", "svn+file",
	}
)

// specifierOperators are packaging's operators, for pip's "=" hint.
var specifierOperators = []string{"~=", "==", "!=", "<=", ">=", "<", ">", "==="}

// urlScheme is pip's get_url_scheme: what precedes the first ':', lower
// case.
func urlScheme(s string) (string, bool) {
	scheme, _, ok := strings.Cut(s, ":")
	return strings.ToLower(scheme), ok
}

// isURL is pip's vcs.is_url: http, https, file, ftp or a VCS scheme.
func isURL(s string) bool {
	scheme, ok := urlScheme(s)
	if !ok {
		return false
	}
	return slices.Contains([]string{"http", "https", "file", "ftp"}, scheme) || slices.Contains(vcsSchemes, scheme)
}

// looksLikePath is pip's _looks_like_path.
func looksLikePath(name string) bool {
	return strings.Contains(name, "/") || strings.HasPrefix(name, ".")
}

// extrasRE is _strip_extras's pattern: a trailing "[...]".
var extrasRE = regexp.MustCompile(`^((?s).+)(\[[^\]]+\])$`)

func stripExtras(p string) (string, string) {
	if m := extrasRE.FindStringSubmatch(p); m != nil {
		return m[1], m[2]
	}
	return p, ""
}

// archiveExtensions are pip's ARCHIVE_EXTENSIONS.
var archiveExtensions = []string{
	".zip", ".whl", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tlz", ".tar.lz", ".tar.lzma", ".tar.gz", ".tgz", ".tar",
}

// pipSplitext is pip's splitext: posixpath.splitext taking ".tar" along.
func pipSplitext(p string) (string, string) {
	base, ext := pySplitext(p)
	if strings.HasSuffix(strings.ToLower(base), ".tar") {
		ext = base[len(base)-4:] + ext
		base = base[:len(base)-4]
	}
	return base, ext
}

func isArchiveFile(name string) bool {
	_, ext := pipSplitext(name)
	return slices.Contains(archiveExtensions, strings.ToLower(ext))
}

func isInstallableDir(p string) bool {
	return isDir(p) && (isFile(pypath.Join(p, "pyproject.toml")) || isFile(pypath.Join(p, "setup.py")))
}

// link is the part of pip's models.link.Link used here.
type link struct {
	url   string
	parts pyurl.Parts
	// egg is the #egg= fragment, hasEgg whether there is one; warning is
	// the deprecation pip logs for one that is no project name, as it
	// does whenever it makes a Link.
	egg     string
	hasEgg  bool
	warning string
}

// newLink is pip's Link(url): the URL split, and its egg fragment read.
func newLink(url string) (*link, error) {
	u, err := pyurl.Split(url)
	if err != nil {
		return nil, err
	}
	l := &link{url: url, parts: u}
	if m := eggFragmentRE.FindStringSubmatch(url); m != nil {
		l.egg, l.hasEgg = m[1], true
		if !projectNameRE.MatchString(m[1]) {
			redacted, _ := pyurl.RedactAuth(url) // url splits: no error
			l.warning = fmt.Sprintf("DEPRECATION: %s contains an egg fragment with a non-PEP 508 name"+
				" pip 25.0 will enforce this behaviour change."+
				" A possible replacement is to use the req @ url syntax, and remove the egg fragment."+
				" Discussion can be found at https://github.com/pypa/pip/issues/11617", redacted)
		}
	}
	return l, nil
}

func (l *link) path() string { return pyurl.Unquote(l.parts.Path) }

func (l *link) filename() string {
	name := pyBasename(strings.TrimRight(l.path(), "/"))
	if name == "" {
		netloc := l.parts.Netloc
		if i := strings.LastIndexByte(netloc, '@'); i >= 0 {
			netloc = netloc[i+1:]
		}
		return netloc
	}
	return pyurl.Unquote(name)
}

func (l *link) isWheel() bool {
	_, ext := pipSplitext(pyBasename(strings.TrimRight(l.path(), "/")))
	return ext == ".whl"
}

func (l *link) isVCS() bool { return slices.Contains(vcsSchemes, l.parts.Scheme) }

var (
	eggFragmentRE = regexp.MustCompile(`[#&]egg=([^&]*)`)
	projectNameRE = regexp.MustCompile(`(?i)^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`)
)

// safeExtra is pip's safe_extra.
var unsafeExtraRE = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

func safeExtra(e string) string { return strings.ToLower(unsafeExtraRE.ReplaceAllString(e, "_")) }

// lineError is a requirement pip refuses; the caller adds the place.
type lineError struct {
	msg string
	err error
}

func (e *lineError) Error() string { return e.msg }
func (e *lineError) Unwrap() error { return e.err }

// classified is what pip's constructors make of a requirement line.
type classified struct {
	kind     Kind
	req      *pep508.Requirement
	link     string
	path     string
	extras   []string
	marker   *pep508.Marker
	warnings []string
}

// warn records w, unless it is empty.
func (c *classified) warn(w string) {
	if w != "" {
		c.warnings = append(c.warnings, w)
	}
}

// classifyLine is pip's parse_req_from_line. Along with an error it returns
// what it classified so far, for the warnings logged before the error.
func classifyLine(cwd, text string) (*classified, error) {
	c := &classified{kind: KindRequirement}
	name := text
	sep := ";"
	if isURL(name) {
		sep = "; "
	}
	if before, after, ok := strings.Cut(name, sep); ok {
		name = before
		if m := pystr.Strip(after); m != "" {
			marker, err := pep508.ParseMarker(m)
			if err != nil {
				return c, &lineError{msg: "Invalid requirement: " + pystr.Repr(text) + "\n" + syntaxDetail(err), err: err}
			}
			c.marker = marker
		}
	}
	name = pystr.Strip(name)
	path := pyAbspath(cwd, name)

	var (
		linkURL     string
		extrasText  string
		reqText     string
		haveReqText bool
	)
	if isURL(name) {
		linkURL = name
		c.kind = KindURL
	} else {
		p, ex := stripExtras(path)
		extrasText = ex
		u, warning, err := urlFromPath(cwd, p, name)
		if err != nil {
			return c, err
		}
		if warning != "" {
			c.warnings = append(c.warnings, warning)
		}
		if u != "" {
			linkURL = u
			c.kind = KindPath
		}
	}
	if linkURL != "" {
		l, err := newLink(linkURL)
		if err != nil {
			return c, &lineError{msg: "Invalid requirement: " + pystr.Repr(text) + "\n" + err.Error(), err: err}
		}
		c.warn(l.warning)
		if l.parts.Scheme == "file" && strings.Contains(l.url, "../") {
			// A path_to_url URL has no fragment: no second warning.
			l, _ = newLink(pathToURL(cwd, pyNormpath(pyAbspath(cwd, l.path()))))
		}
		c.link = l.url
		if l.parts.Scheme == "file" {
			if p, err := pyurl.ToPath(l.url); err == nil {
				c.path = pyAbspath(cwd, p)
			}
		}
		if l.isWheel() {
			n, v, ok := tags.PipWheelName(l.filename())
			if !ok {
				return c, &lineError{msg: l.filename() + " is not a valid wheel filename."}
			}
			reqText, haveReqText = n+"=="+v, true
		} else {
			reqText, haveReqText = l.egg, l.hasEgg
		}
	} else {
		reqText, haveReqText = name, true
	}

	extras, err := convertExtras(extrasText)
	if err != nil {
		return c, &lineError{msg: "Invalid requirement: " + pystr.Repr(text) + "\n" + syntaxDetail(err), err: err}
	}
	if haveReqText {
		req, err := parseReqString(cwd, reqText)
		if err != nil {
			return c, err
		}
		c.req = req
		if req.URL != "" && c.link == "" {
			c.link = req.URL
		}
	}
	c.finish(extras)
	return c, nil
}

// finish applies InstallRequirement's rules: extras given after a path win
// over the requirement's; the line's marker, else the requirement's.
func (c *classified) finish(extras []string) {
	if c.req != nil {
		if c.marker != nil {
			c.req.Marker = c.marker
		} else {
			c.marker = c.req.Marker
		}
	}
	switch {
	case len(extras) > 0:
		c.extras = extras
	case c.req != nil:
		for _, e := range c.req.Extras {
			c.extras = append(c.extras, safeExtra(e))
		}
	}
	slices.Sort(c.extras)
	c.extras = slices.Compact(c.extras)
}

// urlFromPath is pip's _get_url_from_path: a file: URL when name is a
// local project directory or archive (existing, or looking like one and
// not `name @ url`), "" when it is a requirement.
func urlFromPath(cwd, p, name string) (url, warning string, err error) {
	if looksLikePath(name) && isDir(p) {
		if isInstallableDir(p) {
			return pathToURL(cwd, p), "", nil
		}
		return "", "", &lineError{msg: fmt.Sprintf("Directory %s is not installable. Neither 'setup.py' nor 'pyproject.toml' found.", pystr.Repr(name))}
	}
	if !isArchiveFile(p) {
		return "", "", nil
	}
	if isFile(p) {
		return pathToURL(cwd, p), "", nil
	}
	if before, _, ok := strings.Cut(name, "@"); ok && !looksLikePath(before) {
		return "", "", nil
	}
	return pathToURL(cwd, p), fmt.Sprintf("Requirement %s looks like a filename, but the file does not exist", pystr.Repr(name)), nil
}

// convertExtras is pip's convert_extras: "[A,b]" → {"a", "b"}.
func convertExtras(extras string) ([]string, error) {
	if extras == "" {
		return nil, nil
	}
	r, err := pep508.ParseRequirement("placeholder" + strings.ToLower(extras))
	if err != nil {
		return nil, err
	}
	return r.Extras, nil
}

// parseReqString is pip's _parse_req_string: a PEP 508 requirement, or
// pip's message with a hint for what looks like a path or a single '='.
func parseReqString(cwd, s string) (*pep508.Requirement, error) {
	req, err := pep508.ParseRequirement(s)
	if err == nil {
		return req, nil
	}
	var hint string
	switch {
	case strings.Contains(s, "/"):
		hint = "It looks like a path." + deduceHelpfulMsg(cwd, s)
	case strings.Contains(s, "=") && !slices.ContainsFunc(specifierOperators, func(op string) bool { return strings.Contains(s, op) }):
		hint = "= is not a valid operator. Did you mean == ?"
	}
	msg := "Invalid requirement: " + pystr.Repr(s)
	if hint != "" {
		msg += "\nHint: " + hint
	}
	return nil, &lineError{msg: msg, err: err}
}

// deduceHelpfulMsg is pip's deduce_helpful_msg.
func deduceHelpfulMsg(cwd, req string) string {
	if !exists(pyAbspath(cwd, req)) {
		return fmt.Sprintf(" File '%s' does not exist.", req)
	}
	msg := " The path does exist. "
	if looksLikeRequirementsFile(pyAbspath(cwd, req)) {
		msg += fmt.Sprintf("The argument you provided (%s) appears to be a requirements file. If that is the case, use the '-r' flag to install the packages specified within it.", req)
	}
	return msg
}

// looksLikeRequirementsFile is pip's check_first_requirement_in_file: the
// first line that is not blank or a comment parses as a requirement (or
// there is none). It reads at most 1 MiB.
func looksLikeRequirementsFile(p string) bool {
	// Only regular files: pip would also open a FIFO or a device and wait
	// for it, just to word a hint.
	if !isFile(p) {
		return false
	}
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(io.LimitReader(f, 1<<20))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		for _, l := range strings.Split(strings.ReplaceAll(strings.ToValidUTF8(sc.Text(), ""), "\r", "\n"), "\n") {
			if l = pystr.Strip(l); l != "" && !strings.HasPrefix(l, "#") {
				lines = append(lines, l)
			}
		}
	}
	if sc.Err() != nil {
		return false
	}
	if len(lines) == 0 {
		return true
	}
	line := lines[0]
	if i := strings.Index(line, " #"); i >= 0 {
		line = line[:i]
	}
	if strings.HasSuffix(line, `\`) {
		next := ""
		if len(lines) > 1 {
			next = lines[1]
		}
		line = pystr.Strip(line[:max(len(line)-2, 0)]) + next
	}
	_, err = pep508.ParseRequirement(line)
	return err == nil
}

// syntaxDetail returns the packaging-style explanation of a parse error:
// what was expected and where.
func syntaxDetail(err error) string {
	var se *pep508.SyntaxError
	if errors.As(err, &se) {
		return se.Error()
	}
	return err.Error()
}

// classifyEditable is pip's parse_editable and parse_req_from_editable.
// Along with an error it returns what it classified so far, for the
// warnings logged before the error.
func classifyEditable(cwd, text string) (*classified, error) {
	c := &classified{kind: KindEditable}
	url := text
	urlNoExtras, extrasText := stripExtras(url)
	if isDir(pyAbspath(cwd, urlNoExtras)) {
		c.path = pyAbspath(cwd, urlNoExtras)
		urlNoExtras = pathToURL(cwd, urlNoExtras)
	}
	var (
		name    string
		hasName bool
		extras  []string
	)
	if strings.HasPrefix(strings.ToLower(urlNoExtras), "file:") {
		l, err := newLink(urlNoExtras)
		if err != nil {
			return c, &lineError{msg: "Invalid requirement: " + pystr.Repr(text) + "\n" + err.Error(), err: err}
		}
		c.warn(l.warning)
		name, hasName = l.egg, l.hasEgg
		if extrasText != "" {
			ex, err := convertExtras(extrasText)
			if err != nil {
				return c, &lineError{msg: "Invalid requirement: " + pystr.Repr(text) + "\n" + syntaxDetail(err), err: err}
			}
			extras = ex
		}
		c.link = urlNoExtras
		if c.path == "" {
			if p, err := pyurl.ToPath(urlNoExtras); err == nil {
				c.path = pyAbspath(cwd, p)
			}
		}
	} else {
		for _, vc := range vcsBackends {
			if strings.HasPrefix(strings.ToLower(url), vc+":") {
				url = vc + "+" + url
				break
			}
		}
		l, err := newLink(url)
		if err == nil {
			c.warn(l.warning)
		}
		if err != nil || !l.isVCS() {
			return c, &lineError{msg: fmt.Sprintf("%s is not a valid editable requirement. It should either be a path to a local project or a VCS URL (beginning with %s).", text, strings.Join(vcsSchemes, ", "))}
		}
		name, hasName = l.egg, l.hasEgg
		if !hasName || name == "" {
			return c, &lineError{msg: fmt.Sprintf("Could not detect requirement name for '%s', please specify one with #egg=your_package_name", text)}
		}
		c.link = url
	}
	if hasName {
		req, err := pep508.ParseRequirement(name)
		if err != nil {
			return c, &lineError{msg: fmt.Sprintf("Invalid requirement: '%s'", name), err: err}
		}
		c.req = req
	}
	c.finish(extras)
	return c, nil
}
