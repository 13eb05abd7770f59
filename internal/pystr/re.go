package pystr

import (
	"regexp"
	"strings"
)

// Character classes equal to those of Python's re module for str patterns.
const (
	// reWord is Python's \w: str.isalnum() (letters and every Unicode
	// number, which Go groups as \p{L} and \p{N}) or "_".
	reWord = `\p{L}\p{N}_`
	// reSpace is Python's \s, the set IsSpace accepts.
	reSpace = `\t-\r\x1c-\x20\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}`
	// reDigit is Python's \d: Unicode decimal digits.
	reDigit = `\p{Nd}`
)

var classes = strings.NewReplacer("{w}", reWord, "{s}", reSpace, "{d}", reDigit)

// MustCompile compiles a pattern written with the placeholders {w}, {s} and
// {d} for Python's \w, \s and \d inside brackets ("[{w}.]+" for Python's
// r"[\w.]+"), so that patterns read side by side with the Python originals
// and match what they match. It panics if the pattern does not compile, as
// regexp.MustCompile does; it is meant for package-level variables.
func MustCompile(pattern string) *regexp.Regexp {
	return regexp.MustCompile(classes.Replace(pattern))
}
