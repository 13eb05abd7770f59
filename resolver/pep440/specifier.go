package pep440

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gopip/gopip/internal/pystr"
)

// ErrInvalidSpecifier is wrapped by every error ParseSpecifier and
// ParseSpecifierSet return.
var ErrInvalidSpecifier = errors.New("invalid specifier")

// SpecifierError is the error ParseSpecifier returns: the clause and why it
// is invalid. It wraps ErrInvalidSpecifier.
type SpecifierError struct {
	Input  string // the clause as given
	Reason string // what is wrong, such as "missing version after >="
}

// Error returns `invalid specifier "<input>": <reason>`.
func (e *SpecifierError) Error() string {
	return fmt.Sprintf("%v %q: %s", ErrInvalidSpecifier, e.Input, e.Reason)
}

// Unwrap returns ErrInvalidSpecifier.
func (e *SpecifierError) Unwrap() error { return ErrInvalidSpecifier }

// Specifier is one version clause such as ">=1.0", "==1.2.*" or "~=2.2".
// It is an immutable value; the zero Specifier is not valid.
type Specifier struct {
	op       string  // one of the operators listed on ParseSpecifier
	text     string  // the version as written, whitespace removed
	v        Version // the parsed version (the prefix for a wildcard)
	parsed   bool    // v holds a version; false only for "===" with a non-PEP 440 string
	wildcard bool    // "==V.*" or "!=V.*"
}

// operators in the order they must be tried: longest first.
var operators = []string{"===", "~=", "==", "!=", "<=", ">=", "<", ">"}

// ParseSpecifier parses one version clause. The operators are "~="
// (compatible release), "==" and "!=" (with an optional ".*" prefix-match
// suffix after a release segment, or a local label), "<=", ">=", "<", ">"
// and "===" (arbitrary string equality, which accepts any text without
// whitespace, ';' or ')'). Whitespace around the operator and the version
// is ignored. "~=" needs at least two release segments; local labels and
// ".*" are only allowed with "==" and "!=".
func ParseSpecifier(s string) (Specifier, error) {
	sp, reason := parseSpecifier(s)
	if reason != "" {
		return Specifier{}, &SpecifierError{Input: s, Reason: reason}
	}
	return sp, nil
}

// MustParseSpecifier is like ParseSpecifier but panics on error.
func MustParseSpecifier(s string) Specifier {
	sp, err := ParseSpecifier(s)
	if err != nil {
		panic(err)
	}
	return sp
}

// parseSpecifier returns the specifier or the reason it is invalid.
func parseSpecifier(s string) (Specifier, string) {
	t := pystr.Strip(s)
	op := ""
	for _, o := range operators {
		if strings.HasPrefix(t, o) {
			op = o
			break
		}
	}
	if op == "" {
		return Specifier{}, "expected an operator (~=, ==, !=, <=, >=, <, >, ===) before the version"
	}
	text := pystr.Strip(t[len(op):])
	sp := Specifier{op: op, text: text}

	if op == "===" {
		for _, r := range text {
			if pystr.IsSpace(r) || r == ';' || r == ')' {
				return Specifier{}, "=== takes a version without whitespace, ';' or ')'"
			}
		}
		sp.v, sp.parsed = parse(text)
		return sp, ""
	}
	if text == "" {
		return Specifier{}, "missing version after " + op
	}

	if vtext, ok := strings.CutSuffix(text, ".*"); ok {
		if op != "==" && op != "!=" {
			return Specifier{}, ".* suffix can only be used with == or != operators"
		}
		v, ok := parse(vtext)
		if !ok {
			return Specifier{}, fmt.Sprintf("invalid version %q", vtext)
		}
		if v.pre.Kind != "" || v.hasPost || v.hasDev || len(v.local) > 0 {
			return Specifier{}, ".* suffix cannot be used after a pre-release, post-release, development release or local version label"
		}
		sp.v, sp.parsed, sp.wildcard = v, true, true
		return sp, ""
	}

	v, ok := parse(text)
	if !ok {
		return Specifier{}, fmt.Sprintf("invalid version %q", text)
	}
	if len(v.local) > 0 && op != "==" && op != "!=" {
		return Specifier{}, "local version label can only be used with == or != operators"
	}
	if op == "~=" && len(v.release) < 2 {
		return Specifier{}, "~= needs a version with at least two release segments, like ~=1.0"
	}
	sp.v, sp.parsed = v, true
	return sp, ""
}

// Operator returns the clause's operator, such as ">=".
func (s Specifier) Operator() string { return s.op }

// Version returns the version text of the clause as written (without
// surrounding whitespace), including any ".*" suffix. For "===" it may not
// be a PEP 440 version.
func (s Specifier) Version() string { return s.text }

// ParsedVersion returns the clause's version (without a ".*" suffix) and
// whether it is a PEP 440 version; only "===" clauses can have one that is
// not.
func (s Specifier) ParsedVersion() (Version, bool) { return s.v, s.parsed }

