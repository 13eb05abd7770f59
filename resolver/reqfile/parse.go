package reqfile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"syscall"

	"github.com/gopip/gopip/internal/httpx"
	"github.com/gopip/gopip/internal/pypath"
	"github.com/gopip/gopip/internal/pystr"
	"github.com/gopip/gopip/internal/pyurl"
)

// Getter fetches a requirements file named by an http or https URL (pip
// allows `-r https://host/requirements.txt`). It returns the body and the
// Content-Type header, whose charset, if any, decides the decoding. A
// status other than 2xx must be an error. Parse calls Get from one
// goroutine at a time; a Getter shared with other code must be safe for
// concurrent use.
type Getter interface {
	Get(ctx context.Context, url string) (body []byte, contentType string, err error)
}

// GetterFunc adapts a function to Getter.
type GetterFunc func(ctx context.Context, url string) ([]byte, string, error)

// Get calls f.
func (f GetterFunc) Get(ctx context.Context, url string) ([]byte, string, error) {
	return f(ctx, url)
}

// Options control Parse.
type Options struct {
	// Dir is the working directory: relative file names, relative paths
	// in requirement lines (pip resolves those against the working
	// directory, not the file) and -e directories are looked up in it.
	// Empty means the process's working directory.
	Dir string
	// Getenv looks up the ${NAME} variables; a variable it returns "" for
	// stays as written, as in pip. Nil expands nothing.
	Getenv func(name string) string
	// Getter fetches http and https URLs; nil makes them an error. file:
	// URLs are read directly.
	Getter Getter
	// Constraint parses a constraints file (pip's -c): its entries are
	// constraints, and must be named, not editable and without extras.
	Constraint bool
	// Settings are the settings before the file (from the command line
	// and configuration, or from the files parsed before this one: pip
	// reads -c files, then -r files).
	Settings Settings
}

// maxDepth bounds nesting, against include chains that never repeat a
// name (a symbolic link to a parent folder, a server that invents URLs).
const maxDepth = 100

// Parse reads the requirements file name (a path, or an http, https or
// file URL) and the files it includes, the way pip 23.2 does. It returns
// the first malformed line as an *Error naming the file and line.
func Parse(ctx context.Context, name string, opts Options) (*File, error) {
	p, err := newParser(name, opts)
	if err != nil {
		return nil, err
	}
	content, err := p.read(ctx, name, nil)
	if err != nil {
		return nil, err
	}
	return p.run(ctx, name, content)
}

// ParseReader is Parse for content read from r; name is the file's name in
// messages and the base of relative -r and -c includes.
func ParseReader(ctx context.Context, r io.Reader, name string, opts Options) (*File, error) {
	p, err := newParser(name, opts)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &Error{Origin: Origin{File: name}, Msg: "Could not open requirements file: " + err.Error(), Err: err}
	}
	content, err := p.decode(name, data, "", nil)
	if err != nil {
		return nil, err
	}
	return p.run(ctx, name, content)
}

type parser struct {
	opts Options
	cwd  string
	file *File
	// features are the --use-feature values of every line read so far.
	// pip's option parsers share one default list for --use-feature, so
	// an option line carries the features of all earlier lines, even of
	// requirement and include lines, where they are otherwise ignored.
	features []string
}

func newParser(name string, opts Options) (*parser, error) {
	cwd := opts.Dir
	if cwd == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		cwd = wd
	}
	return &parser{
		opts: opts,
		cwd:  cwd,
		file: &File{Name: name, Settings: opts.Settings.Clone()},
	}, nil
}

func (p *parser) run(ctx context.Context, name string, content string) (*File, error) {
	ancestors := map[string]string{p.key(name): ""}
	if err := p.parseContent(ctx, name, content, p.opts.Constraint, ancestors, 0); err != nil {
		return nil, err
	}
	if err := p.checkConstraints(); err != nil {
		return nil, err
	}
	f := p.file
	f.HashCheckingMode = f.Settings.RequireHashes
	for _, e := range f.Entries {
		if len(e.Hashes) > 0 {
			f.HashCheckingMode = true
		}
	}
	return f, nil
}

// schemeRE is pip's SCHEME_RE: names that are URLs for includes.
var schemeRE = regexp.MustCompile(`(?i)^(http|https|file):`)

