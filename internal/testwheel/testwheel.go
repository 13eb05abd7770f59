// Package testwheel builds wheel files for tests: well-formed wheels from a
// short Spec, wheels with exactly the defect a test needs (absolute paths,
// ".." escapes, symbolic links, duplicate entries, RECORD rows that are
// missing or wrong, zip headers that lie about sizes), and real-world wheels
// repacked from a distribution installed in a site-packages directory.
//
// A minimal wheel:
//
//	path := testwheel.MustBuild(t, t.TempDir(), testwheel.Spec{
//		Name:    "demo",
//		Version: "1.0",
//		Files: []testwheel.File{
//			{Path: "demo/__init__.py", Data: "VERSION = '1.0'\n"},
//		},
//		ConsoleScripts: map[string]string{"demo": "demo:main"},
//	})
//	// path is <dir>/demo-1.0-py3-none-any.whl
//
// The archive is laid out the way bdist_wheel lays it out: the root files,
// then <name>-<version>.data/<key>/..., then <name>-<version>.dist-info/
// with METADATA, WHEEL, entry_points.txt, licenses and RECORD last. RECORD
// lists every entry with its sha256 hash and size, unless the Spec asks
// for a defect. Entries carry fixed timestamps, so the same Spec always
// gives the same bytes.
//
// A repacked distribution:
//
//	path, err := testwheel.Repack(dir, sitePackages, "markupsafe")
//
// The API is used by tests across the repository; it only grows.
package testwheel

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"hash"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Spec describes a wheel. Only Name and Version are required.
type Spec struct {
	// Name is the distribution name, as written in METADATA and (escaped
	// as the wheel specification says: runs of "-_." become "_") in the
	// file and .dist-info names.
	Name string
	// Version is the version string.
	Version string
	// Build is the optional build tag of the file name.
	Build string
	// Tags are the wheel's tags, each "python-abi-platform" (WHEEL gets one
	// Tag line per entry; compressed sets such as "py2.py3-none-any" are
	// expanded there). The file name uses Tags[0] unless FileTag is set.
	// Default: "py3-none-any".
	Tags []string
	// FileTag overrides the tag part of the file name, e.g.
	// "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64".
	FileTag string
	// RootIsPurelib is the WHEEL field; nil means true.
	RootIsPurelib *bool
	// WheelVersion is the WHEEL's Wheel-Version; default "1.0".
	WheelVersion string
	// Files are the files at the root of the archive (installed into
	// purelib or platlib).
	Files []File
	// Data are files of the .data directory, with paths relative to it,
	// starting with the scheme key: "scripts/tool", "headers/demo.h",
	// "data/share/demo/x.txt", "purelib/extra.py", "platlib/ext.so".
	Data []File
	// Metadata is extra METADATA header lines (each "Key: value"),
	// appended after Metadata-Version, Name and Version.
	Metadata []string
	// ConsoleScripts and GUIScripts become entry_points.txt sections,
	// name → "module:attr"; sorted by name.
	ConsoleScripts map[string]string
	GUIScripts     map[string]string
	// EntryPoints, when set, is the whole entry_points.txt instead.
	EntryPoints string
	// Licenses are files of .dist-info/licenses/ (paths relative to it).
	Licenses []File
	// DistInfoFiles are further files of the .dist-info directory (paths
	// relative to it), e.g. "top_level.txt".
	DistInfoFiles []File

	// Defects, for tests of what an installer must refuse.

	// Extra entries are written after the regular files and before
	// RECORD, exactly as given (no path cleaning): absolute paths, ".."
	// escapes, symbolic links, duplicates of other entries, directory
	// entries, entries with lying sizes.
	Extra []Entry
	// RecordOmit names archive paths whose RECORD rows are left out.
	RecordOmit []string
	// RecordBadHash and RecordBadSize name archive paths whose RECORD hash
	// or size is wrong.
	RecordBadHash []string
	RecordBadSize []string
	// RecordHash is the algorithm of the RECORD hashes: "sha256"
	// (default), "sha384", "sha512", "sha1" or "md5".
	RecordHash string
	// NoRecord leaves RECORD out of the archive.
	NoRecord bool
	// Record, when set, is the whole RECORD content instead.
	Record []byte
	// DistInfoName overrides the name of the .dist-info directory (without
	// the ".dist-info" suffix), e.g. "other-1.0".
	DistInfoName string
	// Wheel, when set, is the whole WHEEL content instead.
	Wheel string
	// NoMetadata leaves METADATA out.
	NoMetadata bool
}

// File is one file of a wheel.
type File struct {
	// Path is the path inside its directory ("/"-separated).
	Path string
	// Data is the content.
	Data string
	// Mode is the permission bits recorded in the archive; 0 means 0o644.
	// Executable files (0o755) are installed executable.
	Mode fs.FileMode
}

