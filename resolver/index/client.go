package index

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/gopip/gopip/internal/coremeta"
	"github.com/gopip/gopip/internal/httpx"
	"github.com/gopip/gopip/internal/pyurl"
)

// Options configure a Client. They mirror pip's index options.
type Options struct {
	// Indexes are the simple indexes to search: --index-url first, then
	// each --extra-index-url. All of them are searched and their files
	// merged, as pip does: no index has priority over another, so a
	// project of the same name on an extra index competes with the main
	// one's on version alone (the dependency-confusion risk pip documents).
	// Indexes listed twice (same URL) are searched once.
	Indexes []*Index
	// FindLinks are the --find-links locations: a folder (its archives
	// are listed directly, its .html files read as pages of links), a
	// local file, a file: URL, or an http(s) URL of an HTML page of links
	// (a hand-written page or a web server's folder listing) or of one
	// archive. A leading "~" is expanded when the expanded path exists.
	FindLinks []string
	// NoIndex is --no-index: Indexes are ignored, FindLinks still searched.
	NoIndex bool
	// HTTP is the client used for find-links URLs, metadata files, range
	// requests, and index pages of indexes without their own PageSource.
	HTTP *httpx.Client
	// Pages is the PageSource of indexes whose Pages is nil; nil means
	// NewHTTPPages(HTTP).
	Pages PageSource
	// Cache, when set, keeps the PEP 658 metadata files the Client
	// fetched, by their digest (the strongest the page gives, which must
	// be sha256, sha384 or sha512), for later runs. A kept file is used
	// only when it matches every digest the page gives now.
	Cache Cache
}

// Client looks up the files of projects on the configured indexes and
// find-links locations, and their core metadata. It is safe for concurrent
// use by multiple goroutines. Everything it fetches is cached for the
// life of the Client (one command run): concurrent and later lookups of one
// project share one fetch per page.
type Client struct {
	indexes   []*Index
	findLinks []location
	http      *httpx.Client
	pages     PageSource
	plain     *HTTPPages
	cache     Cache // nil: metadata files are not kept

	projectPages cache[pageKey, []File]
	linkPages    cache[string, []File]
	metadata     cache[string, metadataResult]
}

type pageKey struct {
	index   *Index
	project string // normalised
}

// location is one --find-links entry.
type location struct {
	arg   string // as given, for messages (redacted when shown)
	url   string // http(s) or file: URL
	local string // local path ("" for remote)
	dir   bool   // local folder
}

// New returns a Client for opts. It fails when a --find-links location is
// neither an existing path nor a URL (pip ignores such a location with a
// warning; gopip asks for it to be fixed).
func New(opts Options) (*Client, error) {
	c := &Client{http: opts.HTTP, pages: opts.Pages, plain: NewHTTPPages(opts.HTTP), cache: opts.Cache}
	if c.pages == nil {
		c.pages = c.plain
	}
	if !opts.NoIndex {
		seen := map[string]bool{}
		for _, ix := range opts.Indexes {
			if ix == nil || seen[ix.URL] {
				continue
			}
			seen[ix.URL] = true
			c.indexes = append(c.indexes, ix)
		}
	}
	for _, arg := range opts.FindLinks {
		loc, err := newLocation(arg)
		if err != nil {
			return nil, err
		}
		c.findLinks = append(c.findLinks, loc)
	}
	return c, nil
}

// Indexes returns the indexes the Client searches, in order (none with
// --no-index).
func (c *Client) Indexes() []*Index { return slices.Clone(c.indexes) }

