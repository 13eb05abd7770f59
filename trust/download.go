package trust

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golang.org/x/crypto/blake2b"

	"github.com/gopip/gopip/internal/httpx"
	"github.com/gopip/gopip/internal/progress"
	"github.com/gopip/gopip/internal/pyurl"
)

// DefaultConcurrency is the number of files a Downloader transfers at once
// unless told otherwise.
const DefaultConcurrency = 8

// hashFuncs are the digest algorithms a Request may name: the ones pip reads
// from index URLs (sha512, sha384, sha256, sha224, sha1, md5) plus TUF's
// blake2b-256, which the Warehouse/RSTUF layout uses.
var hashFuncs = map[string]func() hash.Hash{
	"md5":    md5.New,
	"sha1":   sha1.New,
	"sha224": sha256.New224,
	"sha256": sha256.New,
	"sha384": sha512.New384,
	"sha512": sha512.New,
	"blake2b-256": func() hash.Hash {
		h, _ := blake2b.New256(nil) // cannot fail without a key
		return h
	},
}

// SupportedHash reports whether a Request may name the algorithm algo
// (lower case): md5, sha1, sha224, sha256, sha384, sha512 or blake2b-256.
func SupportedHash(algo string) bool {
	_, ok := hashFuncs[algo]
	return ok
}

// StrongHash reports whether algo is strong enough to vouch for a file on
// its own: sha256, sha384 and sha512 (the algorithms pip accepts in --hash)
// and blake2b-256. md5, sha1 and sha224 are still verified when given, but
// hash-checking mode must not accept them alone.
func StrongHash(algo string) bool {
	switch algo {
	case "sha256", "sha384", "sha512", "blake2b-256":
		return true
	}
	return false
}

// Request is one file to download and verify.
type Request struct {
	// URL is where the file is fetched from. It may carry credentials.
	URL string
	// Dest is the final path of the file. Its folder is created if needed;
	// the file appears there only once verified.
	Dest string
	// Length is the trusted length in bytes (from TUF target info); 0 means
	// unknown. When known, the downloader never reads more than Length+1
	// bytes and never writes more than Length.
	Length int64
	// Hashes maps an algorithm (see SupportedHash) to the expected
	// hex digest. Every one must match. When empty, nothing is checked, and
	// the caller decides what an unverified file is worth.
	Hashes map[string]string
	// Name is shown in progress output and errors; empty means Dest's base
	// name.
	Name string
}

func (r Request) name() string {
	if r.Name != "" {
		return r.Name
	}
	return filepath.Base(r.Dest)
}

// Result describes a downloaded and verified file.
type Result struct {
	// URL is the request's URL, credentials redacted.
	URL string
	// Path is the verified file (the request's Dest).
	Path string
	// Size is its length in bytes.
	Size int64
	// Hashes holds the hex digest of every algorithm of the request, and
	// sha256 always, so that callers can record what they installed.
	Hashes map[string]string
	// Resumes counts the broken connections the transfer survived (each
	// resumed with a range request, or restarted when the server does not
	// support ranges).
	Resumes int
}

// HashMismatchError reports a downloaded file whose digest differs from the
// trusted one. Nothing is left at the destination.
type HashMismatchError struct {
	// File is the file's display name.
	File string
	// URL is where it came from, credentials redacted.
	URL string
	// Algo is the algorithm that failed, e.g. "sha256".
	Algo string
	// Want is the trusted hex digest; Got is the downloaded file's.
	Want, Got string
}

// Error names the file, its origin and both digests, laid out like pip's
// hash-mismatch report.
func (e *HashMismatchError) Error() string {
	return fmt.Sprintf("%s does not match its trusted %s hash (downloaded from %s):\n    Expected %s %s\n         Got %s %s",
		e.File, e.Algo, e.URL, e.Algo, e.Want, strings.Repeat(" ", len(e.Algo)), e.Got)
}

// SecurityFailure reports true: a hash mismatch is a verification failure.
func (e *HashMismatchError) SecurityFailure() bool { return true }

// LengthError reports a download whose length differs from the trusted
// length: the server sent more (Over: the endless-data attack, stopped after
// one byte too many), announced more in Content-Length (Announced: refused
// before reading), or sent less. Nothing is left at the destination.
type LengthError struct {
	// File is the file's display name.
	File string
	// URL is where it came from, credentials redacted.
	URL string
	// Want is the trusted length in bytes.
	Want int64
	// Got is the length received (or announced). When Over is set, at least
	// Got bytes were available.
	Got int64
	// Over is set when the server sent more than Want bytes.
	Over bool
	// Announced is set when the server's Content-Length exceeded Want.
	Announced bool
}

