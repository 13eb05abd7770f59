package publish

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/gopip/gopip/resolver/index"
)

// pipParse reads a project page with pip 23.2's own parser (the index
// collector for both formats, pip's Link for each file) and prints what
// pip knows about every link.
const pipParse = `
import json, sys
from pip._internal.index.collector import IndexContent, parse_links
url = sys.argv[1]
out = {}
for ctype, path in (("text/html", sys.argv[2]), ("application/vnd.pypi.simple.v1+json", sys.argv[3])):
    with open(path, "rb") as f:
        page = IndexContent(f.read(), ctype, "utf-8", url, cache_link_parsing=False)
    links = []
    for link in parse_links(page):
        md = link.metadata_file_data
        links.append({
            "filename": link.filename,
            "url": link.url_without_fragment,
            "hashes": link._hashes,
            "requires_python": link.requires_python,
            "yanked": link.is_yanked,
            "yanked_reason": link.yanked_reason,
            "metadata": None if md is None else md.hashes,
            "metadata_url": None if md is None else link.metadata_link().url_without_fragment,
        })
    out[ctype] = links
json.dump(out, sys.stdout)
`

type pipLink struct {
	Filename       string            `json:"filename"`
	URL            string            `json:"url"`
	Hashes         map[string]string `json:"hashes"`
	RequiresPython string            `json:"requires_python"`
	Yanked         bool              `json:"yanked"`
	YankedReason   *string           `json:"yanked_reason"`
	Metadata       map[string]string `json:"metadata"`
	MetadataURL    *string           `json:"metadata_url"`
}

