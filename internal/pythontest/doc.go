// Package pythontest runs the machine's Python as an oracle for gopip's
// differential tests. It is imported by _test.go files only.
//
// gopip reproduces pip, packaging and the Python standard library byte for
// byte, and its tests check that by asking the real thing: the same inputs
// go through gopip and through Python, and the answers must agree. A test
// writes its Python side as a script that reads one JSON value from stdin
// and prints one JSON value:
//
//	const oracle = `
//	import json, sys
//	from pip._vendor.packaging.version import Version
//	print(json.dumps([str(Version(s)) for s in json.load(sys.stdin)]))
//	`
//
//	func TestNormalizeMatchesPackaging(t *testing.T) {
//		pythontest.RequireModule(t, "pip._vendor.packaging.version")
//		var want []string
//		pythontest.RunJSON(t, oracle, inputs, &want)
//		...
//	}
//
// One process answers every case, so a test can compare thousands of inputs
// in a second. Tests skip, rather than fail, on machines without python3
// ([Python]), without pip or with another pip than the one compared with
// ([RequirePip]), or without a module the script imports ([RequireModule]).
//
// Where gopip deliberately differs from the Python it is compared with (an
// old packaging bug, say), the test counts the case under a reason in an
// [Exclusions] and logs the counts, so every run shows what was left out.
package pythontest