// Error names the file, its origin and both lengths.
func (e *LengthError) Error() string {
	switch {
	case e.Announced:
		return fmt.Sprintf("%s: the server announced %d bytes, more than the trusted length of %d bytes (downloaded from %s)", e.File, e.Got, e.Want, e.URL)
	case e.Over:
		return fmt.Sprintf("%s: the server sent more than the trusted length of %d bytes; download stopped (endless data; from %s)", e.File, e.Want, e.URL)
	}
	return fmt.Sprintf("%s: the server sent %d bytes, fewer than the trusted length of %d bytes (downloaded from %s)", e.File, e.Got, e.Want, e.URL)
}

// SecurityFailure reports true: a wrong length is a verification failure.
func (e *LengthError) SecurityFailure() bool { return true }

// DownloaderOptions configure a Downloader.
type DownloaderOptions struct {
	// Concurrency bounds the files transferred at once across all calls.
	// Zero means DefaultConcurrency. The client's own per-host bound applies
	// too.
	Concurrency int
	// Progress shows the transfers; nil shows nothing.
	Progress *progress.Renderer
	// Sync flushes each file to stable storage before renaming it into
	// place, so that after a power loss the destination holds the verified
	// bytes or nothing. Set it for a persistent cache; a staging area that a
	// crash discards anyway does without (it costs a third of the
	// throughput in the benchmarks).
	Sync bool
}

// Downloader streams files to disk, verifying them against trusted lengths
// and hashes. It is safe for simultaneous use by multiple goroutines.
type Downloader struct {
	client   *httpx.Client
	progress *progress.Renderer
	sync     bool
	sem      chan struct{}

	mu       sync.Mutex
	inflight map[string]*call

	// wrapBody, when set, wraps every response body (tests count the bytes
	// read through it).
	wrapBody func(io.ReadCloser) io.ReadCloser
}

// call is one in-flight download that identical requests wait for.
type call struct {
	done    chan struct{}
	res     Result
	err     error
	waiters int
}

// NewDownloader returns a Downloader that fetches through client.
func NewDownloader(client *httpx.Client, opts DownloaderOptions) *Downloader {
	n := opts.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	return &Downloader{
		client:   client,
		progress: opts.Progress,
		sync:     opts.Sync,
		sem:      make(chan struct{}, n),
		inflight: map[string]*call{},
	}
}

// errAborted cancels the other transfers of a Fetch after one failed.
var errAborted = fmt.Errorf("%w: another download failed", context.Canceled)

// Fetch downloads and verifies every request concurrently and returns the
// results in the order of reqs. When one fails, the transfers still running
// are cancelled and the error (all of them, joined, when several failed on
// their own) is returned; files already verified stay at their destination
// and their results are filled in.
func (d *Downloader) Fetch(ctx context.Context, reqs []Request) ([]Result, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	results := make([]Result, len(reqs))
	errs := make([]error, len(reqs))
	var wg sync.WaitGroup
	for i, req := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = d.Download(ctx, req)
			if errs[i] != nil {
				cancel(errAborted)
			}
		}()
	}
	wg.Wait()
	var failed []error
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			failed = append(failed, err)
		}
	}
	switch {
	case len(failed) > 0:
		return results, errors.Join(failed...)
	case ctx.Err() != nil:
		for _, err := range errs {
			if err != nil {
				return results, err
			}
		}
	}
	return results, nil
}

// Download downloads and verifies one file. Identical requests (same URL,
// Dest, Length and Hashes) made while one is in flight wait for it and share
// its result.
func (d *Downloader) Download(ctx context.Context, req Request) (Result, error) {
	if err := validate(req); err != nil {
		return Result{}, err
	}
	key := dedupKey(req)
	for {
		d.mu.Lock()
		c, ok := d.inflight[key]
		if !ok {
			c = &call{done: make(chan struct{})}
			d.inflight[key] = c
			d.mu.Unlock()
			c.res, c.err = d.run(ctx, req)
			d.mu.Lock()
			delete(d.inflight, key)
			d.mu.Unlock()
			close(c.done)
			return c.res, c.err
		}
		c.waiters++
		d.mu.Unlock()
		select {
		case <-c.done:
		case <-ctx.Done():
			return Result{}, fmt.Errorf("downloading %s: %w", req.name(), context.Cause(ctx))
		}
		if c.err != nil && errors.Is(c.err, context.Canceled) && ctx.Err() == nil {
			continue // the leader was cancelled, not us: try again
		}
		return c.res, c.err
	}
}

