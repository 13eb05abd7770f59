package index

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func addFixtureSeeds(f *testing.F, names ...string) {
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// checkFuzzedFiles holds what every parsed file must satisfy, whatever
// the page: an absolute URL without fragment, and a classification that
// does not panic and agrees with the kind's fields.
func checkFuzzedFiles(t *testing.T, files []File) {
	for _, f := range files {
		if strings.Contains(f.URL, "#") {
			t.Fatalf("URL with fragment: %q", f.URL)
		}
		if f.URL != "" && !strings.HasPrefix(f.URL, "https://") && !strings.Contains(f.URL, ":") {
			t.Fatalf("relative URL %q", f.URL)
		}
		f.Classify("demo")
		if f.Kind != Ignored && strings.ContainsAny(f.Filename, "/\\\x00") {
			t.Fatalf("candidate file name %q has a path separator", f.Filename)
		}
		switch f.Kind {
		case Wheel:
			if f.Wheel == nil || f.Wheel.NormalizedName() != "demo" {
				t.Fatalf("wheel %+v", f)
			}
		case Sdist:
			if f.Sdist == nil {
				t.Fatalf("sdist %+v", f)
			}
		case Ignored:
			if f.Skip == "" {
				t.Fatalf("ignored without a reason: %+v", f)
			}
		default:
			t.Fatalf("kind %v", f.Kind)
		}
		_ = metadataURL(f.URL)
	}
}

func FuzzParseHTML(f *testing.F) {
	addFixtureSeeds(f, "demo.html", "base.html", "listing.html")
	for _, s := range []string{
		`<a href="demo-1.0.tar.gz" data-yanked data-core-metadata="sha256=ab">`,
		`<base href="//h/"><a href="../x%2Fy@z.whl#md5=1&sha256=2">`,
		`<a href="%zz%e9 \t\n.whl" data-requires-python="&gt=3&lt;4&#0;">`,
		`<meta name="pypi:repository-version" content="1.99"><a href=demo-1.0-py3-none-any.whl>`,
		`<a href="javascript:alert(1)"><a href="mailto:x@y"><a href="http://[::1">`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		files, err := ParseHTML(body, "text/html", "https://pypi.example/simple/demo/")
		if err != nil {
			return
		}
		checkFuzzedFiles(t, files)
	})
}

func FuzzParseJSON(f *testing.F) {
	addFixtureSeeds(f, "demo.json")
	for _, s := range []string{
		`{"meta": {"api-version": "1.0"}, "files": [{"url": "demo-1.0.tar.gz", "hashes": {"sha256": "ab"}, "yanked": "r", "core-metadata": {"sha256": "cd"}}]}`,
		`{"files": [{"url": "x", "filename": "../../etc/passwd", "size": -1, "upload-time": "yesterday", "yanked": 0.0}]}`,
		`{"files": [{"url": "", "dist-info-metadata": [1]}], "meta": {"api-version": 2}}`,
		`{"files": [{"url": "https://h/%2e%2e/demo-1.0-py3-none-any.whl#sha256=x&md5=y"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		files, err := ParseJSON(body, "https://pypi.example/simple/demo/")
		if err != nil {
			return
		}
		checkFuzzedFiles(t, files)
	})
}
