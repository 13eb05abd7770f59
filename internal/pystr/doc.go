// Package pystr reproduces the parts of Python's str semantics whose
// results show in what pip prints, writes or accepts, so that gopip's
// output matches pip's byte for byte.
//
// Go's notions differ from Python's in small ways that matter there:
// unicode.IsSpace does not count U+001C..U+001F as white space, bufio and
// strings.Lines break only at "\n", Go's regexp \w, \s and \d are ASCII
// while Python's are Unicode-aware, %q is not repr() and encoding/json
// does not escape like json.dumps. The functions here are Python's:
//
//	pystr.IsSpace(r)      // str.isspace() of one character, re's \s
//	pystr.Strip(s)        // s.strip()
//	pystr.SplitLines(s)   // s.splitlines()
//	pystr.Repr(s)         // repr(s), as pip quotes names in messages
//	pystr.JSON(s)         // json.dumps(s), as pip writes JSON files and output
//	pystr.MustCompile(`^(?P<module>[{w}.]+)[{s}]*`) // re.compile(r"^(?P<module>[\w.]+)\s*")
//
// The tests compare each of them with the machine's python3 for every code
// point. Go's unicode tables follow a newer Unicode version than some
// Pythons (Go 1.26: 15.0; Python 3.11: 14.0), so they can disagree on
// characters that the older version leaves unassigned; nothing else.
package pystr
