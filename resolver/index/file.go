package index

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/gopip/gopip/internal/pyurl"
	"github.com/gopip/gopip/resolver/pep440"
	"github.com/gopip/gopip/resolver/tags"
)

// Kind says what a File is to the project it was looked up for.
type Kind int

const (
	// Unclassified is the Kind of a File straight from a parser, before
	// Classify.
	Unclassified Kind = iota
	// Wheel is a wheel of the project; File.Wheel holds its parsed name.
	Wheel
	// Sdist is a source distribution of the project (".tar.gz" or ".zip");
	// File.Sdist holds its parsed name.
	Sdist
	// Ignored is a link that is no candidate for the project; File.Skip
	// says why, in pip's words where pip has them.
	Ignored
)

// String returns "unclassified", "wheel", "sdist" or "ignored".
func (k Kind) String() string {
	switch k {
	case Wheel:
		return "wheel"
	case Sdist:
		return "sdist"
	case Ignored:
		return "ignored"
	}
	return "unclassified"
}

// MetadataInfo says that the index serves the file's core metadata on its
// own, at the file's URL plus ".metadata" (PEP 658, PEP 714).
type MetadataInfo struct {
	// Hashes maps algorithm to hex digest of the metadata file; nil when the
	// index gave none ("true"). Only the algorithms pip knows are kept
	// (sha512, sha384, sha256, sha224, sha1, md5), as pip's
	// supported_hashes does.
	Hashes map[string]string
}

// File is one distribution file listed on an index page or found through
// --find-links.
type File struct {
	// Filename is the file's name: the last segment of its URL, unquoted,
	// or a PEP 691 page's "filename".
	Filename string
	// URL is the absolute URL of the file, without fragment, quoted as pip
	// quotes it. It carries the credentials of the page it came from, if
	// any: print it only through pyurl.Redact. Local files have file: URLs
	// (see LocalPath).
	URL string
	// Hashes maps algorithm names to hex digests: a PEP 691 "hashes"
	// object, over which a "#algo=digest" URL fragment wins, as in pip.
	Hashes map[string]string
	// RequiresPython is the Requires-Python value as published (HTML
	// entities already decoded), "" when absent.
	RequiresPython string
	// PythonSpec is RequiresPython parsed; nil when absent or invalid (pip
	// ignores an invalid Requires-Python, and so does SupportsPython).
	PythonSpec *pep440.SpecifierSet
	// Yanked marks a file yanked under PEP 592; YankedReason is the reason
	// given, possibly "".
	Yanked       bool
	YankedReason string
	// Metadata is non-nil when the index serves the core metadata file on
	// its own (PEP 658).
	Metadata *MetadataInfo
	// Size is the file's size in bytes from a PEP 700 page, 0 when unknown.
	Size int64
	// UploadTime is the PEP 700 upload-time, zero when unknown.
	UploadTime time.Time
	// Index is the index the file was listed on; nil for --find-links.
	Index *Index
	// Source is the page or folder the link was found on (it may carry
	// credentials).
	Source string
	// Verified reports that the page listing the file was verified, so
	// that Hashes are trusted.
	Verified bool

	// Kind and the fields below are set by Classify.
	Kind Kind
	// Wheel is the parsed wheel file name for Kind Wheel.
	Wheel *tags.WheelName
	// Sdist is the parsed source distribution name for Kind Sdist.
	Sdist *tags.SdistName
	// Version is the file's version for Wheel and Sdist.
	Version pep440.Version
	// PyVersion is the "-pyX.Y" suffix pip strips from an sdist's version
	// ("foo-1.0-py3.tar.gz" has Version 1.0 and PyVersion "3"); pip only
	// accepts such a file when it equals the target's "X.Y" or "X".
	PyVersion string
	// Skip says why a file is Ignored, in pip's words where pip has them
	// ("unsupported archive format: .egg", "wrong project name (not foo)").
	Skip string
}

// String names the file with its redacted URL.
func (f File) String() string {
	return fmt.Sprintf("%s (%s)", f.Filename, pyurl.Redact(f.URL))
}

// SupportsPython reports whether the file's Requires-Python admits the
// Python version v, as pip's check_requires_python does: true when there
// is no Requires-Python or it is invalid.
func (f File) SupportsPython(v pep440.Version) bool {
	if f.PythonSpec == nil {
		return true
	}
	return f.PythonSpec.Contains(v, true)
}

