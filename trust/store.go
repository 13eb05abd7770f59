package trust

import (
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

	"github.com/gopip/gopip/internal/httpx"
)

// StoreOptions configure a Store.
type StoreOptions struct {
	// Dir is the folder holding one folder per repository, normally
	// $XDG_DATA_HOME/gopip/repositories.
	Dir string
	// Client fetches metadata and pages. It may be nil for a Store used
	// only to add, list and remove repositories.
	Client *httpx.Client
	// Embedded are the repositories whose roots come with gopip (package
	// bootstrap). Each is copied into the Store on first contact with its
	// index URL; a newer embedded root replaces an older stored one, never
	// the other way round.
	Embedded []Embedded
	// AllowOffline lets a repository that cannot be reached use its cached
	// metadata, as long as it is complete, correctly signed and not
	// expired. Verification failures are never excused; a cache that
	// cannot be used leaves the network error, which then says why.
	AllowOffline bool
	// Offline, when set, is called once for each repository that falls
	// back to its cache under AllowOffline, with what it trusts (see
	// Change.ValidUntil) and the network error that made it fall back,
	// so that the command can say so. It is called from whichever
	// goroutine refreshed the repository.
	Offline func(r *Repository, c Change, cause error)
	// Cache, when set, keeps the pages the repositories verify, by their
	// trusted digest, for later runs (see Cache).
	Cache Cache

	// now replaces the clock of every Repository (tests).
	now func() time.Time
}

// Embedded is a repository whose root is built into gopip.
type Embedded struct {
	// Config is the repository's configuration.
	Config Config
	// Root is its root metadata, verified as root metadata is (signed by
	// a threshold of its own keys) when the Store opens.
	Root []byte
}

// Store keeps the trusted metadata of every TUF repository gopip knows,
// one folder per repository named by RepositoryID:
//
//	<Dir>/<id>/config.json     the Config, readable (0600)
//	<Dir>/<id>/metadata/       root.json, timestamp.json, snapshot.json,
//	                           targets.json and the bins go-tuf has loaded
//
// Folders are 0700 and every file is replaced atomically (written to a
// temporary file, then renamed), so only the user can change what gopip
// trusts, and a crash never leaves a half-written file. A Store is safe for
// simultaneous use by multiple goroutines, and it hands out one Repository
// per repository for its lifetime (one gopip run).
type Store struct {
	opts     StoreOptions
	embedded map[string]Embedded // by id

	mu    sync.Mutex
	repos map[string]*Repository // by id
}

// Source tells where a repository's root came from.
type Source string

const (
	// SourceUser is a root added with `gopip trust add`.
	SourceUser Source = "user"
	// SourceEmbedded is a root built into gopip.
	SourceEmbedded Source = "embedded"
)

// Entry describes one repository of a Store, for `gopip trust list`.
type Entry struct {
	// Config is the repository's configuration.
	Config Config
	// ID names its folder.
	ID string
	// Source tells where its root came from.
	Source Source
	// Root describes the newest root gopip trusts for it.
	Root *RootInfo
	// Cached is the metadata cached by the last refresh (unverified, for
	// display; zero values when it was never refreshed).
	Cached State
}

// OpenStore opens (and creates, mode 0700) the Store in opts.Dir. It
// fails when an embedded root is not valid root metadata, or when two
// embedded repositories share a name or an index URL.
func OpenStore(opts StoreOptions) (*Store, error) {
	if opts.Dir == "" {
		return nil, errors.New("trust: no folder given for the repository store")
	}
	s := &Store{opts: opts, embedded: map[string]Embedded{}, repos: map[string]*Repository{}}
	names := map[string]bool{}
	for _, e := range opts.Embedded {
		cfg, err := e.Config.Complete()
		if err != nil {
			return nil, fmt.Errorf("embedded repository: %w", err)
		}
		if _, err := ParseRoot(e.Root); err != nil {
			return nil, fmt.Errorf("embedded repository %s: %w", cfg.Name, err)
		}
		id, _ := RepositoryID(cfg.IndexURL)
		if _, dup := s.embedded[id]; dup || names[cfg.Name] {
			return nil, fmt.Errorf("embedded repository %s: its name or index URL %s is used twice", cfg.Name, cfg.IndexURL)
		}
		names[cfg.Name] = true
		s.embedded[id] = Embedded{Config: cfg, Root: e.Root}
	}
	return s, nil
}

