package installed

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gopip/gopip/internal/pypath"
	"github.com/gopip/gopip/internal/pystr"
)

// ErrNoRecord is reported (through errors.Is) when a distribution has no
// RECORD file: without one, what belongs to it is unknown, so it can be
// neither uninstalled nor upgraded.
var ErrNoRecord = errors.New("RECORD file not found")

// NoRecordError is the error UninstallPaths returns for a .dist-info
// without RECORD; its message is pip 23.2's.
type NoRecordError struct {
	Name, Version, Installer string
}

func (e *NoRecordError) Error() string {
	msg := fmt.Sprintf("Cannot uninstall %s %s, RECORD file not found.", e.Name, e.Version)
	if e.Installer == "" || e.Installer == "pip" {
		return msg + fmt.Sprintf(" You might be able to recover from this via: 'pip install --force-reinstall --no-deps %s==%s'.", e.Name, e.Version)
	}
	return msg + " Hint: The package was installed by " + e.Installer + "."
}

// Is makes errors.Is(err, ErrNoRecord) hold.
func (e *NoRecordError) Is(target error) bool { return target == ErrNoRecord }

func (d *Distribution) noRecord() error {
	v, _ := d.DisplayVersion()
	return &NoRecordError{Name: d.Name, Version: v, Installer: d.Installer()}
}

// Record reads the distribution's RECORD. The error wraps ErrNoRecord when
// there is none.
func (d *Distribution) Record() ([]RecordEntry, error) {
	if d.Format == EggInfoFile {
		return nil, d.noRecord()
	}
	f, err := os.Open(filepath.Join(d.Path, "RECORD"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, d.noRecord()
		}
		return nil, err
	}
	defer f.Close()
	entries, err := ReadRecord(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name(), err)
	}
	return entries, nil
}

// Files returns the files the distribution declares, in file order, the
// way pip 23.2 lists them (iter_declared_entries): the first column of each
// RECORD row, normalised as pathlib does ("./a//b" → "a/b"); for an
// egg-info without RECORD, the lines of installed-files.txt turned into
// paths relative to Location. It returns ok == false when neither file
// exists. pip's show -f prints them sorted.
func (d *Distribution) Files() (files []string, ok bool, err error) {
	if text, err := d.ReadFile("RECORD"); err == nil {
		for _, row := range recordFirstColumns(text) {
			files = append(files, purePath(row))
		}
		return files, true, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	text, err := d.ReadFile("installed-files.txt")
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	var paths []string
	for _, l := range pystr.SplitLines(text) {
		if l != "" {
			paths = append(paths, l)
		}
	}
	// Entries are relative to the .egg-info directory; make them relative
	// to Location (pip's _convert_installed_files_path).
	info := relParts(d.Location, d.Path)
	if info == nil {
		return paths, true, nil
	}
	for i, p := range paths {
		paths[i] = convertInstalledFilesPath(strings.Split(purePath(p), "/"), info)
	}
	return paths, true, nil
}

// relParts is pathlib.Path(path).relative_to(root).parts, or nil when path
// is not below root or equals it.
func relParts(root, path string) []string {
	root, path = purePath(root), purePath(path)
	var rel string
	switch {
	case root == ".":
		if strings.HasPrefix(path, "/") {
			return nil
		}
		rel = path
	case strings.HasPrefix(path, strings.TrimSuffix(root, "/")+"/"):
		rel = path[len(strings.TrimSuffix(root, "/"))+1:]
	default:
		return nil
	}
	if rel == "" || rel == "." {
		return nil
	}
	return strings.Split(rel, "/")
}

func convertInstalledFilesPath(entry, info []string) string {
	info = append([]string(nil), info...)
	for len(entry) > 0 && entry[0] == ".." {
		if len(info) == 0 || info[len(info)-1] == ".." {
			info = append(info, "..")
		} else {
			info = info[:len(info)-1]
		}
		entry = entry[1:]
	}
	return purePath(strings.Join(append(info, entry...), "/"))
}

// recordFirstColumns returns the first field of every non-empty CSV row of
// a RECORD, parsed as Python's csv.reader(text.splitlines()) does
// (lenient about stray quotes).
func recordFirstColumns(text string) []string {
	var out []string
	lines := pystr.SplitLines(text)
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if line == "" {
			continue
		}
		var field strings.Builder
		inQuotes, quoteSeen, started := false, false, false
	scan:
		for j := 0; ; j++ {
			if j == len(line) {
				if inQuotes && i+1 < len(lines) {
					// A quoted field continues on the next line.
					field.WriteByte('\n')
					i++
					line, j = lines[i], -1
					continue
				}
				break
			}
			c := line[j]
			switch {
			case inQuotes && quoteSeen:
				quoteSeen = false
				switch c {
				case '"':
					field.WriteByte('"')
				case ',':
					break scan
				default:
					inQuotes = false
					field.WriteByte(c)
				}
			case inQuotes:
				if c == '"' {
					quoteSeen = true
				} else {
					field.WriteByte(c)
				}
			case c == ',':
				break scan
			case c == '"' && !started:
				inQuotes = true
			default:
				field.WriteByte(c)
			}
			started = true
		}
		out = append(out, field.String())
	}
	return out
}

