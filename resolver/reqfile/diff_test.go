package reqfile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// The differential test runs pip 23.2's own parser (testdata/oracle.py:
// parse_requirements with a real PackageFinder and PipSession, then
// install_req_from_parsed_requirement and the resolver's constraint
// checks) and Parse over the same files in the same folders, and compares
// every requirement, the settings the option lines leave, hash-checking
// mode, warnings and error messages.
//
// Where gopip deliberately differs, the comparison allows it:
//   - An error pip does not catch (a Python traceback: a bad marker,
//     RecursionError for a cycle, UnicodeDecodeError) must be an *Error
//     here; the texts are not compared.
//   - pip 23.2 drops --config-settings of -e lines; gopip keeps them, as
//     current pip does.
//   - pip's messages without a place get " (from line N of FILE)" here,
//     and optparse's "pip: error: " prefix is left out.

// diffCase is one requirements file (with the files it includes) and how
// to read it.
type diffCase struct {
	name       string
	files      map[string][]byte
	main       string
	constraint bool
	env        map[string]string
	dir        string // set by compareWithPip
}

// supportFiles are in every case's folder: projects, archives and files
// that lines refer to.
var supportFiles = map[string]string{
	"proj/setup.py":                        "",
	"proj2/pyproject.toml":                 "",
	"notinstallable/README":                "",
	"dist/local-1.0-py3-none-any.whl":      "",
	"dist/local-1.0.tar.gz":                "",
	"dist/My_Pkg-2.0_rc1-py3-none-any.whl": "",
	"links/index.html":                     "",
	"other.txt":                            "other==1.0\n",
	"constraints.txt":                      "other<2\n",
	"sub/inner.txt":                        "-r ../other.txt\ninner==1\n",
	"sub/links/x":                          "",
	"a/reqs":                               "# a file\nfoo==1\n",
	"a/notreqs":                            "this is not a requirement\n",
}

func writeTree(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// readArchive reads a fixture: header lines ("constraint", "main FILE",
// "env NAME=VALUE"), then files introduced by "-- NAME --" lines.
func readArchive(name string, data []byte) diffCase {
	c := diffCase{name: name, files: map[string][]byte{}, main: "requirements.txt", env: map[string]string{}}
	var current string
	for _, line := range strings.SplitAfter(string(data), "\n") {
		trimmed := strings.TrimRight(line, "\n")
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") && len(trimmed) > 6 {
			current = trimmed[3 : len(trimmed)-3]
			c.files[current] = []byte{}
			continue
		}
		if current != "" {
			c.files[current] = append(c.files[current], line...)
			continue
		}
		switch f := strings.Fields(trimmed); {
		case len(f) == 0 || strings.HasPrefix(f[0], "#"):
		case f[0] == "constraint":
			c.constraint = true
		case f[0] == "main" && len(f) == 2:
			c.main = f[1]
		case f[0] == "env":
			k, v, _ := strings.Cut(strings.TrimPrefix(trimmed, "env "), "=")
			c.env[k] = v
		}
	}
	return c
}

type oracleReq struct {
	Requirement    string              `json:"requirement"`
	IsEditable     bool                `json:"is_editable"`
	Constraint     bool                `json:"constraint"`
	ComesFrom      string              `json:"comes_from"`
	LineSource     *string             `json:"line_source"`
	Hashes         map[string][]string `json:"hashes"`
	GlobalOptions  []string            `json:"global_options"`
	ConfigSettings map[string]any      `json:"config_settings"`
	Name           *string             `json:"name"`
	Specifier      string              `json:"specifier"`
	URL            string              `json:"url"`
	Extras         []string            `json:"extras"`
	Link           string              `json:"link"`
	Marker         string              `json:"marker"`
	Legacy         bool                `json:"legacy"`
}

type oracleSettings struct {
	IndexURLs     []string `json:"index_urls"`
	NoIndex       bool     `json:"no_index"`
	FindLinks     []string `json:"find_links"`
	Pre           bool     `json:"pre"`
	PreferBinary  bool     `json:"prefer_binary"`
	NoBinary      []string `json:"no_binary"`
	OnlyBinary    []string `json:"only_binary"`
	TrustedHosts  []string `json:"trusted_hosts"`
	RequireHashes bool     `json:"require_hashes"`
	Features      []string `json:"features"`
}

