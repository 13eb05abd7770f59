package trust

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/gopip/gopip/internal/httpx"
)

// targetURL returns the URL of a target under base: with consistent
// snapshots, dir/<hash>.<basename>, the hash being the target's sha256
// (else sha512, else blake2b-256) — a fixed choice, where go-tuf picks one
// of several hashes at random. Each segment of the path is escaped ("?",
// "#", "%", spaces), the "/" between them kept.
func targetURL(base, targetPath string, t Target, consistent bool) string {
	if consistent {
		for _, algo := range tufHashes {
			if h, ok := t.Hashes[algo]; ok {
				dir, file := path.Split(targetPath)
				return base + escapePath(dir+h+"."+file)
			}
		}
	}
	return base + escapePath(targetPath)
}

// escapePath escapes every segment of a slash-separated path.
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// CheckFile verifies a local file against a trusted length and hashes, as
// the Downloader verifies a transfer: a *LengthError or a
// *HashMismatchError when it differs, an ordinary error when it cannot be
// read.
func CheckFile(name string, length int64, hashes map[string]string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	if len(hashes) == 0 {
		return fmt.Errorf("%s: no trusted hash to check it against", name)
	}
	var ws []io.Writer
	sums := map[string]hash.Hash{}
	for _, algo := range sortedAlgos(hashes) {
		newHash, ok := hashFuncs[algo]
		if !ok {
			return fmt.Errorf("unsupported hash algorithm %q", algo)
		}
		sums[algo] = newHash()
		ws = append(ws, sums[algo])
	}
	n, err := io.Copy(io.MultiWriter(ws...), io.LimitReader(f, length+1))
	if err != nil {
		return err
	}
	if n != length {
		return &LengthError{File: filepath.Base(name), URL: name, Want: length, Got: n, Over: n > length}
	}
	for _, algo := range sortedAlgos(hashes) {
		got := hex.EncodeToString(sums[algo].Sum(nil))
		if want := strings.ToLower(hashes[algo]); got != want {
			return &HashMismatchError{File: filepath.Base(name), URL: name, Algo: algo, Want: want, Got: got}
		}
	}
	return nil
}

// fetchVerified fetches rawURL into memory and checks it against the
// trusted length and hashes of t, reading at most t.Length+1 bytes. It is
// meant for small targets such as index pages; files go through the
// Downloader. A body that breaks off is fetched again within the client's
// retries.
func (r *Repository) fetchVerified(ctx context.Context, rawURL string, header http.Header, t Target) ([]byte, *http.Response, error) {
	display := redact(rawURL)
	fail := func(reason Reason, err error) error {
		return &VerificationError{Repository: r.cfg.Name, Target: t.Path, URL: display, Reason: reason, Err: err}
	}
	for attempt := 1; ; attempt++ {
		resp, err := r.client.Get(ctx, r.withCredentials(rawURL), header)
		if err != nil {
			return nil, nil, fmt.Errorf("repository %s: target %s: %w", r.cfg.Name, t.Path, &FetchError{URL: display, Status: httpx.StatusCode(err), Err: err})
		}
		if resp.ContentLength > t.Length {
			resp.Body.Close()
			return nil, nil, fail(ReasonLength, &LengthError{File: t.Path, URL: display, Want: t.Length, Got: resp.ContentLength, Announced: true})
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, t.Length+1))
		resp.Body.Close()
		if int64(len(data)) > t.Length {
			return nil, nil, fail(ReasonLength, &LengthError{File: t.Path, URL: display, Want: t.Length, Got: t.Length + 1, Over: true})
		}
		if err != nil {
			if ctx.Err() != nil || attempt > r.client.Retries() {
				return nil, nil, fmt.Errorf("repository %s: target %s: %w", r.cfg.Name, t.Path, &FetchError{URL: display, Err: err})
			}
			if err := r.client.Backoff(ctx, attempt); err != nil {
				return nil, nil, fmt.Errorf("repository %s: target %s: %w", r.cfg.Name, t.Path, err)
			}
			continue
		}
		if err := checkTarget(t, display, data); err != nil {
			return nil, nil, fail(reasonOf(err), err)
		}
		return data, resp, nil
	}
}

// checkTarget verifies data against t's length and every one of its hashes.
func checkTarget(t Target, display string, data []byte) error {
	if int64(len(data)) != t.Length {
		return &LengthError{File: t.Path, URL: display, Want: t.Length, Got: int64(len(data))}
	}
	if len(t.Hashes) == 0 {
		return errors.New("no trusted hash")
	}
	for _, algo := range sortedAlgos(t.Hashes) {
		newHash, ok := hashFuncs[algo]
		if !ok {
			return fmt.Errorf("unsupported hash algorithm %q", algo)
		}
		var h hash.Hash = newHash()
		h.Write(data)
		got := hex.EncodeToString(h.Sum(nil))
		if want := strings.ToLower(t.Hashes[algo]); got != want {
			return &HashMismatchError{File: t.Path, URL: display, Algo: algo, Want: want, Got: got}
		}
	}
	return nil
}

func reasonOf(err error) Reason {
	var le *LengthError
	if errors.As(err, &le) {
		return ReasonLength
	}
	var he *HashMismatchError
	if errors.As(err, &he) {
		return ReasonHash
	}
	return ReasonInvalid
}
