package trust

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/gopip/gopip/trust/trusttest"
)

// testStore opens a Store in a fresh folder with a hermetic client.
func testStore(t *testing.T, opts StoreOptions) *Store {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = filepath.Join(t.TempDir(), "repositories")
	}
	if opts.Client == nil {
		opts.Client = newClient(t, 2)
	}
	s, err := OpenStore(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// addRepo trusts repo's first root under name and returns its Repository.
func addRepo(t *testing.T, s *Store, repo *trusttest.Repo, name string) *Repository {
	t.Helper()
	return addRepoLayout(t, s, repo, name, LayoutGopip)
}

// addRepoLayout is addRepo with a layout.
func addRepoLayout(t *testing.T, s *Store, repo *trusttest.Repo, name string, layout Layout) *Repository {
	t.Helper()
	if _, err := s.Add(Config{Name: name, IndexURL: repo.IndexURL(), Layout: layout}, repo.RootJSON(1)); err != nil {
		t.Fatal(err)
	}
	r, ok, err := s.ForIndex(repo.IndexURL())
	if err != nil || !ok {
		t.Fatalf("ForIndex(%s) = %v, %v", repo.IndexURL(), ok, err)
	}
	return r
}

// demoRepo is a repository with one project, "demo", and its wheel.
func demoRepo(t *testing.T, opts trusttest.Options) (*trusttest.Repo, []byte) {
	t.Helper()
	repo := trusttest.New(t, opts)
	whl := content(5000, 1)
	repo.AddProject("demo", trusttest.File{Name: "demo-1.0-py3-none-any.whl", Data: whl})
	repo.Publish()
	return repo, whl
}

// nextRun returns the same repository as a new gopip run sees it: a new
// Store over the same folder.
func nextRun(t *testing.T, s *Store, name string) *Repository {
	t.Helper()
	s2 := testStore(t, StoreOptions{Dir: s.Dir(), Embedded: s.opts.Embedded, now: s.opts.now})
	r, err := s2.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// securityFailure asserts that err is a *VerificationError with reason,
// reported as a security failure, and returns it.
func securityFailure(t *testing.T, err error, reason Reason) *VerificationError {
	t.Helper()
	var ve *VerificationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not a *VerificationError", err, err)
	}
	var sf interface{ SecurityFailure() bool }
	if !errors.As(err, &sf) || !sf.SecurityFailure() {
		t.Fatalf("error %v is not a security failure", err)
	}
	if ve.Reason != reason {
		t.Fatalf("reason = %q, want %q; error: %v", ve.Reason, reason, err)
	}
	if ve.Repository == "" || !strings.Contains(err.Error(), ve.Repository) {
		t.Errorf("error does not name the repository: %v", err)
	}
	return ve
}

func TestRefreshAndTargetInfo(t *testing.T) {
	repo := trusttest.New(t, trusttest.Options{})
	whl := content(5000, 1)
	repo.AddProject("demo", trusttest.File{Name: "demo-1.0-py3-none-any.whl", Data: whl, Target: true})
	repo.Publish()
	s := testStore(t, StoreOptions{})
	r := addRepo(t, s, repo, "corp")
	ctx := context.Background()

	change, err := r.Refresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if change.Before.Timestamp.Version != 0 || change.After.Root.Version != 1 ||
		change.After.Timestamp.Version != repo.Timestamp.Signed.Version ||
		change.After.Snapshot.Version != repo.Snapshot.Signed.Version ||
		change.After.Targets.Version != 1 {
		t.Errorf("change = %+v", change)
	}
	if !change.After.Timestamp.Expires.Equal(repo.Timestamp.Signed.Expires) {
		t.Errorf("timestamp expires %v, want %v", change.After.Timestamp.Expires, repo.Timestamp.Signed.Expires)
	}

	repo.Requests()
	info, err := r.TargetInfo(ctx, "packages/demo-1.0-py3-none-any.whl")
	if err != nil {
		t.Fatal(err)
	}
	d := digests(whl)
	if info.Length != int64(len(whl)) || info.Hashes["sha256"] != d["sha256"] || info.Hashes["blake2b-256"] != d["blake2b-256"] {
		t.Errorf("target info = %+v", info)
	}
	// Only the one bin on the target's path is fetched, under its
	// consistent-snapshot name.
	bin := repo.BinFor("packages/demo-1.0-py3-none-any.whl")
	want := []string{fmt.Sprintf("tuf/%d.%s.json", repo.Bins[bin].Signed.Version, bin)}
	if got := repo.Requests(); !slices.Equal(got, want) {
		t.Errorf("requests = %q, want %q", got, want)
	}
	// A second refresh in the same run does nothing.
	if _, err := r.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got := repo.Requests(); len(got) != 0 {
		t.Errorf("second refresh fetched %q", got)
	}
	if http.DefaultClient.Transport != nil {
		t.Error("http.DefaultClient was changed")
	}
}

// TestHashedBins checks that go-tuf v2.4.2 walks TAP 15 succinct
// delegations: a target is found in the bin its path hashes to, and
// nowhere else is looked at.
func TestHashedBins(t *testing.T) {
	repo := trusttest.New(t, trusttest.Options{BitLength: 8})
	paths := map[string][]byte{}
	for i := range 40 {
		p := fmt.Sprintf("packages/p%d-1.0-py3-none-any.whl", i)
		paths[p] = content(100+i, uint64(i))
		repo.AddTarget(p, paths[p])
	}
	repo.Publish()
	s := testStore(t, StoreOptions{})
	r := addRepo(t, s, repo, "bins")
	ctx := context.Background()
	if _, err := r.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	repo.Requests()
	bins := map[string]bool{}
	for p, data := range paths {
		info, err := r.TargetInfo(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if info.Length != int64(len(data)) || info.Hashes["sha256"] != digests(data)["sha256"] {
			t.Errorf("%s: info = %+v", p, info)
		}
		bins[repo.BinFor(p)] = true
	}
	for _, req := range repo.Requests() {
		role := roleFromURL("http://h/" + req)
		if !bins[role] {
			t.Errorf("fetched %s, not on the path of any target looked up", req)
		}
		delete(bins, role)
	}
	if len(bins) != 0 {
		t.Errorf("bins never fetched: %v", bins)
	}
	// A bin is a bins-xx name with two hex digits.
	if b := repo.BinFor("packages/p0-1.0-py3-none-any.whl"); len(b) != len("bins-00") {
		t.Errorf("bin name %q", b)
	}
}

func TestTargetNotFound(t *testing.T) {
	repo, _ := demoRepo(t, trusttest.Options{})
	r := addRepo(t, testStore(t, StoreOptions{}), repo, "corp")
	_, err := r.TargetInfo(context.Background(), "packages/other-1.0.tar.gz")
	var nf *NotFoundError
	if !errors.As(err, &nf) || !errors.Is(err, ErrNotFound) || nf.Target != "packages/other-1.0.tar.gz" || nf.Repository != "corp" {
		t.Fatalf("err = %v", err)
	}
	var sf interface{ SecurityFailure() bool }
	if errors.As(err, &sf) {
		t.Errorf("not found is a security failure: %v", err)
	}
}

// TestMissingRootAs403 serves a repository the way S3 does, with 403 for
// a missing file: root rotation must end at the first missing version.
func TestMissingRootAs403(t *testing.T) {
	repo, _ := demoRepo(t, trusttest.Options{MissingStatus: http.StatusForbidden})
	r := addRepo(t, testStore(t, StoreOptions{}), repo, "s3")
	if _, err := r.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(repo.Requests(), "tuf/2.root.json") {
		t.Error("the next root version was never asked for")
	}
}

// TestNextRunUsesCache: a second run fetches the timestamp, and nothing
// else when nothing changed; the bins it had are reused.
func TestNextRunUsesCache(t *testing.T) {
	repo, _ := demoRepo(t, trusttest.Options{})
	s := testStore(t, StoreOptions{})
	r := addRepo(t, s, repo, "corp")
	ctx := context.Background()
	if _, err := r.TargetInfo(ctx, "simple/demo/index.json"); err != nil {
		t.Fatal(err)
	}
	repo.Requests()
	r2 := nextRun(t, s, "corp")
	change, err := r2.Refresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if change.Before != change.After {
		t.Errorf("nothing changed, yet %+v", change)
	}
	if _, err := r2.TargetInfo(ctx, "simple/demo/index.json"); err != nil {
		t.Fatal(err)
	}
	if got, want := repo.Requests(), []string{"tuf/2.root.json", "tuf/timestamp.json"}; !slices.Equal(got, want) {
		t.Errorf("requests = %q, want %q", got, want)
	}
}

// TestConcurrentTargetInfo asks for 20 targets in 20 bins at once; run
// with -race, it shows the Updater is never used by two goroutines.
func TestConcurrentTargetInfo(t *testing.T) {
	repo := trusttest.New(t, trusttest.Options{BitLength: 8})
	paths := make([]string, 20)
	for i := range paths {
		paths[i] = fmt.Sprintf("packages/c%d-1.0-py3-none-any.whl", i)
		repo.AddTarget(paths[i], content(200+i, uint64(100+i)))
	}
	repo.Publish()
	r := addRepo(t, testStore(t, StoreOptions{}), repo, "corp")
	var wg sync.WaitGroup
	errs := make([]error, len(paths))
	start := make(chan struct{})
	for i, p := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			info, err := r.TargetInfo(context.Background(), p)
			if err == nil && info.Length != int64(200+i) {
				err = fmt.Errorf("%s: length %d", p, info.Length)
			}
			errs[i] = err
		}()
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

// TestRefreshCancelled: a cancelled refresh is not remembered; the next
// call runs it.
func TestRefreshCancelled(t *testing.T) {
	repo, _ := demoRepo(t, trusttest.Options{})
	r := addRepo(t, testStore(t, StoreOptions{}), repo, "corp")
	ctx, cancel := context.WithCancel(context.Background())
	repo.Intercept(func(w http.ResponseWriter, req *http.Request) bool {
		if strings.HasSuffix(req.URL.Path, "timestamp.json") {
			cancel()
			time.Sleep(20 * time.Millisecond)
		}
		return false
	})
	if _, err := r.Refresh(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	repo.Intercept(nil)
	if _, err := r.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestOffline: with AllowOffline, a repository that cannot be reached is
// used from its still-valid cache, and StoreOptions.Offline is told once;
// once the cache has expired, the network error is returned, saying why
// the cache could not be used, and it is not a verification failure.
func TestOffline(t *testing.T) {
	repo, _ := demoRepo(t, trusttest.Options{})
	s := testStore(t, StoreOptions{AllowOffline: true})
	r := addRepo(t, s, repo, "corp")
	ctx := context.Background()
	if _, err := r.TargetInfo(ctx, "simple/demo/index.json"); err != nil {
		t.Fatal(err)
	}
	repo.Intercept(func(w http.ResponseWriter, req *http.Request) bool {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return true
	})
	var told []error
	var toldChange Change
	s2 := testStore(t, StoreOptions{Dir: s.Dir(), AllowOffline: true, Offline: func(r *Repository, c Change, cause error) {
		told, toldChange = append(told, cause), c
	}})
	r2, err := s2.Get("corp")
	if err != nil {
		t.Fatal(err)
	}
	change, err := r2.Refresh(ctx)
	if err != nil || !change.Offline {
		t.Fatalf("offline refresh: %+v, %v", change, err)
	}
	if _, err := r2.TargetInfo(ctx, "simple/demo/index.json"); err != nil {
		t.Fatal(err)
	}
	var fe *FetchError
	if len(told) != 1 || !errors.As(told[0], &fe) || toldChange != change {
		t.Errorf("Offline was called %d times: %v", len(told), told)
	}
	if !change.ValidUntil().Equal(repo.Timestamp.Signed.Expires) {
		t.Errorf("valid until %v, want the timestamp's expiry %v", change.ValidUntil(), repo.Timestamp.Signed.Expires)
	}

	// Two days later the cached timestamp has expired.
	later := func() time.Time { return time.Now().Add(48 * time.Hour) }
	told = nil
	s3 := testStore(t, StoreOptions{Dir: s.Dir(), AllowOffline: true, now: later, Offline: s2.opts.Offline})
	r3, err := s3.Get("corp")
	if err != nil {
		t.Fatal(err)
	}
	_, err = r3.Refresh(ctx)
	var ve *VerificationError
	if !errors.As(err, &fe) || errors.As(err, &ve) || len(told) != 0 ||
		!strings.Contains(err.Error(), "its cached TUF metadata cannot be used instead: repository corp: timestamp metadata has expired") {
		t.Errorf("offline with an expired cache: %v", err)
	}
	// Without AllowOffline the failure is an ordinary network error.
	r4 := nextRun(t, s, "corp")
	_, err = r4.Refresh(ctx)
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v, want a *FetchError", err)
	}
	if errors.As(err, &ve) {
		t.Errorf("a network failure is a verification failure: %v", err)
	}
}

func TestStoreLayout(t *testing.T) {
	repo, _ := demoRepo(t, trusttest.Options{})
	s := testStore(t, StoreOptions{})
	r := addRepo(t, s, repo, "corp")
	if _, err := r.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	id, _ := RepositoryID(repo.IndexURL())
	if r.ID() != id || r.Dir() != filepath.Join(s.Dir(), id) {
		t.Errorf("id %s dir %s", r.ID(), r.Dir())
	}
	for path, want := range map[string]os.FileMode{
		s.Dir():                               0o700,
		r.Dir():                               0o700,
		filepath.Join(r.Dir(), "metadata"):    0o700,
		filepath.Join(r.Dir(), "config.json"): 0o600,
		filepath.Join(r.Dir(), "metadata", "root.json"):      0o644,
		filepath.Join(r.Dir(), "metadata", "timestamp.json"): 0o644,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode().Perm(), want)
		}
	}
	// A folder others may write to is refused.
	if err := os.Chmod(r.Dir(), 0o777); err != nil {
		t.Fatal(err)
	}
	s2 := testStore(t, StoreOptions{Dir: s.Dir()})
	if _, err := s2.Get("corp"); err == nil || !strings.Contains(err.Error(), "writable by other users") {
		t.Errorf("err = %v", err)
	}
	_ = metadata.ROOT
}

// TestOpenRepository: a Repository over a plain metadata folder (the TUF
// conformance suite's layout) refreshes into it under unversioned names,
// asks for a target under its escaped consistent-snapshot URL, and
// CheckFile verifies the downloaded copy.
func TestOpenRepository(t *testing.T) {
	repo := trusttest.New(t, trusttest.Options{BitLength: 2})
	data := []byte("odd target")
	repo.AddTarget("files/a b?.txt", data)
	repo.Publish()
	dir := t.TempDir()
	if _, err := OpenRepository(Config{Name: "c", IndexURL: repo.URL()}, dir, newClient(t, 1)); err == nil {
		t.Error("a folder without root.json was opened")
	}
	if err := os.WriteFile(filepath.Join(dir, "root.json"), repo.RootJSON(1), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := OpenRepository(Config{Name: "c", IndexURL: repo.MetadataURL(), MetadataURL: repo.MetadataURL(), TargetsURL: repo.URL()}, dir, newClient(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	req, err := r.TargetRequest(ctx, "files/a b?.txt")
	if err != nil {
		t.Fatal(err)
	}
	d := digests(data)
	if want := repo.URL() + "files/" + d["sha256"] + ".a%20b%3F.txt"; req.URL != want || req.Length != int64(len(data)) || req.Hashes["sha256"] != d["sha256"] {
		t.Errorf("request %+v, want URL %s", req, want)
	}
	for _, role := range []string{"timestamp", "snapshot", "targets", repo.BinFor("files/a b?.txt")} {
		if _, err := os.Stat(filepath.Join(dir, role+".json")); err != nil {
			t.Errorf("%s.json: %v", role, err)
		}
	}
	req.Dest = filepath.Join(t.TempDir(), "target")
	if _, err := NewDownloader(r.client, DownloaderOptions{}).Download(ctx, req); err != nil {
		t.Fatal(err)
	}
	if err := CheckFile(req.Dest, req.Length, req.Hashes); err != nil {
		t.Errorf("CheckFile of the download: %v", err)
	}
	os.WriteFile(req.Dest, []byte("odd targeT"), 0o644)
	var hm *HashMismatchError
	if err := CheckFile(req.Dest, req.Length, req.Hashes); !errors.As(err, &hm) {
		t.Errorf("CheckFile of other bytes: %v", err)
	}
	os.WriteFile(req.Dest, []byte("odd target, longer"), 0o644)
	var le *LengthError
	if err := CheckFile(req.Dest, req.Length, req.Hashes); !errors.As(err, &le) || !le.Over {
		t.Errorf("CheckFile of a longer file: %v", err)
	}
}
