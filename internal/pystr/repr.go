package pystr

import (
	"fmt"
	"strings"
	"unicode"
)

// Repr is Python's repr() of a str, which pip puts in messages such as
// "Invalid requirement: 'foo=1'". The quotes are single unless s holds a
// single quote and no double quote; the quote character and backslashes
// are escaped, as are "\t", "\n", "\r", other control characters and
// every character that is not printable (str.isprintable()), as \xhh,
// \uhhhh or \Uhhhhhhhh.
func Repr(s string) string {
	quote := byte('\'')
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		quote = '"'
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == rune(quote) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x7f || unicode.IsPrint(r):
			// unicode.IsPrint is str.isprintable(): categories L, M,
			// N, P, S and the ASCII space.
			b.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}
