package installer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopip/gopip/internal/testwheel"
)

// venvEnv creates a venv and its Environment.
func venvEnv(t *testing.T) (*Environment, string) {
	t.Helper()
	venv := newVenv(t)
	py := filepath.Join(venv, "bin", "python")
	env, err := NewEnvironment(inspectT(t, py), SchemeOptions{NoUser: true})
	if err != nil {
		t.Fatal(err)
	}
	return env, py
}

func demoSpec() testwheel.Spec {
	return testwheel.Spec{
		Name:    "demo",
		Version: "1.0",
		Files: []testwheel.File{
			{Path: "demo/__init__.py", Data: "def main():\n    print('demo main')\n    return 0\n"},
			{Path: "demo/sub/mod.py", Data: "X = 1\n"},
		},
		Data: []testwheel.File{
			{Path: "scripts/demo-tool", Data: "#!python\nimport demo\nprint('tool')\n", Mode: 0o755},
			{Path: "headers/demo.h", Data: "int demo;\n"},
			{Path: "data/share/demo/readme.txt", Data: "hello\n"},
		},
		ConsoleScripts: map[string]string{"demo": "demo:main"},
		GUIScripts:     map[string]string{"demo-gui": "demo:main"},
		Licenses:       []testwheel.File{{Path: "LICENSE", Data: "MIT\n"}},
	}
}

func TestInstallBasic(t *testing.T) {
	env, py := venvEnv(t)
	dir := t.TempDir()
	whl := testwheel.MustBuild(t, dir, demoSpec())
	var events []Event
	res, err := Install(context.Background(), env, []Wheel{{Path: whl, URL: whl, Requested: true}}, InstallOptions{Compile: true, Reporter: ReporterFunc(func(e Event) { events = append(events, e) })})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("result %+v", res)
	out := runPython(t, py, "import demo, demo.sub.mod; print(demo.__file__)")
	t.Log(out)
	bin := filepath.Dir(py)
	o, err := os.ReadFile(filepath.Join(bin, "demo-tool"))
	if err != nil || !strings.HasPrefix(string(o), "#!"+env.Interpreter.Executable+"\n") {
		t.Errorf("demo-tool: %q %v", o, err)
	}
	t.Log(mustPip(t, py, "list"))
	t.Log(mustPip(t, py, "show", "-f", "demo"))
	t.Log(mustPip(t, py, "check"))
	rec, _ := os.ReadFile(filepath.Join(env.Scheme("demo").Purelib, "demo-1.0.dist-info", "RECORD"))
	t.Logf("RECORD:\n%s", rec)
}

// TestRelInside: relInside answers as filepath.Rel with the ".." rule the
// installer used, for clean and unclean paths alike.
func TestRelInside(t *testing.T) {
	parts := []string{"/", "a", "b", ".", "..", "..c", ".d", "e.py", "", "/"}
	var paths []string
	for _, x := range parts {
		for _, y := range parts {
			for _, z := range parts {
				paths = append(paths, "/a/"+x+"/"+y+z, "/a"+x+y+"/"+z, "/a/b", "/a/b/", x+y+"/"+z)
			}
		}
	}
	old := func(dir, p string) (string, bool) {
		rel, err := filepath.Rel(dir, p)
		if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
			return "", false
		}
		return rel, true
	}
	n := 0
	for _, dir := range []string{"/a", "/a/b", "/a/", "/", "a", "/a/./b", "/a/b/..", ""} {
		for _, p := range paths {
			gotRel, gotOK := relInside(dir, p)
			wantRel, wantOK := old(dir, p)
			if gotRel != wantRel || gotOK != wantOK {
				t.Errorf("relInside(%q, %q) = %q, %v; filepath.Rel says %q, %v", dir, p, gotRel, gotOK, wantRel, wantOK)
			}
			if gotOK {
				n++
			}
		}
	}
	if n == 0 {
		t.Fatal("no case was inside")
	}
}
