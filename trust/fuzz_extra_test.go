package trust

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/gopip/gopip/trust/trusttest"
)

// fuzzRoles are the files FuzzTUFMetadata replaces, by index: what a
// repository (or anyone between it and gopip) serves.
var fuzzRoles = []string{"timestamp", "snapshot", "targets", "bin", "root", "page"}

// FuzzTUFMetadata serves the fuzzer's bytes in place of one file of a
// signed repository (the timestamp, the snapshot, the targets role, the
// hashed bin listing the project's page, the next root, or the page
// itself) to a client that trusts the repository's first root, and asks
// it for the project's verified page: gopip's boundary with go-tuf (the
// fetcher's length limits, error classification, the bin walk, hash
// algorithms, lengths, the page cache) sees every input.
//
// With resign set, the bytes are first parsed as that role's metadata and,
// if go-tuf accepts them, signed with the role's genuine keys: the
// fuzzer then explores what a key holder could publish (lengths, hashes,
// versions, expiry, delegations, key rotation), past the signature
// checks. Without resign, the invariant is TUF's: no one without the keys
// can change what the client trusts, so the page is either refused or
// byte for byte the genuine one.
func FuzzTUFMetadata(f *testing.F) {
	repo := trusttest.New(f, trusttest.Options{BitLength: 2})
	repo.AddProject("demo", trusttest.File{Name: demoWheel, Data: content(300, 1)})
	repo.Publish()
	// A second root, so that the client's refresh reads 2.root.json.
	repo.RotateRoot(func(*metadata.RootType) {}, repo.RootKeys...)
	const page = "simple/demo/index.json"
	genuinePage, _ := repo.Pages("demo")
	bin := repo.BinFor(page)
	paths := []string{
		"tuf/timestamp.json",
		fmt.Sprintf("tuf/%d.snapshot.json", repo.Snapshot.Signed.Version),
		fmt.Sprintf("tuf/%d.targets.json", repo.Targets.Signed.Version),
		fmt.Sprintf("tuf/%d.%s.json", repo.Bins[bin].Signed.Version, bin),
		"tuf/2.root.json",
		trusttest.HashedPath(page, genuinePage),
	}
	genuine := make([][]byte, len(paths))
	for i, p := range paths {
		genuine[i] = repo.File(p)
		if genuine[i] == nil {
			f.Fatalf("the repository serves no %s", p)
		}
		f.Add(uint8(i), false, genuine[i])
		f.Add(uint8(i), true, genuine[i])
	}
	f.Add(uint8(0), false, []byte(`{"signed":{"_type":"timestamp","spec_version":"1.0.31","version":99999999999999999999,"expires":"2030-01-01T00:00:00Z","meta":{}},"signatures":[]}`))
	f.Add(uint8(1), true, []byte(`{"signed":{"_type":"snapshot","spec_version":"1.0.31","version":1,"expires":"2030-01-01T00:00:00Z","meta":{"targets.json":{"version":1,"length":-1}}},"signatures":[]}`))

	// The genuine files give the genuine page: the invariant below is not
	// vacuous.
	if p, err := fuzzClient(f, repo).Page(context.Background(), "demo"); err != nil || !bytes.Equal(p.Body, genuinePage) {
		f.Fatalf("the genuine repository does not verify: %v", err)
	}

	f.Fuzz(func(t *testing.T, which uint8, resign bool, data []byte) {
		i := int(which) % len(paths)
		served := data
		if resign && fuzzRoles[i] != "page" {
			var ok bool
			served, ok = resignAs(fuzzRoles[i], data, repo)
			if !ok {
				return
			}
		}
		repo.SetFile(paths[i], served)
		defer repo.SetFile(paths[i], genuine[i])

		r := fuzzClient(t, repo)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		p, err := r.Page(ctx, "demo")
		if ctx.Err() != nil {
			t.Fatalf("no answer after 30s (err %v)", err)
		}
		if err != nil || resign {
			return
		}
		if !bytes.Equal(p.Body, genuinePage) {
			t.Fatalf("unsigned %s changed the verified page:\n%s", fuzzRoles[i], p.Body)
		}
	})
}

// fuzzClient is a new client store trusting repo's first root.
func fuzzClient(tb testing.TB, repo *trusttest.Repo) *Repository {
	tb.Helper()
	s, err := OpenStore(StoreOptions{Dir: filepath.Join(tb.TempDir(), "repositories"), Client: newClient(tb, 0)})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := s.Add(Config{Name: "corp", IndexURL: repo.IndexURL()}, repo.RootJSON(1)); err != nil {
		tb.Fatal(err)
	}
	r, ok, err := s.ForIndex(repo.IndexURL())
	if err != nil || !ok {
		tb.Fatalf("ForIndex: %v, %v", ok, err)
	}
	return r
}