// TestPagesWithPip: pip 23.2 reads every link of both page formats with
// the right URL, sha256, Requires-Python, yanked state and reason, and
// PEP 658 metadata hash, and reads the same from HTML as from JSON.
func TestPagesWithPip(t *testing.T) {
	python := pipPython(t)
	f := newFixture(t, InitOptions{BinBits: 1})
	f.add(
		f.wheel("Odd_Name", "1.0", "Requires-Python: >=3.8, <4"),
		f.wheel("Odd_Name", "1.0+local.1", `Requires-Python: !=3.0.*,>"3"`),
		f.wheel("Odd_Name", "2.0"),
		f.sdist("odd-name", "1.0", "Requires-Python: >=3.6"),
		f.sdist("odd-name", "0.9"),
	)
	if _, err := f.repo.Yank(t.Context(), "Odd_Name-2.0-py3-none-any.whl", `"broken" <build> & more`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.repo.Yank(t.Context(), "odd-name-0.9.tar.gz", ""); err != nil {
		t.Fatal(err)
	}
	page, err := parseProjectJSON(f.read("simple/odd-name/index.json"))
	if err != nil {
		t.Fatal(err)
	}
	const pageURL = "https://example.test/pypi/simple/odd-name/"
	out, err := exec.Command(python, "-c", pipParse, pageURL,
		f.dir+"/simple/odd-name/index.html", f.dir+"/simple/odd-name/index.json").Output()
	if err != nil {
		t.Fatalf("pip: %v", err)
	}
	var got map[string][]pipLink
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	html, js := got["text/html"], got["application/vnd.pypi.simple.v1+json"]
	if len(html) != len(page.Files) || len(js) != len(page.Files) {
		t.Fatalf("pip read %d HTML and %d JSON links, want %d", len(html), len(js), len(page.Files))
	}
	for i, pf := range page.Files {
		wantURL := "https://example.test/pypi/packages/" + strings.ReplaceAll(pf.Filename, "+", "%2B")
		for format, l := range map[string]pipLink{"HTML": html[i], "JSON": js[i]} {
			where := format + " " + pf.Filename
			if l.Filename != pf.Filename && l.Filename != strings.ReplaceAll(pf.Filename, "+", "%2B") {
				t.Errorf("%s: pip's filename %q", where, l.Filename)
			}
			if l.URL != wantURL && l.URL != strings.ReplaceAll(wantURL, "%2B", "+") {
				t.Errorf("%s: URL %q, want %q", where, l.URL, wantURL)
			}
			if sum := hex.EncodeToString(sha(f.read("packages/" + pf.Filename))); l.Hashes["sha256"] != sum || len(l.Hashes) != 1 {
				t.Errorf("%s: hashes %v, want sha256 %s", where, l.Hashes, sum)
			}
			if l.RequiresPython != pf.RequiresPython {
				t.Errorf("%s: requires-python %q, want %q", where, l.RequiresPython, pf.RequiresPython)
			}
			if l.Yanked != pf.Yanked || pf.Yanked && (l.YankedReason == nil || *l.YankedReason != pf.YankedReason) {
				t.Errorf("%s: yanked %v %v, want %v %q", where, l.Yanked, l.YankedReason, pf.Yanked, pf.YankedReason)
			}
			isWheel := strings.HasSuffix(pf.Filename, ".whl")
			if !isWheel {
				if l.Metadata != nil {
					t.Errorf("%s: an sdist with PEP 658 metadata %v", where, l.Metadata)
				}
				continue
			}
			md := f.read("packages/" + pf.Filename + ".metadata")
			if l.Metadata["sha256"] != hex.EncodeToString(sha(md)) {
				t.Errorf("%s: metadata hash %v", where, l.Metadata)
			}
			if l.MetadataURL == nil || (*l.MetadataURL != wantURL+".metadata" && *l.MetadataURL != strings.ReplaceAll(wantURL, "%2B", "+")+".metadata") {
				t.Errorf("%s: metadata URL %v", where, l.MetadataURL)
			}
		}
		hj, _ := json.Marshal(html[i])
		jj, _ := json.Marshal(js[i])
		if !bytes.Equal(hj, jj) {
			t.Errorf("pip reads %s differently from HTML and JSON:\n%s\n%s", pf.Filename, hj, jj)
		}
	}
	// The expected attributes are there (and escaped) in the HTML.
	h := string(f.read("simple/odd-name/index.html"))
	for _, want := range []string{
		`data-yanked="&#34;broken&#34; &lt;build&gt; &amp; more"`,
		`data-requires-python="&gt;=3.8, &lt;4"`,
		`data-dist-info-metadata="sha256=`,
		`data-core-metadata="sha256=`,
		`<meta name="pypi:repository-version" content="1.1">`,
	} {
		if !strings.Contains(h, want) {
			t.Errorf("the HTML page lacks %s", want)
		}
	}
}

// TestPagesWithIndexParser: gopip's own simple-API client (resolver/index)
// reads both page formats as they were meant, like pip does.
func TestPagesWithIndexParser(t *testing.T) {
	f := newFixture(t, InitOptions{BinBits: 1})
	f.add(f.wheel("demo", "1.0", "Requires-Python: >=3.8, <4"), f.wheel("demo", "1.0+local"), f.sdist("demo", "1.0"))
	if _, err := f.repo.Yank(t.Context(), "demo-1.0.tar.gz", "<why>"); err != nil {
		t.Fatal(err)
	}
	page, err := parseProjectJSON(f.read("simple/demo/index.json"))
	if err != nil {
		t.Fatal(err)
	}
	const pageURL = "https://example.test/simple/demo/"
	fromHTML, err := index.ParseHTML(f.read("simple/demo/index.html"), "text/html", pageURL)
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := index.ParseJSON(f.read("simple/demo/index.json"), pageURL)
	if err != nil {
		t.Fatal(err)
	}
	for format, files := range map[string][]index.File{"HTML": fromHTML, "JSON": fromJSON} {
		if len(files) != len(page.Files) {
			t.Fatalf("%s: %d files, want %d", format, len(files), len(page.Files))
		}
		for i, got := range files {
			want := page.Files[i]
			md := ""
			if got.Metadata != nil {
				md = got.Metadata.Hashes["sha256"]
			}
			if got.Filename != want.Filename || got.Hashes["sha256"] != want.SHA256 || got.RequiresPython != want.RequiresPython ||
				got.Yanked != want.Yanked || got.YankedReason != want.YankedReason || md != want.MetadataSHA256 ||
				!strings.HasPrefix(got.URL, "https://example.test/packages/demo-1.0") {
				t.Errorf("%s: read %+v\nwant %+v", format, got, want)
			}
			if format == "JSON" && got.Size != want.Size {
				t.Errorf("JSON: size %d, want %d", got.Size, want.Size)
			}
		}
	}
}
