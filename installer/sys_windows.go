package installer

import (
	"errors"
	"io"
	"io/fs"
	"os"

	"github.com/gopip/gopip/internal/cache"
)

// gopip targets POSIX environments (package scripts writes no Windows
// launchers); these stubs only keep the package building on Windows.

func accessWritable(p string) bool { return true }

func umaskBySetting() fs.FileMode { return 0 }

func tryLock(f *os.File) (busy bool, err error) {
	return false, errors.New("installing into Windows environments is not supported")
}

// stagedFile is a file being written into a staging tree (see
// sys_unix.go).
type stagedFile struct{ *os.File }

func createStaged(name string, perm fs.FileMode, trunc bool) (*stagedFile, error) {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if trunc {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(name, flags, perm)
	if err != nil {
		return nil, err
	}
	return &stagedFile{f}, nil
}

func (f *stagedFile) Close() error {
	err := f.File.Close()
	if errors.Is(err, os.ErrClosed) {
		return nil
	}
	return err
}

func hashFile(p string, h io.Writer, buf []byte) (int64, fs.FileMode, error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	n, err := io.CopyBuffer(h, struct{ io.Reader }{f}, buf)
	return n, st.Mode().Perm(), err
}

func stampOf(p string) (cache.FileStamp, fs.FileMode, error) {
	st, err := os.Lstat(p)
	if err != nil {
		return cache.FileStamp{}, 0, err
	}
	if !st.Mode().IsRegular() {
		return cache.FileStamp{}, 0, &fs.PathError{Op: "lstat", Path: p, Err: errors.New("not a regular file")}
	}
	return cache.FileStamp{st.Size(), st.ModTime().UnixNano(), 0}, st.Mode().Perm(), nil
}
