package cache

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The layers, as folders of the cache directory.
const (
	HTTPLayer         = "http"
	FilesLayer        = "files"
	UnpackedLayer     = "unpacked"
	WheelsLayer       = "wheels"
	InterpretersLayer = "interpreters"
)

// tmpPrefix starts the names of entries being written or removed; readers
// and listings skip them.
const tmpPrefix = ".tmp-"

// Cache is one cache directory. A nil *Cache is a disabled cache
// (--no-cache-dir): lookups miss and stores do nothing. It is safe for
// simultaneous use by multiple goroutines and processes.
type Cache struct {
	dir string
}

// New returns the cache in dir, which is created when something is
// stored; "" means no cache (nil).
func New(dir string) *Cache {
	if dir == "" {
		return nil
	}
	return &Cache{dir: filepath.Clean(dir)}
}

// Dir returns the cache directory ("" for a disabled cache).
func (c *Cache) Dir() string {
	if c == nil {
		return ""
	}
	return c.dir
}

// Layer returns the folder of a layer ("" for a disabled cache).
func (c *Cache) Layer(name string) string {
	if c == nil {
		return ""
	}
	return filepath.Join(c.dir, filepath.FromSlash(name))
}

// Records returns the keyed records of the HTTP layer: index pages with
// their validators, TUF-verified pages and PEP 658 metadata by digest.
func (c *Cache) Records() *Records {
	if c == nil {
		return nil
	}
	return &Records{dir: c.Layer(HTTPLayer)}
}

// Records are byte strings stored under string keys, one file each,
// named by the sha256 of the key. A nil *Records misses and stores
// nothing. Safe for simultaneous use by multiple goroutines and processes:
// a record is replaced whole (last writer wins), never seen half written.
type Records struct {
	dir string
}

func (r *Records) path(key string) string {
	sum := sha256.Sum256([]byte(key))
	h := hex.EncodeToString(sum[:])
	return filepath.Join(r.dir, h[:2], h[2:])
}

// Get returns the record stored under key. What it returns is whatever
// the file holds: the caller checks it (a digest, a checksum of its own
// format) before using it.
func (r *Records) Get(key string) ([]byte, bool) {
	if r == nil {
		return nil, false
	}
	data, err := os.ReadFile(r.path(key))
	if err != nil {
		return nil, false
	}
	return data, true
}

// Put stores data under key, replacing what was there.
func (r *Records) Put(key string, data []byte) error {
	if r == nil {
		return nil
	}
	return WriteFileAtomic(r.path(key), data, 0o666)
}

// Delete removes the record stored under key, if any.
func (r *Records) Delete(key string) error {
	if r == nil {
		return nil
	}
	err := os.Remove(r.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// FilePath returns where the distribution file name whose sha256 is
// digest (lower-case hex) is kept in the files layer, whether or not it
// is there: files/sha256/<ab>/<digest>/<name>. name must be a plain file
// name (it comes from an index page).
func (c *Cache) FilePath(digest, name string) (string, error) {
	if c == nil {
		return "", errors.New("the cache is disabled")
	}
	if !isHexDigest(digest, 64) {
		return "", fmt.Errorf("not a sha256 digest: %q", digest)
	}
	if !plainName(name) {
		return "", fmt.Errorf("not a plain file name: %q", name)
	}
	return filepath.Join(c.Layer(FilesLayer), "sha256", digest[:2], digest, name), nil
}

// UnpackedPath returns the folder of the unpacked wheel whose sha256 is
// digest, whether or not it is there: unpacked/sha256/<ab>/<digest>.
func (c *Cache) UnpackedPath(digest string) (string, error) {
	if c == nil {
		return "", errors.New("the cache is disabled")
	}
	if !isHexDigest(digest, 64) {
		return "", fmt.Errorf("not a sha256 digest: %q", digest)
	}
	return filepath.Join(c.Layer(UnpackedLayer), "sha256", digest[:2], digest), nil
}

// Evict removes an entry (a file or a folder) that failed its check, so
// that it is fetched or built again: it is first renamed away, so that
// readers see it whole or not at all, then removed.
func Evict(path string) error {
	tmp := filepath.Join(filepath.Dir(path), tmpPrefix+"evict-"+randomSuffix()+"-"+filepath.Base(path))
	if err := os.Rename(path, tmp); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // someone else did it
		}
		return err
	}
	return os.RemoveAll(tmp)
}

// WriteFileAtomic writes data to path through a temporary file in the
// same folder renamed into place, so that readers see the old content or
// the new, never a mix. The folder is created if needed. perm is
// subject to the umask.
func WriteFileAtomic(path string, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return err
	}
	f, err := os.OpenFile(TempName(path), os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}

// TempName returns a fresh temporary name next to path, for an entry to
// be written and then renamed to path. Listings and lookups ignore such
// names; Purge removes them.
func TempName(path string) string {
	return filepath.Join(filepath.Dir(path), tmpPrefix+filepath.Base(path)+"-"+randomSuffix())
}

func randomSuffix() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func isHexDigest(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// plainName reports whether name can be a file name in a folder of the
// cache: no separator, not "." or "..", not hidden (temporary names are),
// no control character, not too long.
func plainName(name string) bool {
	if name == "" || len(name) > 200 || strings.HasPrefix(name, ".") || strings.ContainsAny(name, `/\`) {
		return false
	}
	for i := 0; i < len(name); i++ {
		if name[i] < 0x20 || name[i] == 0x7f {
			return false
		}
	}
	return true
}
