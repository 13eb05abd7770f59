package reqfile

import (
	"errors"
	"strings"
)

var (
	errNoClosingQuotation = errors.New("No closing quotation")
	errNoEscapedCharacter = errors.New("No escaped character")
)

// shlexSplit is Python's shlex.split(s) (POSIX mode, no comments), which
// pip uses on the options part of a line: words split at space, tab, CR and
// LF; single quotes keep everything; double quotes let a backslash escape
// only '"' and '\'; outside quotes a backslash escapes any character; ""
// is an empty word.
func shlexSplit(s string) ([]string, error) {
	const whitespace = " \t\r\n"
	var (
		words  []string
		token  strings.Builder
		quoted bool
		// state is ' ' between words, 'a' in a word, '\'' or '"' inside
		// quotes, '\\' after a backslash.
		state       byte = ' '
		escapedFrom byte // the state a backslash was read in
	)
	emit := func() {
		if token.Len() > 0 || quoted {
			words = append(words, token.String())
		}
		token.Reset()
		quoted = false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch state {
		case ' ', 'a':
			switch {
			case strings.IndexByte(whitespace, c) >= 0:
				if state == 'a' {
					emit()
				}
				state = ' '
			case c == '\\':
				escapedFrom, state = 'a', '\\'
			case c == '\'' || c == '"':
				state = c
			default:
				token.WriteByte(c)
				state = 'a'
			}
		case '\'', '"':
			quoted = true
			switch {
			case c == state:
				state = 'a'
			case state == '"' && c == '\\':
				escapedFrom, state = '"', '\\'
			default:
				token.WriteByte(c)
			}
		case '\\':
			if escapedFrom == '"' && c != '\\' && c != '"' {
				token.WriteByte('\\')
			}
			token.WriteByte(c)
			state = escapedFrom
		}
	}
	switch state {
	case '\'', '"':
		return nil, errNoClosingQuotation
	case '\\':
		return nil, errNoEscapedCharacter
	case 'a':
		emit()
	}
	return words, nil
}
