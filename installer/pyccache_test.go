package installer

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopip/gopip/internal/cache"
	"github.com/gopip/gopip/internal/testwheel"
)

// pycFolders lists the complete byte-code folders of a cache's unpacked
// entries.
func pycFolders(t *testing.T, c *cache.Cache) []string {
	t.Helper()
	ms, err := filepath.Glob(filepath.Join(c.Layer(cache.UnpackedLayer), "sha256", "*", "*", "pyc", "*", pycManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, m := range ms {
		dirs = append(dirs, filepath.Dir(m))
	}
	return dirs
}

// pycStamp identifies one state of a file: Python rewrites a stale .pyc
// through a new file renamed into place.
type pycStamp struct {
	ino   uint64
	mtime time.Time
}

// pycStamps records the state of every .pyc under root.
func pycStamps(t *testing.T, root string) map[string]pycStamp {
	t.Helper()
	out := map[string]pycStamp{}
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".pyc") {
			st, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			out[p] = pycStamp{st.Sys().(*syscall.Stat_t).Ino, st.ModTime()}
		}
		return nil
	})
	return out
}

// importAll imports the modules (those installed) with byte-code writing
// on, and returns the .pyc files under site that Python rewrote: a .pyc
// is rewritten when it is not valid for its source.
func importAll(t *testing.T, python, site string, modules ...string) []string {
	t.Helper()
	before := pycStamps(t, site)
	code := `import importlib, sys
for m in sys.argv[1:]:
    try:
        importlib.import_module(m)
    except ModuleNotFoundError as e:
        if e.name != m.split(".")[0]:
            raise
`
	var b strings.Builder
	b.WriteString("import sys\nsys.argv[1:] = [")
	for _, m := range modules {
		b.WriteString(pyStr(m) + ",")
	}
	b.WriteString("]\n")
	runPython(t, python, b.String()+code, "PYTHONDONTWRITEBYTECODE=")
	var rewritten []string
	for p, s := range pycStamps(t, site) {
		if before[p] != s {
			rewritten = append(rewritten, p)
		}
	}
	return rewritten
}

var importedModules = []string{"demo", "demo.sub.mod", "nsroot.alpha", "nsroot.beta", "beta_extra", "beta_plat", "platpkg",
	"markupsafe", "yaml", "click", "jinja2", "werkzeug", "flask", "docutils.core", "jmespath", "six", "idna", "pycparser.c_parser"}

// TestCachedByteCode installs the comparison wheels with Compile, cold
// (filling the cache with the byte-code) and warm, in every link mode: the
// warm install compiles only the sources it rewrites (scripts), its tree
// is the cold one's and one without the cache's (.pyc content aside:
// it is the cold install's byte for byte), and every .pyc is valid for
// its source: importing rewrites none.
func TestCachedByteCode(t *testing.T) {
	dir := t.TempDir()
	wheels := comparisonWheels(t, dir)
	refEnv, _ := venvEnv(t)
	installRecording(t, refEnv, wheels, InstallOptions{Compile: true})
	ref := comparable(snapshot(t, refEnv.Interpreter.Prefix), refEnv.Interpreter.Prefix)
	modes := []LinkMode{LinkAuto, LinkHardlink, LinkCopy}
	if canClone(t, t.TempDir()) {
		modes = append(modes, LinkReflink)
	}
	for i, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			c := cache.New(t.TempDir())
			opts := InstallOptions{Compile: true, Cache: c, LinkMode: mode}
			var envs []*Environment
			var results []*InstallResult
			for _, run := range []string{"cold", "warm"} {
				env, py := venvEnv(t)
				res, warnings := installResult(t, env, wheels, opts)
				if len(warnings) != 0 {
					t.Errorf("%s: warnings %q", run, warnings)
				}
				envs, results = append(envs, env), append(results, res)
				if diff := diffSnapshots(ref, comparable(snapshot(t, env.Interpreter.Prefix), env.Interpreter.Prefix)); len(diff) > 0 {
					t.Errorf("%s install differs from one without the cache:\n%s", run, strings.Join(diff, "\n"))
				}
				if rewritten := importAll(t, py, env.Interpreter.Prefix, importedModules...); len(rewritten) > 0 {
					t.Errorf("%s: importing rewrote stale byte-code: %q", run, rewritten)
				}
			}
			cold, warm := results[0], results[1]
			if cold.Compiled < 50 || cold.CachedByteCode != 0 {
				t.Errorf("cold: compiled %d, %d from the cache", cold.Compiled, cold.CachedByteCode)
			}
			if n := len(pycFolders(t, c)); n != len(wheels) {
				t.Errorf("%d byte-code folders, want one per wheel (%d)", n, len(wheels))
			}
			// Linked files and byte-code are not read again: their stamps
			// vouch for them (a copy is read as it is made).
			if mode != LinkCopy && (warm.Reread != 0 || warm.FromCache == 0) {
				t.Errorf("warm: %d files from the cache, %d read again; want none read", warm.FromCache, warm.Reread)
			}
			// Scripts are rewritten for each environment: their byte-code
			// is compiled each time.
			scriptPycs, _ := filepath.Glob(filepath.Join(envs[1].scripts, "__pycache__", "*.pyc"))
			if len(scriptPycs) == 0 || warm.Compiled != len(scriptPycs) || warm.Compiled+warm.CachedByteCode != cold.Compiled {
				t.Errorf("warm: compiled %d (scripts: %d), %d from the cache; cold compiled %d", warm.Compiled, len(scriptPycs), warm.CachedByteCode, cold.Compiled)
			}
			// The byte-code of the library is the cold install's.
			site := envs[1].purelib
			n := 0
			filepath.WalkDir(site, func(p string, d os.DirEntry, err error) error {
				if err != nil || !strings.HasSuffix(p, ".pyc") {
					return err
				}
				rel, _ := filepath.Rel(site, p)
				a, _ := os.ReadFile(filepath.Join(envs[0].purelib, rel))
				b, _ := os.ReadFile(p)
				if !bytes.Equal(a, b) {
					t.Errorf("%s differs from the cold install's", rel)
				}
				n++
				return nil
			})
			if n < 50 {
				t.Errorf("only %d .pyc files", n)
			}
			if i > 0 {
				return
			}
			// The check above sees stale byte-code: a source with another
			// time gets its .pyc rewritten.
			src := filepath.Join(site, "demo", "sub", "mod.py")
			os.Remove(src) // not through the cache's hard link
			if err := os.WriteFile(src, []byte("X = 1\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			old := time.Now().Add(-time.Hour)
			os.Chtimes(src, old, old)
			if rewritten := importAll(t, filepath.Join(envs[1].Interpreter.Prefix, "bin", "python"), site, "demo.sub.mod"); len(rewritten) != 1 {
				t.Errorf("after changing a source's time, importing rewrote %q, want its .pyc", rewritten)
			}
		})
	}
}

