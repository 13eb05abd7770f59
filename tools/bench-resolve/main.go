// Command bench-resolve measures gopip against pip on the same local index,
// side by side in one run (on demand, not in CI):
//
//   - resolution: "install --dry-run" of several root sets over the corpus of
//     internal/testcorpus (93 projects, 185 releases), gopip against
//     pip with --no-cache-dir and pip with its HTTP cache warm;
//   - list -o: 93 distributions installed in a virtual environment, 61 of
//     them outdated once the newer releases are published.
//
// It builds gopip and the corpus, publishes the corpus with gopip's
// repository side, serves it with "gopip repo serve" on loopback (gopip has
// its TUF root, so every page it reads is verified; pip reads the same
// pages), and runs the tools interleaved, each command a fresh process,
// ROUNDS times (after one untimed warm-up round that also fills pip's
// cache). It prints wall-clock medians, the median CPU time (user+sys) of
// each tool, and the medians of the per-round ratios pip/gopip: wall-clock
// against pip without and with its cache, and CPU time against pip without
// its cache (the steadier figure on a loaded machine).
//
//	go run ./tools/bench-resolve [-rounds 5] [-profile DIR] [-gopip BIN] [-untrusted]
//
// -profile DIR also runs every gopip command 10 more times with
// GOPIP_CPUPROFILE and prints where gopip's CPU time goes (go tool pprof
// -top -cum over the merged profiles). The method and the figures are in
// docs/benchmarks.md.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gopip/gopip/internal/testcorpus"
)

// resolveSets are the root sets timed for resolution (the cases of cmd's
// TestResolveMatchesPip where both tools agree).
var resolveSets = []struct {
	name  string
	roots []string
}{
	{"web-clients", []string{"Flask[async,dotenv]", "requests[socks]", "httpx[http2,cli]"}},
	{"fastapi-pydantic1", []string{"fastapi[all]", "pydantic<2"}},
	{"acme", []string{"acme-app[rich]"}},
	{"asgi-stack", []string{"uvicorn[standard]", "websockets<12", "pydantic[email]>=2", "dnspython", "starlette[full]"}},
	{"aws+pytest", []string{"boto3", "requests<2.30", "pytest-cov", "pytest-asyncio", "pytest<8"}},
}

