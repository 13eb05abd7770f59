// Package benchutil is the common part of the benchmarks under tools/
// (bench-resolve, bench-install) that time gopip against pip: a work
// folder with a private HOME, a gopip binary, the machine's Python,
// "gopip repo serve" processes, and interleaved timing of fresh processes
// with medians and per-round ratios.
//
// A benchmark makes a Runner, serves its index, describes its cases and
// runs them:
//
//	r := benchutil.New("bench-x", *gopipBin, *keep)
//	defer r.Close()
//	url := r.Serve(repoDir)
//	r.Run(os.Stdout, benchutil.Table{Labels: []string{"gopip", "pip"}}, cases, rounds)
//
// Failures end the program (log.Fatal) after stopping the servers: a
// benchmark is a tool run by hand, and a failed command makes its figures
// meaningless.
package benchutil

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Runner runs the commands of one benchmark. It is not safe for
// concurrent use.
type Runner struct {
	// Work is the work folder; HOME and the XDG folders are under
	// Work/home.
	Work string
	// Gopip is the gopip binary measured, Python the real interpreter
	// behind python3 (not a pyenv shim).
	Gopip, Python string
	// Env is the environment of every command: a private HOME and XDG
	// folders, PATH, and pip's configuration turned off
	// (PIP_CONFIG_FILE=/dev/null, no version check, no input).
	Env []string

	keep    bool
	servers []*exec.Cmd
}

// New makes the work folder (under $TMPDIR), copies gopipBin into it or
// builds ./cmd/gopip when gopipBin is "", and finds the real python3.
// With keep, the work folder is left for inspection.
func New(name, gopipBin string, keep bool) *Runner {
	log.SetFlags(0)
	log.SetPrefix(name + ": ")
	work, err := os.MkdirTemp("", "gopip-"+name+"-")
	if err != nil {
		log.Fatal(err)
	}
	r := &Runner{Work: work, keep: keep}
	if keep {
		log.Printf("work folder %s", work)
	}
	home := filepath.Join(work, "home")
	r.Env = []string{
		"HOME=" + home,
		"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"PATH=" + os.Getenv("PATH"),
		"PIP_CONFIG_FILE=" + os.DevNull,
		"PIP_DISABLE_PIP_VERSION_CHECK=1",
		"PIP_NO_INPUT=1",
	}
	r.Gopip = filepath.Join(work, "gopip")
	if gopipBin != "" {
		data, err := os.ReadFile(gopipBin)
		r.Check(err)
		r.Check(os.WriteFile(r.Gopip, data, 0o755))
	} else {
		out, err := exec.Command("go", "build", "-trimpath", "-o", r.Gopip, "./cmd/gopip").CombinedOutput()
		if err != nil {
			r.Fatalf("go build: %v\n%s", err, out)
		}
	}
	out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
	r.Check(err)
	r.Python = strings.TrimSpace(string(out))
	return r
}

// Close stops the servers and removes the work folder (unless kept).
func (r *Runner) Close() {
	r.stopServers()
	if !r.keep {
		os.RemoveAll(r.Work)
	}
}

// Banner returns the first lines of a report: date, CPUs, load average,
// Python and pip versions.
func (r *Runner) Banner(name string) string {
	pip := strings.Fields(r.Must(r.Python, "-m", "pip", "--version"))
	return fmt.Sprintf("%s %s: %d CPUs, load average %s\npython %s, pip %s\n", name,
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.NumCPU(), LoadAverage(),
		strings.TrimSpace(r.Must(r.Python, "-c", "import platform; print(platform.python_version())")), pip[1])
}

// LoadAverage returns the 1, 5 and 15 minute load averages, "?" if
// unknown.
func LoadAverage() string {
	load, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(load))[:3], " ")
}

// Must runs a command and returns its stdout, ending the benchmark if it
// fails.
func (r *Runner) Must(args ...string) string {
	return r.MustEnv(nil, args...)
}

// MustEnv is Must with env added to the Runner's environment.
func (r *Runner) MustEnv(env []string, args ...string) string {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(slices.Clip(r.Env), env...)
	cmd.Dir = r.Work
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		r.Fatalf("%s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// Sample is one timed run of a command.
type Sample struct {
	// Wall is the elapsed time, from start to exit.
	Wall time.Duration
	// CPU is user+sys time from wait4: the process's own and that of its
	// descendants it waited for (gopip's byte-compiling interpreters).
	CPU time.Duration
	// MaxRSS is the peak resident set size from wait4, in bytes: that of
	// the largest single process among the command and the descendants
	// it waited for (not their sum). Linux counts in it the peak of the
	// address space a process had before exec: the benchmark's own, since
	// Go starts commands with vfork; Time resets that peak to the current
	// size before each command, which is then the floor (RSSFloor).
	MaxRSS int64
}

// Time runs a command to completion, with env added to the Runner's
// environment, ending the benchmark if it fails.
func (r *Runner) Time(args, env []string) Sample {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(slices.Clip(r.Env), env...)
	cmd.Dir = r.Work
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	resetPeakRSS()
	start := time.Now()
	if err := cmd.Run(); err != nil {
		r.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	s := Sample{Wall: time.Since(start), CPU: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.MaxRSS = ru.Maxrss * 1024 // kilobytes on Linux
	}
	return s
}

// resetPeakRSS returns memory to the system and resets this process's
// peak RSS to its current RSS (Linux 4.0 and later), so that the commands
// it starts do not inherit a peak from the benchmark's own work.
func resetPeakRSS() {
	debug.FreeOSMemory()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// RSSFloor is the max RSS that Time reports for a command that uses
// almost no memory ("true"): about what every MaxRSS includes at least
// (the harness's current RSS, which varies a little).
func (r *Runner) RSSFloor() int64 {
	return r.Time([]string{"true"}, nil).MaxRSS
}

// Serve starts "gopip repo serve DIR" on a free loopback port for the
// life of the Runner and returns the index URL it prints.
func (r *Runner) Serve(dir string) string {
	cmd := exec.Command(r.Gopip, "repo", "serve", dir, "--addr", "127.0.0.1:0")
	cmd.Env = r.Env
	stdout, err := cmd.StdoutPipe()
	r.Check(err)
	cmd.Stderr = os.Stderr
	r.Check(cmd.Start())
	r.servers = append(r.servers, cmd)
	line, err := bufio.NewReader(stdout).ReadString('\n')
	r.Check(err)
	// "serving DIR at http://127.0.0.1:PORT/simple/ (TUF metadata at …)"
	for _, f := range strings.Fields(line) {
		if strings.HasPrefix(f, "http://") && strings.HasSuffix(f, "/simple/") {
			return f
		}
	}
	r.Fatalf("gopip repo serve said %q", line)
	return ""
}

func (r *Runner) stopServers() {
	for _, s := range r.servers {
		s.Process.Kill()
		s.Wait()
	}
	r.servers = nil
}

// Fatalf stops the servers, removes the work folder (unless kept) and
// exits.
func (r *Runner) Fatalf(format string, args ...any) {
	r.Close()
	log.Fatalf(format, args...)
}

// Check ends the benchmark if err is not nil.
func (r *Runner) Check(err error) {
	if err != nil {
		r.Fatalf("%v", err)
	}
}
