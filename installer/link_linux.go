package installer

import (
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// cloneFile makes dst, created with perm (less the umask), a clone of src
// (FICLONE) with src's modification time: both share their blocks until
// one is written. File systems that cannot clone answer EOPNOTSUPP,
// EINVAL or EXDEV.
func cloneFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if err := unix.IoctlFileClone(int(out.Fd()), int(in.Fd())); err != nil {
		out.Close()
		return &fs.PathError{Op: "clone", Path: dst, Err: err}
	}
	if err := out.Close(); err != nil {
		return err
	}
	return keepModTime(in, dst)
}
