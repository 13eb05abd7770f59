package trust

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/config"
	"github.com/theupdateframework/go-tuf/v2/metadata/updater"

	"github.com/gopip/gopip/internal/httpx"
)

// Repository is one TUF-backed repository: its configuration, its trusted
// metadata in the Store, and the go-tuf Updater that refreshes it.
//
// A Repository is safe for simultaneous use by multiple goroutines. go-tuf's
// Updater is not, so every call into it is serialised by a mutex; its
// trusted answers (lengths and hashes) are then used concurrently by the
// Downloader. The first operation refreshes the top-level metadata (root,
// timestamp, snapshot, targets) once for the life of the Repository, which
// is one gopip run; later operations reuse that trusted state, and delegated
// bins are fetched as lookups need them.
type Repository struct {
	cfg          Config
	id           string
	dir          string
	metaDir      string // "": dir/metadata
	client       *httpx.Client
	credMu       sync.Mutex
	credentials  string // the index URL as given, lending its userinfo
	embedded     []byte // the root embedded in gopip for this repository, if any
	allowOffline bool
	onOffline    func(*Repository, Change, error)
	now          func() time.Time // nil: the clock; tests move it
	cache        Cache            // nil: verified pages are not kept

	mu      sync.Mutex
	fetcher *metadataFetcher
	up      *updater.Updater
	done    bool // refreshed, successfully or not
	err     error
	change  Change
	targets map[string]Target
}

// lendCredentials records the index URL as the caller gave it, whose
// userinfo is then sent to the same host.
func (r *Repository) lendCredentials(indexURL string) {
	if indexURL == "" {
		return
	}
	r.credMu.Lock()
	if r.credentials == "" {
		r.credentials = indexURL
	}
	r.credMu.Unlock()
}

// withCredentials returns rawURL with the index URL's userinfo when it is
// on the index's host.
func (r *Repository) withCredentials(rawURL string) string {
	r.credMu.Lock()
	defer r.credMu.Unlock()
	return withUserinfo(rawURL, r.credentials)
}

// Config returns the repository's configuration.
func (r *Repository) Config() Config { return r.cfg }

// Name returns the repository's name.
func (r *Repository) Name() string { return r.cfg.Name }

// ID returns the name of the repository's folder in the Store.
func (r *Repository) ID() string { return r.id }

// Dir returns the repository's folder in the Store, which holds its
// configuration (config.json) and its trusted metadata (metadata/); for a
// Repository made by OpenRepository, its metadata folder.
func (r *Repository) Dir() string { return r.dir }

// Embedded tells whether the repository's root comes with gopip
// (package bootstrap) rather than from `gopip trust add`.
func (r *Repository) Embedded() bool { return r.embedded != nil }

func (r *Repository) metadataDir() string {
	if r.metaDir != "" {
		return r.metaDir
	}
	return filepath.Join(r.dir, "metadata")
}

// OpenRepository returns a Repository outside any Store, whose trusted
// metadata is the folder metadataDir itself (root.json, timestamp.json,
// snapshot.json, targets.json and the delegated roles, unversioned names),
// which must hold a root.json to start from: the layout of the TUF
// conformance suite's client protocol (gopip's hidden tuf-conformance
// command). It refreshes, looks targets up and verifies them exactly as a
// Repository of the Store does; cfg must be complete (Config.Complete).
func OpenRepository(cfg Config, metadataDir string, client *httpx.Client) (*Repository, error) {
	cfg, err := cfg.Complete()
	if err != nil {
		return nil, err
	}
	if client == nil {
		return nil, fmt.Errorf("repository %s: no HTTP client", cfg.Name)
	}
	if _, err := os.Stat(filepath.Join(metadataDir, "root.json")); err != nil {
		return nil, fmt.Errorf("repository %s: no trusted root: %w", cfg.Name, err)
	}
	id, _ := RepositoryID(cfg.IndexURL)
	r := &Repository{cfg: cfg, id: id, dir: metadataDir, metaDir: metadataDir, client: client}
	r.fetcher = &metadataFetcher{client: client, withCredentials: r.withCredentials}
	return r, nil
}

