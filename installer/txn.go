package installer

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
)

// A transaction changes an environment all at once or not at all.
//
// Every new file is first written ("staged") into a staging directory
// inside the scheme directory it belongs to (site-packages, bin, ...), so
// on the same file system as its destination. Once everything is staged
// and verified, the transaction writes its plan to the journal, a file in
// the environment's lock directory, and syncs it: the list of renames that
// move replaced files aside (into the staging directories) and new files
// and directories into place. Then it performs the renames. Only after a
// "committed" record is the staging area (holding the old files) deleted.
//
// If anything fails, or ctx is cancelled, before "committed", the renames
// done so far are undone in reverse order: the environment is as before,
// including an older version that was being replaced. If the process dies
// (SIGKILL, power is out of scope: staged files are not synced), the
// journal stays behind; the next gopip that locks the environment reads
// it and rolls back (or, after "committed", finishes the clean-up). The
// undo is idempotent: a rename is reversed only when its destination
// exists and its source does not, so recovery can itself be interrupted.
//
// The journal lists every staging directory and every directory the
// transaction creates before creating it, so recovery also removes stray
// staging files and the directories a failed install created.

const (
	journalName   = ".gopip-journal"
	stagingPrefix = ".gopip-staging-"
)

type move struct {
	From string `json:"from"`
	To   string `json:"to"`
}

type journalRecord struct {
	Op    string   `json:"op"` // begin, root, mkdir, plan, committed
	Path  string   `json:"path,omitempty"`
	Moves []move   `json:"moves,omitempty"`
	Prune []string `json:"prune,omitempty"`
}

// stageRoot is one staging directory: Dir inside Anchor, an existing
// directory of the environment.
type stageRoot struct {
	anchor string
	dir    string
	nOld   int
}

func (r *stageRoot) newPath(final string) (string, error) {
	rel, ok := relInside(r.anchor, final)
	if !ok {
		return "", fmt.Errorf("%s is not inside %s", final, r.anchor)
	}
	return filepath.Join(r.dir, "new", rel), nil
}

func (r *stageRoot) asidePath() string { // only while planning, serially
	r.nOld++
	return filepath.Join(r.dir, "old", fmt.Sprintf("%06d", r.nOld))
}

func (r *stageRoot) dropPath(rel string) string {
	return filepath.Join(r.dir, "drop", rel)
}

type txn struct {
	lockDir string
	id      string
	jpath   string
	journal *os.File
	roots   []*stageRoot
	created []string
	moves   []move
	done    int // moves performed
	prune   []string
	hook    func(string) error
	mu      sync.Mutex // guards roots, created and the journal while staging
	hookMu  sync.Mutex
}

func newTxn(lockDir string, hook func(string) error) (*txn, error) {
	var b [6]byte
	rand.Read(b[:])
	t := &txn{lockDir: lockDir, id: hex.EncodeToString(b[:]), jpath: filepath.Join(lockDir, journalName), hook: hook}
	f, err := os.OpenFile(t.jpath, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("starting transaction: %w", err)
	}
	t.journal = f
	if err := t.log(journalRecord{Op: "begin", Path: t.id}); err != nil {
		f.Close()
		os.Remove(t.jpath)
		return nil, err
	}
	syncDir(lockDir)
	return t, nil
}

// at calls the test hook; staging goroutines may reach points at the
// same time, so calls are serialised.
func (t *txn) at(point string) error {
	if t.hook == nil {
		return nil
	}
	t.hookMu.Lock()
	defer t.hookMu.Unlock()
	return t.hook(point)
}

func (t *txn) log(r journalRecord) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := t.journal.Write(append(data, '\n')); err != nil {
		return fmt.Errorf("writing journal %s: %w", t.jpath, err)
	}
	if err := t.journal.Sync(); err != nil {
		return fmt.Errorf("syncing journal %s: %w", t.jpath, err)
	}
	return nil
}

func syncDir(dir string) {
	if f, err := os.Open(dir); err == nil {
		f.Sync()
		f.Close()
	}
}

// mkdirAll creates dir and its missing parents, journaling each before it
// is created so that rollback and recovery remove it again.
func (t *txn) mkdirAll(dir string) error {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err == nil {
			if !st.IsDir() {
				return fmt.Errorf("creating %s: %s is not a directory", dir, d)
			}
			break
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := t.log(journalRecord{Op: "mkdir", Path: missing[i]}); err != nil {
			return err
		}
		t.created = append(t.created, missing[i])
		if err := os.Mkdir(missing[i], 0o777); err != nil && !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("creating %s: %w", missing[i], err)
		}
	}
	return nil
}

// root returns the staging root for anchor, creating anchor (journaled)
// and the staging directory on first use.
func (t *txn) root(anchor string) (*stageRoot, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range t.roots {
		if r.anchor == anchor {
			return r, nil
		}
	}
	if err := t.mkdirAll(anchor); err != nil {
		return nil, err
	}
	r := &stageRoot{anchor: anchor, dir: filepath.Join(anchor, stagingPrefix+t.id)}
	if err := t.log(journalRecord{Op: "root", Path: r.dir}); err != nil {
		return nil, err
	}
	t.roots = append(t.roots, r)
	for _, d := range []string{r.dir, filepath.Join(r.dir, "new"), filepath.Join(r.dir, "old")} {
		if err := os.Mkdir(d, 0o777); err != nil {
			return nil, fmt.Errorf("creating staging directory: %w", err)
		}
	}
	return r, nil
}

