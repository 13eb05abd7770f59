package installer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopip/gopip/internal/cache"
)

// The unpacked-wheel cache.
//
// With InstallOptions.Cache, every wheel installed is also kept extracted
// in the cache's unpacked layer, in a folder named by the wheel's sha256:
//
//	unpacked/sha256/ab/abcd…/entry.json   what the entry is (cache.UnpackedInfo)
//	unpacked/sha256/ab/abcd…/tree/…       the wheel's files, at their archive names
//	unpacked/sha256/ab/abcd…/pyc/<key>/…  byte-code compiled from them (pyccache.go)
//
// The tree holds every file the installation extracts, as the wheel has
// it (scripts before their #!python line is rewritten), with the modes a
// normal install gives them under the umask recorded in entry.json.
//
// A cold install (no entry yet) extracts each file into the staging area
// as before, verified against RECORD, then links the staged file into a
// temporary tree (reflink, hard link or copy: see LinkMode); when every
// file of the wheel is there, entry.json is written and the temporary
// folder renamed into place. Concurrent processes filling one entry each
// fill their own temporary folder; the first rename wins, the others are
// removed. A failure to fill leaves no entry and does not fail the install.
//
// A warm install (the entry exists) links each file from the tree into
// the staging area instead of inflating it, then checks the staged file:
// if its stamp (size, modification time, inode: cache.FileStamp) is the
// one the entry's stamps file recorded when the file was put into the
// tree, after it was verified against the wheel's RECORD, and older than
// entry.json, it is the file that was verified; otherwise it is checked exactly as an extracted one: its size
// against the zip header and its hash against the RECORD of the wheel
// being installed (which the caller verified, and whose RECORD is read
// from the wheel itself, never from the cache). A hard link must also
// have the mode the install wants. A
// file that is missing or fails is extracted from the wheel instead, and
// the entry is removed (with a warning) so that the next install fills it
// again: a tampered or damaged entry is never installed. Files gopip
// writes itself are never linked: rewritten scripts, launchers, RECORD,
// INSTALLER, REQUESTED, direct_url.json; and the staged RECORD is
// unlinked before it is rewritten, never written through. A file linked
// from the tree keeps the tree file's modification time in every link
// mode. After staging, the journaled commit is the same as for a cold
// install.
//
// An entry also keeps the byte-code compiled from its tree, per
// interpreter and compile settings, in its pyc folder: see pyccache.go.
//
// Hard links share the file: an installed file edited in place (not
// replaced) changes the cache's copy and every environment linked to it.
// The next install from that entry detects it and extracts again; the
// environments linked before keep the edit. --link-mode=copy avoids the
// sharing.

// unpackedFormat is the version of the entry layout (cache.UnpackedInfo).
const unpackedFormat = 1

// unpackedEntry is one wheel's entry of the unpacked-wheel cache during an
// installation.
type unpackedEntry struct {
	dir  string // the entry's folder
	tree string // where files are linked from (warm) or put (filling)
	warm bool   // the entry exists
	copy bool   // warm, made under another umask: copied, never hard-linked
	tmp  string // filling: the folder renamed to dir once complete

	files atomic.Int64 // filling: files put into the tree
	// stamps: of the tree's files, by archive name (cache.FileStamp):
	// read from the stamps file when warm, collected (under mu) when
	// filling.
	stamps  map[string]cache.FileStamp
	newest  int64       // filling: the latest time among stamps
	written int64       // warm: when entry.json was written (cache.FileStamp.Vouches)
	failed  atomic.Bool // filling: a file could not be put; abandoned
	done    atomic.Bool // finished: renamed, abandoned or evicted
	filled  bool        // filling: renamed into place by this installation

	// Byte-code (pyccache.go): the folder of the installation's key ("":
	// none kept), and, when the entry has it, its .pyc files by source
	// and the sources that do not compile.
	pycDir     string
	pycs       map[string]*pycFile
	pycFailed  map[string]bool
	pycWritten int64           // when the manifest was written
	vouched    map[string]bool // sources (pycSource) whose stamp vouched (under mu)

	mu     sync.Mutex
	bad    error // warm: the first file that failed its check
	pycBad error // the first cached .pyc that failed its check
}