// TargetRequest returns the download request of a target (the caller sets
// Request.Dest): its trusted length and hashes, fetched from the targets
// URL under its consistent-snapshot name when the root asks for them.
func (r *Repository) TargetRequest(ctx context.Context, targetPath string) (Request, error) {
	t, err := r.TargetInfo(ctx, targetPath)
	if err != nil {
		return Request{}, err
	}
	return Request{
		URL:    r.withCredentials(targetURL(r.cfg.TargetsURL, targetPath, t, r.consistentSnapshot())),
		Length: t.Length,
		Hashes: maps.Clone(t.Hashes),
		Name:   targetPath,
	}, nil
}

// RoleState is the version and expiry of one role's metadata.
type RoleState struct {
	// Version is the metadata's version; 0 when there is none.
	Version int64
	// Expires is when it expires.
	Expires time.Time
}

// State is the version and expiry of a repository's top-level metadata.
type State struct {
	Root, Timestamp, Snapshot, Targets RoleState
}

// Change is what a refresh changed: the metadata cached before it (read
// as it was on disk) and the metadata trusted after it.
type Change struct {
	// Before is the cached state before the refresh.
	Before State
	// After is the trusted state after it.
	After State
	// Offline is set when the repository could not be reached and the
	// still-valid cached metadata was used instead (see
	// StoreOptions.AllowOffline).
	Offline bool
}

// ValidUntil is when the first of the trusted top-level roles expires
// (root, timestamp, snapshot, targets): how long a repository used offline
// can still be trusted without reaching it.
func (c Change) ValidUntil() time.Time {
	var t time.Time
	for _, s := range []RoleState{c.After.Root, c.After.Timestamp, c.After.Snapshot, c.After.Targets} {
		if !s.Expires.IsZero() && (t.IsZero() || s.Expires.Before(t)) {
			t = s.Expires
		}
	}
	return t
}

// Target is the trusted information of one target file.
type Target struct {
	// Path is the target path, relative to the targets URL.
	Path string
	// Length is the file's trusted length in bytes.
	Length int64
	// Hashes maps the algorithms gopip verifies ("sha256", "sha512",
	// "blake2b-256") to hex digests. Algorithms gopip does not know are
	// left out; a target with none it knows is refused.
	Hashes map[string]string
}

// tufHashes are the target hash algorithms gopip verifies, in the order
// used to pick the hash prefix of a consistent-snapshot target URL.
var tufHashes = []string{"sha256", "sha512", "blake2b-256"}

// Refresh runs TUF's client workflow for the top-level metadata: root
// rotation, timestamp, snapshot and targets, each verified (signatures
// and thresholds, versions, expiry, lengths and hashes) and persisted in
// the Store. It runs once per Repository; later calls return the first
// call's result, unless that call was cancelled.
//
// A verification failure is a *VerificationError. When a rotated root
// changed the timestamp or snapshot keys, the cached timestamp and
// snapshot are discarded and the refresh is run again, as the TUF
// specification requires to recover from a fast-forward attack.
func (r *Repository) Refresh(ctx context.Context) (Change, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	err := r.refreshLocked(ctx)
	return r.change, err
}

