package cmd

import (
	"bytes"
	"context"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopip/gopip/internal/testwheel"
	"github.com/gopip/gopip/trust/publish"
	"github.com/gopip/gopip/trust/trusttest"
)

// conformanceClient runs `gopip tuf-conformance` the way the TUF
// conformance suite runs its client under test, with a metadata folder
// and a target folder of its own.
type conformanceClient struct {
	t                   *testing.T
	metaDir, targetDir  string
	metadataURL, target string
	environ             []string
}

func newConformanceClient(t *testing.T, metadataURL, targetBaseURL string) *conformanceClient {
	dir := t.TempDir()
	return &conformanceClient{
		t: t, metaDir: filepath.Join(dir, "metadata"), targetDir: filepath.Join(dir, "targets"),
		metadataURL: metadataURL, target: targetBaseURL,
		environ: []string{"HOME=" + dir, "XDG_DATA_HOME=" + filepath.Join(dir, "data"), "XDG_CONFIG_HOME=" + filepath.Join(dir, "config")},
	}
}

func (c *conformanceClient) run(args ...string) (int, string) {
	var out, errOut bytes.Buffer
	code := Run(context.Background(), append([]string{"tuf-conformance"}, args...), c.environ, strings.NewReader(""), &out, &errOut)
	return code, out.String() + errOut.String()
}

func (c *conformanceClient) init(root []byte) (int, string) {
	f := filepath.Join(c.t.TempDir(), "initial_root.json")
	if err := os.WriteFile(f, root, 0o644); err != nil {
		c.t.Fatal(err)
	}
	return c.run("--metadata-dir", c.metaDir, "init", f)
}

func (c *conformanceClient) refresh() (int, string) {
	return c.run("--metadata-url", c.metadataURL, "--metadata-dir", c.metaDir, "refresh")
}

func (c *conformanceClient) download(target string) (int, string) {
	return c.run("--metadata-url", c.metadataURL, "--metadata-dir", c.metaDir, "--target-name", target,
		"--target-dir", c.targetDir, "--target-base-url", c.target, "download")
}

// downloaded returns what the client stored for a target path, nil if
// nothing.
func (c *conformanceClient) downloaded(target string) []byte {
	data, err := os.ReadFile(filepath.Join(c.targetDir, url.PathEscape(target)))
	if err != nil {
		return nil
	}
	return data
}

// TestTUFConformanceProtocol drives the hidden tuf-conformance command
// through the suite's protocol against a repository signed in the test:
// init (nothing fetched), refresh (the top-level metadata stored under
// unversioned names), download (a target with unusual characters, through
// the hashed bins and consistent snapshots; not fetched again once there),
// and the failures, each exit code 1: a swapped target (not stored), a
// target that does not exist, an expired timestamp.
func TestTUFConformanceProtocol(t *testing.T) {
	repo := trusttest.New(t, trusttest.Options{BitLength: 4})
	odd := "files/a b?#%.txt"
	oddData := []byte("odd target")
	repo.AddTarget(odd, oddData)
	other := []byte("another target")
	repo.AddTarget("files/other.txt", other)
	repo.Publish()
	c := newConformanceClient(t, repo.MetadataURL(), repo.URL())

	repo.Requests()
	if code, out := c.init(repo.RootJSON(1)); code != 0 {
		t.Fatalf("init: %d %s", code, out)
	}
	if got := repo.Requests(); len(got) != 0 {
		t.Errorf("init fetched %q", got)
	}
	if code, out := c.refresh(); code != 0 {
		t.Fatalf("refresh: %d %s", code, out)
	}
	for _, role := range []string{"root", "timestamp", "snapshot", "targets"} {
		if _, err := os.Stat(filepath.Join(c.metaDir, role+".json")); err != nil {
			t.Errorf("refresh left no %s.json: %v", role, err)
		}
	}

	if code, out := c.download(odd); code != 0 || !bytes.Equal(c.downloaded(odd), oddData) {
		t.Fatalf("download %q: %d %s", odd, code, out)
	}
	repo.Requests()
	if code, out := c.download(odd); code != 0 {
		t.Fatalf("second download: %d %s", code, out)
	}
	if got := repo.Requests(); slices.ContainsFunc(got, func(p string) bool { return strings.HasPrefix(p, "files/") }) {
		t.Errorf("a target already there was fetched again: %q", got)
	}

	// The server swaps a target: exit 1, and nothing stored.
	repo.SetFile(trusttest.HashedPath("files/other.txt", other), []byte("malicious data"))
	code, out := c.download("files/other.txt")
	if code != 1 || !strings.Contains(out, "SECURITY ERROR") || c.downloaded("files/other.txt") != nil {
		t.Errorf("swapped target: %d %s", code, out)
	}
	if code, out := c.download("files/nothere.txt"); code != 1 || !strings.Contains(out, "is not a target") {
		t.Errorf("missing target: %d %s", code, out)
	}

	// An expired timestamp: refresh fails with 1, not gopip's 13.
	repo.Timestamp.Signed.Expires = trusttest.In(-time.Hour)
	repo.PublishTimestamp()
	if code, out := c.refresh(); code != 1 || !strings.Contains(out, "timestamp metadata has expired") {
		t.Errorf("expired timestamp: %d %s", code, out)
	}
	if code, _ := c.run("--metadata-dir", c.metaDir, "frobnicate"); code == 0 {
		t.Error("an unknown protocol command succeeded")
	}
}

// TestTUFConformanceGopipRepo: the protocol client reads a repository
// published with gopip repo: its project page is a target, downloaded and
// verified; a distribution file is not one.
func TestTUFConformanceGopipRepo(t *testing.T) {
	ctx := context.Background()
	pub, err := publish.Init(ctx, filepath.Join(t.TempDir(), "repo"), publish.InitOptions{BinBits: 4})
	if err != nil {
		t.Fatal(err)
	}
	whl := testwheel.MustBuild(t, t.TempDir(), testwheel.Spec{Name: "demo", Version: "1.0"})
	if _, err := pub.Add(ctx, whl); err != nil {
		t.Fatal(err)
	}
	root, err := pub.Root()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(publish.Handler(pub.Dir()))
	defer srv.Close()
	c := newConformanceClient(t, srv.URL+"/tuf/", srv.URL+"/")
	if code, out := c.init(root); code != 0 {
		t.Fatalf("init: %d %s", code, out)
	}
	page := "simple/demo/index.json"
	want, _ := os.ReadFile(filepath.Join(pub.Dir(), page))
	if code, out := c.download(page); code != 0 || !bytes.Equal(c.downloaded(page), want) {
		t.Fatalf("download %s: %d %s", page, code, out)
	}
	if code, _ := c.download("packages/demo-1.0-py3-none-any.whl"); code != 1 {
		t.Errorf("a distribution file is a target: %d", code)
	}
}
