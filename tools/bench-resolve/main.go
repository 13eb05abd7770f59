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
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gopip/gopip/internal/benchutil"
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
	ctx := context.Background()

	b := benchutil.New("bench-resolve", *gopipBin, *keep)
	defer b.Close()
	work := b.Work
	b.Env = append(b.Env, "PIP_CACHE_DIR="+filepath.Join(work, "pip-cache"), "PYTHONDONTWRITEBYTECODE=1")

	rels := testcorpus.MustParse(testcorpus.Graph)
	repo, err := testcorpus.Publish(ctx, work, rels)
	b.Check(err)
	index := b.Serve(repo.Dir())
	if !*untrusted {
		root, err := repo.Root()
		b.Check(err)
		b.Check(os.WriteFile(filepath.Join(work, "root.json"), root, 0o644))
		b.Must(b.Gopip, "trust", "add", "corpus", "--index-url", index, "--root", filepath.Join(work, "root.json"), "-y")
	}
	venv := filepath.Join(work, "venv")
	b.Must(b.Python, "-m", "venv", venv)
	vpython := filepath.Join(venv, "bin", "python")

	fmt.Print(b.Banner("bench-resolve"))
	trustNote := "gopip verifies every page through TUF"
	if *untrusted {
		trustNote = "gopip has no TUF root (reads the index as pip does)"
	}
	fmt.Printf("index: %d projects, %d releases, served by gopip repo serve at %s; %s\n\n", len(testcorpus.Projects(rels)), len(rels), index, trustNote)
	table := benchutil.Table{Labels: []string{"gopip", "pip --no-cache-dir", "pip (cache warm)"}}

	// Resolution.
	var cases []benchutil.Case
	for _, s := range resolveSets {
		common := append([]string{"install", "--dry-run", "-q", "--ignore-installed", "--index-url", index}, s.roots...)
		cases = append(cases, benchutil.Case{
			Name: s.name,
			Cmds: []benchutil.Cmd{
				{Args: append([]string{b.Gopip, "--python", b.Python}, common...)},
				{Args: append([]string{b.Python, "-m", "pip", "--no-cache-dir"}, common...)},
				{Args: append([]string{b.Python, "-m", "pip"}, common...)},
			},
			Info: func() string {
				// The number of distributions in the solution.
				out := b.Must(append([]string{b.Gopip, "--python", b.Python}, append([]string{"install", "--dry-run", "--ignore-installed", "--index-url", index}, s.roots...)...)...)
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
	b.Run(os.Stdout, table, cases, *rounds)

	// list -o: the oldest installable release of every project, then the
	// newer releases published.
	pins := testcorpus.OldestPins(rels)
	b.Must(append([]string{b.Gopip, "--python", vpython, "install", "-q", "--no-deps", "--no-compile", "-i", index}, pins...)...)
	b.Check(testcorpus.Add(ctx, repo, filepath.Join(work, "dist-newer"), testcorpus.MustParse(testcorpus.Newer)))
	listArgs := []string{"list", "-o", "--index-url", index}
	outdated := strings.Count(b.Must(append([]string{b.Gopip, "--python", vpython}, listArgs...)...), "\n") - 2
	fmt.Printf("\nlist -o: %d distributions installed, %d outdated (%d rounds; medians)\n", len(pins), outdated, *rounds)
	listCase := func(name string, extra ...string) benchutil.Case {
		args := append(slices.Clip(listArgs), extra...)
		return benchutil.Case{
			Name: name,
			Info: fmt.Sprintf("%d dists", len(pins)),
			Cmds: []benchutil.Cmd{
				{Args: append([]string{b.Gopip, "--python", vpython}, args...)},
				{Args: append([]string{vpython, "-m", "pip", "--no-cache-dir"}, args...)},
				{Args: append([]string{vpython, "-m", "pip"}, args...)},
			},
		}
	}
	listCases := []benchutil.Case{listCase("list -o"), listCase("list -o --pre json", "--pre", "--format", "json")}
	b.Run(os.Stdout, table, listCases, *rounds)

	if *profile != "" {
		for _, c := range append(cases, listCases...) {
			out := b.Profile(*profile, strings.ReplaceAll(c.Name, " ", "_"), c.Cmds[0], 10, "-cum", "-nodecount=40")
			fmt.Printf("\ngopip CPU profile, %s (10 runs merged):\n%s", c.Name, out)
		}
	}
}
