package pep508

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// parser is a hand-written recursive-descent parser over a requirement or
// marker string, shaped like packaging's (packaging 22 and later): the same
// tokens, the same places where whitespace (space and tab, PEP 508's wsp)
// may appear, and comparable error messages.
type parser struct {
	src string
	pos int
}

func (p *parser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *parser) atEnd() bool { return p.pos >= len(p.src) }

// ws skips PEP 508 whitespace: spaces and tabs.
func (p *parser) ws() bool {
	start := p.pos
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
	return p.pos > start
}

// errorf returns a syntax error whose caret is at the current position and
// whose span starts at start.
func (p *parser) errorAt(msg string, start int) *SyntaxError {
	return &SyntaxError{Msg: msg, Source: p.src, Start: start, End: p.pos}
}

func (p *parser) error(msg string) *SyntaxError { return p.errorAt(msg, p.pos) }

// identifier reads a PEP 508 identifier: letters and digits, with '-', '_'
// and '.' allowed between them.
func (p *parser) identifier() (string, bool) {
	start := p.pos
	if !isAlnum(p.peek()) {
		return "", false
	}
	end := p.pos + 1
	for i := end; i < len(p.src); i++ {
		c := p.src[i]
		if isAlnum(c) {
			end = i + 1
		} else if c != '-' && c != '_' && c != '.' {
			break
		}
	}
	p.pos = end
	return p.src[start:end], true
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// isWordRune reports whether r is a word character for the \b of Python's
// regular expressions: '_' or a Unicode letter or number.
func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
}

// wordBoundaryAt reports whether there is a \b-style boundary between the
// bytes before and after offset i, given that one side is a word.
func (p *parser) boundaryAt(i int) bool {
	before, after := false, false
	if i > 0 {
		r, _ := utf8.DecodeLastRuneInString(p.src[:i])
		before = isWordRune(r)
	}
	if i < len(p.src) {
		r, _ := utf8.DecodeRuneInString(p.src[i:])
		after = isWordRune(r)
	}
	return before != after
}

// keyword consumes word if it appears at the current position as a whole
// word.
func (p *parser) keyword(word string) bool {
	if !strings.HasPrefix(p.src[p.pos:], word) || !p.boundaryAt(p.pos) || !p.boundaryAt(p.pos+len(word)) {
		return false
	}
	p.pos += len(word)
	return true
}

// isURLSpace reports the bytes that end a URL: whitespace.
func isURLSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\f', '\v':
		return true
	}
	return false
}