// key identifies a file for cycle detection: its absolute path, or the
// URL.
func (p *parser) key(name string) string {
	if schemeRE.MatchString(name) {
		return name
	}
	return pyAbspath(p.cwd, name)
}

// parseContent is pip's RequirementsFileParser._parse_and_recurse over one
// file's content. ancestors maps the files being read (the include chain
// down to this one) to the file that included each.
func (p *parser) parseContent(ctx context.Context, name, content string, constraint bool, ancestors map[string]string, depth int) error {
	for _, ll := range preprocess(content, p.opts.Getenv) {
		origin := Origin{File: name, Line: ll.number}
		args, optText := breakArgsOptions(ll.text)
		words, err := shlexSplit(optText)
		if err != nil {
			return &Error{Origin: origin, Text: ll.text, Msg: "Invalid requirement: " + ll.text + "\nCould not split options: " + optText, Err: err}
		}
		lo, err := parseOptions(words)
		if err != nil {
			var fc formatControlError
			if errors.As(err, &fc) {
				return &Error{Origin: origin, Text: ll.text, Msg: fc.Error()}
			}
			return &Error{Origin: origin, Text: ll.text, Msg: "Invalid requirement: " + ll.text + "\n" + err.Error()}
		}
		p.features = append(p.features, lo.features...)
		// --no-binary and --only-binary change pip's shared format control
		// while the line is parsed, whatever the line turns out to be.
		for _, op := range lo.formatOps {
			p.file.Settings.Format.Apply(FormatOption{OnlyBinary: op.onlyBinary, Value: op.value})
		}

		switch {
		case args != "":
			if err := p.addRequirement(origin, ll.text, args, false, lo, constraint); err != nil {
				return err
			}
		case len(lo.editables) > 0:
			if err := p.addRequirement(origin, ll.text, lo.editables[0], true, lo, constraint); err != nil {
				return err
			}
		case len(lo.requirements) > 0 || len(lo.constraints) > 0:
			target, nested := "", false
			if len(lo.requirements) > 0 {
				target = lo.requirements[0]
			} else {
				target, nested = lo.constraints[0], true
			}
			if err := p.include(ctx, origin, ll.text, target, nested, ancestors, depth); err != nil {
				return err
			}
		default:
			if err := p.addOptions(origin, ll.text, lo); err != nil {
				return err
			}
		}
	}
	return nil
}

// breakArgsOptions is pip's break_args_options: the words (split at single
// spaces only) before the first one starting with '-' are the requirement,
// the rest are options. Only the options go through shlex, so a marker's
// quotes survive.
func breakArgsOptions(line string) (string, string) {
	tokens := strings.Split(line, " ")
	for i, t := range tokens {
		if strings.HasPrefix(t, "-") {
			return strings.Join(tokens[:i], " "), strings.Join(tokens[i:], " ")
		}
	}
	return line, ""
}

func (p *parser) include(ctx context.Context, origin Origin, text, target string, constraint bool, ancestors map[string]string, depth int) error {
	switch {
	case schemeRE.MatchString(origin.File):
		if joined, err := pyurl.Join(origin.File, target); err == nil {
			target = joined
		} // else Python raises; fetching target as written fails instead
	case !schemeRE.MatchString(target):
		target = pypath.Join(pyDirname(origin.File), target)
	}
	key := p.key(target)
	if first, ok := ancestors[key]; ok {
		msg := fmt.Sprintf("%s recursively references itself in %s", target, origin.File)
		if first != "" {
			msg += " and again in " + first
		}
		return &Error{Origin: origin, Text: text, Msg: msg, Err: ErrCycle}
	}
	if depth+1 >= maxDepth {
		return &Error{Origin: origin, Text: text, Msg: fmt.Sprintf("Requirements files nested more than %d deep at %s", maxDepth, target)}
	}
	content, err := p.read(ctx, target, &origin)
	if err != nil {
		return err
	}
	nested := maps.Clone(ancestors)
	nested[key] = origin.File
	return p.parseContent(ctx, target, content, constraint, nested, depth+1)
}