// Entry is a raw archive entry, written as given.
type Entry struct {
	// Name is the entry name, written without any cleaning.
	Name string
	// Data is the content; for a symbolic link, the link target.
	Data []byte
	// Mode is the file mode recorded in the archive: 0 means 0o644,
	// fs.ModeSymlink|0o777 makes a symbolic link entry, fs.ModeDir a
	// directory entry.
	Mode fs.FileMode
	// DeclaredSize, when positive, is the uncompressed size the zip
	// headers claim instead of the real len(Data).
	DeclaredSize int64
	// Stored writes the entry uncompressed (default: deflated).
	Stored bool
	// Unrecorded leaves the entry out of RECORD (default: a correct row).
	Unrecorded bool
}

var escapeRE = regexp.MustCompile(`[-_.]+`)

// EscapeName escapes a distribution name for file and directory names of
// a wheel: runs of "-", "_" and "." become "_".
func EscapeName(name string) string { return escapeRE.ReplaceAllString(name, "_") }

func (s Spec) tags() []string {
	if len(s.Tags) == 0 {
		return []string{"py3-none-any"}
	}
	return s.Tags
}

// Filename returns the wheel's file name, e.g. "demo-1.0-py3-none-any.whl".
func (s Spec) Filename() string {
	tag := s.FileTag
	if tag == "" {
		tag = s.tags()[0]
	}
	parts := []string{EscapeName(s.Name), s.Version}
	if s.Build != "" {
		parts = append(parts, s.Build)
	}
	return strings.Join(append(parts, tag), "-") + ".whl"
}

// DistInfo returns the .dist-info directory name, e.g. "demo-1.0.dist-info".
func (s Spec) DistInfo() string {
	if s.DistInfoName != "" {
		return s.DistInfoName + ".dist-info"
	}
	return EscapeName(s.Name) + "-" + s.Version + ".dist-info"
}

// DataDir returns the .data directory name, e.g. "demo-1.0.data".
func (s Spec) DataDir() string {
	return EscapeName(s.Name) + "-" + s.Version + ".data"
}

// Build writes the wheel into dir and returns its path.
func Build(dir string, s Spec) (string, error) {
	data, err := s.Bytes()
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, s.Filename())
	if err := os.WriteFile(p, data, 0o644); err != nil {
		return "", err
	}
	return p, nil
}

// MustBuild is Build for tests: it fails t on error.
func MustBuild(t testing.TB, dir string, s Spec) string {
	t.Helper()
	p, err := Build(dir, s)
	if err != nil {
		t.Fatalf("testwheel: building %s: %v", s.Filename(), err)
	}
	return p
}

// fixedTime is the modification time of every entry.
var fixedTime = time.Date(2020, 2, 2, 0, 0, 0, 0, time.UTC)

type entry struct {
	Entry
	record bool
}

