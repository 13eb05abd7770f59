package installed

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/gopip/gopip/internal/coremeta"
	"github.com/gopip/gopip/internal/pypath"
	"github.com/gopip/gopip/internal/pystr"
	"github.com/gopip/gopip/resolver/pep440"
	"github.com/gopip/gopip/resolver/pep508"
	"github.com/gopip/gopip/resolver/tags"
)

// Format says how a distribution's metadata is stored.
type Format int

const (
	// DistInfo is a .dist-info directory (wheels, modern installs).
	DistInfo Format = iota
	// EggInfo is a .egg-info directory (setuptools installs, legacy
	// "setup.py develop" projects).
	EggInfo
	// EggInfoFile is a single .egg-info file holding PKG-INFO (plain
	// distutils installs).
	EggInfoFile
)

func (f Format) String() string {
	switch f {
	case DistInfo:
		return "dist-info"
	case EggInfo:
		return "egg-info"
	case EggInfoFile:
		return "egg-info file"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// Distribution is one installed distribution, as pip 23.2 sees it.
type Distribution struct {
	// Name is the Name field of the metadata, as written (pip's raw_name).
	Name string
	// Version is the Version field, as written. See DisplayVersion for
	// the form pip prints.
	Version string
	// Path is the .dist-info or .egg-info directory (or file), formed
	// like pathlib.Path(dir, entry): absolute when the scanned directory
	// is.
	Path string
	// Location is the directory holding Path (pip's dist.location). For
	// a legacy editable found through an .egg-link file this is the
	// project directory the link points to.
	Location string
	// Metadata is the parsed METADATA or PKG-INFO.
	Metadata *coremeta.Metadata
	// Format says which kind of metadata directory Path is.
	Format Format
	// CanonicalName is the PEP 503 normalised project name pip uses to
	// sort and match this distribution: it comes from the metadata
	// directory's name ("Foo_Bar-1.0.dist-info" → "foo-bar"), not from
	// the Name field.
	CanonicalName string
	// EggLink is the .egg-link file through which a legacy editable
	// ("setup.py develop") distribution was found, or "".
	EggLink string
	// InstalledLocation is the real path of the directory the
	// distribution is installed into: Location with symbolic links
	// resolved, or the directory holding EggLink (pip's
	// installed_location). It decides --user and --local.
	InstalledLocation string
}

// Warnings collects what Scan skipped, one pip-style warning message per
// entry (without the "WARNING: " prefix). The distributions Scan returns
// alongside a *Warnings are complete and valid.
type Warnings struct {
	Messages []string
}

func (w *Warnings) Error() string { return strings.Join(w.Messages, "\n") }

// projectNameRE is the PEP 508 name pattern pip checks canonical names
// against (BaseEnvironment.iter_all_distributions).
var projectNameRE = regexp.MustCompile(`(?i)^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`)

// Scan returns every distribution installed in dirs, in the order pip 23.2
// (with importlib.metadata, its backend on Python 3.11+) finds them:
// directory by directory; inside a directory, the .dist-info and .egg-info
// entries grouped by project name in the order the file system lists them;
// then the projects that .egg-link files in the directory point to. When
// two entries carry the same normalised Name, the first one wins.
//
// A distribution pip would skip with a warning is skipped too: metadata
// without a Name, or a metadata directory whose name is not a valid
// project name (such as the "~atplotlib.dist-info" an interrupted install
// leaves). The error is then a *Warnings with pip's messages, and the
// returned distributions are still the complete result. Directories that
// cannot be listed are ignored, as Python ignores them. Zip files on the
// path and easy_install ".egg" directories are not searched.
func Scan(dirs []string) ([]*Distribution, error) {
	s := &scanner{found: map[string]bool{}}
	for _, dir := range dirs {
		s.scanDir(dir, "", "")
		s.scanEggLinks(dir)
	}
	if len(s.warnings) > 0 {
		return s.dists, &Warnings{Messages: s.warnings}
	}
	return s.dists, nil
}

// Find returns the distribution named name (compared PEP 503-normalised)
// that pip would find in dirs, or nil, nil when none is installed. Warnings
// about other, broken distributions are not reported.
func Find(dirs []string, name string) (*Distribution, error) {
	dists, err := Scan(dirs)
	var w *Warnings
	if err != nil && !errors.As(err, &w) {
		return nil, err
	}
	want := pep508.NormalizeName(name)
	for _, d := range dists {
		if d.CanonicalName == want {
			return d, nil
		}
	}
	return nil, nil
}

type scanner struct {
	found    map[string]bool
	dists    []*Distribution
	warnings []string
}

func (s *scanner) warn(format string, args ...any) {
	s.warnings = append(s.warnings, fmt.Sprintf(format, args...))
}

// scanDir is importlib.metadata's FastPath/Lookup search of one directory
// followed by pip's _DistributionFinder._find_impl. eggLink and
// installedAt are set when dir was reached through an .egg-link file.
func (s *scanner) scanDir(dir, eggLink, installedAt string) {
	f, err := os.Open(dirOrDot(dir))
	if err != nil {
		return
	}
	names, err := f.Readdirnames(-1) // file system order, as os.listdir
	f.Close()
	if err != nil && len(names) == 0 {
		return
	}
	if isWheelFile(dir) {
		return
	}
	// Lookup: group by normalised name in first-seen order.
	var order []string
	groups := map[string][]string{}
	for _, child := range names {
		low := strings.ToLower(child)
		if !strings.HasSuffix(low, ".dist-info") && !strings.HasSuffix(low, ".egg-info") {
			continue
		}
		stem := low[:strings.LastIndexByte(low, '.')]
		name, _, _ := strings.Cut(stem, "-")
		key := lookupNormalize(name)
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], child)
	}
	for _, key := range order {
		for _, child := range groups[key] {
			s.consider(dir, child, eggLink, installedAt)
		}
	}
}

