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
// "identifier" in the core metadata specification).
func ValidName(name string) bool {
	return nameRE.MatchString(name)
}

// NormalizeName returns the PEP 503 normalised form of a distribution name:
// lower case, with every run of '-', '_' and '.' replaced by a single '-'.
// Two names refer to the same project exactly when their normalised forms
// are equal.
func NormalizeName(name string) string {
	return separatorRE.ReplaceAllString(strings.ToLower(name), "-")
}
