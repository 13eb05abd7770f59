package scripts

// Differential tests: the same inputs through gopip and through the pip
// installed with the machine's python3 (testdata/pipref.py runs pip's own
// code), byte for byte. They skip when python3 or pip 23.x is missing,
// because the launcher template changed in later pips.

import (
	"bytes"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/gopip/gopip/internal/pythontest"
)

// pipref is the Python side of these tests.
//
//go:embed testdata/pipref.py
var pipref string

// askPip runs testdata/pipref.py in the given mode. It needs pip 23.x:
// distlib 0.3.6's launcher template changed in later pips.
func askPip(t *testing.T, mode string, request, answer any) {
	t.Helper()
	pythontest.RequirePip(t, "23.")
	pythontest.RunJSON(t, pipref, request, answer, mode)
}

// fragments make up random entry_points.txt texts: structure, names, and
// the characters where Python and Go string handling differ.
var fragments = []string{
	"\n", "\n", "\n", "\r\n", "\r", " ", " ", "\t", "=", "=", " = ", " = ", ":", ":", ".", ",", "[", "]",
	"#", ";", "-", "+", "_", "[console_scripts]\n", "[gui_scripts]\n", "\n[s]\n", "[[x]]",
	"a", "foo", "B", "9", "0", "é", "ß", "٣", "²", "Ⅳ", "中", "_x", "pip", "pip3", "easy_install",
	"\v", "\f", "\x1c", "\x1f", "\u0085", "\u00a0", "\u2028", "\u3000", "\u200b", "\ufeff", "\x00",
	"'", `"`, "/", "$", "*", "pkg.mod:func", "m:a.b", " [x, y]", "[e-1]", "[x=1]", "[a,b=c]", "[a, b-c]",
	"name = mod:attr\n", "x = m:f [a]\n", "y = m\n",
}

func randomEntryPoints(r *rand.Rand) string {
	var b strings.Builder
	some := func(max int) {
		for n := r.IntN(max); n > 0; n-- {
			b.WriteString(fragments[r.IntN(len(fragments))])
		}
	}
	if r.IntN(2) == 0 {
		b.WriteString("[console_scripts]\n")
	}
	for lines := r.IntN(6); lines >= 0; lines-- {
		switch k := r.IntN(10); {
		case k < 7: // an entry point line with noise
			some(4)
			b.WriteString([]string{"=", " = ", "\t=", "= "}[r.IntN(4)])
			some(6)
		case k == 7:
			b.WriteString("[")
			some(3)
			b.WriteString("]")
		case k == 8:
			b.WriteString("# ")
			some(4)
		default:
			some(8)
		}
		b.WriteString([]string{"\n", "\n", "\r\n", "\r", "\u2028"}[r.IntN(5)])
	}
	return b.String()
}

type pyEntryPoint struct {
	Group, Name, Value string
	Module             *string
	Attr               string
	Extras             []string
	Export             json.RawMessage
}

type pyExport struct {
	Name, Prefix string
	Suffix       *string
	Flags        []string
	Repr         string
}

