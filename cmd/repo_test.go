package cmd

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gopip/gopip/internal/testwheel"
	"github.com/gopip/gopip/trust/publish"
)

// TestRepoServe runs "gopip repo serve" on a free port: it prints the
// index URL, answers with JSON or HTML by the Accept header, and stops
// cleanly when its context ends (what SIGINT does).
func TestRepoServe(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	r, err := publish.Init(t.Context(), dir, publish.InitOptions{BinBits: 1})
	if err != nil {
		t.Fatal(err)
	}
	whl := testwheel.MustBuild(t, t.TempDir(), testwheel.Spec{Name: "demo", Version: "1.0"})
	if _, err := r.Add(t.Context(), whl); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out, w := io.Pipe()
	var stderr strings.Builder
	exit := make(chan int, 1)
	go func() {
		exit <- Run(ctx, []string{"repo", "serve", dir, "--addr", "127.0.0.1:0"}, nil, strings.NewReader(""), w, &stderr)
		w.Close()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("no URL printed: %v (stderr %q)", err, stderr.String())
	}
	go io.Copy(io.Discard, out)
	m := regexp.MustCompile(`^serving .* at (http://127\.0\.0\.1:\d+/simple/) \(TUF metadata at http://127\.0\.0\.1:\d+/tuf/\)\n$`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("serve printed %q", line)
	}
	index := m[1]

	for _, tc := range []struct{ accept, ctype, file string }{
		{"application/vnd.pypi.simple.v1+json", "application/vnd.pypi.simple.v1+json", "index.json"},
		{"", "text/html; charset=utf-8", "index.html"},
	} {
		req, _ := http.NewRequest(http.MethodGet, index+"demo/", nil)
		if tc.accept != "" {
			req.Header.Set("Accept", tc.accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want, _ := os.ReadFile(filepath.Join(dir, "simple", "demo", tc.file))
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tc.ctype || string(body) != string(want) {
			t.Fatalf("Accept %q: %s %q", tc.accept, resp.Status, resp.Header.Get("Content-Type"))
		}
	}
	cancel()
	select {
	case code := <-exit:
		if code != 0 {
			t.Fatalf("serve exited %d: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}

	// A folder that is not a repository is refused.
	var errOut strings.Builder
	if code := Run(t.Context(), []string{"repo", "serve", t.TempDir()}, nil, strings.NewReader(""), io.Discard, &errOut); code != 1 || !strings.Contains(errOut.String(), "not a gopip repository") {
		t.Fatalf("serving a plain folder: exit %d, %q", code, errOut.String())
	}
}

func TestDaysFlag(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"365d", 365 * 24 * time.Hour, true},
		{"12h", 12 * time.Hour, true},
		{"90m", 90 * time.Minute, true},
		{"xd", 0, false},
		{"-1d", 0, false},
		{"-5h", 0, false},
	} {
		var d time.Duration
		err := days{&d}.Set(tc.in)
		if (err == nil) != tc.ok || tc.ok && d != tc.want {
			t.Errorf("Set(%q) = %v, %v", tc.in, d, err)
		}
	}
	d := 48 * time.Hour
	if s := (days{&d}).String(); s != "2d" {
		t.Errorf("String() = %q", s)
	}
}
