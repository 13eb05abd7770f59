package scripts

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gopip/gopip/internal/pystr"
)

func FuzzParseEntryPoints(f *testing.F) {
	for _, seed := range []string{
		"", "[console_scripts]\nfoo = foo.cli:main\n", "[s]\nno equals\n", "\ufeff[s]\nx = y\n",
		"[s]\r\na = m:f [x, y]\r\n; c = d\n", "[s]\u2028x\u3000=\x1cy", "[[]]\n= \n", "[s]\nx = m:a:b\n",
	} {
		f.Add([]byte(seed))
	}
	target := Target{Python: "/usr/bin/python3", OS: "linux", Major: 3, Minor: 11}
	f.Fuzz(func(t *testing.T, data []byte) {
		eps, err := ParseEntryPoints(data)
		if err != nil {
			if eps != nil {
				t.Fatal("entry points returned with an error")
			}
			return
		}
		if !utf8.Valid(data) {
			t.Fatal("invalid UTF-8 accepted")
		}
		for _, ep := range eps {
			for _, s := range []string{ep.Group, ep.Name, ep.Value} {
				if strings.ContainsAny(s, "\n\r\v\f\x1c\x1d\x1e\u0085\u2028\u2029") {
					t.Fatalf("line break inside %q", s)
				}
			}
			if ep.Name != pystr.Strip(ep.Name) || ep.Value != pystr.Strip(ep.Value) {
				t.Fatalf("not stripped: %q = %q", ep.Name, ep.Value)
			}
			if ep.Line < 1 {
				t.Fatalf("line %d", ep.Line)
			}
			if strings.Contains(ep.Name, "=") {
				t.Fatalf("name %q holds the delimiter", ep.Name)
			}
		}
		// Whatever the entry points, generating launchers must not panic,
		// and every launcher must have a file name, not a path.
		list, err := target.Scripts(eps)
		if err != nil {
			return
		}
		for _, s := range list {
			if s.Name == "" || s.Name == "." || s.Name == ".." || strings.ContainsAny(s.Name, "/\x00") {
				t.Fatalf("unsafe script name %q", s.Name)
			}
			if !bytes.HasPrefix(s.Data, []byte("#!/usr/bin/python3\n# -*- coding: utf-8 -*-\n")) {
				t.Fatalf("launcher %q:\n%s", s.Name, s.Data)
			}
		}
	})
}

func FuzzRewriteShebang(f *testing.F) {
	for _, seed := range []string{
		"#!python\nx\n", "#!pythonw -u\r\nx", "#!python", "#!/usr/bin/python\n", "", "\x00\xff", "#!pytho",
	} {
		f.Add([]byte(seed), "/usr/bin/python3")
	}
	f.Fuzz(func(t *testing.T, content []byte, python string) {
		in := bytes.Clone(content)
		out, changed := RewriteShebang(content, python)
		if !bytes.Equal(content, in) {
			t.Fatal("input modified")
		}
		if !changed {
			if !bytes.Equal(out, content) {
				t.Fatal("unchanged content differs")
			}
			if bytes.HasPrefix(content, []byte("#!python")) {
				t.Fatal("#!python not rewritten")
			}
			return
		}
		head := "#!" + python + "\n"
		if !bytes.HasPrefix(out, []byte(head)) {
			t.Fatalf("output %q does not start with %q", out, head)
		}
		_, rest, _ := bytes.Cut(content, []byte("\n"))
		if !bytes.Equal(out[len(head):], rest) {
			t.Fatalf("rest of file changed: %q -> %q", rest, out[len(head):])
		}
	})
}

func FuzzLauncher(f *testing.F) {
	for _, seed := range [][2]string{
		{"foo", "foo.cli:main"}, {"a b", "m:f [x]"}, {"x", "m:f [a, b-c]"}, {"..", "m:f"}, {"", ":f"},
	} {
		f.Add(seed[0], seed[1], "/usr/bin/python3")
	}
	f.Fuzz(func(t *testing.T, name, value, python string) {
		data, err := Target{Python: python, OS: "linux"}.Launcher(EntryPoint{Name: name, Value: value})
		if err != nil {
			return
		}
		if !utf8.ValidString(python) || !bytes.HasPrefix(data, []byte("#!")) {
			t.Fatalf("launcher for %q:\n%q", python, data)
		}
	})
}
