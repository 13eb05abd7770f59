package installed

import (
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// The helpers in this file reproduce the few Python string and path
// functions whose exact behaviour shows in pip's output: str.splitlines,
// str.strip, pathlib's path normalisation and os.path.realpath.

// pySplitLines is Python's str.splitlines(): it breaks at \n, \r, \r\n and
// the other Unicode line boundaries, and drops the line ends.
func pySplitLines(s string) []string {
	var lines []string
	start := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		n := 0
		switch r {
		case '\n', '\x0b', '\x0c', '\x1c', '\x1d', '\x1e', '\u0085', '\u2028', '\u2029':
			n = size
		case '\r':
			n = 1
			if i+1 < len(s) && s[i+1] == '\n' {
				n = 2
			}
		}
		if n == 0 {
			i += size
			continue
		}
		lines = append(lines, s[start:i])
		i += n
		start = i
	}
	if start < len(s) {
		lines = append(lines, s[start:])
	}
	return lines
}

// isPySpace reports whether Python's str.isspace() holds for r.
func isPySpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\x0b', '\x0c', '\r', '\x1c', '\x1d', '\x1e', '\x1f',
		'\u0085', '\u00a0', '\u1680', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000':
		return true
	}
	return '\u2000' <= r && r <= '\u200a'
}

// pyStrip is Python's str.strip() without arguments.
func pyStrip(s string) string { return strings.TrimFunc(s, isPySpace) }

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

// realPath is os.path.realpath: an absolute path with every symbolic link
// resolved, tolerating components that do not exist.
func realPath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		return r
	}
	// Resolve the longest existing prefix and keep the rest as written.
	dir, rest := abs, ""
	for {
		parent := filepath.Dir(dir)
		if parent == dir {
			return abs
		}
		rest = filepath.Join(filepath.Base(dir), rest)
		dir = parent
		if r, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(r, rest)
		}
	}
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