// brokenDemoSpec is demo with a module that does not compile.
func brokenDemoSpec() testwheel.Spec {
	s := demoSpec()
	s.Files = append(s.Files, testwheel.File{Path: "demo/broken.py", Data: "def (:\n"})
	return s
}

// TestCachedByteCodeNoCompiler: a warm install whose byte-code is all in
// the cache (including the knowledge that a module does not compile)
// starts no interpreter, and writes the RECORD and tree a cold one does.
func TestCachedByteCodeNoCompiler(t *testing.T) {
	wheel := testwheel.MustBuild(t, t.TempDir(), brokenDemoSpec())
	c := cache.New(t.TempDir())
	opts := InstallOptions{Compile: true, Cache: c}
	var snaps []map[string]fileState
	for _, run := range []string{"cold", "warm"} {
		env, _ := venvEnv(t)
		res, warnings := installResult(t, env, []string{wheel}, opts)
		if len(warnings) != 0 {
			t.Errorf("%s: warnings %q", run, warnings)
		}
		snaps = append(snaps, comparable(snapshot(t, env.Interpreter.Prefix), env.Interpreter.Prefix))
		switch {
		case run == "cold" && (res.Compiled != 3 || res.CompileWorkers == 0):
			t.Errorf("cold: %+v", res)
		case run == "warm" && (res.Compiled != 0 || res.CachedByteCode != 3 || res.CompileWorkers != 0):
			t.Errorf("warm: compiled %d, %d from the cache, %d interpreters started; want 0, 3, 0", res.Compiled, res.CachedByteCode, res.CompileWorkers)
		}
		rec, _ := os.ReadFile(filepath.Join(env.purelib, "demo-1.0.dist-info", "RECORD"))
		tag := env.Interpreter.CacheTag
		if !strings.Contains(string(rec), "demo/sub/__pycache__/mod."+tag+".pyc,,\r\n") || strings.Contains(string(rec), "broken."+tag) {
			t.Errorf("%s: RECORD:\n%s", run, rec)
		}
	}
	if diff := diffSnapshots(snaps[0], snaps[1]); len(diff) > 0 {
		t.Errorf("the warm install differs from the cold one:\n%s", strings.Join(diff, "\n"))
	}
}

