package cmd

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"github.com/spf13/pflag"

	"github.com/gopip/gopip/internal/cache"
	"github.com/gopip/gopip/internal/coremeta"
	"github.com/gopip/gopip/internal/httpx"
	"github.com/gopip/gopip/internal/progress"
	"github.com/gopip/gopip/resolver"
	"github.com/gopip/gopip/resolver/index"
	"github.com/gopip/gopip/resolver/reqfile"
	"github.com/gopip/gopip/trust"
)

// indexOptions are pip's package index options and the finder's
// preferences, shared by install, download and list.
type indexOptions struct {
	indexURL        string
	extraIndexURLs  []string
	noIndex         bool
	findLinks       []string
	pre             bool
	formats         []reqfile.FormatOption
	preferBinary    bool
	requireVerified bool
}

const defaultIndexURL = "https://pypi.org/simple"

func (o *indexOptions) addIndexFlags(f *pflag.FlagSet) {
	f.StringVarP(&o.indexURL, "index-url", "i", defaultIndexURL, "Base URL of the Python Package Index (default https://pypi.org/simple). This should point to a repository compliant with PEP 503 (the simple repository API) or a local directory laid out in the same format.")
	f.StringArrayVar(&o.extraIndexURLs, "extra-index-url", nil, "Extra URLs of package indexes to use in addition to --index-url. Should follow the same rules as --index-url.")
	f.BoolVar(&o.noIndex, "no-index", false, "Ignore package index (only looking at --find-links URLs instead).")
	f.StringArrayVarP(&o.findLinks, "find-links", "f", nil, "If a URL or path to an html file, then parse for links to archives such as sdist (.tar.gz) or wheel (.whl) files. If a local path or file:// URL that's a directory, then look for archives in the directory listing.")
	f.BoolVar(&o.requireVerified, "require-verified", false, "Refuse indexes that gopip cannot verify through TUF (no root added with 'gopip trust add' or built in).")
}

func (o *indexOptions) addSelectionFlags(f *pflag.FlagSet) {
	f.BoolVar(&o.pre, "pre", false, "Include pre-release and development versions. By default, gopip only finds stable versions.")
	f.Var(&formatFlag{list: &o.formats}, "no-binary", "Do not use binary packages. Can be supplied multiple times, and each time adds to the existing value. Accepts either \":all:\" to disable all binary packages, \":none:\" to empty the set, or one or more package names with commas between them.")
	f.Var(&formatFlag{list: &o.formats, only: true}, "only-binary", "Do not use source packages. Can be supplied multiple times, and each time adds to the existing value. Accepts either \":all:\" to disable all source packages, \":none:\" to empty the set, or one or more package names with commas between them.")
	f.BoolVar(&o.preferBinary, "prefer-binary", false, "Prefer binary packages over source packages, even if the source packages are newer.")
}

// settings are the command line's index settings, which requirements
// files then change.
func (o *indexOptions) settings(trustedHosts []string) reqfile.Settings {
	s := reqfile.Settings{
		IndexURLs:    append([]string{o.indexURL}, o.extraIndexURLs...),
		NoIndex:      o.noIndex,
		FindLinks:    append([]string(nil), o.findLinks...),
		Pre:          o.pre,
		PreferBinary: o.preferBinary,
		TrustedHosts: append([]string(nil), trustedHosts...),
	}
	for _, f := range o.formats {
		s.Format.Apply(f)
	}
	return s
}

// formatFlag is --no-binary or --only-binary. Both append to one list so
// that their command-line order is kept: for a project named in both,
// the later one wins, as in pip.
type formatFlag struct {
	list *[]reqfile.FormatOption
	only bool
}