type oracleResult struct {
	Reqs     []oracleReq    `json:"reqs"`
	Error    *string        `json:"error"`
	Crash    *string        `json:"crash"`
	Settings oracleSettings `json:"settings"`
	HashMode bool           `json:"hash_mode"`
	Warnings []string       `json:"warnings"`
}

// runOracle runs pip over the cases, each in its folder.
func runOracle(t *testing.T, cases []diffCase) []oracleResult {
	t.Helper()
	type in struct {
		Dir        string            `json:"dir"`
		Main       string            `json:"main"`
		Constraint bool              `json:"constraint"`
		Env        map[string]string `json:"env"`
	}
	var input []in
	for _, c := range cases {
		input = append(input, in{c.dir, c.main, c.constraint, c.env})
	}
	data, err := json.Marshal(input)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("python3", "testdata/oracle.py")
	cmd.Stdin = bytes.NewReader(data)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "PYTHONIOENCODING=utf-8")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("oracle: %v\n%s", err, stderr.String())
	}
	t.Logf("pip read %d cases in %v", len(cases), time.Since(start).Round(time.Millisecond))
	var results []oracleResult
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("oracle output: %v", err)
	}
	if len(results) != len(cases) {
		t.Fatalf("oracle answered %d cases of %d", len(results), len(cases))
	}
	return results
}

func havePip(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("differential test against pip skipped in -short mode")
	}
	if err := exec.Command("python3", "-c", "import pip._internal.req.req_file").Run(); err != nil {
		t.Skip("python3 with pip not available:", err)
	}
}

// compareWithPip parses every case and compares with pip's results; it
// returns how many cases were compared.
func compareWithPip(t *testing.T, cases []diffCase) {
	root := t.TempDir()
	support := map[string][]byte{}
	for k, v := range supportFiles {
		support[k] = []byte(v)
	}
	// Files are slow to make on some machines: a case that is only a
	// requirements file is written next to the others in one shared
	// folder, as NAME.txt.
	writeTree(t, filepath.Join(root, "shared"), support)
	// Files are also served over HTTP, for -r URL; fixtures name the
	// folder of their case {{DIR}} and its URL {{URL}}.
	srv := httptest.NewServer(http.FileServer(http.Dir(root)))
	defer srv.Close()
	template := func(s, dir string) string {
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			t.Fatal(err)
		}
		return strings.NewReplacer("{{DIR}}", dir, "{{URL}}", srv.URL+"/"+filepath.ToSlash(rel)).Replace(s)
	}
	shared := map[string][]byte{}
	for i, c := range cases {
		if len(c.files) == 1 && c.files[c.main] != nil && !bytes.Contains(c.files[c.main], []byte("{{")) {
			cases[i].dir = filepath.Join(root, "shared")
			cases[i].main = c.name + ".txt"
			shared[cases[i].main] = c.files[c.main]
			continue
		}
		dir := filepath.Join(root, fmt.Sprint(i))
		files := maps.Clone(support)
		for name, content := range c.files {
			files[name] = []byte(template(string(content), dir))
		}
		writeTree(t, dir, files)
		cases[i].dir = dir
		cases[i].main = template(c.main, dir)
	}
	writeTree(t, filepath.Join(root, "shared"), shared)
	results := runOracle(t, cases)
	var errs, crashes, ok, legacies int
	for i, c := range cases {
		dir := c.dir
		want := results[i]
		t.Run(c.name, func(t *testing.T) {
			env := c.env
			f, err := Parse(context.Background(), c.main, Options{
				Dir:        dir,
				Getter:     HTTPGetter{Client: srv.Client()},
				Constraint: c.constraint,
				Getenv:     func(k string) string { return env[k] },
			})
			if legacy := firstLegacy(want); legacy != nil {
				// pip 23.2's packaging 21.3 accepted a version that is not
				// PEP 440 ("pkg==${UNSET}", "foo>="); packaging 22+, pep508
				// and current pip reject it.
				var e *Error
				if !errors.As(err, &e) || e.Origin.String() != *legacy.LineSource || !strings.HasPrefix(e.Msg, "Invalid requirement: ") {
					t.Fatalf("pip accepted the legacy version of %q (%s); gopip: %v", legacy.Requirement, *legacy.LineSource, err)
				}
				legacies++
				t.Logf("pip 23.2 accepted %q; gopip: %v", legacy.Requirement, err)
				return
			}
			switch {
			case want.Crash != nil:
				crashes++
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("pip failed (%s); gopip: %v", *want.Crash, err)
				}
				t.Logf("pip: %s\ngopip: %v", *want.Crash, err)
				return
			case want.Error != nil:
				errs++
				if err == nil {
					t.Fatalf("pip failed:\n%s\ngopip read the file", *want.Error)
				}
				compareError(t, *want.Error, err)
				t.Logf("both fail: %v", err)
				return
			case err != nil:
				t.Fatalf("pip read the file; gopip: %v", err)
			}
			ok++
			compareFile(t, f, want)
		})
	}
	t.Logf("%d cases: %d read by both, %d errors compared, %d pip crashes, %d non-PEP 440 versions pip 23.2 accepts", len(cases), ok, errs, crashes, legacies)
}

