package build

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Limits bound what unpacking one source archive may produce. The zero
// value means the defaults.
type Limits struct {
	// MaxFiles is the most entries an archive may have (default 100,000).
	MaxFiles int
	// MaxFileSize is the largest uncompressed size of one file (default
	// 1 GiB).
	MaxFileSize int64
	// MaxTotalSize is the largest uncompressed size of all files together
	// (default 4 GiB): a decompression bomb stops there.
	MaxTotalSize int64
}

func (l Limits) withDefaults() Limits {
	if l.MaxFiles <= 0 {
		l.MaxFiles = 100_000
	}
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = 1 << 30
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = 4 << 30
	}
	return l
}

// ArchiveError is a source archive gopip refuses to unpack. Nothing of it
// has run; whatever was unpacked is removed.
type ArchiveError struct {
	Archive string // the archive file
	Entry   string // the entry concerned, as the archive names it, or ""
	Reason  string
}

// Error names the archive, the entry and the reason.
func (e *ArchiveError) Error() string {
	if e.Entry == "" {
		return fmt.Sprintf("unsafe source archive %s: %s", e.Archive, e.Reason)
	}
	return fmt.Sprintf("unsafe source archive %s: entry %q: %s", e.Archive, e.Entry, e.Reason)
}

// archiveKind tells how to open a source archive, by its file name as pip's
// unpack_file does; "" for what is not one.
func archiveKind(name string) string {
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, ".zip"):
		return "zip"
	case strings.HasSuffix(lower, ".tar.gz"), strings.HasSuffix(lower, ".tgz"):
		return "tar.gz"
	case strings.HasSuffix(lower, ".tar.bz2"), strings.HasSuffix(lower, ".tbz"):
		return "tar.bz2"
	case strings.HasSuffix(lower, ".tar"):
		return "tar"
	case strings.HasSuffix(lower, ".tar.xz"), strings.HasSuffix(lower, ".txz"), strings.HasSuffix(lower, ".tlz"),
		strings.HasSuffix(lower, ".tar.lz"), strings.HasSuffix(lower, ".tar.lzma"):
		return "xz"
	}
	return ""
}

// entry is one archive member, normalised.
type entry struct {
	raw      string // the name as written in the archive
	name     string // cleaned, slash-separated, relative
	typ      byte   // tar.TypeReg, tar.TypeDir, tar.TypeSymlink, tar.TypeLink
	mode     int64  // permission bits as recorded
	size     int64  // declared size, for regular files
	linkname string // symlink target as written, or hard-link target cleaned
	open     func() (io.ReadCloser, error)
}

