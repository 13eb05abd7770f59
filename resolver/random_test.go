package resolver

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gopip/gopip/resolver/pep440"
	"github.com/gopip/gopip/resolver/pep508"
)

// randomProblem builds an index of n projects with up to k final versions
// each; every version depends on a few projects with random specifiers.
// The roots are returned with it.
func randomProblem(r *rand.Rand, n, k, maxDeps int, dag bool) (*memProvider, []string) {
	m := newMem()
	name := func(i int) string { return fmt.Sprintf("p%d", i) }
	versions := make([][]string, n)
	for i := range n {
		nv := 1 + r.IntN(k)
		for v := range nv {
			versions[i] = append(versions[i], fmt.Sprintf("%d.%d", 1+v/3, v%3))
		}
	}
	spec := func(j int) string {
		vs := versions[j]
		a := vs[r.IntN(len(vs))]
		b := vs[r.IntN(len(vs))]
		switch r.IntN(6) {
		case 0:
			return ">=" + a
		case 1:
			return "<" + a
		case 2:
			return "==" + a
		case 3:
			return "!=" + a
		case 4:
			return ">=" + a + ",<=" + b
		}
		return ""
	}
	for i := range n {
		for _, v := range versions[i] {
			var reqs []string
			nd := r.IntN(maxDeps + 1)
			for range nd {
				var j int
				if dag {
					if i+1 >= n {
						break
					}
					j = i + 1 + r.IntN(n-i-1)
				} else {
					j = r.IntN(n)
					if j == i {
						continue
					}
				}
				reqs = append(reqs, name(j)+spec(j))
			}
			m.add(name(i), v, reqs...)
		}
	}
	var rs []string
	for range 1 + r.IntN(2) {
		j := r.IntN(n)
		rs = append(rs, name(j)+spec(j))
	}
	return m, rs
}

// checkPlan verifies that a plan satisfies every requirement: the roots',
// and those of every chosen version.
func checkPlan(m *memProvider, reqs []string, p *Plan) error {
	chosen := map[string]pep440.Version{}
	for _, pkg := range p.Packages {
		chosen[pkg.Key] = pkg.Version
	}
	sat := func(req string) error {
		rq := pep508.MustParseRequirement(req)
		if ok, _ := rq.Applies(testEnv.WithExtra("")); !ok {
			return nil
		}
		v, ok := chosen[pep508.NormalizeName(rq.Name)]
		if !ok {
			return fmt.Errorf("%s: not installed", req)
		}
		if !setOfSpecifierSet(rq.Specifier).contains(v) {
			return fmt.Errorf("%s: %s chosen", req, v)
		}
		return nil
	}
	for _, r := range reqs {
		if err := sat(r); err != nil {
			return err
		}
	}
	for _, pkg := range p.Packages {
		rel := m.find(Candidate{Name: pkg.Key, Version: pkg.Version})
		if rel == nil {
			return fmt.Errorf("%s %s is not in the index", pkg.Key, pkg.Version)
		}
		for _, r := range rel.requires {
			if err := sat(r); err != nil {
				return fmt.Errorf("%s %s requires %w", pkg.Key, pkg.Version, err)
			}
		}
	}
	return nil
}

// bruteForce reports whether any choice of versions (or absence) for every
// project satisfies the roots and the dependencies of what is chosen.
func bruteForce(m *memProvider, n int, reqs []string) bool {
	names := make([]string, n)
	options := make([][]*memRelease, n)
	for i := range n {
		names[i] = fmt.Sprintf("p%d", i)
		options[i] = append([]*memRelease{nil}, m.releases[names[i]]...)
	}
	choice := make([]int, n)
	type rq struct {
		j   int
		set vset
	}
	parse := func(s string) rq {
		r := pep508.MustParseRequirement(s)
		var j int
		fmt.Sscanf(r.Name, "p%d", &j)
		return rq{j, setOfSpecifierSet(r.Specifier)}
	}
	rootReqs := make([]rq, len(reqs))
	for i, s := range reqs {
		rootReqs[i] = parse(s)
	}
	deps := map[*memRelease][]rq{}
	for i := range n {
		for _, rel := range options[i][1:] {
			for _, s := range rel.requires {
				deps[rel] = append(deps[rel], parse(s))
			}
		}
	}
	ok := func(x rq) bool {
		rel := options[x.j][choice[x.j]]
		return rel != nil && x.set.contains(pep440.MustParse(rel.version))
	}
	var try func(i int) bool
	try = func(i int) bool {
		if i == n {
			for _, x := range rootReqs {
				if !ok(x) {
					return false
				}
			}
			for j := range n {
				if rel := options[j][choice[j]]; rel != nil {
					for _, x := range deps[rel] {
						if !ok(x) {
							return false
						}
					}
				}
			}
			return true
		}
		for c := range options[i] {
			choice[i] = c
			if try(i + 1) {
				return true
			}
		}
		return false
	}
	return try(0)
}

