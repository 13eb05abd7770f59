package index

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"strings"

	"github.com/gopip/gopip/internal/httpx"
)

// tailSize is how much of a remote wheel's end the first range request
// reads. The end of central directory record (22 bytes plus a comment) is
// there; for most wheels the central directory and the METADATA entry,
// which bdist_wheel writes just before RECORD, are too.
const tailSize = 64 << 10

// maxCentralDirectory bounds the central directory read over HTTP.
const maxCentralDirectory = 64 << 20

// zipError is a remote archive that cannot be read with range requests:
// not a zip gopip understands, or not a wheel with one .dist-info.
// Metadata turns it into ErrDownloadRequired: the download will give the
// real error, or succeed where this shortcut could not.
type zipError struct{ msg string }

func (e *zipError) Error() string { return e.msg }

func zipErrorf(format string, args ...any) error {
	return &zipError{fmt.Sprintf(format, args...)}
}

// remoteZip reads byte ranges of a remote file, answering from the tail
// it already has when it can.
type remoteZip struct {
	c       *httpx.Client
	url     string
	size    int64
	tail    []byte
	tailOff int64
	header  http.Header // If-Range, when the server gave a strong ETag
}

// rangeMetadata reads the METADATA entry of the remote wheel f with range
// requests, like pip's lazy_wheel but reading only what it needs: the
// tail, then the central directory and the entry when the tail does not
// hold them.
func (c *Client) rangeMetadata(ctx context.Context, f File) ([]byte, error) {
	z := &remoteZip{c: c.http, url: f.URL, header: http.Header{}}
	resp, err := c.http.GetRange(ctx, f.URL, -tailSize, 0, nil)
	if err != nil {
		return nil, err
	}
	first, last, size, err := httpx.ContentRange(resp)
	if err != nil || size < 0 {
		resp.Body.Close()
		return nil, zipErrorf("no file size in Content-Range %q", resp.Header.Get("Content-Range"))
	}
	z.tail, err = readN(resp.Body, last-first+1)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	z.size, z.tailOff = size, first
	if etag := resp.Header.Get("ETag"); etag != "" && !strings.HasPrefix(etag, "W/") {
		z.header.Set("If-Range", etag)
	}

	cdOff, cdSize, err := z.endOfCentralDirectory(ctx)
	if err != nil {
		return nil, err
	}
	cd, err := z.readAt(ctx, cdOff, cdSize)
	if err != nil {
		return nil, err
	}
	entries, err := parseCentralDirectory(cd)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.name
	}
	want, err := metadataEntry(names, f.Filename)
	if err != nil {
		return nil, &zipError{err.Error()}
	}
	for _, e := range entries {
		if e.name == want {
			return z.readEntry(ctx, e)
		}
	}
	return nil, zipErrorf("%s not found", want)
}

