package installed

import (
	"strings"

	"github.com/gopip/gopip/internal/coremeta"
)

// parseMessage reads an installed distribution's METADATA or PKG-INFO
// exactly as pip 23.2 sees it on Python 3.11: importlib.metadata reads the
// file as UTF-8 text with universal newlines, parses it with
// email.message_from_string (the compat32 policy: values keep their inner
// line breaks and trailing blanks, only the final line end is dropped), and
// its Message adapter dedents multi-line values. Unlike coremeta.Parse, it
// never fails: what Python's feed parser would treat as the start of the
// body ends the header block.
func parseMessage(text string) *coremeta.Metadata {
	m := &coremeta.Metadata{}
	var headerLines []string
	rest := text
	for rest != "" {
		line := rest
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			line = rest[:i+1]
		}
		if !isHeaderLine(line) {
			if line == "\n" {
				rest = rest[1:]
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
		m.Fields = append(m.Fields, coremeta.Field{Name: name, Value: redent(value)})
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
	return pyDedent("        " + value)
}
