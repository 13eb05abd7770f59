// Command bench-install measures gopip against pip installing a
// realistic corpus (issue 7), side by side in one run (on demand, not in
// CI):
//
//	go run ./tools/bench-install [-rounds 3] [-cases LIST] [-profile DIR] [-gopip BIN] [-big-mb 1024] [-keep]
//
// The corpus is every distribution installed in python3's site-packages
// but pip and setuptools (about 90 real projects: compiled extensions,
// deep dependency chains), repacked into wheels (internal/testwheel), plus
// older releases of some projects. It is published with "gopip repo init"
// and "gopip repo add" and served twice by "gopip repo serve" processes:
// gopip reads it as a signed repository (its TUF root added with "gopip
// trust add", so every page and file it uses is verified), pip reads the
// same files as a plain index on another port.
//
// The cases (-cases, comma-separated; default all):
//
//	cold-nocompile  install the corpus's roots (dependencies resolved from the index) into a fresh
//	                venv, --no-compile: pip --no-cache-dir against gopip with an empty --cache-dir
//	cold            the same, byte-compiled (both tools' default)
//	warm            byte-compiled, each tool's cache filled by the warm-up run
//	warm-nocompile  the same, --no-compile
//	resolve         install --dry-run --ignore-installed of the roots: gopip, pip without and with cache
//	list            list -o in a venv holding the oldest release of every project
//	memory          a wheel holding one file of -big-mb MiB of random data, stored: gopip from the
//	                local file and from the signed repository, pip from the local file
//
// Every command is a fresh process; venvs and empty caches are made
// before it, untimed (pip's venvs have pip: python3 -m venv; gopip's do
// not: --without-pip, gopip installs with --python). Each case runs one
// untimed warm-up round (which also fills the caches of the warm cases
// and is checked: both venvs must hold the same distributions as the
// corpus), then -rounds rounds with the tools interleaved in a rotating
// order. The report gives medians of wall and CPU time (user+sys of the
// process and the descendants it waited for: gopip's byte-compiling
// interpreters count), the largest max RSS (of the largest single process
// among the command and its waited-for descendants), and the medians of
// the per-round ratios pip/gopip.
//
// -profile DIR also runs gopip's installs with GOPIP_CPUPROFILE and prints
// the top of each merged profile. The method and the figures of a run are
// in docs/install-benchmark.md.
package main

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gopip/gopip/internal/benchutil"
	"github.com/gopip/gopip/resolver/pep508"
)

var allCases = []string{"cold-nocompile", "cold", "warm", "warm-nocompile", "resolve", "list", "memory"}

