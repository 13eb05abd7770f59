package pythontest

import (
	"path/filepath"
	"reflect"
	"testing"
)

func TestPythonIsAbsolute(t *testing.T) {
	if p := Python(t); !filepath.IsAbs(p) {
		t.Errorf("Python() = %q, want an absolute path", p)
	}
}

func TestRunJSON(t *testing.T) {
	const echo = `
import json, os, sys
print(json.dumps({"in": json.load(sys.stdin), "args": sys.argv[1:], "path0": sys.path[0], "dir": os.path.dirname(__file__)}))
`
	in := map[string]any{"s": "héllo\u2028", "n": 3.5}
	var out struct {
		In         map[string]any
		Args       []string
		Path0, Dir string
	}
	RunJSON(t, echo, in, &out, "a", "b c")
	if !reflect.DeepEqual(out.In, in) {
		t.Errorf("stdin round trip: got %v, want %v", out.In, in)
	}
	if !reflect.DeepEqual(out.Args, []string{"a", "b c"}) {
		t.Errorf("sys.argv[1:] = %q, want [a, b c]", out.Args)
	}
	if out.Path0 != out.Dir {
		t.Errorf("sys.path[0] = %q, want the script's own directory %q", out.Path0, out.Dir)
	}
}

func TestRequirePipAnyVersion(t *testing.T) {
	dir := RequirePip(t, "")
	if filepath.Base(dir) != "pip" {
		t.Errorf("RequirePip returned %q, want the pip package directory", dir)
	}
}

func TestRequirePipOtherVersionSkips(t *testing.T) {
	RequirePip(t, "")
	t.Run("sub", func(t *testing.T) {
		RequirePip(t, "0.0.0-no-such-pip")
		t.Error("RequirePip did not skip for a pip version that does not exist")
	})
}

func TestExclusions(t *testing.T) {
	e := Exclusions{}
	e.Add("b")
	e.Add("a")
	e.Add("b")
	if want := (Exclusions{"a": 1, "b": 2}); !reflect.DeepEqual(e, want) {
		t.Errorf("got %v, want %v", e, want)
	}
	e.Log(t)
}
