package installer

import (
	"errors"
	"io/fs"
	"os"
)

// gopip targets POSIX environments (package scripts writes no Windows
// launchers); these stubs only keep the package building on Windows.

func accessWritable(p string) bool { return true }

func umaskBySetting() fs.FileMode { return 0 }

func tryLock(f *os.File) (busy bool, err error) {
	return false, errors.New("installing into Windows environments is not supported")
}
