package trust

// One test per attack TUF defends against (the TUF specification's list,
// and PEP 458's), each against a repository built and signed in the test
// (package trusttest: root, targets, snapshot, timestamp and 256 succinct
// hash bins, consistent snapshots, served by httptest). Each asserts the
// typed error and that it is reported as a security failure.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/gopip/gopip/trust/trusttest"
)

const demoWheel = "demo-1.0-py3-none-any.whl"

// demoLink is the demo wheel as the demo page lists it.
func demoLink(repo *trusttest.Repo, whl []byte) FileLink {
	return FileLink{
		URL:    repo.URL() + "packages/" + demoWheel,
		Hashes: map[string]string{"sha256": digests(whl)["sha256"]},
		Size:   int64(len(whl)),
	}
}

// fetchFile builds the request for link and downloads it with the
// Downloader.
func fetchFile(t *testing.T, r *Repository, link FileLink) (Result, error) {
	t.Helper()
	ctx := context.Background()
	req, err := r.FileRequest(ctx, link)
	if err != nil {
		return Result{}, err
	}
	req.Dest = filepath.Join(t.TempDir(), req.Name)
	return NewDownloader(r.client, DownloaderOptions{}).Download(ctx, req)
}

// TestAttackArbitraryPackage: the server replaces a distribution with
// another file. It is refused whether the file is vouched for by its
// verified page alone (the gopip layout) or is a target itself (the
// gopip-files layout).
func TestAttackArbitraryPackage(t *testing.T) {
	for _, layout := range []Layout{LayoutGopip, LayoutGopipFiles} {
		t.Run(string(layout), func(t *testing.T) {
			repo := trusttest.New(t, trusttest.Options{})
			whl := content(5000, 1)
			repo.AddProject("demo", trusttest.File{Name: demoWheel, Data: whl, Target: layout == LayoutGopipFiles})
			repo.Publish()
			r := addRepoLayout(t, testStore(t, StoreOptions{}), repo, "corp", layout)

			if _, err := fetchFile(t, r, demoLink(repo, whl)); err != nil {
				t.Fatalf("genuine file: %v", err)
			}
			evil := bytes.Clone(whl)
			evil[100] ^= 1
			repo.SetFile("packages/"+demoWheel, evil)
			_, err := fetchFile(t, r, demoLink(repo, whl))
			var hm *HashMismatchError
			if !errors.As(err, &hm) || !hm.SecurityFailure() {
				t.Fatalf("err = %v, want a *HashMismatchError", err)
			}
		})
	}
}

// TestAttackRollback: after a newer version was trusted, the server
// serves an older timestamp, snapshot or bin.
func TestAttackRollback(t *testing.T) {
	for _, role := range []string{"timestamp", "snapshot", "bin"} {
		t.Run(role, func(t *testing.T) {
			repo, _ := demoRepo(t, trusttest.Options{})
			page := "simple/demo/index.json"
			bin := repo.BinFor(page)
			oldTimestamp := repo.File("tuf/timestamp.json")
			oldSnapshot := repo.File(fmt.Sprintf("tuf/%d.snapshot.json", repo.Snapshot.Signed.Version))
			oldBin := repo.File(fmt.Sprintf("tuf/%d.%s.json", repo.Bins[bin].Signed.Version, bin))
			// A new release of demo: new bin, snapshot and timestamp.
			repo.AddProject("demo", trusttest.File{Name: "demo-2.0-py3-none-any.whl", Data: content(10, 2)})
			repo.Publish()
			s := testStore(t, StoreOptions{})
			r := addRepo(t, s, repo, "corp")
			ctx := context.Background()
			if _, err := r.TargetInfo(ctx, page); err != nil {
				t.Fatal(err)
			}

			// The repository moves on; the attacker replays the old files.
			repo.AddProject("demo", trusttest.File{Name: "demo-3.0-py3-none-any.whl", Data: content(10, 3)})
			repo.Publish()
			switch role {
			case "timestamp":
				repo.SetFile("tuf/timestamp.json", oldTimestamp)
			case "snapshot":
				repo.SetFile(fmt.Sprintf("tuf/%d.snapshot.json", repo.Snapshot.Signed.Version), oldSnapshot)
			case "bin":
				repo.SetFile(fmt.Sprintf("tuf/%d.%s.json", repo.Bins[bin].Signed.Version, bin), oldBin)
			}
			r2 := nextRun(t, s, "corp")
			_, err := r2.TargetInfo(ctx, page)
			ve := securityFailure(t, err, ReasonRollback)
			want := map[string]string{"timestamp": "timestamp", "snapshot": "snapshot", "bin": bin}[role]
			if ve.Role != want {
				t.Errorf("role = %q, want %q", ve.Role, want)
			}
			if !errors.Is(err, &metadata.ErrBadVersionNumber{}) {
				t.Errorf("err does not wrap go-tuf's ErrBadVersionNumber: %v", err)
			}
		})
	}
}