// readN reads exactly n bytes.
func readN(r io.Reader, n int64) ([]byte, error) {
	if n < 0 || n > maxCentralDirectory+tailSize {
		return nil, zipErrorf("range of %d bytes", n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// readAt returns n bytes at off.
func (z *remoteZip) readAt(ctx context.Context, off, n int64) ([]byte, error) {
	if off < 0 || n < 0 || off+n > z.size {
		return nil, zipErrorf("range %d+%d outside the file (%d bytes)", off, n, z.size)
	}
	if off >= z.tailOff && off+n <= z.tailOff+int64(len(z.tail)) {
		return z.tail[off-z.tailOff : off-z.tailOff+n], nil
	}
	if n == 0 {
		return nil, nil
	}
	// A range that ends in the tail (the central directory, usually) only
	// needs its beginning fetched.
	fetch := n
	if off < z.tailOff && off+n > z.tailOff && off+n <= z.tailOff+int64(len(z.tail)) {
		fetch = z.tailOff - off
	}
	resp, err := z.c.GetRange(ctx, z.url, off, fetch, z.header)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if _, _, size, err := httpx.ContentRange(resp); err != nil || size != z.size {
		return nil, zipErrorf("the file changed between range requests")
	}
	b, err := readN(resp.Body, fetch)
	if err != nil || fetch == n {
		return b, err
	}
	return append(b, z.tail[:n-fetch]...), nil
}

// endOfCentralDirectory finds the central directory from the end of
// central directory record in the tail, following a zip64 locator.
func (z *remoteZip) endOfCentralDirectory(ctx context.Context) (off, size int64, err error) {
	t := z.tail
	i := bytes.LastIndex(t, []byte("PK\x05\x06"))
	for ; i >= 0; i = bytes.LastIndex(t[:i], []byte("PK\x05\x06")) {
		if len(t)-i >= 22 && i+22+int(binary.LittleEndian.Uint16(t[i+20:])) <= len(t) {
			break
		}
	}
	if i < 0 {
		return 0, 0, zipErrorf("no end of central directory record in the last %d bytes", len(t))
	}
	eocd := t[i:]
	if binary.LittleEndian.Uint16(eocd[4:]) != 0 || binary.LittleEndian.Uint16(eocd[6:]) != 0 {
		return 0, 0, zipErrorf("multi-disk archive")
	}
	size = int64(binary.LittleEndian.Uint32(eocd[12:]))
	off = int64(binary.LittleEndian.Uint32(eocd[16:]))
	eocdAt := z.tailOff + int64(i)
	if i >= 20 && string(t[i-20:i-16]) == "PK\x06\x07" {
		recAt := int64(binary.LittleEndian.Uint64(t[i-20+8:]))
		rec, err := z.readAt(ctx, recAt, 56)
		if err != nil {
			return 0, 0, err
		}
		if string(rec[:4]) != "PK\x06\x06" {
			return 0, 0, zipErrorf("bad zip64 end of central directory record")
		}
		size = int64(binary.LittleEndian.Uint64(rec[40:]))
		off = int64(binary.LittleEndian.Uint64(rec[48:]))
		eocdAt = recAt
	}
	if size < 0 || off < 0 || size > maxCentralDirectory || off+size > eocdAt {
		return 0, 0, zipErrorf("central directory at %d+%d does not fit the archive", off, size)
	}
	return off, size, nil
}

// cdEntry is what the central directory says of one entry.
type cdEntry struct {
	name             string
	method           uint16
	crc              uint32
	compSize, size   int64
	localOff         int64
	localHeaderGuess int64 // local header length assumed from the central one
}

func parseCentralDirectory(cd []byte) ([]cdEntry, error) {
	var out []cdEntry
	for len(cd) >= 4 && string(cd[:4]) == "PK\x01\x02" {
		if len(cd) < 46 {
			return nil, zipErrorf("truncated central directory")
		}
		nameLen := int(binary.LittleEndian.Uint16(cd[28:]))
		extraLen := int(binary.LittleEndian.Uint16(cd[30:]))
		commentLen := int(binary.LittleEndian.Uint16(cd[32:]))
		if len(cd) < 46+nameLen+extraLen+commentLen {
			return nil, zipErrorf("truncated central directory")
		}
		e := cdEntry{
			name:     string(cd[46 : 46+nameLen]),
			method:   binary.LittleEndian.Uint16(cd[10:]),
			crc:      binary.LittleEndian.Uint32(cd[16:]),
			compSize: int64(binary.LittleEndian.Uint32(cd[20:])),
			size:     int64(binary.LittleEndian.Uint32(cd[24:])),
			localOff: int64(binary.LittleEndian.Uint32(cd[42:])),
		}
		e.localHeaderGuess = int64(30 + nameLen + extraLen)
		if err := e.zip64(cd[46+nameLen : 46+nameLen+extraLen]); err != nil {
			return nil, err
		}
		out = append(out, e)
		cd = cd[46+nameLen+extraLen+commentLen:]
	}
	return out, nil
}

// zip64 applies a zip64 extended information extra field: the 64-bit
// values of the fields saturated in the fixed header, in order.
func (e *cdEntry) zip64(extra []byte) error {
	for len(extra) >= 4 {
		id := binary.LittleEndian.Uint16(extra)
		n := int(binary.LittleEndian.Uint16(extra[2:]))
		if len(extra) < 4+n {
			return zipErrorf("bad extra field in %s", e.name)
		}
		if id == 0x0001 {
			b := extra[4 : 4+n]
			for _, p := range []*int64{&e.size, &e.compSize, &e.localOff} {
				if *p != 0xFFFFFFFF {
					continue
				}
				if len(b) < 8 {
					return zipErrorf("bad zip64 field in %s", e.name)
				}
				*p = int64(binary.LittleEndian.Uint64(b))
				b = b[8:]
			}
		}
		extra = extra[4+n:]
	}
	return nil
}

// readEntry fetches the local header and data of e and inflates it,
// checking its size and CRC-32.
func (z *remoteZip) readEntry(ctx context.Context, e cdEntry) ([]byte, error) {
	if e.method != zipStore && e.method != zipDeflate {
		return nil, zipErrorf("%s uses compression method %d", e.name, e.method)
	}
	if e.size > maxMetadataSize || e.compSize > maxMetadataSize {
		return nil, zipErrorf("%s is larger than %d MiB", e.name, maxMetadataSize>>20)
	}
	// Ask for the header and the data at once, assuming the local extra
	// field is as long as the central one (bdist_wheel writes none); a
	// longer one costs one more request.
	want := min(e.localHeaderGuess+e.compSize, z.size-e.localOff)
	blob, err := z.readAt(ctx, e.localOff, want)
	if err != nil {
		return nil, err
	}
	if len(blob) < 30 || string(blob[:4]) != "PK\x03\x04" {
		return nil, zipErrorf("no local header for %s", e.name)
	}
	start := int64(30 + int(binary.LittleEndian.Uint16(blob[26:])) + int(binary.LittleEndian.Uint16(blob[28:])))
	var data []byte
	if start+e.compSize <= int64(len(blob)) {
		data = blob[start : start+e.compSize]
	} else if data, err = z.readAt(ctx, e.localOff+start, e.compSize); err != nil {
		return nil, err
	}
	var r io.Reader = bytes.NewReader(data)
	if e.method == zipDeflate {
		fr := flate.NewReader(r)
		defer fr.Close()
		r = fr
	}
	out, err := io.ReadAll(io.LimitReader(r, e.size+1))
	if err != nil {
		return nil, zipErrorf("%s: %v", e.name, err)
	}
	if int64(len(out)) != e.size || crc32.ChecksumIEEE(out) != e.crc {
		return nil, zipErrorf("%s: size or CRC-32 does not match the central directory", e.name)
	}
	return out, nil
}

// Zip compression methods.
const (
	zipStore   = 0
	zipDeflate = 8
)
