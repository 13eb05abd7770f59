package publish

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

func (f *fixture) refresh(opts RefreshOptions) *Report {
	f.t.Helper()
	rep, err := f.repo.Refresh(f.t.Context(), opts)
	if err != nil {
		f.t.Fatalf("refresh: %v", err)
	}
	return rep
}

// TestRefresh: refresh re-signs the timestamp every time and nothing else
// until the other online roles pass half their period; clients accept the
// result at every step, and a repository left alone expires.
func TestRefresh(t *testing.T) {
	f := newFixture(t, InitOptions{BinBits: 2})
	f.add(f.wheel("demo", "1.0"))
	srv := f.serve()
	metaDir := t.TempDir()
	refreshed(t, srv, metaDir, f.root(), f.clock.Now())

	f.clock.Advance(time.Hour)
	rep := f.refresh(RefreshOptions{})
	if !slices.Equal(rep.Written, []string{"tuf/timestamp.json"}) || !slices.Equal(rep.Signed, []string{"timestamp v3"}) {
		t.Fatalf("refresh an hour later wrote %v, signed %v; want the timestamp only", rep.Written, rep.Signed)
	}
	up := refreshed(t, srv, metaDir, f.root(), f.clock.Now())
	checkFile(t, up, f, "demo", "demo-1.0-py3-none-any.whl")

	// 13 hours after the add: the bins and snapshot have less than half
	// their day left.
	f.clock.Advance(12 * time.Hour)
	rep = f.refresh(RefreshOptions{})
	want := []string{"bins-0 v2", "bins-1 v2", "bins-2 v2", "bins-3 v2", "snapshot v3", "timestamp v4"}
	// Bins the add re-signed are one version ahead.
	var got []string
	for _, s := range rep.Signed {
		name, _, _ := strings.Cut(s, " ")
		got = append(got, name)
	}
	if !slices.Equal(got, []string{"bins-0", "bins-1", "bins-2", "bins-3", "snapshot", "timestamp"}) {
		t.Fatalf("refresh at half-life signed %v, want %v (versions aside)", rep.Signed, want)
	}
	if len(rep.Warnings) != 0 {
		t.Fatalf("warnings: %v", rep.Warnings)
	}
	// Everything was signed 13 hours after the add, for a day: 25 hours
	// later it has expired.
	f.clock.Advance(25 * time.Hour)
	up = refreshed(t, srv, metaDir, f.root(), f.clock.Now().Add(-12*time.Hour))
	checkTarget(t, up, f, "simple/demo/index.json")
	if err := tufClient(t, srv, t.TempDir(), f.root(), f.clock.Now()).Refresh(); err == nil {
		t.Fatal("a client accepted a timestamp that expired an hour ago")
	}
	f.refresh(RefreshOptions{})
	up = refreshed(t, srv, metaDir, f.root(), f.clock.Now())
	checkTarget(t, up, f, "simple/demo/index.json")

	// ResignFraction 1 re-signs every role the keys allow: here, all.
	f.clock.Advance(time.Minute)
	rep = f.refresh(RefreshOptions{ResignFraction: 1})
	if len(rep.Signed) != 4+4 {
		t.Fatalf("ResignFraction 1 signed %v", rep.Signed)
	}
}

