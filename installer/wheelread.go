package installer

import (
	"archive/zip"
	"io"
	"os"
)

// Reading a wheel's archive with few system calls.
//
// archive/zip reads an entry's local header, then its data, then its data
// descriptor, each with its own pread, and checking the archive for
// overlapping entries (checkOverlap) reads every local header once more:
// five preads per file, 140,000 for the benchmark's 28,000 files, a large
// part of a cold install's kernel time. Here, while a wheel is opened and
// checked (one goroutine reading the central directory and the local
// headers in order), reads are served from a block read ahead; the data
// offsets found by checkOverlap are kept, and an entry is then read
// straight from its data: one pread for a small file.

// aheadSize is the block read ahead while a wheel is checked.
const aheadSize = 128 << 10

// wheelReader is the io.ReaderAt a wheel's zip.Reader reads through.
// Until done is called it reads ahead (not safe for concurrent use);
// afterwards every read goes to the file, safe for concurrent use.
type wheelReader struct {
	f    *os.File
	size int64
	buf  []byte // the block read ahead, nil once done
	off  int64  // its offset in the file
	n    int    // its length
}

func (r *wheelReader) ReadAt(p []byte, off int64) (int, error) {
	if r.buf == nil || len(p) > len(r.buf)/2 {
		return r.f.ReadAt(p, off)
	}
	if off < r.off || off+int64(len(p)) > r.off+int64(r.n) {
		if off >= r.size {
			return 0, io.EOF
		}
		n, err := r.f.ReadAt(r.buf[:min(int64(len(r.buf)), r.size-off)], off)
		if n == 0 && err != nil {
			r.n = 0
			return 0, err
		}
		r.off, r.n = off, n
	}
	n := copy(p, r.buf[off-r.off:r.n])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// done ends reading ahead.
func (r *wheelReader) done() { r.buf = nil }

func (r *wheelReader) Close() error { return r.f.Close() }

// openZip opens the wheel file p for reading ahead.
func openZip(p string) (*zip.Reader, *wheelReader, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	r := &wheelReader{f: f, size: st.Size(), buf: make([]byte, aheadSize)}
	zr, err := zip.NewReader(r, r.size)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return zr, r, nil
}

// openEntry opens the regular file entry f for reading its content. An
// entry whose data offset checkOverlap found is read straight from its
// data, without archive/zip's CRC-32 check: the content is checked
// against the hash RECORD gives, which is stronger. RECORD and its
// signatures, which RECORD does not hash, are read through archive/zip,
// CRC-32 checked.
func (w *wheelFile) openEntry(f *zip.File) (io.ReadCloser, error) {
	off, ok := w.dataOff[f]
	if !ok || w.recordExempt(f.Name) {
		return f.Open()
	}
	sr := io.NewSectionReader(w.zf, off, int64(f.CompressedSize64))
	switch f.Method {
	case zip.Store:
		return io.NopCloser(sr), nil
	case zip.Deflate:
		return newInflater(sr), nil
	}
	return nil, zip.ErrAlgorithm
}