// Dir returns the Store's folder.
func (s *Store) Dir() string { return s.opts.Dir }

// ensureDir creates the Store's folder, private to the user.
func (s *Store) ensureDir() error {
	if err := os.MkdirAll(s.opts.Dir, 0o700); err != nil {
		return fmt.Errorf("creating the repository store: %w", err)
	}
	return nil
}

func (s *Store) readConfig(id string) (Config, error) {
	data, err := os.ReadFile(filepath.Join(s.opts.Dir, id, "config.json"))
	if err != nil {
		return Config{}, err
	}
	var cfg Config
	if err := json.Unmarshal(data, &cfg); err != nil {
		return Config{}, fmt.Errorf("reading %s: %w", filepath.Join(s.opts.Dir, id, "config.json"), err)
	}
	if cfg, err = cfg.Complete(); err != nil {
		return Config{}, fmt.Errorf("reading %s: %w", filepath.Join(s.opts.Dir, id, "config.json"), err)
	}
	return cfg, nil
}

// stored returns the ids of the repositories with a folder in the Store.
func (s *Store) stored() ([]string, error) {
	ents, err := os.ReadDir(s.opts.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the repository store: %w", err)
	}
	var ids []string
	for _, e := range ents {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			if _, err := os.Stat(filepath.Join(s.opts.Dir, e.Name(), "config.json")); err == nil {
				ids = append(ids, e.Name())
			}
		}
	}
	return ids, nil
}

// List describes every repository: those added with `gopip trust add` and
// those embedded in gopip, sorted by name.
func (s *Store) List() ([]Entry, error) {
	ids, err := s.stored()
	if err != nil {
		return nil, err
	}
	var out []Entry
	seen := map[string]bool{}
	for _, id := range ids {
		cfg, err := s.readConfig(id)
		if err != nil {
			return nil, err
		}
		seen[id] = true
		e := Entry{Config: cfg, ID: id, Source: SourceUser, Cached: localState(filepath.Join(s.opts.Dir, id, "metadata"))}
		root, _ := os.ReadFile(filepath.Join(s.opts.Dir, id, "metadata", "root.json"))
		if emb, ok := s.embedded[id]; ok {
			e.Source, e.Config = SourceEmbedded, emb.Config
			if rootVersion(emb.Root) > rootVersion(root) {
				root = emb.Root
			}
		}
		if e.Root, err = ParseRoot(root); err != nil {
			return nil, fmt.Errorf("repository %s: %w", cfg.Name, err)
		}
		out = append(out, e)
	}
	for id, emb := range s.embedded {
		if seen[id] {
			continue
		}
		info, _ := ParseRoot(emb.Root) // checked by OpenStore
		out = append(out, Entry{Config: emb.Config, ID: id, Source: SourceEmbedded, Root: info})
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.Config.Name, b.Config.Name) })
	return out, nil
}

