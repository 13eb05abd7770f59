package publish

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/gopip/gopip/internal/testwheel"
)

// TestInit: the layout docs/repository-layout.md promises.
func TestInit(t *testing.T) {
	f := newFixture(t, InitOptions{})
	root := loadRoot(t, f.root())
	if !root.Signed.ConsistentSnapshot {
		t.Error("consistent snapshots are off")
	}
	if r := root.Signed.Roles[metadata.ROOT]; len(r.KeyIDs) != 2 || r.Threshold != 2 {
		t.Errorf("root role: %d keys, threshold %d; want 2 and 2", len(r.KeyIDs), r.Threshold)
	}
	if root.Signed.Roles[metadata.SNAPSHOT].KeyIDs[0] != root.Signed.Roles[metadata.TIMESTAMP].KeyIDs[0] {
		t.Error("snapshot and timestamp do not share the online key")
	}
	targets, err := (&metadata.Metadata[metadata.TargetsType]{}).FromBytes(f.read("tuf/1.targets.json"))
	if err != nil {
		t.Fatal(err)
	}
	sr := targets.Signed.Delegations.SuccinctRoles
	if sr.BitLength != 8 || sr.NamePrefix != "bins" || sr.KeyIDs[0] != root.Signed.Roles[metadata.TIMESTAMP].KeyIDs[0] {
		t.Errorf("succinct roles: %+v", sr)
	}
	if len(targets.Signed.Delegations.Roles) != 0 {
		t.Error("targets has explicit delegations beside the succinct ones")
	}
	bins := sr.GetRoles()
	if len(bins) != 256 || bins[0] != "bins-00" || bins[255] != "bins-ff" {
		t.Fatalf("bins %v … %v", bins[0], bins[len(bins)-1])
	}
	for _, b := range bins {
		if err := targets.VerifyDelegate(b, mustTargets(t, f.read("tuf/1."+b+".json"))); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
	}
	// expires in whole seconds, UTC, Z, in every file.
	expires := regexp.MustCompile(`"expires":\s*"([^"]*)"`)
	for _, name := range []string{"tuf/1.root.json", "tuf/1.targets.json", "tuf/1.bins-7f.json", "tuf/1.snapshot.json", "tuf/timestamp.json"} {
		m := expires.FindSubmatch(f.read(name))
		if m == nil || !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`).Match(m[1]) {
			t.Errorf("%s: expires %q", name, m)
		}
	}
	if got := root.Signed.Expires.Sub(f.clock.Now()); got != 365*24*time.Hour {
		t.Errorf("root expires in %s", got)
	}
	// Keys: 0600 files in 0700 folders, apart from the repository.
	n := 0
	filepath.WalkDir(f.keys, func(p string, d fs.DirEntry, err error) error {
		fi, _ := d.Info()
		if d.IsDir() && fi.Mode().Perm() != 0o700 || !d.IsDir() && fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v", p, fi.Mode())
		}
		if !d.IsDir() {
			n++
			if _, err := readKey(p); err != nil {
				t.Error(err)
			}
		}
		return nil
	})
	if n != 4 || pemCount(t, filepath.Join(f.keys, keysOnline)) != 1 {
		t.Errorf("%d keys; want 2 root, 1 targets, 1 online", n)
	}
	if f.keys != f.dir+".keys" {
		t.Errorf("key folder %s", f.keys)
	}

	// Init refuses a repository, a non-empty folder, used keys, bad options.
	for _, tc := range []struct {
		dir  string
		opts InitOptions
		want string
	}{
		{f.dir, InitOptions{KeysDir: t.TempDir()}, "already a repository"},
		{filepath.Join(t.TempDir(), "new"), InitOptions{KeysDir: f.keys}, "already holds root keys"},
		{t.TempDir() + "/x", InitOptions{BinBits: 17}, "between 1 and 16"},
		{t.TempDir() + "/x", InitOptions{RootThreshold: 3, RootKeys: 2}, "can never be met"},
	} {
		if _, err := Init(t.Context(), tc.dir, tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Init(%s, %+v): %v, want %q", tc.dir, tc.opts, err, tc.want)
		}
	}
	nonEmpty := t.TempDir()
	os.WriteFile(filepath.Join(nonEmpty, "x"), nil, 0o644)
	if _, err := Init(t.Context(), nonEmpty, InitOptions{}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("Init into a non-empty folder: %v", err)
	}
	if _, err := Open(t.TempDir(), ""); err == nil || !strings.Contains(err.Error(), "not a gopip repository") {
		t.Errorf("Open of a plain folder: %v", err)
	}
}

func mustTargets(t *testing.T, data []byte) *metadata.Metadata[metadata.TargetsType] {
	t.Helper()
	m, err := (&metadata.Metadata[metadata.TargetsType]{}).FromBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// tree records every file of a folder with its modification time and size.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, _ := d.Info()
		out[p] = fmt.Sprintf("%s %v %d", fi.ModTime().Format(time.RFC3339Nano), fi.Mode(), fi.Size())
		return nil
	})
	return out
}

// TestAdd: what one add writes, a no-op re-add, a refused conflicting
// re-add, and sdists beside wheels.
func TestAdd(t *testing.T) {
	f := newFixture(t, InitOptions{})
	whl := f.wheel("demo", "1.0", "Requires-Python: >=3.9")
	rep := f.add(whl)
	if !slices.Equal(rep.Added, []string{"demo-1.0-py3-none-any.whl"}) {
		t.Fatalf("added %v", rep.Added)
	}
	// The file and its .metadata, the two pages (the JSON page, the only
	// target, with its consistent-snapshot copy), the root index, the one
	// bin of the page, snapshot and timestamp.
	var plain, hashed, meta []string
	for _, w := range rep.Written {
		switch {
		case strings.HasPrefix(w, "tuf/"):
			meta = append(meta, w)
		case hashedTarget.MatchString(filepath.Base(w)):
			hashed = append(hashed, w)
		default:
			plain = append(plain, w)
		}
	}
	slices.Sort(plain)
	wantPlain := []string{"packages/demo-1.0-py3-none-any.whl", "packages/demo-1.0-py3-none-any.whl.metadata", "simple/demo/index.html", "simple/demo/index.json", "simple/index.html", "simple/index.json"}
	if !slices.Equal(plain, wantPlain) || !slices.Equal(hashed, []string{hashName("simple/demo/index.json", sha(f.read("simple/demo/index.json")))}) {
		t.Fatalf("wrote %v and %v", plain, hashed)
	}
	st, err := f.repo.loadState()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range wantPlain[:4] {
		if _, ok, _ := st.target(p); ok != (p == "simple/demo/index.json") {
			t.Errorf("%s: target %v", p, ok)
		}
	}
	if want := []string{"tuf/2." + st.binFor("simple/demo/index.json") + ".json", "tuf/2.snapshot.json", "tuf/timestamp.json"}; !slices.Equal(meta, want) {
		t.Fatalf("metadata written %v, want %v", meta, want)
	}
	if md := f.read("packages/demo-1.0-py3-none-any.whl.metadata"); !strings.Contains(string(md), "Requires-Python: >=3.9") {
		t.Fatalf(".metadata: %s", md)
	}
	// The root index lists the project, in both formats.
	if !strings.Contains(string(f.read("simple/index.html")), `<a href="demo/">demo</a>`) || !strings.Contains(string(f.read("simple/index.json")), `{"name":"demo"}`) {
		t.Fatal("the root index lacks demo")
	}

	// Re-adding the same file changes nothing at all.
	before := tree(t, f.dir)
	f.clock.Advance(time.Minute)
	rep = f.add(whl, whl)
	if len(rep.Written) != 0 || len(rep.Signed) != 0 || !slices.Equal(rep.Unchanged, []string{"demo-1.0-py3-none-any.whl"}) {
		t.Fatalf("re-add: %+v", rep)
	}
	if after := tree(t, f.dir); !mapsEqual(before, after) {
		t.Fatal("a no-op re-add changed files")
	}

	// Another file under a published name is refused, and a batch with one
	// conflict publishes nothing.
	other := testwheel.MustBuild(t, t.TempDir(), testwheel.Spec{Name: "demo", Version: "1.0", Metadata: []string{"Summary: different"}})
	_, err = f.repo.Add(t.Context(), f.wheel("demo", "2.0"), other)
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Filename != "demo-1.0-py3-none-any.whl" || ce.Hint() == "" {
		t.Fatalf("conflicting re-add: %v", err)
	}
	if after := tree(t, f.dir); !mapsEqual(before, after) {
		t.Fatal("a refused add changed files")
	}

	// sdists: PKG-INFO gives Requires-Python; no .metadata file.
	rep = f.add(f.sdist("demo", "2.0", "Requires-Python: >=3.10"))
	page, _ := parseProjectJSON(f.read("simple/demo/index.json"))
	if len(page.Files) != 2 || page.Files[1].Filename != "demo-2.0.tar.gz" || page.Files[1].RequiresPython != ">=3.10" || page.Files[1].MetadataSHA256 != "" {
		t.Fatalf("page after the sdist: %+v", page.Files)
	}
	if slices.Contains(rep.Written, "simple/index.json") {
		t.Error("a new file of a known project rewrote the root index")
	}
	if js := string(f.read("simple/demo/index.json")); !strings.Contains(js, `"versions":["1.0","2.0"]`) {
		t.Errorf("versions: %s", js)
	}

	// Files whose metadata disagrees with their name, or that are not
	// distributions, are refused.
	bad := testwheel.MustBuild(t, t.TempDir(), testwheel.Spec{Name: "demo", Version: "3.0", Metadata: nil, DistInfoName: "demo-3.0"})
	os.Rename(bad, filepath.Join(filepath.Dir(bad), "demo-3.1-py3-none-any.whl"))
	for _, file := range []string{filepath.Join(filepath.Dir(bad), "demo-3.1-py3-none-any.whl"), plainFile(t, "README.txt")} {
		if _, err := f.repo.Add(t.Context(), file); err == nil {
			t.Errorf("add %s: no error", filepath.Base(file))
		}
	}
}

// plainFile writes a file that is not a distribution.
func plainFile(t *testing.T, name string) string {
	p := filepath.Join(t.TempDir(), name)
	os.WriteFile(p, []byte("hello"), 0o644)
	return p
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestYankRemove: yank shows in both formats, with and without a reason,
// and can be undone; remove by file and by PROJECT==VERSION; a project
// with no files leaves the root index; removing what is not there fails.
func TestYankRemove(t *testing.T) {
	f := newFixture(t, InitOptions{BinBits: 2})
	f.add(f.wheel("demo", "1.0"), f.sdist("demo", "1.0"), f.wheel("demo", "2.0"), f.wheel("keep", "1.0"))

	if _, err := f.repo.Yank(t.Context(), "demo-2.0-py3-none-any.whl", "bad build"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.repo.Yank(t.Context(), filepath.Join("somewhere", "demo-1.0.tar.gz"), ""); err != nil {
		t.Fatal(err)
	}
	h, js := string(f.read("simple/demo/index.html")), string(f.read("simple/demo/index.json"))
	for _, want := range []string{`data-yanked="bad build">demo-2.0-py3-none-any.whl<`, `data-yanked="">demo-1.0.tar.gz<`} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %s", want)
		}
	}
	for _, want := range []string{`"yanked":"bad build"`, `"yanked":true`, `"yanked":false`} {
		if !strings.Contains(js, want) {
			t.Errorf("JSON lacks %s", want)
		}
	}
	rep, err := f.repo.Yank(t.Context(), "demo-2.0-py3-none-any.whl", "bad build")
	if err != nil || len(rep.Written) != 0 {
		t.Fatalf("yanking again: %v %v", rep.Written, err)
	}
	if _, err := f.repo.Unyank(t.Context(), "demo-1.0.tar.gz"); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(f.read("simple/demo/index.json")), `"yanked":true`) {
		t.Error("unyank left the mark")
	}

	rep, err = f.repo.Remove(t.Context(), "demo==1.0")
	if err != nil || !slices.Equal(rep.Removed, []string{"demo-1.0-py3-none-any.whl", "demo-1.0.tar.gz"}) {
		t.Fatalf("remove demo==1.0: %v %v", rep.Removed, err)
	}
	for _, gone := range []string{"packages/demo-1.0-py3-none-any.whl", "packages/demo-1.0-py3-none-any.whl.metadata", "packages/demo-1.0.tar.gz"} {
		if _, err := os.Stat(filepath.Join(f.dir, gone)); err == nil {
			t.Errorf("%s is still there", gone)
		}
	}
	if _, err := f.repo.Remove(t.Context(), "demo-2.0-py3-none-any.whl"); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(f.read("simple/index.json")), `"demo"`) || !strings.Contains(string(f.read("simple/index.json")), `"keep"`) {
		t.Errorf("root index after removing demo: %s", f.read("simple/index.json"))
	}
	if _, err := os.Stat(filepath.Join(f.dir, "simple/demo/index.json")); err == nil {
		t.Error("the empty project's page is still there")
	}
	st, _ := f.repo.loadState()
	if _, ok, _ := st.target("simple/demo/index.json"); ok {
		t.Error("the empty project's page is still a target")
	}
	for _, spec := range []string{"demo==2.0", "nothing-1.0-py3-none-any.whl", "keep==9"} {
		var nf *NotFoundError
		if _, err := f.repo.Remove(t.Context(), spec); !errors.As(err, &nf) {
			t.Errorf("remove %s: %v", spec, err)
		}
	}
	// Clients still see a consistent repository.
	up := refreshed(t, f.serve(), t.TempDir(), f.firstRoot(), f.clock.Now())
	checkTarget(t, up, f, "simple/keep/index.json")
}

// TestAddRepairsInterruptedAdd: an add that wrote the files and pages but
// died before signing leaves pages that list a file its bin lacks; adding
// the file again publishes it instead of calling it unchanged.
func TestAddRepairsInterruptedAdd(t *testing.T) {
	f := newFixture(t, InitOptions{BinBits: 2})
	whl := f.wheel("demo", "1.0")
	unlock, err := f.repo.lock(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.repo.loadState()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.add(t.Context(), []string{whl}); err != nil {
		t.Fatal(err)
	}
	unlock() // no commit: the process "died" here
	if !strings.Contains(string(f.read("simple/demo/index.json")), "demo-1.0-py3-none-any.whl") {
		t.Fatal("the interrupted add wrote no page")
	}
	rep := f.add(whl)
	if !slices.Equal(rep.Added, []string{"demo-1.0-py3-none-any.whl"}) {
		t.Fatalf("re-add after the interruption: %+v", rep)
	}
	up := refreshed(t, f.serve(), t.TempDir(), f.firstRoot(), f.clock.Now())
	checkFile(t, up, f, "demo", "demo-1.0-py3-none-any.whl")
	if !strings.Contains(string(f.read("simple/index.json")), `"demo"`) {
		t.Fatal("the root index lacks demo")
	}
}

// TestNoOnlineKey: without the online key, add, yank, remove and refresh
// fail with a *MissingKeyError before writing anything.
func TestNoOnlineKey(t *testing.T) {
	f := newFixture(t, InitOptions{BinBits: 1})
	f.add(f.wheel("demo", "1.0"))
	r, err := Open(f.dir, t.TempDir(), WithClock(f.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	before := tree(t, f.dir)
	for name, op := range map[string]func() (*Report, error){
		"add":     func() (*Report, error) { return r.Add(t.Context(), f.wheel("demo", "2.0")) },
		"yank":    func() (*Report, error) { return r.Yank(t.Context(), "demo-1.0-py3-none-any.whl", "") },
		"remove":  func() (*Report, error) { return r.Remove(t.Context(), "demo==1.0") },
		"refresh": func() (*Report, error) { return r.Refresh(t.Context(), RefreshOptions{}) },
	} {
		var mk *MissingKeyError
		if _, err := op(); !errors.As(err, &mk) || mk.Hint() == "" {
			t.Errorf("%s without the online key: %v", name, err)
		}
	}
	if !mapsEqual(before, tree(t, f.dir)) {
		t.Fatal("an operation without its key changed files")
	}
}

// TestMigrateFormat1: a repository of format 1, which also signed its HTML
// pages, distributions and .metadata files, is migrated by its next add:
// those targets leave their bins (once, with a warning), the configuration
// says format 2, clients verify the files through the signed pages, and
// prune later deletes the old targets' consistent-snapshot copies.
func TestMigrateFormat1(t *testing.T) {
	f := newFixture(t, InitOptions{BinBits: 4})
	f.add(f.wheel("demo", "1.0"), f.sdist("demo", "1.0"))
	// Sign the other targets of format 1, as gopip repo used to.
	unlock, err := f.repo.lock(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.repo.loadState()
	if err != nil {
		t.Fatal(err)
	}
	legacy := []string{"simple/demo/index.html", "packages/demo-1.0-py3-none-any.whl", "packages/demo-1.0-py3-none-any.whl.metadata", "packages/demo-1.0.tar.gz"}
	for _, p := range legacy {
		data := f.read(p)
		if err := linkOrCopy(filepath.Join(f.dir, p), filepath.Join(f.dir, hashName(p, sha(data)))); err != nil {
			t.Fatal(err)
		}
		if err := st.setTarget(p, int64(len(data)), sha(data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	unlock()
	f.repo.format = formatAllTargets
	if err := f.repo.writeConfig(); err != nil {
		t.Fatal(err)
	}
	if f.repo, err = Open(f.dir, f.keys, WithClock(f.clock.Now)); err != nil {
		t.Fatal(err)
	}

	rep := f.add(f.wheel("other", "1.0"))
	if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "migrated the repository to format 2: 4 targets") {
		t.Fatalf("warnings %v", rep.Warnings)
	}
	st, err = f.repo.loadState()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range st.succinct().GetRoles() {
		b, _ := st.bin(name)
		for p := range b.Signed.Targets {
			if !isPageTarget(p) {
				t.Errorf("%s still lists %s", name, p)
			}
		}
	}
	if c, _ := os.ReadFile(filepath.Join(f.dir, stateDir, configName)); !strings.Contains(string(c), `"format": 2`) {
		t.Errorf("config after the migration: %s", c)
	}
	up := refreshed(t, f.serve(), t.TempDir(), f.firstRoot(), f.clock.Now())
	checkFile(t, up, f, "demo", "demo-1.0.tar.gz")
	checkFile(t, up, f, "other", "other-1.0-py3-none-any.whl")
	if rep := f.add(f.wheel("other", "2.0")); len(rep.Warnings) != 0 || len(rep.Signed) != 3 {
		t.Fatalf("second add: signed %v, warnings %v", rep.Signed, rep.Warnings)
	}
	f.clock.Advance(2 * time.Hour)
	rep = f.refresh(RefreshOptions{PruneAfter: time.Hour})
	for _, p := range legacy {
		if !slices.Contains(rep.Pruned, hashName(p, sha(f.read(p)))) {
			t.Errorf("the copy of %s was not pruned: %v", p, rep.Pruned)
		}
	}
}