// dedupKey identifies identical requests: same URL, destination and
// expectations. Requests that differ only in their expected length or hashes
// are not merged: each is verified by a transfer of its own, so one
// request's wrong expectation never fails another.
func dedupKey(req Request) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\x00%s\x00%d", req.URL, filepath.Clean(req.Dest), req.Length)
	for _, a := range sortedAlgos(req.Hashes) {
		fmt.Fprintf(&b, "\x00%s=%s", a, strings.ToLower(req.Hashes[a]))
	}
	return b.String()
}

// validate refuses a malformed request before any byte moves.
func validate(req Request) error {
	if req.URL == "" || req.Dest == "" {
		return fmt.Errorf("download request for %q: URL and destination are required", req.name())
	}
	if req.Length < 0 {
		return fmt.Errorf("download request for %s: negative length %d", req.name(), req.Length)
	}
	for algo, want := range req.Hashes {
		newHash, ok := hashFuncs[algo]
		if !ok {
			return fmt.Errorf("download request for %s: unsupported hash algorithm %q (supported: blake2b-256, md5, sha1, sha224, sha256, sha384, sha512)", req.name(), algo)
		}
		if b, err := hex.DecodeString(want); err != nil || len(b) != newHash().Size() {
			return fmt.Errorf("download request for %s: %q is not a %s digest", req.name(), want, algo)
		}
	}
	return nil
}

func sortedAlgos(m map[string]string) []string {
	algos := make([]string, 0, len(m))
	for a := range m {
		algos = append(algos, a)
	}
	slices.Sort(algos)
	return algos
}