// firstLegacy returns the first requirement pip read with a version that
// is not PEP 440.
func firstLegacy(r oracleResult) *oracleReq {
	for i, q := range r.Reqs {
		if q.Legacy && q.LineSource != nil {
			return &r.Reqs[i]
		}
	}
	return nil
}

func compareError(t *testing.T, pip string, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("gopip error is not an *Error: %v", err)
	}
	pip = strings.TrimSuffix(strings.ReplaceAll(pip, "pip: error: ", ""), "\n")
	got := e.Error()
	if !strings.Contains(pip, " (from line ") {
		got = e.Msg
	}
	if strings.Contains(e.Msg, "\nHint: constraints take the form") {
		got = strings.Split(got, "\nHint: constraints")[0]
	}
	if got != pip {
		t.Errorf("error:\npip:   %q\ngopip: %q", pip, got)
	}
}

func compareFile(t *testing.T, f *File, want oracleResult) {
	t.Helper()
	reqs := f.Requirements()
	if len(reqs) != len(want.Reqs) {
		var got []string
		for _, e := range reqs {
			got = append(got, e.Text)
		}
		var w []string
		for _, r := range want.Reqs {
			w = append(w, r.Requirement)
		}
		t.Fatalf("requirements:\npip:   %q\ngopip: %q", w, got)
	}
	for i, e := range reqs {
		compareEntry(t, e, want.Reqs[i])
	}
	s := f.Settings
	got := oracleSettings{
		IndexURLs: s.IndexURLs, NoIndex: s.NoIndex, FindLinks: s.FindLinks, Pre: s.Pre,
		PreferBinary: s.PreferBinary, NoBinary: s.Format.NoBinary, OnlyBinary: s.Format.OnlyBinary,
		TrustedHosts: s.TrustedHosts, RequireHashes: s.RequireHashes, Features: s.Features,
	}
	if !reflect.DeepEqual(normSettings(got), normSettings(want.Settings)) {
		t.Errorf("settings:\npip:   %+v\ngopip: %+v", want.Settings, got)
	}
	if f.HashCheckingMode != want.HashMode {
		t.Errorf("hash-checking mode: pip %v, gopip %v", want.HashMode, f.HashCheckingMode)
	}
	count := func(ws []string, sub string) int {
		n := 0
		for _, w := range ws {
			if strings.Contains(w, sub) {
				n++
			}
		}
		return n
	}
	var ours []string
	for _, w := range f.Warnings {
		ours = append(ours, w.Msg)
	}
	for _, pair := range [][2]string{
		{"looks like a filename, but the file does not exist", "looks like a filename, but the file does not exist"},
		{"has --hash but no requirement", "--hash without a requirement"},
	} {
		if p, g := count(want.Warnings, pair[0]), count(ours, pair[1]); p != g {
			t.Errorf("warnings %q: pip %d, gopip %d\npip:   %q\ngopip: %q", pair[0], p, g, want.Warnings, ours)
		}
	}
}