func (r *Repository) refreshLocked(ctx context.Context) error {
	if r.done {
		return r.err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("repository %s: %w", r.cfg.Name, context.Cause(ctx))
	}
	unlock, err := lockDir(ctx, r.dir)
	if err != nil {
		return fmt.Errorf("repository %s: %w", r.cfg.Name, err)
	}
	defer unlock()
	r.fetcher.ctx = ctx

	before := localState(r.metadataDir())
	startRoot, err := r.trustedRoot()
	if err != nil {
		return r.finish(ctx, err)
	}
	up, err := r.newUpdater(startRoot, false)
	if err == nil {
		err = caught(up.Refresh)
	}
	if err != nil && up != nil && onlineKeysRotated(startRoot, up) {
		// TUF 5.3.11: new timestamp or snapshot keys make the cached
		// timestamp and snapshot worthless, and they must not block
		// versions lower than theirs (fast-forward attack recovery).
		for _, role := range []string{metadata.TIMESTAMP, metadata.SNAPSHOT} {
			if rmErr := os.Remove(filepath.Join(r.metadataDir(), role+".json")); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
				return r.finish(ctx, fmt.Errorf("repository %s: %w", r.cfg.Name, rmErr))
			}
		}
		var root []byte
		if root, err = r.trustedRoot(); err == nil {
			if up, err = r.newUpdater(root, false); err == nil {
				err = caught(up.Refresh)
			}
		}
	}
	if err != nil {
		verr := r.classify(err, up)
		var fe *FetchError
		if r.allowOffline && errors.As(verr, &fe) && ctx.Err() == nil {
			// The repository cannot be reached: use the cached metadata
			// if it is complete, correctly signed and not expired.
			off, oerr := r.offlineUpdater()
			if oerr == nil {
				r.up, r.done = off, true
				r.change = Change{Before: before, After: trustedState(off), Offline: true}
				if r.onOffline != nil {
					r.onOffline(r, r.change, verr)
				}
				return nil
			}
			// Not a verification failure: the repository was not reached.
			verr = fmt.Errorf("%w\nits cached TUF metadata cannot be used instead: %v", verr, oerr)
		}
		return r.finish(ctx, verr)
	}
	r.up, r.done = up, true
	r.change = Change{Before: before, After: trustedState(up)}
	return nil
}

// offlineUpdater returns an Updater that trusts the cached metadata alone
// (go-tuf's local mode: root, timestamp, snapshot and targets read from the
// Store and verified, expiry included, without a network request).
func (r *Repository) offlineUpdater() (*updater.Updater, error) {
	r.fetcher.last = fetched{} // nothing is fetched: errors name no URL
	root, err := r.trustedRoot()
	if err != nil {
		return nil, err
	}
	off, err := r.newUpdater(root, true)
	if err != nil {
		return nil, r.classify(err, nil)
	}
	if err := caught(off.Refresh); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errors.New("gopip has not refreshed it yet")
		}
		return nil, r.classify(err, off)
	}
	// go-tuf's local mode does not check the root's expiry.
	if role := expiredRole(off); role != "" {
		return nil, &VerificationError{Repository: r.cfg.Name, Role: role, Reason: ReasonExpired,
			Err: &metadata.ErrExpiredMetadata{Msg: role + " metadata has expired"}}
	}
	return off, nil
}

// caught runs f, a call into go-tuf, and returns a panic of it as an
// error. go-tuf, and sigstore under it, panic on some malformed metadata:
// a key of the wrong length (crypto/ed25519 panics), a timestamp that
// does not list snapshot.json. What a repository serves, or what a user
// hands to trust add, must never crash gopip: the panic becomes an error,
// which classify makes a verification failure like any other malformed
// metadata.
func caught(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &panicError{p}
		}
	}()
	return f()
}

// panicError is a panic of go-tuf, caught.
type panicError struct{ value any }

func (e *panicError) Error() string {
	return fmt.Sprintf("malformed metadata (go-tuf panicked: %v)", e.value)
}

// finish records a failed refresh; a cancelled one may be tried again.
func (r *Repository) finish(ctx context.Context, err error) error {
	if ctx.Err() == nil {
		r.done, r.err = true, err
	}
	return err
}