// commit writes the plan, performs it, and marks the transaction
// committed. On failure or cancellation it undoes what it did and returns
// the error; the caller then calls rollback.
func (t *txn) commit(ctx context.Context, moves []move, prune []string) error {
	t.moves, t.prune = moves, prune
	if err := t.log(journalRecord{Op: "plan", Moves: moves, Prune: prune}); err != nil {
		return err
	}
	for i, m := range moves {
		if err := ctx.Err(); err != nil {
			return err
		}
		if i == len(moves)/2 {
			if err := t.at("commit-half"); err != nil {
				return err
			}
		}
		if err := os.Rename(m.From, m.To); err != nil {
			var le *os.LinkError
			if errors.As(err, &le) && errors.Is(le.Err, syscall.EXDEV) {
				return fmt.Errorf("moving %s into place: %s and the staging directory are on different file systems (a mount point inside the environment?): %w", m.To, filepath.Dir(m.To), err)
			}
			return fmt.Errorf("moving %s into place: %w", m.To, err)
		}
		t.done = i + 1
	}
	if err := t.at("commit-end"); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := t.log(journalRecord{Op: "committed"}); err != nil {
		return err
	}
	t.done = -1 // committed: nothing to undo
	return nil
}

// rollback undoes the renames done so far and removes the staging
// directories, the directories the transaction created, and the journal.
func (t *txn) rollback() error {
	var errs []error
	if t.done > 0 {
		for i := t.done - 1; i >= 0; i-- {
			m := t.moves[i]
			if err := os.Rename(m.To, m.From); err != nil {
				errs = append(errs, fmt.Errorf("restoring %s: %w", m.From, err))
			}
		}
	}
	t.done = 0
	for _, r := range t.roots {
		if err := os.RemoveAll(r.dir); err != nil {
			errs = append(errs, err)
		}
	}
	removeCreated(t.created)
	t.closeJournal(len(errs) == 0)
	return errors.Join(errs...)
}

// finish removes the staging directories (with the replaced files),
// prunes emptied directories as pip does, and removes the journal.
func (t *txn) finish() error {
	var errs []error
	for _, r := range t.roots {
		if err := os.RemoveAll(r.dir); err != nil {
			errs = append(errs, err)
		}
	}
	pruneDirs(t.prune)
	t.closeJournal(len(errs) == 0)
	return errors.Join(errs...)
}

func (t *txn) closeJournal(remove bool) {
	t.journal.Close()
	if remove {
		os.Remove(t.jpath)
		syncDir(t.lockDir)
	}
}

func removeCreated(created []string) {
	for i := len(created) - 1; i >= 0; i-- {
		os.Remove(created[i]) // only if empty
	}
}

// pruneDirs is what pip's renames() does after stashing a file:
// os.removedirs on its directory, which removes it and then its parents
// while they are empty.
func pruneDirs(dirs []string) {
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range dirs {
		for {
			if os.Remove(d) != nil {
				break
			}
			parent := filepath.Dir(d)
			if parent == d {
				break
			}
			d = parent
		}
	}
}

// recoverEnv rolls back (or finishes) a transaction an earlier process
// left behind in lockDir. It returns the journal path when there was one.
func recoverEnv(lockDir string) (string, error) {
	jpath := filepath.Join(lockDir, journalName)
	f, err := os.Open(jpath)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading journal: %w", err)
	}
	var roots, created []string
	var plan *journalRecord
	committed := false
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	for sc.Scan() {
		var r journalRecord
		if json.Unmarshal(sc.Bytes(), &r) != nil {
			break // a record cut short by the crash: nothing after it happened
		}
		switch r.Op {
		case "root":
			roots = append(roots, r.Path)
		case "mkdir":
			created = append(created, r.Path)
		case "plan":
			rec := r
			plan = &rec
		case "committed":
			committed = true
		}
	}
	f.Close()
	if sc.Err() != nil {
		return jpath, fmt.Errorf("reading journal %s: %w", jpath, sc.Err())
	}
	var errs []error
	if plan != nil && !committed {
		for i := len(plan.Moves) - 1; i >= 0; i-- {
			m := plan.Moves[i]
			if exists(m.To) && !exists(m.From) {
				if err := os.Rename(m.To, m.From); err != nil {
					errs = append(errs, fmt.Errorf("restoring %s: %w", m.From, err))
				}
			}
		}
	}
	for _, r := range roots {
		if err := os.RemoveAll(r); err != nil {
			errs = append(errs, err)
		}
	}
	if committed && plan != nil {
		pruneDirs(plan.Prune)
	}
	if !committed {
		removeCreated(created)
	}
	if len(errs) > 0 {
		return jpath, fmt.Errorf("recovering from the interrupted run recorded in %s: %w", jpath, errors.Join(errs...))
	}
	os.Remove(jpath)
	syncDir(lockDir)
	return jpath, nil
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}
