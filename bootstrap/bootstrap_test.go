package bootstrap

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/gopip/gopip/internal/httpx"
	"github.com/gopip/gopip/internal/pythontest"
	"github.com/gopip/gopip/internal/testwheel"
	"github.com/gopip/gopip/trust"
	"github.com/gopip/gopip/trust/trusttest"
)

// TestBuiltIn loads the roots built into this gopip: every listed root must
// be there and valid, and the pypi.org slot is listed but, with no root
// file, skipped.
func TestBuiltIn(t *testing.T) {
	if _, err := Repositories(); err != nil {
		t.Fatal(err)
	}
	table, err := fs.ReadFile(roots, "roots/"+Table)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, line := range strings.Split(string(table), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "pypi" && f[1] == "https://pypi.org/simple/" && f[2] == "pypi.org.json" && strings.HasSuffix(line, "optional") {
			found = true
		}
	}
	if !found {
		t.Error("the table has no optional pypi.org entry")
	}
}

func rootOf(t *testing.T) []byte {
	t.Helper()
	return trusttest.New(t, trusttest.Options{BitLength: 2}).RootJSON(1)
}

func TestLoad(t *testing.T) {
	root := rootOf(t)
	fsys := fstest.MapFS{
		Table: {Data: []byte(`# comment
corp  https://pypi.corp.example/simple/  corp.json   # trailing comment
rstuf https://rstuf.example/simple/ rstuf.json metadata=https://rstuf.example/metadata/ targets=https://files.example/ layout=warehouse
later https://later.example/simple/ later.json optional
`)},
		"corp.json":  {Data: root},
		"rstuf.json": {Data: root},
	}
	got, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d repositories", len(got))
	}
	want := []trust.Config{
		{Name: "corp", IndexURL: "https://pypi.corp.example/simple/", MetadataURL: "https://pypi.corp.example/tuf/", TargetsURL: "https://pypi.corp.example/", Layout: trust.LayoutGopip},
		{Name: "rstuf", IndexURL: "https://rstuf.example/simple/", MetadataURL: "https://rstuf.example/metadata/", TargetsURL: "https://files.example/", Layout: trust.LayoutWarehouse},
	}
	for i := range want {
		if got[i].Config != want[i] || string(got[i].Root) != string(root) {
			t.Errorf("entry %d = %+v", i, got[i].Config)
		}
	}

	badRoot := []byte(strings.Replace(string(root), `"version": 1`, `"version": 2`, 1))
	for _, c := range []struct {
		table string
		files map[string][]byte
		want  string
	}{
		{"corp https://h/simple/ corp.json", nil, "repositories.conf:1: repository corp: open corp.json"},
		{"corp https://h/simple/", nil, "want NAME INDEX-URL ROOT-FILE"},
		{"corp https://h/simple/ ../corp.json", nil, "want a .json file in the roots folder"},
		{"corp https://h/simple/ corp.json colour=blue", nil, `unknown option "colour=blue"`},
		{"corp https://h/simple/ corp.json layout=pep", map[string][]byte{"corp.json": root}, `unknown repository layout "pep"`},
		{"corp ftp://h/simple/ corp.json", map[string][]byte{"corp.json": root}, "not an http(s) URL"},
		{"corp https://h/simple/ corp.json", map[string][]byte{"corp.json": badRoot}, "not signed by a threshold"},
		{"a https://h/simple/ r.json\nb https://H/simple r.json", map[string][]byte{"r.json": root}, "repositories.conf:2: repository b: its name or index URL is listed twice"},
	} {
		m := fstest.MapFS{Table: {Data: []byte(c.table)}}
		for name, data := range c.files {
			m[name] = &fstest.MapFile{Data: data}
		}
		if _, err := Load(m); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want %q", c.table, err, c.want)
		}
	}
}

