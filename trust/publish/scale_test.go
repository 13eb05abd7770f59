package publish

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

var (
	benchProjects = flag.Int("publish.projects", 100_000, "projects in the synthetic repository of BenchmarkAddToLargeRepository")
	benchBins     = flag.Int("publish.bins", 8, "bin bits of the synthetic repository of BenchmarkAddToLargeRepository")
)

// seedProjects fills a repository with n synthetic projects in one signing
// pass: each has the four targets of one wheel (two pages, the file and
// its .metadata) in its bins and a line in the root index. The target
// files themselves are not written: adding another project never reads
// them.
func seedProjects(tb testing.TB, f *fixture, n int) {
	tb.Helper()
	unlock, err := f.repo.lock(tb.Context())
	if err != nil {
		tb.Fatal(err)
	}
	defer unlock()
	st, err := f.repo.loadState()
	if err != nil {
		tb.Fatal(err)
	}
	names := make([]string, n)
	for i := range n {
		p := fmt.Sprintf("project-%06d", i)
		names[i] = p
		whl := fmt.Sprintf("project_%06d-1.0-py3-none-any.whl", i)
		for _, path := range []string{pageHTMLPath(p), pageJSONPath(p), packagePath(whl), metadataPath(whl)} {
			sum := sha256.Sum256([]byte(path))
			if err := st.setTarget(path, 1000+int64(i), sum[:]); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if err := st.writeRootIndex(names); err != nil {
		tb.Fatal(err)
	}
	if err := st.commit(tb.Context()); err != nil {
		tb.Fatal(err)
	}
}

func fileSize(tb testing.TB, f *fixture, rel string) int64 {
	fi, err := os.Stat(filepath.Join(f.dir, rel))
	if err != nil {
		tb.Fatal(err)
	}
	return fi.Size()
}

// addOne adds a wheel of a new project and checks that only the bins of
// its four targets, the snapshot and the timestamp were signed. It returns
// the report and the bytes a client downloads to refresh and look the new
// project's page up (timestamp, snapshot, targets is unchanged, one bin).
func addOne(tb testing.TB, f *fixture, name string) (*Report, int64) {
	rep := f.add(f.wheel(name, "1.0"))
	st, err := f.repo.loadState()
	if err != nil {
		tb.Fatal(err)
	}
	bins := map[string]bool{}
	w := strings.ReplaceAll(name, "-", "_") + "-1.0-py3-none-any.whl"
	for _, p := range []string{pageHTMLPath(name), pageJSONPath(name), packagePath(w), metadataPath(w)} {
		bins[st.binFor(p)] = true
	}
	var signed []string
	for _, s := range rep.Signed {
		role, _, _ := strings.Cut(s, " ")
		signed = append(signed, role)
		if isBin(role) && !bins[role] {
			tb.Fatalf("signed %s, which holds none of the new targets", role)
		}
	}
	if len(signed) != len(bins)+2 || signed[len(signed)-2] != metadata.SNAPSHOT || signed[len(signed)-1] != metadata.TIMESTAMP {
		tb.Fatalf("signed %v; want the bins %v, snapshot and timestamp", signed, bins)
	}
	v := st.snapshot.Signed.Meta[st.binFor(pageJSONPath(name))+".json"].Version
	client := fileSize(tb, f, timestampFile) +
		fileSize(tb, f, fmt.Sprintf("tuf/%d.snapshot.json", st.snapshot.Signed.Version)) +
		fileSize(tb, f, fmt.Sprintf("tuf/%d.%s.json", v, st.binFor(pageJSONPath(name))))
	return rep, client
}

// TestAddToLargeRepository: in a repository of 10,000 projects (2,000
// under the race detector or -short), adding one
// wheel writes its four targets (each under two names), the root index
// (a new project), the bins holding the four targets (at most four of
// 256), the snapshot and the timestamp: at most 16 files, whatever the
// size of the repository.
func TestAddToLargeRepository(t *testing.T) {
	n := 10_000
	if raceEnabled || testing.Short() {
		n = 2_000
	}
	f := newFixture(t, InitOptions{})
	seedProjects(t, f, n)
	start := time.Now()
	rep, client := addOne(t, f, "newcomer")
	t.Logf("%d projects: add took %s, wrote %d files (%v); a client refresh downloads %d bytes", n, time.Since(start).Round(time.Millisecond), len(rep.Written), rep.Signed, client)
	if len(rep.Written) > 16 {
		t.Fatalf("wrote %d files: %v", len(rep.Written), rep.Written)
	}
	up := refreshed(t, f.serve(), t.TempDir(), f.firstRoot(), f.clock.Now())
	checkTarget(t, up, f, "simple/newcomer/index.json")
	checkTarget(t, up, f, "packages/newcomer-1.0-py3-none-any.whl")
}

// BenchmarkAddToLargeRepository adds one new project per iteration to a
// synthetic repository of -publish.projects projects (100,000 by
// default) and reports the files written and the bytes a client downloads
// to refresh and find the new project.
func BenchmarkAddToLargeRepository(b *testing.B) {
	f := newFixture(b, InitOptions{BinBits: *benchBins})
	start := time.Now()
	seedProjects(b, f, *benchProjects)
	st, err := f.repo.loadState()
	if err != nil {
		b.Fatal(err)
	}
	first := st.succinct().GetRoles()[0]
	b.Logf("seeded %d projects in %d bins in %s; %s is %d bytes", *benchProjects, 1<<*benchBins, time.Since(start).Round(time.Millisecond), first, fileSize(b, f, "tuf/2."+first+".json"))
	var files, clientBytes int64
	i := 0
	for b.Loop() {
		rep, client := addOne(b, f, fmt.Sprintf("bench-%d", i))
		files += int64(len(rep.Written))
		clientBytes += client
		i++
	}
	b.ReportMetric(float64(files)/float64(i), "files/op")
	b.ReportMetric(float64(clientBytes)/float64(i), "client-bytes/op")
}
