package tags

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/gopip/gopip/internal/pystr"
	"github.com/gopip/gopip/resolver/pep508"
)

// FilenameError reports a wheel or sdist file name that does not follow
// its specification. Err, when set, is the underlying cause (a *TagError
// for a bad tag set).
type FilenameError struct {
	Filename string // the file name as given
	Kind     string // "wheel" or "sdist"
	Reason   string // what is wrong, e.g. "invalid version \"1.0~beta\""
	Err      error
}

// Error returns "invalid <kind> filename <name>: <reason>".
func (e *FilenameError) Error() string {
	return fmt.Sprintf("invalid %s filename %q: %s", e.Kind, e.Filename, e.Reason)
}

// Unwrap returns the underlying cause, if any.
func (e *FilenameError) Unwrap() error { return e.Err }

// versionRE is PEP 440's version pattern as packaging's Version accepts
// it: case-insensitive, with optional surrounding white space. It only
// says whether a string is a version; package pep440 parses it.
var versionRE = regexp.MustCompile(`(?i)^\s*v?(?:(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*` +
	`(?:[-_.]?(?:alpha|a|beta|b|preview|pre|c|rc)[-_.]?[0-9]*)?` +
	`(?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?` +
	`(?:[-_.]?dev[-_.]?[0-9]*)?)` +
	`(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?\s*$`)

// isVersion reports whether s is a valid PEP 440 version.
func isVersion(s string) bool { return versionRE.MatchString(s) }

// WheelName is a parsed wheel file name (binary distribution format:
// "{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl").
type WheelName struct {
	// Name is the distribution name exactly as the file name spells it,
	// e.g. "Foo_Bar"; NormalizedName gives the PEP 503 form.
	Name string
	// Version is the version as the file name spells it, e.g. "1.0.post1".
	// ParseWheelFilename checks that it is a valid PEP 440 version;
	// package pep440 parses and normalises it.
	Version string
	// Build is the optional build tag ("" when absent), e.g. "1" or "2abc".
	Build string
	// BuildNumber and BuildSuffix split Build into its leading decimal
	// number and the rest ("2abc" → 2, "abc"), which is how pip orders
	// builds of the same version (packaging's BuildTag tuple). Both are
	// zero when there is no build tag; use HasBuild to tell.
	BuildNumber int
	BuildSuffix string
	// Tags is the expanded compressed tag set, lower-cased.
	Tags []Tag
}

// HasBuild reports whether the file name carries a build tag.
func (w WheelName) HasBuild() bool { return w.Build != "" }

// NormalizedName returns the PEP 503 normalised distribution name,
// "foo-bar" for "Foo_Bar", as packaging's parse_wheel_filename returns it.
func (w WheelName) NormalizedName() string { return pep508.NormalizeName(w.Name) }

// DistInfoDir returns the name of the .dist-info directory a conforming
// wheel contains, "{Name}-{Version}.dist-info", with both parts as the
// file name spells them (tools write them escaped the same way).
func (w WheelName) DistInfoDir() string { return w.Name + "-" + w.Version + ".dist-info" }

// DataDir returns the name of the wheel's optional .data directory,
// "{Name}-{Version}.data".
func (w WheelName) DataDir() string { return w.Name + "-" + w.Version + ".data" }

// DistInfoPrefix returns the prefix that pip requires of the wheel's
// .dist-info directory once both are normalised: pip accepts the single
// "*.dist-info" directory of an archive when canonicalize_name(dir)
// starts with canonicalize_name(project). Use OwnsDistInfo for the check.
func (w WheelName) DistInfoPrefix() string { return w.NormalizedName() }

// OwnsDistInfo reports whether dir, a top-level directory of the wheel
// such as "Foo_Bar-1.0.dist-info", passes pip's check that the archive's
// metadata belongs to this wheel's project (wheel_dist_info_dir: the
// normalised directory name starts with the normalised project name).
func (w WheelName) OwnsDistInfo(dir string) bool {
	if !strings.HasSuffix(dir, ".dist-info") {
		return false
	}
	return strings.HasPrefix(pep508.NormalizeName(dir), w.DistInfoPrefix())
}

