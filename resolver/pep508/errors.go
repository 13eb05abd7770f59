package pep508

import (
	"errors"
	"strings"
	"unicode/utf8"
)

var (
	// ErrInvalidRequirement is wrapped by every error ParseRequirement
	// returns.
	ErrInvalidRequirement = errors.New("invalid requirement")
	// ErrInvalidMarker is wrapped by every error ParseMarker returns.
	ErrInvalidMarker = errors.New("invalid marker")
	// ErrUndefinedVariable is wrapped by evaluation errors for a marker
	// variable the environment does not define.
	ErrUndefinedVariable = errors.New("undefined marker variable")
	// ErrUndefinedComparison is wrapped by evaluation errors for a
	// comparison PEP 508 does not define, such as "~=" between strings
	// that are not versions.
	ErrUndefinedComparison = errors.New("undefined marker comparison")
)

// SyntaxError locates a parse error in a requirement or marker. Its message
// has packaging's layout: what was expected, the input, and a caret under
// the offending column (with '~' under the span that led there):
//
//	Expected comma (within version specifier), semicolon (after version specifier) or end
//	    name >= 1.0 foo
//	         ~~~~~~~^
type SyntaxError struct {
	Msg    string // what was expected, "Expected ..."
	Source string // the whole input
	Start  int    // byte offset where the offending span starts
	End    int    // byte offset of the caret
}

// Error returns the message, the input and the caret line, separated by
// newlines.
func (e *SyntaxError) Error() string {
	start, end := min(e.Start, e.End), e.End
	var b strings.Builder
	b.WriteString(e.Msg)
	b.WriteString("\n    ")
	b.WriteString(e.Source)
	b.WriteString("\n    ")
	b.WriteString(strings.Repeat(" ", utf8.RuneCountInString(e.Source[:start])))
	b.WriteString(strings.Repeat("~", utf8.RuneCountInString(e.Source[start:end])))
	b.WriteByte('^')
	return b.String()
}

// Column returns the 1-based column (in characters) of the caret.
func (e *SyntaxError) Column() int { return utf8.RuneCountInString(e.Source[:e.End]) + 1 }
