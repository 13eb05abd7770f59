package pystr

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gopip/gopip/internal/pythontest"
)

// The tests in this file compare the package with the machine's python3.

// codePointOracle reports, for every code point, the classes Python puts it
// in, which characters repr() escapes (with the escapes at the ends of each
// run) and json.dumps of the code points block by block (as SHA-256 sums,
// to keep the answer small).
const codePointOracle = `
import hashlib, json, re, sys, unicodedata

def add(runs, cp):
    if runs and runs[-1][1] == cp - 1:
        runs[-1][1] = cp
    else:
        runs.append([cp, cp])

classes = {name: [] for name in ("isspace", "\\s", "\\w", "\\d", "splitlines")}
res = {"\\s": re.compile(r"\s"), "\\w": re.compile(r"\w"), "\\d": re.compile(r"\d")}
unassigned, escaped, blocks, block = [], [], [], []
for cp in range(0x110000):
    if cp and cp % 0x1000 == 0:
        blocks.append(hashlib.sha256(json.dumps("".join(block)).encode()).hexdigest())
        block = []
    if 0xD800 <= cp <= 0xDFFF:
        continue
    c = chr(cp)
    block.append(c)
    if unicodedata.category(c) == "Cn":
        add(unassigned, cp)
    if c.isspace():
        add(classes["isspace"], cp)
    for name, r in res.items():
        if r.match(c):
            add(classes[name], cp)
    if len(("a" + c + "b").splitlines()) == 2:
        add(classes["splitlines"], cp)
    if repr(c) != "'" + c + "'":
        if escaped and escaped[-1]["last"] == cp - 1:
            escaped[-1]["last"], escaped[-1]["last_repr"] = cp, repr(c)
        else:
            escaped.append({"first": cp, "last": cp, "first_repr": repr(c), "last_repr": repr(c)})
blocks.append(hashlib.sha256(json.dumps("".join(block)).encode()).hexdigest())
json.dump({"unidata": unicodedata.unidata_version, "unassigned": unassigned, "classes": classes,
           "escaped": escaped, "json_blocks": blocks}, sys.stdout)
`

// runs are inclusive code point ranges.
type runs [][2]rune

func (rs runs) set() []bool {
	in := make([]bool, utf8.MaxRune+1)
	for _, r := range rs {
		for c := r[0]; c <= r[1]; c++ {
			in[c] = true
		}
	}
	return in
}

func isSurrogate(r rune) bool { return r >= 0xd800 && r <= 0xdfff }

// TestEveryCodePointMatchesPython checks each function on every code point
// (surrogates aside, which Go strings cannot hold). Python's Unicode tables
// may be older than Go's; code points Python considers unassigned (Cn) may
// differ and are only counted.
func TestEveryCodePointMatchesPython(t *testing.T) {
	var py struct {
		Unidata    string
		Unassigned runs
		Classes    map[string]runs
		Escaped    []struct {
			First, Last rune
			FirstRepr   string `json:"first_repr"`
			LastRepr    string `json:"last_repr"`
		}
		JSONBlocks []string `json:"json_blocks"`
	}
	pythontest.RunJSON(t, codePointOracle, nil, &py)
	unassigned := py.Unassigned.set()

	var escaped runs
	for _, e := range py.Escaped {
		escaped = append(escaped, [2]rune{e.First, e.Last})
	}
	// The regular expressions run once over all code points: one
	// MatchString per code point takes long with -race.
	var all strings.Builder
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if !isSurrogate(r) {
			all.WriteRune(r)
		}
	}
	single := func(class string) func(rune) bool {
		in := make([]bool, utf8.MaxRune+1)
		s := all.String()
		for _, m := range MustCompile(class).FindAllStringIndex(s, -1) {
			r, _ := utf8.DecodeRuneInString(s[m[0]:])
			in[r] = true
		}
		return func(r rune) bool { return in[r] }
	}
	checks := []struct {
		name   string
		python runs
		gopip  func(r rune) bool
	}{
		{"isspace", py.Classes["isspace"], IsSpace},
		{`\s`, py.Classes[`\s`], single(`[{s}]`)},
		{`\w`, py.Classes[`\w`], single(`[{w}]`)},
		{`\d`, py.Classes[`\d`], single(`[{d}]`)},
		{"splitlines", py.Classes["splitlines"], func(r rune) bool { return len(SplitLines("a"+string(r)+"b")) == 2 }},
		{"repr escapes", escaped, func(r rune) bool { return Repr(string(r)) != "'"+string(r)+"'" }},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if len(c.python) == 0 {
				t.Fatalf("python3 put no code point in %s", c.name)
			}
			inPython := c.python.set()
			bad, unassignedOnly := 0, 0
			for r := rune(0); r <= utf8.MaxRune; r++ {
				if isSurrogate(r) || c.gopip(r) == inPython[r] {
					continue
				}
				if unassigned[r] {
					unassignedOnly++
					continue
				}
				if bad++; bad <= 20 {
					t.Errorf("%U: gopip %v, Python %v", r, c.gopip(r), inPython[r])
				}
			}
			if unassignedOnly > 0 {
				t.Logf("%d code points differ, all unassigned in Python's Unicode %s", unassignedOnly, py.Unidata)
			}
		})
	}

	t.Run("repr", func(t *testing.T) {
		for _, e := range py.Escaped {
			for _, c := range []struct {
				r    rune
				want string
			}{{e.First, e.FirstRepr}, {e.Last, e.LastRepr}} {
				if got := Repr(string(c.r)); got != c.want && !unassigned[c.r] {
					t.Errorf("Repr(%U) = %s, Python %s", c.r, got, c.want)
				}
			}
		}
	})

	t.Run("json", func(t *testing.T) {
		var block strings.Builder
		for r := rune(0); r <= utf8.MaxRune; r++ {
			if !isSurrogate(r) {
				block.WriteRune(r)
			}
			if r%0x1000 != 0xfff {
				continue
			}
			sum := sha256.Sum256([]byte(JSON(block.String())))
			if i := int(r / 0x1000); i >= len(py.JSONBlocks) || hex.EncodeToString(sum[:]) != py.JSONBlocks[i] {
				t.Errorf("JSON differs from json.dumps for the code points %U..%U", r-0xfff, r)
			}
			block.Reset()
		}
	})
}