// TestAttackIndefiniteFreeze: the server keeps serving metadata that has
// expired, freshly signed with an expired date or simply never updated.
func TestAttackIndefiniteFreeze(t *testing.T) {
	t.Run("expired timestamp", func(t *testing.T) {
		repo, _ := demoRepo(t, trusttest.Options{})
		repo.Timestamp.Signed.Expires = trusttest.In(-time.Hour)
		repo.PublishTimestamp()
		r := addRepo(t, testStore(t, StoreOptions{}), repo, "corp")
		_, err := r.Refresh(context.Background())
		ve := securityFailure(t, err, ReasonExpired)
		if ve.Role != "timestamp" || !errors.Is(err, &metadata.ErrExpiredMetadata{}) {
			t.Errorf("role %q, err %v", ve.Role, err)
		}
	})
	t.Run("frozen repository", func(t *testing.T) {
		repo, _ := demoRepo(t, trusttest.Options{})
		s := testStore(t, StoreOptions{})
		r := addRepo(t, s, repo, "corp")
		if _, err := r.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		// Two days later the mirror still serves the same files.
		s.opts.now = func() time.Time { return time.Now().Add(48 * time.Hour) }
		_, err := nextRun(t, s, "corp").Refresh(context.Background())
		ve := securityFailure(t, err, ReasonExpired)
		if ve.Role != "timestamp" {
			t.Errorf("role = %q, want timestamp", ve.Role)
		}
	})
	t.Run("expired bin", func(t *testing.T) {
		repo, _ := demoRepo(t, trusttest.Options{})
		bin := repo.BinFor("simple/demo/index.json")
		repo.Bins[bin].Signed.Expires = trusttest.In(-time.Hour)
		repo.PublishTargets(bin)
		repo.PublishSnapshot()
		repo.PublishTimestamp()
		r := addRepo(t, testStore(t, StoreOptions{}), repo, "corp")
		_, err := r.Page(context.Background(), "demo")
		if ve := securityFailure(t, err, ReasonExpired); ve.Role != bin {
			t.Errorf("role = %q, want %s", ve.Role, bin)
		}
	})
}

// TestAttackMixAndMatch: the server combines metadata from different
// states of the repository: a bin of another version than the one the
// snapshot lists. Without hashes in the snapshot the version check catches
// a newer bin; with them, the hash check catches an older one.
func TestAttackMixAndMatch(t *testing.T) {
	for _, hashes := range []bool{false, true} {
		t.Run(fmt.Sprintf("metaHashes=%v", hashes), func(t *testing.T) {
			repo, _ := demoRepo(t, trusttest.Options{MetaHashes: hashes})
			page := "simple/demo/index.json"
			bin := repo.BinFor(page)
			v := repo.Bins[bin].Signed.Version
			binPath := fmt.Sprintf("tuf/%d.%s.json", v, bin)
			other := repo.File(fmt.Sprintf("tuf/%d.%s.json", v-1, bin))
			if !hashes {
				// A later bin, signed for a later snapshot.
				repo.AddProject("demo", trusttest.File{Name: "demo-2.0-py3-none-any.whl", Data: content(10, 2)})
				repo.PublishTargets(bin)
				other = repo.File(fmt.Sprintf("tuf/%d.%s.json", v+1, bin))
			}
			repo.SetFile(binPath, other)

			r := addRepo(t, testStore(t, StoreOptions{}), repo, "corp")
			_, err := r.TargetInfo(context.Background(), page)
			reason, tufErr := ReasonMismatch, error(&metadata.ErrBadVersionNumber{})
			if hashes {
				reason, tufErr = ReasonHash, &metadata.ErrLengthOrHashMismatch{}
			}
			ve := securityFailure(t, err, reason)
			if ve.Role != bin || !errors.Is(err, tufErr) {
				t.Errorf("role %q, err %v", ve.Role, err)
			}
		})
	}
}

