package installer

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/gopip/gopip/internal/cache"
)

// Byte-code in the unpacked-wheel cache.
//
// Compiling is most of the work of a warm install (pip compiles by
// default), so an entry of the unpacked-wheel cache (cache.go) also keeps
// the byte-code compiled from its files, per interpreter and compile
// settings:
//
//	unpacked/sha256/ab/abcd…/pyc/<key>/manifest.json
//	unpacked/sha256/ab/abcd…/pyc/<key>/pkg/__pycache__/mod.cpython-311.pyc
//
// The key (pycKey) names everything that changes the byte-code Python
// writes for a source: sys.implementation.cache_tag, the magic number,
// the optimisation level (sys.flags.optimize: PYTHONOPTIMIZE) and the
// invalidation mode (checked hashes when SOURCE_DATE_EPOCH is set,
// timestamps otherwise; see compileScript). An interpreter that writes
// its byte-code elsewhere (PYTHONPYCACHEPREFIX) gets none kept. The
// manifest lists each .pyc by the archive name of its source, with its
// size and sha256, and the sources that do not compile (pip skips them).
//
// Filling. After the compilers ran, for each dist whose entry this
// installation filled (cold) or linked every file from (warm, nothing
// rejected, under the entry's umask), and which has no byte-code for the
// key yet, the .pyc files
// compiled from files linked from the tree are linked (LinkMode) into a
// temporary folder, described by the manifest, and the folder is renamed
// into place; the first process wins, as for the tree. Byte-code of
// files gopip rewrites (scripts) is not kept. A timestamp-based .pyc
// records its source's modification time and size: it is kept only when
// they are the tree file's (the linker gives clones and copies the time
// of the file they come from, a hard link is the file), so that it stays
// valid for every file linked from that tree.
//
// Using. A warm install with Compile links each source's .pyc from the
// entry next to the staged source (as compiling would write it), then
// checks it: when its stamp (cache.FileStamp, recorded when it was kept,
// before the manifest was written) and its source's stamp both show them
// unchanged, it is the .pyc that was checked when kept, and is not read;
// otherwise its size, sha256 and mode are checked against the manifest
// and the umask, and its header against the staged source (magic number,
// flags, and for a timestamp-based .pyc the source's modification time
// and size). A
// .pyc missing or failing is compiled instead, and the key's folder is
// removed with a warning (the next install fills it again). RECORD lists
// the byte-code as it lists compiled byte-code, without hash. The
// interpreter is started only when some source has no usable .pyc: an
// install whose byte-code is all in the cache runs no Python at all.
//
// The code objects of a .pyc name the file they were compiled from (the
// dfile compileScript passes, the final path in the environment the .pyc
// was first compiled for). Importing fixes that name to the real source
// path (importlib's SourceLoader calls _imp._fix_co_filename), so
// tracebacks and __file__ are right; only tools unmarshalling .pyc files
// themselves see the first environment's path. (Byte-code was never
// reproducible byte for byte across runs anyway: marshal's output
// depends on string hashing.)
//
// Trust. Nothing verified vouches for byte-code: the wheel's RECORD does
// not list it, and the only check of a .pyc against its source is
// compiling again. The stamps catch an installed file edited in place
// through a hard link, the manifest's hashes a damaged entry once its
// stamp changed; they cannot stop
// someone able to write the cache directory, who could rewrite the
// manifest too (as with pip's cache of wheels built locally).

// pycFormat is the version of the manifest.
const pycFormat = 1

// pycManifestFile describes a key's byte-code folder; its presence marks
// a complete folder.
const pycManifestFile = "manifest.json"

// pycManifest is the manifest of a key's byte-code.
type pycManifest struct {
	Format int       `json:"format"`
	Key    string    `json:"key"`
	Files  []pycFile `json:"files"`
	// Failed are the sources (archive names) that do not compile.
	Failed []string `json:"failed,omitempty"`
}

// pycFile is one .pyc of a key's byte-code folder.
type pycFile struct {
	// Source is the archive name of the .py compiled.
	Source string `json:"source"`
	// Path is where the .pyc is, relative to the folder: the source's
	// folder, "__pycache__", and the name importlib gives it.
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// Stamp is the .pyc's when it was kept (cache.FileStamp); the
	// manifest is written after it.
	Stamp cache.FileStamp `json:"stamp"`
}