// TestParseMatchesPip compares ParseEntryPoints, the importlib split and
// distlib's get_export_entry with Python's on fixed and random texts.
func TestParseMatchesPip(t *testing.T) {
	texts := []string{
		"", "[console_scripts]\nfoo = a:b\n", "[s]\nno equals\n", "junk\n[s]\nx=y",
		"[s]\n; c\n", "\ufeff[s]\nx = y\n[t]\nz = w", "[s]\na b = m:f\n", "[s]\nx = m:f [a, b-c]\n",
		"[s]\nx = m:f:g\n", "[s]\nx = m : f\n", "[s]\nx = -m:f\n", "[s]\nx = m:f junk [a]\n",
		"[s]\nx[y = m:f\n", "[s]\n\u3000x\u00a0=\x1fy\u2009\n", "[s]\u2028x = y\x1cz = w\u0085v = u",
		"[s]\nx = m.:f\n", "[s]\nx = m:f [ a , b ]\n", "[s]\nx = m:f [a=1, b=2]\n", "[s]\nx = m:f[]\n",
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		texts = append(texts, randomEntryPoints(r))
	}
	var answers []struct {
		Error       string
		EntryPoints []pyEntryPoint `json:"entry_points"`
	}
	askPip(t, "parse", texts, &answers)
	failures := 0
	for i, text := range texts {
		if failures > 10 {
			t.Fatal("too many failures")
		}
		want := answers[i]
		got, err := ParseEntryPoints([]byte(text))
		if (err != nil) != (want.Error != "") {
			failures++
			t.Errorf("%q: gopip error %v, Python error %q", text, err, want.Error)
			continue
		}
		if err != nil {
			continue
		}
		if len(got) != len(want.EntryPoints) {
			failures++
			t.Errorf("%q: gopip %d entry points, Python %d", text, len(got), len(want.EntryPoints))
			continue
		}
		for j, w := range want.EntryPoints {
			g := got[j]
			if g.Group != w.Group || g.Name != w.Name || g.Value != w.Value {
				failures++
				t.Errorf("%q: entry %d: gopip %q %q %q, Python %q %q %q", text, j, g.Group, g.Name, g.Value, w.Group, w.Name, w.Value)
				continue
			}
			if msg := compareImportlib(g, w); msg != "" {
				failures++
				t.Errorf("%q: entry %d: %s", text, j, msg)
			}
			if msg := compareExport(g.Name+" = "+g.Value, w.Export); msg != "" {
				failures++
				t.Errorf("%q: entry %d: %s", text, j, msg)
			}
		}
	}
}

func compareImportlib(g EntryPoint, w pyEntryPoint) string {
	if w.Module == nil {
		if g.Module != "" {
			return fmt.Sprintf("importlib pattern: gopip module %q, Python no match", g.Module)
		}
		return ""
	}
	if len(w.Extras) == 0 {
		w.Extras = nil
	}
	if g.Module != *w.Module || g.Attr != w.Attr || !reflect.DeepEqual(g.Extras, w.Extras) {
		return fmt.Sprintf("importlib split: gopip %q %q %q, Python %q %q %q", g.Module, g.Attr, g.Extras, *w.Module, w.Attr, w.Extras)
	}
	return ""
}

func compareExport(spec string, raw json.RawMessage) string {
	e, invalid := getExportEntry(spec)
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch {
		case s == "invalid" && !invalid:
			return fmt.Sprintf("get_export_entry(%q): Python raises, gopip %+v", spec, e)
		case s == "none" && (invalid || e != nil):
			return fmt.Sprintf("get_export_entry(%q): Python None, gopip %+v invalid=%v", spec, e, invalid)
		}
		return ""
	}
	var w pyExport
	if err := json.Unmarshal(raw, &w); err != nil {
		return err.Error()
	}
	if e == nil {
		return fmt.Sprintf("get_export_entry(%q): Python %+v, gopip none (invalid=%v)", spec, w, invalid)
	}
	suffixOK := (w.Suffix == nil && !e.hasSuffix) || (w.Suffix != nil && e.hasSuffix && *w.Suffix == e.suffix)
	if e.name != w.Name || e.prefix != w.Prefix || !suffixOK || !reflect.DeepEqual(e.flags, w.Flags) || e.String() != w.Repr {
		return fmt.Sprintf("get_export_entry(%q): Python %+v, gopip %+v (%s)", spec, w, e, e)
	}
	return ""
}

// installCase is one wheel installed by pip's install_wheel.
type installCase struct {
	Executable  string      `json:"executable"`
	Platform    string      `json:"platform"`
	Version     [2]int      `json:"version"`
	Ensurepip   *string     `json:"ensurepip,omitempty"`
	EntryPoints *string     `json:"entry_points,omitempty"` // base64
	DataScripts [][2]string `json:"data_scripts,omitempty"` // name, base64
}

