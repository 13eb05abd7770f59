package tags

import (
	"fmt"
	"strings"
	"unicode"
)

// Tag is one PEP 425 compatibility tag: the Python interpreter, the ABI
// and the platform a wheel needs. Tags built by this package are always
// lower case, as packaging's Tag lower-cases its parts, so that two Tags
// compare equal with == exactly when packaging would call them equal.
type Tag struct {
	Interpreter string // "cp311", "py3", "pp310"
	ABI         string // "cp311", "abi3", "none"
	Platform    string // "manylinux_2_17_x86_64", "win_amd64", "any"
}

// String returns the tag in its file-name form, "cp311-cp311-linux_x86_64".
func (t Tag) String() string {
	return t.Interpreter + "-" + t.ABI + "-" + t.Platform
}

// lower returns t with every part lower-cased.
func (t Tag) lower() Tag {
	return Tag{strings.ToLower(t.Interpreter), strings.ToLower(t.ABI), strings.ToLower(t.Platform)}
}

// MaxTagSet is the largest number of tags ParseTagSet expands one
// compressed tag set into. Real wheels carry a handful; the limit keeps a
// hostile file name on an index page (where names can be long) from
// costing more than a few kilobytes. packaging 26.3 added the same kind
// of guard as an opt-in "limit" argument.
const MaxTagSet = 1024

// TagError reports a tag or compressed tag set that cannot be parsed.
type TagError struct {
	Tag    string // the text that was parsed
	Reason string // what is wrong with it
}

// Error returns "invalid tag <tag>: <reason>".
func (e *TagError) Error() string {
	return fmt.Sprintf("invalid tag %q: %s", e.Tag, e.Reason)
}

// ParseTag parses a single tag such as "cp311-abi3-manylinux_2_17_x86_64".
// It is an error for any part to be a compressed set ("py2.py3"); use
// ParseTagSet for those.
func ParseTag(s string) (Tag, error) {
	tags, err := ParseTagSet(s)
	if err != nil {
		return Tag{}, err
	}
	if len(tags) != 1 || strings.Contains(s, ".") {
		return Tag{}, &TagError{Tag: s, Reason: "a single tag cannot be a compressed tag set (a part contains '.')"}
	}
	return tags[0], nil
}

// ParseTagSet parses a tag that may be a compressed tag set (PEP 425): each
// of its three dash-separated parts may list several values separated by
// dots, and the set is every combination. "py2.py3-none-any" gives
// py2-none-any and py3-none-any;
// "cp311-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64" gives two tags.
//
// Tags come back lower-cased and without duplicates, in the order
// interpreter, then ABI, then platform vary (the outer loop is the
// interpreter). packaging returns a set; the order here is only for
// reproducible output.
//
// As packaging 26.3 does, every part must be non-empty and each
// interpreter must be an identifier (letters, digits and '_', not
// starting with a digit); older packaging accepted such tags, but no
// interpreter's supported tags could ever match them.
func ParseTagSet(s string) ([]Tag, error) {
	parts := strings.Split(s, "-")
	if len(parts) != 3 {
		return nil, &TagError{Tag: s, Reason: fmt.Sprintf("want 3 dash-separated parts (interpreter-abi-platform), have %d", len(parts))}
	}
	var fields [3][]string
	n := 1
	for i, p := range parts {
		fields[i] = strings.Split(strings.ToLower(p), ".")
		for _, v := range fields[i] {
			if v == "" {
				return nil, &TagError{Tag: s, Reason: fmt.Sprintf("empty component in %q", p)}
			}
		}
		n *= len(fields[i])
		if n > MaxTagSet {
			return nil, &TagError{Tag: s, Reason: fmt.Sprintf("compressed tag set expands to more than %d tags", MaxTagSet)}
		}
	}
	for _, interp := range fields[0] {
		if !isIdentifier(interp) {
			return nil, &TagError{Tag: s, Reason: fmt.Sprintf("interpreter %q is not an identifier", interp)}
		}
	}
	out := make([]Tag, 0, n)
	seen := make(map[Tag]bool, n)
	for _, i := range fields[0] {
		for _, a := range fields[1] {
			for _, p := range fields[2] {
				t := Tag{i, a, p}
				if !seen[t] {
					seen[t] = true
					out = append(out, t)
				}
			}
		}
	}
	return out, nil
}

// isIdentifier approximates Python's str.isidentifier.
func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || unicode.IsLetter(r):
		case i > 0 && unicode.IsDigit(r):
		default:
			return false
		}
	}
	return true
}