// endless writes data and then garbage until the client hangs up,
// counting the bytes written.
func endless(data []byte, written *atomic.Int64) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		n, _ := w.Write(data)
		written.Add(int64(n))
		chunk := bytes.Repeat([]byte(" "), 32<<10)
		for written.Load() < 64<<20 {
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	}
}

// TestAttackEndlessData: the server sends more than the trusted or maximum
// length: of a metadata file, of a page, of a distribution.
func TestAttackEndlessData(t *testing.T) {
	for _, what := range []string{"timestamp", "page", "wheel"} {
		t.Run(what, func(t *testing.T) {
			repo, whl := demoRepo(t, trusttest.Options{})
			var written atomic.Int64
			page := repo.File("simple/demo/index.json")
			repo.Intercept(func(w http.ResponseWriter, req *http.Request) bool {
				p := strings.TrimPrefix(req.URL.Path, "/pypi/")
				switch {
				case what == "timestamp" && p == "tuf/timestamp.json":
					endless(repo.File(p), &written)(w, req)
				case what == "page" && strings.HasPrefix(p, "simple/demo/"):
					endless(page, &written)(w, req)
				case what == "wheel" && p == "packages/"+demoWheel:
					endless(whl, &written)(w, req)
				default:
					return false
				}
				return true
			})
			r := addRepo(t, testStore(t, StoreOptions{}), repo, "corp")
			var err error
			switch what {
			case "timestamp":
				_, err = r.Refresh(context.Background())
				ve := securityFailure(t, err, ReasonLength)
				if ve.Role != "timestamp" || !errors.Is(err, &metadata.ErrDownloadLengthMismatch{}) {
					t.Errorf("role %q, err %v", ve.Role, err)
				}
			case "page":
				_, err = r.Page(context.Background(), "demo")
				ve := securityFailure(t, err, ReasonLength)
				var le *LengthError
				if ve.Target != "simple/demo/index.json" || !errors.As(err, &le) || !le.Over {
					t.Errorf("target %q, err %v", ve.Target, err)
				}
			case "wheel":
				_, err = fetchFile(t, r, demoLink(repo, whl))
				var le *LengthError
				if !errors.As(err, &le) || !le.Over || !le.SecurityFailure() {
					t.Fatalf("err = %v, want an endless-data *LengthError", err)
				}
			}
			// The client hung up long before the server ran out.
			if n := written.Load(); n >= 64<<20 {
				t.Errorf("the server wrote %d bytes", n)
			}
		})
	}
}