func main() {
	rounds := flag.Int("rounds", 5, "timed rounds")
	profile := flag.String("profile", "", "folder for gopip CPU profiles (none by default)")
	gopipBin := flag.String("gopip", "", "a prebuilt gopip binary (default: go build ./cmd/gopip)")
	untrusted := flag.Bool("untrusted", false, "do not give gopip the repository's TUF root (it then reads the index as pip does)")
	keep := flag.Bool("keep", false, "keep the work folder")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("bench-resolve: ")
	ctx := context.Background()

	work, err := os.MkdirTemp("", "gopip-bench-resolve-")
	check(err)
	if *keep {
		log.Printf("work folder %s", work)
	} else {
		defer os.RemoveAll(work)
	}
	b := &bench{work: work}
	b.env = []string{
		"HOME=" + filepath.Join(work, "home"),
		"XDG_DATA_HOME=" + filepath.Join(work, "home", ".local", "share"),
		"XDG_CACHE_HOME=" + filepath.Join(work, "home", ".cache"),
		"XDG_CONFIG_HOME=" + filepath.Join(work, "home", ".config"),
		"PATH=" + os.Getenv("PATH"),
		"PIP_CONFIG_FILE=" + os.DevNull,
		"PIP_DISABLE_PIP_VERSION_CHECK=1",
		"PIP_NO_INPUT=1",
		"PIP_CACHE_DIR=" + filepath.Join(work, "pip-cache"),
		"PYTHONDONTWRITEBYTECODE=1",
	}

	b.gopip = filepath.Join(work, "gopip")
	if *gopipBin != "" {
		data, err := os.ReadFile(*gopipBin)
		check(err)
		check(os.WriteFile(b.gopip, data, 0o755))
	} else {
		out, err := exec.Command("go", "build", "-trimpath", "-o", b.gopip, "./cmd/gopip").CombinedOutput()
		if err != nil {
			fatalf("go build: %v\n%s", err, out)
		}
	}
	out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
	check(err)
	b.python = strings.TrimSpace(string(out))
	pipVersion := strings.TrimSpace(b.must(b.python, "-m", "pip", "--version"))

	rels := testcorpus.MustParse(testcorpus.Graph)
	repo, err := testcorpus.Publish(ctx, work, rels)
	check(err)
	b.index = b.serve(repo.Dir())
	defer stopServer()
	if !*untrusted {
		root, err := repo.Root()
		check(err)
		check(os.WriteFile(filepath.Join(work, "root.json"), root, 0o644))
		b.must(b.gopip, "trust", "add", "corpus", "--index-url", b.index, "--root", filepath.Join(work, "root.json"), "-y")
	}
	venv := filepath.Join(work, "venv")
	b.must(b.python, "-m", "venv", venv)
	vpython := filepath.Join(venv, "bin", "python")

	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("bench-resolve %s: %d CPUs, load average %s\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.NumCPU(), strings.Join(strings.Fields(string(load))[:3], " "))
	fmt.Printf("python %s, %s\n", strings.TrimSpace(b.must(b.python, "-c", "import platform; print(platform.python_version())")), strings.Fields(pipVersion)[1])
	trustNote := "gopip verifies every page through TUF"
	if *untrusted {
		trustNote = "gopip has no TUF root (reads the index as pip does)"
	}
	fmt.Printf("index: %d projects, %d releases, served by gopip repo serve at %s; %s\n\n", len(testcorpus.Projects(rels)), len(rels), b.index, trustNote)

	// Resolution.
	var cases []benchCase
	for _, s := range resolveSets {
		common := append([]string{"install", "--dry-run", "-q", "--ignore-installed", "--index-url", b.index}, s.roots...)
		cases = append(cases, benchCase{
			name:    s.name,
			gopip:   append([]string{b.gopip, "--python", b.python}, common...),
			pip:     append([]string{b.python, "-m", "pip", "--no-cache-dir"}, common...),
			pipWarm: append([]string{b.python, "-m", "pip"}, common...),
			info: func() string {
				// The number of distributions in the solution.
				out := b.must(append([]string{b.gopip, "--python", b.python}, append([]string{"install", "--dry-run", "--ignore-installed", "--index-url", b.index}, s.roots...)...)...)
				for _, line := range strings.Split(out, "\n") {
					if rest, ok := strings.CutPrefix(line, "Would install "); ok {
						return fmt.Sprintf("%d dists", len(strings.Fields(rest)))
					}
				}
				return "?"
			}(),
		})
	}
	fmt.Printf("resolution: install --dry-run (%d rounds; medians)\n", *rounds)
	b.run(cases, *rounds)

	// list -o: the oldest installable release of every project, then the
	// newer releases published.
	pins := testcorpus.OldestPins(rels)
	b.must(append([]string{b.gopip, "--python", vpython, "install", "-q", "--no-deps", "--no-compile", "-i", b.index}, pins...)...)
	check(testcorpus.Add(ctx, repo, filepath.Join(work, "dist-newer"), testcorpus.MustParse(testcorpus.Newer)))
	listArgs := []string{"list", "-o", "--index-url", b.index}
	outdated := strings.Count(b.must(append([]string{b.gopip, "--python", vpython}, listArgs...)...), "\n") - 2
	fmt.Printf("\nlist -o: %d distributions installed, %d outdated (%d rounds; medians)\n", len(pins), outdated, *rounds)
	listCases := []benchCase{
		{
			name:    "list -o",
			info:    fmt.Sprintf("%d dists", len(pins)),
			gopip:   append([]string{b.gopip, "--python", vpython}, listArgs...),
			pip:     append([]string{vpython, "-m", "pip", "--no-cache-dir"}, listArgs...),
			pipWarm: append([]string{vpython, "-m", "pip"}, listArgs...),
		},
		{
			name:    "list -o --pre json",
			info:    fmt.Sprintf("%d dists", len(pins)),
			gopip:   append([]string{b.gopip, "--python", vpython}, append(listArgs, "--pre", "--format", "json")...),
			pip:     append([]string{vpython, "-m", "pip", "--no-cache-dir"}, append(listArgs, "--pre", "--format", "json")...),
			pipWarm: append([]string{vpython, "-m", "pip"}, append(listArgs, "--pre", "--format", "json")...),
		},
	}
	b.run(listCases, *rounds)

	if *profile != "" {
		check(os.MkdirAll(*profile, 0o755))
		for _, c := range append(cases, listCases...) {
			var profs []string
			for i := range 10 {
				p, err := filepath.Abs(filepath.Join(*profile, fmt.Sprintf("%s.%d.prof", strings.ReplaceAll(c.name, " ", "_"), i)))
				check(err)
				cmd := exec.Command(c.gopip[0], c.gopip[1:]...)
				cmd.Env = append(b.env, "GOPIP_CPUPROFILE="+p)
				check(cmd.Run())
				profs = append(profs, p)
			}
			out, err := exec.Command("go", append([]string{"tool", "pprof", "-top", "-cum", "-nodecount=40", b.gopip}, profs...)...).CombinedOutput()
			if err != nil {
				log.Printf("pprof: %v\n%s", err, out)
				continue
			}
			fmt.Printf("\ngopip CPU profile, %s (10 runs merged):\n%s", c.name, out)
		}
	}
}

type bench struct {
	work, gopip, python, index string
	env                        []string
}

// benchCase is one command line per tool.
type benchCase struct {
	name, info          string
	gopip, pip, pipWarm []string
}

// sample is one timed run.
type sample struct {
	wall, cpu time.Duration
}

// run times the cases: one untimed warm-up round (pip's cache fills, the
// OS caches the files, gopip caches the interpreter's facts), then rounds
// rounds, the three commands of each case one after the other, in an
// order that rotates from round to round.
func (b *bench) run(cases []benchCase, rounds int) {
	fmt.Printf("  %-20s %-9s %-22s %-22s %-22s %s\n", "case", "size", "gopip", "pip --no-cache-dir", "pip (cache warm)", "pip/gopip: wall (no cache, warm), cpu")
	for _, c := range cases {
		cmds := [][]string{c.gopip, c.pip, c.pipWarm}
		for _, cmd := range cmds {
			b.time(cmd)
		}
		samples := make([][]sample, 3)
		for r := range rounds {
			for k := range 3 {
				i := (k + r) % 3
				samples[i] = append(samples[i], b.time(cmds[i]))
			}
		}
		var ratioCold, ratioWarm, ratioCPU []float64
		for r := range rounds {
			ratioCold = append(ratioCold, samples[1][r].wall.Seconds()/samples[0][r].wall.Seconds())
			ratioWarm = append(ratioWarm, samples[2][r].wall.Seconds()/samples[0][r].wall.Seconds())
			ratioCPU = append(ratioCPU, samples[1][r].cpu.Seconds()/samples[0][r].cpu.Seconds())
		}
		fmt.Printf("  %-20s %-9s %-22s %-22s %-22s %5.1fx %5.1fx %5.1fx\n", c.name, c.info,
			summary(samples[0]), summary(samples[1]), summary(samples[2]), median(ratioCold), median(ratioWarm), median(ratioCPU))
	}
}

func summary(s []sample) string {
	var wall, cpu []float64
	for _, x := range s {
		wall = append(wall, x.wall.Seconds())
		cpu = append(cpu, x.cpu.Seconds())
	}
	return fmt.Sprintf("%6.3fs (cpu %5.3fs)", median(wall), median(cpu))
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	sort.Float64s(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// time runs a command to completion, failing the benchmark if it fails.
func (b *bench) time(args []string) sample {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = b.env
	cmd.Dir = b.work
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		fatalf("%s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	wall := time.Since(start)
	return sample{wall: wall, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
}

// must runs a command and returns its stdout, failing the benchmark if it
// fails.
func (b *bench) must(args ...string) string {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = b.env
	cmd.Dir = b.work
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		fatalf("%s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// serve starts "gopip repo serve" on a free loopback port for the life of
// the benchmark and returns the index URL it prints.
func (b *bench) serve(dir string) string {
	cmd := exec.Command(b.gopip, "repo", "serve", dir, "--addr", "127.0.0.1:0")
	cmd.Env = b.env
	stdout, err := cmd.StdoutPipe()
	check(err)
	cmd.Stderr = os.Stderr
	check(cmd.Start())
	server = cmd
	line, err := bufio.NewReader(stdout).ReadString('\n')
	check(err)
	// "serving DIR at http://127.0.0.1:PORT/simple/ (TUF metadata at …)"
	for _, f := range strings.Fields(line) {
		if strings.HasPrefix(f, "http://") && strings.HasSuffix(f, "/simple/") {
			return f
		}
	}
	fatalf("gopip repo serve said %q", line)
	return ""
}

// server is the "gopip repo serve" process, stopped however the benchmark
// ends.
var server *exec.Cmd

func stopServer() {
	if server != nil {
		server.Process.Kill()
		server.Wait()
		server = nil
	}
}

// fatalf stops the server and exits.
func fatalf(format string, args ...any) {
	stopServer()
	log.Fatalf(format, args...)
}

func check(err error) {
	if err != nil {
		fatalf("%v", err)
	}
}
