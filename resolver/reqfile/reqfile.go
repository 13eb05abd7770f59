package reqfile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gopip/gopip/resolver/pep508"
)

// Origin is where an entry comes from: a file named the way pip names it
// (the path as given, nested files joined to the folder of the file that
// includes them, or a URL) and the number of the entry's first physical
// line.
type Origin struct {
	File string
	Line int
}

// String returns pip's "line_source": "line 3 of requirements.txt".
func (o Origin) String() string { return fmt.Sprintf("line %d of %s", o.Line, o.File) }

// ComesFrom returns pip's comes_from text for a requirement from this
// line, "-r requirements.txt (line 3)", or "-c …" for a constraint; pip
// prints it in "Collecting x (from -r requirements.txt (line 3))".
func (o Origin) ComesFrom(constraint bool) string {
	flag := "-r"
	if constraint {
		flag = "-c"
	}
	return fmt.Sprintf("%s %s (line %d)", flag, o.File, o.Line)
}

// Kind tells what a line holds.
type Kind int

const (
	// KindRequirement is a PEP 508 requirement: a name with extras,
	// version specifier and marker, or `name @ url`.
	KindRequirement Kind = iota
	// KindPath is a local archive or project directory written as a path:
	// ./dist/pkg-1.0-py3-none-any.whl, ., ../lib[extra].
	KindPath
	// KindURL is an archive or VCS URL written without "name @":
	// https://host/pkg-1.0.tar.gz, git+https://host/repo#egg=pkg.
	KindURL
	// KindEditable is an -e line: a project directory or a VCS URL.
	KindEditable
	// KindOptions is a line of options only (-i, --pre, --no-binary …).
	KindOptions
)

