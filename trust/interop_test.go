package trust

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopip/gopip/internal/testwheel"
	"github.com/gopip/gopip/resolver/index"
	"github.com/gopip/gopip/trust/publish"
)

// TestPublishedRepository reads what `gopip repo` publishes (package
// trust/publish), with no options but the index URL and the root: the
// layout contract of docs/repository-layout.md, seen from the client.
func TestPublishedRepository(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "repo")
	pub, err := publish.Init(ctx, dir, publish.InitOptions{BinBits: 4})
	if err != nil {
		t.Fatal(err)
	}
	whl := testwheel.MustBuild(t, t.TempDir(), testwheel.Spec{Name: "demo", Version: "1.0",
		Files: []testwheel.File{{Path: "demo/__init__.py", Data: "X = 1\n"}}})
	if _, err := pub.Add(ctx, whl); err != nil {
		t.Fatal(err)
	}
	root, err := pub.Root()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(publish.Handler(pub.Dir()))
	defer srv.Close()

	s := testStore(t, StoreOptions{})
	if _, err := s.Add(Config{Name: "local", IndexURL: srv.URL + "/simple/"}, root); err != nil {
		t.Fatal(err)
	}
	ix := &index.Index{URL: srv.URL + "/simple/"}
	r, err := s.ConfigureIndex(ix)
	if err != nil || r == nil {
		t.Fatal(r, err)
	}
	c, err := index.New(index.Options{Indexes: []*index.Index{ix}, HTTP: r.client})
	if err != nil {
		t.Fatal(err)
	}
	files, err := c.Files(ctx, "demo")
	if err != nil || len(files) != 1 || !files[0].Verified {
		t.Fatalf("files: %+v %v", files, err)
	}
	req, err := r.Request(ctx, &files[0])
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(whl); req.Length != st.Size() || len(req.Hashes) != 1 || req.Hashes["sha256"] != files[0].Hashes["sha256"] {
		t.Errorf("request %+v: want the size and sha256 of the verified page", req)
	}
	req.Dest = filepath.Join(t.TempDir(), files[0].Filename)
	if _, err := NewDownloader(r.client, DownloaderOptions{}).Download(ctx, req); err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(whl)
	if got, _ := os.ReadFile(req.Dest); !bytes.Equal(got, want) {
		t.Error("downloaded wheel differs")
	}
	// Only the page is a target.
	for _, p := range []string{"packages/" + files[0].Filename, "packages/" + files[0].Filename + ".metadata", "simple/demo/index.html"} {
		if _, err := r.TargetInfo(ctx, p); !errors.Is(err, ErrNotFound) {
			t.Errorf("TargetInfo(%s): %v, want not found", p, err)
		}
	}
	// Its PEP 658 metadata file is verified against the page by
	// resolver/index.
	if md, _, err := c.Metadata(ctx, files[0]); err != nil || md.Name() != "demo" {
		t.Errorf("metadata: %+v %v", md, err)
	}
}
