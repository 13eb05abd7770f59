package installer

import (
	"archive/zip"
	"cmp"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/gopip/gopip/installer/installed"
	"github.com/gopip/gopip/internal/coremeta"
	"github.com/gopip/gopip/internal/pystr"
	"github.com/gopip/gopip/resolver/pep440"
	"github.com/gopip/gopip/resolver/pep508"
	"github.com/gopip/gopip/resolver/tags"
	"github.com/gopip/gopip/scripts"

	"golang.org/x/text/unicode/norm"
)

// Wheel is one wheel file to install.
type Wheel struct {
	// Path is the local wheel file. It must already be verified (hashes,
	// TUF): Install checks it only against its own RECORD.
	Path string
	// URL is where the wheel came from when the user named it directly:
	// an http(s) or file URL, or a local path (made absolute). It is
	// recorded in direct_url.json (PEP 610), as pip records it for URL and
	// path installs. Empty for a wheel picked from an index by name and
	// version: then there is no direct_url.json.
	URL string
	// DirectURL, when set, is recorded in direct_url.json instead of what
	// URL gives: for a wheel built from a source archive (its URL and the
	// archive's hash), from a local project directory (dir_info), or for
	// an editable install (dir_info with editable true), as pip records
	// them.
	DirectURL *installed.DirectURL
	// Requested marks a distribution the user asked for, rather than a
	// dependency: it gets a REQUESTED file.
	Requested bool
	// SHA256 is the sha256 of the file at Path (lower-case hex), when the
	// caller knows it (the verified download's); empty means Install
	// computes it when it needs it. It names the wheel's entry in the
	// unpacked-wheel cache and its hash in direct_url.json.
	SHA256 string
	// ReqName is the project name as the requirement that chose this
	// wheel spells it ("MarkupSafe", "markupsafe"); pip names the
	// headers directory (include/site/pythonX.Y/<name>) after it.
	// Default: the name in the wheel's file name, which is what pip uses
	// for a wheel given as a file.
	ReqName string
}

// WheelError is a wheel gopip refuses to install. Nothing has been
// changed in the environment when it is returned.
type WheelError struct {
	Wheel  string // the wheel file
	Entry  string // the archive entry concerned, or ""
	Reason string
}

func (e *WheelError) Error() string {
	if e.Entry != "" {
		return fmt.Sprintf("%s: entry %q: %s", e.Wheel, e.Entry, e.Reason)
	}
	return fmt.Sprintf("%s: %s", e.Wheel, e.Reason)
}

// wheelFile is an opened and structurally checked wheel.
type wheelFile struct {
	Wheel
	zr       *zip.Reader
	zf       *wheelReader
	dataOff  map[*zip.File]int64 // where each entry's data begins (checkOverlap)
	filename tags.WheelName
	// project name and version from METADATA
	name, version string
	norm          string // normalised name
	distInfo      string // "<name>-<version>.dist-info"
	rootIsPurelib bool
	files         []*zip.File // regular file entries, archive order
	record        []installed.RecordEntry
	rows          map[string]installed.RecordEntry
	entryPoints   []scripts.EntryPoint
	warnings      []string
}

func (w *wheelFile) errorf(entry, format string, args ...any) error {
	return &WheelError{Wheel: w.Path, Entry: entry, Reason: fmt.Sprintf(format, args...)}
}

func (w *wheelFile) Close() error { return w.zf.Close() }

