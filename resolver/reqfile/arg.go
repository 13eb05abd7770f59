package reqfile

import "errors"

// ParseArg reads one requirement given on the command line (`pip install
// ARG`), with the rules pip applies to a requirements-file line
// (install_req_from_line): a PEP 508 requirement, `name @ url`, a local
// wheel, archive or project directory (made absolute against cwd), or a
// URL. editable reads ARG as the argument of -e. The warnings are what
// pip logs while reading it, in order; they come with an error too, as pip
// logs them before it fails.
//
// Errors carry pip's message (and hint), without a file and line.
func ParseArg(cwd, arg string, editable bool) (*Entry, []string, error) {
	var (
		c   *classified
		err error
	)
	if editable {
		c, err = classifyEditable(cwd, arg)
	} else {
		c, err = classifyLine(cwd, arg)
	}
	if err != nil {
		var warnings []string
		if c != nil {
			warnings = c.warnings
		}
		var le *lineError
		if errors.As(err, &le) {
			return nil, warnings, &ArgError{Arg: arg, Msg: le.msg, Err: le.err}
		}
		return nil, warnings, &ArgError{Arg: arg, Msg: err.Error(), Err: err}
	}
	e := &Entry{Text: arg, Kind: c.kind, Requirement: c.req, Link: c.link, Path: c.path, Extras: c.extras, Marker: c.marker}
	if editable {
		e.Kind = KindEditable
	}
	return e, c.warnings, nil
}

// ArgError is a command-line requirement pip refuses; Msg is pip's
// message.
type ArgError struct {
	Arg string
	Msg string
	Err error
}

func (e *ArgError) Error() string { return e.Msg }
func (e *ArgError) Unwrap() error { return e.Err }