func main() {
	rounds := flag.Int("rounds", 3, "timed rounds")
	casesFlag := flag.String("cases", strings.Join(allCases, ","), "cases to run, comma-separated")
	profile := flag.String("profile", "", "folder for gopip CPU profiles of the installs (none by default)")
	gopipBin := flag.String("gopip", "", "a prebuilt gopip binary (default: go build ./cmd/gopip)")
	bigMB := flag.Int64("big-mb", 1024, "size of the big wheel's file in MiB (memory case)")
	keep := flag.Bool("keep", false, "keep the work folder")
	flag.Parse()
	run := map[string]bool{}
	for _, c := range strings.Split(*casesFlag, ",") {
		if !slices.Contains(allCases, c) {
			fmt.Fprintf(os.Stderr, "bench-install: unknown case %q; cases: %s\n", c, strings.Join(allCases, ", "))
			os.Exit(2)
		}
		run[c] = true
	}
	start := time.Now()

	b := benchutil.New("bench-install", *gopipBin, *keep)
	defer b.Close()
	x := &bench{Runner: b}
	b.Env = append(b.Env, "PIP_CACHE_DIR="+x.path("pip-cache"))
	site := strings.TrimSpace(b.Must(b.Python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"))

	fmt.Print(b.Banner("bench-install"))
	t := time.Now()
	x.corpus = buildCorpus(b, site, x.path("dist"))
	fmt.Print(x.corpus.figures())
	fmt.Printf("  repacked from %s in %.0fs\n", site, time.Since(t).Seconds())

	t = time.Now()
	repo := x.path("repo")
	b.Must(b.Gopip, "repo", "init", repo)
	b.Must(append([]string{b.Gopip, "repo", "add", repo}, x.corpus.paths()...)...)
	x.signed = b.Serve(repo)
	x.plain = b.Serve(repo)
	b.Must(b.Gopip, "trust", "add", "corpus", "--index-url", x.signed, "--root", filepath.Join(repo, "tuf", "1.root.json"), "-y")
	fmt.Printf("  published with gopip repo in %.0fs; signed repository (gopip) %s, plain index (pip) %s\n", time.Since(t).Seconds(), x.signed, x.plain)
	b.Must(b.Python, "-m", "venv", x.path("venv-pip-template"))
	fmt.Printf("  roots: %s\n", strings.Join(x.corpus.roots, " "))
	fmt.Printf("  max RSS of \"true\" started the same way: %.0f MB (inherited from the harness through exec; figures near it are upper bounds)\n", float64(b.RSSFloor())/1e6)

	installTable := benchutil.Table{Labels: []string{"gopip (signed repo)", "pip (plain index)"}, RSS: true}
	var installCases []benchutil.Case
	if run["cold-nocompile"] {
		installCases = append(installCases, x.installCase("cold --no-compile", false, "--no-compile"))
	}
	if run["cold"] {
		installCases = append(installCases, x.installCase("cold (compile)", false))
	}
	if run["warm"] {
		installCases = append(installCases, x.installCase("warm (compile)", true))
	}
	if run["warm-nocompile"] {
		installCases = append(installCases, x.installCase("warm --no-compile", true, "--no-compile"))
	}
	if len(installCases) > 0 {
		fmt.Printf("\ninstall of the %d roots into a fresh venv (%d rounds; medians)\n", len(x.corpus.roots), *rounds)
		b.Run(os.Stdout, installTable, installCases, *rounds)
		fmt.Print(x.notes.String())
	}

	resolveTable := benchutil.Table{Labels: []string{"gopip", "pip --no-cache-dir", "pip (cache warm)"}}
	if run["resolve"] {
		fmt.Printf("\nresolution: install --dry-run --ignore-installed of the roots (%d rounds; medians)\n", *rounds)
		b.Run(os.Stdout, resolveTable, []benchutil.Case{x.resolveCase()}, *rounds)
	}
	if run["list"] {
		c, outdated := x.listCase()
		fmt.Printf("\nlist -o: %d distributions installed, %d outdated (%d rounds; medians)\n", len(x.corpus.newest), outdated, *rounds)
		b.Run(os.Stdout, resolveTable, []benchutil.Case{c}, *rounds)
	}
	if run["memory"] {
		t := time.Now()
		c := x.memoryCase(*bigMB << 20)
		fmt.Printf("\nmemory: a wheel with one file of %d MiB, stored (built and published in %.0fs; %d rounds; medians)\n", *bigMB, time.Since(t).Seconds(), *rounds)
		b.Run(os.Stdout, benchutil.Table{Labels: []string{"gopip (local file)", "pip (local file)", "gopip (signed repo)"}, RSS: true}, []benchutil.Case{c}, *rounds)
	}

	if *profile != "" {
		for _, c := range installCases {
			out := b.Profile(*profile, strings.NewReplacer(" ", "_", "(", "", ")", "").Replace(c.Name), c.Cmds[0], 3, "-nodecount=30")
			fmt.Printf("\ngopip CPU profile, %s (3 runs merged):\n%s", c.Name, out)
		}
	}
	fmt.Printf("\nload average at the end %s; %.0f minutes in all\n", benchutil.LoadAverage(), time.Since(start).Minutes())
}

// bench is one run's state.
type bench struct {
	*benchutil.Runner
	corpus        *corpus
	notes         strings.Builder // printed after the install table
	signed, plain string          // index URLs: gopip's (it has the TUF root) and pip's
}

func (x *bench) path(name string) string { return filepath.Join(x.Work, name) }

// gopipVenv makes a fresh venv without pip at dir.
func (x *bench) gopipVenv(dir string) {
	x.Check(os.RemoveAll(dir))
	x.Must(x.Python, "-m", "venv", "--without-pip", dir)
}

// pipVenv makes a fresh venv with pip at dir: a copy of a template (a
// venv's python finds its prefix through pyvenv.cfg, so a copy works for
// "python -m pip"; ensurepip would take seconds).
func (x *bench) pipVenv(dir string) {
	x.Check(os.RemoveAll(dir))
	x.Must("cp", "-a", x.path("venv-pip-template"), dir)
}

// installCase installs the roots into fresh venvs: cold (pip without
// cache, gopip with an empty cache) or warm (both caches filled by the
// warm-up run).
func (x *bench) installCase(name string, warm bool, extra ...string) benchutil.Case {
	vg, vp := x.path("vg"), x.path("vp")
	gopipCache := x.path("gopip-cache")
	pipArgs := []string{filepath.Join(vp, "bin", "python"), "-m", "pip", "install", "-q", "-i", x.plain}
	if !warm {
		gopipCache = x.path("gopip-cold-cache")
		pipArgs = append(pipArgs, "--no-cache-dir")
	}
	gopipArgs := []string{x.Gopip, "--python", filepath.Join(vg, "bin", "python"), "install", "-q", "-i", x.signed, "--cache-dir", gopipCache}
	return benchutil.Case{
		Name: name,
		Info: fmt.Sprintf("%d dists", len(x.corpus.newest)),
		Cmds: []benchutil.Cmd{
			{
				Args: slices.Concat(gopipArgs, extra, x.corpus.roots),
				Prepare: func() {
					x.gopipVenv(vg)
					if !warm {
						x.Check(os.RemoveAll(gopipCache))
					}
				},
			},
			{
				Args:    slices.Concat(pipArgs, extra, x.corpus.roots),
				Prepare: func() { x.pipVenv(vp) },
			},
		},
		AfterWarmup: func() { x.checkInstalled(name, vg, vp) },
	}
}

// checkInstalled ends the benchmark unless both venvs hold exactly the
// newest release of every distribution of the corpus (pip list --path
// --format freeze, pip's own pip and setuptools aside), and pip check
// accepts both.
func (x *bench) checkInstalled(name, vg, vp string) {
	var want []string
	for _, r := range x.corpus.newest {
		want = append(want, pep508.NormalizeName(r.name)+"=="+r.version)
	}
	slices.Sort(want)
	for _, venv := range []string{vg, vp} {
		sites, _ := filepath.Glob(filepath.Join(venv, "lib", "python*", "site-packages"))
		if len(sites) != 1 {
			x.Fatalf("%s: no site-packages in %s", name, venv)
		}
		var got []string
		for _, line := range strings.Fields(x.Must(x.Python, "-m", "pip", "list", "--path", sites[0], "--format", "freeze")) {
			n, v, _ := strings.Cut(line, "==")
			switch n = pep508.NormalizeName(n); n {
			case "pip", "setuptools":
				if venv == vp {
					continue
				}
			}
			got = append(got, n+"=="+v)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			x.Fatalf("%s: %s holds other distributions than the corpus:\n  missing: %s\n  extra:   %s", name, venv,
				strings.Join(without(want, got), " "), strings.Join(without(got, want), " "))
		}
		x.Must(x.Python, "-m", "pip", "--python", filepath.Join(venv, "bin", "python"), "check")
		files, size := du(sites[0])
		fmt.Fprintf(&x.notes, "  %s, %s: site-packages holds %d files, %.0f MB\n", name, filepath.Base(venv), files, float64(size)/1e6)
	}
}

// du returns the number of regular files under dir and their size.
func du(dir string) (files int, size int64) {
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				files++
				size += info.Size()
			}
		}
		return nil
	})
	return files, size
}

