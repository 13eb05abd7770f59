// Package coremeta reads Python core metadata files (METADATA, PKG-INFO and
// PEP 658 .metadata files), whose format is the RFC 822 style of email
// headers: "Name: value" lines, continuation lines that start with white
// space, then an optional blank line and a free-form body (the description).
//
// Parsing is lenient in the way Python's email parser is, because real
// distributions contain every variation of this format; only input that
// cannot be a header block at all is an error.
package coremeta

import (
	"bytes"
	"fmt"
	"strings"
)

// Field is one header of a metadata file, in file order.
type Field struct {
	Name  string
	Value string
}

// Metadata is a parsed core metadata file. Field names are matched without
// regard to case, as Python's email.message does.
type Metadata struct {
	Fields []Field
	// Body is the text after the header block (the long description of
	// metadata 2.1+), or "".
	Body string
}

// Parse reads a core metadata file.
func Parse(data []byte) (*Metadata, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	m := &Metadata{}
	lineNo := 0
	for len(text) > 0 {
		line, rest, _ := strings.Cut(text, "\n")
		lineNo++
		if line == "" {
			m.Body = rest
			break
		}
		text = rest
		if line[0] == ' ' || line[0] == '\t' {
			if len(m.Fields) == 0 {
				return nil, fmt.Errorf("line %d: continuation line before any field", lineNo)
			}
			f := &m.Fields[len(m.Fields)-1]
			f.Value += "\n" + line
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return nil, fmt.Errorf("line %d: %q is not a \"Name: value\" field", lineNo, truncate(line))
		}
		m.Fields = append(m.Fields, Field{Name: name, Value: strings.TrimLeft(value, " \t")})
	}
	for i := range m.Fields {
		m.Fields[i].Value = strings.TrimRight(m.Fields[i].Value, " \t\n")
	}
	return m, nil
}

func truncate(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// Get returns the value of the first field called name, or "".
func (m *Metadata) Get(name string) string {
	for _, f := range m.Fields {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// Has reports whether a field called name is present.
func (m *Metadata) Has(name string) bool {
	for _, f := range m.Fields {
		if strings.EqualFold(f.Name, name) {
			return true
		}
	}
	return false
}

// GetAll returns the values of every field called name, in file order.
func (m *Metadata) GetAll(name string) []string {
	var vals []string
	for _, f := range m.Fields {
		if strings.EqualFold(f.Name, name) {
			vals = append(vals, f.Value)
		}
	}
	return vals
}

// Name returns the Name field.
func (m *Metadata) Name() string { return m.Get("Name") }

// Version returns the Version field.
func (m *Metadata) Version() string { return m.Get("Version") }
