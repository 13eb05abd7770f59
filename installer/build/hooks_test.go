package build

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestInTreeBackendEveryHook builds a project whose backend lives in the
// tree (backend-path) through Metadata then Wheel: every hook of a wheel
// build runs once, in pip's order, with the config settings, in the
// source tree, isolated from the interpreter's site-packages and from
// PYTHONPATH; the backend's own requirement is installed into the build
// environment and importable by build_wheel; the wheel installs and
// imports.
func TestInTreeBackendEveryHook(t *testing.T) {
	interp := targetInterp(t)
	spec := backendSpec{Name: "demo", Version: "1.0", Requires: []string{"helper-dep>=1"}, Import: "helper_dep",
		RequiresDist: []string{"dep-a>=1"}}
	dir := t.TempDir()
	writeTree(t, dir, inTreeProject(spec, "demo", "X = 42\n"))
	// A module on the user's PYTHONPATH that an isolated build must not see.
	leaky := t.TempDir()
	writeTree(t, leaky, map[string]string{"gopip_leaky.py": ""})
	logPath := filepath.Join(t.TempDir(), "hooks.jsonl")

	inst := newWheelInstaller(interp, testwheelFor(t, "helper-dep", "1.0"))
	b, log := newBuilder(t, Options{
		Installer:      inst,
		ConfigSettings: map[string][]string{"one": {"1"}, "many": {"a", "b"}},
		Environ:        append(os.Environ(), "GOPIP_TEST_HOOKLOG="+logPath, "PYTHONPATH="+leaky),
	})
	ctx := context.Background()
	md, err := b.Metadata(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if md.Name() != "demo" || md.Version() != "1.0" || !reflect.DeepEqual(md.GetAll("Requires-Dist"), []string{"dep-a>=1"}) {
		t.Errorf("metadata: %+v", md.Fields)
	}
	res, err := b.Wheel(ctx, dir, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if res.Cached || res.Name != "demo" || res.Version != "1.0" || filepath.Base(res.Path) != "demo-1.0-py3-none-any.whl" {
		t.Errorf("result: %+v", res)
	}

	wantHooks := []string{"get_requires_for_build_wheel", "prepare_metadata_for_build_wheel", "build_wheel"}
	if got := log.get(); !reflect.DeepEqual(got, wantHooks) {
		t.Errorf("hooks run: %v, want %v", got, wantHooks)
	}
	wantCalls := []installCall{{"normal", []string{"helper-dep>=1"}}}
	if got := inst.Calls(); !reflect.DeepEqual(got, wantCalls) {
		t.Errorf("installer calls: %v, want %v (an empty build-system.requires installs nothing)", got, wantCalls)
	}
	recs := readHookLog(t, logPath)
	if len(recs) != 3 {
		t.Fatalf("backend saw %d hooks, want 3: %+v", len(recs), recs)
	}
	for _, r := range recs {
		if !jsonEqual(r.Config, `{"many":["a","b"],"one":"1"}`) {
			t.Errorf("%s got config_settings %s", r.Hook, r.Config)
		}
		if r.Cwd != dir {
			t.Errorf("%s ran in %s, want the source tree %s", r.Hook, r.Cwd, dir)
		}
		if r.PipVisible {
			t.Errorf("%s could import pip from the interpreter's site-packages: not isolated; sys.path %v", r.Hook, r.SysPath)
		}
		if r.Leaky {
			t.Errorf("%s could import a module from the user's PYTHONPATH; sys.path %v", r.Hook, r.SysPath)
		}
	}
	if md := recs[2].MetadataDir; md == nil || filepath.Base(*md) != "demo-1.0.dist-info" {
		t.Errorf("build_wheel got metadata_directory %v, want the prepared .dist-info", md)
	}

	venv := newVenv(t)
	installInto(t, venv, res.Path)
	if out := runPython(t, venv.Executable, "import demo; print(demo.X)"); strings.TrimSpace(out) != "42" {
		t.Errorf("import demo printed %q", out)
	}
}

// TestMissingOptionalHooks: a backend with build_wheel only. Its missing
// optional hooks are reported as missing (not as failures); Metadata falls
// back to building the wheel, which Wheel then hands out without running
// the backend again.
func TestMissingOptionalHooks(t *testing.T) {
	spec := backendSpec{Name: "bare", Version: "0.1", NoPrepare: true}
	dir := t.TempDir()
	writeTree(t, dir, inTreeProject(spec, "bare", ""))

	b, log := newBuilder(t, Options{Installer: newWheelInstaller(targetInterp(t))})
	ctx := context.Background()
	p, err := b.source(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.prepare(ctx, "wheel"); err != nil {
		t.Fatal(err)
	}
	for _, hook := range []string{"get_requires_for_build_wheel", "prepare_metadata_for_build_wheel",
		"get_requires_for_build_editable", "prepare_metadata_for_build_editable", "build_editable"} {
		err := p.hooks.call(ctx, hook, map[string]any{"config_settings": nil, "metadata_directory": t.TempDir(),
			"wheel_directory": t.TempDir()}, nil)
		var he *HookError
		if !errors.As(err, &he) || !errors.Is(err, ErrHookMissing) || he.Hook != hook {
			t.Errorf("%s: %v, want a HookError wrapping ErrHookMissing", hook, err)
		}
	}
	var features []string
	if err := p.hooks.call(ctx, "_supported_features", nil, &features); err != nil || !reflect.DeepEqual(features, []string{"build_wheel"}) {
		t.Errorf("_supported_features: %v, %v", features, err)
	}

	log.mu.Lock()
	log.hooks = nil
	log.mu.Unlock()
	md, err := b.Metadata(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if md.Name() != "bare" {
		t.Errorf("metadata name %q", md.Name())
	}
	res, err := b.Wheel(ctx, dir, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(res.Path); err != nil {
		t.Error(err)
	}
	want := []string{"prepare_metadata_for_build_wheel", "build_wheel"}
	if got := log.get(); !reflect.DeepEqual(got, want) {
		t.Errorf("hooks: %v, want %v (one build for metadata and wheel)", got, want)
	}
}

// TestBackendRaises: the error names the project and the hook, gives the
// exception and the last 20 lines of the backend's output (stdout and
// stderr, in order, the traceback last); with Verbose, all of it; and
// Output receives everything as it comes.
func TestBackendRaises(t *testing.T) {
	spec := backendSpec{Name: "broken", Version: "1.0", Fail: true, Lines: 15}
	dir := t.TempDir()
	writeTree(t, dir, inTreeProject(spec, "broken", ""))
	for _, verbose := range []bool{false, true} {
		t.Run(fmt.Sprint("verbose=", verbose), func(t *testing.T) {
			var stream strings.Builder
			b, _ := newBuilder(t, Options{Installer: newWheelInstaller(targetInterp(t)), Verbose: verbose, Output: &stream})
			_, err := b.Wheel(context.Background(), dir, t.TempDir())
			var he *HookError
			if !errors.As(err, &he) {
				t.Fatalf("error %v (%T), want *HookError", err, err)
			}
			if he.Project != "broken" || he.Hook != "build_wheel" || he.Reason != "build_wheel raised ValueError: boom" || he.ExitCode != 1 {
				t.Errorf("error fields: project %q hook %q reason %q exit %d", he.Project, he.Hook, he.Reason, he.ExitCode)
			}
			msg := err.Error()
			for _, want := range []string{"building wheel for broken failed: build_wheel raised ValueError: boom", "exit code: 1", "[end of output]", "ValueError: boom"} {
				if !strings.Contains(msg, want) {
					t.Errorf("message lacks %q:\n%s", want, msg)
				}
			}
			if last := he.Output[len(he.Output)-1]; last != "ValueError: boom" {
				t.Errorf("last output line %q, want the exception", last)
			}
			total := len(he.Output) + he.Omitted
			if total < 30 {
				t.Errorf("%d lines in all, want the 30 printed and the traceback", total)
			}
			if verbose {
				if he.Omitted != 0 || he.Output[0] != "stdout line 0" || he.Output[1] != "stderr line 0" {
					t.Errorf("verbose output starts %q, omitted %d; want everything, in order", he.Output[:2], he.Omitted)
				}
			} else if len(he.Output) != 20 || !strings.Contains(msg, fmt.Sprintf("[last 20 of %d lines of output]", total)) {
				t.Errorf("%d lines kept, want the last 20:\n%s", len(he.Output), msg)
			}
			if !strings.Contains(stream.String(), "stdout line 0\nstderr line 0\nstdout line 1") {
				t.Errorf("streamed output:\n%s", stream.String())
			}
		})
	}
}

// TestBackendPathChecks: backend-path must be inside the tree, and the
// backend must really come from it; an unimportable backend says so.
func TestBackendPathChecks(t *testing.T) {
	cases := []struct {
		name, pyproject, want string
		missing               bool
	}{
		{"stdlib module, not from backend-path", `[build-system]
requires = []
build-backend = "json"
backend-path = ["_backend"]
`, "backend 'json' was loaded from", false},
		{"backend absent", `[build-system]
requires = []
build-backend = "nosuchbackend"
backend-path = ["_backend"]
`, "cannot import build backend nosuchbackend", false},
		{"object absent", `[build-system]
requires = []
build-backend = "testbackend:nothing"
backend-path = ["_backend"]
`, "cannot import build backend testbackend:nothing", false},
		{"outside the tree", `[build-system]
requires = []
build-backend = "testbackend"
backend-path = ["../elsewhere"]
`, "paths must be inside source tree", false},
		{"absolute", `[build-system]
requires = []
build-backend = "testbackend"
backend-path = ["/tmp"]
`, "paths must be relative", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, map[string]string{
				"pyproject.toml":          c.pyproject,
				"_backend/testbackend.py": backendSource(backendSpec{Name: "x", Version: "1"}),
			})
			b, _ := newBuilder(t, Options{Installer: newWheelInstaller(targetInterp(t))})
			_, err := b.Wheel(context.Background(), dir, t.TempDir())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// TestNoBuildIsolation: the hooks see the interpreter's environment as it
// is, nothing is installed and get_requires_for_build_wheel is not asked
// (pip's --no-build-isolation).
func TestNoBuildIsolation(t *testing.T) {
	spec := backendSpec{Name: "plain", Version: "1.0", Requires: []string{"never-installed"}}
	dir := t.TempDir()
	writeTree(t, dir, inTreeProject(spec, "plain", ""))
	logPath := filepath.Join(t.TempDir(), "hooks.jsonl")
	b, log := newBuilder(t, Options{NoIsolation: true, Environ: append(os.Environ(), "GOPIP_TEST_HOOKLOG="+logPath)})
	if _, err := b.Wheel(context.Background(), dir, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if got := log.get(); !reflect.DeepEqual(got, []string{"build_wheel"}) {
		t.Errorf("hooks %v, want build_wheel only", got)
	}
	recs := readHookLog(t, logPath)
	if len(recs) != 1 || !recs[0].PipVisible {
		t.Errorf("without isolation the interpreter's pip should be importable: %+v", recs)
	}
}

// TestEditable builds a PEP 660 editable wheel with an in-tree backend:
// get_requires_for_build_editable, prepare_metadata_for_build_editable and
// build_editable run with the config settings and the metadata directory;
// installed into a venv, the project imports from its source tree, and a
// change there shows without reinstalling.
func TestEditable(t *testing.T) {
	spec := backendSpec{Name: "edit-me", Version: "0.3", Editable: true}
	dir := t.TempDir()
	writeTree(t, dir, inTreeProject(spec, "edit_me", "VALUE = 'before'\n"))
	logPath := filepath.Join(t.TempDir(), "hooks.jsonl")
	b, log := newBuilder(t, Options{
		Installer:      newWheelInstaller(targetInterp(t)),
		ConfigSettings: map[string][]string{"editable_mode": {"strict"}},
		Environ:        append(os.Environ(), "GOPIP_TEST_HOOKLOG="+logPath),
	})
	res, err := b.Editable(context.Background(), dir, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"_supported_features", "get_requires_for_build_editable", "prepare_metadata_for_build_editable", "build_editable"}
	if got := log.get(); !reflect.DeepEqual(got, want) {
		t.Errorf("hooks %v, want %v", got, want)
	}
	recs := readHookLog(t, logPath)
	last := recs[len(recs)-1]
	if last.Hook != "build_editable" || !jsonEqual(last.Config, `{"editable_mode":"strict"}`) || last.MetadataDir == nil {
		t.Errorf("build_editable saw %+v", last)
	}
	if res.Name != "edit-me" || res.Cached {
		t.Errorf("result %+v", res)
	}
	venv := newVenv(t)
	installInto(t, venv, res.Path)
	if out := runPython(t, venv.Executable, "import edit_me; print(edit_me.VALUE)"); strings.TrimSpace(out) != "before" {
		t.Errorf("import printed %q", out)
	}
	writeTree(t, dir, map[string]string{"src/edit_me/__init__.py": "VALUE = 'after'\n"})
	if out := runPython(t, venv.Executable, "import edit_me; print(edit_me.VALUE)"); strings.TrimSpace(out) != "after" {
		t.Errorf("after editing the source, import printed %q", out)
	}

	// A backend without build_editable cannot do it: pip's message.
	plain := t.TempDir()
	writeTree(t, plain, inTreeProject(backendSpec{Name: "plain", Version: "1"}, "plain", ""))
	_, err = b.Editable(context.Background(), plain, t.TempDir())
	if !errors.Is(err, ErrHookMissing) || !strings.Contains(err.Error(), "missing the 'build_editable' hook") {
		t.Errorf("editable without the hook: %v", err)
	}
}

// TestCancel: cancelling ctx kills the hook and its children at once; the
// error says it was interrupted.
func TestCancel(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"pyproject.toml": "[build-system]\nrequires = []\nbuild-backend = \"slow\"\nbackend-path = [\".\"]\n",
		"slow.py": `import subprocess, sys, time
def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    print("sleeping", flush=True)
    time.sleep(60)
`,
	})
	b, _ := newBuilder(t, Options{NoIsolation: true})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(500 * time.Millisecond)
		cancel()
	}()
	start := time.Now()
	_, err := b.Wheel(ctx, dir, t.TempDir())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v to stop", d)
	}
}

// TestBuildRequirementChecks: what get_requires_for_build_wheel asks for
// is checked against the build environment as pip checks it: a conflict
// with an installed build requirement is an error naming both; what is
// already there is not installed again.
func TestBuildRequirementChecks(t *testing.T) {
	interp := targetInterp(t)
	for _, c := range []struct {
		requires []string
		err      string
		calls    []installCall
	}{
		{[]string{"helper-dep>=2"}, "some build dependencies for demo conflict with the backend dependencies: helper-dep==1.0 is incompatible with helper-dep>=2", nil},
		{[]string{"helper-dep>=1", "other-dep; python_version < '3'"}, "", []installCall{{"overlay", []string{"helper-dep==1.0"}}}},
	} {
		spec := backendSpec{Name: "demo", Version: "1.0", Requires: c.requires}
		files := inTreeProject(spec, "demo", "")
		files["pyproject.toml"] = strings.Replace(files["pyproject.toml"], "requires = []", `requires = ["helper-dep==1.0"]`, 1)
		dir := t.TempDir()
		writeTree(t, dir, files)
		inst := newWheelInstaller(interp, testwheelFor(t, "helper-dep", "1.0"))
		b, _ := newBuilder(t, Options{Installer: inst})
		_, err := b.Wheel(context.Background(), dir, t.TempDir())
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("requires %v: error %v, want %q", c.requires, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := inst.Calls(); !reflect.DeepEqual(got, c.calls) {
			t.Errorf("requires %v: installer calls %v, want %v", c.requires, got, c.calls)
		}
	}
}

// TestWrongWheelName: a backend that builds another project than the
// sdist's file name says is refused.
func TestWrongWheelName(t *testing.T) {
	spec := backendSpec{Name: "other", Version: "1.0"}
	sdist := makeSdist(t, t.TempDir(), "claimed-1.0", inTreeProject(spec, "other", ""))
	b, _ := newBuilder(t, Options{Installer: newWheelInstaller(targetInterp(t)), CacheDir: t.TempDir()})
	_, err := b.Wheel(context.Background(), sdist, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), `the built distribution is named "other", not "claimed"`) {
		t.Errorf("error %v", err)
	}
}
