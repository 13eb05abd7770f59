package benchutil

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// Cmd is one tool's command line in a Case.
type Cmd struct {
	Args []string
	// Env is added to the Runner's environment.
	Env []string
	// Prepare, if set, runs untimed before every run of the command (a
	// fresh virtual environment, an empty cache).
	Prepare func()
}

// Case is one task done by each tool. Cmds[0] is the reference (gopip):
// the ratios are the other commands' times over its times.
type Case struct {
	Name, Info string
	Cmds       []Cmd
	// AfterWarmup, if set, runs after the untimed warm-up round, e.g. to
	// check that the tools did the same thing.
	AfterWarmup func()
}

// Table says how Run prints a group of cases.
type Table struct {
	// Labels name the commands of every case, in order.
	Labels []string
	// RSS adds each command's largest max RSS to its column.
	RSS bool
}

// Run times cases: for each, one untimed warm-up run of every command
// (file caches, the caches a warm command relies on), then rounds rounds
// with the commands one after the other, in an order that rotates from
// round to round. It prints one line per case: each command's median wall
// and CPU time (and max RSS), then the medians of the per-round ratios
// Cmds[i]/Cmds[0] of wall-clock time for every i ≥ 1, and of CPU time for
// i = 1. It returns the samples, [case][command][round].
func (r *Runner) Run(w io.Writer, t Table, cases []Case, rounds int) [][][]Sample {
	width := 22
	if t.RSS {
		width = 32
	}
	fmt.Fprintf(w, "  %-20s %-9s", "case", "size")
	for _, l := range t.Labels {
		fmt.Fprintf(w, " %-*s", width, l)
	}
	fmt.Fprintf(w, " %s\n", ratioHeader(t.Labels))
	var all [][][]Sample
	for _, c := range cases {
		n := len(c.Cmds)
		for _, cmd := range c.Cmds {
			r.run(cmd)
		}
		if c.AfterWarmup != nil {
			c.AfterWarmup()
		}
		samples := make([][]Sample, n)
		for round := range rounds {
			for k := range n {
				i := (k + round) % n
				samples[i] = append(samples[i], r.run(c.Cmds[i]))
			}
		}
		all = append(all, samples)
		fmt.Fprintf(w, "  %-20s %-9s", c.Name, c.Info)
		for _, s := range samples {
			fmt.Fprintf(w, " %-*s", width, Summary(s, t.RSS))
		}
		for i := 1; i < n; i++ {
			fmt.Fprintf(w, " %5.1fx", Ratio(samples[i], samples[0], func(s Sample) float64 { return s.Wall.Seconds() }))
		}
		if n > 1 {
			fmt.Fprintf(w, " %5.1fx", Ratio(samples[1], samples[0], func(s Sample) float64 { return s.CPU.Seconds() }))
		}
		fmt.Fprintln(w)
	}
	return all
}

func (r *Runner) run(c Cmd) Sample {
	if c.Prepare != nil {
		c.Prepare()
	}
	return r.Time(c.Args, c.Env)
}

// ratioHeader names the ratio columns: "pip/gopip: wall, cpu" or, with
// more commands, "pip/gopip: wall (a, b), cpu".
func ratioHeader(labels []string) string {
	switch len(labels) {
	case 0, 1:
		return ""
	case 2:
		return labels[1] + "/" + labels[0] + ": wall, cpu"
	}
	return "ratios to " + labels[0] + ": wall (" + strings.Join(labels[1:], "; ") + "), cpu (" + labels[1] + ")"
}

// Summary is "wall (cpu c)" of the medians, with the largest max RSS when
// rss is set.
func Summary(s []Sample, rss bool) string {
	var wall, cpu []float64
	var maxRSS int64
	for _, x := range s {
		wall = append(wall, x.Wall.Seconds())
		cpu = append(cpu, x.CPU.Seconds())
		maxRSS = max(maxRSS, x.MaxRSS)
	}
	out := fmt.Sprintf("%6.3fs (cpu %6.3fs)", Median(wall), Median(cpu))
	if rss {
		out += fmt.Sprintf(" %5.0f MB", float64(maxRSS)/1e6)
	}
	return out
}

// Ratio is the median over rounds of f(num[i])/f(den[i]).
func Ratio(num, den []Sample, f func(Sample) float64) float64 {
	var r []float64
	for i := range min(len(num), len(den)) {
		r = append(r, f(num[i])/f(den[i]))
	}
	return Median(r)
}

// Median is the median of xs, 0 if empty.
func Median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	switch {
	case n == 0:
		return 0
	case n%2 == 1:
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Profile runs c n times with GOPIP_CPUPROFILE set (profiles named
// dir/name.N.prof) and returns "go tool pprof -top" over the merged
// profiles, with the extra pprof flags given.
func (r *Runner) Profile(dir, name string, c Cmd, n int, pprofFlags ...string) string {
	dir, err := filepath.Abs(dir)
	r.Check(err)
	r.Check(os.MkdirAll(dir, 0o755))
	var profs []string
	for i := range n {
		p := filepath.Join(dir, fmt.Sprintf("%s.%d.prof", name, i))
		c := c
		c.Env = append(slices.Clip(c.Env), "GOPIP_CPUPROFILE="+p)
		r.run(c)
		profs = append(profs, p)
	}
	args := append([]string{"tool", "pprof", "-top"}, pprofFlags...)
	out, err := exec.Command("go", append(append(args, r.Gopip), profs...)...).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("pprof: %v\n%s", err, out)
	}
	return string(out)
}
