package pypath

import "path/filepath"

// RealPath is Python's os.path.realpath (non-strict, as pip calls it): p
// made absolute against the working directory, with every symbolic link
// resolved; components that do not exist are kept as written after the
// longest prefix that does. "" is the working directory.
//
// Two differences remain, for paths pip does not meet in practice: ".." is
// applied to the path as written before links are resolved (filepath.Abs
// cleans the path), where Python resolves the link first, so "link/.." is
// the directory holding link here and the parent of link's target in
// Python; and a link whose target does not exist is kept as the link's own
// path, where Python follows it to the missing target.
func RealPath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		return r
	}
	// Resolve the longest existing prefix and keep the rest as written.
	dir, rest := abs, ""
	for {
		parent := filepath.Dir(dir)
		if parent == dir {
			return abs
		}
		rest = filepath.Join(filepath.Base(dir), rest)
		dir = parent
		if r, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(r, rest)
		}
	}
}