func normSettings(s oracleSettings) oracleSettings {
	for _, p := range []*[]string{&s.IndexURLs, &s.FindLinks, &s.NoBinary, &s.OnlyBinary, &s.TrustedHosts, &s.Features} {
		if len(*p) == 0 {
			*p = nil
		}
	}
	return s
}

func compareEntry(t *testing.T, e *Entry, w oracleReq) {
	t.Helper()
	errorf := func(field string, pip, gopip any) {
		t.Errorf("%s (%s): %s: pip %#v, gopip %#v", e.Origin, e.Text, field, pip, gopip)
	}
	if e.Text != w.Requirement {
		errorf("requirement", w.Requirement, e.Text)
	}
	if (e.Kind == KindEditable) != w.IsEditable {
		errorf("is_editable", w.IsEditable, e.Kind)
	}
	if e.Constraint != w.Constraint {
		errorf("constraint", w.Constraint, e.Constraint)
	}
	if got := e.Origin.ComesFrom(e.Constraint); got != w.ComesFrom {
		errorf("comes_from", w.ComesFrom, got)
	}
	if w.LineSource != nil && *w.LineSource != e.Origin.String() {
		errorf("line_source", *w.LineSource, e.Origin.String())
	}
	if !w.IsEditable {
		if got := e.HashMap(); !(len(got) == 0 && len(w.Hashes) == 0) && !reflect.DeepEqual(got, w.Hashes) {
			errorf("hashes", w.Hashes, got)
		}
		if !(len(e.GlobalOptions) == 0 && len(w.GlobalOptions) == 0) && !reflect.DeepEqual(e.GlobalOptions, w.GlobalOptions) {
			errorf("global_options", w.GlobalOptions, e.GlobalOptions)
		}
		got := map[string]any{}
		for _, cs := range e.ConfigSettings {
			switch old := got[cs.Key].(type) {
			case nil:
				got[cs.Key] = cs.Value
			case string:
				got[cs.Key] = []any{old, cs.Value}
			case []any:
				got[cs.Key] = append(old, cs.Value)
			}
		}
		if !(len(got) == 0 && len(w.ConfigSettings) == 0) && !reflect.DeepEqual(got, w.ConfigSettings) {
			errorf("config_settings", w.ConfigSettings, got)
		}
	}
	var name *string
	var spec, url string
	if e.Requirement != nil {
		name, spec, url = &e.Requirement.Name, e.Requirement.Specifier.String(), e.Requirement.URL
	}
	if (name == nil) != (w.Name == nil) || (name != nil && *name != *w.Name) {
		errorf("name", w.Name, name)
	}
	if spec != w.Specifier {
		errorf("specifier", w.Specifier, spec)
	}
	if url != w.URL {
		errorf("url", w.URL, url)
	}
	if !(len(e.Extras) == 0 && len(w.Extras) == 0) && !slices.Equal(e.Extras, w.Extras) {
		errorf("extras", w.Extras, e.Extras)
	}
	if e.Link != w.Link {
		errorf("link", w.Link, e.Link)
	}
	marker := ""
	if e.Marker != nil {
		marker = e.Marker.String()
	}
	if marker != w.Marker {
		errorf("marker", w.Marker, marker)
	}
}

func TestDiffFixtures(t *testing.T) {
	havePip(t)
	paths, err := filepath.Glob("testdata/diff/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	var cases []diffCase
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, readArchive(strings.TrimSuffix(filepath.Base(p), ".txtar"), data))
	}
	cases = append(cases, encodingCases()...)
	compareWithPip(t, cases)
}

