package pypath

import "strings"

// Join is Python's os.path.join on POSIX: each element is added after a
// "/" (unless the path so far is empty or already ends with one), and an
// absolute element replaces everything before it. Unlike filepath.Join
// nothing is cleaned: "a//b", "./x" and ".." stay as written, as pip
// prints and compares them.
func Join(a string, rest ...string) string {
	path := a
	for _, b := range rest {
		switch {
		case strings.HasPrefix(b, "/"):
			path = b
		case path == "" || strings.HasSuffix(path, "/"):
			path += b
		default:
			path += "/" + b
		}
	}
	return path
}
