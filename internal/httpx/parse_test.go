package httpx

import (
	"net/http"
	"net/url"
	"testing"
)

func TestParseNetrc(t *testing.T) {
	n := parseNetrc(`
# comment
machine a.example login alice password "pa ss\"word"
machine B.example
	login bob
	password b1
	account ignored
macdef init
cd /pub
get file

machine c.example login carol password c1
machine a.example login alice2 password later
default login anon password guest
`)
	want := map[string]netrcEntry{
		"a.example": {"alice2", "later"},
		"b.example": {"bob", "b1"},
		"c.example": {"carol", "c1"},
	}
	if len(n.machines) != len(want) {
		t.Fatalf("machines %v", n.machines)
	}
	for k, v := range want {
		if n.machines[k] != v {
			t.Errorf("%s = %+v, want %+v", k, n.machines[k], v)
		}
	}
	if n.def == nil || *n.def != (netrcEntry{"anon", "guest"}) {
		t.Errorf("default = %+v", n.def)
	}
	if e := parseNetrc(`machine q login x password "a b\" c"`).machines["q"]; e.password != `a b" c` {
		t.Errorf("quoted password %q", e.password)
	}
}

func TestNoProxy(t *testing.T) {
	e := envProxy{https: "http://proxy:3128", noProxy: "internal.example, .corp.example,10.0.0.0/8,192.168.1.5,svc:8443"}
	tests := []struct {
		url   string
		proxy bool
	}{
		{"https://pypi.org/simple/", true},
		{"https://internal.example/", false},
		{"https://a.internal.example/", false},
		{"https://notinternal.example/", true},
		{"https://x.corp.example/", false},
		{"https://10.1.2.3/", false},
		{"https://11.1.2.3/", true},
		{"https://192.168.1.5/", false},
		{"https://svc:8443/", false},
		{"https://svc/", true},
		{"https://localhost:8080/", false},
		{"https://127.0.0.1/", false},
		{"https://[::1]/", false},
		{"http://pypi.org/", false}, // no http proxy and no all_proxy
	}
	for _, tt := range tests {
		u, _ := url.Parse(tt.url)
		p, err := e.proxy(&http.Request{URL: u})
		if err != nil {
			t.Fatal(err)
		}
		if (p != nil) != tt.proxy {
			t.Errorf("%s: proxy %v, want %v", tt.url, p, tt.proxy)
		}
	}
	if p, _ := (envProxy{all: "socks5://s:1080", noProxy: "*"}).proxy(&http.Request{URL: &url.URL{Scheme: "https", Host: "x"}}); p != nil {
		t.Errorf("no_proxy=* still proxied")
	}
}

func TestTrustedHostMatching(t *testing.T) {
	tests := []struct {
		entry, url string
		want       bool
	}{
		{"pypi.example", "http://pypi.example/simple/", true},
		{"pypi.example", "http://pypi.example:8080/simple/", true},
		{"PyPI.example", "https://pypi.example/", true},
		{"pypi.example:8080", "http://pypi.example:8080/", true},
		{"pypi.example:8080", "http://pypi.example/", false},
		{"pypi.example:443", "https://pypi.example/", true},
		{"http://pypi.example:8080/", "http://pypi.example:8080/", true},
		{"[::1]:9000", "http://[::1]:9000/", true},
		{"10.0.0.0/8", "http://10.2.3.4:3141/", true},
		{"10.0.0.0/8", "http://11.2.3.4/", false},
		{"other.example", "http://pypi.example/", false},
	}
	for _, tt := range tests {
		th, err := parseTrustedHost(tt.entry)
		if err != nil {
			t.Fatalf("%s: %v", tt.entry, err)
		}
		c := &Client{trusted: []trustedHost{th}}
		u, _ := url.Parse(tt.url)
		if got := c.isTrusted(u); got != tt.want {
			t.Errorf("entry %q, %s: %v, want %v", tt.entry, tt.url, got, tt.want)
		}
	}
	for _, bad := range []string{"", "host:notaport", ":80"} {
		if _, err := parseTrustedHost(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestContentRange(t *testing.T) {
	tests := []struct {
		h                 string
		first, last, size int64
		ok                bool
	}{
		{"bytes 0-9/100", 0, 9, 100, true},
		{"bytes 90-99/*", 90, 99, -1, true},
		{"bytes 9-0/100", 0, 0, 0, false},
		{"bytes 0-100/100", 0, 0, 0, false},
		{"items 0-1/2", 0, 0, 0, false},
		{"", 0, 0, 0, false},
	}
	for _, tt := range tests {
		f, l, s, err := ContentRange(&http.Response{Header: http.Header{"Content-Range": {tt.h}}})
		if (err == nil) != tt.ok || (tt.ok && (f != tt.first || l != tt.last || s != tt.size)) {
			t.Errorf("%q: %d %d %d %v", tt.h, f, l, s, err)
		}
	}
}