// walkArchive calls fn for each entry of the archive, in archive order,
// after checking its name and type. A tar entry's open must be called
// before the next entry, if at all. fn returning errStop ends the walk
// without error.
func walkArchive(archive string, limits Limits, fn func(*entry) error) error {
	bad := func(raw, reason string) error { return &ArchiveError{Archive: archive, Entry: raw, Reason: reason} }
	kind := archiveKind(archive)
	count := 0
	check := func(e *entry) error {
		count++
		if count > limits.MaxFiles {
			return bad("", fmt.Sprintf("more than %d entries", limits.MaxFiles))
		}
		name, err := cleanEntryName(e.raw)
		if err != nil {
			return bad(e.raw, err.Error())
		}
		e.name = name
		if e.typ == tar.TypeReg && e.size > limits.MaxFileSize {
			return bad(e.raw, fmt.Sprintf("%d bytes, more than the limit of %d", e.size, limits.MaxFileSize))
		}
		if e.typ == tar.TypeLink {
			target, err := cleanEntryName(e.linkname)
			if err != nil || target == "" {
				return bad(e.raw, "hard link to "+fmt.Sprintf("%q", e.linkname)+" outside the archive")
			}
			e.linkname = target
		}
		if e.typ == tar.TypeSymlink {
			if e.linkname == "" || strings.HasPrefix(e.linkname, "/") || strings.ContainsRune(e.linkname, 0) {
				return bad(e.raw, fmt.Sprintf("symbolic link to %q outside the archive", e.linkname))
			}
		}
		return fn(e)
	}

	switch kind {
	case "zip":
		zr, err := zip.OpenReader(archive)
		if err != nil {
			return &ArchiveError{Archive: archive, Reason: "not a zip archive: " + err.Error()}
		}
		defer zr.Close()
		for _, f := range zr.File {
			e := &entry{raw: f.Name, mode: int64(f.Mode().Perm())}
			m := f.Mode()
			switch {
			case strings.HasSuffix(f.Name, "/") || m.IsDir():
				e.typ = tar.TypeDir
			case m&fs.ModeSymlink != 0:
				e.typ = tar.TypeSymlink
				if f.UncompressedSize64 > 4096 {
					return bad(f.Name, "symbolic link target too long")
				}
				rc, err := f.Open()
				if err != nil {
					return bad(f.Name, err.Error())
				}
				target, err := io.ReadAll(io.LimitReader(rc, 4097))
				rc.Close()
				if err != nil {
					return bad(f.Name, err.Error())
				}
				e.linkname = string(target)
			case m.IsRegular():
				e.typ = tar.TypeReg
				if f.UncompressedSize64 > 1<<62 {
					return bad(f.Name, "impossible size")
				}
				e.size = int64(f.UncompressedSize64)
				e.open = f.Open
			default:
				return bad(f.Name, "not a regular file, directory or symbolic link ("+m.Type().String()+")")
			}
			if err := check(e); err != nil {
				return err
			}
		}
		return nil
	case "tar", "tar.gz", "tar.bz2":
	case "xz":
		return &ArchiveError{Archive: archive, Reason: "xz and lzma compressed archives are not supported; use a .tar.gz, .tar.bz2 or .zip sdist"}
	default:
		return &ArchiveError{Archive: archive, Reason: "not a source archive (.tar.gz, .tgz, .tar.bz2, .tbz, .tar or .zip)"}
	}

	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	var r io.Reader = bufio.NewReaderSize(f, 64<<10)
	switch kind {
	case "tar.gz":
		gz, err := gzip.NewReader(r)
		if err != nil {
			return &ArchiveError{Archive: archive, Reason: "not a gzip file: " + err.Error()}
		}
		defer gz.Close()
		r = gz
	case "tar.bz2":
		r = bzip2.NewReader(r)
	}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &ArchiveError{Archive: archive, Reason: "reading tar: " + err.Error()}
		}
		e := &entry{raw: h.Name, mode: h.Mode & 0o7777, linkname: h.Linkname}
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeRegA, tar.TypeGNUSparse:
			e.typ = tar.TypeReg
			e.size = h.Size
			e.open = func() (io.ReadCloser, error) { return io.NopCloser(tr), nil }
		case tar.TypeDir:
			e.typ = tar.TypeDir
		case tar.TypeSymlink:
			e.typ = tar.TypeSymlink
		case tar.TypeLink:
			e.typ = tar.TypeLink
		case tar.TypeXGlobalHeader:
			count++
			continue
		case tar.TypeChar, tar.TypeBlock:
			return bad(h.Name, "device file")
		case tar.TypeFifo:
			return bad(h.Name, "named pipe")
		default:
			return bad(h.Name, fmt.Sprintf("unsupported tar entry type %q", h.Typeflag))
		}
		if err := check(e); err != nil {
			return err
		}
	}
}

// errStop ends walkArchive early without error.
var errStop = errors.New("stop")