// TestCachedByteCodeTampered: cached byte-code that is changed, missing,
// or no longer valid for its source is never installed: the source is
// compiled instead, the key's byte-code is removed with a warning, and
// the next install keeps it again.
func TestCachedByteCodeTampered(t *testing.T) {
	wheel := testwheel.MustBuild(t, t.TempDir(), demoSpec())
	modPyc := func(env *Environment) string {
		return filepath.Join("demo", "sub", "__pycache__", "mod"+env.Interpreter.PycSuffix)
	}
	overwrite := func(t *testing.T, p string) {
		t.Helper()
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteAt([]byte{0xff}, 20); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name   string
		mode   LinkMode
		tamper func(t *testing.T, folder, entry string, cold *Environment)
	}{
		{"cached .pyc changed", LinkCopy, func(t *testing.T, folder, entry string, cold *Environment) {
			overwrite(t, filepath.Join(folder, modPyc(cold)))
		}},
		{"installed .pyc edited in place", LinkHardlink, func(t *testing.T, folder, entry string, cold *Environment) {
			overwrite(t, filepath.Join(cold.purelib, modPyc(cold)))
		}},
		{"cached .pyc missing", LinkAuto, func(t *testing.T, folder, entry string, cold *Environment) {
			os.Remove(filepath.Join(folder, modPyc(cold)))
		}},
		{"source's time changed", LinkCopy, func(t *testing.T, folder, entry string, cold *Environment) {
			old := time.Now().Add(-time.Hour)
			os.Chtimes(filepath.Join(entry, "tree", "demo", "sub", "mod.py"), old, old)
		}},
		{"manifest unreadable", LinkAuto, func(t *testing.T, folder, entry string, cold *Environment) {
			os.WriteFile(filepath.Join(folder, pycManifestFile), []byte("{"), 0o644)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := cache.New(t.TempDir())
			opts := InstallOptions{Compile: true, Cache: c, LinkMode: tc.mode}
			cold, _ := venvEnv(t)
			installRecording(t, cold, []string{wheel}, opts)
			folders := pycFolders(t, c)
			if len(folders) != 1 {
				t.Fatalf("%d byte-code folders after a cold install", len(folders))
			}
			coldPyc, _ := os.ReadFile(filepath.Join(cold.purelib, modPyc(cold)))
			tc.tamper(t, folders[0], filepath.Dir(filepath.Dir(folders[0])), cold)

			warm, py := venvEnv(t)
			res, warnings := installResult(t, warm, []string{wheel}, opts)
			if len(warnings) != 1 || !strings.Contains(warnings[0], "byte-code of demo-1.0-py3-none-any.whl in gopip's cache could not be used") {
				t.Errorf("warnings %q, want one about the cached byte-code", warnings)
			}
			if res.Compiled == 0 || res.CompileWorkers == 0 {
				t.Errorf("compiled %d with %d interpreters, want the rejected file compiled", res.Compiled, res.CompileWorkers)
			}
			got, _ := os.ReadFile(filepath.Join(warm.purelib, modPyc(warm)))
			if bytes.Equal(got, coldPyc) && tc.name != "source's time changed" {
				t.Errorf("the installed .pyc is the cached one")
			}
			if rewritten := importAll(t, py, warm.purelib, "demo", "demo.sub.mod"); len(rewritten) > 0 {
				t.Errorf("importing rewrote stale byte-code: %q", rewritten)
			}
			if n := len(pycFolders(t, c)); n != 0 {
				t.Errorf("the byte-code folder is still there")
			}
			if complete, _ := entries(t, c); len(complete) != 1 {
				t.Errorf("%d entries, want the tree kept", len(complete))
			}
			// The next install keeps the byte-code again.
			again, _ := venvEnv(t)
			if w := installRecording(t, again, []string{wheel}, opts); len(w) != 0 {
				t.Errorf("warnings %q", w)
			}
			if n := len(pycFolders(t, c)); n != 1 {
				t.Errorf("%d byte-code folders after the next install, want 1", n)
			}
		})
	}
}

// TestCachedByteCodeKeys: byte-code compiled with other settings
// (checked hashes under SOURCE_DATE_EPOCH, PYTHONOPTIMIZE) is kept apart
// and never used for the others.
func TestCachedByteCodeKeys(t *testing.T) {
	wheel := testwheel.MustBuild(t, t.TempDir(), demoSpec())
	for _, tc := range []struct{ name, value, pyc string }{
		{"SOURCE_DATE_EPOCH", "1700000000", "mod.%s.pyc"},
		{"PYTHONOPTIMIZE", "1", "mod.%s.opt-1.pyc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cache.New(t.TempDir())
			opts := InstallOptions{Compile: true, Cache: c}
			first, _ := venvEnv(t)
			installRecording(t, first, []string{wheel}, opts)

			t.Setenv(tc.name, tc.value)
			for _, run := range []string{"other key, cold", "other key, warm"} {
				env, _ := venvEnv(t)
				res, warnings := installResult(t, env, []string{wheel}, opts)
				if len(warnings) != 0 {
					t.Errorf("%s: warnings %q", run, warnings)
				}
				cached := run == "other key, warm"
				if cached && (res.CachedByteCode != 2 || res.CompileWorkers != 0) || !cached && (res.Compiled != 2 || res.CachedByteCode != 0) {
					t.Errorf("%s: compiled %d, %d from the cache, %d interpreters", run, res.Compiled, res.CachedByteCode, res.CompileWorkers)
				}
				pyc := filepath.Join(env.purelib, "demo", "sub", "__pycache__", strings.Replace(tc.pyc, "%s", env.Interpreter.CacheTag, 1))
				data, err := os.ReadFile(pyc)
				if err != nil {
					t.Fatalf("%s: %v", run, err)
				}
				checked := data[4] == 3
				if checked != (tc.name == "SOURCE_DATE_EPOCH") {
					t.Errorf("%s: flags %d", run, data[4])
				}
			}
			if n := len(pycFolders(t, c)); n != 2 {
				t.Errorf("%d byte-code folders, want one per key", n)
			}
		})
	}
}
