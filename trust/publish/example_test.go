package publish_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/gopip/gopip/internal/testwheel"
	"github.com/gopip/gopip/trust/publish"
)

// A signed repository, built and served in a few lines.
func Example() {
	ctx := context.Background()
	tmp, _ := os.MkdirTemp("", "publish-example")
	defer os.RemoveAll(tmp)
	wheel, _ := testwheel.Build(tmp, testwheel.Spec{Name: "demo", Version: "1.0"})

	repo, err := publish.Init(ctx, filepath.Join(tmp, "repo"), publish.InitOptions{BinBits: 4})
	if err != nil {
		panic(err)
	}
	report, err := repo.Add(ctx, wheel)
	if err != nil {
		panic(err)
	}
	fmt.Println("added", report.Added)
	fmt.Println("last signed:", report.Signed[len(report.Signed)-1])

	srv := httptest.NewServer(publish.Handler(repo.Dir()))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/simple/demo/", nil)
	req.Header.Set("Accept", "application/vnd.pypi.simple.v1+json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Header.Get("Content-Type"), strings.Contains(string(body), `"filename":"demo-1.0-py3-none-any.whl"`))
	// Output:
	// added [demo-1.0-py3-none-any.whl]
	// last signed: timestamp v2
	// application/vnd.pypi.simple.v1+json true
}
