package installed

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/gopip/gopip/resolver/pep440"
)

// EvalMarker evaluates a PEP 508 environment marker the way packaging 21.3
// (the version pip 23.2 vendors) does: each comparison is first tried as a
// PEP 440 version specifier ("python_version < '3.8'" is
// Specifier("<3.8").contains(python_version)); when the right-hand side is
// not a valid specifier, it falls back to Python string comparison. Extra
// names are compared as written (later packaging versions normalise them).
// env holds the marker variables; missing ones are an error.
func EvalMarker(marker string, env map[string]string) (bool, error) {
	p := &markerParser{s: marker}
	expr, err := p.parseExpr()
	if err != nil {
		return false, err
	}
	p.skipSpace()
	if p.pos != len(p.s) {
		return false, fmt.Errorf("invalid marker %q: unexpected text at %d", marker, p.pos)
	}
	return evalGroup(expr, env)
}

// A parsed marker is a flat list of items and "and"/"or" words, with
// parenthesised sub-expressions as nested lists, as packaging keeps it.
type markerItem struct {
	sub                 []markerItem // parenthesised group
	boolOp              string       // "and" or "or"
	lhs, op, rhs        string
	lhsIsVar, rhsIsVar  bool
	isCompare, isNested bool
}

type markerParser struct {
	s   string
	pos int
}

// Variables in the order packaging's grammar tries them, and their aliases.
var markerVars = []string{
	"implementation_version", "platform_python_implementation", "implementation_name",
	"python_full_version", "platform_release", "platform_version", "platform_machine",
	"platform_system", "python_version", "sys_platform", "os_name", "os.name",
	"sys.platform", "platform.version", "platform.machine",
	"platform.python_implementation", "python_implementation", "extra",
}

var markerAliases = map[string]string{
	"os.name":                        "os_name",
	"sys.platform":                   "sys_platform",
	"platform.version":               "platform_version",
	"platform.machine":               "platform_machine",
	"platform.python_implementation": "platform_python_implementation",
	"python_implementation":          "platform_python_implementation",
}

var markerOps = []string{"===", "==", ">=", "<=", "!=", "~=", ">", "<", "not in", "in"}

func (p *markerParser) skipSpace() {
	for p.pos < len(p.s) && strings.IndexByte(" \t\n\r", p.s[p.pos]) >= 0 {
		p.pos++
	}
}

func (p *markerParser) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid marker %q: %s at %d", p.s, fmt.Sprintf(format, args...), p.pos)
}

func (p *markerParser) parseExpr() ([]markerItem, error) {
	var items []markerItem
	for {
		atom, err := p.parseAtom()
		if err != nil {
			return nil, err
		}
		items = append(items, atom)
		p.skipSpace()
		rest := p.s[p.pos:]
		switch {
		case strings.HasPrefix(rest, "and"):
			p.pos += 3
			items = append(items, markerItem{boolOp: "and"})
		case strings.HasPrefix(rest, "or"):
			p.pos += 2
			items = append(items, markerItem{boolOp: "or"})
		default:
			return items, nil
		}
	}
}

func (p *markerParser) parseAtom() (markerItem, error) {
	p.skipSpace()
	if p.pos < len(p.s) && p.s[p.pos] == '(' {
		p.pos++
		sub, err := p.parseExpr()
		if err != nil {
			return markerItem{}, err
		}
		p.skipSpace()
		if p.pos >= len(p.s) || p.s[p.pos] != ')' {
			return markerItem{}, p.errorf("expected ')'")
		}
		p.pos++
		return markerItem{sub: sub, isNested: true}, nil
	}
	lhs, lhsVar, err := p.parseValue()
	if err != nil {
		return markerItem{}, err
	}
	p.skipSpace()
	op := ""
	for _, o := range markerOps {
		if strings.HasPrefix(p.s[p.pos:], o) {
			op = o
			break
		}
	}
	if op == "" {
		return markerItem{}, p.errorf("expected a comparison operator")
	}
	p.pos += len(op)
	rhs, rhsVar, err := p.parseValue()
	if err != nil {
		return markerItem{}, err
	}
	return markerItem{lhs: lhs, op: op, rhs: rhs, lhsIsVar: lhsVar, rhsIsVar: rhsVar, isCompare: true}, nil
}