func newLocation(arg string) (location, error) {
	p := arg
	if strings.HasPrefix(p, "~") {
		if home, err := os.UserHomeDir(); err == nil {
			if exp := filepath.Join(home, strings.TrimPrefix(strings.TrimPrefix(p, "~"), "/")); exists(exp) {
				p = exp
			}
		}
	}
	switch {
	case exists(p):
	case strings.HasPrefix(p, "file:"):
		u, err := url.Parse(p)
		if err != nil {
			return location{}, fmt.Errorf("--find-links %s: %w", pyurl.Redact(arg), err)
		}
		p = filepath.FromSlash(u.Path)
		if !exists(p) {
			return location{}, fmt.Errorf("--find-links %s: %s does not exist", arg, p)
		}
	default:
		u, err := url.Parse(p)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return location{}, fmt.Errorf("--find-links %s: not an existing path, nor an http(s) or file: URL", pyurl.Redact(arg))
		}
		return location{arg: arg, url: p}, nil
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return location{}, fmt.Errorf("--find-links %s: %w", arg, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return location{}, fmt.Errorf("--find-links %s: %w", arg, err)
	}
	return location{arg: arg, url: fileURL(abs), local: abs, dir: st.IsDir()}, nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// fileURL is pip's path_to_url for a path that filepath.Abs made absolute
// and clean.
func fileURL(abs string) string {
	return pyurl.FileURL(filepath.ToSlash(abs))
}

// Files returns every file that the find-links locations and the indexes
// list for project, fetched concurrently: find-links locations first, in
// order, then the indexes, in order, each source's files in page order.
// Files are Classified for project; Ignored ones are included, with the
// reason, so that callers can explain what they skipped. A project no
// source knows has no files and no error.
//
// A source that fails (after httpx's retries) fails the whole lookup with
// a *PageError naming the project and the source: a resolution must not
// quietly go on without an index (pip logs such failures and continues).
//
// The returned Files are the caller's, but their maps are shared: do not
// modify Hashes or Metadata.
func (c *Client) Files(ctx context.Context, project string) ([]File, error) {
	canon := normalize(project)
	n := len(c.findLinks) + len(c.indexes)
	results := make([][]File, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, loc := range c.findLinks {
		wg.Go(func() {
			files, err := c.linkPages.do(ctx, loc.url, func(ctx context.Context) ([]File, error) {
				return c.readLocation(ctx, loc)
			})
			if err != nil {
				errs[i] = &PageError{Project: project, Location: "--find-links " + pyurl.Redact(loc.arg), Err: err}
				return
			}
			out := make([]File, len(files))
			copy(out, files)
			for j := range out {
				out[j].Classify(project)
			}
			results[i] = out
		})
	}
	for i, ix := range c.indexes {
		i := len(c.findLinks) + i
		wg.Go(func() {
			files, err := c.projectPages.do(ctx, pageKey{ix, canon}, func(ctx context.Context) ([]File, error) {
				return c.fetchProject(ctx, ix, canon)
			})
			if err != nil {
				errs[i] = &PageError{Project: project, Location: ix.String(), Err: err}
				return
			}
			results[i] = slices.Clone(files)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var all []File
	for _, r := range results {
		all = append(all, r...)
	}
	return all, nil
}

// fetchProject gets, checks and parses one project page of an index.
func (c *Client) fetchProject(ctx context.Context, ix *Index, canon string) ([]File, error) {
	src := ix.Pages
	if src == nil {
		src = c.pages
	}
	page, err := src.GetPage(ctx, ix, canon)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if ix.Verified && !page.Verified {
		return nil, &UnverifiedPageError{Project: canon, Index: ix.String()}
	}
	if page.URL == "" {
		page.URL = ix.ProjectURL(canon)
	}
	files, err := ParsePage(page)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pyurl.Redact(page.URL), err)
	}
	for i := range files {
		files[i].Index = ix
		files[i].Verified = page.Verified
		files[i].Classify(canon)
	}
	return files, nil
}

// readLocation lists the links of a --find-links location, for every
// project (pip caches these pages for the run, too).
func (c *Client) readLocation(ctx context.Context, loc location) ([]File, error) {
	if loc.local == "" {
		u, err := url.Parse(loc.url)
		if err != nil {
			return nil, err
		}
		if name := linkFilename(u); isArchiveName(name) {
			// A link straight to an archive: pip checks with a HEAD
			// request that it is no page; its name is enough here.
			return []File{{Filename: name, URL: withoutFragment(u), Source: loc.url}}, nil
		}
		page, err := c.plain.get(ctx, loc.url)
		if errors.Is(err, ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return ParsePage(page)
	}
	if !loc.dir {
		return readLocalLinks(loc.local)
	}
	entries, err := os.ReadDir(loc.local)
	if err != nil {
		return nil, err
	}
	var files []File
	for _, e := range entries {
		p := filepath.Join(loc.local, e.Name())
		if e.IsDir() {
			continue
		}
		fs, err := readLocalLinks(p)
		if err != nil {
			return nil, err
		}
		for i := range fs {
			fs[i].Source = loc.url
		}
		files = append(files, fs...)
	}
	return files, nil
}

// readLocalLinks reads one local file: an HTML file is a page of links,
// anything else a link to itself.
func readLocalLinks(p string) ([]File, error) {
	u := fileURL(p)
	if isHTMLName(p) {
		body, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		return ParseHTML(body, "", u)
	}
	return []File{{Filename: filepath.Base(p), URL: u, Source: u}}, nil
}

// isHTMLName is pip's _is_html_file: mimetypes guesses text/html.
func isHTMLName(p string) bool {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".html", ".htm":
		return true
	}
	return false
}

// isArchiveName is pip's is_archive_file (utils/filetypes.py).
func isArchiveName(name string) bool {
	_, ext := pipSplitext(name)
	switch strings.ToLower(ext) {
	case ".zip", ".whl", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tlz", ".tar.lz", ".tar.lzma", ".tar.gz", ".tgz", ".tar":
		return true
	}
	return false
}

// metadataResult is a cached Metadata answer.
type metadataResult struct {
	md  *coremeta.Metadata
	raw []byte
}
