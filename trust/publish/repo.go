package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// The folders and files of a repository (docs/repository-layout.md).
const (
	tufDir      = "tuf"
	simpleDir   = "simple"
	packagesDir = "packages"
	// stateDir holds the repository's settings and lock file. It is not
	// served by Handler and holds nothing secret.
	stateDir   = ".gopip"
	configName = "config.json"
	lockName   = "lock"
	binPrefix  = "bins"
	// timestampFile is the one metadata file without a version prefix.
	timestampFile = tufDir + "/timestamp.json"
)

// Expiry is how long each role's signature stays valid after it is made.
// Zero fields take the defaults of DefaultExpiry.
type Expiry struct {
	Root, Targets, Bins, Snapshot, Timestamp time.Duration
}

// DefaultExpiry returns PEP 458's periods: one year for root and targets,
// one day for the roles the online key signs (bins, snapshot, timestamp),
// which refresh re-signs.
func DefaultExpiry() Expiry {
	const day = 24 * time.Hour
	return Expiry{Root: 365 * day, Targets: 365 * day, Bins: day, Snapshot: day, Timestamp: day}
}

func (e Expiry) withDefaults() Expiry {
	d := DefaultExpiry()
	for _, p := range []struct{ v, def *time.Duration }{
		{&e.Root, &d.Root}, {&e.Targets, &d.Targets}, {&e.Bins, &d.Bins},
		{&e.Snapshot, &d.Snapshot}, {&e.Timestamp, &d.Timestamp},
	} {
		if *p.v <= 0 {
			*p.v = *p.def
		}
	}
	return e
}

// period returns the validity period of a role ("bins-3f" is a bin).
func (e Expiry) period(role string) time.Duration {
	switch role {
	case metadata.ROOT:
		return e.Root
	case metadata.TARGETS:
		return e.Targets
	case metadata.SNAPSHOT:
		return e.Snapshot
	case metadata.TIMESTAMP:
		return e.Timestamp
	}
	return e.Bins
}

// The formats of a repository (.gopip/config.json "format").
const (
	// formatAllTargets (1) signed every page, distribution and .metadata
	// file as a target: up to four bins per file added.
	formatAllTargets = 1
	// formatPageTargets (2) signs only each project's JSON page; files
	// are verified against the hashes and sizes in it. A format 1
	// repository is migrated by its next add, remove or yank.
	formatPageTargets = 2
)

// config is .gopip/config.json.
type config struct {
	Format  int `json:"format"`
	Expires struct {
		Root      string `json:"root"`
		Targets   string `json:"targets"`
		Bins      string `json:"bins"`
		Snapshot  string `json:"snapshot"`
		Timestamp string `json:"timestamp"`
	} `json:"expires"`
}

func configFor(format int, e Expiry) config {
	var c config
	c.Format = format
	c.Expires.Root, c.Expires.Targets, c.Expires.Bins = e.Root.String(), e.Targets.String(), e.Bins.String()
	c.Expires.Snapshot, c.Expires.Timestamp = e.Snapshot.String(), e.Timestamp.String()
	return c
}

func (c config) expiry() (Expiry, error) {
	var e Expiry
	for _, p := range []struct {
		s string
		d *time.Duration
	}{
		{c.Expires.Root, &e.Root}, {c.Expires.Targets, &e.Targets}, {c.Expires.Bins, &e.Bins},
		{c.Expires.Snapshot, &e.Snapshot}, {c.Expires.Timestamp, &e.Timestamp},
	} {
		if p.s == "" {
			continue
		}
		d, err := time.ParseDuration(p.s)
		if err != nil {
			return e, err
		}
		*p.d = d
	}
	return e.withDefaults(), nil
}

// InitOptions configure a new repository. The zero value gives PEP 458's
// defaults.
type InitOptions struct {
	// KeysDir is the key folder; default DefaultKeysDir(dir).
	KeysDir string
	// BinBits is the bit length of the hashed-bin delegation: 2^BinBits
	// bins. Default 8 (256 bins, bins-00 … bins-ff); 1 to 16.
	BinBits int
	// RootThreshold is the number of root keys that must sign a root.
	// Default 2 (PEP 458 asks for more than one).
	RootThreshold int
	// RootKeys is the number of root keys made; default RootThreshold.
	RootKeys int
	// Expires are the signature periods.
	Expires Expiry
	// Now replaces time.Now (tests).
	Now func() time.Time
}

