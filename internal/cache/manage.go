package cache

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Item is one entry `gopip cache list` shows and `gopip cache remove`
// removes: a built wheel, a downloaded distribution file, an unpacked
// wheel, or a file of the HTTP layer.
type Item struct {
	// Layer is the layer holding it (WheelsLayer, FilesLayer,
	// UnpackedLayer, HTTPLayer).
	Layer string
	// Name is the distribution's file name (for an unpacked wheel, the
	// wheel's); for the HTTP layer, the file's own name.
	Name string
	// Path is the file, or the folder of an unpacked wheel.
	Path string
}

// UnpackedInfoFile is the file of an unpacked wheel's folder that
// describes it; its presence marks a complete entry.
const UnpackedInfoFile = "entry.json"

// UnpackedInfo describes an unpacked wheel (package installer writes it).
type UnpackedInfo struct {
	// Format is the version of the entry's layout.
	Format int `json:"format"`
	// Wheel is the wheel's file name.
	Wheel string `json:"wheel"`
	// Umask is the umask the files' modes were made with: a hard link
	// gives the installed file the cached file's mode, so entries are
	// only linked under the same umask.
	Umask uint32 `json:"umask"`
	// Files is the number of files in the tree.
	Files int `json:"files"`
	// Written is when the description was written (its file's
	// modification time, nanoseconds), set by ReadUnpackedInfo: a stamp
	// whose time is not before it may miss an edit made in the same tick
	// of the file system's clock (git's "racy" entries).
	Written int64 `json:"-"`
}

// FileStamp identifies the content of a cached file without reading it:
// its size, modification time (nanoseconds since the epoch) and inode
// number, as lstat gives them. A file edited in place (through a hard
// link from an environment, say) gets a new modification time; one
// replaced gets a new inode. What it does not catch is a change made on
// purpose to look unchanged (the time set back, on the same inode) or
// below the file system (bit rot): the cache is the user's own, as
// writable as the environments it fills, so it guards against accidents,
// not against its owner.
type FileStamp [3]int64

// StampsFile is the file of an unpacked wheel's folder that keeps the
// stamps of its tree's files (WriteStamps), written before UnpackedInfoFile.
const StampsFile = "stamps"

// stampsHeader begins a stamps file: its format.
const stampsHeader = "gopip stamps 1\n"

// WriteStamps writes the stamps of files (by name) to p: a line per file,
// "size time inode name", for speed (an install reads the stamps of
// every warm entry; JSON took a twentieth of a warm install). Names that
// cannot be written on a line are left out: their files are read again.
func WriteStamps(p string, stamps map[string]FileStamp) error {
	var b strings.Builder
	b.WriteString(stampsHeader)
	for name, s := range stamps {
		if name == "" || strings.ContainsAny(name, "\n\r") {
			continue
		}
		fmt.Fprintf(&b, "%d %d %d %s\n", s[0], s[1], s[2], name)
	}
	return WriteFileAtomic(p, []byte(b.String()), 0o666)
}

// ReadStamps reads what WriteStamps wrote; a line it cannot read is an
// error (the caller then reads every file again).
func ReadStamps(p string) (map[string]FileStamp, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	rest, ok := strings.CutPrefix(string(data), stampsHeader)
	if !ok {
		return nil, fmt.Errorf("%s: not a stamps file of this format", p)
	}
	stamps := make(map[string]FileStamp, strings.Count(rest, "\n"))
	for rest != "" {
		line, more, found := strings.Cut(rest, "\n")
		if !found {
			return nil, fmt.Errorf("%s: truncated", p)
		}
		rest = more
		var s FileStamp
		for i := range s {
			field, after, ok := strings.Cut(line, " ")
			n, err := strconv.ParseInt(field, 10, 64)
			if !ok || err != nil {
				return nil, fmt.Errorf("%s: bad line %q", p, line)
			}
			s[i], line = n, after
		}
		stamps[line] = s
	}
	return stamps, nil
}

// WriteSealed writes data to p (WriteFileAtomic) so that p's modification
// time, by the file system's clock, is after newest (the latest time of
// the stamps p seals; see FileStamp.Vouches). When the write lands in the
// same tick of that clock (file times are coarse: 4 ms here), it waits
// for the clock to move, looking every millisecond for at most wait, and
// writes again. It reports whether p ends up after newest; when not, the
// stamps in that tick do not vouch and their files are read again.
func WriteSealed(p string, data []byte, newest int64, wait time.Duration) (bool, error) {
	deadline := time.Now().Add(wait)
	for {
		if err := WriteFileAtomic(p, data, 0o666); err != nil {
			return false, err
		}
		st, err := os.Stat(p)
		if err != nil {
			return false, err
		}
		if st.ModTime().UnixNano() > newest {
			return true, nil
		}
		if !time.Now().Before(deadline) {
			return false, nil
		}
		time.Sleep(time.Millisecond)
	}
}

// Vouches reports whether the stamp got (lstat's of a file now) shows
// the file unchanged since the stamp s was taken, in an entry written at
// written (UnpackedInfo.Written): same size, time and inode, and a time
// strictly before the entry's, so that an edit after the entry was
// written cannot have kept it.
func (s FileStamp) Vouches(got FileStamp, written int64) bool {
	return s == got && s[1] < written
}

// ReadUnpackedInfo reads the description of the unpacked wheel in dir;
// an error means the entry is missing or incomplete.
func ReadUnpackedInfo(dir string) (UnpackedInfo, error) {
	var info UnpackedInfo
	data, written, err := ReadFileWritten(filepath.Join(dir, UnpackedInfoFile))
	if err != nil {
		return info, err
	}
	if err := json.Unmarshal(data, &info); err != nil {
		return info, fmt.Errorf("%s: %w", filepath.Join(dir, UnpackedInfoFile), err)
	}
	info.Written = written
	return info, nil
}

