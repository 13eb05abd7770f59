package publish

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	benchProjects = flag.Int("publish.projects", 100_000, "projects in the synthetic repository of BenchmarkAddToLargeRepository")
	benchBins     = flag.Int("publish.bins", 8, "bin bits of the synthetic repository of BenchmarkAddToLargeRepository")
)

// seedProjects fills a repository with n synthetic projects in one signing
// pass: each has its one target, its JSON page, in its bin and a line in
// the root index. The pages and files themselves are not written: adding
// another project never reads them.
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
		sum := sha256.Sum256([]byte(p))
		if err := st.setTarget(pageJSONPath(p), 1000+int64(i), sum[:]); err != nil {
			tb.Fatal(err)
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

// clientBytes is what a client that trusts the previous state downloads
// to refresh and find one project: the timestamp and snapshot (targets and
// root are unchanged), then the project's bin and its page.
type clientBytes struct {
	refresh, bin, page int64
}

// addOne adds a wheel of a new project and checks that exactly one bin,
// the one of the project's page, was signed, then the snapshot and the
// timestamp; and that the files written are the wheel, its .metadata, the
// two pages (the JSON one under two names), the root index and those
// three metadata files. It returns the report and what a client
// downloads.
func addOne(tb testing.TB, f *fixture, name string) (*Report, clientBytes) {
	rep := f.add(f.wheel(name, "1.0"))
	st, err := f.repo.loadState()
	if err != nil {
		tb.Fatal(err)
	}
	page := pageJSONPath(name)
	bin := st.binFor(page)
	binV := st.snapshot.Signed.Meta[bin+".json"].Version
	snapV := st.snapshot.Signed.Version
	if want := []string{fmt.Sprintf("%s v%d", bin, binV), fmt.Sprintf("snapshot v%d", snapV), fmt.Sprintf("timestamp v%d", st.timestamp.Signed.Version)}; !slices.Equal(rep.Signed, want) {
		tb.Fatalf("signed %v; want %v: the page's bin, snapshot and timestamp", rep.Signed, want)
	}
	w := strings.ReplaceAll(name, "-", "_") + "-1.0-py3-none-any.whl"
	pageData := f.read(page)
	want := []string{
		packagePath(w), metadataPath(w), pageHTMLPath(name), hashName(page, sha(pageData)), page,
		simpleDir + "/index.html", simpleDir + "/index.json",
		fmt.Sprintf("tuf/%d.%s.json", binV, bin), fmt.Sprintf("tuf/%d.snapshot.json", snapV), timestampFile,
	}
	if !slices.Equal(rep.Written, want) {
		tb.Fatalf("wrote %v\nwant %v", rep.Written, want)
	}
	return rep, clientBytes{
		refresh: fileSize(tb, f, timestampFile) + fileSize(tb, f, fmt.Sprintf("tuf/%d.snapshot.json", snapV)),
		bin:     fileSize(tb, f, fmt.Sprintf("tuf/%d.%s.json", binV, bin)),
		page:    int64(len(pageData)),
	}
}

// TestAddToLargeRepository: in a repository of 10,000 projects (2,000
// under the race detector or -short), adding one wheel of a new project
// re-signs exactly one bin, the snapshot and the timestamp, and writes ten
// files, whatever the size of the repository; a client then verifies the
// new page and the wheel against it.
func TestAddToLargeRepository(t *testing.T) {
	n := 10_000
	if raceEnabled || testing.Short() {
		n = 2_000
	}
	f := newFixture(t, InitOptions{})
	seedProjects(t, f, n)
	start := time.Now()
	rep, client := addOne(t, f, "newcomer")
	t.Logf("%d projects: add took %s, wrote %d files (%v); a client downloads %d bytes to refresh, %d for the bin, %d for the page",
		n, time.Since(start).Round(time.Millisecond), len(rep.Written), rep.Signed, client.refresh, client.bin, client.page)
	up := refreshed(t, f.serve(), t.TempDir(), f.firstRoot(), f.clock.Now())
	checkFile(t, up, f, "newcomer", "newcomer-1.0-py3-none-any.whl")

	// A second file of the same project: the same one bin again.
	rep = f.add(f.sdist("newcomer", "1.0"))
	if len(rep.Signed) != 3 || !strings.HasPrefix(rep.Signed[0], "bins-") {
		t.Fatalf("adding an sdist signed %v", rep.Signed)
	}
}

// BenchmarkAddToLargeRepository adds one new project per iteration to a
// synthetic repository of -publish.projects projects (100,000 by
// default) and reports the files written and the bytes a client downloads
// to refresh (timestamp and snapshot) and to find the new project (its bin
// and its page).
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
	var files int64
	var total clientBytes
	i := 0
	for b.Loop() {
		rep, client := addOne(b, f, fmt.Sprintf("bench-%d", i))
		files += int64(len(rep.Written))
		total.refresh += client.refresh
		total.bin += client.bin
		total.page += client.page
		i++
	}
	b.ReportMetric(float64(files)/float64(i), "files/op")
	b.ReportMetric(float64(total.refresh)/float64(i), "refresh-bytes/op")
	b.ReportMetric(float64(total.bin)/float64(i), "bin-bytes/op")
	b.ReportMetric(float64(total.refresh+total.bin+total.page)/float64(i), "client-bytes/op")
}