func (p *parser) addRequirement(origin Origin, text, req string, editable bool, lo *lineOpts, constraint bool) error {
	e := &Entry{Origin: origin, Text: req, Constraint: constraint}
	var (
		c   *classified
		err error
	)
	if editable {
		c, err = classifyEditable(p.cwd, req)
		// pip 23.2 drops every option of an -e line; current pip passes
		// --config-settings on to the build, as for other requirements.
		e.ConfigSettings = lo.configSettings
	} else {
		c, err = classifyLine(p.cwd, req)
		e.Hashes, e.ConfigSettings, e.GlobalOptions = lo.hashes, lo.configSettings, lo.globalOptions
	}
	if err != nil {
		var le *lineError
		if errors.As(err, &le) {
			return &Error{Origin: origin, Text: text, Msg: le.msg, Err: le.err}
		}
		return &Error{Origin: origin, Text: text, Msg: err.Error(), Err: err}
	}
	for _, w := range c.warnings {
		p.file.Warnings = append(p.file.Warnings, Warning{Origin: origin, Msg: w})
	}
	e.Kind, e.Requirement, e.Link, e.Path, e.Extras, e.Marker = c.kind, c.req, c.link, c.path, c.extras, c.marker
	rest := *lo
	if editable {
		rest.editables = lo.editables[1:]
	}
	if rest.anyGlobal() {
		e.Options = rest.lineOptions()
	}
	if len(lo.extraArgs) > 0 {
		p.file.Warnings = append(p.file.Warnings, Warning{Origin: origin, Msg: fmt.Sprintf("ignoring %s after the options", strings.Join(quoteAll(lo.extraArgs), " "))})
	}
	p.file.Entries = append(p.file.Entries, e)
	return nil
}

func quoteAll(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = pystr.Repr(w)
	}
	return out
}

func (lo *lineOpts) lineOptions() *LineOptions {
	o := &LineOptions{
		IndexURL:       lo.indexURL,
		ExtraIndexURLs: lo.extraIndexURLs,
		NoIndex:        lo.noIndex,
		FindLinks:      lo.findLinks,
		PreferBinary:   lo.preferBinary,
		RequireHashes:  lo.requireHashes,
		Pre:            lo.pre,
		TrustedHosts:   lo.trustedHosts,
		Features:       lo.features,
		Requirements:   lo.requirements,
		Constraints:    lo.constraints,
		Editables:      lo.editables,
		Ignored:        lo.extraArgs,
	}
	for _, op := range lo.formatOps {
		o.Format = append(o.Format, FormatOption{OnlyBinary: op.onlyBinary, Value: op.value})
	}
	return o
}

// addOptions records an option line and applies it to the settings, as
// pip's handle_option_line does to its finder, session and options.
func (p *parser) addOptions(origin Origin, text string, lo *lineOpts) error {
	e := &Entry{Origin: origin, Kind: KindOptions, Options: lo.lineOptions()}
	p.file.Entries = append(p.file.Entries, e)
	if len(lo.hashes) > 0 {
		p.file.Warnings = append(p.file.Warnings, Warning{Origin: origin, Msg: "--hash without a requirement is ignored"})
	}
	if len(lo.extraArgs) > 0 {
		p.file.Warnings = append(p.file.Warnings, Warning{Origin: origin, Msg: fmt.Sprintf("ignoring %s after the options", strings.Join(quoteAll(lo.extraArgs), " "))})
	}
	s := &p.file.Settings
	if lo.requireHashes {
		s.RequireHashes = true
	}
	for _, f := range p.features {
		if !slices.Contains(s.Features, f) {
			s.Features = append(s.Features, f)
		}
	}
	if lo.noIndex {
		s.NoIndex = true
		s.IndexURLs = nil
	}
	if lo.indexURL != "" && !s.NoIndex {
		s.IndexURLs = []string{lo.indexURL}
	}
	if len(lo.extraIndexURLs) > 0 && !s.NoIndex {
		s.IndexURLs = append(s.IndexURLs, lo.extraIndexURLs...)
	}
	if len(lo.findLinks) > 0 {
		// Only the first -f of a line counts, as in pip.
		value := lo.findLinks[0]
		nextToFile := pypath.Join(pyDirname(pyAbspath(p.cwd, origin.File)), value)
		if exists(nextToFile) {
			value = nextToFile
		}
		s.FindLinks = append(s.FindLinks, value)
	}
	if lo.pre {
		s.Pre = true
	}
	if lo.preferBinary {
		s.PreferBinary = true
	}
	for _, h := range lo.trustedHosts {
		// pip's session keeps (host, port) pairs.
		host, port, hasPort, err := parseNetloc(h)
		if err == nil && host == "" {
			err = fmt.Errorf("Trusted host URL must include a host part: %s", pystr.Repr(h))
		}
		if err != nil {
			return &Error{Origin: origin, Text: text, Msg: fmt.Sprintf("Invalid --trusted-host %s: %v", pystr.Repr(h), err), Err: err}
		}
		if netloc := buildNetloc(host, port, hasPort); !slices.Contains(s.TrustedHosts, netloc) {
			s.TrustedHosts = append(s.TrustedHosts, netloc)
		}
	}
	return nil
}

