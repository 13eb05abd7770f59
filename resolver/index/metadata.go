package index

import (
	"archive/zip"
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
	"net/url"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gopip/gopip/internal/coremeta"
	"github.com/gopip/gopip/internal/httpx"
	"github.com/gopip/gopip/internal/pyurl"
	"github.com/gopip/gopip/resolver/pep440"
	"github.com/gopip/gopip/resolver/tags"
)

// ErrDownloadRequired reports that a file's core metadata cannot be had
// without the whole file: a source distribution, a server without range
// requests, a wheel on a Verified index that offers no verifiable metadata
// file. The caller downloads the file (verified, for a Verified index) and
// reads METADATA from it with MetadataFromWheel, or builds the sdist.
// Metadata's errors wrap it with the file and the reason.
var ErrDownloadRequired = errors.New("core metadata needs the whole file")

// maxMetadataSize bounds a METADATA file, fetched or inflated. The largest
// on PyPI (long descriptions) are a few megabytes.
const maxMetadataSize = 64 << 20

// HashMismatchError reports a PEP 658 metadata file whose digest differs
// from the one the index page gives. Its SecurityFailure method returns
// true: the index or something between it and gopip served bytes the page
// does not vouch for.
type HashMismatchError struct {
	// File is the metadata file's name, e.g. "demo-1.0-py3-none-any.whl.metadata".
	File string
	// URL is where it came from, credentials redacted.
	URL string
	// Algo is the algorithm that failed; Want is the page's digest, Got the
	// file's.
	Algo, Want, Got string
}

// Error names the file, the URL and both digests.
func (e *HashMismatchError) Error() string {
	return fmt.Sprintf("%s hash mismatch for %s (from %s):\n\texpected %s\n\tgot      %s", e.Algo, e.File, e.URL, e.Want, e.Got)
}

// SecurityFailure reports true.
func (e *HashMismatchError) SecurityFailure() bool { return true }

// InconsistentMetadataError reports core metadata whose Name or Version
// differs from the file it describes (pip's MetadataInconsistent).
type InconsistentMetadataError struct {
	// File is the distribution file's name.
	File string
	// Field is "Name" or "Version"; Want is the file's, Got the metadata's.
	Field, Want, Got string
}

// Error says which field differs, as pip does.
func (e *InconsistentMetadataError) Error() string {
	return fmt.Sprintf("%s has inconsistent %s: expected %q, but metadata has %q", e.File, e.Field, e.Want, e.Got)
}

// Metadata returns the core metadata of f, parsed and as bytes, without
// downloading the whole file when an index can answer otherwise:
//
//  1. a PEP 658 metadata file (<url>.metadata) when the page advertises
//     one, checked against every digest the page gives (a mismatch is a
//     *HashMismatchError); on a Verified index only when the page gives a
//     sha256, sha384 or sha512 digest, since the page is what vouches
//     for the bytes;
//  2. else, for a wheel on an index that is not Verified, HTTP range
//     requests: the tail of the file (zip end of central directory, and
//     often everything else needed), the central directory when it is not
//     in the tail, and the METADATA entry when it is not either; usually
//     one to three requests and a few tens of kilobytes;
//  3. else an error wrapping ErrDownloadRequired.
//
// A wheel in a local folder is read directly. The metadata's Name and
// Version must match the file's (an *InconsistentMetadataError otherwise).
// Answers, errors included, are cached per file URL (and verification
// state and advertised digests) for the life of the Client; the returned Metadata and bytes are shared and must not be
// modified.
func (c *Client) Metadata(ctx context.Context, f File) (*coremeta.Metadata, []byte, error) {
	r, err := c.metadata.do(ctx, metadataKey(f), func(ctx context.Context) (metadataResult, error) {
		md, raw, err := c.fetchMetadata(ctx, f)
		return metadataResult{md, raw}, err
	})
	return r.md, r.raw, err
}

// metadataKey identifies a Metadata answer: the file's URL, and what
// decides which bytes are acceptable, since a verified and an unverified
// index (or two pages with different digests) may list the same URL.
func metadataKey(f File) string {
	var b strings.Builder
	b.WriteString(f.URL)
	fmt.Fprintf(&b, "\x00%v", f.Verified || f.Index != nil && f.Index.Verified)
	if f.Metadata != nil {
		b.WriteString("\x00658")
		algos := make([]string, 0, len(f.Metadata.Hashes))
		for a := range f.Metadata.Hashes {
			algos = append(algos, a)
		}
		sort.Strings(algos)
		for _, a := range algos {
			fmt.Fprintf(&b, "\x00%s=%s", a, f.Metadata.Hashes[a])
		}
	}
	return b.String()
}

