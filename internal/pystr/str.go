package pystr

import (
	"strings"
	"unicode/utf8"
)

// IsSpace reports whether r is white space for Python: str.isspace(), the
// characters str.strip() and str.split() remove, and what the re module's
// \s matches in a str pattern (Py_UNICODE_ISSPACE). Unlike unicode.IsSpace
// it includes the information separators U+001C..U+001F.
func IsSpace(r rune) bool {
	switch {
	case r >= '\t' && r <= '\r', r >= 0x1c && r <= 0x20:
		return true
	case r < 0x85:
		return false
	}
	switch r {
	case 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// Strip is Python's str.strip() without an argument: s without leading and
// trailing white space as IsSpace defines it.
func Strip(s string) string { return strings.TrimFunc(s, IsSpace) }

// SplitLines is Python's str.splitlines() (keepends=False): s broken at
// "\r\n" and at every character Python counts as a line boundary ("\n",
// "\r", "\v", "\f", U+001C..U+001E, U+0085, U+2028, U+2029), without the
// boundaries. A boundary at the very end does not start another line, so
// "a\n" gives ["a"] and "" gives none.
func SplitLines(s string) []string {
	var lines []string
	start := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '\n', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
			lines = append(lines, s[start:i])
			i += size
			start = i
			continue
		case '\r':
			lines = append(lines, s[start:i])
			i++
			if i < len(s) && s[i] == '\n' {
				i++
			}
			start = i
			continue
		}
		i += size
	}
	if start < len(s) {
		lines = append(lines, s[start:])
	}
	return lines
}