// IsWildcard reports whether the clause is a prefix match, "==V.*" or
// "!=V.*".
func (s Specifier) IsWildcard() bool { return s.wildcard }

// String returns the clause the way packaging prints it: the operator
// followed directly by the version as written, ">=1.0" for ">= 1.0".
func (s Specifier) String() string { return s.op + s.text }

// AllowsPrereleases reports whether the clause itself names a pre-release
// and so admits pre-releases (packaging's Specifier.prereleases): every
// operator but "!=" does when its version is a pre-release or development
// release; a ".*" prefix never is one.
func (s Specifier) AllowsPrereleases() bool {
	if s.op == "!=" || s.wildcard || !s.parsed {
		return false
	}
	return s.v.IsPrerelease()
}

// Contains reports whether v satisfies the clause. A pre-release v is only
// accepted when prereleases is true or the clause allows pre-releases (see
// AllowsPrereleases). For "===", v's canonical string is compared; use
// ContainsRaw to compare the string as published.
func (s Specifier) Contains(v Version, prereleases bool) bool {
	if v.IsPrerelease() && !prereleases && !s.AllowsPrereleases() {
		return false
	}
	return s.match(v)
}

// ContainsRaw is Contains for a version string as published. An "==="
// clause compares it case-insensitively as a string, so it can match a
// version that is not PEP 440; every other clause parses it first and
// never matches a string that is not a valid version.
func (s Specifier) ContainsRaw(raw string, prereleases bool) bool {
	v, ok := parse(pystr.Strip(raw))
	if s.op == "===" {
		if ok && v.IsPrerelease() && !prereleases && !s.AllowsPrereleases() {
			return false
		}
		return s.matchArbitrary(raw)
	}
	return ok && s.Contains(v, prereleases)
}

func (s Specifier) matchArbitrary(raw string) bool {
	return strings.ToLower(raw) == strings.ToLower(s.text)
}

// match applies the operator, ignoring the pre-release policy.
func (s Specifier) match(v Version) bool {
	switch s.op {
	case "===":
		return s.matchArbitrary(v.String())
	case "==":
		return s.equal(v)
	case "!=":
		return !s.equal(v)
	case "<=":
		return Compare(v.Public(), s.v) <= 0
	case ">=":
		return Compare(v.Public(), s.v) >= 0
	case "<":
		if Compare(v, s.v) >= 0 {
			return false
		}
		// <3.1 must not match 3.1.dev0 or 3.1a1, unless the clause is
		// itself a pre-release; 3.0.dev0 is fine.
		return s.v.IsPrerelease() || !v.IsPrerelease() || !sameBase(v, s.v)
	case ">":
		if Compare(v, s.v) <= 0 {
			return false
		}
		// >3.1 must not match 3.1.post1 unless the clause is itself a
		// post-release, nor 3.1+local.
		if !s.v.IsPostrelease() && v.IsPostrelease() && sameBase(v, s.v) {
			return false
		}
		return len(v.local) == 0 || !sameBase(v, s.v)
	case "~=":
		// ~=2.2.1 is >=2.2.1 and ==2.2.*: the prefix is the release
		// segment without its last number, whatever suffix follows.
		return Compare(v.Public(), s.v) >= 0 && prefixMatch(v, s.v.epoch, s.v.release[:len(s.v.release)-1])
	}
	return false
}

func (s Specifier) equal(v Version) bool {
	if s.wildcard {
		return prefixMatch(v, s.v.epoch, s.v.release)
	}
	if len(s.v.local) == 0 {
		v = v.Public()
	}
	return Compare(v, s.v) == 0
}

// prefixMatch reports whether v has the given epoch and its release
// segment, padded with zeros, starts with prefix.
func prefixMatch(v Version, epoch int, prefix []int) bool {
	if v.epoch != epoch {
		return false
	}
	for i, n := range prefix {
		if v.releaseAt(i) != n {
			return false
		}
	}
	return true
}

// sameBase reports whether a and b have equal epoch and release segments.
func sameBase(a, b Version) bool {
	return a.epoch == b.epoch && compareRelease(a.release, b.release) == 0
}

// canonicalKey identifies clauses that mean the same thing, the way
// packaging's Specifier equality does: versions compare without trailing
// zeros (except for ~=, where they matter), "===" and ".*" clauses by text.
func (s Specifier) canonicalKey() string {
	if s.op == "===" || s.wildcard {
		return s.op + s.text
	}
	v := s.v
	if s.op != "~=" {
		r := v.release
		for len(r) > 1 && r[len(r)-1] == 0 {
			r = r[:len(r)-1]
		}
		v.release = r
	}
	return s.op + v.String()
}

// SpecifierSet is a comma-separated list of clauses that must all hold,
// such as ">=1.0,!=1.3.*,<2". The zero SpecifierSet is the empty set, which
// every version satisfies.
type SpecifierSet struct {
	specs []Specifier
}