// LocalPath returns the path of a file: URL, and whether the URL is one.
func (f File) LocalPath() (string, bool) {
	u, err := url.Parse(f.URL)
	if err != nil || u.Scheme != "file" {
		return "", false
	}
	return u.Path, true
}

// archiveExtensions are the archive formats gopip installs from. pip also
// takes ".tgz", ".tar", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tlz",
// ".tar.lz" and ".tar.lzma" source archives (utils/unpacking.py); the
// source distribution specification (and packaging's parse_sdist_filename,
// and uv) only ".tar.gz", with ".zip" kept for the old sdists that still
// use it.
var archiveExtensions = map[string]bool{".whl": true, ".tar.gz": true, ".zip": true}

// pyVersionRE is LinkEvaluator._py_version_re.
var pyVersionRE = regexp.MustCompile(`-py([123]\.?[0-9]?)$`)

// Classify decides what f is for project, following pip's
// LinkEvaluator.evaluate_link for everything that does not depend on the
// target interpreter or on the user's options: the archive format, the
// wheel file name, the project name, the version. Yanked status, wheel
// tags, Requires-Python, --only-binary/--no-binary are the caller's.
func (f *File) Classify(project string) {
	f.Kind, f.Wheel, f.Sdist, f.Version, f.PyVersion, f.Skip = Ignored, nil, nil, pep440.Version{}, "", ""
	name := f.Filename
	if name == "" || f.URL != "" && strings.TrimRight(f.unquotedPath(), "/") == "" {
		f.Skip = "not a file"
		return
	}
	if strings.ContainsAny(name, "/\\\x00") {
		// Only a doubly-encoded URL gets here ("%252F"); such a name must
		// never reach a file system path.
		f.Skip = "invalid file name"
		return
	}
	_, ext := pipSplitext(name)
	if ext == "" {
		f.Skip = "not a file"
		return
	}
	if !archiveExtensions[ext] {
		f.Skip = "unsupported archive format: " + ext
		return
	}
	if ext == ".zip" && strings.Contains(f.unquotedPath(), "macosx10") {
		f.Skip = "macosx10 one"
		return
	}
	var version string
	canon := normalize(project)
	if ext == ".whl" {
		w, err := tags.ParseWheelFilename(name)
		if err != nil {
			f.Skip = "invalid wheel filename"
			return
		}
		if w.NormalizedName() != canon {
			f.Skip = fmt.Sprintf("wrong project name (not %s)", project)
			return
		}
		v, err := pep440.Parse(w.Version)
		if err != nil {
			f.Skip = "invalid wheel filename"
			return
		}
		f.Kind, f.Wheel, f.Version = Wheel, &w, v
		return
	}
	s, err := tags.ParseSdistFilenameFor(name, project)
	if err != nil {
		f.Skip = "Missing project version for " + project
		return
	}
	version = s.Version
	if m := pyVersionRE.FindStringSubmatchIndex(version); m != nil {
		f.PyVersion = version[m[2]:m[3]]
		version = version[:m[0]]
	}
	v, err := pep440.Parse(version)
	if err != nil {
		f.PyVersion = ""
		f.Skip = fmt.Sprintf("invalid version %q", version)
		return
	}
	f.Kind, f.Sdist, f.Version = Sdist, &s, v
}

// unquotedPath is pip's Link.path.
func (f *File) unquotedPath() string {
	u, err := url.Parse(f.URL)
	if err != nil {
		return ""
	}
	return pyurl.Unquote(u.EscapedPath())
}

// pipSplitext is pip's utils.misc.splitext: posixpath.splitext, with
// ".tar" kept in front of the last extension.
func pipSplitext(name string) (base, ext string) {
	base, ext = pySplitext(name)
	if strings.HasSuffix(strings.ToLower(base), ".tar") {
		ext = base[len(base)-4:] + ext
		base = base[:len(base)-4]
	}
	return base, ext
}

// pySplitext is posixpath.splitext: leading dots do not start an
// extension.
func pySplitext(p string) (string, string) {
	b := path.Base(p)
	if p == "" || strings.HasSuffix(p, "/") {
		b = ""
	}
	dot := strings.LastIndexByte(b, '.')
	if dot <= 0 || strings.Trim(b[:dot], ".") == "" {
		return p, ""
	}
	cut := len(p) - len(b) + dot
	return p[:cut], p[cut:]
}