// lookupNormalize is importlib.metadata's Prepared.normalize.
func lookupNormalize(name string) string {
	return strings.ReplaceAll(pep508.NormalizeName(name), "-", "_")
}

func (s *scanner) consider(dir, child, eggLink, installedAt string) {
	path := pathJoin(dir, child)
	d, ok := load(path)
	if !ok {
		s.warn("Skipping %s due to invalid metadata entry 'name'", path)
		return
	}
	key := pep508.NormalizeName(d.Name)
	if s.found[key] {
		return
	}
	s.found[key] = true
	// pip checks the name only after it has claimed it, so an invalid
	// entry still hides a valid one of the same Name later on.
	if !projectNameRE.MatchString(d.CanonicalName) {
		s.warn("Ignoring invalid distribution %s (%s)", d.CanonicalName, d.Location)
		return
	}
	d.EggLink = eggLink
	if installedAt != "" {
		d.InstalledLocation = pypath.RealPath(installedAt)
	}
	s.dists = append(s.dists, d)
}

// load reads the distribution whose metadata is at path. ok is false when
// the metadata has no Name field (pip's BadMetadata).
func load(path string) (d *Distribution, ok bool) {
	d = &Distribution{Path: path, Location: pathParent(path)}
	info, err := os.Stat(path)
	switch {
	case err == nil && !info.IsDir():
		d.Format = EggInfoFile
	case strings.HasSuffix(strings.ToLower(path), ".egg-info"):
		d.Format = EggInfo
	default:
		d.Format = DistInfo
	}
	text := ""
	for _, name := range []string{"METADATA", "PKG-INFO", ""} {
		if t, ok, valid := readText(filepath.Join(path, name)); ok && valid && t != "" {
			text = t
			break
		}
		if name == "" && d.Format != EggInfoFile {
			break
		}
	}
	m, err := coremeta.Parse([]byte(text))
	if err != nil {
		return nil, false // not reached: readText checked the text is UTF-8
	}
	d.Metadata = m
	if !d.Metadata.Has("Name") {
		return nil, false
	}
	d.Name = d.Metadata.Get("Name")
	d.Version = d.Metadata.Get("Version")
	d.CanonicalName = pep508.NormalizeName(nameFromInfoDir(path, d.Name))
	d.InstalledLocation = pypath.RealPath(d.Location)
	return d, true
}

// nameFromInfoDir is pip's _get_dist_name_from_location: the part of the
// metadata directory's name before the first "-", falling back to the
// Name field.
func nameFromInfoDir(path, name string) string {
	base := path[strings.LastIndexByte(path, '/')+1:]
	ext := filepath.Ext(base)
	if ext != ".dist-info" && ext != ".egg-info" {
		return name
	}
	stem, _, _ := strings.Cut(strings.TrimSuffix(base, ext), "-")
	if stem == "" {
		return name
	}
	return stem
}

// scanEggLinks is pip's _DistributionFinder.find_linked: every .egg-link
// file in dir names, on its first non-blank line, a directory to search;
// what is found there counts as installed in dir.
func (s *scanner) scanEggLinks(dir string) {
	f, err := os.Open(dirOrDot(dir))
	if err != nil {
		return
	}
	names, _ := f.Readdirnames(-1)
	f.Close()
	for _, child := range names {
		if filepath.Ext(child) != ".egg-link" || child == ".egg-link" {
			continue
		}
		link := pathJoin(dir, child)
		text, ok, valid := readText(link)
		if !ok || !valid {
			continue
		}
		target := ""
		for _, l := range strings.Split(text, "\n") {
			if t := pystr.Strip(l); t != "" {
				target = t
				break
			}
		}
		if target == "" {
			continue
		}
		s.scanDir(pathJoin(dir, target), link, dir)
	}
}

func dirOrDot(dir string) string {
	if dir == "" {
		return "."
	}
	return dir
}