// encodingCases are files whose bytes a text fixture cannot hold.
func encodingCases() []diffCase {
	utf16le := func(s string) []byte {
		b := []byte{0xff, 0xfe}
		for _, r := range s {
			b = append(b, byte(r), byte(r>>8))
		}
		return b
	}
	utf16be := func(s string) []byte {
		b := []byte{0xfe, 0xff}
		for _, r := range s {
			b = append(b, byte(r>>8), byte(r))
		}
		return b
	}
	one := func(name string, content []byte) diffCase {
		return diffCase{name: name, main: "requirements.txt", env: map[string]string{},
			files: map[string][]byte{"requirements.txt": content}}
	}
	return []diffCase{
		one("bom-utf8", []byte("\xef\xbb\xbffoo==1.0\n# caf\xc3\xa9\nbar\n")),
		one("bom-utf16le", utf16le("foo==1.0\r\nbar>=2 # caf\u00e9\r\n")),
		one("bom-utf16be", utf16be("foo==1.0\nbar\n")),
		one("coding-latin1", []byte("# -*- coding: latin-1 -*-\nfoo==1.0 # caf\xe9\n")),
		one("coding-second-line", []byte("#!/usr/bin/env\n# vim: set fileencoding=iso-8859-1 :\nfoo # \xe9\n")),
		one("coding-third-line-ignored", []byte("# a\n# b\n# coding: latin-1\nfoo # \xe9\n")),
		one("coding-cp1252", []byte("# coding=cp1252\nfoo # \x80\n")),
		one("coding-utf8", []byte("# coding: utf-8\nfoo # caf\xc3\xa9\n")),
		one("coding-not-first-column", []byte(" # coding: latin-1\nfoo # \xe9\n")),
		one("invalid-utf8", []byte("foo # \xe9\n")),
		one("unknown-coding", []byte("# coding: klingon\nfoo\n")),
		one("crlf", []byte("foo==1.0\r\nbar \\\r\n  --hash=sha256:abc\r\n")),
		one("cr-only", []byte("foo\rbar\r")),
		one("form-feed-and-vt", []byte("foo\x0cbar\x0bbaz\n")),
		one("unicode-line-separators", []byte("foo\u2028bar\u2029baz\x1cqux\xc2\x85quux\n")),
		one("nbsp-comment", []byte("foo\u00a0# comment\nbar\u3000#c\n")),
		one("info-separator-space", []byte("foo\x1f# comment\n")),
	}
}