// String returns the kind in lower case: "requirement", "path", "url",
// "editable" or "options".
func (k Kind) String() string {
	switch k {
	case KindRequirement:
		return "requirement"
	case KindPath:
		return "path"
	case KindURL:
		return "url"
	case KindEditable:
		return "editable"
	case KindOptions:
		return "options"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Hash is one --hash=algorithm:digest option.
type Hash struct {
	Algorithm string // sha256, sha384 or sha512
	Digest    string // as written (pip does not check it is hexadecimal)
}

// ConfigSetting is one --config-settings (-C) KEY=VALUE option; a key
// given several times passes a list to the build backend.
type ConfigSetting struct {
	Key, Value string
}

// Entry is one logical line of a requirements file that is not an
// include (-r and -c lines are replaced by the entries of the file they
// name).
type Entry struct {
	Origin Origin
	Kind   Kind
	// Constraint is set for entries of a constraints file (-c), and for
	// the files a constraints file includes with -c; -r inside a
	// constraints file includes requirements, as in pip.
	Constraint bool
	// Text is the requirement as pip passes it on: what precedes the first
	// word starting with '-' (including any spaces left between words), or
	// the argument of -e. Empty for KindOptions.
	Text string
	// Requirement is the named requirement: the line itself for
	// KindRequirement, name==version from a wheel's file name, or the
	// #egg= fragment of a URL or editable. Nil when the entry names no
	// project (a directory, or a URL without #egg=). Its Marker is the
	// line's marker.
	Requirement *pep508.Requirement
	// Link is the URL to install from: the file: URL of a path, the URL of
	// a KindURL or editable entry, or the URL of `name @ url`.
	Link string
	// Path is the absolute local path of a KindPath entry, of a local
	// editable and of a file: URL.
	Path string
	// Extras are the extras pip requests: written after a path
	// (`./pkg[test]`, lower-cased), else the requirement's own (lower
	// case, runs of other characters than letters, digits, '.' and '-'
	// replaced by '_', as pip's safe_extra), sorted.
	Extras []string
	// Marker is the environment marker, or nil.
	Marker *pep508.Marker

	// Per-requirement options (pip's SUPPORTED_OPTIONS_REQ). pip keeps
	// none of them for editables except ConfigSettings.
	Hashes         []Hash
	ConfigSettings []ConfigSetting
	GlobalOptions  []string

	// Options are the options of the line that act outside the
	// requirement (index URLs, --pre …), nil when there are none. On a
	// requirement line pip ignores them, except --no-binary and
	// --only-binary, which change the shared format control.
	Options *LineOptions
}

// Named reports whether the entry names its project (pip's
// InstallRequirement.name is set).
func (e *Entry) Named() bool { return e.Requirement != nil }

// HashMap returns the hashes the way pip keeps them: digests by
// algorithm, in the order given.
func (e *Entry) HashMap() map[string][]string {
	if len(e.Hashes) == 0 {
		return nil
	}
	m := map[string][]string{}
	for _, h := range e.Hashes {
		m[h.Algorithm] = append(m[h.Algorithm], h.Digest)
	}
	return m
}

// LineOptions are the options of one line that act outside a requirement,
// as written, in order where order matters.
type LineOptions struct {
	IndexURL       string   // -i, --index-url, --pypi-url (the last one)
	ExtraIndexURLs []string // --extra-index-url
	NoIndex        bool     // --no-index
	FindLinks      []string // -f, --find-links
	// Format holds --no-binary and --only-binary values in order.
	Format        []FormatOption
	PreferBinary  bool     // --prefer-binary
	RequireHashes bool     // --require-hashes
	Pre           bool     // --pre
	TrustedHosts  []string // --trusted-host
	Features      []string // --use-feature
	// Requirements, Constraints and Editables are -r, -c and -e values
	// that pip ignores because the line is something else (only the first
	// -r, else the first -c, of an option line is followed, and only the
	// first -e of a line is the editable).
	Requirements, Constraints, Editables []string
	// Ignored are words after the options that pip drops silently.
	Ignored []string
}

// FormatOption is one --no-binary (OnlyBinary false) or --only-binary
// value: ":all:", ":none:" or comma-separated names.
type FormatOption struct {
	OnlyBinary bool
	Value      string
}

// Settings are what option lines change outside the requirements: pip's
// PackageFinder search scope and preferences, its session's trusted hosts
// and the install options that requirements files percolate up. Pass the
// command line's settings in Options.Settings; File.Settings has them
// after the file's option lines, applied with pip's rules.
type Settings struct {
	// IndexURLs are the index URLs, the first one the main index. -i
	// replaces the whole list (extra index URLs given earlier too), as in
	// pip; --extra-index-url appends; after --no-index neither does
	// anything.
	IndexURLs []string
	NoIndex   bool
	// FindLinks are the -f locations; a relative path that exists next to
	// the requirements file is made absolute, else kept as written (pip
	// resolves it against the working directory later).
	FindLinks     []string
	Format        FormatControl
	Pre           bool
	PreferBinary  bool
	RequireHashes bool
	// TrustedHosts are "host" or "host:port" as pip's session keeps them:
	// lower case, without user information or path, each once.
	TrustedHosts []string
	Features     []string
}

// Clone returns a deep copy.
func (s Settings) Clone() Settings {
	s.IndexURLs = slices.Clone(s.IndexURLs)
	s.FindLinks = slices.Clone(s.FindLinks)
	s.TrustedHosts = slices.Clone(s.TrustedHosts)
	s.Features = slices.Clone(s.Features)
	s.Format = s.Format.Clone()
	return s
}

// FormatControl is pip's FormatControl: which projects may not use wheels
// (NoBinary) and which may not use source distributions (OnlyBinary).
// Both hold normalised names or ":all:", sorted.
type FormatControl struct {
	NoBinary   []string
	OnlyBinary []string
}

// Clone returns a deep copy.
func (fc FormatControl) Clone() FormatControl {
	return FormatControl{slices.Clone(fc.NoBinary), slices.Clone(fc.OnlyBinary)}
}

// Apply adds one --no-binary or --only-binary value with pip's
// handle_mutual_excludes rules: ":all:" empties both sets and puts ":all:"
// in the target; ":none:" empties the target; a name leaves the other set
// and joins the target.
func (fc *FormatControl) Apply(o FormatOption) {
	target, other := &fc.NoBinary, &fc.OnlyBinary
	if o.OnlyBinary {
		target, other = other, target
	}
	names := strings.Split(o.Value, ",")
	for {
		i := slices.Index(names, ":all:")
		if i < 0 {
			break
		}
		*other = nil
		*target = []string{":all:"}
		names = names[i+1:]
		if !slices.Contains(names, ":none:") {
			return
		}
	}
	for _, n := range names {
		if n == ":none:" {
			*target = nil
			continue
		}
		n = pep508.NormalizeName(n)
		*other = slices.DeleteFunc(*other, func(s string) bool { return s == n })
		if !slices.Contains(*target, n) {
			*target = append(*target, n)
			slices.Sort(*target)
		}
	}
}

// Allowed returns which kinds of file pip may use for the normalised
// project name: wheels (binary) and source distributions (source).
func (fc FormatControl) Allowed(name string) (binary, source bool) {
	switch {
	case slices.Contains(fc.OnlyBinary, name):
		return true, false
	case slices.Contains(fc.NoBinary, name):
		return false, true
	case slices.Contains(fc.OnlyBinary, ":all:"):
		return true, false
	case slices.Contains(fc.NoBinary, ":all:"):
		return false, true
	}
	return true, true
}

// Warning is something pip would log and carry on: a --hash on a line
// without a requirement, a path that looks like a file but does not exist.
type Warning struct {
	Origin Origin
	Msg    string
}

// String returns the message and the place: "… (from line 3 of r.txt)".
func (w Warning) String() string { return fmt.Sprintf("%s (from %s)", w.Msg, w.Origin) }

// File is a parsed requirements file with the files it includes.
type File struct {
	// Name is the file as given to Parse.
	Name string
	// Entries are the requirement and option lines of the file and the
	// files it includes, in the order pip reads them (an included file's
	// entries where its -r or -c line is).
	Entries []*Entry
	// Settings are Options.Settings after the option lines.
	Settings Settings
	// HashCheckingMode is pip's --require-hashes mode: on when it was on
	// already, when a line says --require-hashes, or when any requirement
	// (or constraint) has a --hash. Every requirement must then be pinned
	// with == and hashed.
	HashCheckingMode bool
	// Warnings are what pip logs as warnings while reading the file.
	Warnings []Warning
}

// Requirements returns the entries that are requirements, paths, URLs or
// editables (not options), constraints included.
func (f *File) Requirements() []*Entry {
	var out []*Entry
	for _, e := range f.Entries {
		if e.Kind != KindOptions {
			out = append(out, e)
		}
	}
	return out
}
