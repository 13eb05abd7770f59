package installer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gopip/gopip/internal/cache"
	"github.com/gopip/gopip/internal/pythontest"
	"github.com/gopip/gopip/internal/testwheel"
)

// The crash-consistency loop (issue 8, point 3). A child process (this
// test binary, re-executed) installs a large set of real distributions
// repacked from the machine's site-packages, upgrades them, or
// uninstalls them, and is killed with SIGKILL at a random moment. The
// next gopip run (Recover) must leave the environment exactly as it was
// before the operation or exactly as a complete run leaves it, every
// RECORD complete and matching its files, with nothing of gopip's left.
//
// By default (CI) it kills each operation 3 times; -short skips it.
// GOPIP_CRASH_ITER=N kills each N times, with a larger set of
// distributions (see crashSet); GOPIP_CRASH_DEEP=1 runs pip check and the
// imports after every kill instead of on the reference states and every
// tenth kill:
//
//	GOPIP_CRASH_ITER=200 go test ./installer/ -run Crash -v -timeout 3h

// crashChildEnv carries the JSON crashChildArgs of TestCrashChild.
const crashChildEnv = "GOPIP_INSTALLER_CRASH_CHILD"

type crashChildArgs struct {
	Python  string   `json:"python"`
	Op      string   `json:"op"` // "install" or "uninstall"
	Wheels  []string `json:"wheels,omitempty"`
	Names   []string `json:"names,omitempty"`
	Compile bool     `json:"compile"`
	// Cache is the unpacked-wheel cache's directory ("" for none),
	// used in LinkAuto mode.
	Cache string `json:"cache,omitempty"`
}

// TestCrashChild is not a test: run by TestCrashConsistency as a child
// process, it performs one operation at full speed, saying "AT <point>"
// on stdout at each point of the transaction it reaches, to be killed.
func TestCrashChild(t *testing.T) {
	args, env := childSetup(t, crashChildEnv, "TestCrashConsistency", func(a crashChildArgs) string { return a.Python })
	say := func(p string) error {
		// An unbuffered write to a pipe: the line is out before the
		// point is passed.
		os.Stdout.WriteString("AT " + p + "\n")
		return nil
	}
	say("start")
	var err error
	switch args.Op {
	case "install":
		var ws []Wheel
		for _, w := range args.Wheels {
			ws = append(ws, Wheel{Path: w, Requested: true})
		}
		_, err = Install(context.Background(), env, ws, InstallOptions{Compile: args.Compile, Cache: cache.New(args.Cache), hook: say})
	case "uninstall":
		_, err = Uninstall(context.Background(), env, args.Names, UninstallOptions{hook: say})
	default:
		err = fmt.Errorf("unknown op %q", args.Op)
	}
	if err != nil {
		t.Fatal(err)
	}
	say("done")
}

// crashRun is one run of the child: the points it reached, when (since
// it started), and whether it was killed.
type crashRun struct {
	points []string
	at     map[string]time.Duration // first time each point was seen
	killed bool
	total  time.Duration
}

// runCrashChild runs the child and, when anchor is not "", kills it
// delay after it reports reaching anchor ("start" is the process start).
func runCrashChild(t *testing.T, args crashChildArgs, anchor string, delay time.Duration) crashRun {
	t.Helper()
	raw, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+string(raw))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	run := crashRun{at: map[string]time.Duration{}}
	var mu sync.Mutex
	var kill *time.Timer
	armed := false
	arm := func() {
		kill = time.AfterFunc(delay, func() {
			mu.Lock()
			defer mu.Unlock()
			if cmd.Process.Signal(syscall.SIGKILL) == nil {
				run.killed = true
			}
		})
	}
	if anchor == "start" {
		mu.Lock()
		arm()
		armed = true
		mu.Unlock()
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		p, ok := strings.CutPrefix(sc.Text(), "AT ")
		if !ok {
			continue
		}
		mu.Lock()
		if _, seen := run.at[p]; !seen {
			run.at[p] = time.Since(start)
		}
		run.points = append(run.points, p)
		if p == anchor && !armed {
			arm()
			armed = true
		}
		mu.Unlock()
	}
	err = cmd.Wait()
	run.total = time.Since(start)
	mu.Lock()
	if kill != nil {
		kill.Stop()
	}
	killed := run.killed
	mu.Unlock()
	if err != nil && !killed {
		t.Fatalf("child failed: %v\n%s", err, stderr.String())
	}
	if killed {
		// The signal may have come after the child's own exit.
		var ee *exec.ExitError
		run.killed = errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signaled()
	}
	return run
}

