package installer

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// LinkMode says how files of the unpacked-wheel cache (InstallOptions.Cache)
// are put into an environment, and how freshly extracted files are put
// into the cache.
type LinkMode int

const (
	// LinkAuto, the default, clones (reflink) where the file system can,
	// else hard-links where the cache and the environment share a file
	// system, else copies.
	LinkAuto LinkMode = iota
	// LinkReflink clones files (FICLONE on Linux: btrfs, XFS, bcachefs…):
	// the environment's file and the cache's share their blocks until one
	// is written, which then gets its own. Falls back to copying where
	// the file system cannot clone.
	LinkReflink
	// LinkHardlink hard-links files: the environment's file is the cache's
	// file. Falls back to copying across file systems.
	LinkHardlink
	// LinkCopy copies files.
	LinkCopy
)

// ParseLinkMode reads --link-mode: "reflink" (or "clone", uv's name),
// "hardlink", "copy", or "auto" / "" for LinkAuto.
func ParseLinkMode(s string) (LinkMode, error) {
	switch s {
	case "", "auto":
		return LinkAuto, nil
	case "reflink", "clone":
		return LinkReflink, nil
	case "hardlink":
		return LinkHardlink, nil
	case "copy":
		return LinkCopy, nil
	}
	return 0, fmt.Errorf("invalid link mode %q (choose from 'auto', 'reflink', 'hardlink', 'copy')", s)
}

func (m LinkMode) String() string {
	switch m {
	case LinkReflink:
		return "reflink"
	case LinkHardlink:
		return "hardlink"
	case LinkCopy:
		return "copy"
	}
	return "auto"
}

// linker puts files from one tree into another by the best method that
// works, learning from failures: the first clone the file system refuses
// switches the whole installation to the next method (a hard link for
// LinkAuto, a copy for LinkReflink), and likewise for a hard link across
// file systems. It is safe for simultaneous use.
type linker struct {
	asked LinkMode
	// current: linkClone, linkHard or linkCopy
	current atomic.Int32
	// fellBack is called once, when an explicitly asked mode falls back.
	fellBack func(from, to string, err error)
	once     sync.Once
}

const (
	linkClone int32 = iota
	linkHard
	linkCopy
)

func newLinker(mode LinkMode, fellBack func(from, to string, err error)) *linker {
	l := &linker{asked: mode, fellBack: fellBack}
	switch mode {
	case LinkHardlink:
		l.current.Store(linkHard)
	case LinkCopy:
		l.current.Store(linkCopy)
	default:
		l.current.Store(linkClone)
	}
	return l
}

// method returns how files are linked now.
func (l *linker) method() int32 { return l.current.Load() }

// degrade records that method m failed with err and switches to the next
// one; it returns the method to try now.
func (l *linker) degrade(m int32, err error) int32 {
	next := linkCopy
	if m == linkClone && l.asked == LinkAuto {
		next = linkHard
	}
	if l.current.CompareAndSwap(m, next) && l.asked != LinkAuto && l.fellBack != nil {
		l.once.Do(func() { l.fellBack(methodName(m), methodName(next), err) })
	}
	return l.current.Load()
}

func methodName(m int32) string {
	switch m {
	case linkClone:
		return "reflink"
	case linkHard:
		return "hardlink"
	}
	return "copy"
}

// unsupported reports whether a clone or link failed because of where the
// files are (another file system, a file system that cannot clone or
// link), not because of the files: then another method may work.
func unsupported(err error) bool {
	return errors.Is(err, syscall.EXDEV) || errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.ENOTSUP) ||
		errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTTY) || errors.Is(err, syscall.ENOSYS) ||
		errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EMLINK)
}

// link makes dst (which must not exist) a file with src's content and
// modification time and the mode perm (less the umask) by the best method
// that works; it returns the method used. A hard link keeps src's mode:
// the caller checks it.
//
// The modification time matters to byte-code: a timestamp-based .pyc
// records its source's, and Python recompiles (or, unable to write,
// ignores) a .pyc whose source's differs. So a file linked from the
// unpacked-wheel cache has the cached file's time in every mode (a hard
// link is the cached file), and so the .pyc kept with the cache entry
// (see pyccache.go) is valid for it; a file put into the cache keeps the
// staged file's time, which the byte-code compiled from it records.
func (l *linker) link(src, dst string, perm fs.FileMode) (int32, error) {
	m := l.method()
	for {
		var err error
		switch m {
		case linkClone:
			err = cloneFile(src, dst, perm)
		case linkHard:
			err = os.Link(src, dst)
		default:
			return linkCopy, copyFile(src, dst, perm)
		}
		if err == nil {
			return m, nil
		}
		if !unsupported(err) {
			return m, err
		}
		os.Remove(dst) // a clone leaves the file it created
		m = l.degrade(m, err)
	}
}

// copyFile copies src to a new file dst created with perm (less the
// umask), with src's modification time; on Linux the kernel copies
// (copy_file_range).
func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return keepModTime(in, dst)
}

// keepModTime gives the file dst the modification time of the open file
// src.
func keepModTime(src *os.File, dst string) error {
	st, err := src.Stat()
	if err != nil {
		return err
	}
	return os.Chtimes(dst, time.Time{}, st.ModTime())
}