// cleanEntryName turns an archive name into a relative slash-separated
// path, refusing absolute paths, ".." components, NUL bytes and
// backslashes (a Windows separator that would make the name mean something
// else there). "" is the archive root ("./").
func cleanEntryName(raw string) (string, error) {
	if strings.ContainsRune(raw, 0) {
		return "", errors.New("NUL byte in name")
	}
	if strings.ContainsRune(raw, '\\') {
		return "", errors.New(`backslash in name`)
	}
	if strings.HasPrefix(raw, "/") || (len(raw) >= 2 && raw[1] == ':') {
		return "", errors.New("absolute path")
	}
	var parts []string
	for _, p := range strings.Split(raw, "/") {
		switch p {
		case "", ".":
			continue
		case "..":
			return "", errors.New(`".." component escapes the archive`)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "/"), nil
}

// leadingDir returns the single top-level directory every entry is in,
// the way pip's has_leading_dir decides to strip it, or "".
func leadingDir(names []string, dirs map[string]bool) string {
	common := ""
	for _, n := range names {
		if n == "" {
			continue
		}
		first, _, _ := strings.Cut(n, "/")
		if common == "" {
			common = first
		} else if first != common {
			return ""
		}
	}
	if common == "" || !dirs[common] {
		return ""
	}
	return common
}

// unpack extracts archive into dest (which must exist and be empty) as pip
// extracts an sdist, with the leading directory stripped, and safely:
//
//   - names that are absolute, hold "..", NUL bytes or backslashes are
//     refused, and every file is created through an os.Root, so that
//     nothing is written outside dest even through a symbolic link;
//   - device files and named pipes are refused;
//   - symbolic links are created last and must resolve, inside dest, to an
//     existing file or directory; hard links must name an earlier regular
//     file of the archive;
//   - the number of entries and the sizes are bounded by limits, and no
//     file is read beyond its declared size.
//
// Regular files get mode 0644, or 0755 when any execute bit is recorded
// (pip's rule). On error dest is emptied again.
func unpack(archive, dest string, limits Limits) (err error) {
	limits = limits.withDefaults()
	// First pass: names only, to decide the leading directory before
	// writing anything (a tar can only be read forward).
	var names []string
	dirs := map[string]bool{}
	err = walkArchive(archive, limits, func(e *entry) error {
		names = append(names, e.name)
		if e.typ == tar.TypeDir {
			dirs[e.name] = true
		}
		if i := strings.IndexByte(e.name, '/'); i > 0 {
			dirs[e.name[:i]] = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	// A file with the leading directory's name disqualifies it.
	strip := leadingDir(names, dirs)
	if strip != "" {
		for _, n := range names {
			if n == strip && !dirs[n] {
				strip = ""
			}
		}
	}
	rel := func(name string) string {
		if strip == "" {
			return name
		}
		if name == strip {
			return ""
		}
		return strings.TrimPrefix(name, strip+"/")
	}

	root, err := os.OpenRoot(dest)
	if err != nil {
		return err
	}
	defer root.Close()
	defer func() {
		if err != nil {
			clearDir(dest)
		}
	}()

	type link struct{ raw, name, target string }
	var symlinks []link
	regular := map[string]bool{}
	var total int64
	bad := func(raw, reason string) error { return &ArchiveError{Archive: archive, Entry: raw, Reason: reason} }
	err = walkArchive(archive, limits, func(e *entry) error {
		name := rel(e.name)
		if name == "" {
			if e.typ == tar.TypeDir {
				return nil
			}
			return bad(e.raw, "entry at the archive root has no name")
		}
		local := filepath.FromSlash(name)
		switch e.typ {
		case tar.TypeDir:
			if err := root.MkdirAll(local, 0o755); err != nil {
				return bad(e.raw, err.Error())
			}
		case tar.TypeSymlink:
			symlinks = append(symlinks, link{e.raw, local, e.linkname})
		case tar.TypeLink:
			target := rel(e.linkname)
			if !regular[target] {
				return bad(e.raw, fmt.Sprintf("hard link to %q, which is not an earlier regular file of the archive", e.linkname))
			}
			if err := mkParent(root, local); err != nil {
				return bad(e.raw, err.Error())
			}
			_ = root.Remove(local)
			if err := root.Link(filepath.FromSlash(target), local); err != nil {
				return bad(e.raw, err.Error())
			}
			regular[name] = true
		case tar.TypeReg:
			total += e.size
			if total > limits.MaxTotalSize {
				return bad(e.raw, fmt.Sprintf("the archive unpacks to more than %d bytes", limits.MaxTotalSize))
			}
			if err := mkParent(root, local); err != nil {
				return bad(e.raw, err.Error())
			}
			perm := fs.FileMode(0o644)
			if e.mode&0o111 != 0 {
				perm = 0o755
			}
			rc, err := e.open()
			if err != nil {
				return bad(e.raw, err.Error())
			}
			err = writeEntry(root, local, perm, rc, e.size)
			rc.Close()
			if err != nil {
				return bad(e.raw, err.Error())
			}
			regular[name] = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, l := range symlinks {
		if err := mkParent(root, l.name); err != nil {
			return bad(l.raw, err.Error())
		}
		if err := root.Symlink(filepath.FromSlash(l.target), l.name); err != nil {
			return bad(l.raw, err.Error())
		}
	}
	// Only now, with every link in place, can a chain of links be judged:
	// os.Root follows them and refuses any step out of dest.
	for _, l := range symlinks {
		if _, err := root.Stat(l.name); err != nil {
			reason := fmt.Sprintf("symbolic link to %q does not resolve inside the archive", l.target)
			return bad(l.raw, reason)
		}
	}
	return nil
}

func mkParent(root *os.Root, local string) error {
	if dir := filepath.Dir(local); dir != "." {
		return root.MkdirAll(dir, 0o755)
	}
	return nil
}

// writeEntry writes exactly size bytes from r into name, refusing an entry
// whose data is longer or shorter than declared.
func writeEntry(root *os.Root, name string, perm fs.FileMode, r io.Reader, size int64) error {
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, io.LimitReader(r, size+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("data is %s than the %d bytes declared", map[bool]string{true: "longer", false: "shorter"}[n > size], size)
	}
	return nil
}

// readArchiveFile returns the content of the file at name (relative to
// the leading directory, e.g. "PKG-INFO") without unpacking anything, or
// nil when the archive has no such file. Only a file of at most max bytes
// is read.
func readArchiveFile(archive string, limits Limits, name string, max int64) ([]byte, error) {
	limits = limits.withDefaults()
	var data []byte
	err := walkArchive(archive, limits, func(e *entry) error {
		_, rest, ok := strings.Cut(e.name, "/")
		if !ok || rest != name || e.typ != tar.TypeReg {
			return nil
		}
		if e.size > max {
			return errStop
		}
		rc, err := e.open()
		if err != nil {
			return err
		}
		defer rc.Close()
		var buf bytes.Buffer
		if _, err := io.Copy(&buf, io.LimitReader(rc, e.size)); err != nil {
			return err
		}
		data = buf.Bytes()
		return errStop
	})
	if err != nil && err != errStop {
		return nil, err
	}
	return data, nil
}

// clearDir removes everything inside dir, keeping dir.
func clearDir(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}
