package pep508

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gopip/gopip/resolver/pep440"
)

// Requirement is a parsed PEP 508 dependency specifier, such as
// `requests[security,socks] >=2.8.1, ==2.8.* ; python_version < "2.7"` or
// `pip @ https://example.com/pip.whl`.
type Requirement struct {
	// Name is the distribution name as written; compare names with
	// NormalizeName.
	Name string
	// Extras are the requested extras as written, without duplicates, in
	// the order given.
	Extras []string
	// Specifier constrains the version; it is empty for a URL requirement
	// or when no version is given.
	Specifier pep440.SpecifierSet
	// URL is the direct reference after "@", or "".
	URL string
	// Marker is the environment marker after ";", or nil.
	Marker *Marker
}

// ParseRequirement parses a PEP 508 dependency specifier:
//
//	name [extras] [version specifier | @ URL] [; marker]
//
// The version specifier may be enclosed in parentheses. A marker after a
// URL must be separated from it by whitespace ("pip @ https://x/pip.whl ;
// os_name == 'nt'"), since ';' may appear in a URL. Spaces and tabs are
// allowed wherever PEP 508 allows whitespace. Errors wrap
// ErrInvalidRequirement and a *SyntaxError that points at the column.
func ParseRequirement(s string) (*Requirement, error) {
	p := &parser{src: s}
	r, err := p.requirement()
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrInvalidRequirement, s, err)
	}
	return r, nil
}

// MustParseRequirement is like ParseRequirement but panics on error.
func MustParseRequirement(s string) *Requirement {
	r, err := ParseRequirement(s)
	if err != nil {
		panic(err)
	}
	return r
}

func (p *parser) requirement() (*Requirement, *SyntaxError) {
	p.ws()
	name, ok := p.identifier()
	if !ok {
		return nil, p.error("Expected package name at the start of dependency specifier")
	}
	r := &Requirement{Name: name}
	p.ws()
	if err := p.extras(r); err != nil {
		return nil, err
	}
	p.ws()
	if err := p.details(r); err != nil {
		return nil, err
	}
	if !p.atEnd() {
		return nil, p.error("Expected end of dependency specifier")
	}
	return r, nil
}

// extras parses: ( '[' WS? (identifier (WS? ',' WS? identifier)*)? WS? ']' )?
func (p *parser) extras(r *Requirement) *SyntaxError {
	if p.peek() != '[' {
		return nil
	}
	open := p.pos
	p.pos++
	p.ws()
	if extra, ok := p.identifier(); ok {
		r.Extras = append(r.Extras, extra)
		for {
			p.ws()
			if isAlnum(p.peek()) {
				return p.error("Expected comma between extra names")
			}
			if p.peek() != ',' {
				break
			}
			p.pos++
			p.ws()
			extra, ok := p.identifier()
			if !ok {
				return p.error("Expected extra name after comma")
			}
			if !slices.Contains(r.Extras, extra) {
				r.Extras = append(r.Extras, extra)
			}
		}
	}
	p.ws()
	if p.peek() != ']' {
		return p.errorAt("Expected matching ']' for '[', after extras", open)
	}
	p.pos++
	return nil
}

// details parses: '@' WS? URL (WS (';' marker)?)? | versionspec? WS? (';' marker)?
func (p *parser) details(r *Requirement) *SyntaxError {
	if p.peek() == '@' {
		p.pos++
		p.ws()
		start := p.pos
		for p.pos < len(p.src) && !isURLSpace(p.src[p.pos]) {
			p.pos++
		}
		if p.pos == start {
			return p.error("Expected URL after @")
		}
		r.URL = p.src[start:p.pos]
		if p.atEnd() {
			return nil
		}
		if !p.ws() {
			return p.error("Expected whitespace after URL")
		}
		if p.atEnd() {
			return nil
		}
		return p.requirementMarker(r, start, "Expected semicolon (after URL and whitespace) or end")
	}

	start := p.pos
	if err := p.versionSpec(r); err != nil {
		return err
	}
	p.ws()
	if p.atEnd() {
		return nil
	}
	expected := "Expected semicolon (after name with no version specifier) or end"
	if !r.Specifier.IsEmpty() {
		expected = "Expected comma (within version specifier), semicolon (after version specifier) or end"
	}
	return p.requirementMarker(r, start, expected)
}