// corpusOracle applies Python's functions to each string.
const corpusOracle = `
import json, sys
print(json.dumps([{"repr": repr(s), "json": json.dumps(s), "strip": s.strip(), "splitlines": s.splitlines()}
                  for s in json.load(sys.stdin)]))
`

// fragments make up random strings: text, quotes, and the characters where
// Python and Go string handling differ.
var fragments = []string{
	"a", "foo", " ", " ", "\t", "\n", "\r\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x1f",
	"\u0085", "\u00a0", "\u2028", "\u2029", "\u3000", "\u200b", "\ufeff", "\u00ad", "\x00", "\x7f",
	"'", `"`, `\`, "/", "<", "&", "é", "ß", "٣", "²", "中", "☃", "\U0001F600", "\U000E0001", "\U0010FFFF",
}

// TestStringsMatchPython compares Repr, JSON, Strip and SplitLines with
// Python on fixed and random strings.
func TestStringsMatchPython(t *testing.T) {
	corpus := []string{
		"", "foo=1", "it's", `say "hi"`, `it's "x"`, `a'\b`, `C:\dir`, "a\tb\nc\rd",
		"  a b  ", "\x1c\u3000a\u00a0\x1f", "\u200ba\u200b", "a\n\n", "a\r\rb", "a\n\rb",
		"a\u2029b\r", "a\x1fb", "/home/u/pr%C3%B6j", "https://example.com/a?x=1#frag",
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		var b strings.Builder
		for n := r.IntN(10); n > 0; n-- {
			b.WriteString(fragments[r.IntN(len(fragments))])
		}
		corpus = append(corpus, b.String())
	}
	var want []struct {
		Repr, JSON, Strip string
		SplitLines        []string
	}
	pythontest.RunJSON(t, corpusOracle, corpus, &want)
	if len(want) != len(corpus) {
		t.Fatalf("python3 answered %d strings, want %d", len(want), len(corpus))
	}
	failures := 0
	for i, s := range corpus {
		w := want[i]
		if len(w.SplitLines) == 0 {
			w.SplitLines = nil
		}
		for _, c := range []struct {
			name      string
			got, want any
		}{
			{"Repr", Repr(s), w.Repr},
			{"JSON", JSON(s), w.JSON},
			{"Strip", Strip(s), w.Strip},
			{"SplitLines", SplitLines(s), w.SplitLines},
		} {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("%s(%q) = %q, Python %q", c.name, s, c.got, c.want)
				if failures++; failures > 20 {
					t.Fatal("too many differences")
				}
			}
		}
	}
}