// Bytes returns the wheel archive.
func (s Spec) Bytes() ([]byte, error) {
	if s.Name == "" || s.Version == "" {
		return nil, fmt.Errorf("testwheel: Spec needs Name and Version")
	}
	var entries []entry
	add := func(name string, data []byte, mode fs.FileMode) {
		entries = append(entries, entry{Entry: Entry{Name: name, Data: data, Mode: mode}, record: true})
	}
	for _, f := range s.Files {
		add(f.Path, []byte(f.Data), f.Mode)
	}
	for _, f := range s.Data {
		add(s.DataDir()+"/"+f.Path, []byte(f.Data), f.Mode)
	}
	di := s.DistInfo()
	if !s.NoMetadata {
		add(di+"/METADATA", []byte(s.metadata()), 0)
	}
	add(di+"/WHEEL", []byte(s.wheel()), 0)
	if ep := s.entryPoints(); ep != "" {
		add(di+"/entry_points.txt", []byte(ep), 0)
	}
	for _, f := range s.Licenses {
		add(di+"/licenses/"+f.Path, []byte(f.Data), f.Mode)
	}
	for _, f := range s.DistInfoFiles {
		add(di+"/"+f.Path, []byte(f.Data), f.Mode)
	}
	for _, e := range s.Extra {
		entries = append(entries, entry{Entry: e, record: !e.Unrecorded})
	}
	if !s.NoRecord {
		rec := s.Record
		if rec == nil {
			var err error
			if rec, err = s.record(entries, di+"/RECORD"); err != nil {
				return nil, err
			}
		}
		add(di+"/RECORD", rec, 0)
	}

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		if err := writeEntry(zw, e.Entry); err != nil {
			return nil, fmt.Errorf("testwheel: %s: %w", e.Name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (s Spec) metadata() string {
	var b strings.Builder
	b.WriteString("Metadata-Version: 2.1\n")
	b.WriteString("Name: " + s.Name + "\n")
	b.WriteString("Version: " + s.Version + "\n")
	for _, l := range s.Metadata {
		b.WriteString(l + "\n")
	}
	return b.String()
}

func (s Spec) wheel() string {
	if s.Wheel != "" {
		return s.Wheel
	}
	wv := s.WheelVersion
	if wv == "" {
		wv = "1.0"
	}
	purelib := s.RootIsPurelib == nil || *s.RootIsPurelib
	var b strings.Builder
	fmt.Fprintf(&b, "Wheel-Version: %s\nGenerator: gopip-testwheel\nRoot-Is-Purelib: %v\n", wv, purelib)
	for _, t := range s.tags() {
		for _, x := range expandTag(t) {
			b.WriteString("Tag: " + x + "\n")
		}
	}
	b.WriteString("\n")
	return b.String()
}

func expandTag(t string) []string {
	parts := strings.SplitN(t, "-", 3)
	if len(parts) != 3 {
		return []string{t}
	}
	var out []string
	for _, py := range strings.Split(parts[0], ".") {
		for _, abi := range strings.Split(parts[1], ".") {
			for _, plat := range strings.Split(parts[2], ".") {
				out = append(out, py+"-"+abi+"-"+plat)
			}
		}
	}
	return out
}

func (s Spec) entryPoints() string {
	if s.EntryPoints != "" {
		return s.EntryPoints
	}
	var b strings.Builder
	section := func(name string, m map[string]string) {
		if len(m) == 0 {
			return
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString("[" + name + "]\n")
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			b.WriteString(k + " = " + m[k] + "\n")
		}
	}
	section("console_scripts", s.ConsoleScripts)
	section("gui_scripts", s.GUIScripts)
	return b.String()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s Spec) record(entries []entry, recordPath string) ([]byte, error) {
	algo := s.RecordHash
	if algo == "" {
		algo = "sha256"
	}
	var newHash func() hash.Hash
	switch algo {
	case "sha256":
		newHash = sha256.New
	case "sha384":
		newHash = sha512.New384
	case "sha512":
		newHash = sha512.New
	case "sha1":
		newHash = sha1.New
	case "md5":
		newHash = md5.New
	default:
		return nil, fmt.Errorf("testwheel: unknown RECORD hash %q", algo)
	}
	var b strings.Builder
	for _, e := range entries {
		if !e.record || contains(s.RecordOmit, e.Name) || e.Mode&fs.ModeDir != 0 {
			continue
		}
		h := newHash()
		h.Write(e.Data)
		digest := h.Sum(nil)
		if contains(s.RecordBadHash, e.Name) {
			digest[0] ^= 0xff
		}
		size := strconv.Itoa(len(e.Data))
		if contains(s.RecordBadSize, e.Name) {
			size = strconv.Itoa(len(e.Data) + 1)
		}
		fmt.Fprintf(&b, "%s,%s=%s,%s\r\n", csvField(e.Name), algo, base64.RawURLEncoding.EncodeToString(digest), size)
	}
	fmt.Fprintf(&b, "%s,,\r\n", csvField(recordPath))
	return []byte(b.String()), nil
}

func csvField(s string) string {
	if !strings.ContainsAny(s, ",\"\r\n") {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func writeEntry(zw *zip.Writer, e Entry) error {
	mode := e.Mode
	if mode == 0 {
		mode = 0o644
	}
	if mode&fs.ModeDir != 0 {
		name := e.Name
		if !strings.HasSuffix(name, "/") {
			name += "/"
		}
		h := &zip.FileHeader{Name: name, Method: zip.Store, Modified: fixedTime}
		h.SetMode(fs.ModeDir | 0o755)
		_, err := zw.CreateHeader(h)
		return err
	}
	method := zip.Deflate
	if e.Stored {
		method = zip.Store
	}
	h := &zip.FileHeader{Name: e.Name, Method: method, Modified: fixedTime}
	h.SetMode(mode)
	if e.DeclaredSize <= 0 {
		w, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		_, err = w.Write(e.Data)
		return err
	}
	// A lying header: write the compressed bytes ourselves, with the CRC
	// of the real data and the declared uncompressed size.
	payload := e.Data
	if method == zip.Deflate {
		var cb bytes.Buffer
		fw, _ := flate.NewWriter(&cb, flate.DefaultCompression)
		fw.Write(e.Data)
		fw.Close()
		payload = cb.Bytes()
	}
	h.CRC32 = crc32.ChecksumIEEE(e.Data)
	h.CompressedSize64 = uint64(len(payload))
	h.UncompressedSize64 = uint64(e.DeclaredSize)
	w, err := zw.CreateRaw(h)
	if err != nil {
		return err
	}
	_, err = w.Write(payload)
	return err
}

// Bool returns a pointer to b, for Spec.RootIsPurelib.
func Bool(b bool) *bool { return &b }
