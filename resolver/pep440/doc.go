// Package pep440 implements the version identifiers and version specifiers
// of PEP 440 (today the "Version specifiers" specification of the Python
// Packaging User Guide), with the behaviour of the packaging library that
// pip uses.
//
// # Versions
//
// Parse accepts every spelling PEP 440 normalises and String prints the
// canonical form, the one packaging's str(Version(s)) prints:
//
//	v, err := pep440.Parse(" V1.0-Alpha-1 ")
//	fmt.Println(v)                // 1.0a1
//	fmt.Println(v.IsPrerelease()) // true
//
// Compare orders versions the PEP 440 way and fits slices.SortFunc:
//
//	1.0.dev0 < 1.0a1 < 1.0rc1 < 1.0 == 1.0.0 < 1.0+local < 1.0.post1 < 1!0.5
//
// A Version is an immutable value; accessors such as Release return
// copies.
//
// # Specifiers
//
// A Specifier is one clause (">=1.0", "==1.2.*", "~=2.2", "===foo") and a
// SpecifierSet a comma-separated list of them, all of which must hold:
//
//	set, err := pep440.ParseSpecifierSet(">=1.0, !=1.3.*, <2")
//	set.Contains(pep440.MustParse("1.4"), false)   // true
//	set.Contains(pep440.MustParse("1.5b1"), false) // false: a pre-release
//	set.Contains(pep440.MustParse("1.5b1"), true)  // true
//
// The prereleases argument of Contains and Filter is pip's --pre: false
// applies PEP 440's default, under which a pre-release matches only a set
// that names one itself (">=1.5b1"; see AllowsPrereleases). Filter adds the
// last rule of that default: when no final release matches, the matching
// pre-releases are returned.
//
// The exclusive comparisons follow the specification's special cases:
// "<1.0" does not match 1.0rc1, and ">1.0" matches neither 1.0.post1 nor
// 1.0+local. "===" compares strings; ContainsRaw applies it to a version
// string as published, which need not be a PEP 440 version at all.
//
// # Compatibility
//
// The package is tested against packaging 21.3 (vendored in pip 23.2);
// where 21.3 and later packaging releases disagree it follows the later
// ones and the specification: ".*" only after a release segment, prefix
// matching on normalised versions, "<V" and ">V" with a pre-release V
// admitting pre-releases, and Filter falling back to pre-releases. It
// accepts only ASCII spellings and numbers that fit in an int.
package pep440
