package installer

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gopip/gopip/internal/pythontest"
	"github.com/gopip/gopip/internal/testwheel"
)

// killChildEnv names the variable that turns TestKillChild into the
// installing child process of TestKillMidInstall.
const killChildEnv = "GOPIP_INSTALLER_KILL_CHILD"

type killChildArgs struct {
	Python  string   `json:"python"`
	Wheels  []string `json:"wheels"`
	Compile bool     `json:"compile"`
	// StopAt names a transaction point where the child says "AT <point>"
	// on stdout and waits to be killed.
	StopAt string `json:"stop_at"`
}

// childSetup starts a child test process (TestKillChild, TestCrashChild):
// it reads the JSON arguments the parent test put in the environment
// variable name, skipping the test when run other than as parent's
// child, and opens the environment of their interpreter (python).
func childSetup[A any](t *testing.T, name, parent string, python func(A) string) (A, *Environment) {
	var args A
	raw := os.Getenv(name)
	if raw == "" {
		t.Skip("only run as the child of " + parent)
	}
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatal(err)
	}
	in, err := Inspect(context.Background(), python(args), "")
	if err != nil {
		t.Fatal(err)
	}
	env, err := NewEnvironment(in, SchemeOptions{NoUser: true})
	if err != nil {
		t.Fatal(err)
	}
	return args, env
}

// TestKillChild is not a test: run by TestKillMidInstall as a child
// process, it installs wheels, slowly, to be killed.
func TestKillChild(t *testing.T) {
	args, env := childSetup(t, killChildEnv, "TestKillMidInstall", func(a killChildArgs) string { return a.Python })
	var ws []Wheel
	for _, w := range args.Wheels {
		ws = append(ws, Wheel{Path: w, URL: w, Requested: true})
	}
	slow := func(p string) error {
		if p == args.StopAt {
			os.Stdout.WriteString("AT " + p + "\n")
			time.Sleep(time.Minute)
		}
		time.Sleep(15 * time.Millisecond)
		return nil
	}
	if _, err := Install(context.Background(), env, ws, InstallOptions{Compile: args.Compile, hook: slow}); err != nil {
		t.Fatal(err)
	}
}

func runKillChild(t *testing.T, args killChildArgs, killAfter time.Duration) (time.Duration, bool) {
	t.Helper()
	raw, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), killChildEnv+"="+string(raw))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if args.StopAt != "" {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == "AT "+args.StopAt {
				cmd.Process.Signal(syscall.SIGKILL)
				cmd.Wait()
				return time.Since(start), true
			}
		}
		cmd.Wait()
		t.Fatalf("child never reached %s", args.StopAt)
	}
	go io.Copy(io.Discard, stdout)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if killAfter <= 0 {
		if err := <-done; err != nil {
			t.Fatalf("child failed: %v", err)
		}
		return time.Since(start), false
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("child failed: %v", err)
		}
		return time.Since(start), false
	case <-time.After(killAfter):
		cmd.Process.Signal(syscall.SIGKILL)
		<-done
		return time.Since(start), true
	}
}

// comparable normalises a venv snapshot for before/after comparisons:
// its path, and byte-code (whose content holds source timestamps).
func comparable(snap map[string]fileState, venv string) map[string]fileState {
	out := normalise(snap, venv)
	for p, s := range out {
		if strings.HasSuffix(p, ".pyc") {
			s.Content = ""
			out[p] = s
		}
	}
	delete(out, "pyvenv.cfg")
	return out
}

