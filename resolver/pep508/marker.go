package pep508

import (
	"fmt"
	"maps"
	"strings"

	"github.com/gopip/gopip/resolver/pep440"
)

// Environment holds the values of the PEP 508 marker variables for one
// target interpreter, keyed by their canonical names: "python_version",
// "python_full_version", "os_name", "sys_platform", "platform_release",
// "platform_system", "platform_version", "platform_machine",
// "platform_python_implementation", "implementation_name" and
// "implementation_version".
//
// The extra being installed is the key "extra" (see WithExtra); when it is
// absent, Evaluate uses "", as when no extra is requested. A variable that
// a marker uses and the Environment lacks is an evaluation error.
type Environment map[string]string

// WithExtra returns a copy of env whose "extra" is extra.
func (env Environment) WithExtra(extra string) Environment {
	out := maps.Clone(env)
	if out == nil {
		out = Environment{}
	}
	out["extra"] = extra
	return out
}

// Marker is a parsed environment marker, such as
// `python_version < "3.11" and sys_platform == "linux"`. It is immutable
// once parsed.
type Marker struct {
	root *markerExpr
}

// markerExpr is a sequence of atoms joined by "and"/"or" (ops has one
// element fewer than items), evaluated with "and" binding tighter. A
// parenthesised atom is a nested markerExpr.
type markerExpr struct {
	items []markerNode
	ops   []string
}

type markerNode interface{ isMarkerNode() }

func (*markerExpr) isMarkerNode() {}
func (*markerItem) isMarkerNode() {}

// markerItem is one comparison.
type markerItem struct {
	lhs, rhs operand
	op       string // "==", "!=", "<", "<=", ">", ">=", "~=", "===", "in", "not in"
}

type operand struct {
	isVar   bool
	text    string // the canonical variable name, or the string's value
	written string // the string's value as written, before normalisation
}

// variableNames maps every accepted spelling of a marker variable to its
// canonical name, including PEP 345's dotted names and setuptools'
// python_implementation.
var variableNames = map[string]string{
	"python_version":                 "python_version",
	"python_full_version":            "python_full_version",
	"os_name":                        "os_name",
	"os.name":                        "os_name",
	"sys_platform":                   "sys_platform",
	"sys.platform":                   "sys_platform",
	"platform_release":               "platform_release",
	"platform_system":                "platform_system",
	"platform_version":               "platform_version",
	"platform.version":               "platform_version",
	"platform_machine":               "platform_machine",
	"platform.machine":               "platform_machine",
	"platform_python_implementation": "platform_python_implementation",
	"platform.python_implementation": "platform_python_implementation",
	"python_implementation":          "platform_python_implementation",
	"implementation_name":            "implementation_name",
	"implementation_version":         "implementation_version",
	"extra":                          "extra",
	"extras":                         "extras",
	"dependency_groups":              "dependency_groups",
}

// setVariables are the PEP 751 variables whose value is a set of names.
var setVariables = map[string]bool{"extras": true, "dependency_groups": true}

// ParseMarker parses an environment marker. Strings are quoted with ' or "
// (without escapes); variables may be written with their PEP 345 dotted
// names, which String prints canonically. Values compared with "extra" are
// normalised like names (PEP 685), so `extra == "Foo_Bar"` prints as
// `extra == "foo-bar"`.
func ParseMarker(s string) (*Marker, error) {
	p := &parser{src: s}
	m, err := p.marker()
	if err == nil && !p.atEnd() {
		err = p.error("Expected 'and', 'or' or end of marker expression")
	}
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrInvalidMarker, s, err)
	}
	return m, nil
}

// MustParseMarker is like ParseMarker but panics on error.
func MustParseMarker(s string) *Marker {
	m, err := ParseMarker(s)
	if err != nil {
		panic(err)
	}
	return m
}

// marker parses: marker_atom (BOOLOP marker_atom)*
func (p *parser) marker() (*Marker, *SyntaxError) {
	e, err := p.markerExpr()
	if err != nil {
		return nil, err
	}
	return &Marker{root: e}, nil
}

func (p *parser) markerExpr() (*markerExpr, *SyntaxError) {
	e := &markerExpr{}
	for {
		atom, err := p.markerAtom()
		if err != nil {
			return nil, err
		}
		e.items = append(e.items, atom)
		switch {
		case p.keyword("and"):
			e.ops = append(e.ops, "and")
		case p.keyword("or"):
			e.ops = append(e.ops, "or")
		default:
			return e, nil
		}
	}
}

// markerAtom parses: WS? ( '(' WS? marker WS? ')' | marker_item ) WS?
func (p *parser) markerAtom() (markerNode, *SyntaxError) {
	p.ws()
	var node markerNode
	if p.peek() == '(' {
		open := p.pos
		p.pos++
		p.ws()
		e, err := p.markerExpr()
		if err != nil {
			return nil, err
		}
		p.ws()
		if p.peek() != ')' {
			return nil, p.errorAt("Expected matching ')' for '(', after marker expression", open)
		}
		p.pos++
		node = e
	} else {
		item, err := p.markerItem()
		if err != nil {
			return nil, err
		}
		node = item
	}
	p.ws()
	return node, nil
}