// The generator combines fragments (valid and invalid, of every kind) into
// files, with continuations, comments and odd spacing.
var (
	genRequirements = []string{
		"requests", "requests==2.31.0", "Requests[Security,socks]>=2.8.1,<3", "foo ; python_version < '3.8'",
		`foo; sys_platform == "linux"`, "foo>=1.0;python_version>='3'", "name @ https://example.com/name-1.0.tar.gz",
		"name @ https://example.com/name-1.0-py3-none-any.whl ; os_name == 'posix'", "name@https://example.com/x.zip",
		"https://example.com/pkg-1.0-py3-none-any.whl", "https://example.com/pkg-1.0.tar.gz#egg=pkg",
		"git+https://github.com/a/b.git#egg=b", "git+https://github.com/a/b.git@v1#egg=b&subdirectory=sub",
		"./dist/local-1.0-py3-none-any.whl", "./proj", "./proj[extra1]", ".", "./proj2", "dist/local-1.0.tar.gz",
		"file:./dist/local-1.0-py3-none-any.whl", "foo[bar]", "foo == 1.0", "foo (>=1.0)", "zope.interface~=5.0",
		"foo!=1.*", "foo>=1.0.post1.dev2", "Foo_Bar.baz[Extra_One]==1", "./dist/My_Pkg-2.0_rc1-py3-none-any.whl",
		"https://example.com/pkg.tar.gz; python_version < '3'", "https://example.com/a/b/#egg=thing",
		"https://example.com/pkg-1.0-py3-none-any.whl#sha256=abc", "foo>=1,<2 ; extra == 'test'",
		"missing-1.0-py3-none-any.whl", "./missing-1.0.tar.gz", "foo @ file:///tmp/foo.whl",
		"hg+https://hg.example/repo#egg=repo", "svn+svn://svn.example/repo#egg=r", "foo==1.0 ; ", "ftp://host/x-1.0.tar.gz",
		"${NAME}==${VERSION}", "pkg==${VERSION}", "https://${HOST}/pkg.tar.gz#egg=pkg", "foo>=$VERSION",
		"foo==1.0 #comment", "foo#notacomment", "https://x/y.tar.gz#egg=y # comment", "foo\t# tab comment",
		"file:dist/local-1.0-py3-none-any.whl", "./proj[Extra1, extra-two]", "./dist/../dist/local-1.0.tar.gz",
		"HTTPS://example.com/pkg-1.0-py3-none-any.whl", "foo===1.0", "foo==1.0.*", "pip>=20;python_version>='3.7' and os_name=='posix'",
	}
	genBadRequirements = []string{
		"foo=1", "foo=>1", "foo bar", "./nope/", "a/b", "foo>=", "./notinstallable", "a/reqs", "a/notreqs",
		"foo; bad marker", "foo=1.0", "./missing-1.0-py3-none-any", "https://example.com/not-a-wheel.whl",
		"foo[bar", "foo[ba r]", "foo>=1.0 bar", ";foo", "1foo-", "foo=1 ; python_version<'3'",
		"foo\t--hash=sha256:abc", "http://[::1/x.tar.gz",
	}
	genOptionLines = []string{
		"-i https://index.example/simple", "--index-url=https://a.example/simple", "--extra-index-url https://b.example/simple",
		"--no-index", "-f ./links", "--find-links=https://x.example/links", "-f links", "-f sub/links", "--no-binary :all:",
		"--no-binary=foo,Bar_baz", "--only-binary :none:", "--only-binary=:all: --no-binary=foo", "--prefer-binary",
		"--require-hashes", "--pre", "--trusted-host host.example", "--trusted-host=h2.example:8080",
		"--use-feature=fast-deps", "--use-feature truststore", "--pypi-url https://p.example/simple",
		"--extra https://c.example/simple", "--no-i", "-ihttps://x.example/simple",
		"--index-url https://a.example/simple --extra-index-url https://b.example/simple", "--hash=sha256:abc",
		"--pre foo", "-- foo", "--only-binary foo,:none:,bar", "--no-binary :all: --only-binary :all:",
		"--no-binary=:all:,:none:,baz", "-i ''", "--find-links \"./links\"", "--trusted-host 'a.example b.example'",
		"--extra-index-url=https://${HOST}/simple", "--index-url https://x.example/simple -i https://y.example/simple",
		"--trusted-host H.example:0443", "--trusted-host ::1", "--trusted-host user@h.example/p",
	}
	genBadOptionLines = []string{
		"--foo", "--pre=1", "--use-feature=bogus", "--no-binary=-x", "--pr", "--req x.txt", "-x", "-e", "-i",
		"--hash", "--index-url", "--no-binary", "-r", "--", "--=x", "--find-links='unterminated",
		`--trusted-host "a\"`, "--config-settings=x", "--hash=md5:abc", "--hash=abc",
		"--trusted-host h:99999", "--trusted-host ''", "--trusted-host [x]",
	}
	genRequirementOptions = []string{
		" --hash=sha256:aaa", " --hash=sha256:aaa --hash=sha512:bbb", " --hash sha384:ccc", " --global-option=--no-user-cfg",
		" -C key=val -C key=val2 --config-settings k2=v", " --pre", " --no-binary :all:", " -r other.txt", " -e ./proj",
		" --hash=sha256:${DIGEST}", " --config-settings='a=b c'", " --hash=sha256:x --hash=sha256:y --hash=sha256:z",
		" --only-binary foo", " --index-url https://ignored.example/simple",
	}
	genBadRequirementOptions = []string{
		" --hash=md5:abc", " --hash=abc", " --config-settings=x", " --bogus", " -C", " --hash='x",
	}
	genEditables = []string{
		"-e ./proj", "-e .", "--editable=./proj2", "-e ./proj[dev]", "-e git+https://github.com/a/b.git#egg=b",
		"-e git+https://github.com/a/b.git@main#egg=b[extra]", "-e git:github.com/a/b#egg=b", "-e hg+http://hg.example/r#egg=r",
		"-e file:./proj#egg=proj", "-e ./proj --config-settings editable_mode=compat", "-e ./proj -e ./proj2",
		"-e./proj", "-e ./proj --hash=sha256:abc",
	}
	genBadEditables = []string{
		"-e ./nope", "-e git+https://github.com/a/b.git", "-e https://example.com/x.tar.gz", "-e git+https://x/y#egg=",
		"-e git+https://x/y#egg=bad name",
	}
	genIncludes = []string{
		"-r other.txt", "-c constraints.txt", "-r sub/inner.txt", "--requirement=other.txt", "-rother.txt",
		"-r other.txt -c constraints.txt", "-c constraints.txt --pre", "--constraint constraints.txt",
		"-r ./sub/../other.txt",
	}
	genBadIncludes = []string{"-r missing.txt", "-c missing.txt", "-r sub"}
	genComments    = []string{"# comment", "   # indented comment", "#", "", "   ", "# -r other.txt"}
)

