package installer

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/gopip/gopip/internal/pythontest"
	"github.com/gopip/gopip/internal/testwheel"
)

// pipWouldRemove answers "n" to pip's uninstall prompt and returns the
// lists pip showed.
func pipWouldRemove(t *testing.T, python, name string) (remove, skip []string) {
	t.Helper()
	cmd := exec.Command(pythontest.Python(t), "-m", "pip", "--python", python, "--disable-pip-version-check", "uninstall", name)
	cmd.Stdin = strings.NewReader("n\n")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Run()
	var cur *[]string
	for _, line := range strings.Split(out.String(), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "Would remove:":
			cur = &remove
		case trimmed == "Would not remove (might be manually added):":
			cur = &skip
		case strings.HasPrefix(line, "    ") && cur != nil:
			*cur = append(*cur, trimmed)
		default:
			if !strings.HasPrefix(line, "    ") {
				cur = nil
			}
		}
	}
	if len(remove) == 0 {
		t.Fatalf("no listing from pip:\n%s", out.String())
	}
	return remove, skip
}

func TestUninstall(t *testing.T) {
	env, py := venvEnv(t)
	dir := t.TempDir()
	ctx := context.Background()
	whl := testwheel.MustBuild(t, dir, demoSpec())
	if _, err := Install(ctx, env, []Wheel{{Path: whl}}, InstallOptions{Compile: true}); err != nil {
		t.Fatal(err)
	}
	site := env.Scheme("demo").Purelib
	stray := filepath.Join(site, "demo", "stray.txt")
	os.WriteFile(stray, []byte("mine\n"), 0o644)
	wantRemove, wantSkip := pipWouldRemove(t, py, "demo")

	// Declined: nothing happens.
	before := snapshot(t, env.Interpreter.Prefix)
	var plan UninstallPlan
	var events []Event
	res, err := Uninstall(ctx, env, []string{"demo"}, UninstallOptions{
		Confirm:  func(p UninstallPlan) bool { plan = p; return false },
		Reporter: ReporterFunc(func(e Event) { events = append(events, e) }),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Uninstalled) != 0 {
		t.Errorf("declined but uninstalled: %+v", res)
	}
	if d := diffSnapshots(before, snapshot(t, env.Interpreter.Prefix)); len(d) > 0 {
		t.Errorf("declined uninstall changed the environment: %v", d)
	}
	sort.Strings(wantRemove)
	sort.Strings(wantSkip)
	if !reflect.DeepEqual(plan.Remove, wantRemove) {
		t.Errorf("Remove:\n got %q\nwant %q", plan.Remove, wantRemove)
	}
	if !reflect.DeepEqual(plan.Skip, wantSkip) {
		t.Errorf("Skip:\n got %q\nwant %q", plan.Skip, wantSkip)
	}
	if plan.Name != "demo" || plan.Version != "1.0" {
		t.Errorf("plan %+v", plan)
	}

	// Accepted, with a name that is not installed and a duplicate.
	events = nil
	res, err = Uninstall(ctx, env, []string{"nothere", "Demo", "demo"}, UninstallOptions{Reporter: ReporterFunc(func(e Event) { events = append(events, e) })})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Uninstalled) != 1 || !reflect.DeepEqual(res.NotInstalled, []string{"nothere"}) {
		t.Errorf("result %+v", res)
	}
	var lines []string
	for _, e := range events {
		switch e.Kind {
		case EventWarning:
			lines = append(lines, "WARNING: "+e.Message)
		case EventFoundExisting:
			lines = append(lines, "Found existing installation: "+e.Name+" "+e.Version)
		case EventUninstalling:
			lines = append(lines, "Uninstalling "+e.Name+"-"+e.Version+":")
		case EventUninstalled:
			lines = append(lines, "Successfully uninstalled "+e.Name+"-"+e.Version)
		}
	}
	want := []string{"WARNING: Skipping nothere as it is not installed.", "Found existing installation: demo 1.0", "Uninstalling demo-1.0:", "Successfully uninstalled demo-1.0"}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("events as pip lines:\n%q\nwant\n%q", lines, want)
	}
	if _, err := os.Stat(stray); err != nil {
		t.Errorf("the file RECORD does not list was removed")
	}
	for _, p := range []string{filepath.Join(site, "demo", "__init__.py"), filepath.Join(site, "demo-1.0.dist-info"), filepath.Join(env.Interpreter.Prefix, "bin", "demo")} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s is still there", p)
		}
	}
	if out := mustPip(t, py, "list"); strings.Contains(out, "demo") {
		t.Errorf("pip still lists demo:\n%s", out)
	}
}