// DefaultKeysDir is the key folder of a repository folder when none is
// given: a sibling folder, "<dir>.keys", so that copying or syncing the
// repository folder to a web server never takes the keys along.
func DefaultKeysDir(dir string) string {
	return filepath.Clean(dir) + ".keys"
}

// Repo is a repository on disk, opened with its key folder. Its methods
// are safe for concurrent use, and different processes may run them on the
// same folder at the same time: each operation holds an exclusive lock on
// the folder and reads the state afresh.
type Repo struct {
	dir, keysDir string
	now          func() time.Time
	expires      Expiry
	format       int

	mu sync.Mutex
}

// Option configures Open.
type Option func(*Repo)

// WithClock replaces time.Now, which decides expiry dates and whether
// metadata is due for re-signing (tests move it forward).
func WithClock(now func() time.Time) Option {
	return func(r *Repo) { r.now = now }
}

// Dir returns the repository folder.
func (r *Repo) Dir() string { return r.dir }

// KeysDir returns the key folder.
func (r *Repo) KeysDir() string { return r.keysDir }

// Expires returns the repository's signature periods.
func (r *Repo) Expires() Expiry { return r.expires }

// Init creates a repository in dir (which must be missing or empty) with
// new keys in the key folder (which must hold no keys): root, targets
// delegating every target to 2^BinBits hashed bins, every bin (empty),
// snapshot and timestamp, plus empty root index pages.
func Init(ctx context.Context, dir string, opts InitOptions) (*Repo, error) {
	if opts.BinBits == 0 {
		opts.BinBits = 8
	}
	if opts.BinBits < 1 || opts.BinBits > 16 {
		return nil, fmt.Errorf("the number of bin bits must be between 1 and 16, not %d", opts.BinBits)
	}
	if opts.RootThreshold == 0 {
		opts.RootThreshold = 2
	}
	if opts.RootKeys == 0 {
		opts.RootKeys = opts.RootThreshold
	}
	if opts.RootThreshold < 1 || opts.RootKeys < opts.RootThreshold {
		return nil, fmt.Errorf("a root threshold of %d with %d root keys can never be met", opts.RootThreshold, opts.RootKeys)
	}
	if opts.KeysDir == "" {
		opts.KeysDir = DefaultKeysDir(dir)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := checkEmpty(dir); err != nil {
		return nil, err
	}
	for _, sub := range []string{keysRoot, keysTargets, keysOnline} {
		if keys, err := readKeys(filepath.Join(opts.KeysDir, sub)); err != nil {
			return nil, err
		} else if len(keys) > 0 {
			return nil, fmt.Errorf("the key folder %s already holds %s keys; init makes new keys and never reuses or overwrites any\nchoose another folder with --keys, or move it away", opts.KeysDir, sub)
		}
	}
	r := &Repo{dir: dir, keysDir: opts.KeysDir, now: opts.Now, expires: opts.Expires.withDefaults(), format: formatPageTargets}
	if err := os.MkdirAll(filepath.Join(dir, stateDir), 0o755); err != nil {
		return nil, err
	}
	unlock, err := r.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()

	var rootKeys []*signingKey
	for range opts.RootKeys {
		k, err := generateKey(filepath.Join(opts.KeysDir, keysRoot))
		if err != nil {
			return nil, err
		}
		rootKeys = append(rootKeys, k)
	}
	targetsKey, err := generateKey(filepath.Join(opts.KeysDir, keysTargets))
	if err != nil {
		return nil, err
	}
	onlineKey, err := generateKey(filepath.Join(opts.KeysDir, keysOnline))
	if err != nil {
		return nil, err
	}

	st := r.newState()
	root := metadata.Root(st.expiry(metadata.ROOT))
	for _, k := range rootKeys {
		if err := root.Signed.AddKey(k.public, metadata.ROOT); err != nil {
			return nil, err
		}
	}
	root.Signed.Roles[metadata.ROOT].Threshold = opts.RootThreshold
	if err := root.Signed.AddKey(targetsKey.public, metadata.TARGETS); err != nil {
		return nil, err
	}
	for _, role := range []string{metadata.SNAPSHOT, metadata.TIMESTAMP} {
		if err := root.Signed.AddKey(onlineKey.public, role); err != nil {
			return nil, err
		}
	}
	root.Signed.Version = 0 // commit bumps every changed role
	st.root = root
	st.changed[metadata.ROOT] = true

	targets := metadata.Targets(st.expiry(metadata.TARGETS))
	targets.Signed.Version = 0 // commit bumps every changed role
	targets.Signed.Delegations = &metadata.Delegations{
		Keys: map[string]*metadata.Key{onlineKey.id: onlineKey.public},
		SuccinctRoles: &metadata.SuccinctRoles{
			KeyIDs:     []string{onlineKey.id},
			Threshold:  1,
			BitLength:  opts.BinBits,
			NamePrefix: binPrefix,
		},
	}
	st.targets = targets
	st.changed[metadata.TARGETS] = true

	st.snapshot = metadata.Snapshot()
	st.snapshot.Signed.Version = 0
	st.timestamp = metadata.Timestamp()
	st.timestamp.Signed.Version = 0
	for _, bin := range targets.Signed.Delegations.SuccinctRoles.GetRoles() {
		b := metadata.Targets()
		b.Signed.Version = 0
		st.bins[bin] = b
		st.changed[bin] = true
	}

	if err := r.writeConfig(); err != nil {
		return nil, err
	}
	for _, sub := range []string{tufDir, simpleDir, packagesDir} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	if err := st.writeRootIndex(nil); err != nil {
		return nil, err
	}
	if err := st.commit(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// checkEmpty refuses to init a folder that holds anything.
func checkEmpty(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		if _, err := os.Stat(filepath.Join(dir, tufDir)); err == nil {
			return fmt.Errorf("%s is already a repository", dir)
		}
		return fmt.Errorf("%s is not empty; init wants a new or empty folder", dir)
	}
	return nil
}

// Open opens the repository in dir with the key folder keysDir
// (DefaultKeysDir(dir) when ""). The keys are read when an operation needs
// them: add, remove, yank and refresh need only the online key
// (<keys>/online/); rotate needs the offline keys too.
func Open(dir, keysDir string, opts ...Option) (*Repo, error) {
	if keysDir == "" {
		keysDir = DefaultKeysDir(dir)
	}
	r := &Repo{dir: dir, keysDir: keysDir, now: time.Now}
	for _, o := range opts {
		o(r)
	}
	data, err := os.ReadFile(filepath.Join(dir, stateDir, configName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s is not a gopip repository (no %s)\ncreate one with \"gopip repo init %s\"", dir, filepath.Join(stateDir, configName), dir)
	}
	if err != nil {
		return nil, err
	}
	var c config
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("reading %s: %w", filepath.Join(dir, stateDir, configName), err)
	}
	if c.Format != formatAllTargets && c.Format != formatPageTargets {
		return nil, fmt.Errorf("%s: unknown format %d (a newer gopip made this repository)", filepath.Join(dir, stateDir, configName), c.Format)
	}
	r.format = c.Format
	if r.expires, err = c.expiry(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", filepath.Join(dir, stateDir, configName), err)
	}
	return r, nil
}

func (r *Repo) writeConfig() error {
	data, err := json.MarshalIndent(configFor(r.format, r.expires), "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(r.dir, stateDir, configName), append(data, '\n'), 0o644)
}

// Root returns the newest root metadata: what a client needs, delivered
// off-band (gopip trust add, an embedded root), to trust the repository.
func (r *Repo) Root() ([]byte, error) {
	v, err := latestRootVersion(r.dir)
	if err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Join(r.dir, tufDir, fmt.Sprintf("%d.root.json", v)))
}

// latestRootVersion finds the newest N.root.json the way a client does:
// counting up from 1 until a version is missing.
func latestRootVersion(dir string) (int64, error) {
	v := int64(0)
	for {
		_, err := os.Stat(filepath.Join(dir, tufDir, fmt.Sprintf("%d.root.json", v+1)))
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err != nil {
			return 0, err
		}
		v++
	}
	if v == 0 {
		return 0, fmt.Errorf("%s has no %s/1.root.json", dir, tufDir)
	}
	return v, nil
}

// Report says what an operation did.
type Report struct {
	// Added, Unchanged, Removed and Yanked name distribution files.
	Added, Unchanged, Removed, Yanked []string
	// Signed lists the roles re-signed with their new versions, e.g.
	// "bins-3f v4", "snapshot v9", "timestamp v12".
	Signed []string
	// Written lists the files written, relative to the repository folder,
	// in the order they were written.
	Written []string
	// Pruned lists the files deleted by pruning.
	Pruned []string
	// Warnings are things the user should act on (metadata close to
	// expiry that needs an offline key).
	Warnings []string
}

// isBin reports whether a role is one of the hashed bins.
func isBin(role string) bool { return strings.HasPrefix(role, binPrefix+"-") }

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
