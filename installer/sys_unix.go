//go:build unix

package installer

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/gopip/gopip/internal/cache"
)

// accessWritable is access(path, W_OK), what pip's test_writable_dir uses
// on POSIX.
func accessWritable(p string) bool { return syscall.Access(p, 2 /* W_OK */) == nil }

// umaskBySetting reads the umask by setting and restoring it (racy with
// other goroutines creating files; used only where /proc is missing).
func umaskBySetting() fs.FileMode {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return fs.FileMode(m)
}

// tryLock takes an exclusive flock on f without waiting; busy is true
// when another process holds it.
func tryLock(f *os.File) (busy bool, err error) {
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if err == nil {
		return false, nil
	}
	if errors.Is(err, syscall.EWOULDBLOCK) || errors.Is(err, syscall.EINTR) {
		return true, nil
	}
	return false, err
}

// stagedFile is a file being written into a staging tree. It is a bare
// descriptor, not an *os.File: os.OpenFile tries to register every file
// with the runtime's poller, which for a regular file costs four fcntl
// calls and a failing epoll_ctl, five system calls for nothing on each of
// the thousands of files an install creates.
type stagedFile struct {
	fd   int
	name string
}

// createStaged creates name for writing with perm (less the umask),
// failing if it exists unless trunc, which truncates it instead.
func createStaged(name string, perm fs.FileMode, trunc bool) (*stagedFile, error) {
	flags := syscall.O_WRONLY | syscall.O_CREAT | syscall.O_CLOEXEC
	if trunc {
		flags |= syscall.O_TRUNC
	} else {
		flags |= syscall.O_EXCL
	}
	for {
		fd, err := syscall.Open(name, flags, uint32(perm.Perm()))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return &stagedFile{fd: fd, name: name}, nil
	}
}

func (f *stagedFile) Write(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := syscall.Write(f.fd, b[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return n, &fs.PathError{Op: "write", Path: f.name, Err: err}
		}
		n += m
	}
	return n, nil
}

func (f *stagedFile) Chmod(mode fs.FileMode) error {
	if err := syscall.Fchmod(f.fd, uint32(mode.Perm())); err != nil {
		return &fs.PathError{Op: "chmod", Path: f.name, Err: err}
	}
	return nil
}

// Close closes the descriptor; a second call does nothing.
func (f *stagedFile) Close() error {
	if f.fd < 0 {
		return nil
	}
	err := syscall.Close(f.fd)
	f.fd = -1
	if err != nil && err != syscall.EINTR {
		return &fs.PathError{Op: "close", Path: f.name, Err: err}
	}
	return nil
}

// hashFile writes the content of the file p to h through buf, and returns
// its size and mode. It reads a bare descriptor (see stagedFile).
func hashFile(p string, h io.Writer, buf []byte) (int64, fs.FileMode, error) {
	fd, err := openRead(p)
	if err != nil {
		return 0, 0, &fs.PathError{Op: "open", Path: p, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return 0, 0, &fs.PathError{Op: "stat", Path: p, Err: err}
	}
	mode := fs.FileMode(st.Mode & 0o777)
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return 0, 0, &fs.PathError{Op: "open", Path: p, Err: errors.New("not a regular file")}
	}
	var n int64
	for {
		m, err := syscall.Read(fd, buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return n, mode, &fs.PathError{Op: "read", Path: p, Err: err}
		}
		if m == 0 {
			return n, mode, nil
		}
		h.Write(buf[:m])
		n += int64(m)
	}
}

func openRead(p string) (int, error) {
	for {
		fd, err := syscall.Open(p, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

// stampOf returns what identifies the content of the regular file p
// without reading it (see fileStamp), and its permission bits.
func stampOf(p string) (cache.FileStamp, fs.FileMode, error) {
	var st syscall.Stat_t
	for {
		err := syscall.Lstat(p, &st)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return cache.FileStamp{}, 0, &fs.PathError{Op: "lstat", Path: p, Err: err}
		}
		break
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return cache.FileStamp{}, 0, &fs.PathError{Op: "lstat", Path: p, Err: errors.New("not a regular file")}
	}
	return cache.FileStamp{st.Size, st.Mtim.Nano(), int64(st.Ino)}, fs.FileMode(st.Mode & 0o777), nil
}
