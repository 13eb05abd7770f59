package publish

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// Signer groups: the roles whose keys sign together.
const (
	signRoot      = metadata.ROOT
	signTargets   = metadata.TARGETS
	signSnapshot  = metadata.SNAPSHOT
	signTimestamp = metadata.TIMESTAMP
	signBins      = binPrefix
)

// state is the repository's metadata during one operation: loaded under
// the lock, changed in memory, then committed. Only changed roles are
// re-signed and written, in the order that keeps every published state
// consistent for a client reading at the same time: target files, bins,
// targets, snapshot, timestamp, and root last. Root comes after the
// timestamp because a key rotation signs the new timestamp with the old
// online key too: a client still on the old root verifies it, and one that
// already has the new root finds the new timestamp.
type state struct {
	r   *Repo
	now time.Time

	root      *metadata.Metadata[metadata.RootType]
	targets   *metadata.Metadata[metadata.TargetsType]
	snapshot  *metadata.Metadata[metadata.SnapshotType]
	timestamp *metadata.Metadata[metadata.TimestampType]
	// bins holds the bins read so far, by role name.
	bins map[string]*metadata.Metadata[metadata.TargetsType]

	// changed names the roles to re-sign ("targets", "bins-3f",
	// "snapshot", "root"); the timestamp is re-signed whenever anything
	// is, or when forceTimestamp is set.
	changed        map[string]bool
	forceTimestamp bool

	// signers caches the keys of each signer group; cosigners add
	// signatures during a rotation (the old key beside the new one).
	signers   map[string][]*signingKey
	cosigners map[string][]*signingKey

	// afterCommit runs once the new metadata is published (deleting the
	// plain names of removed files).
	afterCommit []func() error

	// migrated is set once migrate has dropped the targets of format 1:
	// the configuration records format 2 after the commit.
	migrated bool

	report *Report
}

func (r *Repo) newState() *state {
	return &state{
		r:         r,
		now:       r.now().UTC().Truncate(time.Second),
		bins:      map[string]*metadata.Metadata[metadata.TargetsType]{},
		changed:   map[string]bool{},
		signers:   map[string][]*signingKey{},
		cosigners: map[string][]*signingKey{},
		report:    &Report{},
	}
}

// expiry returns the expiry date of a role signed now, in whole seconds.
func (st *state) expiry(role string) time.Time {
	return st.now.Add(st.r.expires.period(role))
}

func (st *state) tufPath(name string) string {
	return filepath.Join(st.r.dir, tufDir, name)
}

// loadState reads the repository's current metadata: the newest root,
// then timestamp → snapshot → targets, as a client does. Bins are read on
// demand.
func (r *Repo) loadState() (*state, error) {
	st := r.newState()
	v, err := latestRootVersion(r.dir)
	if err != nil {
		return nil, err
	}
	if st.root, err = (&metadata.Metadata[metadata.RootType]{}).FromFile(st.tufPath(fmt.Sprintf("%d.root.json", v))); err != nil {
		return nil, fmt.Errorf("reading root v%d: %w", v, err)
	}
	if st.timestamp, err = (&metadata.Metadata[metadata.TimestampType]{}).FromFile(st.tufPath("timestamp.json")); err != nil {
		return nil, fmt.Errorf("reading the timestamp: %w", err)
	}
	sm, ok := st.timestamp.Signed.Meta["snapshot.json"]
	if !ok {
		return nil, errors.New("the timestamp names no snapshot")
	}
	if st.snapshot, err = (&metadata.Metadata[metadata.SnapshotType]{}).FromFile(st.tufPath(fmt.Sprintf("%d.snapshot.json", sm.Version))); err != nil {
		return nil, fmt.Errorf("reading snapshot v%d: %w", sm.Version, err)
	}
	tm, ok := st.snapshot.Signed.Meta["targets.json"]
	if !ok {
		return nil, errors.New("the snapshot names no targets")
	}
	if st.targets, err = (&metadata.Metadata[metadata.TargetsType]{}).FromFile(st.tufPath(fmt.Sprintf("%d.targets.json", tm.Version))); err != nil {
		return nil, fmt.Errorf("reading targets v%d: %w", tm.Version, err)
	}
	if d := st.targets.Signed.Delegations; d == nil || d.SuccinctRoles == nil {
		return nil, errors.New("targets has no succinct hashed-bin delegation; gopip repo manages only the repositories it made")
	}
	return st, nil
}

