package trust

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/gopip/gopip/trust/trusttest"
)

func TestConfigComplete(t *testing.T) {
	for _, c := range []struct {
		in   Config
		want Config
	}{
		{
			Config{Name: "corp", IndexURL: "https://user:pw@Host.Example:443/pypi/simple"},
			Config{Name: "corp", IndexURL: "https://host.example/pypi/simple/", MetadataURL: "https://host.example/pypi/tuf/", TargetsURL: "https://host.example/pypi/", Layout: LayoutGopip},
		},
		{
			Config{Name: "root", IndexURL: "http://127.0.0.1:8080/simple/?x=1#f", Layout: "Warehouse"},
			Config{Name: "root", IndexURL: "http://127.0.0.1:8080/simple/", MetadataURL: "http://127.0.0.1:8080/tuf/", TargetsURL: "http://127.0.0.1:8080/", Layout: LayoutWarehouse},
		},
		{
			Config{Name: "a.b_c-1", IndexURL: "https://h/", MetadataURL: "https://meta.h/m", TargetsURL: "https://cdn.h/t/"},
			Config{Name: "a.b_c-1", IndexURL: "https://h/", MetadataURL: "https://meta.h/m/", TargetsURL: "https://cdn.h/t/", Layout: LayoutGopip},
		},
	} {
		got, err := c.in.Complete()
		if err != nil || got != c.want {
			t.Errorf("%+v.Complete() = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []Config{
		{Name: "", IndexURL: "https://h/simple/"},
		{Name: "a b", IndexURL: "https://h/simple/"},
		{Name: "-x", IndexURL: "https://h/simple/"},
		{Name: "x", IndexURL: "file:///srv/simple/"},
		{Name: "x", IndexURL: "https://h/simple/", Layout: "pep458"},
	} {
		if _, err := bad.Complete(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

func TestRepositoryID(t *testing.T) {
	a, _ := RepositoryID("https://pypi.corp.example/simple/")
	for _, same := range []string{
		"https://pypi.corp.example/simple",
		"HTTPS://PyPI.corp.example:443/simple/",
		"https://user:token@pypi.corp.example/simple/",
		"https://pypi.corp.example/simple/#frag",
	} {
		if b, _ := RepositoryID(same); b != a {
			t.Errorf("RepositoryID(%s) differs", same)
		}
	}
	for _, other := range []string{"http://pypi.corp.example/simple/", "https://pypi.corp.example/other/", "https://pypi.corp.example:8443/simple/"} {
		if b, _ := RepositoryID(other); b == a {
			t.Errorf("RepositoryID(%s) is the same", other)
		}
	}
	if len(a) != 64 {
		t.Errorf("id %q", a)
	}
}

func TestLayoutTargets(t *testing.T) {
	if got := LayoutGopip.PageTarget("Foo.Bar_baz"); got != "simple/foo-bar-baz/index.json" {
		t.Error(got)
	}
	if got := LayoutWarehouse.PageTarget("Foo.Bar_baz"); got != "foo-bar-baz" {
		t.Error(got)
	}
	if got := LayoutGopipFiles.PageTarget("Foo.Bar_baz"); got != "simple/foo-bar-baz/index.json" {
		t.Error(got)
	}
	if got, ok := LayoutGopipFiles.FileTarget("foo-1.0.tar.gz"); !ok || got != "packages/foo-1.0.tar.gz" {
		t.Error(got, ok)
	}
	for _, bad := range []string{"", "../x.whl", "a/b.whl"} {
		if _, ok := LayoutGopipFiles.FileTarget(bad); ok {
			t.Errorf("%q is a target path", bad)
		}
	}
	for _, l := range []Layout{LayoutGopip, LayoutWarehouse} {
		if _, ok := l.FileTarget("foo-1.0.tar.gz"); ok {
			t.Errorf("%s: files are looked up as targets", l)
		}
	}
	for in, want := range map[string]Layout{"": LayoutGopip, " GOPIP-files ": LayoutGopipFiles, "warehouse": LayoutWarehouse} {
		if got, err := ParseLayout(in); err != nil || got != want {
			t.Errorf("ParseLayout(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseLayout("pep458"); err == nil || !strings.Contains(err.Error(), "known: gopip, gopip-files, warehouse") {
		t.Errorf("ParseLayout(pep458): %v", err)
	}
}

// TestCredentials: credentials of the index URL given to ForIndex are sent
// with the metadata and page requests to the same host, and never stored.
func TestCredentials(t *testing.T) {
	repo, _ := demoRepo(t, trusttest.Options{})
	var unauthorized atomic.Int32
	repo.Intercept(func(w http.ResponseWriter, req *http.Request) bool {
		if u, p, ok := req.BasicAuth(); !ok || u != "alice" || p != "s3cret" {
			unauthorized.Add(1)
			http.Error(w, "who are you", http.StatusUnauthorized)
			return true
		}
		return false
	})
	s := testStore(t, StoreOptions{})
	withCreds := strings.Replace(repo.IndexURL(), "http://", "http://alice:s3cret@", 1)
	if _, err := s.Add(Config{Name: "corp", IndexURL: withCreds}, repo.RootJSON(1)); err != nil {
		t.Fatal(err)
	}
	entries, _ := s.List()
	if strings.Contains(entries[0].Config.IndexURL, "alice") {
		t.Errorf("credentials stored: %+v", entries[0].Config)
	}
	r, ok, err := s.ForIndex(withCreds)
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	if _, err := r.Page(context.Background(), "demo"); err != nil {
		t.Fatal(err)
	}
	if n := unauthorized.Load(); n != 0 {
		t.Errorf("%d requests without credentials", n)
	}
}

// TestFetcher checks gopip's fetcher on its own: a Content-Length above
// the maximum is refused before the body is read, 403 and 410 are missing
// files to go-tuf, and a body that breaks off is fetched again.
func TestFetcher(t *testing.T) {
	var breaks atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		switch req.URL.Path {
		case "/big.json":
			w.Header().Set("Content-Length", "100")
			w.Write(make([]byte, 100))
		case "/forbidden.json":
			http.Error(w, "no", http.StatusForbidden)
		case "/gone.json":
			http.Error(w, "no", http.StatusGone)
		case "/teapot.json":
			http.Error(w, "no", http.StatusTeapot)
		case "/broken.json":
			if breaks.Add(1) == 1 {
				w.Header().Set("Content-Length", "10")
				w.Write([]byte("12345"))
				return // the connection ends 5 bytes short
			}
			w.Write([]byte("1234567890"))
		}
	}))
	defer srv.Close()
	f := &metadataFetcher{client: newClient(t, 2), ctx: context.Background()}

	_, err := f.DownloadFile(srv.URL+"/big.json", 50, 0)
	var ve *VerificationError
	if !errors.As(err, &ve) || ve.Reason != ReasonLength || !errors.Is(err, &metadata.ErrDownloadLengthMismatch{}) {
		t.Errorf("big: %v", err)
	}
	for _, p := range []string{"/forbidden.json", "/gone.json"} {
		_, err := f.DownloadFile(srv.URL+p, 50, 0)
		var he *metadata.ErrDownloadHTTP
		if !errors.As(err, &he) || he.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %v", p, err)
		}
		var fe *FetchError
		if !errors.As(err, &fe) || fe.Status == http.StatusNotFound {
			t.Errorf("%s: the real status is lost: %v", p, err)
		}
	}
	_, err = f.DownloadFile(srv.URL+"/teapot.json", 50, 0)
	var he *metadata.ErrDownloadHTTP
	if errors.As(err, &he) {
		t.Errorf("418 is a missing file: %v", err)
	}
	data, err := f.DownloadFile(srv.URL+"/broken.json", 50, 0)
	if err != nil || string(data) != "1234567890" || breaks.Load() != 2 {
		t.Errorf("broken: %q %v (%d requests)", data, err, breaks.Load())
	}
	if f.last.role != "broken" {
		t.Errorf("last role %q", f.last.role)
	}
}

func TestRoleFromURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://h/tuf/timestamp.json":   "timestamp",
		"https://h/tuf/12.snapshot.json": "snapshot",
		"https://h/tuf/3.bins-0a.json":   "bins-0a",
		"https://h/tuf/1.root.json":      "root",
		"https://h/tuf/a.b.json":         "a.b",
	} {
		if got := roleFromURL(in); got != want {
			t.Errorf("roleFromURL(%s) = %q, want %q", in, got, want)
		}
	}
}
