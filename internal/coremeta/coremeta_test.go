package coremeta

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/gopip/gopip/internal/pystr"
	"github.com/gopip/gopip/internal/pythontest"
)

func TestParse(t *testing.T) {
	data := "Metadata-Version: 2.1\r\nName: demo\nVersion: 1.0\nSummary:  A demo\nRequires-Dist: a\nRequires-Dist: b ; extra == 'x'\nLicense: line one\n        line two\n\nLong text\nmore\n"
	m, err := Parse([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if m.Name() != "demo" || m.Version() != "1.0" || m.Get("summary") != "A demo" {
		t.Errorf("got name %q version %q summary %q", m.Name(), m.Version(), m.Get("summary"))
	}
	if got := m.GetAll("Requires-Dist"); !reflect.DeepEqual(got, []string{"a", "b ; extra == 'x'"}) {
		t.Errorf("Requires-Dist = %q", got)
	}
	// importlib.metadata's adapter dedents multi-line values.
	if got := m.Get("License"); got != "line one\nline two" {
		t.Errorf("License = %q", got)
	}
	if m.Body != "Long text\nmore\n" {
		t.Errorf("Body = %q", m.Body)
	}
	if m.Has("Home-page") || !m.Has("LICENSE") {
		t.Error("Has is wrong")
	}
}

// TestParseAcceptsText pins what Python's feed parser makes of lines that
// are no "Name: value" field: it never fails on text, so neither does
// Parse (the same inputs are in metadataCorpus, compared with Python).
func TestParseAcceptsText(t *testing.T) {
	for _, tc := range []struct {
		in     string
		fields []Field
		body   string
	}{
		{" leading continuation\n", nil, ""},
		{"no colon here\n", nil, "no colon here\n"},
		{"Bad Name: x\n", nil, "Bad Name: x\n"},
		{"Name: a\nBad Name: x\nVersion: 1\n", []Field{{"Name", "a"}}, "Bad Name: x\nVersion: 1\n"},
		{"\ufeffName: bom\n", nil, "\ufeffName: bom\n"},
	} {
		m, err := Parse([]byte(tc.in))
		if err != nil || !reflect.DeepEqual(m.Fields, tc.fields) || m.Body != tc.body {
			t.Errorf("Parse(%q) = %+v, %v; want fields %+v, body %q", tc.in, m, err, tc.fields, tc.body)
		}
	}
}

// TestParseErrors: bytes that are not UTF-8 are the one error, with
// Python's UnicodeDecodeError message, as pip fails on them.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ in, err string }{
		{"Name: a\xff\n", "'utf-8' codec can't decode byte 0xff in position 7: invalid start byte"},
		{"Name: \xe2\x82", "'utf-8' codec can't decode bytes in position 6-7: unexpected end of data"},
		{"Name: \xed\xa0\x80\n", "'utf-8' codec can't decode byte 0xed in position 6: invalid continuation byte"},
	} {
		_, err := Parse([]byte(tc.in))
		var de *pystr.DecodeError
		if err == nil || err.Error() != tc.err || !errors.As(err, &de) {
			t.Errorf("Parse(%q): error %v, want %q", tc.in, err, tc.err)
		}
	}
}