// CompareBuild orders two wheels of the same version by build tag as pip
// does: no build tag sorts first, then by BuildNumber, then by
// BuildSuffix. It returns -1, 0 or +1.
func CompareBuild(a, b WheelName) int {
	switch {
	case a.HasBuild() != b.HasBuild():
		if a.HasBuild() {
			return 1
		}
		return -1
	case a.BuildNumber != b.BuildNumber:
		if a.BuildNumber < b.BuildNumber {
			return -1
		}
		return 1
	}
	return strings.Compare(a.BuildSuffix, b.BuildSuffix)
}

// ParseWheelFilename parses a wheel file name as packaging's
// parse_wheel_filename does (which is what pip 26 uses):
//
//   - the name must end in ".whl" (case-sensitive);
//   - the rest has 5 or 6 dash-separated parts: name, version, an
//     optional build tag, then the python, abi and platform tags;
//   - the name may hold only letters, digits, '_' and '.', never "__"
//     (the spec escapes '-' and runs of separators to a single '_');
//   - the version must be a valid PEP 440 version;
//   - the build tag must start with a digit;
//   - the tags are a compressed tag set (see ParseTagSet).
//
// Unlike packaging, an empty name is rejected too.
func ParseWheelFilename(filename string) (WheelName, error) {
	fail := func(format string, args ...any) (WheelName, error) {
		return WheelName{}, &FilenameError{Filename: filename, Kind: "wheel", Reason: fmt.Sprintf(format, args...)}
	}
	stem, ok := strings.CutSuffix(filename, ".whl")
	if !ok {
		return fail("the extension must be \".whl\"")
	}
	parts := strings.Split(stem, "-")
	if len(parts) != 5 && len(parts) != 6 {
		return fail("want 5 or 6 dash-separated parts (name-version[-build]-python-abi-platform), have %d", len(parts))
	}
	w := WheelName{Name: parts[0], Version: parts[1]}
	if w.Name == "" {
		return fail("the project name is empty")
	}
	if strings.Contains(w.Name, "__") {
		return fail("the project name %q contains \"__\" (a run of separators is escaped to a single '_')", w.Name)
	}
	for _, r := range w.Name {
		if r != '_' && r != '.' && !unicode.IsLetter(r) && !unicode.IsNumber(r) {
			return fail("the project name %q contains %q (allowed: letters, digits, '_' and '.')", w.Name, r)
		}
	}
	if !isVersion(w.Version) {
		return fail("invalid version %q", w.Version)
	}
	if len(parts) == 6 {
		w.Build = parts[2]
		i := 0
		for i < len(w.Build) && w.Build[i] >= '0' && w.Build[i] <= '9' {
			i++
		}
		if i == 0 {
			return fail("the build tag %q must start with a digit", w.Build)
		}
		n, err := strconv.Atoi(w.Build[:i])
		if err != nil {
			return fail("the build number %q is too large", w.Build[:i])
		}
		w.BuildNumber, w.BuildSuffix = n, w.Build[i:]
	}
	tagSet := strings.Join(parts[len(parts)-3:], "-")
	tags, err := ParseTagSet(tagSet)
	if err != nil {
		var te *TagError
		if errors.As(err, &te) {
			return WheelName{}, &FilenameError{Filename: filename, Kind: "wheel", Reason: "tags " + strconv.Quote(tagSet) + ": " + te.Reason, Err: err}
		}
		return WheelName{}, &FilenameError{Filename: filename, Kind: "wheel", Reason: err.Error(), Err: err}
	}
	w.Tags = tags
	return w, nil
}

// pipWheelFileRE is pip 23.2's Wheel.wheel_file_re (models/wheel.py),
// with Python's Unicode-aware \s and \d, and Python's "$", which also
// matches before a final newline.
var pipWheelFileRE = pystr.MustCompile(`^(?P<namever>(?P<name>[^{s}-]+?)-(?P<ver>[^{s}-]*?))` +
	`((-(?P<build>[{d}][^-]*?))?-(?P<pyver>[^{s}-]+?)-(?P<abi>[^{s}-]+?)-(?P<plat>[^{s}-]+?)\.whl|\.dist-info)\n?\z`)