func (c *Client) fetchMetadata(ctx context.Context, f File) (*coremeta.Metadata, []byte, error) {
	needDownload := func(reason string) error {
		return fmt.Errorf("%s: %w: %s", f.Filename, ErrDownloadRequired, reason)
	}
	_, ext := pipSplitext(f.Filename)
	isWheel := ext == ".whl"
	if p, ok := f.LocalPath(); ok {
		if !isWheel {
			return nil, nil, needDownload("a source distribution")
		}
		md, raw, err := MetadataFromWheel(p)
		if err != nil {
			return nil, nil, err
		}
		return md, raw, checkConsistency(f, md)
	}
	verified := f.Verified || (f.Index != nil && f.Index.Verified)
	if c.http == nil {
		return nil, nil, needDownload("no HTTP client")
	}

	if f.Metadata != nil {
		hashes := knownHashes(f.Metadata.Hashes)
		switch {
		case verified && !hasStrongHash(hashes):
			// The metadata file's bytes would be unverified: only the
			// verified download of the whole file will do.
		default:
			raw, err := c.fetchMetadataFile(ctx, f, hashes)
			if err == nil {
				md, err := coremeta.Parse(raw)
				if err != nil {
					return nil, nil, fmt.Errorf("%s.metadata: %w", f.Filename, err)
				}
				return md, raw, checkConsistency(f, md)
			}
			// A page that advertises a metadata file the server does not
			// have is a server bug; the other ways still work.
			if httpx.StatusCode(err) != http.StatusNotFound {
				return nil, nil, err
			}
		}
	}

	switch {
	case !isWheel:
		return nil, nil, needDownload("a source distribution")
	case verified:
		return nil, nil, needDownload("the index is verified and offers no metadata file with a strong hash")
	}
	raw, err := c.rangeMetadata(ctx, f)
	if err != nil {
		var ze *zipError
		if errors.As(err, &ze) || errors.Is(err, httpx.ErrRangeUnsupported) || httpx.StatusCode(err) == http.StatusRequestedRangeNotSatisfiable {
			return nil, nil, needDownload(err.Error())
		}
		return nil, nil, fmt.Errorf("reading the metadata of %s from %s: %w", f.Filename, pyurl.Redact(f.URL), err)
	}
	md, err := coremeta.Parse(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: METADATA: %w", f.Filename, err)
	}
	return md, raw, checkConsistency(f, md)
}

// fetchMetadataFile gets <url>.metadata and checks it against hashes.
func (c *Client) fetchMetadataFile(ctx context.Context, f File, hashes map[string]string) ([]byte, error) {
	key := metadataCacheKey(hashes)
	if c.cache != nil && key != "" {
		if raw, ok := c.cache.Get(key); ok && checkHashes(raw, hashes, "", "") == nil {
			return raw, nil
		}
	}
	raw, err := c.downloadMetadataFile(ctx, f, hashes)
	if err == nil && c.cache != nil && key != "" {
		c.cache.Put(key, raw) // best effort: the run does not depend on it
	}
	return raw, err
}

// metadataCacheKey names a metadata file by the strongest digest the page
// gives; "" when it gives none strong enough to name it (sha256, sha384,
// sha512).
func metadataCacheKey(hashes map[string]string) string {
	for _, a := range []string{"sha256", "sha512", "sha384"} {
		if h := hashes[a]; h != "" {
			return "metadata:" + a + "=" + h
		}
	}
	return ""
}

// downloadMetadataFile gets <url>.metadata and checks it against hashes.
func (c *Client) downloadMetadataFile(ctx context.Context, f File, hashes map[string]string) ([]byte, error) {
	mdURL := metadataURL(f.URL)
	resp, err := c.http.Get(ctx, mdURL, nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := readBody(resp.Body, maxMetadataSize, mdURL, "")
	if err != nil {
		return nil, err
	}
	if err := checkHashes(raw, hashes, f.Filename+".metadata", mdURL); err != nil {
		return nil, err
	}
	return raw, nil
}

// metadataURL is pip's Link.metadata_link: the URL without its fragment,
// plus ".metadata".
func metadataURL(fileURL string) string {
	u, err := url.Parse(fileURL)
	if err != nil {
		return fileURL + ".metadata"
	}
	return withoutFragment(u) + ".metadata"
}

var hashFuncs = map[string]func() hash.Hash{
	"md5":    md5.New,
	"sha1":   sha1.New,
	"sha224": sha256.New224,
	"sha256": sha256.New,
	"sha384": sha512.New384,
	"sha512": sha512.New,
}

// knownHashes keeps the algorithms gopip can compute.
func knownHashes(h map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		if _, ok := hashFuncs[k]; ok {
			out[k] = strings.ToLower(v)
		}
	}
	return out
}