// ReadFileWritten reads the file p and returns its content and its
// modification time (nanoseconds): when a description of stamps was
// written (FileStamp.Vouches).
func ReadFileWritten(p string) ([]byte, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, 0, err
	}
	return data, st.ModTime().UnixNano(), nil
}

// Packages lists the distributions of the cache whose file name matches
// pattern the way pip's `cache list` and `cache remove` match locally
// built wheels: a pattern with a "-" names at least the version and
// "*.whl" is appended, else "-*.whl" (source distributions are matched
// the same way, with their own extensions). It lists the built wheels,
// the downloaded files and the unpacked wheels, in that order, each
// sorted by path. A pattern that is not a valid glob matches nothing.
func (c *Cache) Packages(pattern string) ([]Item, error) {
	if c == nil {
		return nil, nil
	}
	match := func(name string) bool { return matchPackage(pattern, name) }
	var items []Item
	wheels, err := findFiles(c.Layer(WheelsLayer), match)
	if err != nil {
		return nil, err
	}
	for _, p := range wheels {
		items = append(items, Item{Layer: WheelsLayer, Name: filepath.Base(p), Path: p})
	}
	files, err := findFiles(filepath.Join(c.Layer(FilesLayer), "sha256"), match)
	if err != nil {
		return nil, err
	}
	for _, p := range files {
		items = append(items, Item{Layer: FilesLayer, Name: filepath.Base(p), Path: p})
	}
	infos, err := findFiles(filepath.Join(c.Layer(UnpackedLayer), "sha256"), func(name string) bool { return name == UnpackedInfoFile })
	if err != nil {
		return nil, err
	}
	for _, p := range infos {
		dir := filepath.Dir(p)
		info, err := ReadUnpackedInfo(dir)
		if err != nil || !plainName(info.Wheel) || !match(info.Wheel) {
			continue
		}
		items = append(items, Item{Layer: UnpackedLayer, Name: info.Wheel, Path: dir})
	}
	return items, nil
}

// HTTPFiles lists every file of the HTTP layer (pip's _find_http_files).
func (c *Cache) HTTPFiles() ([]Item, error) {
	if c == nil {
		return nil, nil
	}
	paths, err := findFiles(c.Layer(HTTPLayer), func(string) bool { return true })
	if err != nil {
		return nil, err
	}
	items := make([]Item, len(paths))
	for i, p := range paths {
		items[i] = Item{Layer: HTTPLayer, Name: filepath.Base(p), Path: p}
	}
	return items, nil
}

// Remove removes an item: a file, or an unpacked wheel's folder (renamed
// away first, so that a concurrent install sees it whole or not at all).
func Remove(it Item) error {
	if it.Layer == UnpackedLayer {
		return Evict(it.Path)
	}
	err := os.Remove(it.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// RemoveTemporary removes the temporary files and folders that killed
// processes left in the cache (names starting with ".tmp-"), and returns
// how many there were. Entries being written at the same time by a live
// process are removed too, which only makes that process's store fail.
func (c *Cache) RemoveTemporary() (int, error) {
	if c == nil {
		return 0, nil
	}
	n := 0
	var errs []error
	for _, layer := range []string{HTTPLayer, FilesLayer, UnpackedLayer, WheelsLayer} {
		root := c.Layer(layer)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			if !strings.HasPrefix(d.Name(), tmpPrefix) {
				return nil
			}
			n++
			if err := os.RemoveAll(p); err != nil {
				errs = append(errs, err)
			}
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	return n, errors.Join(errs...)
}

// matchPackage is pip's wheel pattern (commands/cache.py _find_wheels),
// extended to source distributions.
func matchPackage(pattern, name string) bool {
	suffix := "-*"
	if strings.Contains(pattern, "-") {
		suffix = "*"
	}
	for _, ext := range []string{".whl", ".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tar"} {
		if !strings.HasSuffix(name, ext) {
			continue
		}
		if ok, err := path.Match(pattern+suffix+ext, name); err == nil && ok {
			return true
		}
	}
	return false
}

// findFiles is pip's find_files: the files under root (recursively)
// whose names match, skipping temporary entries; none when root does not
// exist. Sorted.
func findFiles(root string, match func(name string) bool) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if strings.HasPrefix(d.Name(), tmpPrefix) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			// An unpacked wheel's tree and byte-code are one item, not
			// their files.
			if (d.Name() == "tree" || d.Name() == "pyc") && p != root {
				return fs.SkipDir
			}
			return nil
		}
		if match(d.Name()) {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// DirSize is pip's directory_size: the sizes of the files under dir
// (symbolic links count 0), 0 when it does not exist.
func DirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		if info, err := d.Info(); err == nil {
			n += info.Size()
		}
		return nil
	})
	return n
}

// FileSize is pip's file_size: 0 for a symbolic link.
func FileSize(p string) int64 {
	info, err := os.Lstat(p)
	if err != nil || info.Mode()&fs.ModeSymlink != 0 {
		return 0
	}
	if info.IsDir() {
		return DirSize(p)
	}
	return info.Size()
}

// FormatSize is pip's format_size (utils/misc.py).
func FormatSize(n int64) string {
	b := float64(n)
	switch {
	case b > 1000*1000:
		return fmt.Sprintf("%.1f MB", b/1000.0/1000)
	case b > 10*1000:
		return fmt.Sprintf("%d kB", int64(b/1000))
	case b > 1000:
		return fmt.Sprintf("%.1f kB", b/1000.0)
	}
	return fmt.Sprintf("%d bytes", n)
}
