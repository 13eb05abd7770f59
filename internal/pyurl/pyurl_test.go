package pyurl

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gopip/gopip/internal/pythontest"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		in   string
		want Parts
		err  string
	}{
		{"", Parts{}, ""},
		{"HTTPS://u:p@H/a;b/c?q=1&r#f#g", Parts{"https", "u:p@H", "/a;b/c", "q=1&r", "f#g"}, ""},
		{"git+https://u@host/repo.git@v1#egg=x", Parts{"git+https", "u@host", "/repo.git@v1", "", "egg=x"}, ""},
		{"  \x00\x1fhttp://h/\ta\r\nb", Parts{"http", "h", "/ab", "", ""}, ""},
		{"file:///tmp/x y", Parts{"file", "", "/tmp/x y", "", ""}, ""},
		{"file:/tmp/x", Parts{"file", "", "/tmp/x", "", ""}, ""},
		{"//h/p", Parts{"", "h", "/p", "", ""}, ""},
		{"h?x#y", Parts{"", "", "h", "x", "y"}, ""},
		{"1http://h", Parts{"", "", "1http://h", "", ""}, ""}, // a scheme starts with a letter
		{"ht_tp://h", Parts{"", "", "ht_tp://h", "", ""}, ""}, // '_' is no scheme character
		{"é:x", Parts{"", "", "é:x", "", ""}, ""},
		{"c:d", Parts{"c", "", "d", "", ""}, ""},
		{"http://h?x", Parts{"http", "h", "", "x", ""}, ""},
		{"http://[::1]:80/p", Parts{"http", "[::1]:80", "/p", "", ""}, ""},
		{"http://[v1.x]/", Parts{"http", "[v1.x]", "/", "", ""}, ""},
		{"http://[fe80::1%eth0]/", Parts{"http", "[fe80::1%eth0]", "/", "", ""}, ""},
		{"http://[::1/p", Parts{"http", "[::1", "/p", "", ""}, "Invalid IPv6 URL"},
		{"http://::1]/p#f", Parts{"http", "::1]", "/p", "", "f"}, "Invalid IPv6 URL"},
		{"http://[1.2.3.4]/", Parts{"http", "[1.2.3.4]", "/", "", ""}, "An IPv4 address cannot be in brackets"},
		{"http://[vz.x]/", Parts{"http", "[vz.x]", "/", "", ""}, "IPvFuture address is invalid"},
		{"http://[host]/", Parts{"http", "[host]", "/", "", ""}, "'host' does not appear to be an IPv4 or IPv6 address"},
	}
	for _, tt := range tests {
		got, err := Split(tt.in)
		if got != tt.want || errText(err) != tt.err {
			t.Errorf("Split(%q) = %+v, %v; want %+v, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestString(t *testing.T) {
	tests := []struct {
		in   Parts
		want string
	}{
		{Parts{}, ""},
		{Parts{"file", "", "/p", "", ""}, "file:///p"},
		{Parts{"file", "", "p", "", ""}, "file:///p"},
		{Parts{"file", "", "//p", "", ""}, "file://p"},
		{Parts{"mailto", "", "a@b", "", ""}, "mailto:a@b"},
		{Parts{"https", "h", "p", "q", "f"}, "https://h/p?q#f"},
		{Parts{"", "h", "", "", ""}, "//h"},
		{Parts{"git+https", "", "/p", "", ""}, "git+https:/p"}, // not in uses_netloc
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestJoin(t *testing.T) {
	for _, tc := range [][3]string{
		{"https://h/a/r.txt", "../b.txt", "https://h/b.txt"},
		{"https://h/a/r.txt", "sub/c.txt", "https://h/a/sub/c.txt"},
		{"https://h/a/r.txt", "/x.txt", "https://h/x.txt"},
		{"https://h/a/r.txt", "https://o/y.txt", "https://o/y.txt"},
		{"https://h/a/r.txt", "//o/y.txt", "https://o/y.txt"},
		{"https://h/a/r.txt?q=1", "?p=2", "https://h/a/r.txt?p=2"},
		{"https://h/a/", "../../../z", "https://h/z"},
		{"https://h/a/r.txt", ".", "https://h/a/"},
		{"file:///d/r.txt", "x.txt", "file:///d/x.txt"},
		{"https://h/a/r.txt", "c:d", "c:d"},
		{"http://h/a/b", ".;p", "http://h/a/;p"}, // ";p" are parameters, "." the segment
		{"http://h/a/b;q", "?x", "http://h/a/b;q?x"},
		{"http://h/a/b;q", "#f", "http://h/a/b;q#f"},
		{"file:", "/a/b", "file:///a/b"},
		{"file:", "//a/b", "file://a/b"},
		{"", "x", "x"},
		{"http://h/", "", "http://h/"},
	} {
		got, err := Join(tc[0], tc[1])
		if err != nil || got != tc[2] {
			t.Errorf("Join(%q, %q) = %q, %v; want %q", tc[0], tc[1], got, err, tc[2])
		}
	}
	if _, err := Join("https://h/", "http://[x/"); err == nil {
		t.Error("Join with an invalid reference succeeded")
	}
}

func TestQuoteUnquote(t *testing.T) {
	checkEach(t, "Quote", Quote, [][2]string{
		{"", ""},
		{"a b/ü", "a%20b/%C3%BC"},
		{"AZaz09_.-~/", "AZaz09_.-~/"},
		{"%@:;?#&=+$,!'()*", "%25%40%3A%3B%3F%23%26%3D%2B%24%2C%21%27%28%29%2A"},
	})
	checkEach(t, "Unquote", Unquote, [][2]string{
		{"", ""},
		{"abc", "abc"},
		{"a%20b/%c3%bc", "a b/ü"},
		{"a%2", "a%2"},
		{"%%41", "%A"},
		{"%zz%", "%zz%"},
		{"%FF%FF", "\uFFFD\uFFFD"},
		{"%E2%82", "\uFFFD"},                // one maximal subpart, one U+FFFD
		{"%F0%9F%98a", "\uFFFDa"},           // likewise
		{"%E2%82%E2%82%AC", "\uFFFD€"},      // a new lead byte ends the subpart
		{"%ED%A0%80", "\uFFFD\uFFFD\uFFFD"}, // surrogates are invalid
		{"%E0%80%80", "\uFFFD\uFFFD\uFFFD"}, // so are overlong forms
		{"%C3é%A9", "\uFFFDé\uFFFD"},        // non-ASCII characters split the runs
		{"%EF%BF%BD", "\uFFFD"},
	})
}

func TestFileURLAndToPath(t *testing.T) {
	checkEach(t, "FileURL", FileURL, [][2]string{
		{"/", "file:///"},
		{"/cwd/a b/ü", "file:///cwd/a%20b/%C3%BC"},
		{"//host/share", "file://host/share"},
		{"/a#b?c;d", "file:///a%23b%3Fc%3Bd"},
	})
	for _, tc := range []struct{ in, want, err string }{
		{"file:///tmp/a%20b", "/tmp/a b", ""},
		{"file://localhost/srv/p", "/srv/p", ""},
		{"file:/x", "/x", ""},
		{"file://other/x", "", "non-local file URIs are not supported on this platform: 'file://other/x'"},
		{"file://[x/y", "", "Invalid IPv6 URL"},
	} {
		got, err := ToPath(tc.in)
		if got != tc.want || errText(err) != tc.err {
			t.Errorf("ToPath(%q) = %q, %v; want %q, %q", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// corpus holds URLs and pieces of URLs for the comparison with Python.
var corpus = []string{
	"", "a", "/", "//", "///", "?", "#", "?#", ":", "a:", "a:b", "1a:b", "a_b:c", "A+b-c.d:e",
	"http://h", "HTTP://H/P", "http://h/", "http://h?", "http://h#", "http://h/?q#f",
	"http://u:p@h:8080/a/b;p;q/c;r?x=1&y#frag#2", "https://h/a%2Fb/%7e/%", "http:/a", "http:a", "http:///a",
	"file:", "file:/", "file:///", "file:///tmp/x y.whl", "file://localhost/p", "file://h/p", "file:x",
	"FILE:///A%20B", "file:////a", "file://[::1]/p",
	"git+https://github.com/a/b.git@v1.0#egg=b&subdirectory=s", "git+ssh://git@github.com/a/b",
	"svn+ssh://h/r", "rtsps://h/p", "mailto:a@b", "tel:+1;x", "sip:a;b",
	" \t http://h/a\tb\nc\r", "\x00\x1fhttp://h", "http://h/é?ü#ß", "//host/p", "///p",
	"http://[::1]/", "http://[::1", "http://::1]/", "http://[1.2.3.4]/", "http://[v1.a]/",
	"http://[vx.a]/", "http://[v1.]/", "http://[fe80::1%25eth0]/", "http://[fe80::1%eth0]/", "http://[]/",
	"http://[::ffff:1.2.3.4]/", "http://[01.2.3.4]/", "http://[::1]x[y]/", "http://a]b[/",
	"a%20b", "%C3%BC", "%c3%bc", "%E2%82", "%E2%82%AC%", "%FF%FE%41", "%F0%9F%98%80", "%F0%9F%98", "%F4%90%80%80",
	"%ED%9F%BF", "%ED%A0%80", "%E0%A0%80", "%E0%9F%BF", "%C2%80", "%C1%BF", "%C3é%A9", "ü%FC", "%2", "%%", "%%41",
	"a b/c?d#e;f@g:h", "~_.-/", "!$&'()*+,=", "\x7f\x01",
	"https://user:secret@h/p", "https://token@h/p", "https://u%40x:p%3Aq@h:1/", "https://ü ser:a:b@c@h/", "https://:@h/",
	"HTTPS://u@H", "git+ssh://git@github.com/a/b#egg=x", "//u:p@h", "https://@h/", "https://u:p@[::1]:8/x",
	".", "..", "./a", "../a", "a/./b/../c", "../../..", "/..", ";p", ".;p", "a;b/c", "?q", "#f",
}

// TestMatchesPython compares every function with urllib.parse and pip's
// utils/urls.py on the corpus, and Join on every pair of it.
func TestMatchesPython(t *testing.T) {
	pythontest.RequirePip(t, "23.2")
	const script = `
import json, sys, urllib.parse
from pip._internal.utils.urls import path_to_url, url_to_path
from pip._internal.utils.misc import redact_auth_from_url

def attempt(f, *args):
    try:
        return [f(*args), ""]
    except (ValueError, AssertionError) as e:
        return [None, str(e)]

corpus = json.load(sys.stdin)
out = {"split": [], "unsplit": [], "join": [], "quote": [], "unquote": [], "path_to_url": [], "url_to_path": [], "redact": []}
for s in corpus:
    r = attempt(urllib.parse.urlsplit, s)
    out["split"].append([list(r[0]) if r[0] is not None else None, r[1]])
    out["unsplit"].append(urllib.parse.urlunsplit(r[0]) if r[0] is not None else None)
    out["quote"].append(urllib.parse.quote(s))
    out["unquote"].append(urllib.parse.unquote(s))
    p = "/" + s.lstrip("/") if not s.startswith("//") or s.startswith("///") else s
    out["path_to_url"].append([p, path_to_url(p)])
    out["url_to_path"].append(attempt(url_to_path, "file:" + s))
    out["redact"].append(attempt(redact_auth_from_url, s))
    out["join"].append([attempt(urllib.parse.urljoin, b, s) for b in corpus])
print(json.dumps(out))
`
	var want struct {
		Split     [][2]any    `json:"split"`
		Unsplit   []*string   `json:"unsplit"`
		Join      [][][2]any  `json:"join"`
		Quote     []string    `json:"quote"`
		Unquote   []string    `json:"unquote"`
		PathToURL [][2]string `json:"path_to_url"`
		URLToPath [][2]any    `json:"url_to_path"`
		Redact    [][2]any    `json:"redact"`
	}
	pythontest.RunJSON(t, script, corpus, &want)
	str := func(v any) string {
		s, _ := v.(string)
		return s
	}
	pair := func(v [2]any) [2]string { return [2]string{str(v[0]), str(v[1])} }
	for i, s := range corpus {
		got, err := Split(s)
		if want.Split[i][0] == nil {
			if err == nil || err.Error() != str(want.Split[i][1]) {
				t.Errorf("Split(%q): error %v, want %q", s, err, want.Split[i][1])
			}
		} else {
			w := want.Split[i][0].([]any)
			if err != nil || got != (Parts{str(w[0]), str(w[1]), str(w[2]), str(w[3]), str(w[4])}) {
				t.Errorf("Split(%q) = %+v, %v; want %q", s, got, err, w)
			}
			if u := got.String(); u != *want.Unsplit[i] {
				t.Errorf("Split(%q).String() = %q, want %q", s, u, *want.Unsplit[i])
			}
		}
		if got := Quote(s); got != want.Quote[i] {
			t.Errorf("Quote(%q) = %q, want %q", s, got, want.Quote[i])
		}
		if got := Unquote(s); got != want.Unquote[i] {
			t.Errorf("Unquote(%q) = %q, want %q", s, got, want.Unquote[i])
		}
		if p, w := want.PathToURL[i][0], want.PathToURL[i][1]; !isNormalAbs(p) {
			// path_to_url normalises first; FileURL takes normal paths.
		} else if got := FileURL(p); got != w {
			t.Errorf("FileURL(%q) = %q, want %q", p, got, w)
		}
		gotPath, err := ToPath("file:" + s)
		if w := pair(want.URLToPath[i]); [2]string{gotPath, errText(err)} != w {
			t.Errorf("ToPath(%q) = %q, %v; want %q", "file:"+s, gotPath, err, w)
		}
		gotRedacted, err := RedactAuth(s)
		if w := pair(want.Redact[i]); [2]string{gotRedacted, errText(err)} != w {
			t.Errorf("RedactAuth(%q) = %q, %v; want %q", s, gotRedacted, err, w)
		}
		if w := pair(want.Redact[i]); w[1] == "" && Redact(s) != w[0] {
			t.Errorf("Redact(%q) = %q, want %q", s, Redact(s), w[0])
		}
		for j, base := range corpus {
			got, err := Join(base, s)
			if w := pair(want.Join[i][j]); [2]string{got, errText(err)} != w {
				t.Errorf("Join(%q, %q) = %q, %v; want %q", base, s, got, err, w)
			}
		}
	}
}

// isNormalAbs reports whether p is absolute and as posixpath.normpath
// leaves it.
func isNormalAbs(p string) bool {
	if len(p) == 0 || p[0] != '/' {
		return false
	}
	rest := p[1:]
	if len(rest) > 0 && rest[0] == '/' {
		rest = rest[1:] // "//" stays
	}
	if rest == "" {
		return true
	}
	for _, seg := range splitSlash(rest) {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

func splitSlash(s string) []string {
	var segs []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '/' {
			segs = append(segs, s[start:i])
			start = i + 1
		}
	}
	return segs
}

func FuzzURL(f *testing.F) {
	for _, s := range corpus {
		f.Add(s, "http://h/a/b")
	}
	f.Fuzz(func(t *testing.T, s, base string) {
		if p, err := Split(s); err == nil {
			// What String joins splits again (Python does not promise the
			// same parts: "//////" has path "////", then netloc ""). A
			// path starting "//" without a netloc is joined as Python's
			// urlunsplit joins it, which then reads it as a netloc: "////["
			// gives "//[", which urlsplit refuses too.
			pythonRoundTrips := p.Netloc != "" || !strings.HasPrefix(p.Path, "//")
			if _, err := Split(p.String()); err != nil && pythonRoundTrips {
				t.Fatalf("Split(%q) splits, Split(%q) fails: %v", s, p.String(), err)
			}
		}
		_, _ = Join(base, s)
		if utf8.ValidString(s) && Unquote(Quote(s)) != s {
			t.Fatalf("Unquote(Quote(%q)) = %q", s, Unquote(Quote(s)))
		}
		if u := Unquote(s); utf8.ValidString(s) && !utf8.ValidString(u) {
			t.Fatalf("Unquote(%q) = %q, not UTF-8", s, u)
		}
	})
}

func TestRedactAuth(t *testing.T) {
	redact := func(url string) string {
		r, err := RedactAuth(url)
		if err != nil {
			return "error: " + err.Error()
		}
		return r
	}
	checkEach(t, "RedactAuth", redact, [][2]string{
		{"https://user:secret@h/p", "https://user:****@h/p"},
		{"https://token@h/p", "https://****@h/p"},
		{"HTTPS://h/p#f", "https://h/p#f"},
		{"https://u%40x:p%3Aq@h:1/", "https://u%40x:****@h:1/"},
		{"https://a@b:c@h/", "https://a%40b:****@h/"},
		{"https://u:p@[x/", "error: Invalid IPv6 URL"},
	})
}

func TestRedact(t *testing.T) {
	checkEach(t, "Redact", Redact, [][2]string{
		{"https://user:pass@example.com/simple/", "https://user:****@example.com/simple/"},
		{"https://token@example.com/simple/", "https://****@example.com/simple/"},
		{"https://example.com/simple/", "https://example.com/simple/"},
		{"https://user:p%40ss@h:8080", "https://user:****@h:8080"},
		{"https://example.com/a@b", "https://example.com/a@b"},
		{"https://u:p@example.com/path?q=a@b#x", "https://u:****@example.com/path?q=a@b#x"},
		{"not a url", "not a url"},
		{"./dir", "./dir"},
		// pip raises ValueError; the message still gets a URL, redacted.
		{"https://u:p@[x/", "https://u:****@[x/"},
		{"https://tok@[x/", "https://****@[x/"},
	})
}

// checkEach compares f(in) with want for each {in, want}.
func checkEach(t *testing.T, name string, f func(string) string, cases [][2]string) {
	t.Helper()
	for _, tc := range cases {
		if got := f(tc[0]); got != tc[1] {
			t.Errorf("%s(%q) = %q, want %q", name, tc[0], got, tc[1])
		}
	}
}