type pipFile struct {
	Data []byte
	Mode fs.FileMode
}

// TestInstallMatchesPip installs wheels with pip's own install_wheel and
// compares every file pip leaves in the scripts directory with what this
// package says to write: launcher bytes and modes, versioned pip names,
// skipped setuptools wrappers and rewritten #!python scripts, and that
// gopip refuses exactly the wheels pip fails on.
func TestInstallMatchesPip(t *testing.T) {
	executables := []string{
		"/usr/bin/python3",
		"/opt/my env/bin/python3",
		"/" + strings.Repeat("long/", 26) + "python3", // 135 bytes
		"/" + strings.Repeat("p", 123),                // "#!" + 124 + "\n" = 127
		"/" + strings.Repeat("p", 124),                // 128
		"/" + strings.Repeat("m", 508),                // 512 on macOS
		"/" + strings.Repeat("m", 509),                // 513
		`"/opt/quoted env/python"`,
		"/usr/bin/env my python",
		"/opt/pythön/bin/python3.11",
	}
	entryPoints := []string{
		"[console_scripts]\nhello = hello.cli:main\n[gui_scripts]\nhello-gui = hello.gui:Window.run [qt]\n",
		`[console_scripts]
pip = pip._internal.cli.main:main
pip3 = pip._internal.cli.main:main
pip3.8 = pip._internal.cli.main:main
pip3.8.1 = other:main
easy_install = setuptools.command.easy_install:main
easy_install-3.6 = setuptools.command.easy_install:main
tool = tool:main
[gui_scripts]
pip = gui:main
`,
		"[console_scripts]\npip =\npip3 = a:b\n",
		"[console_scripts]\nmy tool = m:f\n; x = m:g\nhé = pàckage.ü:fünc\nx = m:f junk\n",
		"[console_scripts]\na = m:1\nb = m:b\na = m:a\n[gui_scripts]\na = m:g\n",
		"\ufeff[console_scripts]\nhidden = m:f\n[gui_scripts]\nshown = m:g\n",
		"[console_scripts]\r\nwin = m:f\r\n",
		"[console_scripts]\nx = m:f [a, b]\ny = m:f [a=1]\n",
		"[console_scripts]\nfoo = foo.cli\n",
		"[console_scripts]\nfoo = a:b:c\n",
		"[console_scripts]\nfoo = m:f [a, b-c]\n",
		"[console_scripts]\nfoo = :f\n",
		"[console_scripts]\n.. = m:f\n",
		"[pytest11]\nno equals here\n",
		"[pytest11]\nplugin = some-thing\n",
		"[console_scripts]\nbad = \xff\n",
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	dataScripts := [][2]string{
		{"run.py", b64("#!python\nprint('hi')\n")},
		{"runw", b64("#!pythonw -u\r\nprint('hi')\r\n")},
		{"plain.sh", b64("#!/bin/sh\necho hi\n")},
		{"empty", b64("")},
		{"blob", b64("\x00\x01#!python\n\xff")},
		{"hello-script.py", b64("#!python\nsetuptools wrapper\n")},
		{"hello.EXE", b64("MZ")},
		{"tool", b64("#!python\nreplaced by the launcher\n")},
	}
	var cases []installCase
	add := func(c installCase) { cases = append(cases, c) }
	for _, exe := range executables {
		for _, platform := range []string{"linux", "darwin"} {
			ep := b64(entryPoints[0])
			add(installCase{Executable: exe, Platform: platform, Version: [2]int{3, 11}, EntryPoints: &ep, DataScripts: dataScripts})
		}
	}
	for _, text := range entryPoints {
		ep := b64(text)
		add(installCase{Executable: "/usr/bin/python3", Platform: "linux", Version: [2]int{3, 11}, EntryPoints: &ep, DataScripts: dataScripts})
	}
	for _, env := range []*string{ptr(""), ptr("install"), ptr("altinstall")} {
		for _, version := range [][2]int{{3, 9}, {3, 12}, {4, 0}} {
			ep := b64(entryPoints[1])
			add(installCase{Executable: "/usr/bin/python3", Platform: "linux", Version: version, Ensurepip: env, EntryPoints: &ep})
		}
	}
	add(installCase{Executable: "/usr/bin/python3", Platform: "linux", Version: [2]int{3, 11}, DataScripts: dataScripts})

	for _, umask := range []fs.FileMode{0o022, 0o077, 0o002} {
		t.Run(fmt.Sprintf("umask %03o", umask), func(t *testing.T) {
			var answers []struct {
				Error string
				Files map[string]pipFile
			}
			askPip(t, "install", map[string]any{"umask": umask, "cases": cases}, &answers)
			for i, c := range cases {
				checkInstall(t, c, umask, answers[i].Error, answers[i].Files)
			}
		})
	}
}

func ptr(s string) *string { return &s }

func checkInstall(t *testing.T, c installCase, umask fs.FileMode, pipErr string, pipFiles map[string]pipFile) {
	t.Helper()
	name := fmt.Sprintf("python %q on %s %d.%d", c.Executable, c.Platform, c.Version[0], c.Version[1])
	var text []byte
	if c.EntryPoints != nil {
		text, _ = base64.StdEncoding.DecodeString(*c.EntryPoints)
		name += fmt.Sprintf(", entry points %q", text)
	}
	if c.Ensurepip != nil {
		name += fmt.Sprintf(", ENSUREPIP_OPTIONS=%q", *c.Ensurepip)
	}
	got, err := gopipInstall(c, text, umask)
	if (err != nil) != (pipErr != "") {
		t.Errorf("%s:\ngopip error: %v\npip error: %s", name, err, pipErr)
		return
	}
	if err != nil {
		t.Logf("%s: both refuse: gopip %v; pip %s", name, err, pipErr)
		return
	}
	var names []string
	for n := range got {
		names = append(names, n)
	}
	for n := range pipFiles {
		if _, ok := got[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		g, inGopip := got[n]
		p, inPip := pipFiles[n]
		switch {
		case !inGopip:
			t.Errorf("%s: pip writes %s, gopip does not:\n%s", name, n, p.Data)
		case !inPip:
			t.Errorf("%s: gopip writes %s, pip does not:\n%s", name, n, g.Data)
		case !bytes.Equal(g.Data, p.Data):
			t.Errorf("%s: %s differs\ngopip: %q\npip:   %q", name, n, g.Data, p.Data)
		case g.Mode != 0 && g.Mode != p.Mode:
			t.Errorf("%s: %s mode: gopip %o, pip %o", name, n, g.Mode, p.Mode)
		}
	}
}

// gopipInstall computes what gopip writes to the scripts directory for a
// case, the way the installer drives this package.
func gopipInstall(c installCase, entryPoints []byte, umask fs.FileMode) (map[string]pipFile, error) {
	eps, err := ParseEntryPoints(entryPoints)
	if err != nil {
		return nil, err
	}
	files := map[string]pipFile{}
	for _, s := range c.DataScripts {
		if IsEntryPointWrapper(s[0], eps) {
			continue
		}
		data, _ := base64.StdEncoding.DecodeString(s[1])
		data, _ = RewriteShebang(data, c.Executable)
		files[s[0]] = pipFile{Data: data} // mode: the installer's business
	}
	target := Target{Python: c.Executable, OS: c.Platform, Major: c.Version[0], Minor: c.Version[1]}
	if c.Ensurepip != nil {
		target.Ensurepip = EnsurepipModeFromEnv(*c.Ensurepip, true)
	}
	list, err := target.Scripts(eps)
	if err != nil {
		return nil, err
	}
	for _, s := range list {
		files[s.Name] = pipFile{Data: s.Data, Mode: LauncherMode(umask)}
	}
	return files, nil
}