// checkConstraints applies the rules pip's resolver enforces on
// constraints (check_invalid_constraint_type) once everything is read.
func (p *parser) checkConstraints() error {
	for _, e := range p.file.Entries {
		if !e.Constraint || e.Kind == KindOptions {
			continue
		}
		var problem string
		switch {
		case e.Requirement == nil:
			problem = "Unnamed requirements are not allowed as constraints"
		case e.Kind == KindEditable:
			problem = "Editable requirements are not allowed as constraints"
		case len(e.Extras) > 0:
			problem = "Constraints cannot have extras"
		}
		if problem != "" {
			return &Error{Origin: e.Origin, Text: e.Text, Msg: problem + "\nHint: constraints take the form name, version specifier and marker; use a requirement for the rest"}
		}
	}
	return nil
}

// read returns the decoded content of a requirements file. via is the
// line that includes it, nil for the file given to Parse.
func (p *parser) read(ctx context.Context, name string, via *Origin) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	origin := Origin{File: name}
	if via != nil {
		origin = *via
	}
	scheme, hasScheme := urlScheme(name)
	isURL := hasScheme && (scheme == "http" || scheme == "https" || scheme == "file")
	switch {
	case isURL && scheme == "file":
		path, err := pyurl.ToPath(name)
		if err != nil {
			return "", &Error{Origin: origin, Msg: "Could not open requirements file: " + err.Error(), Err: err}
		}
		return p.readPath(name, path, origin, via)
	case isURL:
		if p.opts.Getter == nil {
			return "", &Error{Origin: origin, Msg: fmt.Sprintf("Could not fetch requirements file %s: no HTTP client configured", name)}
		}
		body, contentType, err := p.opts.Getter.Get(ctx, name)
		var status *StatusError
		var httpStatus *httpx.StatusError
		switch {
		case errors.As(err, &status):
			return "", &Error{Origin: origin, Msg: status.Error(), Err: err}
		case errors.As(err, &httpStatus):
			// pip prints raise_for_status's message alone.
			return "", &Error{Origin: origin, Msg: httpStatus.Error(), Err: err}
		case err != nil:
			return "", &Error{Origin: origin, Msg: fmt.Sprintf("Could not fetch requirements file %s: %v", name, err), Err: err}
		}
		return p.decode(name, body, contentType, via)
	}
	return p.readPath(name, pyAbspath(p.cwd, name), origin, via)
}

func (p *parser) readPath(name, path string, origin Origin, via *Origin) (string, error) {
	if name == "" {
		// open("") fails; the working directory is not the file.
		err := &os.PathError{Op: "open", Path: name, Err: syscall.ENOENT}
		return "", &Error{Origin: origin, Msg: "Could not open requirements file: " + pyOSError(err, name), Err: err}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", &Error{Origin: origin, Msg: "Could not open requirements file: " + pyOSError(err, name), Err: err}
	}
	return p.decode(name, data, "", via)
}

func (p *parser) decode(name string, data []byte, contentType string, via *Origin) (string, error) {
	content, err := decodeBody(data, contentType)
	if err == nil {
		return content, nil
	}
	origin := Origin{File: name}
	if via != nil {
		origin = *via
	}
	msg := fmt.Sprintf("Could not decode requirements file %s: %v", name, err)
	var de *decodeError
	if errors.As(err, &de) && !de.unknown {
		msg += "\nHint: save it as UTF-8, or name its encoding in a first-line comment such as # -*- coding: latin-1 -*-"
	}
	return "", &Error{Origin: origin, Msg: msg, Err: err}
}

// pyOSError formats an I/O error the way Python prints an OSError:
// "[Errno 2] No such file or directory: 'name'".
func pyOSError(err error, name string) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		text := errno.Error()
		if text != "" {
			text = strings.ToUpper(text[:1]) + text[1:]
		}
		return fmt.Sprintf("[Errno %d] %s: %s", int(errno), text, pystr.Repr(name))
	}
	return err.Error()
}