// TestAttackExtraneousDependencies: the server adds a dependency, to the
// project page (a new file link) or to a PEP 658 metadata file
// (Requires-Dist) that is a target (the gopip-files layout; in the gopip
// layout resolver/index checks a metadata file against its verified page).
func TestAttackExtraneousDependencies(t *testing.T) {
	repo := trusttest.New(t, trusttest.Options{})
	whl := content(5000, 1)
	meta := []byte("Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
	repo.AddProject("demo", trusttest.File{Name: demoWheel, Data: whl})
	metaTarget := repo.AddTarget("packages/"+demoWheel+".metadata", meta)
	repo.Publish()
	r := addRepoLayout(t, testStore(t, StoreOptions{}), repo, "corp", LayoutGopipFiles)
	ctx := context.Background()

	t.Run("page", func(t *testing.T) {
		genuine := repo.File("simple/demo/index.json")
		hashed := trusttest.HashedPath("simple/demo/index.json", genuine)
		// An added file link makes the page longer than its target.
		evil := bytes.Replace(genuine, []byte(`"files":[`), []byte(`"files":[{"filename":"evil-1.0-py3-none-any.whl","url":"../../packages/evil-1.0-py3-none-any.whl","hashes":{}},`), 1)
		repo.SetFile(hashed, evil)
		_, err := r.Page(ctx, "demo")
		var le *LengthError
		if ve := securityFailure(t, err, ReasonLength); ve.Target != "simple/demo/index.json" || !errors.As(err, &le) {
			t.Errorf("target %q, err %v", ve.Target, err)
		}
		// The same length, another wheel: a hash mismatch.
		evil = bytes.Replace(genuine, []byte(`"demo-1.0-py3`), []byte(`"evil-1.0-py3`), 1)
		repo.SetFile(hashed, evil)
		_, err = r.Page(ctx, "demo")
		var hm *HashMismatchError
		if ve := securityFailure(t, err, ReasonHash); ve.Target != "simple/demo/index.json" || !errors.As(err, &hm) {
			t.Errorf("target %q, err %v", ve.Target, err)
		}
	})
	t.Run("core metadata", func(t *testing.T) {
		evil := append(bytes.Clone(meta), "Requires-Dist: evil\n"...)
		repo.SetFile("packages/"+demoWheel+".metadata", evil)
		_, err := fetchFile(t, r, FileLink{URL: repo.URL() + "packages/" + demoWheel + ".metadata"})
		var le *LengthError
		if !errors.As(err, &le) || !le.SecurityFailure() || le.Want != metaTarget.Length {
			t.Fatalf("err = %v, want a *LengthError against the target's length", err)
		}
		// Same length, other bytes: a hash mismatch.
		evil = bytes.Replace(meta, []byte("1.0"), []byte("6.6"), 1)
		repo.SetFile("packages/"+demoWheel+".metadata", evil)
		_, err = fetchFile(t, r, FileLink{URL: repo.URL() + "packages/" + demoWheel + ".metadata"})
		var hm *HashMismatchError
		if !errors.As(err, &hm) || !hm.SecurityFailure() {
			t.Fatalf("err = %v, want a *HashMismatchError", err)
		}
	})
}

// TestAttackFastForward: an attacker holding the online key publishes a
// timestamp and snapshot with huge versions, which the client trusts. The
// client then refuses the repository's genuine, lower versions — until the
// repository rotates the online key in a new root, after which the client
// recovers, as the TUF specification prescribes.
func TestAttackFastForward(t *testing.T) {
	repo, _ := demoRepo(t, trusttest.Options{})
	s := testStore(t, StoreOptions{})
	r := addRepo(t, s, repo, "corp")
	ctx := context.Background()
	if _, err := r.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	genuine := map[string][]byte{"tuf/timestamp.json": repo.File("tuf/timestamp.json")}

	// The attack: version 1000 of snapshot and timestamp.
	repo.Snapshot.Signed.Version = 999
	repo.PublishSnapshot()
	repo.Timestamp.Signed.Version = 999
	repo.PublishTimestamp()
	if _, err := nextRun(t, s, "corp").Refresh(ctx); err != nil {
		t.Fatal(err)
	}

	// The repository, unaware, goes on from its genuine versions.
	repo.SetFile("tuf/timestamp.json", genuine["tuf/timestamp.json"])
	_, err := nextRun(t, s, "corp").Refresh(ctx)
	securityFailure(t, err, ReasonRollback)

	// Recovery: a new root with a new online key, and metadata re-signed
	// with it at versions below the attacker's.
	old := repo.ReplaceOnlineKey(trusttest.NewKey(t))
	repo.RotateRoot(func(*metadata.RootType) {}, repo.RootKeys...)
	repo.Snapshot.Signed.Version = 5
	repo.Timestamp.Signed.Version = 5
	repo.Publish()
	change, err := nextRun(t, s, "corp").Refresh(ctx)
	if err != nil {
		t.Fatalf("no recovery after rotating the online key (was %s): %v", old.ID, err)
	}
	if change.After.Root.Version != 2 || change.After.Timestamp.Version != 6 || change.After.Snapshot.Version != 6 {
		t.Errorf("after recovery: %+v", change.After)
	}
}

// TestAttackFastForwardTimestampKeyOnly exercises gopip's own recovery
// step (TUF 5.3.11: "if the timestamp and/or snapshot keys have been
// rotated, delete the trusted timestamp and snapshot metadata"). The
// attacker holds the online key and has the client trust a snapshot that
// lists targets.json at version 1000. The repository then rotates only the
// timestamp key: the cached snapshot is still correctly signed, and go-tuf
// alone would keep it (its version matches the genuine timestamp's) and
// look for targets version 1000 forever.
func TestAttackFastForwardTimestampKeyOnly(t *testing.T) {
	repo, _ := demoRepo(t, trusttest.Options{})
	s := testStore(t, StoreOptions{})
	r := addRepo(t, s, repo, "corp")
	ctx := context.Background()
	if _, err := r.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	evil := *repo.Snapshot
	evil.Signed.Meta = map[string]*metadata.MetaFiles{}
	for k, v := range repo.Snapshot.Signed.Meta {
		c := *v
		evil.Signed.Meta[k] = &c
	}
	evil.Signed.Meta["targets.json"].Version = 1000
	evil.Signed.Version++
	repo.SetFile(fmt.Sprintf("tuf/%d.snapshot.json", evil.Signed.Version), trusttest.Sign(t, &evil, repo.OnlineKey))
	evilTS := *repo.Timestamp
	evilTS.Signed.Version++
	evilTS.Signed.Meta = map[string]*metadata.MetaFiles{"snapshot.json": metadata.MetaFile(evil.Signed.Version)}
	repo.SetFile("tuf/timestamp.json", trusttest.Sign(t, &evilTS, repo.TimestampKey))
	if _, err := nextRun(t, s, "corp").Refresh(ctx); err == nil {
		t.Fatal("the fast-forwarded snapshot went through")
	}

	// Recovery: a new timestamp key only; the genuine snapshot takes the
	// same version number as the attacker's.
	repo.ReplaceTimestampKey(trusttest.NewKey(t))
	repo.RotateRoot(func(*metadata.RootType) {}, repo.RootKeys...)
	repo.Publish()
	if repo.Snapshot.Signed.Version != evil.Signed.Version {
		t.Fatalf("genuine snapshot version %d, attacker's %d", repo.Snapshot.Signed.Version, evil.Signed.Version)
	}
	change, err := nextRun(t, s, "corp").Refresh(ctx)
	if err != nil {
		t.Fatalf("no recovery: %v", err)
	}
	if change.After.Targets.Version != repo.Targets.Signed.Version || change.After.Root.Version != 2 {
		t.Errorf("after recovery: %+v", change.After)
	}
}

// TestAttackMaliciousMirror: a mirror (the targets and metadata URLs of the
// repository's configuration point at it) serves wrong bytes: a timestamp
// signed with its own key, or an altered page.
func TestAttackMaliciousMirror(t *testing.T) {
	repo, _ := demoRepo(t, trusttest.Options{})
	mirrorKey := trusttest.NewKey(t)
	mirror := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		p := strings.TrimPrefix(req.URL.Path, "/mirror/")
		data := repo.File(p)
		switch {
		case p == "tuf/timestamp.json":
			ts, err := metadata.Timestamp().FromBytes(data)
			if err != nil {
				t.Error(err)
			}
			ts.Signed.Version++
			data = trusttest.Sign(t, ts, mirrorKey)
		case strings.HasPrefix(p, "simple/demo/"):
			data = bytes.Replace(data, []byte("demo"), []byte("dem0"), 1)
		}
		if data == nil {
			http.NotFound(w, req)
			return
		}
		w.Write(data)
	}))
	defer mirror.Close()

	t.Run("metadata", func(t *testing.T) {
		s := testStore(t, StoreOptions{})
		if _, err := s.Add(Config{Name: "m", IndexURL: repo.IndexURL(), MetadataURL: mirror.URL + "/mirror/tuf/"}, repo.RootJSON(1)); err != nil {
			t.Fatal(err)
		}
		r, _ := s.Get("m")
		_, err := r.Refresh(context.Background())
		ve := securityFailure(t, err, ReasonSignature)
		if ve.Role != "timestamp" || !errors.Is(err, &metadata.ErrUnsignedMetadata{}) {
			t.Errorf("role %q, err %v", ve.Role, err)
		}
	})
	t.Run("targets", func(t *testing.T) {
		s := testStore(t, StoreOptions{})
		if _, err := s.Add(Config{Name: "m", IndexURL: repo.IndexURL(), TargetsURL: mirror.URL + "/mirror/"}, repo.RootJSON(1)); err != nil {
			t.Fatal(err)
		}
		r, _ := s.Get("m")
		_, err := r.Page(context.Background(), "demo")
		var hm *HashMismatchError
		if ve := securityFailure(t, err, ReasonHash); !errors.As(err, &hm) || !strings.Contains(ve.URL, "/mirror/") {
			t.Errorf("err %v", err)
		}
	})
}

