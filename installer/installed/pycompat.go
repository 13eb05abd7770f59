package installed

import (
	"os"
	"strings"
	"unicode/utf8"

	"github.com/gopip/gopip/internal/pystr"
)

// The helpers in this file reproduce the few Python text and path
// functions whose exact behaviour shows in pip's output and that only this
// package needs: reading text files as importlib.metadata does and
// pathlib's path normalisation. Python's str semantics shared with other
// packages are in internal/pystr (universal newlines among them), its
// os.path.realpath and os.path.join in internal/pypath, and the reading of
// METADATA in internal/coremeta.

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
	return pystr.UniversalNewlines(string(data)), true, true
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