// markerItem parses: marker_var WS? marker_op WS? marker_var
func (p *parser) markerItem() (*markerItem, *SyntaxError) {
	lhs, err := p.markerVar()
	if err != nil {
		return nil, err
	}
	p.ws()
	op, err := p.markerOp()
	if err != nil {
		return nil, err
	}
	p.ws()
	rhs, err := p.markerVar()
	if err != nil {
		return nil, err
	}
	item := &markerItem{lhs: lhs, op: op, rhs: rhs}
	// PEP 685: extra names compare normalised.
	if lhs.isVar && lhs.text == "extra" && !rhs.isVar {
		item.rhs.text = NormalizeName(rhs.text)
	} else if rhs.isVar && rhs.text == "extra" && !lhs.isVar {
		item.lhs.text = NormalizeName(lhs.text)
	}
	return item, nil
}

func (p *parser) markerVar() (operand, *SyntaxError) {
	if c := p.peek(); c == '\'' || c == '"' {
		end := strings.IndexByte(p.src[p.pos+1:], c)
		if end >= 0 {
			v := p.src[p.pos+1 : p.pos+1+end]
			p.pos += end + 2
			return operand{text: v, written: v}, nil
		}
		return operand{}, p.error("Expected a closing quote " + string(c) + " for the quoted string")
	}
	if p.boundaryAt(p.pos) {
		rest := p.src[p.pos:]
		best := ""
		for spelling := range variableNames {
			if len(spelling) > len(best) && strings.HasPrefix(rest, spelling) && p.boundaryAt(p.pos+len(spelling)) {
				best = spelling
			}
		}
		if best != "" {
			p.pos += len(best)
			return operand{isVar: true, text: variableNames[best]}, nil
		}
	}
	return operand{}, p.error("Expected a marker variable or quoted string")
}

// markerOps are the comparison operators, longest first.
var markerOps = []string{"===", "==", "~=", "!=", "<=", ">=", "<", ">"}

func (p *parser) markerOp() (string, *SyntaxError) {
	if p.keyword("in") {
		return "in", nil
	}
	if p.keyword("not") {
		if !p.ws() {
			return "", p.error("Expected whitespace after 'not'")
		}
		if !p.keyword("in") {
			return "", p.error("Expected 'in' after 'not'")
		}
		return "not in", nil
	}
	for _, op := range markerOps {
		if strings.HasPrefix(p.src[p.pos:], op) {
			p.pos += len(op)
			return op, nil
		}
	}
	return "", p.error("Expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in")
}

// String returns the marker in packaging's normalised form: canonical
// variable names, values in double quotes, single spaces around operators,
// and no parentheses that do not change the meaning of a single atom.
// (packaging also drops the parentheses of a doubly parenthesised group,
// changing its meaning; String keeps one pair.)
func (m *Marker) String() string {
	var b strings.Builder
	m.root.format(&b, true)
	return b.String()
}

func (e *markerExpr) format(b *strings.Builder, top bool) {
	if len(e.items) == 1 {
		formatNode(b, e.items[0], top)
		return
	}
	if !top {
		b.WriteByte('(')
	}
	for i, item := range e.items {
		if i > 0 {
			b.WriteByte(' ')
			b.WriteString(e.ops[i-1])
			b.WriteByte(' ')
		}
		formatNode(b, item, false)
	}
	if !top {
		b.WriteByte(')')
	}
}

func formatNode(b *strings.Builder, n markerNode, top bool) {
	switch n := n.(type) {
	case *markerExpr:
		n.format(b, top)
	case *markerItem:
		n.lhs.format(b)
		b.WriteByte(' ')
		b.WriteString(n.op)
		b.WriteByte(' ')
		n.rhs.format(b)
	}
}

func (o operand) format(b *strings.Builder) {
	switch {
	case o.isVar:
		b.WriteString(o.text)
	case strings.Contains(o.text, `"`):
		// Only a single-quoted string can contain '"'.
		b.WriteString("'" + o.text + "'")
	default:
		b.WriteString(`"` + o.text + `"`)
	}
}

// Evaluate reports whether the marker holds in env. It follows PEP 508:
// comparisons use PEP 440 version semantics when the operator and the
// right-hand side form a valid version specifier and the left-hand side is
// a valid version (pre-releases included), and Python's string operators
// otherwise ("in" is substring containment); "~=" and "===" have no string
// meaning and are errors then. Operands may appear in either order
// ('3.8' < python_version). "extra" compares normalised names and is ""
// when env has none. The PEP 751 set variables "extras" and
// "dependency_groups" are only defined by EvaluateLockFile.
//
// Errors wrap ErrUndefinedVariable or ErrUndefinedComparison. Every
// comparison is evaluated, so an error is reported even where "and" or
// "or" could have decided without it, as packaging does.
func (m *Marker) Evaluate(env Environment) (bool, error) {
	return m.evaluate(&evalContext{env: env, defaultExtra: true})
}