// openWheel opens a wheel and checks everything that can be checked
// without extracting it: the file name and its tags against supported, the
// archive's entry names (absolute paths, ".." components, symbolic links,
// duplicates, control characters), the .dist-info directory, WHEEL,
// METADATA against the file name, entry_points.txt, and that RECORD lists
// every file with an acceptable hash.
func openWheel(wh Wheel, interp *Interpreter, supported *tags.Set) (_ *wheelFile, err error) {
	w := &wheelFile{Wheel: wh}
	base := filepath.Base(wh.Path)
	w.filename, err = tags.ParseWheelFilename(base)
	if err != nil {
		return nil, &WheelError{Wheel: wh.Path, Reason: fmt.Sprintf("%s is not a valid wheel filename.", base)}
	}
	if !supported.Compatible(w.filename) {
		var ts []string
		for _, t := range w.filename.Tags {
			ts = append(ts, t.Interpreter+"-"+t.ABI+"-"+t.Platform)
		}
		best := ""
		if all := supported.Tags(); len(all) > 0 {
			best = fmt.Sprintf(", e.g. %s-%s-%s", all[0].Interpreter, all[0].ABI, all[0].Platform)
		}
		return nil, &WheelError{Wheel: wh.Path, Reason: fmt.Sprintf(
			"%s is not a supported wheel on this platform.\nIts tags are %s; the interpreter %s (%s %s, %s) supports %d tags%s.",
			base, strings.Join(ts, ", "), interp.Path, interp.Implementation, interp.Version, interp.Tags.Platform, supported.Len(), best)}
	}
	w.zr, w.zf, err = openZip(wh.Path)
	if err != nil {
		return nil, &WheelError{Wheel: wh.Path, Reason: fmt.Sprintf("not a valid zip archive: %v", err)}
	}
	defer func() {
		if err != nil {
			w.zf.Close()
		}
	}()
	defer w.zf.done() // read ahead while checking, alone
	registerInflater(w.zr)
	if err := w.checkEntries(); err != nil {
		return nil, err
	}
	if err := w.checkMetadata(); err != nil {
		return nil, err
	}
	if err := w.checkRecord(); err != nil {
		return nil, err
	}
	return w, nil
}