func generateCases(n int, seed uint64) []diffCase {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	pick := func(pool []string) string { return pool[rng.IntN(len(pool))] }
	envs := []map[string]string{
		{},
		{"NAME": "flask", "VERSION": "2.0.1", "HOST": "idx.example", "DIGEST": "d1", "EMPTY": ""},
		{"VERSION": "1.0", "NAME": "", "HOST": "${VERSION}"},
	}
	var cases []diffCase
	for i := range n {
		var lines []string
		bad := rng.IntN(5) == 0
		for range 1 + rng.IntN(6) {
			var line string
			switch r := rng.IntN(20); {
			case r < 8:
				line = pick(genRequirements)
				if rng.IntN(3) == 0 {
					line += pick(genRequirementOptions)
				}
			case r < 11:
				line = pick(genOptionLines)
			case r < 13:
				line = pick(genEditables)
			case r < 15:
				line = pick(genIncludes)
			default:
				line = pick(genComments)
			}
			lines = append(lines, line)
		}
		if bad {
			var line string
			switch rng.IntN(6) {
			case 0, 1:
				line = pick(genBadRequirements)
			case 2:
				line = pick(genBadOptionLines)
			case 3:
				line = pick(genRequirements) + pick(genBadRequirementOptions)
			case 4:
				line = pick(genBadEditables)
			default:
				line = pick(genBadIncludes)
			}
			at := rng.IntN(len(lines) + 1)
			lines = slices.Insert(lines, at, line)
		}
		// Odd layout: continuations, trailing comments and spaces.
		var out []string
		for _, line := range lines {
			switch rng.IntN(12) {
			case 0:
				if k := strings.LastIndex(line, " "); k > 0 {
					out = append(out, line[:k]+" \\", "   "+line[k+1:])
					continue
				}
			case 1:
				out = append(out, line+" \\", "# comment inside a continuation")
				continue
			case 2:
				line += "  # trailing comment"
			case 3:
				line = "  " + line + "\t "
			case 4:
				if k := strings.Index(line, " "); k > 0 {
					line = line[:k] + "  " + line[k+1:]
				}
			case 5:
				line += `\`
			}
			out = append(out, line)
		}
		sep := "\n"
		if rng.IntN(8) == 0 {
			sep = "\r\n"
		}
		content := strings.Join(out, sep)
		if rng.IntN(3) > 0 {
			content += sep
		}
		cases = append(cases, diffCase{
			name:       fmt.Sprintf("gen%03d", i),
			files:      map[string][]byte{"requirements.txt": []byte(content)},
			main:       "requirements.txt",
			constraint: rng.IntN(6) == 0,
			env:        envs[rng.IntN(len(envs))],
		})
	}
	return cases
}

func TestDiffGenerated(t *testing.T) {
	havePip(t)
	cases := generateCases(1500, 1)
	compareWithPip(t, cases)
}