func (f *formatFlag) String() string { return strings.Join(f.GetSlice(), ",") }
func (f *formatFlag) Type() string   { return "stringArray" }
func (f *formatFlag) Set(v string) error {
	*f.list = append(*f.list, reqfile.FormatOption{OnlyBinary: f.only, Value: v})
	return nil
}
func (f *formatFlag) Append(v string) error { return f.Set(v) }
func (f *formatFlag) Replace(vs []string) error {
	kept := (*f.list)[:0]
	for _, o := range *f.list {
		if o.OnlyBinary != f.only {
			kept = append(kept, o)
		}
	}
	*f.list = kept
	for _, v := range vs {
		f.Set(v)
	}
	return nil
}
func (f *formatFlag) GetSlice() []string {
	var out []string
	for _, o := range *f.list {
		if o.OnlyBinary == f.only {
			out = append(out, o.Value)
		}
	}
	return out
}

// session is one command's access to the package indexes: the HTTP
// client, the TUF repositories of the indexes that have a root, the index
// client and the verified downloader. Files downloaded while resolving
// (for their metadata) are kept for the install.
type session struct {
	g          *globalOptions
	http       *httpx.Client
	index      *index.Client
	repos      map[*index.Index]*trust.Repository
	downloader fetcher
	dir        string
	// cache is gopip's cache (nil with --no-cache-dir): pages, metadata
	// and downloads go through it, and installs link from it.
	cache *cache.Cache

	mu      sync.Mutex
	fetched map[string]*fetchCall // by URL
	digests map[string]string     // sha256 of the files fetched, by path

	// builds, when set (enableBuilds), lets the session build source
	// distributions and local projects.
	builds *builds
}

