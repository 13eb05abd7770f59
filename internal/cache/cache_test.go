package cache

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestRecords(t *testing.T) {
	c := New(t.TempDir())
	r := c.Records()
	if _, ok := r.Get("a"); ok {
		t.Fatal("hit in an empty cache")
	}
	if err := r.Put("a", []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := r.Put("a", []byte("two")); err != nil {
		t.Fatal(err)
	}
	if got, ok := r.Get("a"); !ok || string(got) != "two" {
		t.Fatalf("Get = %q, %v; want the last Put", got, ok)
	}
	if err := r.Delete("a"); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Get("a"); ok {
		t.Fatal("hit after Delete")
	}
	// A disabled cache misses and stores nothing.
	var none *Cache
	if err := none.Records().Put("a", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, ok := none.Records().Get("a"); ok {
		t.Fatal("hit in a disabled cache")
	}
}

// TestRecordsConcurrent: writers replacing one record while readers read
// it; a reader sees one whole record or none, never a mix.
func TestRecordsConcurrent(t *testing.T) {
	r := New(t.TempDir()).Records()
	values := make([][]byte, 8)
	for i := range values {
		values[i] = []byte(strings.Repeat(fmt.Sprint(i), 100_000))
	}
	var wg sync.WaitGroup
	for i := range values {
		wg.Go(func() {
			for range 20 {
				if err := r.Put("k", values[i]); err != nil {
					t.Error(err)
				}
			}
		})
		wg.Go(func() {
			for range 20 {
				got, ok := r.Get("k")
				if !ok {
					continue
				}
				if strings.Trim(string(got), string(got[:1])) != "" || len(got) != 100_000 {
					t.Errorf("read a mixed or partial record (%d bytes)", len(got))
				}
			}
		})
	}
	wg.Wait()
}

func TestFilePath(t *testing.T) {
	c := New("/c")
	d := strings.Repeat("ab", 32)
	p, err := c.FilePath(d, "demo-1.0-py3-none-any.whl")
	if err != nil {
		t.Fatal(err)
	}
	if want := "/c/files/sha256/ab/" + d + "/demo-1.0-py3-none-any.whl"; p != want {
		t.Errorf("FilePath = %s, want %s", p, want)
	}
	for _, bad := range []string{"", ".", "..", "a/b", `a\b`, ".tmp-x", "a\x00b", strings.Repeat("x", 300)} {
		if _, err := c.FilePath(d, bad); err == nil {
			t.Errorf("FilePath(%q) accepted", bad)
		}
	}
	for _, bad := range []string{"", "AB" + d[2:], d[:63], d + "0", strings.Repeat("g", 64)} {
		if _, err := c.FilePath(bad, "x.whl"); err == nil {
			t.Errorf("FilePath with digest %q accepted", bad)
		}
	}
}

func TestPackagesAndRemove(t *testing.T) {
	dir := t.TempDir()
	c := New(dir)
	write := func(p, data string) {
		t.Helper()
		if err := WriteFileAtomic(filepath.Join(dir, filepath.FromSlash(p)), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d1, d2 := strings.Repeat("1", 64), strings.Repeat("2", 64)
	write("wheels/aa/bb/cc/dd/hello-0.3-py3-none-any.whl", "built")
	write("files/sha256/11/"+d1+"/demo-1.0-py3-none-any.whl", "downloaded")
	write("files/sha256/22/"+d2+"/demo-1.0.tar.gz", "sdist")
	write("files/sha256/22/"+d2+"/.tmp-demo-2.0.tar.gz-123", "partial")
	write("unpacked/sha256/11/"+d1+"/entry.json", `{"format":1,"wheel":"demo-1.0-py3-none-any.whl"}`)
	write("unpacked/sha256/11/"+d1+"/tree/demo/__init__.py", "x = 1\n")
	write("unpacked/sha256/11/"+d1+"/pyc/cpython-311-a70d0d0a-opt0-timestamp/manifest.json", "{}")
	write("http/ab/cdef", "page")

	names := func(items []Item) []string {
		var out []string
		for _, it := range items {
			out = append(out, it.Layer+":"+it.Name)
		}
		return out
	}
	all, err := c.Packages("*")
	if err != nil {
		t.Fatal(err)
	}
	want := "wheels:hello-0.3-py3-none-any.whl files:demo-1.0-py3-none-any.whl files:demo-1.0.tar.gz unpacked:demo-1.0-py3-none-any.whl"
	if got := strings.Join(names(all), " "); got != want {
		t.Errorf("Packages(*) = %s\nwant %s", got, want)
	}
	for pattern, want := range map[string]string{
		"demo":       "files:demo-1.0-py3-none-any.whl files:demo-1.0.tar.gz unpacked:demo-1.0-py3-none-any.whl",
		"demo-1.0-*": "files:demo-1.0-py3-none-any.whl unpacked:demo-1.0-py3-none-any.whl",
		"hel*":       "wheels:hello-0.3-py3-none-any.whl",
		"dem":        "",
		"[":          "",
	} {
		items, err := c.Packages(pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(names(items), " "); got != want {
			t.Errorf("Packages(%q) = %s, want %s", pattern, got, want)
		}
	}
	http, err := c.HTTPFiles()
	if err != nil || len(http) != 1 {
		t.Fatalf("HTTPFiles = %v, %v", http, err)
	}
	for _, it := range append(all, http...) {
		if err := Remove(it); err != nil {
			t.Fatal(err)
		}
	}
	if left, _ := c.Packages("*"); len(left) != 0 {
		t.Errorf("left after Remove: %v", names(left))
	}
	n, err := c.RemoveTemporary()
	if err != nil || n != 1 {
		t.Errorf("RemoveTemporary = %d, %v; want the one partial file", n, err)
	}
}

func TestFormatSize(t *testing.T) {
	// Figures from pip's own format_size.
	for n, want := range map[int64]string{
		0: "0 bytes", 1000: "1000 bytes", 1001: "1.0 kB", 10_000: "10.0 kB", 10_001: "10 kB",
		999_999: "999 kB", 1_000_000: "1000 kB", 1_000_001: "1.0 MB", 12_345_678: "12.3 MB",
	} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestEvict(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "entry")
	if err := os.MkdirAll(filepath.Join(dir, "tree"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Evict(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("entry still there: %v", err)
	}
	if err := Evict(dir); err != nil {
		t.Fatalf("evicting a missing entry: %v", err)
	}
	left, _ := os.ReadDir(filepath.Dir(dir))
	if len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}
