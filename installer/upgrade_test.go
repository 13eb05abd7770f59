package installer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopip/gopip/installer/installed"
	"github.com/gopip/gopip/internal/testwheel"
)

// demo2Spec is demo 2.0: demo/sub is gone, demo/new.py is new, a script
// was renamed.
func demo2Spec() testwheel.Spec {
	s := demoSpec()
	s.Version = "2.0"
	s.Files = []testwheel.File{
		{Path: "demo/__init__.py", Data: "def main():\n    print('demo 2')\n    return 0\n"},
		{Path: "demo/new.py", Data: "NEW = 2\n"},
	}
	s.ConsoleScripts = map[string]string{"demo2": "demo:main"}
	return s
}

func eventKinds(events []Event) map[EventKind][]Event {
	m := map[EventKind][]Event{}
	for _, e := range events {
		m[e.Kind] = append(m[e.Kind], e)
	}
	return m
}

// TestUpgradeMatchesPip upgrades demo 1.0 to 2.0 with pip and with gopip
// and compares the trees; then reinstalls and skips.
func TestUpgradeMatchesPip(t *testing.T) {
	dir := t.TempDir()
	w1 := testwheel.MustBuild(t, dir, demoSpec())
	w2 := testwheel.MustBuild(t, dir, demo2Spec())

	pipVenv := newVenv(t)
	pipPy := filepath.Join(pipVenv, "bin", "python")
	mustPip(t, pipPy, "install", "--no-deps", "--no-compile", "--no-index", w1)
	mustPip(t, pipPy, "install", "--no-deps", "--no-compile", "--no-index", w2)

	env, goPy := venvEnv(t)
	goVenv := env.Interpreter.Prefix
	ctx := context.Background()
	if _, err := Install(ctx, env, []Wheel{{Path: w1, URL: w1, Requested: true}}, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	var events []Event
	res, err := Install(ctx, env, []Wheel{{Path: w2, URL: w2, Requested: true}}, InstallOptions{Reporter: ReporterFunc(func(e Event) { events = append(events, e) })})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Uninstalled) != 1 || res.Uninstalled[0].Version != "1.0" || len(res.Installed) != 1 || res.Installed[0].Version != "2.0" {
		t.Errorf("result %+v", res)
	}
	k := eventKinds(events)
	if len(k[EventAttemptingUninstall]) != 1 || len(k[EventFoundExisting]) != 1 || k[EventFoundExisting][0].Version != "1.0" ||
		len(k[EventUninstalling]) != 1 || len(k[EventUninstalled]) != 1 || len(k[EventInstalled]) != 1 {
		t.Errorf("events %+v", events)
	}
	a := normalise(snapshot(t, pipVenv), pipVenv)
	b := normalise(snapshot(t, goVenv), goVenv)
	delete(a, "pyvenv.cfg")
	delete(b, "pyvenv.cfg")
	for _, d := range diffSnapshots(a, b) {
		t.Errorf("after upgrade: %s", d)
	}
	if _, err := os.Stat(filepath.Join(goVenv, "bin", "demo")); err == nil {
		t.Errorf("the old launcher bin/demo is still there")
	}
	runPython(t, goPy, "import demo.new")

	// The same version again: skipped, unless forced.
	events = nil
	before := snapshot(t, goVenv)
	res, err = Install(ctx, env, []Wheel{{Path: w2}}, InstallOptions{Reporter: ReporterFunc(func(e Event) { events = append(events, e) })})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.AlreadyInstalled) != 1 || len(res.Installed) != 0 || len(eventKinds(events)[EventAlreadyInstalled]) != 1 {
		t.Errorf("same version: result %+v events %+v", res, events)
	}
	if d := diffSnapshots(before, snapshot(t, goVenv)); len(d) > 0 {
		t.Errorf("skipped install changed the environment: %v", d)
	}
	res, err = Install(ctx, env, []Wheel{{Path: w2}}, InstallOptions{ForceReinstall: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Installed) != 1 || len(res.Uninstalled) != 1 {
		t.Errorf("force reinstall: %+v", res)
	}
	// Reinstalled by name (no URL): no direct_url.json, no REQUESTED.
	info := filepath.Join(env.Scheme("demo").Purelib, "demo-2.0.dist-info")
	for _, f := range []string{"direct_url.json", "REQUESTED"} {
		if _, err := os.Stat(filepath.Join(info, f)); err == nil {
			t.Errorf("%s written for a name-and-version install", f)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(info, "INSTALLER")); string(data) != "gopip\n" {
		t.Errorf("INSTALLER = %q", data)
	}
	mustPip(t, goPy, "check")
	// A downgrade works the same way.
	if _, err := Install(ctx, env, []Wheel{{Path: w1}}, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	d, err := installed.Find(env.SiteDirs(), "demo")
	if err != nil || d == nil || d.Version != "1.0" {
		t.Fatalf("after downgrade: %+v %v", d, err)
	}
}

// TestUpgradeWithoutRecord: a distribution without RECORD is neither
// upgraded nor uninstalled, with pip's message; nothing changes.
func TestUpgradeWithoutRecord(t *testing.T) {
	env, py := venvEnv(t)
	dir := t.TempDir()
	w1 := testwheel.MustBuild(t, dir, demoSpec())
	ctx := context.Background()
	if _, err := Install(ctx, env, []Wheel{{Path: w1}}, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	info := filepath.Join(env.Scheme("demo").Purelib, "demo-1.0.dist-info")
	os.Remove(filepath.Join(info, "RECORD"))
	os.WriteFile(filepath.Join(info, "INSTALLER"), []byte("conda\n"), 0o644)
	before := snapshot(t, env.Interpreter.Prefix)
	w2 := testwheel.MustBuild(t, dir, demo2Spec())
	_, err := Install(ctx, env, []Wheel{{Path: w2}}, InstallOptions{})
	want := "Cannot uninstall demo 1.0, RECORD file not found. Hint: The package was installed by conda."
	var ue *UninstallError
	if err == nil || err.Error() != want || !errors.As(err, &ue) || !errors.Is(err, installed.ErrNoRecord) {
		t.Fatalf("err = %v, want %q", err, want)
	}
	_, err = Uninstall(ctx, env, []string{"demo"}, UninstallOptions{})
	if err == nil || err.Error() != want {
		t.Fatalf("uninstall err = %v, want %q", err, want)
	}
	// pip agrees.
	out, _ := runPip(t, py, "uninstall", "-y", "demo")
	if !strings.Contains(out, want) {
		t.Errorf("pip says %q", out)
	}
	if d := diffSnapshots(before, snapshot(t, env.Interpreter.Prefix)); len(d) > 0 {
		t.Errorf("environment changed: %v", d)
	}
}

// TestInterruptedInstall cancels an upgrade (demo 1.0 → 2.0, plus a new
// distribution) at every point of staging and commit; the environment,
// including demo 1.0, must be as before each time.
func TestInterruptedInstall(t *testing.T) {
	env, py := venvEnv(t)
	dir := t.TempDir()
	w1 := testwheel.MustBuild(t, dir, demoSpec())
	w2 := testwheel.MustBuild(t, dir, demo2Spec())
	other := testwheel.MustBuild(t, dir, testwheel.Spec{Name: "other", Version: "1.0", Files: []testwheel.File{{Path: "other/__init__.py", Data: "O = 1\n"}}})
	if _, err := Install(context.Background(), env, []Wheel{{Path: w1}}, InstallOptions{Compile: true}); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, env.Interpreter.Prefix)
	for _, point := range []string{"begin", "staging", "compile", "staged", "commit-half", "commit-end"} {
		for _, how := range []string{"cancel", "error"} {
			t.Run(point+"/"+how, func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				reached := false
				hook := func(p string) error {
					if p != point {
						return nil
					}
					reached = true
					if how == "cancel" {
						cancel() // as SIGINT does, through cmd's signal.NotifyContext
						return nil
					}
					return errors.New("injected failure")
				}
				_, err := Install(ctx, env, []Wheel{{Path: w2}, {Path: other}}, InstallOptions{Compile: true, hook: hook})
				if !reached {
					t.Fatalf("point %s never reached (err %v)", point, err)
				}
				if err == nil {
					t.Fatal("no error")
				}
				if how == "cancel" && !errors.Is(err, context.Canceled) {
					t.Errorf("err = %v, want context.Canceled", err)
				}
				if d := diffSnapshots(before, snapshot(t, env.Interpreter.Prefix)); len(d) > 0 {
					t.Errorf("environment changed:\n%s", strings.Join(d, "\n"))
				}
			})
		}
	}
	runPython(t, py, "import demo.sub.mod")
}
