package pep440

import (
	"cmp"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gopip/gopip/internal/pystr"
)

// ErrInvalidVersion is wrapped by every error Parse returns, so callers can
// test for it with errors.Is.
var ErrInvalidVersion = errors.New("invalid version")

// Pre is the pre-release segment of a version: Kind is "a", "b" or "rc"
// (alpha, beta, release candidate, already normalised) and N its number.
type Pre struct {
	Kind string
	N    int
}

// Version is a parsed PEP 440 version. It is an immutable value: the zero
// Version is "0" with no segments set, copies are independent, and accessors
// return copies of any slice they expose.
type Version struct {
	epoch   int
	release []int
	pre     Pre // Kind == "" when absent
	post    int
	dev     int
	hasPost bool
	hasDev  bool
	local   []string
}

// Parse parses s as a PEP 440 version, accepting every spelling the
// specification normalises: any letter case, a leading "v", "-", "_" or "."
// between segments (or none), the alternative spellings alpha, beta, c, pre,
// preview, rev and r, implicit numbers ("1.0a" is "1.0a0"), the implicit post
// release "1.0-1", and surrounding white space (Python's \s, Unicode's
// spaces included, which packaging's pattern allows around a version).
//
// Numbers that do not fit in an int are rejected; packaging accepts them
// because Python integers are unbounded, but no real version needs them.
func Parse(s string) (Version, error) {
	v, ok := parse(pystr.Strip(s))
	if !ok {
		return Version{}, fmt.Errorf("%w %q", ErrInvalidVersion, s)
	}
	return v, nil
}