// without returns the elements of a not in b.
func without(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

// resolveCase resolves the roots (as the install cases do) without
// installing: gopip (its cache as a user has it: filled after the
// warm-up), pip without cache and with its HTTP cache.
func (x *bench) resolveCase() benchutil.Case {
	common := append([]string{"install", "--dry-run", "--ignore-installed", "-q"}, x.corpus.roots...)
	return benchutil.Case{
		Name: "install --dry-run",
		Info: fmt.Sprintf("%d dists", len(x.corpus.newest)),
		Cmds: []benchutil.Cmd{
			{Args: slices.Concat([]string{x.Gopip, "--python", x.Python}, common, []string{"-i", x.signed})},
			{Args: slices.Concat([]string{x.Python, "-m", "pip", "--no-cache-dir"}, common, []string{"-i", x.plain})},
			{Args: slices.Concat([]string{x.Python, "-m", "pip"}, common, []string{"-i", x.plain})},
		},
	}
}

// listCase makes a venv (with pip) holding the oldest release of every
// project, installed once by gopip, and times list -o in it. It also
// returns the number of outdated distributions, which both tools must
// agree on.
func (x *bench) listCase() (benchutil.Case, int) {
	venv := x.path("vlist")
	x.pipVenv(venv)
	python := filepath.Join(venv, "bin", "python")
	x.Must(slices.Concat([]string{x.Gopip, "--python", python, "install", "-q", "--no-deps", "--no-compile", "-i", x.signed, "--cache-dir", x.path("gopip-cache")}, x.corpus.oldestPins())...)
	gopipArgs := []string{x.Gopip, "--python", python, "list", "-o", "-i", x.signed}
	pipArgs := []string{python, "-m", "pip", "list", "-o", "-i", x.plain}
	g := outdatedNames(x.Must(gopipArgs...))
	p := outdatedNames(x.Must(pipArgs...))
	if !slices.Equal(g, p) {
		x.Fatalf("list -o: gopip and pip disagree:\n  gopip: %s\n  pip:   %s", strings.Join(g, " "), strings.Join(p, " "))
	}
	return benchutil.Case{
		Name: "list -o",
		Info: fmt.Sprintf("%d dists", len(x.corpus.newest)),
		Cmds: []benchutil.Cmd{
			{Args: gopipArgs},
			{Args: slices.Concat(pipArgs, []string{"--no-cache-dir"})},
			{Args: pipArgs},
		},
	}, len(g)
}

// outdatedNames reads the names of a list -o table (after its two header
// lines).
func outdatedNames(out string) []string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var names []string
	for _, l := range lines[min(2, len(lines)):] {
		if f := strings.Fields(l); len(f) > 0 {
			names = append(names, pep508.NormalizeName(f[0]))
		}
	}
	slices.Sort(names)
	return names
}