// EvaluateLockFile evaluates the marker in the context of a PEP 751 lock
// file: the set variables "extras" and "dependency_groups" are the given
// names (compared normalised, and only with "in" and "not in" with the
// variable on the right), and "extra" is defined only if env has it.
func (m *Marker) EvaluateLockFile(env Environment, extras, dependencyGroups []string) (bool, error) {
	sets := map[string]map[string]bool{"extras": {}, "dependency_groups": {}}
	for _, e := range extras {
		sets["extras"][NormalizeName(e)] = true
	}
	for _, g := range dependencyGroups {
		sets["dependency_groups"][NormalizeName(g)] = true
	}
	return m.evaluate(&evalContext{env: env, sets: sets})
}

type evalContext struct {
	env          Environment
	sets         map[string]map[string]bool
	defaultExtra bool
}

func (m *Marker) evaluate(ctx *evalContext) (bool, error) {
	ok, err := m.root.eval(ctx)
	if err != nil {
		return false, fmt.Errorf("evaluating marker %q: %w", m.String(), err)
	}
	return ok, nil
}

func (e *markerExpr) eval(ctx *evalContext) (bool, error) {
	// "and" binds tighter than "or": any group of and-ed atoms that holds.
	result, group := false, true
	for i, item := range e.items {
		var ok bool
		var err error
		switch n := item.(type) {
		case *markerExpr:
			ok, err = n.eval(ctx)
		case *markerItem:
			ok, err = n.eval(ctx)
		}
		if err != nil {
			return false, err
		}
		group = group && ok
		if i == len(e.ops) || e.ops[i] == "or" {
			result = result || group
			group = true
		}
	}
	return result, nil
}

func (it *markerItem) eval(ctx *evalContext) (bool, error) {
	switch {
	case it.lhs.isVar && it.rhs.isVar:
		return false, fmt.Errorf("%w: %s %s %s compares two variables", ErrUndefinedComparison, it.lhs.text, it.op, it.rhs.text)
	case !it.lhs.isVar && !it.rhs.isVar:
		return false, fmt.Errorf("%w: %q %s %q compares two strings; one side must be a marker variable", ErrUndefinedComparison, it.lhs.text, it.op, it.rhs.text)
	}
	name := it.lhs.text
	if it.rhs.isVar {
		name = it.rhs.text
	}
	if setVariables[name] {
		set, ok := ctx.sets[name]
		if !ok {
			return false, fmt.Errorf("%w %q: it is only defined in lock files", ErrUndefinedVariable, name)
		}
		if !it.rhs.isVar || (it.op != "in" && it.op != "not in") {
			return false, fmt.Errorf("%w: %s is a set of names; only '\"name\" in %s' and 'not in' are defined", ErrUndefinedComparison, name, name)
		}
		return set[NormalizeName(it.lhs.text)] == (it.op == "in"), nil
	}
	value, ok := ctx.env[name]
	if !ok {
		if name != "extra" || !ctx.defaultExtra {
			return false, fmt.Errorf("%w %q: the environment does not define it", ErrUndefinedVariable, name)
		}
	}
	switch name {
	case "extra":
		value = NormalizeName(value)
	case "python_full_version":
		// Non-tagged CPython builds report "3.13.0+", which is not a
		// version; packaging reads it as a local version.
		if strings.HasSuffix(value, "+") {
			value += "local"
		}
	}
	lhs, rhs := value, it.rhs.text
	if it.rhs.isVar {
		lhs, rhs = it.lhs.text, value
	}
	return compare(lhs, it.op, rhs)
}

// compare applies op to two strings the way PEP 508 says: as versions when
// op+rhs is a version specifier and lhs a version, else as Python strings.
func compare(lhs, op, rhs string) (bool, error) {
	if op != "in" && op != "not in" {
		if sp, err := pep440.ParseSpecifier(op + rhs); err == nil {
			if sp.Operator() == "===" {
				return sp.ContainsRaw(lhs, true), nil
			}
			if v, err := pep440.Parse(lhs); err == nil {
				return sp.Contains(v, true), nil
			}
		}
	}
	switch op {
	case "in":
		return strings.Contains(rhs, lhs), nil
	case "not in":
		return !strings.Contains(rhs, lhs), nil
	case "==":
		return lhs == rhs, nil
	case "!=":
		return lhs != rhs, nil
	case "<":
		return lhs < rhs, nil
	case "<=":
		return lhs <= rhs, nil
	case ">":
		return lhs > rhs, nil
	case ">=":
		return lhs >= rhs, nil
	}
	return false, fmt.Errorf("%w: %q %s %q (%s needs versions on both sides)", ErrUndefinedComparison, lhs, op, rhs, op)
}