// Add stores a repository and its root, delivered off-band as PEP 458
// describes (the caller has shown the root to the user; see ParseRoot). It
// fails when the root is not valid root metadata, or when a repository of
// the same name or index URL exists already, embedded or added. The folder
// appears complete or not at all.
func (s *Store) Add(cfg Config, root []byte) (Entry, error) {
	cfg, err := cfg.Complete()
	if err != nil {
		return Entry{}, err
	}
	info, err := ParseRoot(root)
	if err != nil {
		return Entry{}, nameRepository(err, cfg.Name)
	}
	id, _ := RepositoryID(cfg.IndexURL)
	entries, err := s.List()
	if err != nil {
		return Entry{}, err
	}
	for _, e := range entries {
		switch {
		case e.ID == id && e.Source == SourceEmbedded:
			return Entry{}, fmt.Errorf("the index %s is already trusted: its root is built into gopip (repository %s)", cfg.IndexURL, e.Config.Name)
		case e.ID == id:
			return Entry{}, fmt.Errorf("the index %s is already trusted as repository %s\nRemove it first with: gopip trust remove %s", cfg.IndexURL, e.Config.Name, e.Config.Name)
		case e.Config.Name == cfg.Name:
			return Entry{}, fmt.Errorf("a repository named %s exists already (index %s)", cfg.Name, e.Config.IndexURL)
		}
	}
	if err := s.ensureDir(); err != nil {
		return Entry{}, err
	}
	if err := s.createRepoDir(id, cfg, root); err != nil {
		return Entry{}, fmt.Errorf("repository %s: %w", cfg.Name, err)
	}
	return Entry{Config: cfg, ID: id, Source: SourceUser, Root: info}, nil
}

// createRepoDir writes a repository's folder under a temporary name and
// renames it into place.
func (s *Store) createRepoDir(id string, cfg Config, root []byte) error {
	tmp, err := os.MkdirTemp(s.opts.Dir, ".new-"+id[:12]+"-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o700); err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(tmp, "metadata"), 0o700); err != nil {
		return err
	}
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(tmp, "config.json"), append(data, '\n'), 0o600); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(tmp, "metadata", "root.json"), root, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(s.opts.Dir, id)); err != nil {
		if errors.Is(err, fs.ErrExist) || errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s: %w", filepath.Join(s.opts.Dir, id), fs.ErrExist)
		}
		return err
	}
	return nil
}

// Remove forgets a repository added with `gopip trust add`, with its
// trusted metadata. A repository embedded in gopip cannot be removed.
func (s *Store) Remove(name string) error {
	entries, err := s.List()
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Config.Name != name {
			continue
		}
		if e.Source == SourceEmbedded {
			return fmt.Errorf("repository %s cannot be removed: its root is built into gopip", name)
		}
		dir := filepath.Join(s.opts.Dir, e.ID)
		// Rename first: the repository disappears at once, even if the
		// removal of its files is interrupted.
		gone := filepath.Join(s.opts.Dir, ".removed-"+e.ID)
		os.RemoveAll(gone)
		if err := os.Rename(dir, gone); err != nil {
			return fmt.Errorf("removing repository %s: %w", name, err)
		}
		if err := os.RemoveAll(gone); err != nil {
			return fmt.Errorf("removing repository %s: %w", name, err)
		}
		s.mu.Lock()
		delete(s.repos, e.ID)
		s.mu.Unlock()
		return nil
	}
	return &UnknownRepositoryError{Name: name}
}

// UnknownRepositoryError is a repository name the Store does not know.
type UnknownRepositoryError struct {
	// Name is the name asked for.
	Name string
}

// Error names the repository.
func (e *UnknownRepositoryError) Error() string {
	return fmt.Sprintf("no repository named %s", e.Name)
}

// Hint says how to see the known repositories.
func (e *UnknownRepositoryError) Hint() string {
	return "see the trusted repositories with: gopip trust list"
}

// Get returns the repository named name.
func (s *Store) Get(name string) (*Repository, error) {
	entries, err := s.List()
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.Config.Name == name {
			return s.repository(e.ID, "")
		}
	}
	return nil, &UnknownRepositoryError{Name: name}
}

