package cmd

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/gopip/gopip/trust/trusttest"
)

// trustEnv is a hermetic environment for gopip trust commands: HOME and
// the XDG folders in a temporary folder, and a signed TUF repository.
type trustEnv struct {
	t       *testing.T
	home    string
	environ []string
	repo    *trusttest.Repo
}

func newTrustEnv(t *testing.T) *trustEnv {
	t.Helper()
	home := t.TempDir()
	repo := trusttest.New(t, trusttest.Options{BitLength: 4})
	repo.AddProject("demo", trusttest.File{Name: "demo-1.0-py3-none-any.whl", Data: []byte("not really a wheel")})
	repo.Publish()
	return &trustEnv{t: t, home: home, repo: repo, environ: []string{
		"HOME=" + home,
		"XDG_DATA_HOME=" + filepath.Join(home, "data"),
		"XDG_CACHE_HOME=" + filepath.Join(home, "cache"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_CONFIG_DIRS=" + filepath.Join(home, "etc-xdg"),
	}}
}

// run runs gopip with args and stdin, and returns its exit code and output.
func (e *trustEnv) run(stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = Run(context.Background(), args, e.environ, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// rootFile writes the repository's first root to a file.
func (e *trustEnv) rootFile() string {
	p := filepath.Join(e.home, "root.json")
	if err := os.WriteFile(p, e.repo.RootJSON(1), 0o644); err != nil {
		e.t.Fatal(err)
	}
	return p
}

func TestTrustCommands(t *testing.T) {
	e := newTrustEnv(t)
	root := e.rootFile()

	// Nothing trusted: nothing listed.
	if code, out, errOut := e.run("", "trust", "list"); code != 0 || out != "" || errOut != "" {
		t.Fatalf("empty list: %d %q %q", code, out, errOut)
	}

	// The root is shown, then the question; no means no.
	code, out, errOut := e.run("n\n", "trust", "add", "corp", "--index-url", e.repo.IndexURL(), "--root", root)
	if code != exitError || !strings.Contains(errOut, "was not added") {
		t.Fatalf("declined add: %d %q", code, errOut)
	}
	for _, want := range []string{
		"Repository corp\n",
		"  Index URL:    " + e.repo.IndexURL() + "\n",
		"  Metadata URL: " + e.repo.MetadataURL() + "\n",
		"  Targets URL:  " + e.repo.URL() + "\n",
		"  Layout:       gopip\n",
		fmt.Sprintf("Root version 1, expires %s, consistent snapshots\n", e.repo.Root.Signed.Expires.Format(time.RFC3339)),
		"  root       1 of 1 keys: " + e.repo.RootKeys[0].ID + "\n",
		"  timestamp  1 of 1 keys: " + e.repo.OnlineKey.ID + "\n",
		"  targets    1 of 1 keys: " + e.repo.TargetsKey.ID + "\n",
		"Trust this root (y/N)? ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("add output lacks %q:\n%s", want, out)
		}
	}
	if _, out, _ := e.run("", "trust", "list"); out != "" {
		t.Fatalf("a declined root was stored: %s", out)
	}

	code, out, errOut = e.run("y\n", "trust", "add", "corp", "--index-url", e.repo.IndexURL(), "--root", root)
	if code != 0 || !strings.Contains(out, "Added repository corp (root version 1).") {
		t.Fatalf("add: %d %q %q", code, out, errOut)
	}

	_, out, _ = e.run("", "trust", "list")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 || !regexp.MustCompile(`^Name +Index URL +Layout +Root +Root expires +Source$`).MatchString(lines[0]) ||
		!regexp.MustCompile(`^-+ -+ -+ -+ -+ -+$`).MatchString(lines[1]) ||
		!regexp.MustCompile(`^corp +`+regexp.QuoteMeta(e.repo.IndexURL())+` +gopip +1 +\S+Z +user$`).MatchString(lines[2]) {
		t.Errorf("list:\n%s", out)
	}

	code, out, errOut = e.run("", "trust", "refresh", "corp")
	ts := e.repo.Timestamp.Signed.Version
	if code != 0 || !strings.Contains(out, "Refreshed corp ("+e.repo.IndexURL()+")") ||
		!strings.Contains(out, "  root       version 1 (unchanged), expires ") ||
		!strings.Contains(out, fmt.Sprintf("  timestamp  version %d (new), expires %s", ts, e.repo.Timestamp.Signed.Expires.Format(time.RFC3339))) {
		t.Fatalf("refresh: %d\n%s%s", code, out, errOut)
	}

	// A new release: the next refresh shows the new versions.
	e.repo.AddProject("demo", trusttest.File{Name: "demo-2.0-py3-none-any.whl", Data: []byte("2")})
	e.repo.Publish()
	code, out, _ = e.run("", "trust", "refresh")
	if code != 0 || !strings.Contains(out, fmt.Sprintf("  timestamp  version %d -> %d,", ts, ts+1)) ||
		!strings.Contains(out, "  targets    version 1 (unchanged),") {
		t.Fatalf("second refresh: %d\n%s", code, out)
	}
	_, out, _ = e.run("", "-v", "trust", "list")
	if !strings.Contains(out, e.repo.MetadataURL()) || !strings.Contains(out, fmt.Sprintf(" %d ", ts+1)) {
		t.Errorf("list -v:\n%s", out)
	}

	// The same index twice, or the same name, is refused.
	if code, _, errOut := e.run("", "trust", "add", "other", "--index-url", e.repo.IndexURL(), "--root", root, "-y"); code != exitError || !strings.Contains(errOut, "already trusted as repository corp") {
		t.Errorf("second add: %d %q", code, errOut)
	}

	if code, out, _ := e.run("", "trust", "remove", "corp"); code != 0 || out != "Removed repository corp.\n" {
		t.Errorf("remove: %d %q", code, out)
	}
	code, _, errOut = e.run("", "trust", "remove", "corp")
	if code != exitError || !strings.Contains(errOut, "ERROR: no repository named corp\nhint: see the trusted repositories with: gopip trust list\n") {
		t.Errorf("second remove: %d %q", code, errOut)
	}
	if entries, _ := os.ReadDir(filepath.Join(e.home, "data", "gopip", "repositories")); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
}

// TestTrustRefreshSecurityError: a refresh that fails verification prints
// the SECURITY ERROR banner and exits with 13.
func TestTrustRefreshSecurityError(t *testing.T) {
	e := newTrustEnv(t)
	if code, _, errOut := e.run("", "trust", "add", "corp", "-y", "--index-url", e.repo.IndexURL(), "--root", e.rootFile()); code != 0 {
		t.Fatal(errOut)
	}
	e.repo.Timestamp.Signed.Expires = trusttest.In(-time.Hour)
	e.repo.PublishTimestamp()
	code, _, errOut := e.run("", "trust", "refresh")
	if code != exitSecurity || !strings.HasPrefix(errOut, "SECURITY ERROR\nrepository corp: timestamp metadata has expired") {
		t.Errorf("refresh: %d %q", code, errOut)
	}
}

// TestTrustAddFromURL fetches the root over HTTP and defaults the layout.
func TestTrustAddFromURL(t *testing.T) {
	e := newTrustEnv(t)
	code, out, errOut := e.run("", "trust", "add", "corp", "-y", "--layout", "warehouse",
		"--index-url", e.repo.IndexURL(), "--metadata-url", e.repo.MetadataURL(), "--root", e.repo.MetadataURL()+"1.root.json")
	if code != 0 || !strings.Contains(out, "  Layout:       warehouse\n") {
		t.Fatalf("add: %d %q %q", code, out, errOut)
	}
}

func TestTrustUsageErrors(t *testing.T) {
	e := newTrustEnv(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"trust", "add", "corp", "--root", "r.json"}, "--index-url is required"},
		{[]string{"trust", "add", "corp", "--index-url", "https://h/simple/"}, "--root is required"},
		{[]string{"trust", "add", "--index-url", "https://h/simple/", "--root", "r"}, "one repository name"},
		{[]string{"trust", "add", "x", "--index-url", "https://h/simple/", "--root", "r", "--layout", "pep"}, `unknown repository layout "pep"`},
		{[]string{"trust", "remove"}, "one repository name"},
		{[]string{"trust", "refresh", "a", "b"}, "at most one"},
	} {
		code, _, errOut := e.run("", c.args...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: %d %q", c.args, code, errOut)
		}
	}
	// A root that is not signed by its own keys is refused before the
	// question.
	bad := filepath.Join(e.home, "bad.json")
	os.WriteFile(bad, bytes.Replace(e.repo.RootJSON(1), []byte(`"version": 1`), []byte(`"version": 7`), 1), 0o644)
	code, _, errOut := e.run("y\n", "trust", "add", "corp", "--index-url", e.repo.IndexURL(), "--root", bad)
	if code != exitSecurity || !strings.Contains(errOut, "root metadata is not signed by a threshold of trusted keys") {
		t.Errorf("bad root: %d %q", code, errOut)
	}
}

