package scripts

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseEntryPoints(t *testing.T) {
	type ep struct{ group, name, value string }
	tests := []struct {
		name string
		in   string
		want []ep
	}{
		{"empty", "", nil},
		{"basic", "[console_scripts]\nfoo = foo.cli:main\n",
			[]ep{{"console_scripts", "foo", "foo.cli:main"}}},
		{"sections and comments",
			"# top comment\n[console_scripts]\n# c\nfoo=a:b\n\n  bar  =  c.d:e.f [x, y]  \n[gui_scripts]\ng = h:i\n",
			[]ep{{"console_scripts", "foo", "a:b"}, {"console_scripts", "bar", "c.d:e.f [x, y]"}, {"gui_scripts", "g", "h:i"}}},
		{"lines before any section are ignored, even without =", "junk\nfoo = a:b\n[s]\nx = y\n",
			[]ep{{"s", "x", "y"}}},
		{"split at the first =", "[s]\na = b = c\n", []ep{{"s", "a", "b = c"}}},
		{"colon is not a delimiter", "[s]\na: b = c:d\n", []ep{{"s", "a: b", "c:d"}}},
		{"semicolon line with = is an entry", "[s]\n; a = b\n", []ep{{"s", "; a", "b"}}},
		{"empty value and empty name", "[s]\na =\n= b\n", []ep{{"s", "a", ""}, {"s", "", "b"}}},
		{"case-sensitive and duplicates kept", "[S]\nFoo = a:b\nfoo = c:d\nFoo = e:f\n",
			[]ep{{"S", "Foo", "a:b"}, {"S", "foo", "c:d"}, {"S", "Foo", "e:f"}}},
		{"section name loses every bracket", "[[a]]]\nx = y\n[]\nz = w\n", []ep{{"a", "x", "y"}, {"", "z", "w"}}},
		{"indented header", "  [s]  \nx = y\n", []ep{{"s", "x", "y"}}},
		{"CRLF and CR", "[s]\r\nx = y\r\rz = w", []ep{{"s", "x", "y"}, {"s", "z", "w"}}},
		{"unicode line breaks", "[s]\u2028x = y\x1cz = w\u0085v = u", []ep{{"s", "x", "y"}, {"s", "z", "w"}, {"s", "v", "u"}}},
		{"unicode white space is stripped", "[s]\n\u3000x\u00a0=\x1fy\u2009\n", []ep{{"s", "x", "y"}}},
		{"BOM hides the first header", "\ufeff[s]\nx = y\n[t]\nz = w\n", []ep{{"t", "z", "w"}}},
		{"hash after text is not a comment", "[s]\nx = y # z\n", []ep{{"s", "x", "y # z"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEntryPoints([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			var g []ep
			for _, e := range got {
				g = append(g, ep{e.Group, e.Name, e.Value})
			}
			if !reflect.DeepEqual(g, tt.want) {
				t.Errorf("got %q\nwant %q", g, tt.want)
			}
		})
	}
}

func TestParseEntryPointsParts(t *testing.T) {
	tests := []struct {
		value, module, attr string
		extras              []string
	}{
		{"a.b:c", "a.b", "c", nil},
		{"a.b : c.d", "a.b", "c.d", nil},
		{"a.b:c [x, y-z]", "a.b", "c", []string{"x", "y", "z"}},
		{"a.b", "a.b", "", nil},
		{"a.b[x]", "a.b", "", []string{"x"}},
		{"a-b:c", "", "", nil},
		{"a:b:c", "", "", nil},
		{"é.ü:ß", "é.ü", "ß", nil},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			eps, err := ParseEntryPoints([]byte("[g]\nn = " + tt.value))
			if err != nil {
				t.Fatal(err)
			}
			e := eps[0]
			if e.Module != tt.module || e.Attr != tt.attr || !reflect.DeepEqual(e.Extras, tt.extras) {
				t.Errorf("got %q %q %q, want %q %q %q", e.Module, e.Attr, e.Extras, tt.module, tt.attr, tt.extras)
			}
			if e.Line != 2 {
				t.Errorf("Line = %d, want 2", e.Line)
			}
		})
	}
}

func TestParseEntryPointsErrors(t *testing.T) {
	tests := []struct {
		name, in string
		line     int
		msg      string
	}{
		{"no equals", "[console_scripts]\nfoo = a:b\nbar a:b\n", 3, `entry_points.txt line 3: missing "=" (want "name = module:attr"): "bar a:b"`},
		{"semicolon comment", "[s]\n; comment\n", 2, `line 2`},
		{"colon delimiter", "[s]\nfoo: a:b\n", 2, `"foo: a:b"`},
		{"unclosed header", "[s]\n[t\n", 2, `"[t"`},
		{"line numbers count CR", "[s]\rx\n", 2, `line 2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseEntryPoints([]byte(tt.in))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *SyntaxError", err)
			}
			if se.Line != tt.line || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %v (line %d), want line %d and %q", err, se.Line, tt.line, tt.msg)
			}
		})
	}
	t.Run("invalid UTF-8", func(t *testing.T) {
		_, err := ParseEntryPoints([]byte("[s]\nx = \xff\n"))
		if err == nil || !strings.Contains(err.Error(), "byte 8") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestSelectGroups(t *testing.T) {
	eps, err := ParseEntryPoints([]byte(`[console_scripts]
b = m:b1
a = m:a
b = m:b2
[gui_scripts]
b = m:g
[other]
c = m:c
[console_scripts]
c = m:c
`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ep := range ConsoleScripts(eps) {
		got = append(got, ep.Name+"="+ep.Value)
	}
	want := []string{"b=m:b2", "a=m:a", "c=m:c"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ConsoleScripts = %q, want %q", got, want)
	}
	if g := GUIScripts(eps); len(g) != 1 || g[0].Value != "m:g" {
		t.Errorf("GUIScripts = %+v", g)
	}
}