// TestRefreshOfflineRoles: targets and root close to expiry are re-signed
// when their keys are at hand, and reported when only the online key is.
func TestRefreshOfflineRoles(t *testing.T) {
	f := newFixture(t, InitOptions{BinBits: 1})
	srv := f.serve()
	f.clock.Advance(200 * 24 * time.Hour)

	onlineOnly := filepath.Join(t.TempDir(), "keys")
	copyDir(t, filepath.Join(f.keys, keysOnline), filepath.Join(onlineOnly, keysOnline))
	r, err := Open(f.dir, onlineOnly, WithClock(f.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.Refresh(t.Context(), RefreshOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Warnings) != 2 || !strings.HasPrefix(rep.Warnings[0], "targets expires on") || !strings.HasPrefix(rep.Warnings[1], "root expires on") {
		t.Fatalf("warnings: %q", rep.Warnings)
	}
	for _, s := range rep.Signed {
		if strings.HasPrefix(s, "root") || strings.HasPrefix(s, "targets") {
			t.Fatalf("signed %s without its key", s)
		}
	}

	rep = f.refresh(RefreshOptions{})
	if len(rep.Warnings) != 0 || !slices.Contains(rep.Signed, "targets v2") || !slices.Contains(rep.Signed, "root v2") {
		t.Fatalf("with the offline keys: signed %v, warnings %v", rep.Signed, rep.Warnings)
	}
	refreshed(t, srv, t.TempDir(), f.firstRoot(), f.clock.Now())
}

func (f *fixture) firstRoot() []byte { return f.read("tuf/1.root.json") }

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
}

// TestPrune: superseded versions go once they are older than PruneAfter,
// never what the current metadata references, never a root.
func TestPrune(t *testing.T) {
	f := newFixture(t, InitOptions{BinBits: 1})
	f.add(f.wheel("demo", "1.0"))
	oldPage := hashName("simple/demo/index.json", sha(f.read("simple/demo/index.json")))
	f.add(f.wheel("demo", "1.1"))
	if _, err := f.repo.Remove(t.Context(), "demo==1.0"); err != nil {
		t.Fatal(err)
	}

	rep := f.refresh(RefreshOptions{PruneAfter: time.Hour})
	if len(rep.Pruned) != 0 {
		t.Fatalf("pruned what was superseded just now: %v", rep.Pruned)
	}
	f.clock.Advance(2 * time.Hour)
	rep = f.refresh(RefreshOptions{PruneAfter: time.Hour})
	st, err := f.repo.loadState()
	if err != nil {
		t.Fatal(err)
	}
	bin := st.binFor("simple/demo/index.json")
	for _, want := range []string{oldPage, "tuf/1.snapshot.json", "tuf/1." + bin + ".json"} {
		if !slices.Contains(rep.Pruned, want) {
			t.Errorf("%s was not pruned; pruned %v", want, rep.Pruned)
		}
	}
	// The other bin never changed: its first version is current.
	for _, other := range st.succinct().GetRoles() {
		if other != bin && slices.Contains(rep.Pruned, "tuf/1."+other+".json") {
			t.Errorf("pruned the current %s", other)
		}
	}
	for _, p := range rep.Pruned {
		if strings.Contains(p, "root") {
			t.Errorf("pruned a root: %s", p)
		}
	}
	// Everything the current metadata references is still there: a new
	// client from the first root gets every target.
	up := refreshed(t, f.serve(), t.TempDir(), f.firstRoot(), f.clock.Now())
	checkFile(t, up, f, "demo", "demo-1.1-py3-none-any.whl")
}

// TestConcurrentReaders: readers that walk the metadata the way a client
// does (timestamp → the snapshot it names → the bins that names → a
// target) while refresh and add run in a loop never see a partial file nor
// a reference to a missing one. Run with -race.
func TestConcurrentReaders(t *testing.T) {
	f := newFixture(t, InitOptions{BinBits: 2})
	f.add(f.wheel("demo", "1.0"))
	srv := f.serve()
	client := srv.Client()

	var stop atomic.Bool
	var reads atomic.Int64
	errs := make(chan error, 16)
	fetch := func(path string) ([]byte, error) {
		resp, err := client.Get(srv.URL + "/" + path)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s", path, resp.Status)
		}
		reads.Add(1)
		return data, nil
	}
	reader := func() error {
		for !stop.Load() {
			data, err := fetch("tuf/timestamp.json")
			if err != nil {
				return err
			}
			ts, err := (&metadata.Metadata[metadata.TimestampType]{}).FromBytes(data)
			if err != nil {
				return fmt.Errorf("timestamp.json: %w (%d bytes)", err, len(data))
			}
			sv := ts.Signed.Meta["snapshot.json"].Version
			if data, err = fetch(fmt.Sprintf("tuf/%d.snapshot.json", sv)); err != nil {
				return err
			}
			snap, err := (&metadata.Metadata[metadata.SnapshotType]{}).FromBytes(data)
			if err != nil {
				return fmt.Errorf("snapshot v%d: %w", sv, err)
			}
			for name, m := range snap.Signed.Meta {
				data, err := fetch(fmt.Sprintf("tuf/%d.%s", m.Version, name))
				if err != nil {
					return err
				}
				b, err := (&metadata.Metadata[metadata.TargetsType]{}).FromBytes(data)
				if err != nil {
					return fmt.Errorf("%s v%d: %w", name, m.Version, err)
				}
				for p, ti := range b.Signed.Targets {
					data, err := fetch(hashName(p, ti.Hashes["sha256"]))
					if err != nil {
						return err
					}
					if err := ti.VerifyLengthHashes(data); err != nil {
						return fmt.Errorf("%s: %w", p, err)
					}
					// Every file the signed page lists is there, whole.
					page, err := parseProjectJSON(data)
					if err != nil {
						return fmt.Errorf("%s: %w", p, err)
					}
					for _, pf := range page.Files {
						data, err := fetch("packages/" + pf.Filename)
						if err != nil {
							return err
						}
						if got := fmt.Sprintf("%x", sha(data)); got != pf.SHA256 || int64(len(data)) != pf.Size {
							return fmt.Errorf("%s: sha256 %s, %d bytes; its signed page gives %s, %d", pf.Filename, got, len(data), pf.SHA256, pf.Size)
						}
					}
				}
			}
			// The plain pages pip reads are whole JSON documents.
			if data, err = fetch("simple/demo/index.json"); err != nil {
				return err
			}
			if !json.Valid(data) {
				return fmt.Errorf("simple/demo/index.json is not whole: %q", data)
			}
		}
		return nil
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := reader(); err != nil {
				errs <- err
				stop.Store(true)
			}
		}()
	}
	deadline := time.Now().Add(3 * time.Second)
	for i := 0; time.Now().Before(deadline) && !stop.Load(); i++ {
		f.clock.Advance(time.Minute)
		if _, err := f.repo.Refresh(t.Context(), RefreshOptions{ResignFraction: 1}); err != nil {
			t.Fatal(err)
		}
		if i%5 == 0 {
			f.add(f.wheel("demo", fmt.Sprintf("1.%d", i+1)))
		}
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if reads.Load() < 50 {
		t.Fatalf("only %d reads", reads.Load())
	}
}