// TestRandomAgainstBruteForce checks soundness and completeness on small
// random problems: PubGrub finds a solution exactly when one exists, and
// every solution it returns satisfies every requirement.
func TestRandomAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	solved, failed := 0, 0
	for i := range 1500 {
		n := 2 + r.IntN(4)
		m, reqs := randomProblem(r, n, 4, 3, false)
		p, err := Resolve(context.Background(), roots(reqs...), m, testOptions())
		want := bruteForce(m, n, reqs)
		var re *ResolutionError
		switch {
		case err != nil && !errors.As(err, &re):
			t.Fatalf("problem %d: %v", i, err)
		case err == nil && !want:
			t.Fatalf("problem %d %v: solved as %s, but no solution exists", i, reqs, pins(p))
		case err != nil && want:
			t.Fatalf("problem %d %v: no solution found, but one exists:\n%s", i, reqs, err)
		case err == nil:
			if err := checkPlan(m, reqs, p); err != nil {
				t.Fatalf("problem %d %v: invalid solution %s: %v", i, reqs, pins(p), err)
			}
			solved++
		default:
			if re.Explanation == "" {
				t.Fatalf("problem %d: empty explanation", i)
			}
			failed++
		}
	}
	t.Logf("%d solved, %d unsatisfiable", solved, failed)
}

// largeProblems generates problems of n projects with k versions each,
// every version depending on up to 4 of the next 40 projects; window is the
// width of the version ranges required (smaller means more conflicts).
func largeProblems(seed uint64, count, n, k, window int) []largeProblem {
	r := rand.New(rand.NewPCG(seed, seed+1))
	var problems []largeProblem
	for range count {
		m := newMem()
		for i := range n {
			for v := range k {
				var reqs []string
				for range r.IntN(5) {
					if i+1 >= n {
						break
					}
					j := i + 1 + r.IntN(min(40, n-i-1))
					lo := r.IntN(k)
					switch r.IntN(4) {
					case 0:
						reqs = append(reqs, fmt.Sprintf("p%d>=%d.0", j, lo/2))
					case 1:
						reqs = append(reqs, fmt.Sprintf("p%d>=%d.0,<%d.0", j, lo, lo+window))
					case 2:
						reqs = append(reqs, fmt.Sprintf("p%d!=%d.0", j, lo))
					default:
						reqs = append(reqs, fmt.Sprintf("p%d", j))
					}
				}
				m.add(fmt.Sprintf("p%d", i), fmt.Sprintf("%d.0", v), reqs...)
			}
		}
		var reqs []string
		for j := range 10 {
			reqs = append(reqs, fmt.Sprintf("p%d", j*3))
		}
		problems = append(problems, largeProblem{m, reqs})
	}
	return problems
}

type largeProblem struct {
	m    *memProvider
	reqs []string
}

func benchmarkProblems(b *testing.B, problems []largeProblem) {
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pr := problems[i%len(problems)]
		p, err := Resolve(context.Background(), roots(pr.reqs...), pr.m, testOptions())
		var re *ResolutionError
		if err != nil && !errors.As(err, &re) {
			b.Fatal(err)
		}
		if i < len(problems) {
			if err == nil {
				if err := checkPlan(pr.m, pr.reqs, p); err != nil {
					b.Fatal(err)
				}
				b.Logf("problem %d: %d packages, %+v", i, len(p.Packages), p.Stats)
			} else {
				b.Logf("problem %d: unsatisfiable (%d lines of explanation)", i, strings.Count(re.Explanation, "\n")+1)
			}
		}
	}
}

// BenchmarkResolveLarge resolves generated problems of 300 projects with
// 30 versions each, every version depending on up to 4 later projects with
// wide ranges (few conflicts, like most real requirement sets).
func BenchmarkResolveLarge(b *testing.B) {
	benchmarkProblems(b, largeProblems(11, 4, 300, 30, 8))
}

// BenchmarkResolveConflicting is the same with narrow ranges, so that the
// solver backtracks a lot.
func BenchmarkResolveConflicting(b *testing.B) {
	benchmarkProblems(b, largeProblems(13, 4, 300, 30, 1))
}
