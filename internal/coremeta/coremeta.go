// Package coremeta reads Python core metadata files (METADATA, PKG-INFO and
// PEP 658 .metadata files), whose format is the RFC 822 style of email
// headers: "Name: value" lines, continuation lines that start with white
// space, then an optional blank line and a free-form body (the description).
//
// pip 23.2 on Python 3.11 reads every such file, of an installed
// distribution, inside a wheel or from an index, through importlib.metadata:
// Python's email feed parser, which accepts anything that is text, and a
// message adapter that re-indents multi-line values. Parse does the same,
// so that gopip sees the fields pip sees:
//
//	m, err := coremeta.Parse(data) // err only when data is not UTF-8
//	m.Name(), m.Version()          // the first Name and Version fields
//	m.GetAll("Requires-Dist")      // every Requires-Dist, in file order
//	m.Body                         // the long description
//	m.JSON()                       // the form of pip's installation report
package coremeta

import (
	"strings"

	"github.com/gopip/gopip/internal/pystr"
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

// Parse reads a core metadata file as importlib.metadata reads it for pip
// 23.2 on Python 3.11:
//
//   - data is decoded as UTF-8. Bytes that are not UTF-8 are the only
//     error, a *pystr.DecodeError with Python's message, because pip fails
//     there too ("Error decoding metadata for ..."). A byte order mark is
//     kept, as Python's utf-8 codec keeps it; the line it starts is then no
//     header, as for pip.
//   - "\r\n" and "\r" end lines, as in the text mode read_text opens files
//     in. (For a METADATA inside a wheel pip decodes the bytes without that
//     translation, so carriage returns inside multi-line values and the
//     body stay; Parse does not keep them.)
//   - email.message_from_string (the feed parser, compat32 policy) splits
//     the header block from the body; what cannot be a header line ends the
//     block, malformed lines are skipped, values keep their inner line
//     breaks and trailing blanks, and only the final line end is dropped.
//   - the message adapter dedents multi-line values.
func Parse(data []byte) (*Metadata, error) {
	text, err := pystr.Decode(data)
	if err != nil {
		return nil, err
	}
	return parseText(pystr.UniversalNewlines(text)), nil
}

// parseText is email.message_from_string with importlib.metadata's
// adapter, for text whose lines end in "\n".
func parseText(text string) *Metadata {
	m := &Metadata{}
	var headerLines []string
	rest := text
	for rest != "" {
		line := rest
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			line = rest[:i+1]
		}
		if !isHeaderLine(line) {
			if line == "\n" {
				rest = rest[1:] // the separator, dropped
			}
			break
		}
		headerLines = append(headerLines, line)
		rest = rest[len(line):]
	}
	m.Body = rest

	var current []string
	flush := func() {
		if len(current) == 0 {
			return
		}
		name, value, _ := strings.Cut(current[0], ":")
		value = strings.TrimLeft(value, " \t") + strings.Join(current[1:], "")
		value = strings.TrimRight(value, "\r\n")
		m.Fields = append(m.Fields, Field{Name: name, Value: redent(value)})
		current = nil
	}
	for i, line := range headerLines {
		if line[0] == ' ' || line[0] == '\t' {
			if len(current) > 0 {
				current = append(current, line)
			}
			continue
		}
		flush()
		if strings.HasPrefix(line, "From ") {
			if i == 0 {
				continue // a Unix "From " envelope line
			}
			if i == len(headerLines)-1 {
				// The feed parser pushes a trailing "From " line back
				// into the body.
				m.Body = line + m.Body
				break
			}
			continue // misplaced envelope header: ignored
		}
		if strings.IndexByte(line, ':') <= 0 {
			continue // "Missing header name": ignored
		}
		current = []string{line}
	}
	flush()
	return m
}

// isHeaderLine is the email feed parser's headerRE: a "From " line, a field
// name of printable ASCII other than ':' and space followed by ':', or a
// continuation line.
func isHeaderLine(line string) bool {
	if strings.HasPrefix(line, "From ") || line[0] == ' ' || line[0] == '\t' {
		return true
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ':':
			return true
		case c < 0x21 || c > 0x7e:
			return false
		}
	}
	return false
}

// redent is importlib.metadata's correction for RFC 822 indentation of
// multi-line values.
func redent(value string) string {
	if !strings.Contains(value, "\n") {
		return value
	}
	return dedent("        " + value)
}

// dedent is Python's textwrap.dedent: the white space (blanks and tabs)
// that every line starts with removed; lines of blanks only become empty
// and do not count.
func dedent(text string) string {
	lines := strings.SplitAfter(text, "\n")
	// Lines made only of blanks become empty (keeping their newline).
	for i, l := range lines {
		body := strings.TrimSuffix(l, "\n")
		if body != "" && strings.Trim(body, " \t") == "" {
			lines[i] = l[len(body):]
		}
	}
	margin, have := "", false
	for _, l := range lines {
		body := strings.TrimSuffix(l, "\n")
		indent := body[:len(body)-len(strings.TrimLeft(body, " \t"))]
		if indent == body {
			continue // blank line: no margin information
		}
		switch {
		case !have:
			margin, have = indent, true
		case strings.HasPrefix(indent, margin):
		case strings.HasPrefix(margin, indent):
			margin = indent
		default:
			n := 0
			for n < len(margin) && n < len(indent) && margin[n] == indent[n] {
				n++
			}
			margin = margin[:n]
		}
	}
	if margin != "" {
		for i, l := range lines {
			lines[i] = strings.TrimPrefix(l, margin)
		}
	}
	return strings.Join(lines, "")
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