// TestAttackThresholdNotMet: the root needs two of its two keys; a new
// root signed by one of them is refused, and so is a first root that is not
// signed by a threshold of its own keys.
func TestAttackThresholdNotMet(t *testing.T) {
	repo, _ := demoRepo(t, trusttest.Options{RootKeys: 2, RootThreshold: 2})
	r := addRepo(t, testStore(t, StoreOptions{}), repo, "corp")
	evilKey := trusttest.NewKey(t)
	// An attacker holding one root key makes their own key a timestamp key.
	repo.RotateRoot(func(root *metadata.RootType) {
		root.Keys[evilKey.ID] = evilKey.Public
		root.Roles[metadata.TIMESTAMP].KeyIDs = []string{evilKey.ID}
	}, repo.RootKeys[0])
	_, err := r.Refresh(context.Background())
	ve := securityFailure(t, err, ReasonSignature)
	if ve.Role != "root" || !errors.Is(err, &metadata.ErrUnsignedMetadata{}) {
		t.Errorf("role %q, err %v", ve.Role, err)
	}

	// trust add of a root signed by one key of two.
	root, err := metadata.Root().FromBytes(repo.RootJSON(1))
	if err != nil {
		t.Fatal(err)
	}
	_, err = ParseRoot(trusttest.Sign(t, root, repo.RootKeys[1]))
	var ve2 *VerificationError
	if !errors.As(err, &ve2) || ve2.Reason != ReasonSignature || ve2.Role != "root" {
		t.Errorf("ParseRoot: %v", err)
	}
	_, err = testStore(t, StoreOptions{}).Add(Config{Name: "x", IndexURL: repo.IndexURL()}, trusttest.Sign(t, root, repo.RootKeys[1]))
	securityFailure(t, err, ReasonSignature)
}