// crashScenario is one operation under test, started from a template
// environment copied to a fixed path (launchers name their venv).
type crashScenario struct {
	name     string
	venv     string // where the child operates
	template string // the before state, copied to venv before each run
	args     crashChildArgs
	imports  []string // modules that import in the after state
	before   map[string]fileState
	after    map[string]fileState
	// anchors are the points kills are timed from, and windows the time
	// from each to the next one (in the reference run).
	anchors []string
	windows map[string]time.Duration
}

// crashSet are the distributions the loop installs, with their
// dependencies, so that pip check is clean: about 1,400 files and 25 MB
// (cryptography's compiled extension alone is 10 MB); the long run
// (GOPIP_CRASH_ITER set) adds sympy and mpmath, for about 3,400 files and
// 75 MB (sympy has 1,500 modules to byte-compile).
var crashSet = []struct {
	name, module string
	longOnly     bool
}{
	{"sympy", "sympy", true},
	{"mpmath", "mpmath", true},
	{"cryptography", "cryptography.fernet", false},
	{"cffi", "cffi", false},
	{"pycparser", "pycparser", false},
	{"docutils", "docutils.core", false},
	{"pygments", "pygments.lexers", false},
	{"jinja2", "jinja2", false},
	{"markupsafe", "markupsafe", false},
}

// repackVersion repacks name from site with its version replaced by
// version (file name, .dist-info and METADATA), changed by change.
func repackVersion(t *testing.T, dir, site, name, version string, change func(*testwheel.Spec)) string {
	t.Helper()
	s, err := testwheel.RepackSpec(site, name)
	if err != nil {
		t.Skipf("repacking %s: %v", name, err)
	}
	if version != "" {
		old := s.Version
		s.Version = version
		s.DistInfoName = strings.TrimSuffix(s.DistInfoName, old) + version
		for i, f := range s.DistInfoFiles {
			if f.Path == "METADATA" {
				s.DistInfoFiles[i].Data = strings.Replace(f.Data, "\nVersion: "+old+"\n", "\nVersion: "+version+"\n", 1)
			}
		}
	}
	if change != nil {
		change(&s)
	}
	p, err := testwheel.Build(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// oldRelease makes the "older version" an upgrade replaces differ from
// the new one in every way an upgrade must handle: files that only the
// old version has (removed by the upgrade), files it lacks (added), and
// files whose content changes.
func oldRelease(s *testwheel.Spec) {
	var files []testwheel.File
	for i, f := range s.Files {
		switch {
		case i%7 == 3:
			continue // new in the upgrade
		case i%7 == 5 && strings.HasSuffix(f.Path, ".py"):
			f.Data += "\n# changed in the upgrade\n"
		}
		files = append(files, f)
	}
	for _, f := range s.Files {
		if top, _, ok := strings.Cut(f.Path, "/"); ok {
			files = append(files, testwheel.File{Path: top + "/_gone_in_upgrade.py", Data: "GONE = 1\n"})
			break
		}
	}
	s.Files = files
}

// crashIterations returns the kills per operation, and whether this is
// the long run.
func crashIterations(t *testing.T) (int, bool) {
	if v := os.Getenv("GOPIP_CRASH_ITER"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("GOPIP_CRASH_ITER=%q: want a positive number", v)
		}
		return n, true
	}
	if testing.Short() {
		t.Skip("slow; GOPIP_CRASH_ITER=N runs N kills per operation")
	}
	return 3, false
}

// copyTree copies src to dst (which must not exist) with cp -a: modes,
// links and times kept.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp -a %s %s: %v\n%s", src, dst, err, out)
	}
}

