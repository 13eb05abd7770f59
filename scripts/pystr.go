package scripts

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// This file holds the few pieces of Python's str semantics that pip's code
// paths depend on. They are written out because Go's notions differ:
// unicode.IsSpace lacks U+001C..U+001F, and Go's regexp \w, \s and \d are
// ASCII-only while Python's are Unicode-aware for str patterns.

// pyIsSpace reports whether r is white space for Python's str.isspace,
// str.strip() and the re module's \s (Py_UNICODE_ISSPACE).
func pyIsSpace(r rune) bool {
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

// pyStrip is Python's str.strip() with no argument.
func pyStrip(s string) string { return strings.TrimFunc(s, pyIsSpace) }

// pySplitLines is Python's str.splitlines() (without keepends). It returns
// the lines without their terminators; a terminator at the very end does not
// start another line.
func pySplitLines(s string) []string {
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

// Regular-expression classes equal to Python's for str patterns.
const (
	// reWord is Python's \w: str.isalnum() (letters and every Unicode
	// number, which Go groups as \p{L} and \p{N}) or "_".
	reWord = `\p{L}\p{N}_`
	// reSpace is Python's \s, the set pyIsSpace accepts.
	reSpace = `\t-\r\x1c-\x20\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}`
	// reDigit is Python's \d: Unicode decimal digits.
	reDigit = `\p{Nd}`
)

// pyRegexp compiles a pattern written with the placeholders {w}, {s} and
// {d} for Python's \w, \s and \d inside brackets, e.g. "[{w}.]+", so the
// patterns in this package read side by side with the Python originals.
func pyRegexp(pattern string) *regexp.Regexp {
	r := strings.NewReplacer("{w}", reWord, "{s}", reSpace, "{d}", reDigit)
	return regexp.MustCompile(r.Replace(pattern))
}