// ParseSpecifierSet parses a comma-separated list of clauses. Empty items
// and surrounding whitespace are ignored, so "" is the empty set.
func ParseSpecifierSet(s string) (SpecifierSet, error) {
	var set SpecifierSet
	for item := range strings.SplitSeq(s, ",") {
		item = pystr.Strip(item)
		if item == "" {
			continue
		}
		sp, err := ParseSpecifier(item)
		if err != nil {
			return SpecifierSet{}, fmt.Errorf("invalid specifier set %q: %w", s, err)
		}
		set.specs = append(set.specs, sp)
	}
	return set, nil
}

// MustParseSpecifierSet is like ParseSpecifierSet but panics on error.
func MustParseSpecifierSet(s string) SpecifierSet {
	set, err := ParseSpecifierSet(s)
	if err != nil {
		panic(err)
	}
	return set
}

// NewSpecifierSet returns the set of the given clauses.
func NewSpecifierSet(specs ...Specifier) SpecifierSet {
	return SpecifierSet{specs: slices.Clone(specs)}
}

// Specifiers returns a copy of the set's clauses in the order they were
// given.
func (ss SpecifierSet) Specifiers() []Specifier { return slices.Clone(ss.specs) }

// Len returns the number of clauses.
func (ss SpecifierSet) Len() int { return len(ss.specs) }

// IsEmpty reports whether the set has no clauses.
func (ss SpecifierSet) IsEmpty() bool { return len(ss.specs) == 0 }

// Intersect returns the set of the clauses of both sets: a version
// satisfies it when it satisfies ss and t.
func (ss SpecifierSet) Intersect(t SpecifierSet) SpecifierSet {
	return SpecifierSet{specs: slices.Concat(ss.specs, t.specs)}
}

// String returns the set the way packaging prints it: the clauses sorted
// as strings, duplicates (clauses that mean the same) dropped, joined by
// commas without spaces.
func (ss SpecifierSet) String() string {
	strs := make([]string, len(ss.specs))
	idx := make([]int, len(ss.specs))
	for i, sp := range ss.specs {
		strs[i] = sp.String()
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return strings.Compare(strs[a], strs[b]) })
	var b strings.Builder
	seen := make(map[string]bool, len(ss.specs))
	for _, i := range idx {
		k := ss.specs[i].canonicalKey()
		if seen[k] {
			continue
		}
		seen[k] = true
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strs[i])
	}
	return b.String()
}

// Equal reports whether ss and t have the same clauses, ignoring order and
// clauses that mean the same ("==1.0" and "==1.0.0").
func (ss SpecifierSet) Equal(t SpecifierSet) bool {
	keys := func(s SpecifierSet) []string {
		k := make([]string, len(s.specs))
		for i, sp := range s.specs {
			k[i] = sp.canonicalKey()
		}
		slices.Sort(k)
		return slices.Compact(k)
	}
	return slices.Equal(keys(ss), keys(t))
}

// AllowsPrereleases reports whether any clause names a pre-release, which
// lets the whole set accept pre-releases (packaging's
// SpecifierSet.prereleases). The empty set allows none.
func (ss SpecifierSet) AllowsPrereleases() bool {
	for _, sp := range ss.specs {
		if sp.AllowsPrereleases() {
			return true
		}
	}
	return false
}

// Contains reports whether v satisfies every clause. A pre-release is
// accepted only when prereleases is true or the set allows pre-releases;
// the empty set accepts every final release.
func (ss SpecifierSet) Contains(v Version, prereleases bool) bool {
	if v.IsPrerelease() && !prereleases && !ss.AllowsPrereleases() {
		return false
	}
	for _, sp := range ss.specs {
		if !sp.match(v) {
			return false
		}
	}
	return true
}

// ContainsRaw is Contains for a version string as published: "===" clauses
// compare it as a string, so a set made only of "===" clauses can match a
// string that is not a PEP 440 version. Any other clause, and the empty
// set, reject such a string.
func (ss SpecifierSet) ContainsRaw(raw string, prereleases bool) bool {
	v, ok := parse(pystr.Strip(raw))
	if ok && v.IsPrerelease() && !prereleases && !ss.AllowsPrereleases() {
		return false
	}
	if !ok && len(ss.specs) == 0 {
		return false
	}
	for _, sp := range ss.specs {
		if sp.op == "===" {
			if !sp.matchArbitrary(raw) {
				return false
			}
		} else if !ok || !sp.match(v) {
			return false
		}
	}
	return true
}

// Filter returns, in their original order, the versions that satisfy the
// set, following PEP 440's rule for pre-releases: they are included when
// prereleases is true or the set allows them, and otherwise only when no
// final release matches.
func (ss SpecifierSet) Filter(versions []Version, prereleases bool) []Version {
	allow := prereleases || ss.AllowsPrereleases()
	var finals, pres []Version
	for _, v := range versions {
		if !ss.Contains(v, true) {
			continue
		}
		if v.IsPrerelease() && !allow {
			pres = append(pres, v)
		} else {
			finals = append(finals, v)
		}
	}
	if len(finals) == 0 {
		return pres
	}
	return finals
}
