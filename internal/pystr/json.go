package pystr

import (
	"fmt"
	"strings"
	"unicode/utf16"
)

// JSON is Python's json.dumps(s) for a str with the default ensure_ascii:
// s in double quotes, '"' and '\\' escaped, "\n", "\r", "\t", "\b" and
// "\f" by their short escapes, and everything else outside printable ASCII
// (other control characters, DEL and all non-ASCII) as \uhhhh, characters
// beyond U+FFFF as a UTF-16 surrogate pair. pip writes direct_url.json
// and its JSON output (pip list --format=json) this way; encoding/json
// differs (it keeps non-ASCII and escapes <, > and &).
func JSON(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		case r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