// openCache finds each wheel's entry in the unpacked-wheel cache, or
// prepares to fill one. The wheels' sha256 are computed (in parallel)
// where the caller did not give them.
func (inst *installation) openCache(ctx context.Context) error {
	c := inst.opts.Cache
	if c == nil {
		return nil
	}
	inst.linker = newLinker(inst.opts.LinkMode, func(from, to string, err error) {
		inst.warnf("Failed to %s files between the cache and the environment (%v); gopip will %s them. If the cache and the environment are on different file systems, use --link-mode=%s (or --no-cache-dir).", from, err, to, to)
	})
	return forEach(ctx, runtime.GOMAXPROCS(0), len(inst.dists), func(i int) error {
		d := inst.dists[i]
		sum := strings.ToLower(d.w.SHA256)
		if sum == "" {
			var err error
			if sum, err = fileSHA256(d.w.Path); err != nil {
				return err
			}
			d.w.SHA256 = sum
		}
		dir, err := c.UnpackedPath(sum)
		if err != nil {
			return nil // not a sha256: no entry
		}
		e := &unpackedEntry{dir: dir}
		if info, err := cache.ReadUnpackedInfo(dir); err == nil && info.Format == unpackedFormat && info.Files == len(d.ops) {
			e.warm, e.tree = true, filepath.Join(dir, "tree")
			e.copy = fs.FileMode(info.Umask) != inst.umask
			// Without its stamps, an entry's files are all read again.
			e.stamps, _ = cache.ReadStamps(filepath.Join(dir, cache.StampsFile))
			e.written = info.Written
		} else {
			e.tmp = cache.TempName(dir)
			e.tree = filepath.Join(e.tmp, "tree")
			e.stamps = map[string]cache.FileStamp{}
		}
		inst.openPycs(e)
		d.unpacked = e
		return nil
	})
}

// closeCache removes the temporary trees of entries left unfinished by a
// failed installation.
func (inst *installation) closeCache() {
	for _, d := range inst.dists {
		if e := d.unpacked; e != nil && e.tmp != "" && (!e.done.Load() || !e.warm && !e.filled) {
			os.RemoveAll(e.tmp)
		}
	}
}

// treePath is where the tree holds the archive file op.
func treePath(tree string, op fileOp) string {
	if op.name != "" && op.name[0] != '.' && op.name[0] != '/' {
		// Clean, relative, not above: as Join would make it.
		return tree + string(filepath.Separator) + filepath.FromSlash(op.name)
	}
	return filepath.Join(tree, filepath.FromSlash(path.Clean(op.f.Name)))
}

// fillPath returns where the archive file op of d goes in the entry being
// filled, or "" when d fills none.
func (inst *installation) fillPath(d *dist, op fileOp) string {
	e := d.unpacked
	if e == nil || e.warm || e.failed.Load() {
		return ""
	}
	return treePath(e.tree, op)
}

// fillFailed abandons d's entry being filled.
func (inst *installation) fillFailed(d *dist) {
	if e := d.unpacked; e != nil && !e.warm {
		e.failed.Store(true)
	}
}

// fillFrom puts the staged (verified) file sp of op into d's entry being
// filled, at fill, with the mode it has in the environment.
func (inst *installation) fillFrom(d *dist, op fileOp, sp, fill string) {
	if err := inst.mkdirStaged(filepath.Dir(fill)); err != nil {
		inst.fillFailed(d)
		return
	}
	perm, mode := inst.fileMode(op)
	m, err := inst.linker.link(sp, fill, perm)
	if err == nil && m != linkHard && perm&^inst.umask != mode {
		err = os.Chmod(fill, mode)
	}
	var st cache.FileStamp
	if err == nil {
		st, _, err = stampOf(fill)
	}
	if err != nil {
		inst.fillFailed(d)
		return
	}
	e := d.unpacked
	e.mu.Lock()
	e.stamps[op.f.Name] = st
	e.mu.Unlock()
	e.files.Add(1)
}

