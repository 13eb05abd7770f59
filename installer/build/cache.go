package build

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gopip/gopip/installer"
	"github.com/gopip/gopip/resolver/tags"
)

// wheelCache holds the wheels built from sdists, in the directory the
// caller gives (cmd: $XDG_CACHE_HOME/gopip/wheels). Like pip's wheel cache
// (pip/_internal/cache.py), an entry is a directory named by a hash of what
// decides the build's result, holding the wheels built for that key; a
// lookup takes the one whose tags the interpreter supports best.
//
// The key is the sdist's sha256 (its content, not its URL: the same file
// from two indexes is one entry, and a different file under the same name
// is another), the interpreter's implementation and version (a setup.py may
// compute its dependencies from them, even for a py3-none-any wheel),
// whether the build was isolated, and the config settings.
// The platform and ABI need not be in the key: they are in the wheel's tags,
// which the lookup checks.
type wheelCache struct {
	dir       string
	supported *tags.Set
}

func newWheelCache(dir string, interp *installer.Interpreter) *wheelCache {
	if dir == "" {
		return nil
	}
	return &wheelCache{dir: dir, supported: tags.NewSet(tags.Supported(interp.Tags))}
}

// keyDir returns the entry directory for an sdist.
func (c *wheelCache) keyDir(sdistSHA256 string, interp *installer.Interpreter, isolated bool, config map[string][]string) string {
	parts := struct {
		SHA256   string              `json:"sdist_sha256"`
		Impl     string              `json:"interpreter_name"`
		Version  string              `json:"interpreter_version"`
		Isolated bool                `json:"build_isolation"`
		Config   map[string][]string `json:"config_settings,omitempty"`
	}{sdistSHA256, interp.Implementation, interp.MajorMinor(), isolated, config}
	data, _ := json.Marshal(parts) // map keys are sorted: a stable key
	sum := sha256.Sum224(data)
	h := hex.EncodeToString(sum[:])
	return filepath.Join(c.dir, h[:2], h[2:4], h[4:6], h[6:])
}

// lookup returns the best supported wheel of the entry, or "".
func (c *wheelCache) lookup(keyDir string) string {
	entries, err := os.ReadDir(keyDir)
	if err != nil {
		return ""
	}
	best, bestRank := "", 0
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".whl") {
			continue
		}
		w, err := tags.ParseWheelFilename(e.Name())
		if err != nil {
			continue
		}
		if rank, ok := c.supported.Best(w.Tags); ok && (best == "" || rank < bestRank) {
			best, bestRank = filepath.Join(keyDir, e.Name()), rank
		}
	}
	return best
}

// store copies wheel into the entry, atomically: a reader sees the whole
// file or none. It returns the cached path.
func (c *wheelCache) store(keyDir, wheel string) (string, error) {
	if err := os.MkdirAll(keyDir, 0o755); err != nil {
		return "", err
	}
	return placeFile(wheel, keyDir)
}

// placeFile puts a copy of src into dir under its own name, atomically
// (a hard link when possible, else a copy to a temporary file renamed
// into place), replacing a file of that name.
func placeFile(src, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	dst := filepath.Join(dir, filepath.Base(src))
	if sameFile(src, dst) {
		return dst, nil
	}
	tmp, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(src)+"-*")
	if err != nil {
		return "", err
	}
	tmpName := tmp.Name()
	tmp.Close()
	os.Remove(tmpName)
	if err := os.Link(src, tmpName); err != nil {
		if err := copyFile(src, tmpName); err != nil {
			os.Remove(tmpName)
			return "", err
		}
	}
	if err := os.Rename(tmpName, dst); err != nil {
		os.Remove(tmpName)
		return "", err
	}
	return dst, nil
}

func sameFile(a, b string) bool {
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	return err == nil && os.SameFile(sa, sb)
}

func copyFile(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	if _, err := io.Copy(out, in); err != nil {
		return err
	}
	return out.Sync()
}

// fileSHA256 returns the hex sha256 of a file and its size.
func fileSHA256(p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("hashing %s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