var metadataCorpus = []string{
	"Metadata-Version: 2.1\nName: a\nVersion: 1.0\n",
	"Name: a\nSummary: trailing blanks  \t\nLicense: MIT\n        \n        Copyright\n          indented more\n\nbody\n",
	"Name: a\r\nSummary: crlf\r\n\r\nbody",
	"Name: a\rSummary: lone cr\r",
	"\ufeffName: bom\n",
	"From someone\nName: a\n",
	"Name: a\nFrom misplaced\nVersion: 1\n",
	"Name: a\nVersion: 1\nFrom last\n",
	"Name: a\nnot a header line\nVersion: 1\n",
	"Name: a\nBad Header: x\nVersion: 1\n",
	" continuation first\nName: a\n",
	":no name\nName: a\n",
	"Name:\nVersion:   \nSummary:x\n",
	"Name: a\nName: b\nClassifier: x\nClassifier: y\n",
	"Name: ünïcode ☃\nAuthor: 山田\n",
	"Name: a\nDescription: line one\n\tline two\n\t\n\tline four\n",
	"Name: a\nKeywords: a\n b\n  c\n",
	"",
	"\n\nName: after blank\n",
	"Name: a\x0bb\nVersion: 1\x0c2\n",
	"Name: a\nSummary: x\u2028y\n",
	"Name: a\nX-Weird-Chars!#$%: ok\n",
	// TestParse's and TestParseAcceptsText's inputs.
	"Metadata-Version: 2.1\r\nName: demo\nVersion: 1.0\nSummary:  A demo\nRequires-Dist: a\nRequires-Dist: b ; extra == 'x'\nLicense: line one\n        line two\n\nLong text\nmore\n",
	" leading continuation\n", "no colon here\n", "Bad Name: x\n", "Name: a\nBad Name: x\nVersion: 1\n",
}

// pythonScript parses each text as importlib.metadata does for pip and
// prints the adapter's headers, which include the body as a Description.
const pythonScript = `
import email, json, sys
from importlib.metadata import _adapters
out = []
for text in json.load(sys.stdin):
    # importlib.metadata reads files in text mode: universal newlines.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    m = _adapters.Message(email.message_from_string(text))
    out.append([[k, v] for k, v in m._headers])
print(json.dumps(out))
`

// compareWithPython parses every text with Parse and with Python.
func compareWithPython(t *testing.T, corpus []string) {
	t.Helper()
	var want [][][2]string
	pythontest.RequirePip(t, "23.2")
	pythontest.RunJSON(t, pythonScript, corpus, &want)
	failures := 0
	for i, text := range corpus {
		m, err := Parse([]byte(text))
		if err != nil {
			t.Errorf("Parse(%q): %v", text, err)
			continue
		}
		var got [][2]string
		for _, f := range m.Fields {
			got = append(got, [2]string{f.Name, f.Value})
		}
		// The adapter appends the body as a Description field.
		if m.Body != "" {
			got = append(got, [2]string{"Description", m.Body})
		}
		if !equalPairs(got, want[i]) {
			t.Errorf("metadata %q:\n got %q\nwant %q", text, got, want[i])
			if failures++; failures > 20 {
				t.Fatal("too many differences")
			}
		}
	}
}

func TestParseMatchesPython(t *testing.T) {
	compareWithPython(t, metadataCorpus)
}

// TestParseRandomMatchesPython compares Parse with Python on random texts
// made of the pieces metadata files are made of, and of broken ones.
func TestParseRandomMatchesPython(t *testing.T) {
	pieces := []string{
		"Name: a", "Version: 1.0", "Requires-Dist: b ; extra == 'x'", "Summary:", "Summary:  x  ", "License: MIT",
		"Bad Name: x", ":x", "x", "From a", "From ", "From:", "\ufeff", "é", "\x00", "\x0b", "\u2028", "\u0085",
		"\n", "\n", "\n", "\r\n", "\r", " ", "\t", "        ", "  c", "\tc", " \t ", "a:b", "X-!#$%&'*+-.^_`|~:y",
	}
	r := rand.New(rand.NewPCG(5, 6))
	var corpus []string
	for range 2000 {
		var b strings.Builder
		for n := r.IntN(12); n > 0; n-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		corpus = append(corpus, b.String())
	}
	compareWithPython(t, corpus)
}

func equalPairs(a, b [][2]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("Name: a\nVersion: 1\n\nbody"))
	f.Add([]byte("Name: a\n continued\n"))
	for _, s := range metadataCorpus {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		for _, fl := range m.Fields {
			if fl.Name == "" || strings.ContainsAny(fl.Name, ": \t\n") {
				t.Fatalf("bad field name %q from %q", fl.Name, data)
			}
		}
	})
}