// checkOverlap refuses archives whose entries share their compressed
// data: the overlapping-file zip bomb (a few kilobytes that inflate to
// gigabytes, every entry honestly declaring its size) and archives
// crafted to show different tools different contents. In a zip file
// written normally, each entry's data ends before the next local header.
func (w *wheelFile) checkOverlap() error {
	type span struct {
		start, end int64
		name       string
	}
	spans := make([]span, 0, len(w.zr.File))
	w.dataOff = make(map[*zip.File]int64, len(w.zr.File))
	for _, f := range w.zr.File {
		off, err := f.DataOffset()
		if err != nil {
			return w.errorf(f.Name, "%v", err)
		}
		w.dataOff[f] = off
		spans = append(spans, span{off, off + int64(f.CompressedSize64), f.Name})
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	for i := 1; i < len(spans); i++ {
		if spans[i].start < spans[i-1].end {
			return w.errorf(spans[i].name, "its data overlaps that of entry %q: the archive is crafted (a zip bomb, or contents that differ from tool to tool)", spans[i-1].name)
		}
	}
	return nil
}

func (w *wheelFile) checkEntries() error {
	seen := map[string]bool{}
	foldedNames := map[string]string{} // by lower-cased NFC name
	topDirs := map[string]bool{}
	if err := w.checkOverlap(); err != nil {
		return err
	}
	for _, f := range w.zr.File {
		name := f.Name
		if name == "" {
			return w.errorf(name, "empty entry name")
		}
		if strings.ContainsAny(name, "\x00\n\r") {
			return w.errorf(name, "entry name contains a control character")
		}
		if strings.HasPrefix(name, "/") || strings.HasPrefix(name, `\`) || (len(name) > 1 && name[1] == ':') {
			return w.errorf(name, "absolute path: the wheel tries to install a file outside the target directory")
		}
		for _, part := range strings.Split(strings.ReplaceAll(name, `\`, "/"), "/") {
			if part == ".." {
				return w.errorf(name, "path with \"..\": the wheel tries to install a file outside the target directory")
			}
		}
		mode := f.Mode()
		isDir := strings.HasSuffix(name, "/")
		if mode&fs.ModeSymlink != 0 {
			return w.errorf(name, "symbolic link entries are not allowed")
		}
		if !isDir && mode&fs.ModeType != 0 && mode&fs.ModeType != fs.ModeDir {
			return w.errorf(name, "not a regular file (mode %v)", mode)
		}
		clean := path.Clean(name)
		if clean == "." {
			continue
		}
		top, _, _ := strings.Cut(clean, "/")
		if isDir {
			topDirs[top] = true
			continue
		}
		if mode.IsDir() {
			return w.errorf(name, "directory entry without a trailing slash")
		}
		if seen[clean] {
			return w.errorf(name, "duplicate entry")
		}
		seen[clean] = true
		// Names that differ only by case or by Unicode normalisation
		// are one file on case-insensitive file systems (Windows,
		// macOS) and on normalising ones (APFS): there one entry would
		// overwrite the other, and RECORD would no longer describe what
		// is installed. No real wheel has such pairs.
		folded := strings.ToLower(norm.NFC.String(clean))
		if other, ok := foldedNames[folded]; ok {
			if norm.NFC.String(other) == norm.NFC.String(clean) {
				return w.errorf(name, "same name as entry %q under Unicode normalisation (NFC): they would be one file on some file systems", other)
			}
			return w.errorf(name, "same name as entry %q but for case: they would be one file on case-insensitive file systems", other)
		}
		foldedNames[folded] = clean
		if strings.Contains(clean, "/") {
			topDirs[top] = true
		}
		w.files = append(w.files, f)
	}
	// The .dist-info directory (pip's wheel_dist_info_dir).
	var infoDirs []string
	for d := range topDirs {
		if strings.HasSuffix(d, ".dist-info") {
			infoDirs = append(infoDirs, d)
		}
	}
	name := w.filename.Name
	switch {
	case len(infoDirs) == 0:
		return w.errorf("", "%s has an invalid wheel, .dist-info directory not found", name)
	case len(infoDirs) > 1:
		return w.errorf("", "%s has an invalid wheel, multiple .dist-info directories found: %s", name, strings.Join(infoDirs, ", "))
	}
	w.distInfo = infoDirs[0]
	// pip only checks that the normalised directory name starts with the
	// normalised project name; gopip also wants the name part to be the
	// project, so that "demox-1.0.dist-info" cannot ride in "demo"'s wheel.
	dirName, _, _ := strings.Cut(strings.TrimSuffix(w.distInfo, ".dist-info"), "-")
	if !w.filename.OwnsDistInfo(w.distInfo) || pep508.NormalizeName(dirName) != w.filename.NormalizedName() {
		return w.errorf("", "%s has an invalid wheel, .dist-info directory %s does not start with %s", name, pystr.Repr(w.distInfo), pystr.Repr(w.filename.NormalizedName()))
	}
	return nil
}

func (w *wheelFile) find(name string) *zip.File {
	for _, f := range w.files {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// readSmall reads a metadata file of the wheel, refusing more than limit
// bytes whatever the zip header says.
func (w *wheelFile) readSmall(name string, limit int64) ([]byte, error) {
	f := w.find(name)
	if f == nil {
		return nil, fs.ErrNotExist
	}
	rc, err := f.Open()
	if err != nil {
		return nil, w.errorf(name, "%v", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, w.errorf(name, "%v", err)
	}
	if int64(len(data)) > limit {
		return nil, w.errorf(name, "larger than %d bytes", limit)
	}
	return data, nil
}

const maxMetadataSize = 64 << 20

func (w *wheelFile) checkMetadata() error {
	name := w.filename.Name
	wheelPath := w.distInfo + "/WHEEL"
	data, err := w.readSmall(wheelPath, maxMetadataSize)
	if err != nil {
		if err == fs.ErrNotExist {
			return w.errorf("", "%s has an invalid wheel, could not read %s file", name, pystr.Repr(wheelPath))
		}
		return err
	}
	wm, err := coremeta.Parse(data)
	if err != nil {
		return w.errorf(wheelPath, "%v", err)
	}
	// pip's wheel_version and check_compatibility (utils/wheel.py).
	vtext := strings.TrimSpace(wm.Get("Wheel-Version"))
	if !wm.Has("Wheel-Version") {
		return w.errorf("", "%s has an invalid wheel, WHEEL is missing Wheel-Version", name)
	}
	var version []int
	for _, p := range strings.Split(vtext, ".") {
		n, err := strconv.Atoi(p)
		if err != nil {
			return w.errorf("", "%s has an invalid wheel, invalid Wheel-Version: %s", name, pystr.Repr(vtext))
		}
		version = append(version, n)
	}
	if version[0] > 1 {
		return w.errorf("", "%s's Wheel-Version (%s) is not compatible with this version of gopip", name, joinInts(version))
	}
	if tupleGreater(version, []int{1, 0}) {
		w.warnings = append(w.warnings, fmt.Sprintf("Installing from a newer Wheel-Version (%s)", joinInts(version)))
	}
	w.rootIsPurelib = strings.ToLower(wm.Get("Root-Is-Purelib")) == "true"

	metaPath := w.distInfo + "/METADATA"
	data, err = w.readSmall(metaPath, maxMetadataSize)
	if err != nil {
		if err == fs.ErrNotExist {
			return w.errorf("", "%s has an invalid wheel, could not read %s file", name, pystr.Repr(metaPath))
		}
		return err
	}
	meta, err := coremeta.Parse(data)
	if err != nil {
		return w.errorf(metaPath, "%v", err)
	}
	w.name, w.version = meta.Get("Name"), meta.Get("Version")
	// pip's MetadataInconsistent checks (resolution/resolvelib/candidates.py).
	if pep508.NormalizeName(w.name) != w.filename.NormalizedName() {
		return w.errorf("", "%s has inconsistent name: expected %s, but metadata has %s", filepath.Base(w.Path), pystr.Repr(w.filename.NormalizedName()), pystr.Repr(w.name))
	}
	fv, err1 := pep440.Parse(w.filename.Version)
	mv, err2 := pep440.Parse(w.version)
	if err1 != nil || err2 != nil || pep440.Compare(fv, mv) != 0 {
		return w.errorf("", "%s has inconsistent version: expected %s, but metadata has %s", filepath.Base(w.Path), pystr.Repr(w.filename.Version), pystr.Repr(w.version))
	}
	w.norm = pep508.NormalizeName(w.name)

	epPath := w.distInfo + "/entry_points.txt"
	data, err = w.readSmall(epPath, maxMetadataSize)
	switch {
	case err == fs.ErrNotExist:
	case err != nil:
		return err
	default:
		w.entryPoints, err = scripts.ParseEntryPoints(data)
		if err != nil {
			return w.errorf(epPath, "%v", err)
		}
	}
	return nil
}

// tupleGreater compares like Python tuples: (1, 0, 0) > (1, 0).
func tupleGreater(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] > b[i]
		}
	}
	return len(a) > len(b)
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ".")
}

// recordExempt are the files RECORD cannot list with a hash.
func (w *wheelFile) recordExempt(name string) bool {
	switch name {
	case w.distInfo + "/RECORD", w.distInfo + "/RECORD.jws", w.distInfo + "/RECORD.p7s":
		return true
	}
	return false
}

func (w *wheelFile) checkRecord() error {
	recPath := w.distInfo + "/RECORD"
	data, err := w.readSmall(recPath, maxMetadataSize)
	if err != nil {
		if err == fs.ErrNotExist {
			return w.errorf("", "%s has an invalid wheel, could not read %s file", w.filename.Name, pystr.Repr(recPath))
		}
		return err
	}
	w.record, err = installed.ReadRecord(strings.NewReader(string(data)))
	if err != nil {
		return w.errorf(recPath, "%v", err)
	}
	w.rows = make(map[string]installed.RecordEntry, len(w.record))
	for _, r := range w.record {
		if _, dup := w.rows[r.Path]; !dup {
			w.rows[r.Path] = r
		}
	}
	for _, f := range w.files {
		if w.recordExempt(f.Name) {
			continue
		}
		row, ok := w.rows[f.Name]
		if !ok {
			return w.errorf(f.Name, "not listed in %s", recPath)
		}
		algo, _, ok := strings.Cut(row.Hash, "=")
		if !ok || row.Hash == "" {
			return w.errorf(f.Name, "%s gives no hash for it", recPath)
		}
		if newRecordHash(algo) == nil {
			return w.errorf(f.Name, "%s hashes it with %s; sha256 or a stronger hash is required", recPath, algo)
		}
		if row.Size != "" {
			if _, err := strconv.ParseInt(row.Size, 10, 64); err != nil {
				return w.errorf(f.Name, "%s gives an invalid size %q", recPath, row.Size)
			}
		}
	}
	return nil
}

// newRecordHash returns a hash for a RECORD algorithm name, or nil when the
// algorithm is not accepted (the binary distribution format forbids md5
// and sha1; PEP 376 names hashlib's algorithms).
func newRecordHash(algo string) hash.Hash {
	switch algo {
	case "sha256":
		return sha256.New()
	case "sha384":
		return sha512.New384()
	case "sha512":
		return sha512.New()
	case "sha3_256":
		return sha3.New256()
	case "sha3_384":
		return sha3.New384()
	case "sha3_512":
		return sha3.New512()
	}
	return nil
}

// checkDigest compares a computed digest with a RECORD row.
func checkDigest(row installed.RecordEntry, sum []byte, size int64) (ok bool, what string) {
	_, want, _ := strings.Cut(row.Hash, "=")
	got := base64.RawURLEncoding.EncodeToString(sum)
	if strings.TrimRight(want, "=") != got {
		return false, "its hash does not match RECORD"
	}
	if row.Size != "" {
		n, _ := strconv.ParseInt(row.Size, 10, 64)
		if n != size {
			return false, fmt.Sprintf("its size %d does not match RECORD's %d", size, n)
		}
	}
	return true, ""
}