// run waits for a transfer slot and downloads.
func (d *Downloader) run(ctx context.Context, req Request) (res Result, err error) {
	select {
	case d.sem <- struct{}{}:
	case <-ctx.Done():
		return Result{}, fmt.Errorf("downloading %s: %w", req.name(), context.Cause(ctx))
	}
	defer func() { <-d.sem }()
	task := d.progress.Start(req.name(), req.Length)
	defer func() { task.Done(err) }()
	return d.transfer(ctx, req, task)
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// transfer streams req.URL into a temporary file next to req.Dest, resuming
// after broken connections, verifies it and renames it into place.
func (d *Downloader) transfer(ctx context.Context, req Request, task *progress.Task) (Result, error) {
	name, display := req.name(), pyurl.Redact(req.URL)
	wrap := func(err error) error { return fmt.Errorf("downloading %s: %w", name, err) }

	dir := filepath.Dir(req.Dest)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Result{}, wrap(err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(req.Dest)+".*.part")
	if err != nil {
		return Result{}, wrap(err)
	}
	kept := false
	defer func() {
		if !kept {
			f.Close()
			os.Remove(f.Name())
		}
	}()

	algos := sortedAlgos(req.Hashes)
	if _, ok := req.Hashes["sha256"]; !ok {
		algos = append(algos, "sha256")
	}
	hashes := make([]hash.Hash, len(algos))
	resetHashes := func() {
		for i, a := range algos {
			hashes[i] = hashFuncs[a]()
		}
	}
	resetHashes()

	// Ask for the bytes as stored: a compressed representation would
	// neither hash nor resume like the file.
	header := http.Header{"Accept-Encoding": {"identity"}}
	var (
		written   int64  // bytes in the temporary file
		validator string // ETag or Last-Modified of the first response, for If-Range
		resumes   int
	)
	for {
		var resp *http.Response
		if written == 0 {
			resp, err = d.client.Get(ctx, req.URL, header)
		} else {
			h := header.Clone()
			if validator != "" {
				h.Set("If-Range", validator)
			}
			resp, err = d.client.GetRange(ctx, req.URL, written, 0, h)
			if errors.Is(err, httpx.ErrRangeUnsupported) {
				// Start over: the server cannot resume (or the file changed).
				if _, err := f.Seek(0, io.SeekStart); err != nil {
					return Result{}, wrap(err)
				}
				if err := f.Truncate(0); err != nil {
					return Result{}, wrap(err)
				}
				written = 0
				resetHashes()
				task.Set(0)
				resp, err = d.client.Get(ctx, req.URL, header)
			}
		}
		if err != nil {
			if resumes > 0 && ctx.Err() == nil {
				err = fmt.Errorf("%w (resuming after %d broken connections)", err, resumes)
			}
			return Result{}, wrap(err)
		}
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPartialContent {
			resp.Body.Close()
			return Result{}, wrap(fmt.Errorf("GET %s: unexpected status %s", display, resp.Status))
		}
		if written == 0 {
			validator = ifRangeValidator(resp)
			switch {
			case req.Length > 0 && resp.ContentLength > req.Length:
				resp.Body.Close()
				return Result{}, &LengthError{File: name, URL: display, Want: req.Length, Got: resp.ContentLength, Announced: true}
			case req.Length == 0 && resp.ContentLength > 0:
				task.SetTotal(resp.ContentLength)
			}
		} else if _, _, size, err := httpx.ContentRange(resp); err == nil && req.Length > 0 && size > req.Length {
			resp.Body.Close()
			return Result{}, &LengthError{File: name, URL: display, Want: req.Length, Got: size, Announced: true}
		}

		limit := int64(-1)
		if req.Length > 0 {
			limit = req.Length - written
		}
		body := resp.Body
		if d.wrapBody != nil {
			body = d.wrapBody(body)
		}
		n, over, readErr, writeErr := copyBody(f, body, hashes, task, limit)
		body.Close()
		written += n
		switch {
		case writeErr != nil:
			return Result{}, wrap(writeErr)
		case over:
			return Result{}, &LengthError{File: name, URL: display, Want: req.Length, Got: req.Length + 1, Over: true}
		case readErr == nil:
		case ctx.Err() != nil:
			return Result{}, wrap(context.Cause(ctx))
		case req.Length > 0 && written == req.Length:
			// Every trusted byte is here; the hashes decide.
			readErr = nil
		}
		if readErr == nil {
			break
		}
		// A broken connection: resume where it stopped.
		resumes++
		if resumes > d.client.Retries() {
			return Result{}, wrap(fmt.Errorf("GET %s: %w (gave up after %d broken connections at byte %d)", display, readErr, resumes, written))
		}
		if err := d.client.Backoff(ctx, resumes); err != nil {
			return Result{}, wrap(err)
		}
	}

	if req.Length > 0 && written != req.Length {
		return Result{}, &LengthError{File: name, URL: display, Want: req.Length, Got: written}
	}
	digests := make(map[string]string, len(algos))
	for i, a := range algos {
		digests[a] = hex.EncodeToString(hashes[i].Sum(nil))
	}
	for _, a := range sortedAlgos(req.Hashes) {
		if want := strings.ToLower(req.Hashes[a]); digests[a] != want {
			return Result{}, &HashMismatchError{File: name, URL: display, Algo: a, Want: want, Got: digests[a]}
		}
	}

	if d.sync {
		// After a crash the destination holds either the verified bytes or
		// nothing, never a verified name on lost data.
		if err := f.Sync(); err != nil {
			return Result{}, wrap(err)
		}
	}
	if err := f.Close(); err != nil {
		return Result{}, wrap(err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return Result{}, wrap(err)
	}
	if err := os.Rename(f.Name(), req.Dest); err != nil {
		return Result{}, wrap(err)
	}
	kept = true
	return Result{URL: display, Path: req.Dest, Size: written, Hashes: digests, Resumes: resumes}, nil
}

// ifRangeValidator returns the validator to send in If-Range when resuming:
// a strong ETag, else Last-Modified.
func ifRangeValidator(resp *http.Response) string {
	if et := resp.Header.Get("ETag"); et != "" && !strings.HasPrefix(et, "W/") {
		return et
	}
	return resp.Header.Get("Last-Modified")
}

// copyBody copies body into f and the hashes. With limit >= 0 it reads at
// most limit+1 bytes and reports over when more than limit arrived; the
// extra byte is never written. readErr is nil at a clean end of the body.
func copyBody(f *os.File, body io.Reader, hashes []hash.Hash, task *progress.Task, limit int64) (n int64, over bool, readErr, writeErr error) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	if limit >= 0 {
		body = io.LimitReader(body, limit+1)
	}
	for {
		m, err := body.Read(buf)
		if m > 0 {
			chunk := buf[:m]
			if limit >= 0 && n+int64(m) > limit {
				chunk = chunk[:limit-n]
				over = true
			}
			if len(chunk) > 0 {
				if _, werr := f.Write(chunk); werr != nil {
					return n, false, nil, werr
				}
				for _, h := range hashes {
					h.Write(chunk)
				}
				n += int64(len(chunk))
				task.Add(int64(len(chunk)))
			}
			if over {
				return n, true, nil, nil
			}
		}
		if err == io.EOF {
			return n, false, nil, nil
		}
		if err != nil {
			return n, false, err, nil
		}
	}
}
