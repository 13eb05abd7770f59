//go:build !linux

package installer

import (
	"io/fs"
	"syscall"
)

// cloneFile would clone src to dst; only Linux's FICLONE is supported, so
// the linker falls back to hard links or copies elsewhere.
func cloneFile(src, dst string, perm fs.FileMode) error {
	return &fs.PathError{Op: "clone", Path: dst, Err: syscall.ENOTSUP}
}
