package installed

import (
	"os"
	"strings"
	"unicode/utf8"
)

// The helpers in this file reproduce the few Python text and path
// functions whose exact behaviour shows in pip's output and that only this
// package needs: reading text files as importlib.metadata does, pathlib's
// path normalisation, os.path.join and textwrap.dedent. Python's str
// semantics shared with other packages are in internal/pystr, its
// os.path.realpath in internal/pypath.

// universalNewlines converts \r\n and \r to \n, as Python's text mode
// (open(..., encoding="utf-8")) does when reading.
func universalNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// readText reads a file the way importlib.metadata's read_text does: as
// UTF-8 text with universal newlines. ok is false when the file cannot be
// read (missing, a directory, not permitted), which importlib.metadata
// treats as absent. valid is false when the content is not UTF-8.
func readText(path string) (text string, ok, valid bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", false, false
	}
	if !utf8.Valid(data) {
		return "", true, false
	}
	return universalNewlines(string(data)), true, true
}

// purePath returns the string form of pathlib.PurePosixPath(p): repeated
// and trailing slashes and "." components removed, ".." kept, "." for an
// empty path, and a leading "//" (but not "///") preserved as POSIX allows.
func purePath(p string) string {
	root := ""
	switch {
	case strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "///"):
		root = "//"
	case strings.HasPrefix(p, "/"):
		root = "/"
	}
	var parts []string
	for _, part := range strings.Split(p, "/") {
		if part != "" && part != "." {
			parts = append(parts, part)
		}
	}
	s := root + strings.Join(parts, "/")
	if s == "" {
		return "."
	}
	return s
}

// pathJoin is str(pathlib.Path(a, b)): b replaces a when absolute.
func pathJoin(a, b string) string {
	if strings.HasPrefix(b, "/") {
		return purePath(b)
	}
	if a == "" {
		return purePath(b)
	}
	return purePath(a + "/" + b)
}

// pathParent is str(pathlib.Path(p).parent) for a purePath-normalised p.
func pathParent(p string) string {
	if p == "/" || p == "//" || p == "." {
		return p
	}
	i := strings.LastIndexByte(p, '/')
	switch {
	case i < 0:
		return "."
	case i == 0:
		return "/"
	case i == 1 && strings.HasPrefix(p, "//"):
		return "//"
	}
	return p[:i]
}

// osPathJoin is Python's os.path.join(a, b) on POSIX: no normalisation, b
// replaces a when absolute, a "/" added unless a already ends with one.
func osPathJoin(a, b string) string {
	if strings.HasPrefix(b, "/") || a == "" {
		return b
	}
	if strings.HasSuffix(a, "/") {
		return a + b
	}
	return a + "/" + b
}

// pyDedent is Python's textwrap.dedent.
func pyDedent(text string) string {
	lines := strings.SplitAfter(text, "\n")
	// Lines made only of blanks become empty (keeping their newline).
	for i, l := range lines {
		body := strings.TrimSuffix(l, "\n")
		if body != "" && strings.Trim(body, " \t") == "" {
			lines[i] = l[len(body):]
		}
	}
	margin, have := "", false
	for _, l := range lines {
		body := strings.TrimSuffix(l, "\n")
		indent := body[:len(body)-len(strings.TrimLeft(body, " \t"))]
		if indent == body {
			continue // blank line: no margin information
		}
		switch {
		case !have:
			margin, have = indent, true
		case strings.HasPrefix(indent, margin):
		case strings.HasPrefix(margin, indent):
			margin = indent
		default:
			n := 0
			for n < len(margin) && n < len(indent) && margin[n] == indent[n] {
				n++
			}
			margin = margin[:n]
		}
	}
	if margin != "" {
		for i, l := range lines {
			lines[i] = strings.TrimPrefix(l, margin)
		}
	}
	return strings.Join(lines, "")
}
