package installed

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// RecordEntry is one row of a RECORD file: a path relative to the
// directory that holds the .dist-info folder (with "/" separators, possibly
// starting with "../" for scripts and data), the hash as "algo=digest" in
// urlsafe base64 without padding, and the size in bytes. Hash and Size are
// empty for files whose content is not fixed (RECORD itself, .pyc files).
type RecordEntry struct {
	Path string
	Hash string
	Size string
}

// ReadRecord parses a RECORD file (CSV, as written by Python's csv module).
// Rows with more than three columns are accepted, as pip accepts them.
func ReadRecord(r io.Reader) ([]RecordEntry, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	var entries []RecordEntry
	for {
		row, err := cr.Read()
		if err == io.EOF {
			return entries, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading RECORD: %w", err)
		}
		if len(row) == 0 || (len(row) == 1 && row[0] == "") {
			continue
		}
		e := RecordEntry{Path: row[0]}
		if len(row) > 1 {
			e.Hash = row[1]
		}
		if len(row) > 2 {
			e.Size = row[2]
		}
		if e.Path == "" {
			line, _ := cr.FieldPos(0)
			return nil, fmt.Errorf("reading RECORD: line %d: empty path", line)
		}
		entries = append(entries, e)
	}
}

// WriteRecord writes entries in the exact form Python's csv.writer gives
// them (the form pip writes): CRLF line ends, fields quoted only when they
// contain a comma, a quote or a line break.
func WriteRecord(w io.Writer, entries []RecordEntry) error {
	var b strings.Builder
	for _, e := range entries {
		b.WriteString(csvField(e.Path))
		b.WriteByte(',')
		b.WriteString(csvField(e.Hash))
		b.WriteByte(',')
		b.WriteString(csvField(e.Size))
		b.WriteString("\r\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func csvField(s string) string {
	if !strings.ContainsAny(s, ",\"\r\n") {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// RecordHash formats a SHA-256 digest the way RECORD stores it.
func RecordHash(sum []byte) string {
	return "sha256=" + base64.RawURLEncoding.EncodeToString(sum)
}

// HashBytes returns the RECORD hash of data.
func HashBytes(data []byte) string {
	sum := sha256.Sum256(data)
	return RecordHash(sum[:])
}