func hasStrongHash(h map[string]string) bool {
	for _, a := range []string{"sha256", "sha384", "sha512"} {
		if h[a] != "" {
			return true
		}
	}
	return false
}

// checkHashes verifies every digest of hashes; pip accepts a match of any
// one, gopip wants them all (a page that lists two digests vouches with
// both).
func checkHashes(data []byte, hashes map[string]string, name, rawURL string) error {
	algos := make([]string, 0, len(hashes))
	for a := range hashes {
		algos = append(algos, a)
	}
	sort.Strings(algos)
	for _, a := range algos {
		h := hashFuncs[a]()
		h.Write(data)
		if got := hex.EncodeToString(h.Sum(nil)); got != hashes[a] {
			return &HashMismatchError{File: name, URL: pyurl.Redact(rawURL), Algo: a, Want: hashes[a], Got: got}
		}
	}
	return nil
}

// checkConsistency compares the metadata's Name and Version with the
// file's, as pip does before trusting metadata it did not build itself.
func checkConsistency(f File, md *coremeta.Metadata) error {
	var name string
	switch {
	case f.Wheel != nil:
		name = f.Wheel.NormalizedName()
	case f.Sdist != nil:
		name = normalize(f.Sdist.Name)
	default:
		return nil
	}
	if got := md.Name(); normalize(got) != name {
		return &InconsistentMetadataError{File: f.Filename, Field: "Name", Want: name, Got: got}
	}
	got := md.Version()
	v, err := pep440.Parse(got)
	if err != nil || pep440.Compare(v, f.Version) != 0 {
		return &InconsistentMetadataError{File: f.Filename, Field: "Version", Want: f.Version.String(), Got: got}
	}
	return nil
}

// MetadataFromWheel reads the core metadata of the wheel at path:
// <name>-<version>.dist-info/METADATA, where the .dist-info directory is
// the archive's only one and belongs to the wheel's project (pip's
// wheel_dist_info_dir). It returns the parsed metadata and the bytes.
func MetadataFromWheel(path string) (*coremeta.Metadata, []byte, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, nil, err
	}
	defer zr.Close()
	names := make([]string, len(zr.File))
	for i, f := range zr.File {
		names[i] = f.Name
	}
	entry, err := metadataEntry(names, filepath.Base(path))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, zf := range zr.File {
		if zf.Name != entry {
			continue
		}
		if zf.UncompressedSize64 > maxMetadataSize {
			return nil, nil, fmt.Errorf("%s: %s is larger than %d MiB", path, entry, maxMetadataSize>>20)
		}
		rc, err := zf.Open()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %s: %w", path, entry, err)
		}
		raw, err := io.ReadAll(io.LimitReader(rc, maxMetadataSize+1))
		rc.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %s: %w", path, entry, err)
		}
		md, err := coremeta.Parse(raw)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %s: %w", path, entry, err)
		}
		return md, raw, nil
	}
	return nil, nil, fmt.Errorf("%s: %s not found", path, entry)
}

// metadataEntry finds the METADATA entry among the archive's names, as
// pip's wheel_dist_info_dir finds the .dist-info directory: the only
// top-level name ending in ".dist-info", which must belong to the wheel's
// project when filename is a valid wheel name.
func metadataEntry(names []string, filename string) (string, error) {
	seen := map[string]bool{}
	var dirs []string
	for _, n := range names {
		top, _, _ := strings.Cut(n, "/")
		if strings.HasSuffix(top, ".dist-info") && !seen[top] {
			seen[top] = true
			dirs = append(dirs, top)
		}
	}
	switch len(dirs) {
	case 0:
		return "", errors.New(".dist-info directory not found")
	case 1:
	default:
		sort.Strings(dirs)
		return "", fmt.Errorf("multiple .dist-info directories found: %s", strings.Join(dirs, ", "))
	}
	if w, err := tags.ParseWheelFilename(filename); err == nil && !w.OwnsDistInfo(dirs[0]) {
		return "", fmt.Errorf(".dist-info directory %q does not start with %q", dirs[0], w.NormalizedName())
	}
	return dirs[0] + "/METADATA", nil
}