func hermeticClient(t *testing.T) *httpx.Client {
	t.Helper()
	c, err := httpx.New(httpx.Options{Retries: 1, RetryBaseDelay: time.Millisecond, NoNetrc: true,
		LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// embeddedStore opens a store in dir that has root built in for repo.
func embeddedStore(t *testing.T, dir string, repo *trusttest.Repo, root []byte) *trust.Store {
	t.Helper()
	emb, err := Load(fstest.MapFS{
		Table:       {Data: []byte("corp " + repo.IndexURL() + " corp.json\n")},
		"corp.json": {Data: root},
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := trust.OpenStore(trust.StoreOptions{Dir: dir, Client: hermeticClient(t), Embedded: emb})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func storedRootVersion(t *testing.T, r *trust.Repository) int64 {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(r.Dir(), "metadata", "root.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Signed struct{ Version int64 } `json:"signed"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m.Signed.Version
}

// TestFirstContact: a built-in root is used with no `trust add`, copied
// into the store on first contact, and never replaced by an older one.
func TestFirstContact(t *testing.T) {
	repo := trusttest.New(t, trusttest.Options{BitLength: 2})
	repo.AddProject("demo", trusttest.File{Name: "demo-1.0-py3-none-any.whl", Data: []byte("whl")})
	repo.Publish()
	root1 := repo.RootJSON(1)
	dir := filepath.Join(t.TempDir(), "repositories")
	ctx := context.Background()

	s := embeddedStore(t, dir, repo, root1)
	entries, err := s.List()
	if err != nil || len(entries) != 1 || entries[0].Source != trust.SourceEmbedded || entries[0].Root.Version != 1 {
		t.Fatalf("list: %+v %v", entries, err)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("the store was written before first contact")
	}
	r, ok, err := s.ForIndex(repo.IndexURL())
	if err != nil || !ok || !r.Embedded() {
		t.Fatalf("ForIndex: %v %v", ok, err)
	}
	if _, err := r.Page(ctx, "demo"); err != nil {
		t.Fatal(err)
	}
	if v := storedRootVersion(t, r); v != 1 {
		t.Errorf("stored root version %d", v)
	}
	if err := s.Remove("corp"); err == nil || !strings.Contains(err.Error(), "built into gopip") {
		t.Errorf("remove: %v", err)
	}
	if _, err := s.Add(trust.Config{Name: "again", IndexURL: repo.IndexURL()}, root1); err == nil || !strings.Contains(err.Error(), "built into gopip") {
		t.Errorf("add: %v", err)
	}

	// The repository rotates its root; the client follows.
	repo.RotateRoot(func(*metadata.RootType) {}, repo.RootKeys...)
	repo.Publish()
	r, _, _ = embeddedStore(t, dir, repo, root1).ForIndex(repo.IndexURL())
	if _, err := r.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	// A gopip with the old embedded root keeps the newer stored one.
	r, _, _ = embeddedStore(t, dir, repo, root1).ForIndex(repo.IndexURL())
	if v := storedRootVersion(t, r); v != 2 {
		t.Errorf("stored root version %d after opening with an older embedded root", v)
	}
	change, err := r.Refresh(ctx)
	if err != nil || change.After.Root.Version != 2 {
		t.Fatalf("refresh: %+v %v", change, err)
	}
	// A gopip with a newer embedded root replaces the stored one.
	root3 := repo.RotateRoot(func(*metadata.RootType) {}, repo.RootKeys...)
	repo.Publish()
	r, _, _ = embeddedStore(t, dir, repo, root3).ForIndex(repo.IndexURL())
	if v := storedRootVersion(t, r); v != 3 {
		t.Errorf("stored root version %d, want the embedded 3", v)
	}
	if change, err := r.Refresh(ctx); err != nil || change.After.Root.Version != 3 {
		t.Fatalf("refresh: %+v %v", change, err)
	}
}

// TestBuildWithExtraRoot builds gopip with one more root in bootstrap/roots
// (through go build -overlay, as an organisation would add a file and
// rebuild) and runs it: the repository is trusted with no `trust add`,
// `gopip install` installs from it, verified (no word of an index without
// a root), and refuses a wheel the server swapped with a SECURITY ERROR.
func TestBuildWithExtraRoot(t *testing.T) {
	if testing.Short() {
		t.Skip("builds gopip")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool")
	}
	python := pythontest.Python(t)
	whlPath := testwheel.MustBuild(t, t.TempDir(), testwheel.Spec{Name: "demo", Version: "1.0",
		Files: []testwheel.File{{Path: "demo/__init__.py", Data: "VERSION = '1.0'\n"}}})
	whl, err := os.ReadFile(whlPath)
	if err != nil {
		t.Fatal(err)
	}
	repo := trusttest.New(t, trusttest.Options{BitLength: 2})
	repo.AddProject("demo", trusttest.File{Name: "demo-1.0-py3-none-any.whl", Data: whl})
	repo.Publish()

	tmp := t.TempDir()
	rootsDir, err := filepath.Abs("roots")
	if err != nil {
		t.Fatal(err)
	}
	table, err := os.ReadFile(filepath.Join(rootsDir, Table))
	if err != nil {
		t.Fatal(err)
	}
	table = append(table, "corp "+repo.IndexURL()+" corp.json\n"...)
	files := map[string][]byte{Table: table, "corp.json": repo.RootJSON(1)}
	overlay := map[string]map[string]string{"Replace": {}}
	for name, data := range files {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		overlay["Replace"][filepath.Join(rootsDir, name)] = p
	}
	ovl, _ := json.Marshal(overlay)
	if err := os.WriteFile(filepath.Join(tmp, "overlay.json"), ovl, 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(tmp, "gopip")
	build := exec.Command(goTool, "build", "-overlay", filepath.Join(tmp, "overlay.json"), "-o", bin, "../cmd/gopip")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	home := filepath.Join(tmp, "home")
	gopip := func(args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = []string{"HOME=" + home, "XDG_DATA_HOME=" + filepath.Join(home, "data"), "PATH=" + os.Getenv("PATH")}
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("gopip %v: %v", args, err)
		}
		return string(out), code
	}
	run := func(args ...string) string {
		t.Helper()
		out, code := gopip(args...)
		if code != 0 {
			t.Fatalf("gopip %v: exit %d\n%s", args, code, out)
		}
		return out
	}
	if out := run("trust", "list"); !strings.Contains(out, "corp "+repo.IndexURL()) || !strings.Contains(out, " embedded") {
		t.Errorf("trust list:\n%s", out)
	}
	out := run("trust", "refresh")
	if want := fmt.Sprintf("  timestamp  version %d (new)", repo.Timestamp.Signed.Version); !strings.Contains(out, want) {
		t.Errorf("trust refresh:\n%s", out)
	}

	target := filepath.Join(tmp, "target")
	out = run("install", "--python", python, "--target", target, "-i", repo.IndexURL(), "demo")
	if !strings.Contains(out, "Successfully installed demo-1.0") || strings.Contains(out, "no TUF root") {
		t.Errorf("install:\n%s", out)
	}
	if data, err := os.ReadFile(filepath.Join(target, "demo", "__init__.py")); err != nil || string(data) != "VERSION = '1.0'\n" {
		t.Errorf("installed demo/__init__.py: %q, %v", data, err)
	}
	// The server swaps the wheel. With gopip's cache, the verified copy
	// it downloaded before is installed: the swapped bytes are never
	// fetched.
	evil := append([]byte(nil), whl...)
	evil[len(evil)/2] ^= 0xff
	repo.SetFile("packages/demo-1.0-py3-none-any.whl", evil)
	cached := filepath.Join(tmp, "cached")
	run("install", "--python", python, "--target", cached, "-i", repo.IndexURL(), "demo")
	if data, err := os.ReadFile(filepath.Join(cached, "demo", "__init__.py")); err != nil || string(data) != "VERSION = '1.0'\n" {
		t.Errorf("installed from the cache: demo/__init__.py %q, %v", data, err)
	}
	// Without it, the swapped wheel is downloaded: refused, nothing
	// installed.
	other := filepath.Join(tmp, "other")
	out, code := gopip("install", "--no-cache-dir", "--python", python, "--target", other, "-i", repo.IndexURL(), "demo")
	if code != 13 || !strings.Contains(out, "SECURITY ERROR\n") || !strings.Contains(out, "demo-1.0-py3-none-any.whl") {
		t.Errorf("install of a swapped wheel: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(other, "demo")); err == nil {
		t.Error("the swapped wheel was installed")
	}
}
