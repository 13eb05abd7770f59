package index

import (
	"errors"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopip/gopip/resolver/pep440"
)

// want describes the expected File for one link of a fixture; empty
// fields are not checked unless noted.
type want struct {
	filename string
	url      string
	hashes   map[string]string
	rp       string // RequiresPython
	rpValid  bool   // PythonSpec != nil
	yanked   *string
	metadata string // "" none, "nohash", or "algo=digest"
	kind     Kind
	version  string // Version.String() for wheels and sdists
	skip     string
	size     int64
}

func str(s string) *string { return &s }

func parseFixture(t *testing.T, name, ctype string) []File {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	files, err := ParsePage(&RawPage{Body: body, ContentType: ctype, URL: "https://pypi.example/simple/demo/"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range files {
		files[i].Classify("demo")
	}
	return files
}

func checkFiles(t *testing.T, files []File, wants []want) {
	t.Helper()
	byName := map[string]File{}
	for _, f := range files {
		if _, dup := byName[f.Filename]; !dup {
			byName[f.Filename] = f
		}
	}
	for _, w := range wants {
		f, ok := byName[w.filename]
		if !ok {
			t.Errorf("%s: not found", w.filename)
			continue
		}
		if w.url != "" && f.URL != w.url {
			t.Errorf("%s: URL %q, want %q", w.filename, f.URL, w.url)
		}
		if w.hashes != nil && !maps.Equal(f.Hashes, w.hashes) {
			t.Errorf("%s: hashes %v, want %v", w.filename, f.Hashes, w.hashes)
		}
		if f.RequiresPython != w.rp || (f.PythonSpec != nil) != w.rpValid {
			t.Errorf("%s: requires-python %q (parsed %v), want %q (%v)", w.filename, f.RequiresPython, f.PythonSpec != nil, w.rp, w.rpValid)
		}
		if (w.yanked != nil) != f.Yanked || w.yanked != nil && *w.yanked != f.YankedReason {
			t.Errorf("%s: yanked %v %q, want %v", w.filename, f.Yanked, f.YankedReason, w.yanked)
		}
		var md string
		if f.Metadata != nil {
			md = "nohash"
			for k, v := range f.Metadata.Hashes {
				md = k + "=" + v
			}
		}
		if md != w.metadata {
			t.Errorf("%s: metadata %q, want %q", w.filename, md, w.metadata)
		}
		if f.Kind != w.kind || f.Skip != w.skip {
			t.Errorf("%s: %v %q, want %v %q", w.filename, f.Kind, f.Skip, w.kind, w.skip)
		}
		if w.version != "" && f.Version.String() != w.version {
			t.Errorf("%s: version %s, want %s", w.filename, f.Version, w.version)
		}
		if f.Size != w.size {
			t.Errorf("%s: size %d, want %d", w.filename, f.Size, w.size)
		}
	}
}

const (
	sha1000  = "4c2f1a5e0b7d9e8f6a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f"
	shaSdist = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
	shaMeta  = "9d3c1b0a8f7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c"
)

func TestParseHTMLFixture(t *testing.T) {
	files := parseFixture(t, "demo.html", "text/html")
	if len(files) != 33 {
		t.Errorf("%d links", len(files))
	}
	checkFiles(t, files, []want{
		{filename: "demo-1.0-py3-none-any.whl", url: "https://files.example/packages/3f/7a/demo-1.0-py3-none-any.whl",
			hashes: map[string]string{"sha256": sha1000}, rp: ">=3.7", rpValid: true, metadata: "sha256=" + shaMeta, kind: Wheel, version: "1.0"},
		{filename: "demo-1.0.tar.gz", url: "https://pypi.example/packages/demo-1.0.tar.gz",
			hashes: map[string]string{"sha256": shaSdist}, rp: ">=3.7,<4", rpValid: true, kind: Sdist, version: "1.0"},
		{filename: "demo-1.1-py3-none-any.whl", url: "https://pypi.example/packages/demo-1.1-py3-none-any.whl",
			hashes: map[string]string{"md5": "d41d8cd98f00b204e9800998ecf8427e"}, yanked: str(""), kind: Wheel},
		{filename: "demo-1.2-py3-none-any.whl", url: "https://pypi.example/simple/demo/demo-1.2-py3-none-any.whl",
			yanked: str(`broken & "bad" — use 1.3`), kind: Wheel},
		// The legacy attribute alone still counts (PEP 714).
		{filename: "demo-1.3-py3-none-any.whl", metadata: "nohash", kind: Wheel},
		// data-core-metadata wins over data-dist-info-metadata.
		{filename: "demo-1.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", metadata: "nohash", kind: Wheel},
		{filename: "other-1.0-py3-none-any.whl", kind: Ignored, skip: "wrong project name (not demo)"},
		{filename: "demo-0.9-py2.7.egg", kind: Ignored, skip: "unsupported archive format: .egg"},
		{filename: "demo-0.9.win32.exe", kind: Ignored, skip: "unsupported archive format: .exe"},
		{filename: "demo-0.8.tar.bz2", kind: Ignored, skip: "unsupported archive format: .tar.bz2"},
		{filename: "demo-1.0~beta.tar.gz", kind: Ignored, skip: `invalid version "1.0~beta"`},
		{filename: "demo-1.5.zip", rp: ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*", rpValid: true, kind: Sdist, version: "1.5"},
		// The query stays, the fragment's hash is read.
		{filename: "Demo-1.7.tar.gz", url: "https://pypi.example/simple/demo/Demo-1.7.tar.gz?download=1",
			hashes: map[string]string{"sha512": "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"}, kind: Sdist, version: "1.7"},
		// pip quotes "+" in paths.
		{filename: "demo-1.9+cpu-py3-none-any.whl", url: "https://pypi.example/simple/demo/demo-1.9%2Bcpu-py3-none-any.whl", kind: Wheel, version: "1.9+cpu"},
		{filename: "demo-2.0-py3-none-any.whl", metadata: "md5=0cc175b9c0f1b6a831c399e269772661", kind: Wheel},
		// An algorithm pip does not know: the file exists, with no hash.
		{filename: "demo-2.1-py3-none-any.whl", metadata: "nohash", kind: Wheel},
		{filename: "demo-2.2.tar.gz", kind: Sdist},
		{filename: "demo-2.3-1-py3-none-any.whl", kind: Wheel, version: "2.3"},
		{filename: "demo-2.5-bad.whl", kind: Ignored, skip: "invalid wheel filename"},
		{filename: "demo-2.6.zip", kind: Ignored, skip: "macosx10 one"},
		{filename: "demo-2.7", kind: Ignored, skip: "unsupported archive format: .7"},
		{filename: "files.example", kind: Ignored, skip: "not a file"},
		{filename: "demo space-2.8.tar.gz", url: "https://pypi.example/simple/demo/demo%20space-2.8.tar.gz", kind: Ignored, skip: "Missing project version for demo"},
		{filename: "DEMO-2.9-PY3-NONE-ANY.whl", rp: ">=3.8", rpValid: true, kind: Wheel, version: "2.9"},
		{filename: "demo-3.0.tar.gz", rp: ">=3.6<4", kind: Sdist},
		{filename: "demo-3.1.tar.gz", metadata: "nohash", kind: Sdist},
		// The first fragment hash, as pip's regular expression finds it.
		{filename: "demo-3.2.tar.gz", hashes: map[string]string{"sha1": "da39a3ee5e6b4b0d3255bfef95601890afd80709"}, kind: Sdist},
		{filename: "demo.dev-3.3.tar.gz", kind: Ignored, skip: "Missing project version for demo"},
		{filename: "demo_3.4.tar.gz", kind: Ignored, skip: "Missing project version for demo"},
		{filename: "demo-3.5.tar.gz", yanked: str("reason one"), kind: Sdist},
		{filename: "demo-3.6.tar.gz", kind: Sdist},
		{filename: "demo-3.7-py2.py3-none-any.whl", rp: "<4,>=3.7", rpValid: true, kind: Wheel},
	})
	for _, f := range files {
		if f.Version.String() == "9.9" || f.Version.String() == "9.8" {
			t.Errorf("%s: links in comments and scripts are not links", f.Filename)
		}
	}
	// pip strips "-py3" from an sdist's version and compares it with the
	// target's Python.
	for _, f := range files {
		if f.Filename == "demo-2.4-py3.tar.gz" && (f.Kind != Sdist || f.Version.String() != "2.4" || f.PyVersion != "3") {
			t.Errorf("demo-2.4-py3.tar.gz: %v %s %q", f.Kind, f.Version, f.PyVersion)
		}
	}
}

func TestParseHTMLBase(t *testing.T) {
	files := parseFixture(t, "base.html", "text/html")
	checkFiles(t, files, []want{
		{filename: "demo-1.0.tar.gz", url: "https://mirror.example/pypi/packages/demo-1.0.tar.gz", hashes: map[string]string{"sha256": shaSdist}, kind: Sdist},
		{filename: "demo-1.1-py3-none-any.whl", url: "https://mirror.example/pypi/other/demo-1.1-py3-none-any.whl", kind: Wheel},
		{filename: "demo-1.2-py3-none-any.whl", url: "https://mirror.example/root/demo-1.2-py3-none-any.whl", kind: Wheel},
		{filename: "demo-1.3-py3-none-any.whl", url: "https://cdn.example/demo-1.3-py3-none-any.whl", kind: Wheel},
		{filename: "demo-1.4.tar.gz", url: "https://mirror.example/pypi/packages/user@host/demo-1.4.tar.gz", kind: Sdist},
	})
}

// TestParseHTMLGopipRules pins where gopip reads HTML otherwise than pip
// 23.2 (see doc.go).
func TestParseHTMLGopipRules(t *testing.T) {
	page := "https://pypi.example/simple/demo/"
	for _, tc := range []struct {
		name, body, ctype string
		want              want
	}{
		{"valueless data-yanked is yanked (PEP 592)", `<a href="demo-1.0.tar.gz" data-yanked>x</a>`, "",
			want{filename: "demo-1.0.tar.gz", yanked: str(""), kind: Sdist}},
		{"relative base href", `<base href="../../files/"><a href="demo-1.0.tar.gz">x</a>`, "",
			want{filename: "demo-1.0.tar.gz", url: "https://pypi.example/files/demo-1.0.tar.gz", kind: Sdist}},
		{"latin-1 page", "<a href=\"demo-1.0.tar.gz\" data-yanked=\"caf\xe9\">x</a>", "text/html; charset=ISO-8859-1",
			want{filename: "demo-1.0.tar.gz", yanked: str("café"), kind: Sdist}},
		{"entities without semicolons", `<a href="demo-1.0.tar.gz" data-requires-python="&gt=3.8">x</a>`, "text/html",
			want{filename: "demo-1.0.tar.gz", rp: ">=3.8", rpValid: true, kind: Sdist}},
		{"uppercase Content-Type", `<a href="demo-1.0.tar.gz">x</a>`, "TEXT/HTML",
			want{filename: "demo-1.0.tar.gz", kind: Sdist}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files, err := ParsePage(&RawPage{Body: []byte(tc.body), ContentType: tc.ctype, URL: page})
			if err != nil {
				t.Fatal(err)
			}
			for i := range files {
				files[i].Classify("demo")
			}
			checkFiles(t, files, []want{tc.want})
		})
	}
	if _, err := ParseHTML([]byte("x"), "text/html; charset=shift_jis", page); err == nil {
		t.Error("an unsupported charset is no error")
	}
}

func TestParseJSONFixture(t *testing.T) {
	files := parseFixture(t, "demo.json", MediaTypeJSON)
	if len(files) != 17 {
		t.Errorf("%d files, want 17 (one has no url)", len(files))
	}
	checkFiles(t, files, []want{
		{filename: "demo-1.0-py3-none-any.whl", url: "https://files.example/packages/3f/7a/demo-1.0-py3-none-any.whl",
			hashes: map[string]string{"sha256": sha1000}, rp: ">=3.7", rpValid: true, metadata: "sha256=" + shaMeta, kind: Wheel, size: 10240},
		// Unknown algorithms are kept in the file's hashes (pip keeps them).
		{filename: "demo-1.0.tar.gz", url: "https://pypi.example/packages/demo-1.0.tar.gz",
			hashes: map[string]string{"sha256": shaSdist, "blake2b_256": "aa"}, rp: ">=3.7,<4", rpValid: true, kind: Sdist, size: 20480},
		{filename: "demo-1.1-py3-none-any.whl", yanked: str(""), kind: Wheel},
		{filename: "demo-1.2-py3-none-any.whl", yanked: str(`broken & "bad" — use 1.3`), kind: Wheel},
		{filename: "demo-1.3-py3-none-any.whl", metadata: "nohash", kind: Wheel},
		{filename: "demo-1.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", metadata: "nohash", kind: Wheel},
		// core-metadata false does not fall back to the legacy key.
		{filename: "demo-1.5-py3-none-any.whl", kind: Wheel},
		// core-metadata null does.
		{filename: "demo-1.6-py3-none-any.whl", metadata: "sha512=cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e", kind: Wheel},
		// An empty object still says the file exists.
		{filename: "demo-1.7-py3-none-any.whl", metadata: "nohash", kind: Wheel},
		// The URL fragment wins over "hashes"; "yanked": "" is not yanked.
		{filename: "demo-1.8-py3-none-any.whl", hashes: map[string]string{"sha256": "1111111111111111111111111111111111111111111111111111111111111111"}, kind: Wheel},
		{filename: "demo-1.9+cpu-py3-none-any.whl", url: "https://files.example/packages/demo-1.9%2Bcpu-py3-none-any.whl", kind: Wheel, version: "1.9+cpu"},
		{filename: "other-1.0-py3-none-any.whl", kind: Ignored, skip: "wrong project name (not demo)"},
		// JSON is not HTML: no entity decoding, and the value is invalid.
		{filename: "demo-2.0.tar.gz", rp: "&gt;=3.8", yanked: str(""), kind: Sdist},
		{filename: "demo-2.2.tar.gz", kind: Sdist},
	})
	for _, f := range files {
		if f.Filename == "demo-1.0-py3-none-any.whl" {
			if want := time.Date(2024, 3, 1, 12, 34, 56, 789012000, time.UTC); !f.UploadTime.Equal(want) {
				t.Errorf("upload time %v", f.UploadTime)
			}
		}
	}
}

func TestParseJSONShapes(t *testing.T) {
	page := "https://pypi.example/simple/demo/"
	for _, tc := range []struct {
		body  string
		n     int
		isErr bool
	}{
		{`{"meta": {"api-version": "1.0"}, "name": "demo", "files": []}`, 0, false},
		{`{"meta": {"api-version": "1.9"}, "files": [{"url": "demo-1.0.tar.gz"}]}`, 1, false},
		{`{"files": [{"url": "demo-1.0.tar.gz", "hashes": "x", "yanked": [], "size": "big"}]}`, 1, false},
		{`{"files": [{"url": 5}, {"filename": "demo-1.0.tar.gz"}]}`, 0, false},
		{`{"files": null}`, 0, false},
		{`{}`, 0, false},
		{`{"meta": {"api-version": "2.0"}, "files": []}`, 0, true},
		{`[]`, 0, true},
		{`{"files": {}}`, 0, true},
		{`{"files": [1]}`, 0, true},
	} {
		files, err := ParseJSON([]byte(tc.body), page)
		if (err != nil) != tc.isErr || len(files) != tc.n {
			t.Errorf("%s: %d files, err %v", tc.body, len(files), err)
		}
		var ae *APIVersionError
		if err != nil && errors.As(err, &ae) != strings.Contains(tc.body, `"2.0"`) {
			t.Errorf("%s: error %T", tc.body, err)
		}
	}
}

func TestResolveLink(t *testing.T) {
	base, _ := url.Parse("https://user:pw@pypi.example/simple/demo/")
	for _, tc := range []struct{ href, want string }{
		{"demo-1.0.tar.gz", "https://user:pw@pypi.example/simple/demo/demo-1.0.tar.gz"},
		{"../../packages/a b.whl", "https://user:pw@pypi.example/packages/a%20b.whl"},
		{"/p/x%2fy@v1.0", "https://user:pw@pypi.example/p/x%2Fy@v1.0"},
		{"/p/100%.tar.gz", "https://user:pw@pypi.example/p/100%25.tar.gz"},
		{"/p/%7Efoo%21.whl", "https://user:pw@pypi.example/p/~foo%21.whl"},
		{"/p/é.whl", "https://user:pw@pypi.example/p/%C3%A9.whl"},
		{"  \t/p/x.whl", "https://user:pw@pypi.example/p/x.whl"},
		{"/p/x.whl;params=1", "https://user:pw@pypi.example/p/x.whl;params=1"},
		{"https://other.example/x.whl#sha256=ab", "https://other.example/x.whl#sha256=ab"},
		{"file:///tmp/x y.whl", "file:///tmp/x%20y.whl"},
		// Invalid UTF-8: one U+FFFD per byte that starts no sequence, one for
		// the cut-short "%E2%82", as Python's unquote decodes.
		{"/p/%FF%FF%E2%82.whl", "https://user:pw@pypi.example/p/%EF%BF%BD%EF%BF%BD%EF%BF%BD.whl"},
	} {
		u, err := resolveLink(base, tc.href)
		if err != nil {
			t.Errorf("%q: %v", tc.href, err)
			continue
		}
		if got := u.String(); got != tc.want {
			t.Errorf("%q: %s, want %s", tc.href, got, tc.want)
		}
	}
}

func TestProjectURL(t *testing.T) {
	for _, tc := range []struct{ index, project, want string }{
		{"https://pypi.org/simple/", "Foo.Bar_baz", "https://pypi.org/simple/foo-bar-baz/"},
		{"https://pypi.org/simple", "foo", "https://pypi.org/simple/foo/"},
		{"https://u:p@h/root/+simple", "x", "https://u:p@h/root/+simple/x/"},
	} {
		ix := &Index{URL: tc.index}
		if got := ix.ProjectURL(tc.project); got != tc.want {
			t.Errorf("%s + %s = %s, want %s", tc.index, tc.project, got, tc.want)
		}
	}
	if got := (&Index{URL: "https://u:secret@h/simple/"}).String(); got != "https://u:****@h/simple/" {
		t.Errorf("String() = %q", got)
	}
}

func TestSupportsPython(t *testing.T) {
	files := parseFixture(t, "demo.html", "text/html")
	for _, f := range files {
		switch f.Filename {
		case "demo-1.5.zip":
			if f.SupportsPython(mustVersion(t, "3.3.1")) || !f.SupportsPython(mustVersion(t, "3.11.7")) {
				t.Errorf("%s: %s", f.Filename, f.RequiresPython)
			}
		case "demo-3.0.tar.gz": // invalid: ignored, as pip does
			if !f.SupportsPython(mustVersion(t, "2.7")) {
				t.Errorf("%s: an invalid Requires-Python excludes", f.Filename)
			}
		}
	}
}

func mustVersion(t *testing.T, s string) pep440.Version {
	t.Helper()
	v, err := pep440.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
