//go:build unix

package installer

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
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