// newSession connects to the indexes of settings. Each index with a TUF
// root (built in, or added with `gopip trust add`) serves only verified
// pages and files; the others are used the way pip uses them, which
// --require-verified refuses. dir receives the downloads.
func (g *globalOptions) newSession(ctx context.Context, settings reqfile.Settings, requireVerified bool, bars *progress.Renderer, dir string) (*session, error) {
	client, err := g.httpClientWith(settings.TrustedHosts)
	if err != nil {
		return nil, err
	}
	s := &session{
		g:          g,
		http:       client,
		repos:      map[*index.Index]*trust.Repository{},
		downloader: trust.NewDownloader(client, trust.DownloaderOptions{Progress: bars}),
		dir:        dir,
		cache:      g.cache(),
		fetched:    map[string]*fetchCall{},
		digests:    map[string]string{},
	}
	var records interface {
		index.Cache
		trust.Cache
	}
	if s.cache != nil {
		records = s.cache.Records()
		cd := trust.NewCachingDownloader(trust.NewDownloader(client, trust.DownloaderOptions{Progress: bars}), s.cache)
		cd.Rejected = func(path string, err error) {
			g.warn(fmt.Sprintf("The cached %s does not match what gopip trusts now (%v); downloading it again.", filepath.Base(path), err))
		}
		s.downloader = cd
	}
	var indexes []*index.Index
	if !settings.NoIndex {
		store, err := g.trustStore()
		if err != nil {
			return nil, err
		}
		var unverified []string
		var plain index.PageSource = index.NewHTTPPages(client)
		if records != nil {
			plain = index.NewCachingPages(index.NewHTTPPages(client), records)
		}
		for _, u := range settings.IndexURLs {
			ix := &index.Index{URL: u}
			repo, err := store.ConfigureIndex(ix)
			if err != nil {
				return nil, err
			}
			if repo != nil {
				s.repos[ix] = repo
			} else {
				unverified = append(unverified, ix.String())
				ix.Pages = &notedPages{PageSource: plain, note: func() {
					g.note(fmt.Sprintf("%s has no TUF root: files are checked against the hashes on its pages only, as pip does", ix))
				}}
			}
			indexes = append(indexes, ix)
		}
		if len(unverified) > 0 && requireVerified {
			return nil, &unverifiedIndexError{indexes: unverified}
		}
	}
	var findLinks []string
	for _, fl := range settings.FindLinks {
		findLinks = append(findLinks, g.expandUser(fl))
	}
	iopts := index.Options{Indexes: indexes, FindLinks: findLinks, NoIndex: settings.NoIndex, HTTP: client}
	if records != nil {
		iopts.Cache = records
	}
	s.index, err = index.New(iopts)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// fetcher downloads verified files: a *trust.Downloader, or a
// *trust.CachingDownloader in front of it.
type fetcher interface {
	Fetch(ctx context.Context, reqs []trust.Request) ([]trust.Result, error)
}

// notedPages is the page source of an index without a TUF root: the
// first time it is used, the user is told once that its files are only
// checked against its own pages.
type notedPages struct {
	index.PageSource
	once sync.Once
	note func()
}

func (p *notedPages) GetPage(ctx context.Context, ix *index.Index, project string) (*index.RawPage, error) {
	p.once.Do(p.note)
	return p.PageSource.GetPage(ctx, ix, project)
}

// unverifiedIndexError is --require-verified meeting an index without a
// TUF root.
type unverifiedIndexError struct {
	indexes []string
}

func (e *unverifiedIndexError) Error() string {
	return fmt.Sprintf("--require-verified: gopip cannot verify %s: it has no TUF root", strings.Join(e.indexes, ", "))
}

func (e *unverifiedIndexError) Hint() string {
	return "add the repository's root with 'gopip trust add NAME --index-url URL --root FILE', or drop --require-verified"
}

// provider returns the resolver's view of the indexes (and of local
// project directories) for target t.
func (s *session) provider(t resolver.Target, ignoreRequiresPython bool) resolver.Provider {
	return projectProvider{s: s, Provider: resolver.NewIndexProvider(namedIndex{s}, resolver.IndexProviderOptions{
		Target:               t,
		IgnoreRequiresPython: ignoreRequiresPython,
		FetchMetadata:        s.fetchMetadata,
	})}
}

// namedIndex is the session's index client for the resolver: a file that
// fails verification is reported with the repository that vouched for it.
type namedIndex struct{ s *session }

func (n namedIndex) Files(ctx context.Context, project string) ([]index.File, error) {
	return n.s.index.Files(ctx, project)
}

func (n namedIndex) Metadata(ctx context.Context, f index.File) (*coremeta.Metadata, []byte, error) {
	md, data, err := n.s.index.Metadata(ctx, f)
	return md, data, n.s.withRepository(err, f)
}

// withRepository names the TUF repository of f in a verification failure
// about it, which the downloader and the index client report by file.
func (s *session) withRepository(err error, f index.File) error {
	var sf securityFailure
	if err == nil || !errors.As(err, &sf) || !sf.SecurityFailure() {
		return err
	}
	if repo := s.repos[f.Index]; repo != nil && !strings.Contains(err.Error(), "repository "+repo.Name()) {
		return fmt.Errorf("repository %s: %w", repo.Name(), err)
	}
	return err
}

// fetchMetadata reads the metadata of a file the index cannot describe
// without it: the file is downloaded (verified) and kept for the install;
// a source distribution's metadata then comes from its build backend.
func (s *session) fetchMetadata(ctx context.Context, f index.File) (*coremeta.Metadata, error) {
	if f.Kind != index.Wheel && s.builds == nil {
		return nil, fmt.Errorf("%s: %w: this command does not build source distributions", f.Filename, resolver.ErrUnusable)
	}
	path, err := s.fetch(ctx, f)
	if err != nil {
		return nil, err
	}
	if f.Kind != index.Wheel {
		return s.sdistMetadata(ctx, path)
	}
	m, _, err := index.MetadataFromWheel(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", f.Filename, resolver.ErrUnusable, err)
	}
	return m, nil
}

// request is the verified download request for an index file: from the
// TUF repository of its index when it has one (trusted length and
// hashes), else from the strong hashes its page gave.
func (s *session) request(ctx context.Context, f index.File, dest string) (trust.Request, error) {
	if repo := s.repos[f.Index]; repo != nil {
		req, err := repo.Request(ctx, &f)
		if err != nil {
			return trust.Request{}, err
		}
		req.Dest = dest
		return req, nil
	}
	hashes := map[string]string{}
	for algo, digest := range f.Hashes {
		if trust.StrongHash(algo) {
			hashes[algo] = digest
		}
	}
	return trust.Request{URL: f.URL, Dest: dest, Hashes: hashes, Name: f.Filename}, nil
}

// fetch returns the local verified copy of f, downloading it once.
func (s *session) fetch(ctx context.Context, f index.File) (string, error) {
	paths, err := s.fetchAll(ctx, []index.File{f})
	if err != nil {
		return "", err
	}
	return paths[0], nil
}

// fetchAll returns local verified copies of files, downloading the ones
// not yet here concurrently, each URL once however many callers ask for
// it at the same time. Local files (file: URLs) are used where they are.
func (s *session) fetchAll(ctx context.Context, files []index.File) ([]string, error) {
	calls := make([]*fetchCall, len(files))
	var reqs []trust.Request
	var mine []*fetchCall
	s.mu.Lock()
	for i, f := range files {
		if p, ok := f.LocalPath(); ok {
			calls[i] = &fetchCall{path: p, done: closed}
			continue
		}
		if c, ok := s.fetched[f.URL]; ok {
			calls[i] = c
			continue
		}
		dest := filepath.Join(s.dir, fmt.Sprintf("%x", len(s.fetched)), f.Filename)
		req, err := s.request(ctx, f, dest)
		if err != nil {
			s.mu.Unlock()
			for _, c := range mine {
				c.finish("", err)
			}
			return nil, err
		}
		c := &fetchCall{done: make(chan struct{})}
		s.fetched[f.URL] = c
		calls[i] = c
		reqs = append(reqs, req)
		mine = append(mine, c)
	}
	s.mu.Unlock()
	if len(reqs) > 0 {
		results, err := s.downloader.Fetch(ctx, reqs)
		err = s.failedFile(err, files, reqs)
		for j, c := range mine {
			if err != nil {
				c.finish("", err)
			} else {
				c.finish(results[j].Path, nil)
			}
		}
		if err == nil {
			s.mu.Lock()
			for _, r := range results {
				s.digests[r.Path] = r.Hashes["sha256"]
			}
			s.mu.Unlock()
		}
	}
	paths := make([]string, len(files))
	for i, c := range calls {
		select {
		case <-c.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if c.err != nil {
			return nil, c.err
		}
		paths[i] = c.path
	}
	return paths, nil
}

// digest returns the sha256 of a file fetchAll downloaded, "" for any
// other path.
func (s *session) digest(path string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.digests[path]
}

// failedFile names the repository of the file a download failed to
// verify (the downloader reports the file by name).
func (s *session) failedFile(err error, files []index.File, reqs []trust.Request) error {
	var name string
	var hm *trust.HashMismatchError
	var le *trust.LengthError
	switch {
	case errors.As(err, &hm):
		name = hm.File
	case errors.As(err, &le):
		name = le.File
	default:
		return err
	}
	for _, f := range files {
		if f.Filename == name {
			return s.withRepository(err, f)
		}
	}
	return err
}

// fetchCall is one download, shared by every caller asking for its URL.
type fetchCall struct {
	done chan struct{}
	path string
	err  error
}

func (c *fetchCall) finish(path string, err error) {
	c.path, c.err = path, err
	close(c.done)
}

var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// indexFile returns the index file behind an artifact of a plan.
func indexFile(a resolver.Artifact) (index.File, error) {
	f, ok := a.Source.(index.File)
	if !ok {
		return index.File{}, errors.New("internal error: artifact " + a.Filename + " has no index file")
	}
	return f, nil
}

// target is the resolver's description of the target interpreter.
func targetFor(t resolver.Target, settings reqfile.Settings) resolver.Target {
	t.Formats = resolver.FormatControl{NoBinary: settings.Format.NoBinary, OnlyBinary: settings.Format.OnlyBinary}
	t.PreferBinary = settings.PreferBinary
	return t
}
