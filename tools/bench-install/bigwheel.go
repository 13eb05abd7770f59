package main

import (
	"archive/zip"
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// bigWheel writes dir/bigblob-1.0-py3-none-any.whl: a package whose one
// data file holds size bytes of random (incompressible) data, stored
// uncompressed, streamed to disk (never held in memory).
func bigWheel(dir string, size int64) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "bigblob-1.0-py3-none-any.whl")
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	buf := bufio.NewWriterSize(f, 1<<20)
	zw := zip.NewWriter(buf)
	var record strings.Builder
	add := func(name string, r io.Reader) error {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			return err
		}
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(w, h), r)
		if err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", name, base64.RawURLEncoding.EncodeToString(h.Sum(nil)), n)
		return nil
	}
	rng := rand.NewChaCha8([32]byte{'g', 'o', 'p', 'i', 'p'})
	files := []struct {
		name string
		r    io.Reader
	}{
		{"bigblob/__init__.py", strings.NewReader("import os\nBLOB = os.path.join(os.path.dirname(__file__), 'blob.bin')\n")},
		{"bigblob/blob.bin", io.LimitReader(rng, size)},
		{"bigblob-1.0.dist-info/METADATA", strings.NewReader("Metadata-Version: 2.1\nName: bigblob\nVersion: 1.0\nSummary: one big incompressible file\n")},
		{"bigblob-1.0.dist-info/WHEEL", strings.NewReader("Wheel-Version: 1.0\nGenerator: gopip bench-install\nRoot-Is-Purelib: true\nTag: py3-none-any\n")},
	}
	for _, file := range files {
		if err := add(file.name, file.r); err != nil {
			return "", err
		}
	}
	record.WriteString("bigblob-1.0.dist-info/RECORD,,\n")
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "bigblob-1.0.dist-info/RECORD", Method: zip.Deflate})
	if err != nil {
		return "", err
	}
	if _, err := io.WriteString(w, record.String()); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	if err := buf.Flush(); err != nil {
		return "", err
	}
	return path, f.Close()
}