// TestTrustScripts runs the scripts in testdata/trust with a signed TUF
// repository per script ($TUF_INDEX, $TUF_METADATA, $WORK/root.json) and
// the commands tuf-release (publish a new release of demo) and tuf-attack
// (serve an attack: expired-timestamp, or rollback to the timestamp before
// the last tuf-release).
func TestTrustScripts(t *testing.T) {
	var mu sync.Mutex
	repos := map[string]*trusttest.Repo{}
	previous := map[string][]byte{} // timestamp before the last tuf-release
	repoOf := func(ts *testscript.TestScript) *trusttest.Repo {
		mu.Lock()
		defer mu.Unlock()
		return repos[ts.Getenv("WORK")]
	}
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "trust"),
		Setup: func(env *testscript.Env) error {
			home := filepath.Join(env.WorkDir, "home")
			env.Setenv("HOME", home)
			env.Setenv("XDG_DATA_HOME", filepath.Join(home, ".local", "share"))
			env.Setenv("XDG_CACHE_HOME", filepath.Join(home, ".cache"))
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
			env.Setenv("XDG_CONFIG_DIRS", filepath.Join(env.WorkDir, "etc-xdg"))
			repo := trusttest.New(t, trusttest.Options{BitLength: 4})
			repo.AddProject("demo", trusttest.File{Name: "demo-1.0-py3-none-any.whl", Data: []byte("1")})
			repo.Publish()
			mu.Lock()
			repos[env.WorkDir] = repo
			mu.Unlock()
			env.Setenv("TUF_INDEX", repo.IndexURL())
			env.Setenv("TUF_METADATA", repo.MetadataURL())
			return os.WriteFile(filepath.Join(env.WorkDir, "root.json"), repo.RootJSON(1), 0o644)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"tuf-release": func(ts *testscript.TestScript, neg bool, args []string) {
				repo := repoOf(ts)
				mu.Lock()
				previous[ts.Getenv("WORK")] = repo.File("tuf/timestamp.json")
				mu.Unlock()
				v := repo.Timestamp.Signed.Version
				repo.AddProject("demo", trusttest.File{Name: fmt.Sprintf("demo-%d.0-py3-none-any.whl", v+1), Data: []byte{byte(v)}})
				repo.Publish()
			},
			"tuf-attack": func(ts *testscript.TestScript, neg bool, args []string) {
				repo := repoOf(ts)
				if len(args) != 1 {
					ts.Fatalf("usage: tuf-attack expired-timestamp|rollback")
				}
				switch args[0] {
				case "expired-timestamp":
					repo.Timestamp.Signed.Expires = trusttest.In(-time.Hour)
					repo.PublishTimestamp()
				case "rollback":
					mu.Lock()
					old := previous[ts.Getenv("WORK")]
					mu.Unlock()
					if old == nil {
						ts.Fatalf("tuf-attack rollback needs a tuf-release first")
					}
					repo.SetFile("tuf/timestamp.json", old)
				default:
					ts.Fatalf("unknown attack %q", args[0])
				}
			},
		},
	})
}
