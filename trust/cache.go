package trust

import (
	"context"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Cache keeps bytes between runs under string keys: cmd gives the HTTP
// layer of gopip's cache. A Repository keeps there the pages it verified,
// keyed by their trusted digest, so that a later run whose bin still
// lists the same digest reads the page from disk instead of fetching it.
// Whatever Get returns is verified again, as a download is, before it is
// used. Implementations must be safe for simultaneous use by multiple
// goroutines (and processes); a failed Put is not an error for the run.
type Cache interface {
	Get(key string) ([]byte, bool)
	Put(key string, data []byte) error
}

// digestKey names bytes by their strongest trusted digest: "sha256=…",
// else sha512, else blake2b-256; "" when there is none of those.
func digestKey(hashes map[string]string) string {
	for _, algo := range []string{"sha256", "sha512", "blake2b-256"} {
		if h, ok := hashes[algo]; ok && h != "" {
			return "verified:" + algo + "=" + strings.ToLower(h)
		}
	}
	return ""
}

// cachedTarget returns the bytes of t from the cache when they are there
// and match t's trusted length and hashes.
func (r *Repository) cachedTarget(t Target) ([]byte, bool) {
	key := digestKey(t.Hashes)
	if r.cache == nil || key == "" {
		return nil, false
	}
	data, ok := r.cache.Get(key)
	if !ok || checkTarget(t, "", data) != nil {
		return nil, false
	}
	return data, true
}

// storeTarget keeps verified bytes of t in the cache.
func (r *Repository) storeTarget(t Target, data []byte) {
	if key := digestKey(t.Hashes); r.cache != nil && key != "" {
		r.cache.Put(key, data) // best effort: the run does not depend on it
	}
}

// FileCache says where verified distribution files are kept between runs:
// cmd gives the files layer of gopip's cache. Implementations must be safe
// for simultaneous use by multiple goroutines and processes.
type FileCache interface {
	// FilePath returns where the file name whose sha256 is digest
	// (lower-case hex) is kept, whether or not it is there, or an error
	// when it cannot be kept (a name that is not a plain file name).
	FilePath(digest, name string) (string, error)
}

// CachingDownloader is a Downloader that keeps what it downloads in a
// FileCache, and reuses it: a request whose expected hashes include a
// sha256 is first looked up by it, and a file found there is used only
// after it passes the same checks as a download (the trusted length when
// known, every expected hash). A cached file that fails them is
// downloaded again, replacing it. Downloads go straight into the cache
// (temporary file, verified, renamed into place), so concurrent gopip
// processes fetching one file each write their own temporary file and the
// last rename wins with identical bytes.
//
// Requests without an expected sha256 bypass the cache. Results of cached
// requests are paths inside the cache, not the requests' Dest. It is safe
// for simultaneous use by multiple goroutines.
type CachingDownloader struct {
	d     *Downloader
	cache FileCache
	// Rejected, when set, is called for a cached file that failed its
	// check (and is downloaded again), so that the command can say so.
	Rejected func(path string, err error)
}

// NewCachingDownloader returns d with the file cache c.
func NewCachingDownloader(d *Downloader, c FileCache) *CachingDownloader {
	return &CachingDownloader{d: d, cache: c}
}

// Fetch is Downloader.Fetch, serving the requests it can from the cache.
func (c *CachingDownloader) Fetch(ctx context.Context, reqs []Request) ([]Result, error) {
	results := make([]Result, len(reqs))
	var todo []Request
	var idx []int
	for i, req := range reqs {
		if err := validate(req); err != nil {
			return nil, err
		}
		digest := strings.ToLower(req.Hashes["sha256"])
		p, err := c.cache.FilePath(digest, filepath.Base(req.Dest))
		if digest == "" || err != nil {
			todo, idx = append(todo, req), append(idx, i)
			continue
		}
		res, err := checkCached(p, req)
		if err == nil {
			results[i] = res
			continue
		}
		if !errors.Is(err, fs.ErrNotExist) && c.Rejected != nil {
			c.Rejected(p, err)
		}
		req.Dest = p
		todo, idx = append(todo, req), append(idx, i)
	}
	if len(todo) == 0 {
		return results, nil
	}
	fetched, err := c.d.Fetch(ctx, todo)
	for j, i := range idx {
		if j < len(fetched) {
			results[i] = fetched[j]
		}
	}
	return results, err
}

// checkCached verifies a cached file against req as a download is
// verified, and describes it as a download would.
func checkCached(p string, req Request) (Result, error) {
	f, err := os.Open(p)
	if err != nil {
		return Result{}, err
	}
	defer f.Close()
	algos := sortedAlgos(req.Hashes)
	if _, ok := req.Hashes["sha256"]; !ok {
		algos = append(algos, "sha256")
	}
	hs := make([]hash.Hash, len(algos))
	ws := make([]io.Writer, len(algos))
	for i, a := range algos {
		hs[i] = hashFuncs[a]()
		ws[i] = hs[i]
	}
	var r io.Reader = f
	if req.Length > 0 {
		r = io.LimitReader(f, req.Length+1)
	}
	n, err := io.Copy(io.MultiWriter(ws...), r)
	if err != nil {
		return Result{}, err
	}
	name := req.name()
	if req.Length > 0 && n != req.Length {
		return Result{}, &LengthError{File: name, URL: p, Want: req.Length, Got: n, Over: n > req.Length}
	}
	digests := make(map[string]string, len(algos))
	for i, a := range algos {
		digests[a] = hex.EncodeToString(hs[i].Sum(nil))
	}
	for _, a := range sortedAlgos(req.Hashes) {
		if want := strings.ToLower(req.Hashes[a]); digests[a] != want {
			return Result{}, &HashMismatchError{File: name, URL: p, Algo: a, Want: want, Got: digests[a]}
		}
	}
	return Result{URL: redact(req.URL), Path: p, Size: n, Hashes: digests}, nil
}