// isWheelFile is pip's _looks_like_wheel: a wheel file on sys.path, whose
// contents pip never counts as installed.
func isWheelFile(path string) bool {
	if !strings.HasSuffix(path, ".whl") {
		return false
	}
	info, err := os.Stat(path)
	if err != nil || !info.Mode().IsRegular() {
		return false
	}
	_, _, ok := tags.PipWheelName(filepath.Base(path))
	return ok
}

// DisplayVersion returns the version as pip prints it, and whether it is a
// valid PEP 440 version: the normalised form for PEP 440 versions
// ("1.0.0-Alpha1" → "1.0.0a1"), the text as written otherwise.
func (d *Distribution) DisplayVersion() (version string, pep440Valid bool) {
	v, err := pep440.Parse(d.Version)
	if err != nil {
		return d.Version, false
	}
	return v.String(), true
}

// ReadFile reads a file of the metadata directory as UTF-8 text with
// universal newlines, the way importlib.metadata's read_text does. It
// returns an error wrapping fs.ErrNotExist when the file is missing or
// cannot be read as a file.
func (d *Distribution) ReadFile(name string) (string, error) {
	if d.Format == EggInfoFile {
		return "", fmt.Errorf("%s: %w", filepath.Join(d.Path, name), os.ErrNotExist)
	}
	p := filepath.Join(d.Path, name)
	text, ok, valid := readText(p)
	if !ok {
		return "", fmt.Errorf("%s: %w", p, os.ErrNotExist)
	}
	if !valid {
		return "", fmt.Errorf("%s: not valid UTF-8", p)
	}
	return text, nil
}

// hasFile is pip's is_file: the metadata directory holds a readable file
// called name.
func (d *Distribution) hasFile(name string) bool {
	if d.Format == EggInfoFile {
		return false
	}
	info, err := os.Stat(filepath.Join(d.Path, name))
	return err == nil && !info.IsDir()
}

// Installer returns the first non-blank line of INSTALLER, stripped, or ""
// when there is none (pip's dist.installer).
func (d *Distribution) Installer() string {
	text, err := d.ReadFile("INSTALLER")
	if err != nil {
		return ""
	}
	for _, l := range pystr.SplitLines(text) {
		if t := pystr.Strip(l); t != "" {
			return t
		}
	}
	return ""
}

// Requested reports whether a REQUESTED file marks the distribution as
// asked for by the user rather than installed as a dependency.
func (d *Distribution) Requested() bool { return d.hasFile("REQUESTED") }

// EntryPoints returns the raw contents of entry_points.txt, or nil when
// there is none. Parsing is package scripts' business.
func (d *Distribution) EntryPoints() ([]byte, error) {
	if d.Format == EggInfoFile {
		return nil, nil
	}
	data, err := os.ReadFile(filepath.Join(d.Path, "entry_points.txt"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			// A directory or unreadable file counts as absent, as in
			// importlib.metadata.
			return nil, nil
		}
		return nil, err
	}
	return data, nil
}

// MetadataVersion returns the Metadata-Version field, or "".
func (d *Distribution) MetadataVersion() string { return d.Metadata.Get("Metadata-Version") }

// DirectURL returns the parsed direct_url.json (PEP 610), or nil, nil when
// the distribution has none. A malformed file gives a nil DirectURL and an
// error carrying pip's warning text ("Error parsing direct_url.json for
// ..."); pip then treats the distribution as having no direct URL.
func (d *Distribution) DirectURL() (*DirectURL, error) {
	text, err := d.ReadFile("direct_url.json")
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("Error parsing direct_url.json for %s: %w", d.CanonicalName, err)
	}
	u, err := ParseDirectURL([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("Error parsing direct_url.json for %s: %w", d.CanonicalName, err)
	}
	return u, nil
}

// EditableLocation returns the project directory of an editable install
// as pip 23.2 computes it (editable_project_location), or "" when the
// distribution is not editable: the path of direct_url.json's file: URL
// when dir_info.editable is true; otherwise, when an .egg-link file for the
// project is in one of sysPath's directories, Location. A direct_url.json
// that cannot be parsed counts as absent, as in pip.
func (d *Distribution) EditableLocation(sysPath []string) string {
	u, _ := d.DirectURL()
	if u != nil {
		if u.IsLocalEditable() {
			p, err := FileURLToPath(u.URL)
			if err != nil {
				return ""
			}
			return p
		}
		return ""
	}
	name := eggLinkName(d.Name)
	for _, dir := range sysPath {
		info, err := os.Stat(pypath.Join(dir, name))
		if err == nil && info.Mode().IsRegular() {
			return d.Location
		}
	}
	return ""
}

// Editable reports whether EditableLocation is not "".
func (d *Distribution) Editable(sysPath []string) bool { return d.EditableLocation(sysPath) != "" }

var eggLinkUnsafe = regexp.MustCompile(`[^A-Za-z0-9.]+`)

// eggLinkName is pip's _egg_link_name (pkg_resources.safe_name + suffix).
func eggLinkName(rawName string) string {
	return eggLinkUnsafe.ReplaceAllString(rawName, "-") + ".egg-link"
}