// requirementMarker parses: ';' marker WS?
func (p *parser) requirementMarker(r *Requirement, spanStart int, expected string) *SyntaxError {
	if p.peek() != ';' {
		return p.errorAt(expected, spanStart)
	}
	p.pos++
	m, err := p.marker()
	if err != nil {
		return err
	}
	r.Marker = m
	p.ws()
	return nil
}

// versionSpec parses: '(' WS? version_many WS? ')' | version_many | nothing
// where version_many = clause (WS? ',' WS? clause)*.
func (p *parser) versionSpec(r *Requirement) *SyntaxError {
	open := -1
	if p.peek() == '(' {
		open = p.pos
		p.pos++
		p.ws()
	}
	var specs []pep440.Specifier
	for {
		sp, found, err := p.clause()
		if err != nil {
			return err
		}
		if !found {
			switch {
			case len(specs) > 0:
				return p.error("Expected a version specifier after comma")
			case open >= 0:
				return p.error("Expected a version specifier (such as >=1.0) after '('")
			}
			return nil
		}
		specs = append(specs, sp)
		save := p.pos
		p.ws()
		if p.peek() != ',' {
			p.pos = save
			break
		}
		p.pos++
		p.ws()
	}
	r.Specifier = pep440.NewSpecifierSet(specs...)
	if open >= 0 {
		p.ws()
		if p.peek() != ')' {
			return p.errorAt("Expected matching ')' for '(', after version specifier", open)
		}
		p.pos++
	}
	return nil
}

// clause reads one version clause: an operator, optional whitespace and
// the version, which for "===" is any text up to whitespace, ',', ';' or
// ')' and otherwise the characters PEP 508 allows in a version.
func (p *parser) clause() (pep440.Specifier, bool, *SyntaxError) {
	start := p.pos
	op := ""
	for _, o := range []string{"===", "~=", "==", "!=", "<=", ">=", "<", ">"} {
		if strings.HasPrefix(p.src[p.pos:], o) {
			op = o
			break
		}
	}
	if op == "" {
		return pep440.Specifier{}, false, nil
	}
	p.pos += len(op)
	p.ws()
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if op == "===" {
			if isURLSpace(c) || c == ',' || c == ';' || c == ')' {
				break
			}
		} else if !isAlnum(c) && !strings.ContainsRune("-_.*+!", rune(c)) {
			break
		}
		p.pos++
	}
	sp, err := pep440.ParseSpecifier(p.src[start:p.pos])
	if err != nil {
		reason := err.Error()
		var se *pep440.SpecifierError
		if errors.As(err, &se) {
			reason = se.Reason
		}
		return pep440.Specifier{}, false, p.errorAt(fmt.Sprintf("Expected a valid version specifier: %s", reason), start)
	}
	return sp, true, nil
}

// String returns the requirement the way packaging prints it: the name as
// written, sorted extras, the specifier set without spaces, " @ URL", and
// "; marker" (after a space when there is a URL).
func (r *Requirement) String() string {
	var b strings.Builder
	b.WriteString(r.Name)
	if len(r.Extras) > 0 {
		extras := slices.Clone(r.Extras)
		slices.Sort(extras)
		b.WriteByte('[')
		b.WriteString(strings.Join(slices.Compact(extras), ","))
		b.WriteByte(']')
	}
	b.WriteString(r.Specifier.String())
	if r.URL != "" {
		b.WriteString(" @ ")
		b.WriteString(r.URL)
		if r.Marker != nil {
			b.WriteByte(' ')
		}
	}
	if r.Marker != nil {
		b.WriteString("; ")
		b.WriteString(r.Marker.String())
	}
	return b.String()
}

// Applies reports whether the requirement's marker holds in env; a
// requirement without a marker always applies.
func (r *Requirement) Applies(env Environment) (bool, error) {
	if r.Marker == nil {
		return true, nil
	}
	return r.Marker.Evaluate(env)
}
