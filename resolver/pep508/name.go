package pep508

import (
	"regexp"
	"strings"
)

var (
	nameRE      = regexp.MustCompile(`^(?i:[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`)
	separatorRE = regexp.MustCompile(`[-_.]+`)
)

// ValidName reports whether name is a valid distribution name (PEP 508,
// "identifier" in the core metadata specification): ASCII letters and
// digits, with '-', '_' and '.' allowed between them.
func ValidName(name string) bool {
	return nameRE.MatchString(name)
}

// NormalizeName returns the PEP 503 normalised form of a distribution name:
// lower case, with every run of '-', '_' and '.' replaced by a single '-'.
// Two names refer to the same project exactly when their normalised forms
// are equal. PEP 685 applies the same rule to extra names.
func NormalizeName(name string) string {
	// Fast path for ASCII, which every valid name is; it avoids the
	// regular expression on the resolver's hot path.
	normal := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 0x80:
			return separatorRE.ReplaceAllString(strings.ToLower(name), "-")
		case 'A' <= c && c <= 'Z', c == '_', c == '.',
			c == '-' && i+1 < len(name) && isSeparator(name[i+1]):
			normal = false
		}
	}
	if normal {
		return name
	}
	b := make([]byte, 0, len(name))
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case isSeparator(c):
			if i == 0 || !isSeparator(name[i-1]) {
				b = append(b, '-')
			}
		case 'A' <= c && c <= 'Z':
			b = append(b, c+'a'-'A')
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

func isSeparator(c byte) bool { return c == '-' || c == '_' || c == '.' }