// resignAs parses data as role's metadata and signs it with the keys the
// repository signs that role with; ok is false when go-tuf does not parse
// it.
func resignAs(role string, data []byte, repo *trusttest.Repo) (_ []byte, ok bool) {
	switch role {
	case "timestamp":
		return resign(metadata.Timestamp().FromBytes(data))(repo.TimestampKey)
	case "snapshot":
		return resign(metadata.Snapshot().FromBytes(data))(repo.OnlineKey)
	case "targets":
		return resign(metadata.Targets().FromBytes(data))(repo.TargetsKey)
	case "bin":
		return resign(metadata.Targets().FromBytes(data))(repo.OnlineKey)
	case "root":
		return resign(metadata.Root().FromBytes(data))(repo.RootKeys...)
	}
	return nil, false
}

// resign returns a function that signs md (parsed with error err) with
// keys, replacing its signatures.
func resign[T metadata.Roles](md *metadata.Metadata[T], err error) func(keys ...*trusttest.Key) ([]byte, bool) {
	return func(keys ...*trusttest.Key) ([]byte, bool) {
		if err != nil {
			return nil, false
		}
		md.ClearSignatures()
		for _, k := range keys {
			if _, err := md.Sign(k.Signer); err != nil {
				return nil, false
			}
		}
		out, err := md.ToBytes(false)
		return out, err == nil
	}
}

// FuzzParseRoot reads the fuzzer's bytes as the root file given to
// `gopip trust add --root FILE`, delivered off-band and so not trusted
// yet: ParseRoot and Store.Add must refuse anything that is not a root
// signed by a threshold of its own keys, without panicking, and a root
// they accept must open as a repository.
func FuzzParseRoot(f *testing.F) {
	repo := trusttest.New(f, trusttest.Options{BitLength: 1, RootKeys: 2, RootThreshold: 2})
	f.Add(repo.RootJSON(1))
	f.Add([]byte(`{"signed":{"_type":"root","spec_version":"1.0.31","version":1,"expires":"2030-01-01T00:00:00Z","consistent_snapshot":true,"keys":{},"roles":{}},"signatures":[]}`))
	f.Add([]byte(`{"signed":{"_type":"targets"},"signatures":[{"keyid":"","sig":""}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, perr := ParseRoot(data)
		s, err := OpenStore(StoreOptions{Dir: filepath.Join(t.TempDir(), "repositories"), Client: newClient(t, 0)})
		if err != nil {
			t.Fatal(err)
		}
		_, aerr := s.Add(Config{Name: "fuzz", IndexURL: repo.IndexURL()}, data)
		if (perr == nil) != (aerr == nil) {
			t.Fatalf("ParseRoot: %v; Store.Add: %v", perr, aerr)
		}
		if perr != nil {
			return
		}
		if info.Version < 1 {
			t.Errorf("accepted a root of version %d", info.Version)
		}
		if _, ok, err := s.ForIndex(repo.IndexURL()); !ok || err != nil {
			t.Fatalf("an accepted root does not open: %v, %v", ok, err)
		}
	})
}

// TestRootWithEmptyKey: a root whose key has an empty public value made
// crypto/ed25519 panic under go-tuf (found by FuzzParseRoot). It is a
// verification error naming root metadata, and trust add keeps nothing.
func TestRootWithEmptyKey(t *testing.T) {
	repo := trusttest.New(t, trusttest.Options{BitLength: 1})
	var root map[string]any
	if err := json.Unmarshal(repo.RootJSON(1), &root); err != nil {
		t.Fatal(err)
	}
	for _, k := range root["signed"].(map[string]any)["keys"].(map[string]any) {
		k.(map[string]any)["keyval"].(map[string]any)["public"] = ""
	}
	data, _ := json.Marshal(root)
	_, err := ParseRoot(data)
	var ve *VerificationError
	if !errors.As(err, &ve) || ve.Role != "root" || !strings.Contains(err.Error(), "go-tuf panicked") {
		t.Fatalf("err = %v, want a root verification error", err)
	}
	dir := filepath.Join(t.TempDir(), "repositories")
	s, err := OpenStore(StoreOptions{Dir: dir, Client: newClient(t, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(Config{Name: "bad", IndexURL: repo.IndexURL()}, data); err == nil {
		t.Fatal("trust add accepted it")
	}
	if _, ok, _ := s.ForIndex(repo.IndexURL()); ok {
		t.Error("the store kept it")
	}
}