// stageFromCache stages the archive file op of d at sp from d's cached
// tree, and checks the staged file as an extracted one is checked. ok is
// false when the cache could not provide it (missing, or failing its
// check: the entry is then removed once d is staged); the caller extracts
// it from the wheel instead. err is an error of the staging area.
func (inst *installation) stageFromCache(d *dist, op fileOp, sp string) (h *recHash, ok bool, err error) {
	e := d.unpacked
	if d.w.recordExempt(op.f.Name) {
		// RECORD cannot vouch for itself (and is rewritten), nor for its
		// signatures: from the wheel.
		return nil, false, nil
	}
	src := treePath(e.tree, op)
	if op.script || e.copy || inst.linker.method() == linkCopy {
		f, err := os.Open(src)
		if err != nil {
			e.reject(&e.bad, err)
			return nil, false, nil
		}
		defer f.Close()
		h, _, err := inst.stream(d.w, op, f, sp, "")
		var we *WheelError
		if errors.As(err, &we) {
			os.Remove(sp)
			e.reject(&e.bad, err)
			return nil, false, nil
		}
		if err == nil && !op.script {
			// As a clone or a copy by the linker does (see link).
			err = keepModTime(f, sp)
		}
		if err == nil {
			inst.fromCache.Add(1)
		}
		return h, err == nil, err
	}
	if err := inst.mkdirStaged(filepath.Dir(sp)); err != nil {
		return nil, false, err
	}
	perm, mode := inst.fileMode(op)
	m, err := inst.linker.link(src, sp, perm)
	if err == nil {
		err = inst.checkStaged(d.w, op, sp, src, m, perm, mode, e)
	}
	if err != nil {
		os.Remove(sp)
		e.reject(&e.bad, err)
		return nil, false, nil
	}
	inst.fromCache.Add(1)
	return nil, true, nil
}

// checkStaged checks a file linked from the cache (src) to sp as
// extraction checks it: its size against the zip header and its hash
// against RECORD; a hard link must have the mode the install gives the
// file (its mode is the cache's), a clone or a copy gets it. A file whose
// stamp (stamps: the entry's) is the one it had when the entry was
// filled (and older than the entry), verified against the same RECORD,
// is not read again: reading
// and hashing every file was a quarter of a warm install's time.
func (inst *installation) checkStaged(w *wheelFile, op fileOp, sp, src string, m int32, perm, mode fs.FileMode, e *unpackedEntry) error {
	if want, ok := e.stamps[op.f.Name]; ok && want[0] == int64(op.f.UncompressedSize64) {
		if inst.stampVouches(want, e.written, src, sp, m, mode) {
			if e.pycs != nil {
				e.mu.Lock()
				if e.vouched == nil {
					e.vouched = map[string]bool{}
				}
				e.vouched[op.name] = true
				e.mu.Unlock()
			}
			if m != linkHard && perm&^inst.umask != mode {
				return os.Chmod(sp, mode)
			}
			return nil
		}
	}
	inst.reread.Add(1)
	row := w.rows[op.f.Name]
	algo, _, _ := strings.Cut(row.Hash, "=")
	h := newRecordHash(algo)
	if h == nil {
		return fmt.Errorf("%s: no usable hash in RECORD", op.f.Name)
	}
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	n, got, err := hashFile(sp, h, *bp)
	switch {
	case err != nil:
		return err
	case m == linkHard && got.Perm() != mode:
		return fmt.Errorf("%s: cached with mode %v, installed with %v", op.f.Name, got.Perm(), mode)
	case n != int64(op.f.UncompressedSize64):
		return fmt.Errorf("%s: cached with %d bytes, the wheel has %d", op.f.Name, n, op.f.UncompressedSize64)
	}
	if ok, what := checkDigest(row, h.Sum(nil), n); !ok {
		return fmt.Errorf("%s: %s", op.f.Name, what)
	}
	if m != linkHard && perm&^inst.umask != mode {
		return os.Chmod(sp, mode)
	}
	return nil
}

// stampVouches reports whether a file linked by method m from the cache
// (src) to dst, whose stamp was want in an entry (or byte-code folder)
// written at written, is unchanged since then (cache.FileStamp.Vouches)
// and, hard-linked, has the mode the install gives it. A hard link is
// the installed file itself; a clone or a copy was made from src.
func (inst *installation) stampVouches(want cache.FileStamp, written int64, src, dst string, m int32, mode fs.FileMode) bool {
	of := src
	if m == linkHard {
		of = dst
	}
	st, got, err := stampOf(of)
	return err == nil && want.Vouches(st, written) && (m != linkHard || got == mode)
}

