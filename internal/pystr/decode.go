package pystr

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// DecodeError is Python's UnicodeDecodeError for UTF-8: the bytes
// Start..End-1 of the input do not begin a valid sequence. Its message is
// Python's, as pip shows it.
type DecodeError struct {
	Byte       byte // the first byte of the invalid sequence
	Start, End int
	Reason     string // "invalid start byte", "invalid continuation byte" or "unexpected end of data"
}

func (e *DecodeError) Error() string {
	if e.End == e.Start+1 {
		return fmt.Sprintf("'utf-8' codec can't decode byte 0x%02x in position %d: %s", e.Byte, e.Start, e.Reason)
	}
	return fmt.Sprintf("'utf-8' codec can't decode bytes in position %d-%d: %s", e.Start, e.End-1, e.Reason)
}

// Decode is Python's b.decode("utf-8"): b as a string, or the first
// invalid sequence as a *DecodeError. Go's utf8.Valid and Python agree on
// what is valid: no surrogates, no overlong forms, nothing past U+10FFFF.
func Decode(b []byte) (string, error) {
	if utf8.Valid(b) {
		return string(b), nil
	}
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || size > 1 {
			i += size
			continue
		}
		n := maximalSubpart(b[i:])
		e := &DecodeError{Byte: b[i], Start: i, End: i + n, Reason: "invalid continuation byte"}
		switch {
		case sequenceLength(b[i]) == 0:
			e.Reason = "invalid start byte"
		case i+n == len(b):
			e.Reason = "unexpected end of data"
		}
		return "", e
	}
	panic("unreachable: utf8.Valid and utf8.DecodeRune disagree")
}

// DecodeReplace is Python's b.decode("utf-8", "replace"): every invalid
// sequence becomes one U+FFFD. Python replaces the maximal part of a valid
// sequence that an invalid one starts with as a whole ("\xe2\x82" cut
// short is one U+FFFD, "\xff\xff" two), where utf8.DecodeRune and
// strings.ToValidUTF8 count otherwise.
func DecodeReplace(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var out strings.Builder
	out.Grow(len(b) + 8)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			out.WriteRune(utf8.RuneError)
			b = b[maximalSubpart(b):]
			continue
		}
		out.Write(b[:size])
		b = b[size:]
	}
	return out.String()
}

// sequenceLength is the length of the sequence the lead byte c starts, 0
// for a byte that cannot start one.
func sequenceLength(c byte) int {
	switch {
	case c < 0x80:
		return 1
	case c < 0xc2:
		return 0
	case c < 0xe0:
		return 2
	case c < 0xf0:
		return 3
	case c < 0xf5:
		return 4
	}
	return 0
}

// maximalSubpart is how many bytes at the start of b form the longest
// prefix of a valid sequence, at least 1.
func maximalSubpart(b []byte) int {
	want := sequenceLength(b[0])
	if want <= 1 {
		return 1
	}
	lo, hi := byte(0x80), byte(0xbf)
	switch b[0] {
	case 0xe0:
		lo = 0xa0 // no overlong forms
	case 0xed:
		hi = 0x9f // no surrogates
	case 0xf0:
		lo = 0x90 // no overlong forms
	case 0xf4:
		hi = 0x8f // nothing past U+10FFFF
	}
	n := 1
	for n < want && n < len(b) && lo <= b[n] && b[n] <= hi {
		n++
		lo, hi = 0x80, 0xbf
	}
	return n
}

// UniversalNewlines is what Python's text mode (open(path, encoding=...)
// with the default newline=None) makes of line ends when reading: "\r\n"
// and "\r" become "\n".
func UniversalNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}