// TestAttackRevokedKey: root version 2 replaces the online key; metadata
// still signed with the revoked key (by an attacker who stole it) is
// refused.
func TestAttackRevokedKey(t *testing.T) {
	repo, _ := demoRepo(t, trusttest.Options{})
	s := testStore(t, StoreOptions{})
	r := addRepo(t, s, repo, "corp")
	if _, err := r.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	revoked := repo.ReplaceOnlineKey(trusttest.NewKey(t))
	repo.RotateRoot(func(*metadata.RootType) {}, repo.RootKeys...)
	repo.Publish()
	// The attacker serves a newer timestamp signed with the revoked key.
	repo.Timestamp.Signed.Version++
	repo.SetFile("tuf/timestamp.json", trusttest.Sign(t, repo.Timestamp, revoked))

	_, err := nextRun(t, s, "corp").Refresh(context.Background())
	ve := securityFailure(t, err, ReasonSignature)
	if ve.Role != "timestamp" || !errors.Is(err, &metadata.ErrUnsignedMetadata{}) {
		t.Errorf("role %q, err %v", ve.Role, err)
	}
	// The client did rotate to root version 2 on the way.
	info, err := s.List()
	if err != nil || info[0].Root.Version != 2 {
		t.Errorf("trusted root after the attack: %+v, %v", info, err)
	}
}
