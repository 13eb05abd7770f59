package installer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gopip/gopip/installer/installed"
	"github.com/gopip/gopip/internal/pypath"
	"github.com/gopip/gopip/scripts"
)

// asideItem is a path an uninstall moves away: a file, a directory given
// as a path, or a directory pip's compress_for_rename found to hold only
// files being removed (wildcard: pip writes it with a trailing separator
// and, unlike for the others, does not prune its emptied parents).
type asideItem struct {
	path     string
	wildcard bool
}

// uninstallSet is what pip's UninstallPathSet holds for a distribution.
type uninstallSet struct {
	paths   []string // permitted paths that exist, as pip's add() forms them
	refused []string // outside the virtual environment's prefix
}

// collectPaths gathers what pip's UninstallPathSet.from_dist adds for a
// .dist-info distribution: the RECORD paths with their byte-code (from
// package installed), plus the launchers of its console and gui scripts
// in the scripts directory, keeping only paths inside sys.prefix when in a
// virtual environment (pip's _permitted).
func (e *Environment) collectPaths(d *installed.Distribution) (*uninstallSet, error) {
	paths, err := d.UninstallPaths()
	if err != nil {
		return nil, err
	}
	if data, err := d.EntryPoints(); err == nil && data != nil {
		if eps, err := scripts.ParseEntryPoints(data); err == nil {
			bin := pypath.RealPath(e.binDirFor(d))
			for _, ep := range eps {
				if ep.Group != scripts.GroupConsole && ep.Group != scripts.GroupGUI {
					continue
				}
				p := filepath.Join(bin, ep.Name)
				if _, err := os.Stat(p); err == nil {
					paths = append(paths, p)
				}
			}
		}
	}
	set := &uninstallSet{}
	seen := map[string]bool{}
	prefix := pypath.RealPath(e.Interpreter.Prefix)
	for _, p := range paths {
		if seen[p] {
			continue
		}
		seen[p] = true
		if e.Interpreter.InVirtualenv && !strings.HasPrefix(p, prefix) {
			set.refused = append(set.refused, p)
			continue
		}
		set.paths = append(set.paths, p)
	}
	sort.Strings(set.paths)
	return set, nil
}

// binDirFor is the scripts directory pip's uninstall looks in: the user
// scheme's for a distribution in the user site, else the default
// scheme's; gopip's --prefix/--root environments use their own.
func (e *Environment) binDirFor(d *installed.Distribution) string {
	if e.Options.Prefix != "" || e.Options.Root != "" {
		return e.scripts
	}
	in := e.Interpreter
	if in.UserSite != "" && strings.HasPrefix(pypath.RealPath(d.InstalledLocation), pypath.RealPath(in.UserSite)) {
		if s, err := in.scheme("user"); err == nil {
			return s.Scripts
		}
	}
	if s, err := in.scheme("default"); err == nil {
		return s.Scripts
	}
	return e.scripts
}

// protected reports whether moving dir away would move a directory gopip
// needs in place: a scheme directory, the lock directory, or a parent of
// one. pip itself would move such a directory (a site-packages holding
// nothing but the distribution being removed); gopip removes its files
// one by one instead.
func (e *Environment) protected(dir string) bool {
	for _, p := range []string{e.purelib, e.platlib, e.scripts, e.include, e.data, e.LockDir(), e.Target} {
		if p == "" {
			continue
		}
		p = filepath.Clean(p)
		if p == dir || strings.HasPrefix(p, dir+string(filepath.Separator)) {
			return true
		}
		if rp := pypath.RealPath(p); rp == dir || strings.HasPrefix(rp, dir+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// compressForRename is pip's compress_for_rename followed by compact and
// sorted: the directories all of whose files are being removed are moved
// whole.
func (e *Environment) compressForRename(paths []string) []asideItem {
	remaining := map[string]bool{}
	for _, p := range paths {
		remaining[p] = true
	}
	dirSet := map[string]bool{}
	for _, p := range paths {
		dirSet[filepath.Dir(p)] = true
	}
	dirs := make([]string, 0, len(dirSet))
	for d := range dirSet {
		dirs = append(dirs, d)
	}
	sort.Slice(dirs, func(i, j int) bool {
		if len(dirs[i]) != len(dirs[j]) {
			return len(dirs[i]) < len(dirs[j])
		}
		return dirs[i] < dirs[j]
	})
	var wildcards []string
	for _, root := range dirs {
		skip := false
		for _, w := range wildcards {
			if strings.HasPrefix(root, w) {
				skip = true
				break
			}
		}
		if skip || e.protected(root) {
			continue
		}
		files := walkFiles(root)
		all := true
		for _, f := range files {
			if !remaining[f] {
				all = false
				break
			}
		}
		if all {
			for _, f := range files {
				delete(remaining, f)
			}
			wildcards = append(wildcards, root+string(filepath.Separator))
		}
	}
	var items []asideItem
	for p := range remaining {
		items = append(items, asideItem{path: p})
	}
	for _, w := range wildcards {
		items = append(items, asideItem{path: w, wildcard: true})
	}
	kept := compactItems(items)
	for i := range kept {
		kept[i].path = strings.TrimRight(kept[i].path, string(filepath.Separator))
	}
	return kept
}

// compactItems is pip's compact (req_uninstall.py) followed by sorted: it
// drops the paths that lie inside another one ("dir/" or "dir/*").
func compactItems(items []asideItem) []asideItem {
	sort.Slice(items, func(i, j int) bool {
		if len(items[i].path) != len(items[j].path) {
			return len(items[i].path) < len(items[j].path)
		}
		return items[i].path < items[j].path
	})
	var kept []asideItem
	for _, it := range items {
		inside := false
		for _, k := range kept {
			short := strings.TrimRight(k.path, "*")
			base := strings.TrimRight(short, string(filepath.Separator))
			if strings.HasPrefix(it.path, short) && len(it.path) > len(base) && it.path[len(base)] == filepath.Separator {
				inside = true
				break
			}
		}
		if !inside {
			kept = append(kept, it)
		}
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].path < kept[j].path })
	return kept
}

func compactPaths(paths []string) []string {
	items := make([]asideItem, len(paths))
	for i, p := range paths {
		items[i] = asideItem{path: p}
	}
	out := make([]string, 0, len(items))
	for _, it := range compactItems(items) {
		out = append(out, it.path)
	}
	return out
}

// walkFiles lists the files under root as os.walk does (symbolic links
// to directories are neither files nor descended into).
func walkFiles(root string) []string {
	var files []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			if st, err := os.Stat(p); err == nil && st.IsDir() {
				return nil
			}
		}
		files = append(files, p)
		return nil
	})
	return files
}

