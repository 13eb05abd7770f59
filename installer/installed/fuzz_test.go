package installed

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func FuzzParseDirectURL(f *testing.F) {
	for _, s := range directURLCorpus {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		u, err := ParseDirectURL(data)
		if err != nil {
			return
		}
		// What JSON writes reads back: the redacted URL, and everything
		// else unchanged. Redacting again may change the URL once more,
		// as pip's does: it redacts "a@b@host" one "@" at a time, and
		// urlunsplit(urlsplit("////")) is "//", whose is "".
		out := u.JSON()
		u2, err := ParseDirectURL(out)
		if err != nil {
			t.Fatalf("JSON() = %s does not parse: %v", out, err)
		}
		if u2.URL != u.RedactedURL() {
			t.Fatalf("JSON() = %s reads back the URL %q, want %q", out, u2.URL, u.RedactedURL())
		}
		a, b := *u, *u2
		a.URL, b.URL = "x", "x"
		if outA, outB := a.JSON(), b.JSON(); !bytes.Equal(outA, outB) {
			t.Fatalf("round trip changed JSON:\n%s\n%s", outA, outB)
		}
		_ = u.FreezeRequirement("x")
		_, _ = FileURLToPath(u.URL)
	})
}

func FuzzSplitRequirement(f *testing.F) {
	for _, s := range []string{"a", "a[b] (>=1) ; python_version < '3'", "a @ https://x/y.whl ; os_name=='nt'", "-x", "a;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, _, err := SplitRequirement(s)
		if err == nil && name == "" {
			t.Fatalf("%q: no name and no error", s)
		}
	})
}

func FuzzRecordFirstColumns(f *testing.F) {
	f.Add("a.py,sha256=x,1\r\n\"b,c\",,\n\"open\nquote\",,\n")
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range recordFirstColumns(s) {
			_ = purePath(p)
		}
	})
}

func FuzzRequiresTxt(f *testing.F) {
	f.Add("one\n[extra1]\ntwo>=1\n[:sys_platform=='linux']\nthree\n")
	f.Fuzz(func(t *testing.T, s string) {
		dir := t.TempDir()
		write(t, dir, map[string]string{"x-1.egg-info/PKG-INFO": "Name: x\nVersion: 1\n", "x-1.egg-info/requires.txt": s})
		d, _ := Find([]string{dir}, "x")
		if d == nil {
			t.Fatal("x not found")
		}
		// Any text parses or is refused with an error naming the file
		// (bytes that are not UTF-8, which importlib.metadata cannot
		// read either).
		if _, err := d.Dependencies(func() (map[string]string, error) { return linuxEnv, nil }); err != nil && !strings.Contains(err.Error(), "requires.txt") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}

func errorsIsNoRecord(err error) bool { return errors.Is(err, ErrNoRecord) }