func resetTree(t *testing.T, template, dst string) {
	t.Helper()
	if err := os.RemoveAll(dst); err != nil {
		t.Fatal(err)
	}
	copyTree(t, template, dst)
}

// TestCrashConsistency kills installs, upgrades and uninstalls of a large
// set of real distributions with SIGKILL at random moments (see the
// comment at the top of this file), and counts where the kills landed:
//
//   - startup: before the transaction's journal existed (reading and
//     checking the wheels, planning);
//   - staging: the journal is there without a plan (extracting, hashing,
//     compiling, writing RECORD files; for an uninstall, creating the
//     staging directories);
//   - commit: the plan is journaled, not the "committed" record (the
//     renames);
//   - after commit: the "committed" record is there but not the end of
//     the clean-up (deleting the replaced files, pruning directories);
//   - finished: the journal is gone but the process had not exited.
func TestCrashConsistency(t *testing.T) {
	n, long := crashIterations(t)
	python := pythontest.Python(t)
	site := pipSitePackages(t)
	pythontest.RequirePip(t, "")
	root := t.TempDir()
	wheelDir := filepath.Join(root, "wheels")
	oldDir := filepath.Join(root, "old")
	for _, d := range []string{wheelDir, oldDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var newWheels, oldWheels, names, imports []string
	for _, d := range crashSet {
		if d.longOnly && !long {
			continue
		}
		s, err := testwheel.RepackSpec(site, d.name)
		if err != nil {
			t.Skipf("%s is not installed in %s: %v", d.name, site, err)
		}
		newWheels = append(newWheels, repackVersion(t, wheelDir, site, d.name, s.Version+".post1", nil))
		oldWheels = append(oldWheels, repackVersion(t, oldDir, site, d.name, "", oldRelease))
		names = append(names, d.name)
		imports = append(imports, d.module)
	}

	// mkTemplate creates the venv at path, installs wheels into it and
	// moves it to path+".template".
	mkTemplate := func(path string, wheels []string) string {
		cmd := exec.Command(python, "-m", "venv", "--without-pip", path)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("creating venv: %v\n%s", err, out)
		}
		if len(wheels) > 0 {
			env, err := NewEnvironment(inspectT(t, filepath.Join(path, "bin", "python")), SchemeOptions{NoUser: true})
			if err != nil {
				t.Fatal(err)
			}
			var ws []Wheel
			for _, w := range wheels {
				ws = append(ws, Wheel{Path: w, Requested: true})
			}
			if _, err := Install(context.Background(), env, ws, InstallOptions{Compile: true}); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Rename(path, path+".template"); err != nil {
			t.Fatal(err)
		}
		return path + ".template"
	}
	var scenarios []*crashScenario
	for _, sc := range []struct {
		name   string
		before []string
		args   crashChildArgs
	}{
		// The install fills the unpacked-wheel cache, shared by all its
		// runs: the first ones are killed while filling it, later ones
		// install from it (hard links on one file system), whatever
		// state the killed ones left it in.
		{"install", nil, crashChildArgs{Op: "install", Wheels: newWheels, Compile: true, Cache: filepath.Join(root, "cache")}},
		{"upgrade", oldWheels, crashChildArgs{Op: "install", Wheels: newWheels, Compile: true}},
		{"uninstall", newWheels, crashChildArgs{Op: "uninstall", Names: names}},
	} {
		venv := filepath.Join(root, sc.name, "venv")
		if err := os.MkdirAll(filepath.Dir(venv), 0o755); err != nil {
			t.Fatal(err)
		}
		s := &crashScenario{name: sc.name, venv: venv, template: mkTemplate(venv, sc.before), args: sc.args, imports: imports}
		s.args.Python = filepath.Join(venv, "bin", "python")
		if sc.name == "uninstall" {
			s.imports = nil
		}
		scenarios = append(scenarios, s)
	}

	seed := time.Now().UnixNano()
	t.Logf("seed %d, %d kills per operation", seed, n)
	rng := rand.New(rand.NewSource(seed))
	deepAll := os.Getenv("GOPIP_CRASH_DEEP") == "1"
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			// The reference run: the before and after states, and how
			// long each phase takes.
			resetTree(t, s.template, s.venv)
			s.before = comparable(snapshot(t, s.venv), s.venv)
			deepCheck(t, s, "before", nil)
			ref := runCrashChild(t, s.args, "", 0)
			s.after = comparable(snapshot(t, s.venv), s.venv)
			if len(diffSnapshots(s.before, s.after)) == 0 {
				t.Fatal("the operation changed nothing")
			}
			deepCheck(t, s, "after", s.imports)
			s.anchors, s.windows = anchorWindows(ref)
			t.Logf("reference run: %v; points %v", ref.total.Round(time.Millisecond), describeTimes(ref))

			outcomes := map[string]int{}
			phases := map[string]int{}
			completed, cold := 0, 0
			for i := 0; i < n; i++ {
				resetTree(t, s.template, s.venv)
				if s.args.Cache != "" && rng.Intn(2) == 0 {
					// Half the runs start from an empty cache; the others
					// from whatever the previous run, killed or not, left.
					if err := os.RemoveAll(s.args.Cache); err != nil {
						t.Fatal(err)
					}
					cold++
				}
				// Two kills in five are timed from the start over the
				// whole run; the others from a point of the transaction,
				// within the time to the next one, so that short phases
				// (the commit) are hit too.
				anchor := "start"
				if rng.Intn(5) >= 2 {
					anchor = s.anchors[rng.Intn(len(s.anchors))]
				}
				window := s.windows[anchor]
				delay := time.Duration(rng.Int63n(int64(window)*5/4 + 1))
				run := runCrashChild(t, s.args, anchor, delay)
				if !run.killed {
					completed++
				}
				phase := crashPhase(t, s, run)
				state := checkRecovered(t, s)
				if run.killed {
					phases[phase]++
					outcomes[state]++
				}
				if t.Failed() {
					t.Fatalf("kill %d (anchor %s + %v, phase %s, points %v): inconsistent", i, anchor, delay, phase, run.points)
				}
				if deepAll || i%10 == 9 {
					var imp []string
					if state == "after" {
						imp = s.imports
					}
					deepCheck(t, s, fmt.Sprintf("kill %d (%s)", i, state), imp)
				}
			}
			t.Logf("%s: %d kills, %d runs ended before the kill; kills by phase: %s; state after recovery: %s",
				s.name, n-completed, completed, formatCounts(phases, "startup", "staging", "commit", "after commit", "finished"), formatCounts(outcomes, "before", "after"))
			if s.args.Cache != "" {
				t.Logf("%s: %d runs started from an empty cache, %d from the previous run's", s.name, cold, n-cold)
			}
		})
	}
}

