package installer

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopip/gopip/internal/testwheel"
)

// TestCompiledTreeMatchesPip compares byte-compiled installations: the
// same files (byte-code included, in the same __pycache__ places) and
// RECORDs as pip writes them; byte-code content is compared separately.
func TestCompiledTreeMatchesPip(t *testing.T) {
	dir := t.TempDir()
	wheels := comparisonWheels(t, dir)
	pipVenv := newVenv(t)
	pipBefore := snapshot(t, pipVenv)
	mustPip(t, filepath.Join(pipVenv, "bin", "python"), append([]string{"install", "--no-deps", "--no-index"}, wheels...)...)
	pipTree := comparable(onlyNew(pipBefore, snapshot(t, pipVenv)), pipVenv)

	env, _ := venvEnv(t)
	goVenv := env.Interpreter.Prefix
	goBefore := snapshot(t, goVenv)
	var ws []Wheel
	for _, w := range wheels {
		ws = append(ws, Wheel{Path: w, URL: w, Requested: true})
	}
	if _, err := Install(context.Background(), env, ws, InstallOptions{Compile: true}); err != nil {
		t.Fatal(err)
	}
	goTree := comparable(onlyNew(goBefore, snapshot(t, goVenv)), goVenv)
	n := 0
	for p := range goTree {
		if strings.HasSuffix(p, ".pyc") {
			n++
		}
	}
	if n < 50 {
		t.Errorf("only %d .pyc files", n)
	}
	for _, d := range diffSnapshots(pipTree, goTree) {
		t.Error(d)
	}
}

// TestByteCode checks gopip's .pyc files the way the interpreter will:
// valid headers for the installed sources, the final path (not the
// staging one) in the code objects, checked hashes under
// SOURCE_DATE_EPOCH, and no .pyc (nor RECORD row) for a file that does not
// compile.
func TestByteCode(t *testing.T) {
	dir := t.TempDir()
	s := demoSpec()
	s.Files = append(s.Files, testwheel.File{Path: "demo/broken.py", Data: "def (:\n"})
	whl := testwheel.MustBuild(t, dir, s)
	for _, epoch := range []string{"", "1700000000"} {
		t.Run("SOURCE_DATE_EPOCH="+epoch, func(t *testing.T) {
			if epoch != "" {
				t.Setenv("SOURCE_DATE_EPOCH", epoch)
			}
			env, py := venvEnv(t)
			if _, err := Install(context.Background(), env, []Wheel{{Path: whl}}, InstallOptions{Compile: true, CompileWorkers: 2}); err != nil {
				t.Fatal(err)
			}
			site := env.Scheme("demo").Purelib
			code := `import sys, os, json, marshal, importlib.util
out = {}
for src in sys.argv[1:]:
    pyc = importlib.util.cache_from_source(src)
    if not os.path.exists(pyc):
        out[src] = None
        continue
    data = open(pyc, "rb").read()
    flags = int.from_bytes(data[4:8], "little")
    st = os.stat(src)
    if flags == 0:
        ok = int.from_bytes(data[8:12], "little") == int(st.st_mtime) & 0xFFFFFFFF and int.from_bytes(data[12:16], "little") == st.st_size & 0xFFFFFFFF
    else:
        ok = data[8:16] == importlib.util.source_hash(open(src, "rb").read())
    out[src] = {"magic": data[:4] == importlib.util.MAGIC_NUMBER, "flags": flags, "valid": ok, "filename": marshal.loads(data[16:]).co_filename}
print(json.dumps(out))`
			srcs := []string{filepath.Join(site, "demo", "__init__.py"), filepath.Join(site, "demo", "sub", "mod.py"), filepath.Join(site, "demo", "broken.py")}
			var got map[string]*struct {
				Magic    bool   `json:"magic"`
				Flags    int    `json:"flags"`
				Valid    bool   `json:"valid"`
				Filename string `json:"filename"`
			}
			out := runPythonArgs(t, py, code, srcs...)
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatal(err)
			}
			for _, src := range srcs[:2] {
				g := got[src]
				if g == nil {
					t.Fatalf("no byte-code for %s", src)
				}
				wantFlags := 0
				if epoch != "" {
					wantFlags = 3 // checked hash
				}
				if !g.Magic || !g.Valid || g.Flags != wantFlags || g.Filename != src {
					t.Errorf("%s: %+v", src, g)
				}
			}
			if got[srcs[2]] != nil {
				t.Errorf("byte-code written for a file that does not compile")
			}
			rec, _ := os.ReadFile(filepath.Join(site, "demo-1.0.dist-info", "RECORD"))
			if strings.Contains(string(rec), "broken.cpython") || !strings.Contains(string(rec), "demo/__pycache__/__init__."+env.Interpreter.CacheTag+".pyc,,\r\n") {
				t.Errorf("RECORD:\n%s", rec)
			}
		})
	}
}

// runPythonArgs runs code with sys.argv[1:] set to args.
func runPythonArgs(t *testing.T, python, code string, rest ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("import sys\nsys.argv[1:] = [")
	for _, a := range rest {
		b.WriteString(pyStr(a) + ",")
	}
	b.WriteString("]\n")
	return runPython(t, python, b.String()+code)
}