// removalSet returns what replacing or uninstalling d moves away.
func (inst *installation) removalSet(d *installed.Distribution) ([]asideItem, error) {
	set, err := inst.env.collectPaths(d)
	if err != nil {
		return nil, uninstallError(d, err)
	}
	return inst.env.compressForRename(set.paths), nil
}

// UninstallError is pip's UninstallationError.
type UninstallError struct {
	Name, Version string
	Err           error
}

func (e *UninstallError) Error() string { return e.Err.Error() }
func (e *UninstallError) Unwrap() error { return e.Err }

func uninstallError(d *installed.Distribution, err error) error {
	if errors.Is(err, installed.ErrNoRecord) {
		return &UninstallError{Name: d.Name, Version: d.Version, Err: err}
	}
	return &UninstallError{Name: d.Name, Version: d.Version, Err: fmt.Errorf("uninstalling %s %s: %w", d.Name, d.Version, err)}
}

// plan computes the renames of the commit: old files aside, --target
// items being replaced aside, then every staged tree into place, whole
// directories when nothing is at their destination.
func (inst *installation) plan(aside []asideItem) ([]move, []string, error) {
	t := inst.t
	var moves []move
	var prune []string
	away := map[string]bool{}
	gone := func(p string) bool {
		for q := p; ; q = filepath.Dir(q) {
			if away[q] {
				return true
			}
			if filepath.Dir(q) == q {
				return false
			}
		}
	}
	for _, a := range aside {
		r, err := t.root(inst.anchorFor(a.path))
		if err != nil {
			return nil, nil, err
		}
		moves = append(moves, move{From: a.path, To: r.asidePath()})
		away[a.path] = true
		if !a.wildcard {
			prune = append(prune, filepath.Dir(a.path))
		}
	}
	if inst.env.Target != "" {
		items := make([]string, 0, len(inst.items))
		for it, s := range inst.items {
			if s == itemReplace {
				items = append(items, it)
			}
		}
		sort.Strings(items)
		for _, it := range items {
			r, err := t.root(inst.env.Target)
			if err != nil {
				return nil, nil, err
			}
			p := filepath.Join(inst.env.Target, it)
			moves = append(moves, move{From: p, To: r.asidePath()})
			away[p] = true
		}
	}
	roots := append([]*stageRoot(nil), t.roots...)
	sort.Slice(roots, func(i, j int) bool { return roots[i].anchor < roots[j].anchor })
	var extra, news []move
	var walk func(r *stageRoot, staged, final string) error
	walk = func(r *stageRoot, staged, final string) error {
		entries, err := os.ReadDir(staged)
		if err != nil {
			return err
		}
		for _, e := range entries {
			s := filepath.Join(staged, e.Name())
			f := filepath.Join(final, e.Name())
			lst, err := os.Lstat(f)
			if err != nil || gone(f) {
				news = append(news, move{From: s, To: f})
				continue
			}
			fIsDir := lst.IsDir()
			if lst.Mode()&fs.ModeSymlink != 0 {
				if st, err := os.Stat(f); err == nil && st.IsDir() {
					fIsDir = true
				}
			}
			switch {
			case e.IsDir() && fIsDir:
				if err := walk(r, s, f); err != nil {
					return err
				}
			case !e.IsDir() && !fIsDir:
				extra = append(extra, move{From: f, To: r.asidePath()})
				news = append(news, move{From: s, To: f})
			case e.IsDir():
				return fmt.Errorf("cannot install into %s: a file is in the way", f)
			default:
				return fmt.Errorf("cannot install %s: a directory is in the way", f)
			}
		}
		return nil
	}
	for _, r := range roots {
		if err := walk(r, filepath.Join(r.dir, "new"), r.anchor); err != nil {
			return nil, nil, err
		}
	}
	moves = append(append(moves, extra...), news...)
	return moves, prune, nil
}