// succinct returns the hashed-bin delegation.
func (st *state) succinct() *metadata.SuccinctRoles {
	return st.targets.Signed.Delegations.SuccinctRoles
}

// binFor returns the bin responsible for a target path.
func (st *state) binFor(targetPath string) string {
	return st.succinct().GetRolesForTarget(targetPath)[0].Name
}

// bin returns a bin's current metadata, reading it once.
func (st *state) bin(name string) (*metadata.Metadata[metadata.TargetsType], error) {
	if b, ok := st.bins[name]; ok {
		return b, nil
	}
	m, ok := st.snapshot.Signed.Meta[name+".json"]
	if !ok {
		return nil, fmt.Errorf("the snapshot does not list %s", name)
	}
	b, err := (&metadata.Metadata[metadata.TargetsType]{}).FromFile(st.tufPath(fmt.Sprintf("%d.%s.json", m.Version, name)))
	if err != nil {
		return nil, fmt.Errorf("reading %s v%d: %w", name, m.Version, err)
	}
	if b.Signed.Targets == nil {
		b.Signed.Targets = map[string]*metadata.TargetFiles{}
	}
	st.bins[name] = b
	return b, nil
}

// target returns the target info of a path, if it is a target.
func (st *state) target(targetPath string) (*metadata.TargetFiles, bool, error) {
	b, err := st.bin(st.binFor(targetPath))
	if err != nil {
		return nil, false, err
	}
	t, ok := b.Signed.Targets[targetPath]
	return t, ok, nil
}

// setTarget records a target in its bin.
func (st *state) setTarget(targetPath string, length int64, sum []byte) error {
	name := st.binFor(targetPath)
	b, err := st.bin(name)
	if err != nil {
		return err
	}
	t := &metadata.TargetFiles{Length: length, Hashes: metadata.Hashes{"sha256": sum}, Path: targetPath}
	old, ok := b.Signed.Targets[targetPath]
	if ok && old.Equal(*t) {
		return nil
	}
	if ok {
		st.superseded(targetPath, old)
	}
	b.Signed.Targets[targetPath] = t
	st.changed[name] = true
	return nil
}

// deleteTarget drops a target from its bin.
func (st *state) deleteTarget(targetPath string) error {
	name := st.binFor(targetPath)
	b, err := st.bin(name)
	if err != nil {
		return err
	}
	if old, ok := b.Signed.Targets[targetPath]; ok {
		st.superseded(targetPath, old)
		delete(b.Signed.Targets, targetPath)
		st.changed[name] = true
	}
	return nil
}

// keys returns the keys that sign for a signer group, read from the key
// folder and checked against the role's threshold.
func (st *state) keys(group string) ([]*signingKey, error) {
	if ks, ok := st.signers[group]; ok {
		return ks, nil
	}
	var (
		ids       []string
		threshold int
		sub       string
	)
	switch group {
	case signBins:
		sr := st.succinct()
		ids, threshold, sub = sr.KeyIDs, sr.Threshold, keysOnline
	default:
		role, ok := st.root.Signed.Roles[group]
		if !ok {
			return nil, fmt.Errorf("root has no role %s", group)
		}
		ids, threshold = role.KeyIDs, role.Threshold
		switch group {
		case signRoot:
			sub = keysRoot
		case signTargets:
			sub = keysTargets
		default:
			sub = keysOnline
		}
	}
	dir := filepath.Join(st.r.keysDir, sub)
	ks, err := keysFor(dir, ids)
	if err != nil {
		return nil, err
	}
	if len(ks) < threshold {
		name := sub
		if sub == keysOnline {
			name = "the online role " + group
		}
		return nil, &MissingKeyError{Role: name, Dir: dir, Have: len(ks), Need: threshold}
	}
	st.signers[group] = ks
	return ks, nil
}

// needOnline checks, before anything is written, that the key folder can
// sign what every change re-signs: the bins, snapshot and timestamp.
func (st *state) needOnline() error {
	for _, g := range []string{signBins, signSnapshot, signTimestamp} {
		if _, err := st.keys(g); err != nil {
			return err
		}
	}
	return nil
}