// reject records why a file of the entry (why is &e.bad) or of its
// byte-code (&e.pycBad) could not be used; the first reason is kept.
func (e *unpackedEntry) reject(why *error, err error) {
	e.mu.Lock()
	if *why == nil {
		*why = err
	}
	e.mu.Unlock()
}

// reason returns the reason reject kept in why.
func (e *unpackedEntry) reason(why *error) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return *why
}

// finishEntry completes d's entry once all its files are staged: a
// filled entry is described and renamed into place (unless another
// process was first); a warm entry that failed a check is removed.
func (inst *installation) finishEntry(d *dist) {
	e := d.unpacked
	if e == nil || e.done.Swap(true) {
		return
	}
	if e.warm {
		if bad := e.reason(&e.bad); bad != nil {
			cache.Evict(e.dir)
			inst.warnf("The unpacked copy of %s in gopip's cache could not be used (%v); it was removed, and the wheel extracted instead.", filepath.Base(d.w.Path), bad)
		}
		return
	}
	if e.failed.Load() || e.files.Load() != int64(len(d.ops)) {
		os.RemoveAll(e.tmp)
		return
	}
	e.mu.Lock()
	err := cache.WriteStamps(filepath.Join(e.tmp, cache.StampsFile), e.stamps)
	for _, st := range e.stamps {
		e.newest = max(e.newest, st[1])
	}
	e.mu.Unlock()
	if err != nil {
		os.RemoveAll(e.tmp)
		return
	}
	// The description is written after every stamp's time, so that the
	// stamps vouch (cache.FileStamp.Vouches). A wheel filled within one
	// tick of the file system's clock is sealed after staging instead
	// (sealEntries), once that clock has moved: waiting here would hold
	// an extraction worker.
	sealed, err := cache.WriteSealed(filepath.Join(e.tmp, cache.UnpackedInfoFile), inst.entryInfo(d), e.newest, 0)
	if err != nil {
		os.RemoveAll(e.tmp)
		return
	}
	if !sealed {
		inst.mu.Lock()
		inst.unsealed = append(inst.unsealed, d)
		inst.mu.Unlock()
		return
	}
	inst.placeEntry(e)
}

// entryInfo is entry.json of d's entry.
func (inst *installation) entryInfo(d *dist) []byte {
	info, _ := json.Marshal(cache.UnpackedInfo{Format: unpackedFormat, Wheel: filepath.Base(d.w.Path), Umask: uint32(inst.umask), Files: len(d.ops)})
	return info
}

// placeEntry renames a filled entry into place, unless another process
// was first.
func (inst *installation) placeEntry(e *unpackedEntry) {
	if err := os.Rename(e.tmp, e.dir); err != nil {
		os.RemoveAll(e.tmp) // another process filled it first
		return
	}
	e.filled = true
}

// sealEntries writes the descriptions of the entries filled within one
// tick of the file system's clock again, once it has moved (a few
// milliseconds, waited once for all of them), and puts them in place.
// An entry the clock does not move for in time (a file system with
// coarse times) is put in place as it is: its newest files are read
// again when installed.
func (inst *installation) sealEntries() {
	for _, d := range inst.unsealed {
		e := d.unpacked
		if _, err := cache.WriteSealed(filepath.Join(e.tmp, cache.UnpackedInfoFile), inst.entryInfo(d), e.newest, 50*time.Millisecond); err != nil {
			os.RemoveAll(e.tmp)
			continue
		}
		inst.placeEntry(e)
	}
	inst.unsealed = nil
}

// warnf reports a warning; safe from the staging goroutines.
func (inst *installation) warnf(format string, args ...any) {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	inst.rep.Report(Event{Kind: EventWarning, Message: fmt.Sprintf(format, args...)})
}

// fileSHA256 returns the hex sha256 of a file.
func fileSHA256(p string) (string, error) {
	h := sha256.New()
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	if _, _, err := hashFile(p, h, *bp); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