// TestKillMidInstall kills an installing gopip process (SIGKILL, no
// chance to clean up) at random moments of an upgrade, then lets the next
// gopip recover; the environment must be exactly as before the install
// or exactly as after it.
func TestKillMidInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	py := pythontest.Python(t)
	dir := t.TempDir()
	site := pipSitePackages(t)
	wheels := []string{testwheel.MustBuild(t, dir, demo2Spec())}
	for _, name := range []string{"docutils", "click", "jinja2", "markupsafe"} {
		if p, err := testwheel.Repack(dir, site, name); err == nil {
			wheels = append(wheels, p)
		}
	}
	w1 := testwheel.MustBuild(t, dir, demoSpec())
	fresh := func() (string, map[string]fileState) {
		venv := newVenv(t)
		vpy := filepath.Join(venv, "bin", "python")
		env, err := NewEnvironment(inspectT(t, vpy), SchemeOptions{NoUser: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Install(context.Background(), env, []Wheel{{Path: w1}}, InstallOptions{}); err != nil {
			t.Fatal(err)
		}
		return venv, comparable(snapshot(t, venv), venv)
	}
	_ = py

	for _, compile := range []bool{false, true} {
		// The complete run gives the "after" state and the duration.
		venv, before := fresh()
		dur, _ := runKillChild(t, killChildArgs{Python: filepath.Join(venv, "bin", "python"), Wheels: wheels, Compile: compile}, 0)
		after := comparable(snapshot(t, venv), venv)
		if len(diffSnapshots(before, after)) == 0 {
			t.Fatal("the install changed nothing")
		}
		rng := rand.New(rand.NewSource(time.Now().UnixNano()))
		outcomes := map[string]int{}
		points := []string{"begin", "staging", "staged", "commit-half", "commit-end"}
		if compile {
			points = append(points, "compile")
		}
		for trial := 0; trial < len(points)+3; trial++ {
			venv, _ := fresh()
			args := killChildArgs{Python: filepath.Join(venv, "bin", "python"), Wheels: wheels, Compile: compile}
			var delay time.Duration
			if trial < len(points) {
				args.StopAt = points[trial]
			} else {
				// Random moments, some after the end.
				delay = dur/4 + time.Duration(rng.Int63n(int64(dur)))
			}
			_, killed := runKillChild(t, args, delay)
			env, err := NewEnvironment(inspectT(t, filepath.Join(venv, "bin", "python")), SchemeOptions{NoUser: true})
			if err != nil {
				t.Fatal(err)
			}
			_, journalErr := os.Stat(filepath.Join(env.LockDir(), journalName))
			var recovered bool
			if err := Recover(context.Background(), env, ReporterFunc(func(e Event) {
				if e.Kind == EventRecovered {
					recovered = true
				}
			})); err != nil {
				t.Fatalf("recover: %v", err)
			}
			if (journalErr == nil) != recovered {
				t.Errorf("journal present: %v, recovery reported: %v", journalErr == nil, recovered)
			}
			got := comparable(snapshot(t, venv), venv)
			switch {
			case len(diffSnapshots(before, got)) == 0:
				outcomes["before"]++
			case len(diffSnapshots(after, got)) == 0:
				outcomes["after"]++
			default:
				t.Errorf("compile=%v, killed=%v at %q after %v: neither before nor after:\nvs before:\n%s\nvs after:\n%s", compile, killed, args.StopAt, delay,
					strings.Join(diffSnapshots(before, got), "\n"), strings.Join(diffSnapshots(after, got), "\n"))
			}
		}
		t.Logf("compile=%v: full install %v; outcomes %v", compile, dur, outcomes)
	}
}

// TestConcurrentInstalls runs two installations into one environment at
// once: the second waits for the first (and says so), both succeed.
func TestConcurrentInstalls(t *testing.T) {
	env, py := venvEnv(t)
	dir := t.TempDir()
	a := testwheel.MustBuild(t, dir, demoSpec())
	b := testwheel.MustBuild(t, dir, testwheel.Spec{Name: "other", Version: "1.0", Files: []testwheel.File{{Path: "other/__init__.py", Data: "O = 1\n"}}})
	started := make(chan struct{})
	var wg sync.WaitGroup
	var errA, errB error
	var waited bool
	wg.Add(2)
	go func() {
		defer wg.Done()
		_, errA = Install(context.Background(), env, []Wheel{{Path: a}}, InstallOptions{Compile: true, hook: func(p string) error {
			if p == "begin" {
				close(started)
				time.Sleep(300 * time.Millisecond)
			}
			return nil
		}})
	}()
	go func() {
		defer wg.Done()
		<-started
		_, errB = Install(context.Background(), env, []Wheel{{Path: b}}, InstallOptions{Compile: true, Reporter: ReporterFunc(func(e Event) {
			if e.Kind == EventWaitingForLock {
				waited = true
			}
		})})
	}()
	wg.Wait()
	if errA != nil || errB != nil {
		t.Fatalf("errors: %v, %v", errA, errB)
	}
	if !waited {
		t.Errorf("the second install did not report waiting for the lock")
	}
	runPython(t, py, "import demo, other")
	mustPip(t, py, "check")
	// Nothing of gopip's is left in the environment.
	filepath.WalkDir(env.Interpreter.Prefix, func(p string, d os.DirEntry, err error) error {
		if strings.HasPrefix(d.Name(), ".gopip") {
			t.Errorf("left behind: %s", p)
		}
		return nil
	})
}

// TestLockWaitCancelled: a cancelled context stops the wait for the lock.
func TestLockWaitCancelled(t *testing.T) {
	dir := t.TempDir()
	l, err := lockEnv(context.Background(), dir, nopReporter{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.unlock(false)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := lockEnv(ctx, dir, nopReporter{}); err != context.DeadlineExceeded {
		t.Errorf("err = %v", err)
	}
}
