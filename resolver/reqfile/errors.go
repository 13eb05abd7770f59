package reqfile

import (
	"errors"
	"strings"
)

// ErrCycle is wrapped by the error for a file that includes itself,
// directly or through other files.
var ErrCycle = errors.New("requirements file includes itself")

// Error is a requirements file that cannot be read or a line that is
// malformed. Its message is pip's, with the place added where pip leaves it
// out:
//
//	Invalid requirement: 'foo=1' (from line 3 of requirements.txt)
//	Hint: = is not a valid operator. Did you mean == ?
//
// errors.As finds it; Unwrap gives the cause (a *pep508 syntax error, an
// I/O error, ErrCycle) when there is one.
type Error struct {
	// Origin is the line at fault; for a file that cannot be opened or
	// decoded it is the line that includes it, or Line 0 for the file
	// given to Parse.
	Origin Origin
	// Text is the logical line (continuations joined, comment stripped,
	// variables expanded), "" when the error is not about one line.
	Text string
	// Msg is pip's message without the place: a first line and, for some
	// errors, more lines ("Hint: …", optparse's reason).
	Msg string
	// Err is the underlying error, or nil.
	Err error
}

// Error returns Msg with " (from line N of FILE)" after its first line.
func (e *Error) Error() string {
	if e.Origin.Line == 0 {
		return e.Msg
	}
	first, rest, more := strings.Cut(e.Msg, "\n")
	s := first + " (from " + e.Origin.String() + ")"
	if more {
		s += "\n" + rest
	}
	return s
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }
