package publish

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gopip/gopip/internal/coremeta"
	"github.com/gopip/gopip/resolver/index"
	"github.com/gopip/gopip/resolver/pep440"
	"github.com/gopip/gopip/resolver/pep508"
	"github.com/gopip/gopip/resolver/tags"
)

// maxMetadataSize bounds the METADATA / PKG-INFO read from an archive: real
// ones are a few hundred kilobytes at most (long descriptions).
const maxMetadataSize = 16 << 20

// dist is what the index needs to know about a distribution file.
type dist struct {
	filename string
	// project is the PEP 503 normalised project name.
	project string
	// version is the version as the file name spells it.
	version string
	wheel   bool
	// metadata is the wheel's METADATA file, published as the PEP 658
	// .metadata file; nil for sdists.
	metadata       []byte
	requiresPython string
}

// inspectDist reads a wheel or sdist: its name and version from the file
// name, checked against its core metadata, and its Requires-Python.
func inspectDist(path string) (*dist, error) {
	base := filepath.Base(path)
	d := &dist{filename: base}
	var raw []byte
	var err error
	switch {
	case strings.HasSuffix(base, ".whl"):
		w, perr := tags.ParseWheelFilename(base)
		if perr != nil {
			return nil, perr
		}
		d.project, d.version, d.wheel = w.NormalizedName(), w.Version, true
		_, raw, err = index.MetadataFromWheel(path)
		d.metadata = raw
	default:
		s, perr := tags.ParseSdistFilename(base)
		if perr != nil {
			return nil, fmt.Errorf("%s is neither a wheel nor a source distribution (.tar.gz, .zip): %w", base, perr)
		}
		d.project, d.version = s.NormalizedName(), s.Version
		raw, err = sdistMetadata(path, s.Ext)
		if err == nil {
			// A legacy sdist name with a dash in the project name can be
			// split wrongly; PKG-INFO names the project, so split as pip
			// does once the project is known.
			if m, merr := coremeta.Parse(raw); merr == nil && m.Name() != "" {
				if s2, err2 := tags.ParseSdistFilenameFor(base, m.Name()); err2 == nil {
					d.project, d.version = s2.NormalizedName(), s2.Version
				}
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("reading the core metadata of %s: %w", base, err)
	}
	m, err := coremeta.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("reading the core metadata of %s: %w", base, err)
	}
	if name := pep508.NormalizeName(m.Name()); name != d.project {
		return nil, fmt.Errorf("%s: the file name says project %q but its metadata says %q", base, d.project, m.Name())
	}
	fv, err1 := pep440.Parse(d.version)
	mv, err2 := pep440.Parse(m.Version())
	if err1 != nil || err2 != nil || !fv.Equal(mv) {
		return nil, fmt.Errorf("%s: the file name says version %q but its metadata says %q", base, d.version, m.Version())
	}
	d.requiresPython = strings.TrimSpace(m.Get("Requires-Python"))
	return d, nil
}

func readZipFile(f *zip.File) ([]byte, error) {
	if f.UncompressedSize64 > maxMetadataSize {
		return nil, fmt.Errorf("%s is larger than %d bytes", f.Name, maxMetadataSize)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return readLimited(rc, f.Name)
}

func readLimited(r io.Reader, name string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxMetadataSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxMetadataSize {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, maxMetadataSize)
	}
	return data, nil
}

// sdistMetadata returns the PKG-INFO at the root of a source distribution
// (the one folder every sdist holds: "<name>-<version>/PKG-INFO").
func sdistMetadata(path, ext string) ([]byte, error) {
	isPKGInfo := func(name string) bool {
		name = strings.TrimPrefix(name, "./")
		top, rest, ok := strings.Cut(name, "/")
		return ok && top != "" && rest == "PKG-INFO"
	}
	if ext == ".zip" {
		zr, err := zip.OpenReader(path)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		for _, f := range zr.File {
			if isPKGInfo(f.Name) {
				return readZipFile(f)
			}
		}
		return nil, errors.New("no PKG-INFO in the archive's top folder")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, errors.New("no PKG-INFO in the archive's top folder")
		}
		if err != nil {
			return nil, err
		}
		if h.Typeflag == tar.TypeReg && isPKGInfo(h.Name) {
			return readLimited(tr, h.Name)
		}
	}
}
