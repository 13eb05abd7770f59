// Package reqfile reads pip requirements files (`pip install -r`, `-c`) the
// way pip 23.2 does, line for line and error for error.
//
// # Reading a file
//
//	f, err := reqfile.Parse(ctx, "requirements.txt", reqfile.Options{
//		Dir:    wd,                             // where relative paths start
//		Getenv: os.Getenv,                      // for ${NAME}
//		Getter: reqfile.HTTPGetter{Client: hc}, // for -r https://…
//	})
//	for _, e := range f.Requirements() {
//		fmt.Println(e.Origin, e.Kind, e.Requirement, e.Hashes)
//	}
//
// Every entry knows where it comes from (Origin: file and first line), and
// is a PEP 508 requirement (`requests[socks]>=2.8; python_version>"3.8"`,
// `pip @ https://…`), a local path (`./dist/x-1.0-py3-none-any.whl`, `.`),
// a URL (`https://host/x.tar.gz#egg=x`), an editable (`-e ./proj`) or a
// line of options. Nested `-r` and `-c` files are read where they are named
// (relative to the including file, or joined to its URL) and their entries
// take that place; a file that includes itself is an error.
//
// What the option lines change (index URLs, --find-links, --no-binary,
// --pre, --trusted-host …) is applied to Options.Settings with pip's rules
// and returned in File.Settings; File.HashCheckingMode tells whether pip
// would require hashes (--require-hashes, or any --hash in the file).
//
// # pip's syntax
//
// The file is decoded like pip does (a byte-order mark, else a PEP 263
// `# -*- coding: … -*-` line among the first two, else UTF-8) and split
// into lines at every line boundary Python knows. Then, in pip's order:
//
//   - a line ending in `\` continues on the next one; a comment line ends
//     the continuation; the joined line has the first line's number;
//   - a comment starts at a '#' at the start of a line or after whitespace
//     (so `https://host/x.tar.gz#egg=x` keeps its fragment);
//   - `${NAME}` (upper-case letters, digits, '_') is replaced by the
//     variable's value, unless it is unset or empty; `$NAME` and `%NAME%`
//     are not variables;
//   - the words before the first word starting with '-' are the
//     requirement; the rest is split like a shell command line and read
//     as options, long ones abbreviated as optparse allows.
//
// # Errors
//
// A malformed line is an *Error carrying pip's message and the place:
//
//	Invalid requirement: 'foo=1' (from line 3 of requirements.txt)
//	Hint: = is not a valid operator. Did you mean == ?
//
// Parse stops at the first one, as pip does. Constraints are checked like
// pip's resolver checks them: named, not editable, without extras.
//
// # Where gopip differs from pip 23.2
//
//   - Requirements follow packaging 22 and later (as current pip does):
//     a version that is not PEP 440 ("pkg==${UNSET}", "foo>=") is an
//     error, where pip 23.2's packaging 21.3 accepted it.
//   - A file that includes itself is an error with current pip's message;
//     pip 23.2 recursed until Python's RecursionError.
//   - A UTF-32 LE byte-order mark means UTF-32 (pip 24.1 and later); PEP
//     263 declarations may name UTF-8, UTF-16, UTF-32, Latin-1, ASCII or
//     cp1252 only.
//   - A file fetched over HTTP is decoded with the charset the server
//     names, else like a local file; pip (through requests) assumes
//     ISO-8859-1 for text/* without a charset. file: URLs are read
//     directly.
//   - What makes pip crash with a traceback (a bad marker, an undecodable
//     file, an invalid --trusted-host) is an *Error here, and every error
//     names the file and line, also where pip's message does not.
//   - -e lines keep --config-settings, as current pip does.
//   - Constraints are checked at the end of each Parse; pip checks them
//     after reading all -c and -r files of the command line.
//
// # Writing an entry back
//
// Entry.String formats an entry as a line that reads back to the same
// entry, for tools that rewrite requirements files.
package reqfile