// MustParse is like Parse but panics on an invalid version. It is meant for
// constants in code and tests.
func MustParse(s string) Version {
	v, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

// scanner walks a version string the way packaging's VERSION_PATTERN regular
// expression does. Every optional part is tried greedily; for this grammar a
// greedy match succeeds whenever any match does, so no backtracking is
// needed.
type scanner struct {
	s   string
	pos int
}

func (sc *scanner) peek() byte {
	if sc.pos < len(sc.s) {
		return sc.s[sc.pos]
	}
	return 0
}

// sep consumes one optional '-', '_' or '.'.
func (sc *scanner) sep() bool {
	switch sc.peek() {
	case '-', '_', '.':
		sc.pos++
		return true
	}
	return false
}

// digits consumes a run of ASCII digits and returns them.
func (sc *scanner) digits() string {
	start := sc.pos
	for sc.pos < len(sc.s) && isDigit(sc.s[sc.pos]) {
		sc.pos++
	}
	return sc.s[start:sc.pos]
}

// number consumes a run of digits as an int. ok is false when there are no
// digits; overflow is reported separately.
func (sc *scanner) number() (n int, ok, overflow bool) {
	d := sc.digits()
	if d == "" {
		return 0, false, false
	}
	n, err := strconv.Atoi(d)
	if err != nil {
		return 0, true, true
	}
	return n, true, false
}

// word consumes the longest of words (case-insensitively) found at the
// current position and returns it in lower case, or "" if none matches.
func (sc *scanner) word(words ...string) string {
	best := ""
	for _, w := range words {
		if len(w) > len(best) && len(sc.s)-sc.pos >= len(w) && asciiEqualFold(sc.s[sc.pos:sc.pos+len(w)], w) {
			best = w
		}
	}
	sc.pos += len(best)
	return best
}

var preWords = []string{"a", "b", "c", "rc", "alpha", "beta", "pre", "preview"}

// parse parses an already trimmed version string.
func parse(s string) (Version, bool) {
	sc := &scanner{s: s}
	var v Version
	if c := sc.peek(); c == 'v' || c == 'V' {
		sc.pos++
	}

	// Epoch and release: digits, then either '!' (epoch) or the release.
	n, ok, of := sc.number()
	if !ok || of {
		return Version{}, false
	}
	if sc.peek() == '!' {
		sc.pos++
		v.epoch = n
		if n, ok, of = sc.number(); !ok || of {
			return Version{}, false
		}
	}
	v.release = append(v.release, n)
	for sc.peek() == '.' && sc.pos+1 < len(s) && isDigit(s[sc.pos+1]) {
		sc.pos++
		n, _, of := sc.number()
		if of {
			return Version{}, false
		}
		v.release = append(v.release, n)
	}

	// Pre-release: [-_.]? label [-_.]? digits?
	if save := sc.pos; true {
		sc.sep()
		if w := sc.word(preWords...); w != "" {
			sc.sep()
			n, _, of := sc.number()
			if of {
				return Version{}, false
			}
			v.pre = Pre{Kind: normalPre(w), N: n}
		} else {
			sc.pos = save
		}
	}

	// Post-release: "-" digits, or [-_.]? (post|rev|r) [-_.]? digits?
	if save := sc.pos; true {
		if sc.peek() == '-' && sc.pos+1 < len(s) && isDigit(s[sc.pos+1]) {
			sc.pos++
			n, _, of := sc.number()
			if of {
				return Version{}, false
			}
			v.post, v.hasPost = n, true
		} else {
			sc.sep()
			if w := sc.word("post", "rev", "r"); w != "" {
				sc.sep()
				n, _, of := sc.number()
				if of {
					return Version{}, false
				}
				v.post, v.hasPost = n, true
			} else {
				sc.pos = save
			}
		}
	}

	// Development release: [-_.]? dev [-_.]? digits?
	if save := sc.pos; true {
		sc.sep()
		if w := sc.word("dev"); w != "" {
			sc.sep()
			n, _, of := sc.number()
			if of {
				return Version{}, false
			}
			v.dev, v.hasDev = n, true
		} else {
			sc.pos = save
		}
	}

	// Local version: "+" [a-z0-9]+ ([-_.][a-z0-9]+)*
	if sc.peek() == '+' {
		sc.pos++
		for {
			start := sc.pos
			for sc.pos < len(s) && isAlnum(s[sc.pos]) {
				sc.pos++
			}
			if sc.pos == start {
				return Version{}, false
			}
			v.local = append(v.local, normalLocal(s[start:sc.pos]))
			if sc.pos == len(s) {
				break
			}
			if !sc.sep() {
				return Version{}, false
			}
		}
	}
	if sc.pos != len(s) {
		return Version{}, false
	}
	return v, true
}

func normalPre(w string) string {
	switch w {
	case "a", "alpha":
		return "a"
	case "b", "beta":
		return "b"
	default: // c, rc, pre, preview
		return "rc"
	}
}

// normalLocal lower-cases a local segment and strips leading zeros from a
// numeric one, as packaging does by converting it to an int.
func normalLocal(seg string) string {
	if isNumeric(seg) {
		seg = strings.TrimLeft(seg, "0")
		if seg == "" {
			seg = "0"
		}
		return seg
	}
	return strings.ToLower(seg)
}

// asciiEqualFold compares s with the lower-case ASCII word w, ignoring the
// case of ASCII letters only: PEP 440 spellings are ASCII, and the Unicode
// case folding of Python's re.IGNORECASE (ſ for s) is an accident.
func asciiEqualFold(s, w string) bool {
	for i := 0; i < len(w); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != w[i] {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlnum(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isNumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// String returns the canonical normalised form of v, the one packaging's
// str(Version(s)) prints: "1!2.0rc1.post3.dev4+ubuntu.1".
func (v Version) String() string {
	var b strings.Builder
	b.Grow(16)
	if v.epoch != 0 {
		b.WriteString(strconv.Itoa(v.epoch))
		b.WriteByte('!')
	}
	v.writeRelease(&b)
	if v.pre.Kind != "" {
		b.WriteString(v.pre.Kind)
		b.WriteString(strconv.Itoa(v.pre.N))
	}
	if v.hasPost {
		b.WriteString(".post")
		b.WriteString(strconv.Itoa(v.post))
	}
	if v.hasDev {
		b.WriteString(".dev")
		b.WriteString(strconv.Itoa(v.dev))
	}
	if len(v.local) > 0 {
		b.WriteByte('+')
		b.WriteString(strings.Join(v.local, "."))
	}
	return b.String()
}

func (v Version) writeRelease(b *strings.Builder) {
	if len(v.release) == 0 {
		b.WriteByte('0')
		return
	}
	for i, n := range v.release {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.Itoa(n))
	}
}

// MarshalText implements encoding.TextMarshaler with the canonical form.
func (v Version) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with Parse.
func (v *Version) UnmarshalText(text []byte) error {
	w, err := Parse(string(text))
	if err != nil {
		return err
	}
	*v = w
	return nil
}

// Epoch returns the epoch, 0 when the version has none.
func (v Version) Epoch() int { return v.epoch }

// Release returns a copy of the release segment: [1 2 0] for "1.2.0".
func (v Version) Release() []int {
	if len(v.release) == 0 {
		return []int{0}
	}
	return append([]int(nil), v.release...)
}

// Major returns the first release number, 0 if absent.
func (v Version) Major() int { return v.releaseAt(0) }

// Minor returns the second release number, 0 if absent.
func (v Version) Minor() int { return v.releaseAt(1) }

// Micro returns the third release number, 0 if absent.
func (v Version) Micro() int { return v.releaseAt(2) }

func (v Version) releaseAt(i int) int {
	if i < len(v.release) {
		return v.release[i]
	}
	return 0
}

// Pre returns the pre-release segment and whether there is one.
func (v Version) Pre() (Pre, bool) { return v.pre, v.pre.Kind != "" }

// Post returns the post-release number and whether there is one.
func (v Version) Post() (int, bool) { return v.post, v.hasPost }

// Dev returns the development release number and whether there is one.
func (v Version) Dev() (int, bool) { return v.dev, v.hasDev }

// Local returns the normalised local version label ("ubuntu.1" for
// "1.0+Ubuntu-01"), or "" when there is none.
func (v Version) Local() string { return strings.Join(v.local, ".") }

// LocalSegments returns a copy of the local label split into its
// normalised segments, nil when there is none.
func (v Version) LocalSegments() []string {
	if len(v.local) == 0 {
		return nil
	}
	return append([]string(nil), v.local...)
}

// IsPrerelease reports whether v is a pre-release or a development release
// (both count as pre-releases for specifier matching).
func (v Version) IsPrerelease() bool { return v.pre.Kind != "" || v.hasDev }

// IsPostrelease reports whether v has a post-release segment.
func (v Version) IsPostrelease() bool { return v.hasPost }

// IsDevrelease reports whether v has a development release segment.
func (v Version) IsDevrelease() bool { return v.hasDev }

// Public returns v without its local label.
func (v Version) Public() Version {
	v.local = nil
	return v
}

// BaseVersion returns the epoch and release segment of v only: 1!2.0 for
// "1!2.0rc1.post2+abc".
func (v Version) BaseVersion() Version {
	return Version{epoch: v.epoch, release: v.release}
}

// Equal reports whether v and w are the same version under PEP 440
// ordering: trailing zeros do not matter, so 1.0 equals 1.0.0.
func (v Version) Equal(w Version) bool { return Compare(v, w) == 0 }

// Compare orders two versions as PEP 440 does and returns -1, 0 or +1.
// Within a release, development releases sort before pre-releases, which
// sort before the final release, which sorts before post-releases; a local
// label sorts after the same public version, and trailing zeros in the
// release segment are ignored. Compare fits slices.SortFunc.
func Compare(a, b Version) int {
	if c := cmp.Compare(a.epoch, b.epoch); c != 0 {
		return c
	}
	if c := compareRelease(a.release, b.release); c != 0 {
		return c
	}
	if c := cmp.Compare(a.preKey(), b.preKey()); c != 0 {
		return c
	}
	if a.pre.Kind != "" && b.pre.Kind != "" {
		if c := cmp.Compare(a.pre.N, b.pre.N); c != 0 {
			return c
		}
	}
	// An absent post segment sorts before any post number.
	if c := cmpOpt(a.hasPost, a.post, b.hasPost, b.post, -1); c != 0 {
		return c
	}
	// An absent dev segment sorts after any dev number.
	if c := cmpOpt(a.hasDev, a.dev, b.hasDev, b.dev, +1); c != 0 {
		return c
	}
	return compareLocal(a.local, b.local)
}

// preKey ranks the pre-release segment: a dev-only release (no pre, no
// post) sorts before every pre-release, a final release after them all.
func (v Version) preKey() int {
	switch v.pre.Kind {
	case "a":
		return 1
	case "b":
		return 2
	case "rc":
		return 3
	}
	if !v.hasPost && v.hasDev {
		return 0
	}
	return 4
}

// cmpOpt compares two optional numbers; absent is the result of comparing
// an absent number with a present one.
func cmpOpt(aok bool, a int, bok bool, b int, absent int) int {
	switch {
	case aok && bok:
		return cmp.Compare(a, b)
	case aok:
		return -absent
	case bok:
		return absent
	}
	return 0
}

func compareRelease(a, b []int) int {
	n := max(len(a), len(b))
	for i := range n {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if c := cmp.Compare(x, y); c != 0 {
			return c
		}
	}
	return 0
}

// compareLocal orders local labels: no label sorts first; segment by
// segment, alphanumeric segments sort before numeric ones, numeric ones
// compare as numbers and others as strings; a prefix sorts first.
func compareLocal(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		xn, yn := isNumeric(x), isNumeric(y)
		switch {
		case xn && yn:
			// Leading zeros are stripped, so length orders numbers.
			if c := cmp.Compare(len(x), len(y)); c != 0 {
				return c
			}
			if c := strings.Compare(x, y); c != 0 {
				return c
			}
		case xn:
			return 1
		case yn:
			return -1
		default:
			if c := strings.Compare(x, y); c != 0 {
				return c
			}
		}
	}
	return cmp.Compare(len(a), len(b))
}