// memoryCase builds the big wheel, publishes it, and installs it: gopip
// from the file and from the signed repository, pip from the file, each
// into a fresh venv with an empty cache, --no-deps.
func (x *bench) memoryCase(size int64) benchutil.Case {
	whl, err := bigWheel(x.path("big"), size)
	x.Check(err)
	x.Must(x.Gopip, "repo", "add", x.path("repo"), whl)
	vg, vp, cache := x.path("vg"), x.path("vp"), x.path("gopip-big-cache")
	gopipArgs := []string{x.Gopip, "--python", filepath.Join(vg, "bin", "python"), "install", "-q", "--no-deps", "--cache-dir", cache}
	prepare := func() {
		x.gopipVenv(vg)
		x.Check(os.RemoveAll(cache))
	}
	return benchutil.Case{
		Name: "1 wheel",
		Info: fmt.Sprintf("%d MiB", size>>20),
		Cmds: []benchutil.Cmd{
			{Args: append(slices.Clip(gopipArgs), whl), Prepare: prepare},
			{Args: []string{filepath.Join(vp, "bin", "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-cache-dir", whl}, Prepare: func() { x.pipVenv(vp) }},
			{Args: append(slices.Clip(gopipArgs), "-i", x.signed, "bigblob"), Prepare: prepare},
		},
	}
}
