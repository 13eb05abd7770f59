package publish

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

func (f *fixture) rotate(role KeyRole, opts RotateOptions) *Report {
	f.t.Helper()
	rep, err := f.repo.Rotate(f.t.Context(), role, opts)
	if err != nil {
		f.t.Fatalf("rotate %s: %v", role, err)
	}
	return rep
}

func loadRoot(t *testing.T, data []byte) *metadata.Metadata[metadata.RootType] {
	t.Helper()
	r, err := (&metadata.Metadata[metadata.RootType]{}).FromBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func pemCount(t *testing.T, dir string) int {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	return len(entries)
}

// TestRotateRoot: a client that trusts only the old root follows each
// rotation (1 → 2 → 3), and so does a client with cached metadata; the new
// root verifies under the old one and under itself.
func TestRotateRoot(t *testing.T) {
	f := newFixture(t, InitOptions{BinBits: 2})
	f.add(f.wheel("demo", "1.0"))
	srv := f.serve()
	cached := t.TempDir()
	refreshed(t, srv, cached, f.root(), f.clock.Now())
	root1 := f.root()

	rep := f.rotate(RootKeys, RotateOptions{Keys: 3, Threshold: 2})
	if !slices.Equal(rep.Signed, []string{"timestamp v3", "root v2"}) {
		t.Fatalf("root rotation signed %v", rep.Signed)
	}
	r1, r2 := loadRoot(t, root1), loadRoot(t, f.root())
	if err := r1.VerifyDelegate(metadata.ROOT, r2); err != nil {
		t.Fatalf("the old root does not vouch for the new one: %v", err)
	}
	if err := r2.VerifyDelegate(metadata.ROOT, r2); err != nil {
		t.Fatalf("the new root does not verify itself: %v", err)
	}
	if n := len(r2.Signed.Roles[metadata.ROOT].KeyIDs); n != 3 || r2.Signed.Roles[metadata.ROOT].Threshold != 2 {
		t.Fatalf("new root role: %d keys, threshold %d", n, r2.Signed.Roles[metadata.ROOT].Threshold)
	}
	for _, id := range r1.Signed.Roles[metadata.ROOT].KeyIDs {
		if _, ok := r2.Signed.Keys[id]; ok {
			t.Fatalf("the old root key %s is still in the new root", id)
		}
	}
	if n := pemCount(t, filepath.Join(f.keys, keysRoot)); n != 3 {
		t.Fatalf("%d keys in root/, want the 3 new ones", n)
	}
	if n := pemCount(t, filepath.Join(f.keys, keysRetired, keysRoot)); n != 2 {
		t.Fatalf("%d keys in retired/root/, want the 2 old ones", n)
	}

	f.rotate(RootKeys, RotateOptions{})
	for _, metaDir := range []string{cached, t.TempDir()} {
		up := refreshed(t, srv, metaDir, root1, f.clock.Now())
		if v := up.GetTrustedMetadataSet().Root.Signed.Version; v != 3 {
			t.Fatalf("the client trusts root v%d after two rotations, want v3", v)
		}
		checkTarget(t, up, f, "simple/demo/index.json")
	}
	// The online key did not change: adding still works.
	f.add(f.wheel("demo", "1.1"))
	checkFile(t, refreshed(t, srv, t.TempDir(), root1, f.clock.Now()), f, "demo", "demo-1.1-py3-none-any.whl")
}

// TestRotateOnline: a new online key for snapshot, timestamp and the bins;
// clients on the old root follow; during the change the new timestamp and
// snapshot verify under the old root too; add and refresh then use the
// new key only.
func TestRotateOnline(t *testing.T) {
	f := newFixture(t, InitOptions{BinBits: 2})
	f.add(f.wheel("demo", "1.0"))
	srv := f.serve()
	cached := t.TempDir()
	refreshed(t, srv, cached, f.root(), f.clock.Now())
	root1 := loadRoot(t, f.root())
	oldID := root1.Signed.Roles[metadata.TIMESTAMP].KeyIDs[0]

	rep := f.rotate(OnlineKeys, RotateOptions{})
	if len(rep.Signed) != 4+4 {
		t.Fatalf("online rotation signed %v; want 4 bins, targets, snapshot, timestamp, root", rep.Signed)
	}
	root2 := loadRoot(t, f.root())
	newID := root2.Signed.Roles[metadata.TIMESTAMP].KeyIDs[0]
	if newID == oldID || root2.Signed.Roles[metadata.SNAPSHOT].KeyIDs[0] != newID {
		t.Fatal("root does not name the new online key for snapshot and timestamp")
	}
	if _, ok := root2.Signed.Keys[oldID]; ok {
		t.Fatal("the old online key is still in root")
	}
	ts, err := (&metadata.Metadata[metadata.TimestampType]{}).FromBytes(f.read("tuf/timestamp.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := root1.VerifyDelegate(metadata.TIMESTAMP, ts); err != nil {
		t.Fatalf("the rotation's timestamp does not verify under the old root: %v", err)
	}
	if err := root2.VerifyDelegate(metadata.TIMESTAMP, ts); err != nil {
		t.Fatalf("the rotation's timestamp does not verify under the new root: %v", err)
	}
	targets, err := (&metadata.Metadata[metadata.TargetsType]{}).FromBytes(f.read("tuf/2.targets.json"))
	if err != nil {
		t.Fatal(err)
	}
	if sr := targets.Signed.Delegations.SuccinctRoles; !slices.Equal(sr.KeyIDs, []string{newID}) {
		t.Fatalf("the bins are delegated to %v, want the new key", sr.KeyIDs)
	}
	if _, ok := targets.Signed.Delegations.Keys[oldID]; ok {
		t.Fatal("the old online key is still in the delegation")
	}
	if n := pemCount(t, filepath.Join(f.keys, keysOnline)); n != 1 {
		t.Fatalf("%d keys in online/", n)
	}

	for _, metaDir := range []string{cached, t.TempDir()} {
		up := refreshed(t, srv, metaDir, f.firstRoot(), f.clock.Now())
		checkFile(t, up, f, "demo", "demo-1.0-py3-none-any.whl")
	}
	// Later operations sign with the new key alone.
	f.add(f.wheel("demo", "1.1"))
	rep = f.refresh(RefreshOptions{ResignFraction: 1})
	ts, _ = (&metadata.Metadata[metadata.TimestampType]{}).FromBytes(f.read("tuf/timestamp.json"))
	if len(ts.Signatures) != 1 || ts.Signatures[0].KeyID != newID {
		t.Fatalf("timestamp after the rotation signed by %v", ts.Signatures)
	}
	up := refreshed(t, srv, cached, f.firstRoot(), f.clock.Now())
	checkFile(t, up, f, "demo", "demo-1.1-py3-none-any.whl")
}

// TestRotateTargets: a new targets key; clients follow.
func TestRotateTargets(t *testing.T) {
	f := newFixture(t, InitOptions{BinBits: 1})
	f.add(f.wheel("demo", "1.0"))
	srv := f.serve()
	f.rotate(TargetsKeys, RotateOptions{})
	up := refreshed(t, srv, t.TempDir(), f.firstRoot(), f.clock.Now())
	checkFile(t, up, f, "demo", "demo-1.0-py3-none-any.whl")
	if n := pemCount(t, filepath.Join(f.keys, keysRetired, keysTargets)); n != 1 {
		t.Fatalf("%d retired targets keys", n)
	}
}

// TestRotateNeedsRootKeys: with only the online key, rotation is refused
// with a *MissingKeyError and nothing changes.
func TestRotateNeedsRootKeys(t *testing.T) {
	f := newFixture(t, InitOptions{BinBits: 1})
	onlineOnly := filepath.Join(t.TempDir(), "keys")
	copyDir(t, filepath.Join(f.keys, keysOnline), filepath.Join(onlineOnly, keysOnline))
	r, err := Open(f.dir, onlineOnly, WithClock(f.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range []KeyRole{RootKeys, TargetsKeys, OnlineKeys} {
		_, err := r.Rotate(t.Context(), role, RotateOptions{})
		var mk *MissingKeyError
		if !errors.As(err, &mk) || mk.Role != keysRoot {
			t.Fatalf("rotate %s without root keys: %v", role, err)
		}
	}
	if _, err := os.Stat(filepath.Join(f.dir, "tuf", "2.root.json")); err == nil {
		t.Fatal("a refused rotation wrote a root")
	}
	// Add needs only the online key.
	if _, err := r.Add(t.Context(), f.wheel("demo", "1.0")); err != nil {
		t.Fatalf("add with the online key only: %v", err)
	}
}