// trustedRoot returns the newest root gopip trusts for the repository: the
// one in the Store (the last one root rotation verified) or the embedded
// one when that is newer. go-tuf's updater.New overwrites the stored root
// with the bytes it is given, so it must be given the newest.
func (r *Repository) trustedRoot() ([]byte, error) {
	stored, err := os.ReadFile(filepath.Join(r.metadataDir(), "root.json"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("repository %s: reading its trusted root: %w", r.cfg.Name, err)
	}
	switch {
	case r.embedded != nil && (stored == nil || rootVersion(r.embedded) > rootVersion(stored)):
		return r.embedded, nil
	case stored == nil:
		return nil, fmt.Errorf("repository %s: no trusted root in %s", r.cfg.Name, r.metadataDir())
	}
	return stored, nil
}

// newUpdater returns a go-tuf Updater over the Store's folder, starting
// from root, fetching through gopip's client.
func (r *Repository) newUpdater(root []byte, offline bool) (*updater.Updater, error) {
	cfg, err := config.New(r.cfg.MetadataURL, root)
	if err != nil {
		return nil, err
	}
	cfg.LocalMetadataDir = r.metadataDir()
	cfg.LocalTargetsDir = r.dir // targets are never stored by go-tuf
	cfg.RemoteTargetsURL = r.cfg.TargetsURL
	cfg.Fetcher = r.fetcher
	cfg.UnsafeLocalMode = offline
	var up *updater.Updater
	if err := caught(func() (err error) { up, err = updater.New(cfg); return err }); err != nil {
		return nil, err
	}
	if r.now != nil {
		up.UnsafeSetRefTime(r.now())
	}
	return up, nil
}

// onlineKeysRotated reports whether the root up trusts now has other
// timestamp or snapshot keys than the root the refresh started from.
func onlineKeysRotated(startRoot []byte, up *updater.Updater) bool {
	start, err := metadata.Root().FromBytes(startRoot)
	if err != nil {
		return false
	}
	now := up.GetTrustedMetadataSet().Root
	if now == nil || now.Signed.Version == start.Signed.Version {
		return false
	}
	for _, role := range []string{metadata.TIMESTAMP, metadata.SNAPSHOT} {
		a, b := start.Signed.Roles[role], now.Signed.Roles[role]
		if a == nil || b == nil {
			return true
		}
		ka, kb := slices.Clone(a.KeyIDs), slices.Clone(b.KeyIDs)
		slices.Sort(ka)
		slices.Sort(kb)
		if !slices.Equal(ka, kb) || a.Threshold != b.Threshold {
			return true
		}
	}
	return false
}

// TargetInfo returns the trusted length and hashes of a target, refreshing
// first if needed and fetching the delegated bins on the path to it. A
// path the metadata does not list is a *NotFoundError; a verification
// failure a *VerificationError. Answers are cached for the life of the
// Repository.
func (r *Repository) TargetInfo(ctx context.Context, targetPath string) (Target, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t, ok := r.targets[targetPath]; ok {
		return t, nil
	}
	if err := r.refreshLocked(ctx); err != nil {
		return Target{}, err
	}
	r.fetcher.ctx = ctx
	var tf *metadata.TargetFiles
	err := caught(func() (err error) { tf, err = r.up.GetTargetInfo(targetPath); return err })
	var pe *panicError
	if err != nil {
		if !errors.As(err, &pe) && r.searchedAll(targetPath) {
			return Target{}, &NotFoundError{Repository: r.cfg.Name, Target: targetPath}
		}
		return Target{}, r.classify(err, r.up)
	}
	t := Target{Path: targetPath, Length: tf.Length, Hashes: map[string]string{}}
	for _, algo := range tufHashes {
		if h, ok := tf.Hashes[algo]; ok {
			t.Hashes[algo] = hex.EncodeToString(h)
		}
	}
	if len(t.Hashes) == 0 {
		return Target{}, &VerificationError{Repository: r.cfg.Name, Target: targetPath, Reason: ReasonNotTarget,
			Err: fmt.Errorf("the target lists no hash gopip can verify (it verifies %v)", tufHashes)}
	}
	if t.Length < 0 {
		return Target{}, &VerificationError{Repository: r.cfg.Name, Target: targetPath, Reason: ReasonInvalid,
			Err: fmt.Errorf("negative length %d", t.Length)}
	}
	if r.targets == nil {
		r.targets = map[string]Target{}
	}
	r.targets[targetPath] = t
	return t, nil
}

// searchedAll reports whether every role go-tuf's delegation walk visits
// for targetPath is loaded and none lists it: the target does not exist.
// go-tuf reports a missing target with an untyped error; deciding from
// the trusted metadata avoids matching its text. It mirrors
// updater.preOrderDepthFirstWalk.
func (r *Repository) searchedAll(targetPath string) bool {
	trusted := r.up.GetTrustedMetadataSet()
	type visit struct{ role string }
	stack := []visit{{metadata.TARGETS}}
	visited := map[string]bool{}
	const maxDelegations = 32 // config.New's MaxDelegations
	for len(stack) > 0 && len(visited) <= maxDelegations {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if visited[v.role] {
			continue
		}
		md, ok := trusted.Targets[v.role]
		if !ok {
			return false // not loaded: loading it is what failed
		}
		if _, ok := md.Signed.Targets[targetPath]; ok {
			return false
		}
		visited[v.role] = true
		if md.Signed.Delegations == nil {
			continue
		}
		var children []visit
		for _, c := range md.Signed.Delegations.GetRolesForTarget(targetPath) {
			children = append(children, visit{c.Name})
			if c.Terminating {
				stack = nil
				break
			}
		}
		slices.Reverse(children)
		stack = append(stack, children...)
	}
	return true
}

// classify turns an error of go-tuf's workflow into a *VerificationError
// naming the repository, the role and what failed, or into an ordinary
// error (network, local disk, cancellation) naming the repository.
func (r *Repository) classify(err error, up *updater.Updater) error {
	name := r.cfg.Name
	var ve *VerificationError
	if errors.As(err, &ve) {
		if ve.Repository == "" {
			ve.Repository = name
		}
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("repository %s: %w", name, err)
	}
	var fe *FetchError
	if errors.As(err, &fe) {
		return fmt.Errorf("repository %s: TUF metadata: %w", name, err)
	}
	var pe *fs.PathError
	var le *os.LinkError
	if errors.As(err, &pe) || errors.As(err, &le) {
		return fmt.Errorf("repository %s: trusted metadata in %s: %w", name, r.metadataDir(), err)
	}
	last := r.fetcher.last
	ve = &VerificationError{Repository: name, Role: last.role, URL: last.url, Err: err}
	switch {
	case up == nil:
		// The trusted root itself did not load.
		ve.Role, ve.URL = metadata.ROOT, ""
		ve.Reason = ReasonInvalid
		if errors.Is(err, &metadata.ErrUnsignedMetadata{}) {
			ve.Reason = ReasonSignature
		}
	case errors.Is(err, &metadata.ErrExpiredMetadata{}):
		ve.Reason = ReasonExpired
		if role := expiredRole(up); role != "" && role != last.role {
			ve.Role, ve.URL = role, ""
		}
	case errors.Is(err, &metadata.ErrUnsignedMetadata{}):
		ve.Reason = ReasonSignature
	case errors.Is(err, &metadata.ErrBadVersionNumber{}):
		ve.Reason = versionReason(last, up)
	case errors.Is(err, &metadata.ErrLengthOrHashMismatch{}):
		ve.Reason = ReasonHash
	default:
		// ErrRepository, ErrValue, malformed JSON, and go-tuf's untyped
		// consistency errors ("role … not found in snapshot"): metadata
		// that cannot be used.
		ve.Reason = ReasonInvalid
	}
	return ve
}

// expiredRole returns the top-level role whose trusted metadata has
// expired, or "" when none has (then the last role fetched is the one).
func expiredRole(up *updater.Updater) string {
	t := up.GetTrustedMetadataSet()
	switch {
	case t.Root != nil && t.Root.Signed.IsExpired(t.RefTime):
		return metadata.ROOT
	case t.Timestamp != nil && t.Timestamp.Signed.IsExpired(t.RefTime):
		return metadata.TIMESTAMP
	case t.Snapshot != nil && t.Snapshot.Signed.IsExpired(t.RefTime):
		return metadata.SNAPSHOT
	}
	return ""
}

// versionReason tells a rollback (a version lower than the one trusted or
// vouched for) from a mix-and-match (a version other than the one vouched
// for), comparing the refused file's versions with the trusted metadata.
func versionReason(last fetched, up *updater.Updater) Reason {
	var got struct {
		Signed struct {
			Version int64                         `json:"version"`
			Meta    map[string]metadata.MetaFiles `json:"meta"`
		} `json:"signed"`
	}
	if json.Unmarshal(last.data, &got) != nil {
		return ReasonMismatch
	}
	v := got.Signed.Version
	t := up.GetTrustedMetadataSet()
	switch last.role {
	case metadata.ROOT:
		if v <= t.Root.Signed.Version {
			return ReasonRollback
		}
	case metadata.TIMESTAMP:
		if t.Timestamp == nil {
			break
		}
		if v < t.Timestamp.Signed.Version {
			return ReasonRollback
		}
		old, ok := t.Timestamp.Signed.Meta["snapshot.json"]
		if ok && got.Signed.Meta["snapshot.json"].Version < old.Version {
			return ReasonRollback
		}
	case metadata.SNAPSHOT:
		if t.Timestamp == nil {
			break
		}
		want := t.Timestamp.Signed.Meta["snapshot.json"]
		switch {
		case want == nil:
		case v < want.Version:
			return ReasonRollback
		case v == want.Version:
			// The snapshot is the one vouched for, but lists a role at a
			// lower version than the snapshot trusted before.
			return ReasonRollback
		}
	default:
		if t.Snapshot == nil {
			break
		}
		if want, ok := t.Snapshot.Signed.Meta[last.role+".json"]; ok && v < want.Version {
			return ReasonRollback
		}
	}
	return ReasonMismatch
}

// trustedState returns the versions and expiry of the metadata up trusts.
func trustedState(up *updater.Updater) State {
	t := up.GetTrustedMetadataSet()
	var s State
	if t.Root != nil {
		s.Root = RoleState{t.Root.Signed.Version, t.Root.Signed.Expires}
	}
	if t.Timestamp != nil {
		s.Timestamp = RoleState{t.Timestamp.Signed.Version, t.Timestamp.Signed.Expires}
	}
	if t.Snapshot != nil {
		s.Snapshot = RoleState{t.Snapshot.Signed.Version, t.Snapshot.Signed.Expires}
	}
	if tg := t.Targets[metadata.TARGETS]; tg != nil {
		s.Targets = RoleState{tg.Signed.Version, tg.Signed.Expires}
	}
	return s
}

// localState reads the versions and expiry of the metadata cached in dir,
// without verifying it: it is only shown.
func localState(dir string) State {
	read := func(role string) RoleState {
		data, err := os.ReadFile(filepath.Join(dir, role+".json"))
		if err != nil {
			return RoleState{}
		}
		var m struct {
			Signed struct {
				Version int64     `json:"version"`
				Expires time.Time `json:"expires"`
			} `json:"signed"`
		}
		if json.Unmarshal(data, &m) != nil {
			return RoleState{}
		}
		return RoleState{m.Signed.Version, m.Signed.Expires}
	}
	return State{
		Root:      read(metadata.ROOT),
		Timestamp: read(metadata.TIMESTAMP),
		Snapshot:  read(metadata.SNAPSHOT),
		Targets:   read(metadata.TARGETS),
	}
}