// All returns every repository, sorted by name.
func (s *Store) All() ([]*Repository, error) {
	entries, err := s.List()
	if err != nil {
		return nil, err
	}
	var out []*Repository
	for _, e := range entries {
		r, err := s.repository(e.ID, "")
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// ForIndex returns the repository of an index URL (compared without
// credentials, query or fragment, with or without a trailing "/"), and
// false when gopip has no root for it: the index is then not TUF-backed
// and is used the way pip uses it. Credentials in indexURL are lent to the
// repository's metadata and targets URLs on the same host.
//
// An error means the index has a root but its configuration cannot be
// read: the caller must not fall back to unverified use.
func (s *Store) ForIndex(indexURL string) (*Repository, bool, error) {
	id, err := RepositoryID(indexURL)
	if err != nil {
		return nil, false, nil // not an http(s) URL: never TUF-backed
	}
	if _, ok := s.embedded[id]; !ok {
		if _, err := os.Stat(filepath.Join(s.opts.Dir, id, "config.json")); errors.Is(err, fs.ErrNotExist) {
			return nil, false, nil
		}
	}
	r, err := s.repository(id, indexURL)
	if err != nil {
		return nil, true, err
	}
	return r, true, nil
}

// repository returns the Repository of id, opening it on first use: an
// embedded repository is copied into the Store then (first contact), and
// its stored root is replaced when the embedded one is newer.
func (s *Store) repository(id, credentials string) (*Repository, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.repos[id]; ok {
		r.lendCredentials(credentials)
		return r, nil
	}
	dir := filepath.Join(s.opts.Dir, id)
	emb, isEmbedded := s.embedded[id]
	var cfg Config
	if isEmbedded {
		cfg = emb.Config
		if err := s.ensureDir(); err != nil {
			return nil, err
		}
		if err := s.syncEmbedded(id, emb); err != nil {
			return nil, fmt.Errorf("repository %s: copying its embedded root into %s: %w", cfg.Name, dir, err)
		}
	} else {
		var err error
		if cfg, err = s.readConfig(id); err != nil {
			return nil, err
		}
	}
	if err := checkPrivate(dir); err != nil {
		return nil, fmt.Errorf("repository %s: %w", cfg.Name, err)
	}
	r := &Repository{
		cfg:          cfg,
		id:           id,
		dir:          dir,
		client:       s.opts.Client,
		allowOffline: s.opts.AllowOffline,
		onOffline:    s.opts.Offline,
		now:          s.opts.now,
		cache:        s.opts.Cache,
	}
	r.fetcher = &metadataFetcher{client: s.opts.Client, withCredentials: r.withCredentials}
	r.lendCredentials(credentials)
	if isEmbedded {
		r.embedded = emb.Root
	}
	s.repos[id] = r
	return r, nil
}

// syncEmbedded copies an embedded repository into the Store: its folder on
// first contact, its configuration when the build changed it, and its root
// when newer than the stored one.
func (s *Store) syncEmbedded(id string, emb Embedded) error {
	dir := filepath.Join(s.opts.Dir, id)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		err := s.createRepoDir(id, emb.Config, emb.Root)
		if err == nil || !errors.Is(err, fs.ErrExist) {
			return err
		}
		// Another process created it meanwhile: go on as if it had been there.
	}
	if cfg, err := s.readConfig(id); err != nil || cfg != emb.Config {
		data, err := json.MarshalIndent(emb.Config, "", "  ")
		if err != nil {
			return err
		}
		if err := writeFileAtomic(filepath.Join(dir, "config.json"), append(data, '\n'), 0o600); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "metadata"), 0o700); err != nil {
		return err
	}
	rootFile := filepath.Join(dir, "metadata", "root.json")
	stored, err := os.ReadFile(rootFile)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if rootVersion(emb.Root) > rootVersion(stored) {
		return writeFileAtomic(rootFile, emb.Root, 0o644)
	}
	return nil
}

// checkPrivate refuses a repository folder that other users may write to:
// whoever can change the trusted root decides what gopip installs.
func checkPrivate(dir string) error {
	for _, d := range []string{dir, filepath.Join(dir, "metadata")} {
		fi, err := os.Stat(d)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o022 != 0 {
			return fmt.Errorf("%s is writable by other users (mode %v); gopip does not trust metadata others can change\nFix it with: chmod go-w %s", d, fi.Mode().Perm(), d)
		}
	}
	return nil
}

// writeFileAtomic writes data to a temporary file beside name, flushes it
// and renames it over name.
func writeFileAtomic(name string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), name); err != nil {
		return err
	}
	ok = true
	return nil
}