// anchorWindows returns the points of a reference run kills are timed
// from, in order, and the time from each to the next (at least 2ms).
func anchorWindows(ref crashRun) ([]string, map[string]time.Duration) {
	type pt struct {
		name string
		at   time.Duration
	}
	var pts []pt
	for p, at := range ref.at {
		switch p {
		case "begin", "staged", "commit-half", "commit-end":
			pts = append(pts, pt{p, at})
		}
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i].at < pts[j].at })
	windows := map[string]time.Duration{"start": ref.total}
	anchors := []string{}
	for i, p := range pts {
		next := ref.total
		if i+1 < len(pts) {
			next = pts[i+1].at
		}
		anchors = append(anchors, p.name)
		windows[p.name] = max(next-p.at, 2*time.Millisecond)
	}
	if len(anchors) == 0 {
		anchors = []string{"start"}
	}
	return anchors, windows
}

func describeTimes(r crashRun) string {
	var parts []string
	for p, at := range r.at {
		parts = append(parts, fmt.Sprintf("%s@%v", p, at.Round(time.Millisecond)))
	}
	sort.Slice(parts, func(i, j int) bool {
		return r.at[strings.Split(parts[i], "@")[0]] < r.at[strings.Split(parts[j], "@")[0]]
	})
	return strings.Join(parts, " ")
}

