package pypath

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gopip/gopip/internal/pythontest"
)

// TestRealPathMatchesPython compares RealPath with os.path.realpath on a
// tree of directories and links, with missing components, relative and
// absolute paths. ("link/.." and dangling links, where RealPath is known
// to differ, are left out.)
func TestRealPathMatchesPython(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"a/b/c", "other"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"link":        "a/b",                        // relative
		"abs":         filepath.Join(root, "other"), // absolute
		"a/b/up":      "..",
		"chain":       "link",
		"a/b/c/other": "../../../abs",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(root)
	paths := []string{
		"", ".", "/", "a", "a/b/c", "link", "link/c", "chain/c", "abs", "abs/missing/deeper",
		"a/b/up/b", "a/b/c/other", "a/b/c/other/x", "missing",
		"missing/x/y", "a//b/./c/", root + "/link/c", root + "/missing", "/nonexistent-root-dir/x",
	}
	const oracle = `
import json, os, sys
print(json.dumps([os.path.realpath(p) for p in json.load(sys.stdin)]))
`
	var want []string
	pythontest.RunJSON(t, oracle, paths, &want)
	for i, p := range paths {
		if got := RealPath(p); got != want[i] {
			t.Errorf("RealPath(%q) = %q, os.path.realpath gives %q", p, got, want[i])
		}
	}
}
