package installer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// envLock is an exclusive flock(2) on the environment's lock directory
// itself (site-packages, or the --target directory): no lock file is
// created, so nothing is left behind. flock locks are released by the
// kernel when the process dies, so a killed gopip never leaves the
// environment locked.
//
// A directory can be removed while locked (a failed first install into a
// new --prefix removes the site-packages it created); a waiting process
// then holds a lock on a directory that is gone. So after taking the lock,
// lockEnv checks that the path still names the locked directory, and
// starts over if not.
type envLock struct {
	dir     string
	f       *os.File
	created []string // directories created to have something to lock
}

const lockPoll = 50 * time.Millisecond

// lockEnv creates dir if needed and locks it, waiting (and reporting once
// that it waits) while another process holds it, until ctx is done.
func lockEnv(ctx context.Context, dir string, r Reporter) (*envLock, error) {
	l := &envLock{dir: dir}
	reported := false
	for {
		created, err := mkdirAllTracked(dir)
		l.created = append(l.created, created...)
		if err != nil {
			return nil, fmt.Errorf("creating %s: %w", dir, err)
		}
		f, err := os.Open(dir)
		if err != nil {
			return nil, fmt.Errorf("locking %s: %w", dir, err)
		}
		for {
			busy, err := tryLock(f)
			if err != nil {
				f.Close()
				return nil, fmt.Errorf("locking %s: %w", dir, err)
			}
			if !busy {
				break
			}
			if !reported {
				r.Report(Event{Kind: EventWaitingForLock, Path: dir, Message: fmt.Sprintf("Waiting for another gopip process to finish with %s", dir)})
				reported = true
			}
			select {
			case <-ctx.Done():
				f.Close()
				return nil, ctx.Err()
			case <-time.After(lockPoll):
			}
		}
		if sameDir(f, dir) {
			l.f = f
			return l, nil
		}
		f.Close() // removed or replaced while we waited: lock the new one
	}
}

func sameDir(f *os.File, dir string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(dir)
	if err != nil {
		return false
	}
	return os.SameFile(a, b)
}

// unlock releases the lock. When removeCreated is set, the directories
// lockEnv created are removed if they are (still) empty, so that a
// failed first install leaves nothing behind.
func (l *envLock) unlock(removeCreated bool) {
	if removeCreated {
		for i := len(l.created) - 1; i >= 0; i-- {
			if os.Remove(l.created[i]) != nil {
				break
			}
		}
	}
	l.f.Close()
}

// mkdirAllTracked is os.MkdirAll that returns the directories it created,
// outermost first.
func mkdirAllTracked(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if st, err := os.Stat(d); err == nil {
			if !st.IsDir() {
				return nil, &os.PathError{Op: "mkdir", Path: d, Err: syscall.ENOTDIR}
			}
			break
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	var created []string
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o777); err != nil {
			if errors.Is(err, os.ErrExist) {
				continue
			}
			return created, err
		}
		created = append(created, missing[i])
	}
	return created, nil
}