func formatCounts(m map[string]int, order ...string) string {
	var parts []string
	for _, k := range order {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// crashPhase tells, from the journal the killed child left, where the
// kill landed (see TestCrashConsistency).
func crashPhase(t *testing.T, s *crashScenario, run crashRun) string {
	t.Helper()
	site := s.lockDir(t)
	data, err := os.ReadFile(filepath.Join(site, journalName))
	if errors.Is(err, os.ErrNotExist) {
		got := comparable(snapshot(t, s.venv), s.venv)
		switch {
		case len(diffSnapshots(s.before, got)) == 0:
			return "startup"
		case len(diffSnapshots(s.after, got)) == 0:
			return "finished"
		}
		return "unknown (no journal, neither before nor after)"
	}
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		var r journalRecord
		if json.Unmarshal([]byte(line), &r) == nil {
			ops[r.Op] = true
		}
	}
	switch {
	case ops["committed"]:
		return "after commit"
	case ops["plan"]:
		return "commit"
	}
	return "staging"
}

func (s *crashScenario) lockDir(t *testing.T) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(s.venv, "lib", "python3*", "site-packages"))
	if len(m) != 1 {
		t.Fatalf("site-packages of %s: %v", s.venv, m)
	}
	return m[0]
}

// checkRecovered runs the next gopip's recovery and checks the result:
// "before" or "after", nothing of gopip's left, every RECORD right.
func checkRecovered(t *testing.T, s *crashScenario) string {
	t.Helper()
	_, journalErr := os.Stat(filepath.Join(s.lockDir(t), journalName))
	env, err := NewEnvironment(inspectT(t, s.args.Python), SchemeOptions{NoUser: true})
	if err != nil {
		t.Fatal(err)
	}
	recovered := false
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
	var stray []string
	filepath.WalkDir(s.venv, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".gopip") {
			stray = append(stray, p)
		}
		return nil
	})
	if len(stray) > 0 {
		t.Errorf("left behind after recovery: %v", stray)
	}
	got := comparable(snapshot(t, s.venv), s.venv)
	state := ""
	switch {
	case len(diffSnapshots(s.before, got)) == 0:
		state = "before"
	case len(diffSnapshots(s.after, got)) == 0:
		state = "after"
	default:
		t.Errorf("neither before nor after:\nvs before:\n%s\nvs after:\n%s",
			clip(strings.Join(diffSnapshots(s.before, got), "\n")), clip(strings.Join(diffSnapshots(s.after, got), "\n")))
	}
	if err := pythontest.VerifyRecords(s.lockDir(t)); err != nil {
		t.Error(err)
	}
	return state
}

// deepCheck checks an environment with the real pip (pip check) and
// Python (the imports), after verifying every RECORD.
func deepCheck(t *testing.T, s *crashScenario, what string, imports []string) {
	t.Helper()
	if err := pythontest.VerifyRecords(s.lockDir(t)); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if out, err := runPip(t, s.args.Python, "check"); err != nil {
		t.Fatalf("%s: pip check: %v\n%s", what, err, out)
	}
	if len(imports) > 0 {
		runPython(t, s.args.Python, "import "+strings.Join(imports, ", "))
	}
}
