// Package pep508 implements PEP 508 dependency specifiers: requirements such
// as `requests[socks] >=2.8, <3 ; python_version >= "3.8"` and the
// environment markers that decide where they apply, the way Python's
// packaging library (22 and later) reads them.
//
// # Requirements
//
// ParseRequirement splits a requirement into its parts; the version
// specifier is a pep440.SpecifierSet:
//
//	r, err := pep508.ParseRequirement(`Requests [Socks]>=2.8,<3; python_version>="3.8"`)
//	r.Name      // "Requests" (compare with NormalizeName)
//	r.Extras    // ["Socks"]
//	r.Specifier // <3,>=2.8
//	fmt.Println(r) // Requests[Socks]<3,>=2.8; python_version >= "3.8"
//
// A direct reference replaces the version: `pip @ https://host/pip.whl`;
// a marker after a URL needs whitespace before its ';'.
//
// Errors point at the problem like packaging's do:
//
//	invalid requirement "name >= 1.0 foo": Expected comma (within version specifier), semicolon (after version specifier) or end
//	    name >= 1.0 foo
//	         ~~~~~~~^
//
// errors.As finds the *SyntaxError with its position.
//
// # Markers
//
// A Marker is evaluated against an Environment, the marker variables of the
// target interpreter (the installer knows them; nothing here inspects the
// running process):
//
//	env := pep508.Environment{"python_version": "3.11", "sys_platform": "linux", ...}
//	ok, err := r.Marker.Evaluate(env.WithExtra("socks"))
//
// Comparisons are PEP 440 version comparisons when both sides are versions
// and string comparisons otherwise; `extra` compares normalised names.
// EvaluateLockFile adds the set variables `extras` and `dependency_groups`
// of PEP 751 lock files.
//
// # Names
//
// NormalizeName gives the PEP 503 form under which two distribution (or
// extra) names are the same; ValidName checks the PEP 508 identifier rule.
package pep508
