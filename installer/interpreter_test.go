package installer

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gopip/gopip/internal/pythontest"
	"github.com/gopip/gopip/resolver/tags"
)

func writeExe(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestFindPython(t *testing.T) {
	dir := t.TempDir()
	venv := filepath.Join(dir, "venv")
	writeExe(t, filepath.Join(venv, "bin", "python"), "#!/bin/sh\n")
	pathDir := filepath.Join(dir, "path")
	writeExe(t, filepath.Join(pathDir, "python"), "#!/bin/sh\n")
	writeExe(t, filepath.Join(pathDir, "python3.99"), "#!/bin/sh\n")
	onlyPython3 := filepath.Join(dir, "path3")
	writeExe(t, filepath.Join(onlyPython3, "python3"), "#!/bin/sh\n")
	file := filepath.Join(dir, "mypython")
	writeExe(t, file, "#!/bin/sh\n")

	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	tests := []struct {
		name    string
		flag    string
		getenv  func(string) string
		want    string
		wantErr string
	}{
		{"flag file", file, env(), file, ""},
		{"flag venv dir", venv, env(), filepath.Join(venv, "bin", "python"), ""},
		{"flag name on PATH", "python3.99", env("PATH", pathDir), filepath.Join(pathDir, "python3.99"), ""},
		{"flag missing", filepath.Join(dir, "nope"), env(), "", "Could not locate Python interpreter " + filepath.Join(dir, "nope")},
		{"flag dir without python", pathDir, env(), "", "Could not locate Python interpreter " + pathDir},
		{"VIRTUAL_ENV", "", env("VIRTUAL_ENV", venv, "PATH", pathDir), filepath.Join(venv, "bin", "python"), ""},
		{"VIRTUAL_ENV broken", "", env("VIRTUAL_ENV", pathDir), "", "VIRTUAL_ENV is " + pathDir},
		{"python3 first", "", env("PATH", onlyPython3+":"+pathDir), filepath.Join(onlyPython3, "python3"), ""},
		{"then python", "", env("PATH", pathDir), filepath.Join(pathDir, "python"), ""},
		{"nothing", "", env("PATH", filepath.Join(dir, "empty")), "", "no Python interpreter found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FindPython(tt.flag, tt.getenv)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("FindPython = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestInspectRealInterpreter checks the inspection against values the
// real interpreter and its pip compute independently.
func TestInspectRealInterpreter(t *testing.T) {
	py := pythontest.Python(t)
	pipSite := pipSitePackages(t)
	in := inspectT(t, py)

	var want struct {
		Executable string            `json:"executable"`
		Version    string            `json:"version"`
		Prefix     string            `json:"prefix"`
		Path       []string          `json:"path"`
		CacheTag   string            `json:"cache_tag"`
		Markers    map[string]string `json:"markers"`
		Stdlib     string            `json:"stdlib"`
		UserSite   string            `json:"user_site"`
		Platform   string            `json:"platform"`
		Magic      string            `json:"magic"`
	}
	code := `import sys, json, sysconfig, platform, site
sys.path.append(` + pyStr(pipSite) + `)
from pip._vendor.packaging.markers import default_environment
print(json.dumps({"executable": sys.executable, "version": platform.python_version(),
  "prefix": sys.prefix, "path": sys.path[1:-1], "cache_tag": sys.implementation.cache_tag,
  "markers": default_environment(), "stdlib": sysconfig.get_path("stdlib"),
  "user_site": site.getusersitepackages(), "platform": sysconfig.get_platform(),
  "magic": __import__("importlib.util").util.MAGIC_NUMBER.hex()}))`
	pythonJSON(t, py, code, &want)
	if in.Executable != want.Executable || in.Version != want.Version || in.Prefix != want.Prefix ||
		in.CacheTag != want.CacheTag || in.Stdlib != want.Stdlib || in.UserSite != want.UserSite {
		t.Errorf("inspection %+v\ndiffers from %+v", in, want)
	}
	if !reflect.DeepEqual(in.SysPath, want.Path) {
		t.Errorf("SysPath = %q, want %q", in.SysPath, want.Path)
	}
	if !reflect.DeepEqual(in.MarkerEnvironment, want.Markers) {
		t.Errorf("MarkerEnvironment = %v, want %v", in.MarkerEnvironment, want.Markers)
	}
	if in.Tags.Platform != want.Platform || in.Tags.Implementation != "cpython" && in.Implementation == "cpython" {
		t.Errorf("Tags = %+v", in.Tags)
	}
	// The tag facts against resolver/tags' own reference script.
	facts, err := filepath.Abs("../resolver/tags/testdata/interpreter_facts.py")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(facts); err == nil {
		cmd := exec.Command(py, facts)
		cmd.Dir = os.TempDir()
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		var ref tags.Interpreter
		if err := json.Unmarshal(out, &ref); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(in.Tags, ref) {
			t.Errorf("tag facts differ from resolver/tags/testdata/interpreter_facts.py:\n got %+v\nwant %+v", in.Tags, ref)
		}
	}
	if in.PycSuffix != "."+in.CacheTag+".pyc" || in.MagicNumber != want.Magic || in.Optimize != 0 || in.PycachePrefix != "" {
		t.Errorf("PycSuffix = %q, MagicNumber = %q (want %q), Optimize = %d, PycachePrefix = %q", in.PycSuffix, in.MagicNumber, want.Magic, in.Optimize, in.PycachePrefix)
	}
	if in.InVirtualenv {
		t.Errorf("base interpreter reported as a virtualenv")
	}

	venv := newVenv(t)
	vin := inspectT(t, filepath.Join(venv, "bin", "python"))
	if !vin.InVirtualenv || !vin.VirtualenvNoGlobal || vin.Prefix != venv || vin.Path != filepath.Join(venv, "bin", "python") {
		t.Errorf("venv inspection: in_virtualenv=%v no_global=%v prefix=%q path=%q", vin.InVirtualenv, vin.VirtualenvNoGlobal, vin.Prefix, vin.Path)
	}
	svenv := newVenv(t, "--system-site-packages")
	if sin := inspectT(t, filepath.Join(svenv, "bin", "python")); sin.VirtualenvNoGlobal {
		t.Errorf("--system-site-packages venv reported without global site-packages")
	}
	t.Setenv("PYTHONOPTIMIZE", "2")
	if o := inspectT(t, py); o.Optimize != 2 || o.PycSuffix != "."+in.CacheTag+".opt-2.pyc" {
		t.Errorf("with PYTHONOPTIMIZE=2: Optimize = %d, PycSuffix = %q", o.Optimize, o.PycSuffix)
	}
}

func pyStr(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `'`, `\'`) + "'"
}

// TestInspectCache proves that a cached answer starts no Python, and that
// what makes an answer stale makes it run again.
func TestInspectCache(t *testing.T) {
	py := pythontest.Python(t)
	venv := newVenv(t)
	vpy := filepath.Join(venv, "bin", "python")
	cache := t.TempDir()
	runs := 0
	counting := func(ctx context.Context, python string) ([]byte, error) {
		runs++
		return runInspection(ctx, python)
	}
	ctx := context.Background()
	check := func(python string, wantRuns int, why string) *Interpreter {
		t.Helper()
		in, err := inspect(ctx, python, cache, counting)
		if err != nil {
			t.Fatal(err)
		}
		if runs != wantRuns {
			t.Fatalf("%s: %d inspection runs, want %d", why, runs, wantRuns)
		}
		return in
	}
	first := check(vpy, 1, "first run")
	second := check(vpy, 1, "second run (cached)")
	if !reflect.DeepEqual(first, second) {
		t.Errorf("cached answer differs:\n%+v\n%+v", first, second)
	}
	check(py, 2, "another interpreter")
	check(py, 2, "another interpreter, cached")

	// A .pth file in site-packages can change sys.path.
	site := filepath.Join(venv, "lib", "python"+first.MajorMinor(), "site-packages")
	if err := os.WriteFile(filepath.Join(site, "extra.pth"), []byte(t.TempDir()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	third := check(vpy, 3, "after a new .pth file")
	if len(third.SysPath) != len(first.SysPath)+1 {
		t.Errorf("sys.path after .pth: %q", third.SysPath)
	}
	check(vpy, 3, "cached again")

	// pyvenv.cfg decides include-system-site-packages.
	cfg := filepath.Join(venv, "pyvenv.cfg")
	data, _ := os.ReadFile(cfg)
	later := time.Now().Add(2 * time.Second)
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(data), "include-system-site-packages = false", "include-system-site-packages = true", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(cfg, later, later)
	if in := check(vpy, 4, "after editing pyvenv.cfg"); in.VirtualenvNoGlobal {
		t.Errorf("pyvenv.cfg change not seen")
	}

	// Environment variables that change the answer.
	t.Setenv("PYTHONUSERBASE", t.TempDir())
	check(vpy, 5, "after setting PYTHONUSERBASE")
	check(vpy, 5, "cached with PYTHONUSERBASE")

	// A wrapper script may choose another interpreter each time: never
	// cached.
	wrapper := filepath.Join(t.TempDir(), "python")
	writeExe(t, wrapper, "#!/bin/sh\nexec "+vpy+" \"$@\"\n")
	check(wrapper, 6, "wrapper script")
	check(wrapper, 7, "wrapper script again")

	// The cache file is written atomically: no temporary files remain.
	entries, _ := os.ReadDir(cache)
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") || strings.HasPrefix(e.Name(), ".") {
			t.Errorf("stray file in cache: %s", e.Name())
		}
	}
}

// TestInspectNoPythonOnCacheHit shows the same with the real entry point:
// after the first run, the interpreter is replaced by a program that is
// not Python at all but has the same size and time; the cached answer
// is used.
func TestInspectNoPythonOnCacheHit(t *testing.T) {
	py := pythontest.Python(t)
	dir := t.TempDir()
	link := filepath.Join(dir, "bin", "python3")
	os.MkdirAll(filepath.Dir(link), 0o755)
	data, err := os.ReadFile(py)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(link, data, 0o755); err != nil {
		t.Fatal(err)
	}
	// A copied CPython binary finds its standard library through its
	// build-time prefix, so it runs.
	cache := t.TempDir()
	ctx := context.Background()
	first, err := Inspect(ctx, link, cache)
	if err != nil {
		t.Skipf("a copy of %s does not run: %v", py, err)
	}
	st, _ := os.Stat(link)
	broken := make([]byte, len(data))
	copy(broken, "\x7fELF garbage")
	if err := os.WriteFile(link, broken, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(link, st.ModTime(), st.ModTime())
	second, err := Inspect(ctx, link, cache)
	if err != nil {
		t.Fatalf("cache hit still ran the interpreter: %v", err)
	}
	if second.Executable != first.Executable {
		t.Errorf("cached answer differs")
	}
	// Without the cache the broken program is run and fails.
	if _, err := Inspect(ctx, link, ""); err == nil {
		t.Errorf("broken interpreter inspected without error")
	}
}

func TestInspectErrors(t *testing.T) {
	dir := t.TempDir()
	notPython := filepath.Join(dir, "notpython")
	writeExe(t, notPython, "#!/bin/sh\necho hello\n")
	crash := filepath.Join(dir, "crash")
	writeExe(t, crash, "#!/bin/sh\necho 'Traceback (most recent call last):' >&2\necho 'ValueError: boom' >&2\nexit 1\n")
	fails := filepath.Join(dir, "fails")
	writeExe(t, fails, "#!/bin/sh\necho 'no such option -c' >&2\nexit 2\n")
	old := filepath.Join(dir, "old")
	writeExe(t, old, "#!/bin/sh\necho 'gopip-too-old 3.7.16' >&2\nexit 77\n")
	notExec := filepath.Join(dir, "notexec")
	os.WriteFile(notExec, []byte("x"), 0o644)

	tests := []struct {
		python string
		want   []string
	}{
		{filepath.Join(dir, "missing"), []string{"inspecting Python interpreter " + filepath.Join(dir, "missing") + ": not found"}},
		{dir, []string{"is a directory"}},
		{notExec, []string{"not executable"}},
		{notPython, []string{"not a Python interpreter", "hello"}},
		{crash, []string{"the inspection script failed", "ValueError: boom"}},
		{fails, []string{"does not run as a Python interpreter", "no such option -c"}},
		{old, []string{"Python 3.7.16 is too old; gopip needs Python 3.8 or newer"}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.python), func(t *testing.T) {
			_, err := Inspect(context.Background(), tt.python, t.TempDir())
			var ie *InspectError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want *InspectError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestInspectOtherPythons runs the script on every other CPython found next
// to the base interpreter or on PATH (3.8 to 3.14), and on a Python too old.
func TestInspectOtherPythons(t *testing.T) {
	py := pythontest.Python(t)
	root := filepath.Dir(filepath.Dir(filepath.Dir(py))) // e.g. ~/.pyenv/versions
	candidates := map[string]string{}
	for _, v := range []string{"2.7", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14"} {
		matches, _ := filepath.Glob(filepath.Join(root, v+".*", "bin", "python"+v))
		if len(matches) > 0 {
			candidates[v] = matches[0]
		} else if p, err := exec.LookPath("python" + v); err == nil {
			candidates[v] = p
		}
	}
	if len(candidates) < 2 {
		t.Skip("no other Python versions found")
	}
	for v, p := range candidates {
		t.Run(v, func(t *testing.T) {
			in, err := Inspect(context.Background(), p, "")
			if v == "2.7" || v == "3.6" || v == "3.7" {
				if err == nil || !strings.Contains(err.Error(), "too old") {
					t.Fatalf("Python %s: err = %v, want too old", v, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if in.MajorMinor() != v {
				t.Errorf("version %s, want %s", in.MajorMinor(), v)
			}
			for kind, s := range in.Schemes {
				if s.Error != "" || s.Purelib == "" || s.Scripts == "" || s.Include == "" {
					t.Errorf("scheme %s: %+v", kind, s)
				}
			}
			wantSysconfig := v != "3.8" && v != "3.9"
			if in.UseSysconfig != wantSysconfig {
				t.Errorf("UseSysconfig = %v", in.UseSysconfig)
			}
		})
	}
}
