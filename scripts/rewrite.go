package scripts

import "bytes"

// RewriteShebang is pip's fix_script (pip/_internal/operations/install/
// wheel.py), applied to every file installed from a wheel's .data/scripts
// directory. If the first line, read as Python's readline reads bytes (up
// to and including the first "\n"), starts with the bytes "#!python", that
// whole line is replaced by "#!" + python + "\n"; the rest of the content
// is kept byte for byte and changed is true. Otherwise content is returned
// as is and changed is false.
//
// The rule is a plain prefix test, not distlib's FIRST_LINE_RE, so:
//
//   - "#!python", "#!pythonw", "#!python3", "#!python3.11" and even
//     "#!pythonista" are all replaced, and the interpreter is python in
//     every case (there is no pythonw on POSIX);
//   - arguments are dropped: "#!python -u" becomes "#!/path/python";
//   - "#!python\r\n" becomes "#!/path/python\n" (the line ending is
//     os.linesep, "\n" on POSIX; later lines keep their "\r\n");
//   - a file that is just "#!python" gains a newline;
//   - "#!/usr/bin/python", "#! python", "#!PYTHON", a byte order mark before
//     "#!", an empty file and binary files are left alone;
//   - python is written as is: no quoting for spaces and no /bin/sh form
//     for long paths, unlike a launcher's Shebang. That is what pip does,
//     even though such a line does not work; callers wanting a working
//     script must choose a path without spaces.
func RewriteShebang(content []byte, python string) (out []byte, changed bool) {
	if !bytes.HasPrefix(content, []byte("#!python")) {
		return content, false
	}
	rest := []byte(nil)
	if i := bytes.IndexByte(content, '\n'); i >= 0 {
		rest = content[i+1:]
	}
	out = make([]byte, 0, len(python)+3+len(rest))
	out = append(out, "#!"...)
	out = append(out, python...)
	out = append(out, '\n')
	return append(out, rest...), true
}