// hasKeys reports whether the key folder can sign for a group.
func (st *state) hasKeys(group string) bool {
	_, err := st.keys(group)
	return err == nil
}

func sign[T metadata.Roles](md *metadata.Metadata[T], keys ...[]*signingKey) error {
	md.ClearSignatures()
	seen := map[string]bool{}
	for _, ks := range keys {
		for _, k := range ks {
			if seen[k.id] {
				continue
			}
			seen[k.id] = true
			if _, err := md.Sign(k.signer); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeMeta signs md for group and writes it under name (relative to
// tuf/), returning the bytes written.
func writeMeta[T metadata.Roles](st *state, md *metadata.Metadata[T], group, name string, pretty bool) ([]byte, error) {
	keys, err := st.keys(group)
	if err != nil {
		return nil, err
	}
	if err := sign(md, keys, st.cosigners[group]); err != nil {
		return nil, fmt.Errorf("signing %s: %w", name, err)
	}
	data, err := md.ToBytes(pretty)
	if err != nil {
		return nil, err
	}
	if pretty {
		data = append(data, '\n')
	}
	if err := st.write(path.Join(tufDir, name), data); err != nil {
		return nil, err
	}
	return data, nil
}

// commit re-signs and writes every changed role, then the timestamp. It
// does nothing when nothing changed.
func (st *state) commit(ctx context.Context) error {
	if len(st.changed) == 0 && !st.forceTimestamp {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	snap := &st.snapshot.Signed
	for _, name := range sortedKeys(st.changed) {
		if !isBin(name) {
			continue
		}
		b := st.bins[name]
		b.Signed.Version++
		b.Signed.Expires = st.expiry(name)
		if _, err := writeMeta(st, b, signBins, fmt.Sprintf("%d.%s.json", b.Signed.Version, name), false); err != nil {
			return err
		}
		snap.Meta[name+".json"] = metadata.MetaFile(b.Signed.Version)
		st.signed(name, b.Signed.Version)
		st.changed[signSnapshot] = true
	}
	if st.changed[metadata.TARGETS] {
		t := st.targets
		t.Signed.Version++
		t.Signed.Expires = st.expiry(metadata.TARGETS)
		if _, err := writeMeta(st, t, signTargets, fmt.Sprintf("%d.targets.json", t.Signed.Version), false); err != nil {
			return err
		}
		snap.Meta["targets.json"] = metadata.MetaFile(t.Signed.Version)
		st.signed(metadata.TARGETS, t.Signed.Version)
		st.changed[signSnapshot] = true
	}
	if st.changed[signSnapshot] {
		snap.Version++
		snap.Expires = st.expiry(metadata.SNAPSHOT)
		data, err := writeMeta(st, st.snapshot, signSnapshot, fmt.Sprintf("%d.snapshot.json", snap.Version), false)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		st.timestamp.Signed.Meta["snapshot.json"] = &metadata.MetaFiles{
			Version: snap.Version,
			Length:  int64(len(data)),
			Hashes:  metadata.Hashes{"sha256": sum[:]},
		}
		st.signed(metadata.SNAPSHOT, snap.Version)
	}
	ts := st.timestamp
	ts.Signed.Version++
	ts.Signed.Expires = st.expiry(metadata.TIMESTAMP)
	if _, err := writeMeta(st, ts, signTimestamp, "timestamp.json", false); err != nil {
		return err
	}
	st.signed(metadata.TIMESTAMP, ts.Signed.Version)
	if st.changed[metadata.ROOT] {
		root := st.root
		root.Signed.Version++
		root.Signed.Expires = st.expiry(metadata.ROOT)
		if _, err := writeMeta(st, root, signRoot, fmt.Sprintf("%d.root.json", root.Signed.Version), true); err != nil {
			return err
		}
		st.signed(metadata.ROOT, root.Signed.Version)
	}
	st.changed = map[string]bool{}
	st.forceTimestamp = false
	for _, f := range st.afterCommit {
		if err := f(); err != nil {
			return err
		}
	}
	st.afterCommit = nil
	return nil
}

func (st *state) signed(role string, v int64) {
	st.report.Signed = append(st.report.Signed, fmt.Sprintf("%s v%d", role, v))
}

// write writes a file of the repository atomically (see writeFileAtomic)
// and records it in the report.
func (st *state) write(rel string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(filepath.Join(st.r.dir, filepath.FromSlash(rel))), 0o755); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(st.r.dir, filepath.FromSlash(rel)), data, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", rel, err)
	}
	st.touch(rel)
	st.report.Written = append(st.report.Written, rel)
	return nil
}

// hashName is the consistent-snapshot name of a target: "<sha256>.<base>"
// in the target's folder.
func hashName(targetPath string, sum []byte) string {
	dir, base := path.Split(targetPath)
	return dir + hex.EncodeToString(sum) + "." + base
}

// writeTarget publishes a target from bytes: its plain name and its
// consistent-snapshot name (one file, two links), then records it in its
// bin. Content its bin already signs, under both names, writes nothing.
func (st *state) writeTarget(targetPath string, data []byte) error {
	sum := sha256.Sum256(data)
	if t, ok, err := st.target(targetPath); err != nil {
		return err
	} else if ok && targetHolds(t, data) {
		// Signed already; the plain name may still hold what an
		// interrupted operation wrote.
		if cur, err := os.ReadFile(filepath.Join(st.r.dir, filepath.FromSlash(targetPath))); err == nil && bytes.Equal(cur, data) {
			return nil
		}
	}
	if err := st.publish(targetPath, sum[:], func(f *os.File) error {
		_, err := f.Write(data)
		return err
	}); err != nil {
		return err
	}
	return st.setTarget(targetPath, int64(len(data)), sum[:])
}

// copyFile publishes a file that is not a target (a distribution) from a
// local file under its plain name only, streaming it through a temporary
// file in the same folder, and returns its length and sha256. A published
// name keeps its content, so no consistent-snapshot copy is needed: the
// signed page gives its hash and size.
func (st *state) copyFile(rel, src string) (int64, []byte, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, nil, err
	}
	defer in.Close()
	name := filepath.Join(st.r.dir, filepath.FromSlash(rel))
	tmp, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
	if err != nil {
		return 0, nil, err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	length, err := io.Copy(io.MultiWriter(tmp, h), in)
	err = closeTemp(tmp, err, 0o644)
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		return 0, nil, fmt.Errorf("writing %s: %w", rel, err)
	}
	st.touch(rel)
	st.report.Written = append(st.report.Written, rel)
	return length, h.Sum(nil), nil
}

// writeIfChanged writes a file that is not a target (an HTML page) unless
// it already holds data.
func (st *state) writeIfChanged(rel string, data []byte) error {
	old, err := os.ReadFile(filepath.Join(st.r.dir, filepath.FromSlash(rel)))
	if err == nil && bytes.Equal(old, data) {
		return nil
	}
	return st.write(rel, data)
}

// publish writes a target's content with fill to a temporary file, links
// it to the consistent-snapshot name, then renames it over the plain name,
// so both names only ever show complete files.
func (st *state) publish(targetPath string, sum []byte, fill func(*os.File) error) error {
	name := filepath.Join(st.r.dir, filepath.FromSlash(targetPath))
	hashed := filepath.Join(st.r.dir, filepath.FromSlash(hashName(targetPath, sum)))
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	err = closeTemp(tmp, fill(tmp), 0o644)
	if err != nil {
		return fmt.Errorf("writing %s: %w", targetPath, err)
	}
	if _, err := os.Stat(hashed); errors.Is(err, fs.ErrNotExist) {
		if err := linkOrCopy(tmp.Name(), hashed); err != nil {
			return fmt.Errorf("writing %s: %w", hashName(targetPath, sum), err)
		}
		st.report.Written = append(st.report.Written, hashName(targetPath, sum))
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return err
	}
	// Both names (one file when linked) get the repository clock's time;
	// a superseded copy that is current again is no longer old.
	st.touch(targetPath)
	st.touch(hashName(targetPath, sum))
	st.report.Written = append(st.report.Written, targetPath)
	return nil
}

// linkOrCopy makes dst a hard link to src (the same bytes, no copy), or a
// copy where the file system has no hard links; through a temporary name
// either way.
func linkOrCopy(src, dst string) error {
	tmp := filepath.Join(filepath.Dir(dst), fmt.Sprintf(".tmp-link-%d-%s", os.Getpid(), filepath.Base(dst)))
	os.Remove(tmp)
	if err := os.Link(src, tmp); err != nil {
		data, rerr := os.ReadFile(src)
		if rerr != nil {
			return rerr
		}
		if err := os.WriteFile(tmp, data, 0o644); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

func hashReader(r io.Reader) (int64, []byte, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return 0, nil, err
	}
	return n, h.Sum(nil), nil
}

// writeFileAtomic writes data to a temporary file in name's folder, syncs
// it and renames it over name: a reader sees the old file or the new one,
// never a part of either, and a crash leaves no truncated file.
func writeFileAtomic(name string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err := closeTemp(tmp, err, perm); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// closeTemp closes a temporary file after the writing that returned err,
// first syncing it and giving it perm if that succeeded, so that renaming
// it into place publishes a complete, durable file. It returns the first
// error.
func closeTemp(tmp *os.File, err error, perm os.FileMode) error {
	if err == nil {
		err = tmp.Sync()
	}
	if err == nil {
		err = tmp.Chmod(perm)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	return err
}

// lock takes the repository's exclusive lock (flock on .gopip/lock), so
// that two gopip processes never publish at once; a cron refresh waits for
// an add in progress. It returns the function that releases it.
func (r *Repo) lock(ctx context.Context) (func(), error) {
	r.mu.Lock()
	f, err := os.OpenFile(filepath.Join(r.dir, stateDir, lockName), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		r.mu.Unlock()
		return nil, fmt.Errorf("locking %s: %w", r.dir, err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			r.mu.Unlock()
			return nil, fmt.Errorf("locking %s: %w", r.dir, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			r.mu.Unlock()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return func() {
		f.Close() // releases the flock
		r.mu.Unlock()
	}, nil
}

// update runs one operation under the lock on freshly read state, then
// commits it.
func (r *Repo) update(ctx context.Context, fn func(*state) error) (*Report, error) {
	unlock, err := r.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	st, err := r.loadState()
	if err != nil {
		return nil, err
	}
	if err := fn(st); err != nil {
		return st.report, err
	}
	if err := st.commit(ctx); err != nil {
		return st.report, err
	}
	if st.migrated {
		r.format = formatPageTargets
		if err := r.writeConfig(); err != nil {
			return st.report, err
		}
	}
	return st.report, nil
}

// isPageTarget reports whether a target path is a project's JSON page,
// simple/<project>/index.json: the only kind of target of format 2.
func isPageTarget(targetPath string) bool {
	project, ok := strings.CutPrefix(targetPath, simpleDir+"/")
	if !ok {
		return false
	}
	project, ok = strings.CutSuffix(project, "/index.json")
	return ok && project != "" && !strings.Contains(project, "/")
}

// migrate turns a format 1 repository, which signed every page,
// distribution and .metadata file, into format 2, which signs only the
// JSON pages: every other target leaves its bin (each bin that held one is
// re-signed, once), its consistent-snapshot copy is left for prune, and
// the configuration records format 2 after the commit. The files stay,
// and clients of either kind keep working: a file that is no longer a
// target is verified against its signed page.
func (st *state) migrate() error {
	if st.r.format >= formatPageTargets {
		return nil
	}
	dropped, bins := 0, 0
	for _, name := range st.succinct().GetRoles() {
		b, err := st.bin(name)
		if err != nil {
			return err
		}
		n := 0
		for p, t := range b.Signed.Targets {
			if !isPageTarget(p) {
				st.superseded(p, t)
				delete(b.Signed.Targets, p)
				n++
			}
		}
		if n > 0 {
			st.changed[name] = true
			dropped += n
			bins++
		}
	}
	st.migrated = true
	if dropped > 0 {
		st.report.Warnings = append(st.report.Warnings, fmt.Sprintf("migrated the repository to format 2: %d targets other than the JSON project pages left %d bins; files are now verified against the hashes and sizes in their signed pages (docs/repository-layout.md)", dropped, bins))
	}
	return nil
}

// removeAfterCommit deletes a repository file once the metadata that no
// longer lists it is published.
func (st *state) removeAfterCommit(rel string) {
	st.afterCommit = append(st.afterCommit, func() error {
		err := os.Remove(filepath.Join(st.r.dir, filepath.FromSlash(rel)))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	})
}