// pycSettings are the facts the byte-code of this installation depends
// on; key is "" when no byte-code is kept.
type pycSettings struct {
	key         string
	magic       []byte
	checkedHash bool
	suffix      string // importlib's, e.g. ".cpython-311.pyc"
}

// pycKey returns the settings of the byte-code in interpreter in's
// compilers write; checkedHash is true when they write checked-hash
// .pyc files (SOURCE_DATE_EPOCH set).
func pycKey(in *Interpreter, checkedHash bool) pycSettings {
	magic, err := hex.DecodeString(in.MagicNumber)
	if err != nil || len(magic) != 4 || in.PycachePrefix != "" || !keyPart(in.CacheTag) || !strings.HasPrefix(in.PycSuffix, "."+in.CacheTag) {
		return pycSettings{}
	}
	mode := "timestamp"
	if checkedHash {
		mode = "checked-hash"
	}
	return pycSettings{
		key:         fmt.Sprintf("%s-%s-opt%d-%s", in.CacheTag, in.MagicNumber, in.Optimize, mode),
		magic:       magic,
		checkedHash: checkedHash,
		suffix:      in.PycSuffix,
	}
}

// keyPart reports whether s can be part of a folder name of the cache.
func keyPart(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// pycPath returns where importlib puts the byte-code of the source src (a
// slash-separated path ending in ".py"), relative to the same root.
func (s *pycSettings) pycPath(src string) string {
	return path.Join(path.Dir(src), "__pycache__", strings.TrimSuffix(path.Base(src), ".py")+s.suffix)
}

// pycSource returns the name the byte-code folder knows op's source by.
func pycSource(op fileOp) string { return op.name }

// openPycs finds the byte-code of e (a warm entry) for the installation's
// key. A manifest that cannot be read or does not describe the key makes
// the folder rejected (removed once the install used what it could).
func (inst *installation) openPycs(e *unpackedEntry) {
	if inst.pyc.key == "" {
		return
	}
	e.pycDir = filepath.Join(e.dir, "pyc", inst.pyc.key)
	if !e.warm {
		return
	}
	data, written, err := cache.ReadFileWritten(filepath.Join(e.pycDir, pycManifestFile))
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	e.pycWritten = written
	e.pycs = map[string]*pycFile{}
	e.pycFailed = map[string]bool{}
	var m pycManifest
	if err == nil {
		err = json.Unmarshal(data, &m)
	}
	if err == nil && (m.Format != pycFormat || m.Key != inst.pyc.key) {
		err = fmt.Errorf("its manifest is for %q, format %d", m.Key, m.Format)
	}
	if err != nil {
		e.reject(&e.pycBad, err)
		return
	}
	for i := range m.Files {
		f := &m.Files[i]
		// The name is importlib's for the source: a manifest cannot
		// put a file anywhere else.
		if f.Path == inst.pyc.pycPath(f.Source) && cleanRel(f.Source) {
			e.pycs[f.Source] = f
		}
	}
	for _, src := range m.Failed {
		e.pycFailed[src] = true
	}
}

// cleanRel reports whether p is a clean relative slash-separated path
// that stays below its root.
func cleanRel(p string) bool {
	return p != "" && path.Clean(p) == p && !path.IsAbs(p) && p != ".." && !strings.HasPrefix(p, "../")
}

// cachedPyc returns the cached byte-code of op's source, or failed when
// the cache knows the source does not compile; neither when it must be
// compiled.
func (inst *installation) cachedPyc(d *dist, op fileOp) (f *pycFile, failed bool) {
	e := d.unpacked
	if e == nil || e.pycs == nil || op.script {
		return nil, false
	}
	src := pycSource(op)
	return e.pycs[src], e.pycFailed[src]
}

// stagePyc links the cached byte-code f of the staged source src next to
// it, where compiling would write it, and checks it. On an error the
// caller compiles the source instead.
func (inst *installation) stagePyc(d *dist, f *pycFile, src string) error {
	e := d.unpacked
	dst := filepath.Join(filepath.Dir(src), "__pycache__", path.Base(f.Path))
	if err := inst.mkdirStaged(filepath.Dir(dst)); err != nil {
		return err
	}
	from := filepath.Join(e.pycDir, filepath.FromSlash(f.Path))
	m := int32(linkCopy)
	link := func() error {
		if e.copy {
			return copyFile(from, dst, 0o666)
		}
		var err error
		m, err = inst.linker.link(from, dst, 0o666)
		return err
	}
	err := link()
	if errors.Is(err, fs.ErrExist) {
		// Byte-code the wheel ships, staged there (possibly a hard link
		// into the cache): replaced, never written through.
		if err = os.Remove(dst); err == nil {
			err = link()
		}
	}
	if err == nil && !inst.pycVouched(e, f, from, dst, m) {
		inst.reread.Add(1)
		err = inst.checkPyc(dst, src, f)
	}
	if err != nil {
		os.Remove(dst)
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	return nil
}

// pycVouched reports whether the .pyc f linked from the cache (from) to
// dst with method m needs no reading: its stamp shows it unchanged since
// it was kept and checked against the tree's source, whose own stamp
// showed it unchanged in this installation (so the source staged has
// the modification time and size the .pyc's header records).
func (inst *installation) pycVouched(e *unpackedEntry, f *pycFile, from, dst string, m int32) bool {
	e.mu.Lock()
	src := e.vouched[f.Source]
	e.mu.Unlock()
	return src && inst.stampVouches(f.Stamp, e.pycWritten, from, dst, m, 0o666&^inst.umask)
}

// checkPyc checks the staged .pyc p, linked from the cache, against its
// description f and the staged source src it must be valid for.
func (inst *installation) checkPyc(p, src string, f *pycFile) error {
	n, mode, sum, head, err := readPyc(p)
	switch {
	case err != nil:
		return err
	case n != f.Size:
		return fmt.Errorf("cached with %d bytes, the manifest says %d", n, f.Size)
	case sum != f.SHA256:
		return errors.New("its hash does not match the manifest")
	case mode != 0o666&^inst.umask:
		return fmt.Errorf("cached with mode %v, installed with %v", mode, 0o666&^inst.umask)
	}
	return inst.pyc.checkHeader(head, src)
}

// checkHeader checks the header of a .pyc (magic number, flags, and the
// source's modification time and size for a timestamp-based one) against
// the source src it must be valid for.
func (s *pycSettings) checkHeader(head []byte, src string) error {
	if len(head) < 16 || !bytes.Equal(head[:4], s.magic) {
		return errors.New("not byte-code of this interpreter")
	}
	flags := binary.LittleEndian.Uint32(head[4:8])
	if s.checkedHash {
		if flags != 0b11 {
			return fmt.Errorf("flags %#x, want checked-hash byte-code", flags)
		}
		return nil // the source's hash: the source passed RECORD
	}
	if flags != 0 {
		return fmt.Errorf("flags %#x, want timestamp-based byte-code", flags)
	}
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	if binary.LittleEndian.Uint32(head[8:12]) != uint32(st.ModTime().Unix()) || binary.LittleEndian.Uint32(head[12:16]) != uint32(st.Size()) {
		return errors.New("compiled for another modification time or size of its source")
	}
	return nil
}

// readPyc reads a .pyc: its size, mode, sha256 (hex) and first 16 bytes.
func readPyc(p string) (n int64, mode fs.FileMode, sum string, head []byte, err error) {
	h := &headHash{Hash: sha256.New()}
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	n, mode, err = hashFile(p, h, *bp)
	return n, mode, hex.EncodeToString(h.Sum(nil)), h.head, err
}

// headHash hashes what is written and keeps its first 16 bytes.
type headHash struct {
	hash.Hash
	head []byte
}

func (h *headHash) Write(p []byte) (int, error) {
	if k := 16 - len(h.head); k > 0 {
		h.head = append(h.head, p[:min(k, len(p))]...)
	}
	return h.Hash.Write(p)
}

// finishPycs removes d's cached byte-code when some of it failed (unless
// the whole entry was removed already, with its warning: sources
// extracted from the wheel again have another time than the cached
// byte-code records).
func (inst *installation) finishPycs(d *dist) {
	e := d.unpacked
	if e == nil || e.reason(&e.bad) != nil {
		return
	}
	if bad := e.reason(&e.pycBad); bad != nil {
		cache.Evict(e.pycDir)
		inst.warnf("The byte-code of %s in gopip's cache could not be used (%v); it was removed, and the files compiled instead.", filepath.Base(d.w.Path), bad)
	}
}

// keepPycs keeps the byte-code compiled for d (tasks, once compiled) in
// its entry, when it has none for the key yet and its tree is the one the
// sources were linked from or put into. It never fails the install: what
// cannot be kept is not.
func (inst *installation) keepPycs(d *dist, tasks []pycTask) {
	e := d.unpacked
	if e == nil || e.pycDir == "" || e.pycs != nil || !e.filled && !e.warm || e.copy {
		// e.copy: the entry's modes are another umask's; byte-code with
		// this one's would fail its check when linked under that one.
		return
	}
	if e.reason(&e.bad) != nil {
		return // the entry was removed
	}
	tree := filepath.Join(e.dir, "tree")
	m := pycManifest{Format: pycFormat, Key: inst.pyc.key}
	seen := map[string]bool{}
	tmp := ""
	defer func() {
		if tmp != "" {
			os.RemoveAll(tmp)
		}
	}()
	for _, pt := range tasks {
		op := d.ops[pt.op]
		src := pycSource(op)
		if op.script || seen[src] {
			continue // rewritten for the environment: compiled each time
		}
		seen[src] = true
		if !pt.t.res.ok {
			m.Failed = append(m.Failed, src)
			continue
		}
		rel := inst.pyc.pycPath(src)
		if path.Base(rel) != pt.t.res.pyc {
			return // named otherwise than importlib's suffix says
		}
		if tmp == "" {
			// Never MkdirAll: an entry removed meanwhile must not come
			// back as a folder without its tree.
			if err := os.Mkdir(filepath.Dir(e.pycDir), 0o777); err != nil && !errors.Is(err, fs.ErrExist) {
				return
			}
			tmp = cache.TempName(e.pycDir)
			if err := os.Mkdir(tmp, 0o777); err != nil {
				tmp = ""
				return
			}
		}
		f, err := inst.keepPyc(filepath.Join(filepath.Dir(pt.t.job.src), "__pycache__", pt.t.res.pyc), filepath.Join(tmp, filepath.FromSlash(rel)), filepath.Join(tree, filepath.FromSlash(src)))
		if err != nil {
			return
		}
		f.Source, f.Path = src, rel
		m.Files = append(m.Files, f)
	}
	if len(m.Files) == 0 {
		return // nothing worth a folder: compiling it is as fast
	}
	data, err := json.Marshal(m)
	if err != nil {
		return
	}
	newest := int64(0)
	for _, f := range m.Files {
		newest = max(newest, f.Stamp[1])
	}
	// After every stamp (see cache.WriteSealed): compiling ended a while
	// ago for most, so this rarely waits.
	if _, err := cache.WriteSealed(filepath.Join(tmp, pycManifestFile), data, newest, 50*time.Millisecond); err != nil {
		return
	}
	if os.Rename(tmp, e.pycDir) == nil {
		tmp = ""
	}
}

// keepPyc puts the compiled .pyc staged into the byte-code folder being
// filled, at dst, after checking that it is valid for the tree's source
// (modification time and size) and has the mode linking it back gives.
func (inst *installation) keepPyc(staged, dst, source string) (pycFile, error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o777); err != nil {
		return pycFile{}, err
	}
	if _, err := inst.linker.link(staged, dst, 0o666); err != nil {
		return pycFile{}, err
	}
	n, mode, sum, head, err := readPyc(dst)
	if err != nil {
		return pycFile{}, err
	}
	if mode != 0o666&^inst.umask {
		return pycFile{}, fmt.Errorf("%s: mode %v", staged, mode)
	}
	if err := inst.pyc.checkHeader(head, source); err != nil {
		return pycFile{}, err
	}
	st, _, err := stampOf(dst)
	if err != nil || st[0] != n {
		return pycFile{}, fmt.Errorf("%s: changed while kept", staged)
	}
	return pycFile{Size: n, SHA256: sum, Stamp: st}, nil
}