// UninstallPaths returns the absolute paths pip 23.2 would remove to
// uninstall the distribution (UninstallPathSet.from_dist), limited to those
// that exist, in a stable order:
//
//   - .dist-info with RECORD: every RECORD path joined to Location; for each
//     .py file also its .pyc and .pyo siblings and its byte-code in
//     __pycache__ for any interpreter tag and optimisation level
//     ("mod.cpython-311.pyc", "mod.cpython-311.opt-1.pyc"; pip removes only
//     its own interpreter's non-optimised file); then the .dist-info
//     directory itself, so that files RECORD does not list go too.
//   - .egg-info directory of a setuptools install: the directory, then the
//     files installed-files.txt lists, or else the top-level packages of
//     top_level.txt (without namespace packages) as pip guesses them.
//   - a legacy editable found through an .egg-link: the .egg-link file
//     (removing its line from easy-install.pth is the caller's job).
//
// Paths are formed as pip forms them: the directory part with symbolic
// links resolved, the last element as written. Scripts of
// console_scripts/gui_scripts entry points that RECORD does not list, and
// the check that the distribution lies inside the target environment, are
// the caller's: they depend on the install scheme.
//
// A .dist-info without RECORD gives an error wrapping ErrNoRecord; a plain
// distutils .egg-info file gives pip's "distutils installed project" error.
func (d *Distribution) UninstallPaths() ([]string, error) {
	u := &uninstallSet{seen: map[string]bool{}}
	switch {
	case d.Format == EggInfo && d.EggLink == "" && !strings.HasSuffix(d.Path, strings.ReplaceAll(d.Name, "-", "_")+".egg-info"):
		u.add(d.Path)
		files, ok, err := d.Files()
		if err != nil {
			return nil, err
		}
		if ok {
			for _, f := range files {
				u.add(pypath.Join(d.Location, f))
			}
		} else if d.hasFile("top_level.txt") {
			var namespaces []string
			if text, err := d.ReadFile("namespace_packages.txt"); err == nil {
				namespaces = pystr.SplitLines(text)
			}
			text, _ := d.ReadFile("top_level.txt")
			for _, pkg := range pystr.SplitLines(text) {
				if pkg == "" || contains(namespaces, pkg) {
					continue
				}
				p := pypath.Join(d.Location, pkg)
				u.add(p)
				u.add(p + ".py")
				u.add(p + ".pyc")
				u.add(p + ".pyo")
			}
		}
	case d.Format == EggInfoFile:
		return nil, fmt.Errorf("Cannot uninstall %s. It is a distutils installed project and thus we cannot accurately determine which files belong to it which would lead to only a partial uninstall.", pystr.Repr(d.Name))
	case d.Format == DistInfo && d.EggLink == "":
		files, ok, err := d.Files()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, d.noRecord()
		}
		for _, f := range files {
			p := pypath.Join(d.Location, f)
			u.add(p)
			if strings.HasSuffix(p, ".py") {
				base := strings.TrimSuffix(p, ".py")
				u.add(base + ".pyc")
				u.add(base + ".pyo")
			}
		}
		u.add(d.Path)
	case d.EggLink != "":
		u.add(d.EggLink)
	}
	return u.paths, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

type uninstallSet struct {
	seen  map[string]bool
	paths []string
}

// add is UninstallPathSet.add: the directory part resolved, the path kept
// only if it exists, and for a .py file its cached byte-code too.
func (u *uninstallSet) add(path string) {
	dir, file := filepath.Split(path)
	path = filepath.Join(pypath.RealPath(dir), file)
	if file == "" {
		path = pypath.RealPath(dir)
	}
	if _, err := os.Stat(path); err != nil {
		return
	}
	if !u.seen[path] {
		u.seen[path] = true
		u.paths = append(u.paths, path)
	}
	if filepath.Ext(path) == ".py" {
		u.addCached(path)
	}
}

// addCached adds the __pycache__ files of source file path for every
// interpreter tag and optimisation level: NAME.TAG.pyc and
// NAME.TAG.opt-N.pyc.
func (u *uninstallSet) addCached(path string) {
	dir, file := filepath.Split(path)
	base := strings.TrimSuffix(file, ".py")
	cache := filepath.Join(dir, "__pycache__")
	entries, err := os.ReadDir(cache)
	if err != nil {
		return
	}
	var found []string
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), base+".")
		if !ok {
			continue
		}
		rest, ok = strings.CutSuffix(rest, ".pyc")
		if !ok || rest == "" {
			continue
		}
		tag, opt, hasOpt := strings.Cut(rest, ".")
		if tag == "" || strings.Contains(opt, ".") || (hasOpt && !strings.HasPrefix(opt, "opt-")) {
			continue
		}
		found = append(found, filepath.Join(cache, e.Name()))
	}
	sort.Strings(found)
	for _, p := range found {
		if !u.seen[p] {
			u.seen[p] = true
			u.paths = append(u.paths, p)
		}
	}
}