// PipWheelName is what pip 23.2's Wheel class makes of a file name, for the
// places where gopip must accept and name a wheel as that pip does (a
// wheel given by path or URL in a requirement, a wheel file on sys.path):
// ok says whether wheel_file_re matches, and name and version are its
// groups with "_" read as "-".
//
// The pattern is much looser than ParseWheelFilename: any characters but
// white space and "-" in the name and version (an empty version too), any
// build tag starting with a digit, tags left unparsed, and
// "name-version.dist-info" accepted as well. ParseWheelFilename is the
// check for what gopip itself installs.
func PipWheelName(filename string) (name, version string, ok bool) {
	m := pipWheelFileRE.FindStringSubmatch(filename)
	if m == nil {
		return "", "", false
	}
	name = m[pipWheelFileRE.SubexpIndex("name")]
	version = m[pipWheelFileRE.SubexpIndex("ver")]
	return strings.ReplaceAll(name, "_", "-"), strings.ReplaceAll(version, "_", "-"), true
}

// SdistName is a parsed source distribution file name,
// "{name}-{version}.tar.gz" or ".zip".
type SdistName struct {
	// Name is the distribution name as the file name spells it; PEP 625
	// names are normalised with '_' for separators, legacy ones are not.
	Name string
	// Version is the version as the file name spells it.
	Version string
	// Ext is the archive extension: ".tar.gz" or ".zip".
	Ext string
}

// NormalizedName returns the PEP 503 normalised distribution name.
func (s SdistName) NormalizedName() string { return pep508.NormalizeName(s.Name) }

func sdistStem(filename string) (stem, ext string, ok bool) {
	for _, ext := range []string{".tar.gz", ".zip"} {
		if stem, ok := strings.CutSuffix(filename, ext); ok {
			return stem, ext, true
		}
	}
	return "", "", false
}

// ParseSdistFilename parses a source distribution file name ending in
// ".tar.gz" or ".zip" (the extensions packaging's parse_sdist_filename
// knows; pip's legacy ".tar.bz2", ".tar.xz", ".tar" and the like are not
// accepted).
//
// A PEP 625 name has exactly one dash. Legacy names may contain dashes in
// the project name ("python-dateutil-2.8.2.tar.gz") and, rarely, in the
// version ("foo-1.0-1.tar.gz", a post release): this function splits at
// the last dash whose right-hand side is a valid PEP 440 version, which
// is packaging's rule for every name whose version has no dash. When the
// caller knows the project, ParseSdistFilenameFor splits as pip does and
// gets the dashed versions right too.
func ParseSdistFilename(filename string) (SdistName, error) {
	stem, ext, ok := sdistStem(filename)
	if !ok {
		return SdistName{}, &FilenameError{Filename: filename, Kind: "sdist", Reason: "the extension must be \".tar.gz\" or \".zip\""}
	}
	if !strings.Contains(stem, "-") {
		return SdistName{}, &FilenameError{Filename: filename, Kind: "sdist", Reason: "no '-' separates the name from the version"}
	}
	for i := strings.LastIndexByte(stem, '-'); i >= 0; i = strings.LastIndexByte(stem[:i], '-') {
		if i > 0 && isVersion(stem[i+1:]) {
			return SdistName{Name: stem[:i], Version: stem[i+1:], Ext: ext}, nil
		}
	}
	return SdistName{}, &FilenameError{Filename: filename, Kind: "sdist", Reason: fmt.Sprintf("no part after a '-' is a valid version (last part %q)", stem[strings.LastIndexByte(stem, '-')+1:])}
}

// ParseSdistFilenameFor parses a source distribution file name for a
// known project, as pip's link evaluator does: the name and version are
// separated by the first dash whose left-hand side normalises to
// project's normalised name. The version is not checked to be PEP 440
// (pip checks it later, when it parses it), but must be non-empty.
func ParseSdistFilenameFor(filename, project string) (SdistName, error) {
	stem, ext, ok := sdistStem(filename)
	if !ok {
		return SdistName{}, &FilenameError{Filename: filename, Kind: "sdist", Reason: "the extension must be \".tar.gz\" or \".zip\""}
	}
	want := pep508.NormalizeName(project)
	for i := 0; i < len(stem); i++ {
		if stem[i] == '-' && pep508.NormalizeName(stem[:i]) == want {
			if i+1 == len(stem) {
				break
			}
			return SdistName{Name: stem[:i], Version: stem[i+1:], Ext: ext}, nil
		}
	}
	return SdistName{}, &FilenameError{Filename: filename, Kind: "sdist", Reason: fmt.Sprintf("it is not \"<name>-<version>\" for project %q", project)}
}
