package pypath

import (
	"testing"

	"github.com/gopip/gopip/internal/pythontest"
)

// TestJoinMatchesPython compares Join with os.path.join.
func TestJoinMatchesPython(t *testing.T) {
	cases := [][]string{
		{""}, {"a"}, {"", ""}, {"", "b"}, {"a", ""}, {"a", "b"}, {"a/", "b"}, {"a//", "b"},
		{"a", "/b"}, {"/a", "b", "/c", "d"}, {"a", "", "b"}, {"a", "b/", ""}, {"./a", "../b"},
		{"//h", "x"}, {"/", "x"}, {"a", "b", "c/", "d"},
	}
	const oracle = `
import json, os, sys
print(json.dumps([os.path.join(*c) for c in json.load(sys.stdin)]))
`
	var want []string
	pythontest.RunJSON(t, oracle, cases, &want)
	for i, c := range cases {
		if got := Join(c[0], c[1:]...); got != want[i] {
			t.Errorf("Join(%q) = %q, os.path.join gives %q", c, got, want[i])
		}
	}
}