func (p *markerParser) parseValue() (string, bool, error) {
	p.skipSpace()
	rest := p.s[p.pos:]
	for _, v := range markerVars {
		if strings.HasPrefix(rest, v) {
			p.pos += len(v)
			if a, ok := markerAliases[v]; ok {
				v = a
			}
			return v, true, nil
		}
	}
	if rest != "" && (rest[0] == '\'' || rest[0] == '"') {
		end := strings.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return "", false, p.errorf("unterminated string")
		}
		p.pos += end + 2
		return rest[1 : end+1], false, nil
	}
	return "", false, p.errorf("expected a marker variable or a quoted string")
}

func evalGroup(items []markerItem, env map[string]string) (bool, error) {
	groups := [][]bool{{}}
	for _, it := range items {
		switch {
		case it.isNested:
			v, err := evalGroup(it.sub, env)
			if err != nil {
				return false, err
			}
			groups[len(groups)-1] = append(groups[len(groups)-1], v)
		case it.isCompare:
			var lhs, rhs string
			if it.lhsIsVar {
				v, ok := env[it.lhs]
				if !ok {
					return false, fmt.Errorf("%q does not exist in evaluation environment", it.lhs)
				}
				lhs, rhs = v, it.rhs
			} else {
				v, ok := env[it.rhs]
				if !ok || !it.rhsIsVar {
					return false, fmt.Errorf("%q does not exist in evaluation environment", it.rhs)
				}
				lhs, rhs = it.lhs, v
			}
			v, err := evalOp(lhs, it.op, rhs)
			if err != nil {
				return false, err
			}
			groups[len(groups)-1] = append(groups[len(groups)-1], v)
		case it.boolOp == "or":
			groups = append(groups, nil)
		}
	}
	for _, g := range groups {
		all := true
		for _, v := range g {
			all = all && v
		}
		if all {
			return true, nil
		}
	}
	return false, nil
}

// evalOp is packaging 21.3's _eval_op.
func evalOp(lhs, op, rhs string) (bool, error) {
	if spec, ok := parseSpecifier(op, rhs); ok {
		return spec.contains(lhs), nil
	}
	switch op {
	case "in":
		return strings.Contains(rhs, lhs), nil
	case "not in":
		return !strings.Contains(rhs, lhs), nil
	case "<":
		return lhs < rhs, nil
	case "<=":
		return lhs <= rhs, nil
	case "==":
		return lhs == rhs, nil
	case "!=":
		return lhs != rhs, nil
	case ">=":
		return lhs >= rhs, nil
	case ">":
		return lhs > rhs, nil
	}
	return false, fmt.Errorf("undefined %s on %q and %q", op, lhs, rhs)
}

// Specifier version patterns of packaging 21.3, per operator.
const (
	specRelease = `v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*`
	specPre     = `(?:[-_\.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_\.]?[0-9]*)?`
	specPost    = `(?:(?:-[0-9]+)|(?:[-_\.]?(?:post|rev|r)[-_\.]?[0-9]*))?`
	specDev     = `(?:[-_\.]?dev[-_\.]?[0-9]*)?`
	specLocal   = `(?:\+[a-z0-9]+(?:[-_\.][a-z0-9]+)*)?`
)

var (
	specEqualRE  = regexp.MustCompile(`(?i)^\s*(` + specRelease + `(?:\.\*|` + specPre + specPost + specDev + specLocal + `)?)\s*$`)
	specCompatRE = regexp.MustCompile(`(?i)^\s*(v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)+` + specPre + specPost + specDev + `)\s*$`)
	specOrderRE  = regexp.MustCompile(`(?i)^\s*(` + specRelease + specPre + specPost + specDev + `)\s*$`)
	specArbRE    = regexp.MustCompile(`^\s*(\S*)\s*$`)
)

type specifier struct {
	op, version string
}

// parseSpecifier is packaging 21.3's Specifier(op + version) validity
// check.
func parseSpecifier(op, version string) (specifier, bool) {
	var re *regexp.Regexp
	switch op {
	case "==", "!=":
		re = specEqualRE
	case "~=":
		re = specCompatRE
	case "<", ">", "<=", ">=":
		re = specOrderRE
	case "===":
		re = specArbRE
	default:
		return specifier{}, false
	}
	m := re.FindStringSubmatch(version)
	if m == nil {
		return specifier{}, false
	}
	return specifier{op: op, version: strings.TrimSpace(m[1])}, true
}

func (s specifier) prereleases() bool {
	switch s.op {
	case "==", ">=", "<=", "~=", "===":
		v := s.version
		if s.op == "==" {
			v = strings.TrimSuffix(v, ".*")
		}
		pv, err := pep440.Parse(v)
		return err == nil && pv.IsPrerelease()
	}
	return false
}

// contains is Specifier.contains(item) with prereleases left to the
// specifier.
func (s specifier) contains(item string) bool {
	v, err := pep440.Parse(item)
	legacy := err != nil
	if !legacy && v.IsPrerelease() && !s.prereleases() {
		return false
	}
	if s.op == "===" {
		str := item
		if !legacy {
			str = v.String()
		}
		return strings.EqualFold(str, s.version)
	}
	if legacy {
		return false // _require_version_compare
	}
	return s.compare(v)
}

func (s specifier) compare(v pep440.Version) bool {
	switch s.op {
	case "==":
		return specEqual(v, s.version)
	case "!=":
		return !specEqual(v, s.version)
	case "~=":
		var prefix []string
		for _, seg := range versionSplit(s.version) {
			if strings.HasPrefix(seg, "dev") || strings.HasPrefix(seg, "a") || strings.HasPrefix(seg, "b") ||
				strings.HasPrefix(seg, "rc") || strings.HasPrefix(seg, "post") {
				break
			}
			prefix = append(prefix, seg)
		}
		if len(prefix) > 0 {
			prefix = prefix[:len(prefix)-1]
		}
		sv := pep440.MustParse(s.version)
		return pep440.Compare(v.Public(), sv) >= 0 && specEqual(v, strings.Join(prefix, ".")+".*")
	case "<=":
		return pep440.Compare(v.Public(), pep440.MustParse(s.version)) <= 0
	case ">=":
		return pep440.Compare(v.Public(), pep440.MustParse(s.version)) >= 0
	case "<":
		sv := pep440.MustParse(s.version)
		if pep440.Compare(v, sv) >= 0 {
			return false
		}
		if !sv.IsPrerelease() && v.IsPrerelease() && pep440.Compare(v.BaseVersion(), sv.BaseVersion()) == 0 {
			return false
		}
		return true
	case ">":
		sv := pep440.MustParse(s.version)
		if pep440.Compare(v, sv) <= 0 {
			return false
		}
		if !sv.IsPostrelease() && v.IsPostrelease() && pep440.Compare(v.BaseVersion(), sv.BaseVersion()) == 0 {
			return false
		}
		if v.Local() != "" && pep440.Compare(v.BaseVersion(), sv.BaseVersion()) == 0 {
			return false
		}
		return true
	}
	return false
}

// specEqual is packaging 21.3's _compare_equal.
func specEqual(v pep440.Version, spec string) bool {
	if prefix, ok := strings.CutSuffix(spec, ".*"); ok {
		splitSpec := versionSplit(prefix)
		splitV := versionSplit(v.Public().String())
		if len(splitV) > len(splitSpec) {
			splitV = splitV[:len(splitSpec)]
		}
		a, b := padVersion(splitSpec, splitV)
		return strings.Join(a, "\x00") == strings.Join(b, "\x00")
	}
	sv, err := pep440.Parse(spec)
	if err != nil {
		return false
	}
	if sv.Local() == "" {
		v = v.Public()
	}
	return pep440.Compare(v, sv) == 0
}

var preSegRE = regexp.MustCompile(`^([0-9]+)((?:a|b|c|rc)[0-9]+)$`)

func versionSplit(version string) []string {
	var out []string
	for _, item := range strings.Split(version, ".") {
		if m := preSegRE.FindStringSubmatch(item); m != nil {
			out = append(out, m[1], m[2])
		} else {
			out = append(out, item)
		}
	}
	return out
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func padVersion(left, right []string) ([]string, []string) {
	ln, rn := 0, 0
	for ln < len(left) && isDigits(left[ln]) {
		ln++
	}
	for rn < len(right) && isDigits(right[rn]) {
		rn++
	}
	pad := func(n int) []string {
		var z []string
		for i := 0; i < n; i++ {
			z = append(z, "0")
		}
		return z
	}
	l := append(append(append([]string{}, left[:ln]...), pad(rn-ln)...), left[ln:]...)
	r := append(append(append([]string{}, right[:rn]...), pad(ln-rn)...), right[rn:]...)
	return l, r
}
