package reqfile

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gopip/gopip/internal/httpx"
	"github.com/gopip/gopip/internal/pystr"
	"github.com/gopip/gopip/resolver/pep508"
)

// tree is the folder every table test runs in: projects and archives that
// requirement lines can name.
var tree = map[string]string{
	"proj/setup.py":                        "",
	"proj2/pyproject.toml":                 "",
	"bare/README":                          "",
	"dist/pkg-1.0-py3-none-any.whl":        "",
	"dist/pkg-1.0.tar.gz":                  "",
	"dist/My_Pkg-2.0_rc1-py3-none-any.whl": "",
	"links/index.html":                     "",
	"a/reqs":                               "foo==1\n",
	"a/notreqs":                            "not a requirement\n",
}

// parseFiles writes files (and tree) into a new folder and parses main
// there.
func parseFiles(t *testing.T, files map[string]string, main string, opts Options) (*File, error) {
	t.Helper()
	f, _, err := parseIn(t, files, main, opts)
	return f, err
}

// parseIn is parseFiles that also returns the folder.
func parseIn(t *testing.T, files map[string]string, main string, opts Options) (*File, string, error) {
	t.Helper()
	dir := t.TempDir()
	all := map[string][]byte{}
	for k, v := range tree {
		all[k] = []byte(v)
	}
	for k, v := range files {
		all[k] = []byte(v)
	}
	writeTree(t, dir, all)
	opts.Dir = dir
	f, err := Parse(context.Background(), main, opts)
	return f, dir, err
}

// describe renders an entry compactly for table tests:
//
//	3 requirement "foo==1" foo ==1 [a] ; marker link=… path=… hash=sha256:x cs=k=v go=x opts=…
func describe(e *Entry, dir string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", e.Origin.Line, e.Kind)
	if e.Constraint {
		b.WriteString(" constraint")
	}
	if e.Kind != KindOptions {
		fmt.Fprintf(&b, " %q", e.Text)
	}
	if r := e.Requirement; r != nil {
		fmt.Fprintf(&b, " %s", r.Name)
		if s := r.Specifier.String(); s != "" {
			fmt.Fprintf(&b, " %s", s)
		}
		if r.URL != "" {
			fmt.Fprintf(&b, " @ %s", r.URL)
		}
	}
	if len(e.Extras) > 0 {
		fmt.Fprintf(&b, " %v", e.Extras)
	}
	if e.Marker != nil {
		fmt.Fprintf(&b, " ; %s", e.Marker)
	}
	link, path := e.Link, e.Path
	if dir != "" {
		link, path = strings.ReplaceAll(link, dir, "DIR"), strings.ReplaceAll(path, dir, "DIR")
	}
	if link != "" && (e.Requirement == nil || e.Link != e.Requirement.URL) {
		fmt.Fprintf(&b, " link=%s", link)
	}
	if path != "" {
		fmt.Fprintf(&b, " path=%s", path)
	}
	for _, h := range e.Hashes {
		fmt.Fprintf(&b, " hash=%s:%s", h.Algorithm, h.Digest)
	}
	for _, c := range e.ConfigSettings {
		fmt.Fprintf(&b, " cs=%s=%s", c.Key, c.Value)
	}
	for _, g := range e.GlobalOptions {
		fmt.Fprintf(&b, " go=%s", g)
	}
	if e.Options != nil {
		if w := e.Options.words(); len(w) > 0 {
			fmt.Fprintf(&b, " opts=%s", strings.Join(w, " "))
		}
		if o := e.Options; len(o.Requirements)+len(o.Constraints)+len(o.Editables)+len(o.Ignored) > 0 {
			fmt.Fprintf(&b, " ignored=%q", slices.Concat(o.Requirements, o.Constraints, o.Editables, o.Ignored))
		}
	}
	return b.String()
}

type tableCase struct {
	name    string
	files   map[string]string // requirements.txt and others
	main    string            // default requirements.txt
	opts    Options
	want    []string // describe() of each entry, with "file:" prefixed for other files
	wantErr string   // the whole Error() text
}

func runTable(t *testing.T, cases []tableCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			main := tc.main
			if main == "" {
				main = "requirements.txt"
			}
			f, dir, err := parseIn(t, tc.files, main, tc.opts)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("no error; want %q", tc.wantErr)
				}
				got := strings.ReplaceAll(err.Error(), dir, "DIR")
				if got != tc.wantErr {
					t.Fatalf("error:\n got %q\nwant %q", got, tc.wantErr)
				}
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("error %T is not an *Error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range f.Entries {
				d := describe(e, dir)
				if e.Origin.File != main {
					d = e.Origin.File + ":" + d
				}
				got = append(got, d)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("entries:\n got %s\nwant %s", strings.Join(quoteAllGo(got), "\n     "), strings.Join(quoteAllGo(tc.want), "\n     "))
			}
		})
	}
}

func quoteAllGo(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

func req(content string) map[string]string { return map[string]string{"requirements.txt": content} }

func TestLexing(t *testing.T) {
	runTable(t, []tableCase{
		{name: "comments", files: req("# full line\n   # indented\nfoo==1 # trailing\nbar\t# after tab\nbaz\u00a0# after no-break space\n#\n"),
			want: []string{`3 requirement "foo==1" foo ==1`, `4 requirement "bar" bar`, `5 requirement "baz" baz`}},
		{name: "hash sign inside a word is not a comment",
			files: req("https://host/pkg-1.0.tar.gz#egg=pkg\nhttps://host/pkg-2.0.tar.gz#egg=pkg # comment\ngit+https://host/r.git#egg=r&subdirectory=s\n"),
			want: []string{
				`1 url "https://host/pkg-1.0.tar.gz#egg=pkg" pkg link=https://host/pkg-1.0.tar.gz#egg=pkg`,
				`2 url "https://host/pkg-2.0.tar.gz#egg=pkg" pkg link=https://host/pkg-2.0.tar.gz#egg=pkg`,
				`3 url "git+https://host/r.git#egg=r&subdirectory=s" r link=git+https://host/r.git#egg=r&subdirectory=s`,
			}},
		{name: "continuation joins and keeps the first line number",
			files: req("foo==1.0 \\\n    --hash=sha256:aaa \\\n    --hash=sha256:bbb\nbar\n"),
			want:  []string{`1 requirement "foo==1.0    " foo ==1.0 hash=sha256:aaa hash=sha256:bbb`, `4 requirement "bar" bar`}},
		{name: "continuation without a space glues words",
			files: req("fo\\\no==1\n"),
			want:  []string{`1 requirement "foo==1" foo ==1`}},
		{name: "a comment line ends a continuation",
			files: req("foo==1 \\\n# comment\nbar\n"),
			want:  []string{`1 requirement "foo==1" foo ==1`, `3 requirement "bar" bar`}},
		{name: "a comment line ending in a backslash does not continue",
			files: req("# comment \\\nfoo\n"),
			want:  []string{`2 requirement "foo" foo`}},
		{name: "a trailing comment with a backslash continues",
			files: req("foo # comment \\\nbar\n"),
			want:  []string{`1 requirement "foo" foo`}},
		{name: "backslash at the end of the file",
			files: req("foo\nbar==1 \\"),
			want:  []string{`1 requirement "foo" foo`, `2 requirement "bar==1" bar ==1`}},
		{name: "a lone backslash line joins with nothing",
			files: req("foo\n\\\n"),
			want:  []string{`1 requirement "foo" foo`}},
		{name: "an escaped backslash still continues (pip strips every trailing backslash)",
			files: req("foo\\\\\n==1\n"),
			want:  []string{`1 requirement "foo==1" foo ==1`}},
		{name: "leading backslashes of a continued line are stripped",
			files: req("\\\\foo \\\n==1\n"),
			want:  []string{`1 requirement "foo ==1" foo ==1`}},
		{name: "an empty line inside a continuation ends it",
			files: req("foo \\\n\nbar\n"),
			want:  []string{`1 requirement "foo" foo`, `3 requirement "bar" bar`}},
		{name: "line boundaries",
			files: req("a\r\nb\rc\x0bd\x0ce\x1cf\u2028g\u2029h\u0085i\n"),
			want: []string{`1 requirement "a" a`, `2 requirement "b" b`, `3 requirement "c" c`, `4 requirement "d" d`,
				`5 requirement "e" e`, `6 requirement "f" f`, `7 requirement "g" g`, `8 requirement "h" h`, `9 requirement "i" i`}},
		{name: "spaces around", files: req("  foo==1  \n\t\n"), want: []string{`1 requirement "foo==1" foo ==1`}},
		{name: "double space keeps an empty word", files: req("foo  --hash=sha256:x\n"),
			want: []string{`1 requirement "foo " foo hash=sha256:x`}},
		{name: "a tab does not start options",
			files:   req("foo==1\t--hash=sha256:x\n"),
			wantErr: `Invalid requirement: 'foo==1\t--hash=sha256:x' (from line 1 of requirements.txt)`},
	})
}

func TestEnvironmentVariables(t *testing.T) {
	env := map[string]string{"NAME": "flask", "VERSION": "2.0", "EMPTY": "", "NESTED": "${VERSION}", "lower": "x", "BS": `\`}
	opts := Options{Getenv: func(k string) string { return env[k] }}
	runTable(t, []tableCase{
		{name: "set", opts: opts, files: req("${NAME}==${VERSION}\n"), want: []string{`1 requirement "flask==2.0" flask ==2.0`}},
		{name: "every occurrence", opts: opts, files: req("x==${VERSION} --hash=sha256:${VERSION}${VERSION}\n"),
			want: []string{`1 requirement "x==2.0" x ==2.0 hash=sha256:2.02.0`}},
		{name: "unset and empty stay as written", opts: opts, files: req("x --hash=sha256:${UNSET} --hash=sha256:${EMPTY}\n"),
			want: []string{`1 requirement "x" x hash=sha256:${UNSET} hash=sha256:${EMPTY}`}},
		{name: "only upper case braces", opts: opts, files: req("x --hash=sha256:${lower}$NAME%NAME%$(NAME)\n"),
			want: []string{`1 requirement "x" x hash=sha256:${lower}$NAME%NAME%$(NAME)`}},
		{name: "values are not expanded again", opts: opts, files: req("x --hash=sha256:${NESTED}\n"),
			want: []string{`1 requirement "x" x hash=sha256:${VERSION}`}},
		{name: "expanded after comments are stripped", opts: Options{Getenv: func(string) string { return "k=a #b" }},
			files: req("x --config-settings=${V}\n"), want: []string{`1 requirement "x" x cs=k=a`}},
		{name: "no Getenv expands nothing", files: req("x --hash=sha256:${NAME}\n"),
			want: []string{`1 requirement "x" x hash=sha256:${NAME}`}},
		{name: "a trailing backslash from a variable", opts: opts, files: req("x -C a=${BS}\n"),
			wantErr: "Invalid requirement: x -C a=\\ (from line 1 of requirements.txt)\nCould not split options: -C a=\\"},
	})
}

func TestOptions(t *testing.T) {
	runTable(t, []tableCase{
		{name: "every option", files: req(strings.Join([]string{
			"-i https://a/simple", "--index-url=https://b/simple", "--pypi-url https://c/simple",
			"--extra-index-url https://d/simple", "--no-index", "-f ./links", "--find-links=https://l/",
			"--no-binary :all:", "--only-binary=foo,Bar_Baz", "--prefer-binary", "--require-hashes", "--pre",
			"--trusted-host h.example:8080", "--use-feature=fast-deps",
		}, "\n")),
			want: []string{
				"1 options opts=--index-url=https://a/simple", "2 options opts=--index-url=https://b/simple",
				"3 options opts=--index-url=https://c/simple", "4 options opts=--extra-index-url=https://d/simple",
				"5 options opts=--no-index", "6 options opts=--find-links=./links", "7 options opts=--find-links=https://l/",
				"8 options opts=--no-binary=:all:", "9 options opts=--only-binary=foo,Bar_Baz", "10 options opts=--prefer-binary",
				"11 options opts=--require-hashes", "12 options opts=--pre", "13 options opts=--trusted-host=h.example:8080",
				"14 options opts=--use-feature=fast-deps",
			}},
		{name: "spellings", files: req("-ihttps://a/simple\n--extra https://b/simple\n--no-i\n--find-links links\n-f'links'\n--trusted-host \"h x\"\n"),
			want: []string{"1 options opts=--index-url=https://a/simple", "2 options opts=--extra-index-url=https://b/simple",
				"3 options opts=--no-index", "4 options opts=--find-links=links", "5 options opts=--find-links=links",
				"6 options opts=--trusted-host='h x'"}},
		{name: "several on one line, the last -i wins", files: req("-i https://a/simple --pre -i https://b/simple --prefer-binary\n"),
			want: []string{"1 options opts=--index-url=https://b/simple --prefer-binary --pre"}},
		{name: "words after options are ignored", files: req("--pre foo\n-- --no-index\n"),
			want: []string{`1 options opts=--pre ignored=["foo"]`, `2 options ignored=["--no-index"]`}},
		{name: "options at the end of a requirement",
			files: req("foo==1.0 --hash=sha256:a --hash sha384:b --global-option=--x -C k=v -C k=w --config-settings=j=1\n"),
			want:  []string{`1 requirement "foo==1.0" foo ==1.0 hash=sha256:a hash=sha384:b cs=k=v cs=k=w cs=j=1 go=--x`}},
		{name: "abbreviated per-requirement options", files: req("foo --h=sha512:c --conf k=v --glob g\n"),
			want: []string{`1 requirement "foo" foo hash=sha512:c cs=k=v go=g`}},
		{name: "global options on a requirement line are recorded, not applied",
			files: req("foo -i https://x/simple --pre --no-binary foo -r other.txt\n"),
			want:  []string{`1 requirement "foo" foo opts=--index-url=https://x/simple --no-binary=foo --pre ignored=["other.txt"]`}},
		{name: "unknown long option", files: req("foo\n--upgrade\n"),
			wantErr: "Invalid requirement: --upgrade (from line 2 of requirements.txt)\nno such option: --upgrade"},
		{name: "unknown short option", files: req("-U foo\n"),
			wantErr: "Invalid requirement: -U foo (from line 1 of requirements.txt)\nno such option: -U"},
		{name: "ambiguous abbreviation", files: req("--pr\n"),
			wantErr: "Invalid requirement: --pr (from line 1 of requirements.txt)\nambiguous option: --pr (--pre, --prefer-binary?)"},
		{name: "missing value", files: req("--index-url\n"),
			wantErr: "Invalid requirement: --index-url (from line 1 of requirements.txt)\n--index-url option requires 1 argument"},
		{name: "missing short value", files: req("-r\n"),
			wantErr: "Invalid requirement: -r (from line 1 of requirements.txt)\n-r option requires 1 argument"},
		{name: "flag with a value", files: req("--pre=1\n"),
			wantErr: "Invalid requirement: --pre=1 (from line 1 of requirements.txt)\n--pre option does not take a value"},
		{name: "invalid feature", files: req("--use-feature=2020-resolver\n"),
			wantErr: "Invalid requirement: --use-feature=2020-resolver (from line 1 of requirements.txt)\noption --use-feature: invalid choice: '2020-resolver' (choose from 'fast-deps', 'truststore', 'no-binary-enable-wheel-cache')"},
		{name: "format control value like an option", files: req("--no-binary --pre\n"),
			wantErr: "--no-binary / --only-binary option requires 1 argument. (from line 1 of requirements.txt)"},
		{name: "unterminated quote", files: req("foo --config-settings='a=b\n"),
			wantErr: "Invalid requirement: foo --config-settings='a=b (from line 1 of requirements.txt)\nCould not split options: --config-settings='a=b"},
		{name: "weak hash", files: req("foo==1 --hash=md5:abc\n"),
			wantErr: "Invalid requirement: foo==1 --hash=md5:abc (from line 1 of requirements.txt)\nAllowed hash algorithms for --hash are sha256, sha384, sha512."},
		{name: "hash without algorithm", files: req("foo==1 --hash=abc\n"),
			wantErr: "Invalid requirement: foo==1 --hash=abc (from line 1 of requirements.txt)\nArguments to --hash must be a hash name followed by a value, like --hash=sha256:abcde..."},
		{name: "config setting without =", files: req("foo --config-settings novalue\n"),
			wantErr: "Invalid requirement: foo --config-settings novalue (from line 1 of requirements.txt)\nArguments to --config-settings must be of the form KEY=VAL"},
	})
}

func TestRequirementKinds(t *testing.T) {
	runTable(t, []tableCase{
		{name: "names", files: req("requests\nRequests[Security, socks]>=2.8.1,<3\nfoo (>=1.0)\nzope.interface~=5.0\nFoo_Bar[Extra_One]==1\n"),
			want: []string{
				`1 requirement "requests" requests`,
				`2 requirement "Requests[Security, socks]>=2.8.1,<3" Requests <3,>=2.8.1 [security socks]`,
				`3 requirement "foo (>=1.0)" foo >=1.0`,
				`4 requirement "zope.interface~=5.0" zope.interface ~=5.0`,
				`5 requirement "Foo_Bar[Extra_One]==1" Foo_Bar ==1 [extra_one]`,
			}},
		{name: "markers", files: req("foo ; python_version < \"3.8\"\nbar;os_name=='posix'\nempty ;\n"),
			want: []string{`1 requirement "foo ; python_version < \"3.8\"" foo ; python_version < "3.8"`,
				`2 requirement "bar;os_name=='posix'" bar ; os_name == "posix"`, `3 requirement "empty ;" empty`}},
		{name: "name @ url", files: req("name @ https://host/name-1.0.tar.gz\nn2 @ https://host/n.tar.gz; python_version >= \"3\"\n"),
			want: []string{`1 requirement "name @ https://host/name-1.0.tar.gz" name @ https://host/name-1.0.tar.gz`,
				`2 requirement "n2 @ https://host/n.tar.gz; python_version >= \"3\"" n2 @ https://host/n.tar.gz ; python_version >= "3"`}},
		{name: "urls", files: req(strings.Join([]string{
			"https://host/pkg-1.0-py3-none-any.whl",
			"https://host/pkg-1.0.tar.gz",
			"https://host/pkg-1.0.tar.gz#egg=pkg[x]",
			"git+https://host/r.git@v1#egg=r",
			"https://host/pkg-2.0.tar.gz#egg=pkg; python_version >= \"3\"",
		}, "\n")),
			want: []string{
				`1 url "https://host/pkg-1.0-py3-none-any.whl" pkg ==1.0 link=https://host/pkg-1.0-py3-none-any.whl`,
				`2 url "https://host/pkg-1.0.tar.gz" link=https://host/pkg-1.0.tar.gz`,
				`3 url "https://host/pkg-1.0.tar.gz#egg=pkg[x]" pkg [x] link=https://host/pkg-1.0.tar.gz#egg=pkg[x]`,
				`4 url "git+https://host/r.git@v1#egg=r" r link=git+https://host/r.git@v1#egg=r`,
				`5 url "https://host/pkg-2.0.tar.gz#egg=pkg; python_version >= \"3\"" pkg ; python_version >= "3" link=https://host/pkg-2.0.tar.gz#egg=pkg`,
			}},
		{name: "egg fragment that is not a requirement", files: req("https://host/p.tar.gz#egg=bad!name\n"),
			wantErr: "Invalid requirement: 'bad!name' (from line 1 of requirements.txt)"},
	})
}

func TestPaths(t *testing.T) {
	runTable(t, []tableCase{{name: "paths", files: req(strings.Join([]string{
		"./proj", "./proj2[Test,dev]", "./dist/pkg-1.0-py3-none-any.whl", "dist/pkg-1.0.tar.gz",
		"./dist/My_Pkg-2.0_rc1-py3-none-any.whl ; os_name == 'posix'", "file:./dist/../dist/pkg-1.0.tar.gz",
		"missing-1.0-py3-none-any.whl", "proj", "./dist/../dist/pkg-1.0.tar.gz", "name @ ./proj",
		"file:dist/pkg-1.0.tar.gz",
	}, "\n")), want: []string{
		`1 path "./proj" link=file://DIR/proj path=DIR/proj`,
		`2 path "./proj2[Test,dev]" [dev test] link=file://DIR/proj2 path=DIR/proj2`,
		`3 path "./dist/pkg-1.0-py3-none-any.whl" pkg ==1.0 link=file://DIR/dist/pkg-1.0-py3-none-any.whl path=DIR/dist/pkg-1.0-py3-none-any.whl`,
		`4 path "dist/pkg-1.0.tar.gz" link=file://DIR/dist/pkg-1.0.tar.gz path=DIR/dist/pkg-1.0.tar.gz`,
		`5 path "./dist/My_Pkg-2.0_rc1-py3-none-any.whl ; os_name == 'posix'" My-Pkg ==2.0-rc1 ; os_name == "posix" link=file://DIR/dist/My_Pkg-2.0_rc1-py3-none-any.whl path=DIR/dist/My_Pkg-2.0_rc1-py3-none-any.whl`,
		`6 url "file:./dist/../dist/pkg-1.0.tar.gz" link=file://DIR/dist/pkg-1.0.tar.gz path=DIR/dist/pkg-1.0.tar.gz`,
		`7 path "missing-1.0-py3-none-any.whl" missing ==1.0 link=file://DIR/missing-1.0-py3-none-any.whl path=DIR/missing-1.0-py3-none-any.whl`,
		`8 requirement "proj" proj`,
		`9 path "./dist/../dist/pkg-1.0.tar.gz" link=file://DIR/dist/pkg-1.0.tar.gz path=DIR/dist/pkg-1.0.tar.gz`,
		`10 requirement "name @ ./proj" name @ ./proj`,
		`11 url "file:dist/pkg-1.0.tar.gz" link=file:dist/pkg-1.0.tar.gz path=DIR/dist/pkg-1.0.tar.gz`,
	}}})
	f, err := parseFiles(t, req("missing-1.0-py3-none-any.whl\n"), "requirements.txt", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Warnings) != 1 || f.Warnings[0].String() != "Requirement 'missing-1.0-py3-none-any.whl' looks like a filename, but the file does not exist (from line 1 of requirements.txt)" {
		t.Errorf("warnings: %v", f.Warnings)
	}
}

func TestRequirementErrors(t *testing.T) {
	runTable(t, []tableCase{
		{name: "single =", files: req("ok\nfoo=1\n"),
			wantErr: "Invalid requirement: 'foo=1' (from line 2 of requirements.txt)\nHint: = is not a valid operator. Did you mean == ?"},
		{name: "single = with a marker", files: req("foo=1 ; python_version < '3'\n"),
			wantErr: "Invalid requirement: 'foo=1' (from line 1 of requirements.txt)\nHint: = is not a valid operator. Did you mean == ?"},
		{name: "no hint when an operator is there", files: req("foo=>1\n"),
			wantErr: "Invalid requirement: 'foo=>1' (from line 1 of requirements.txt)"},
		{name: "path that does not exist", files: req("./nope/pkg\n"),
			wantErr: "Invalid requirement: './nope/pkg' (from line 1 of requirements.txt)\nHint: It looks like a path. File './nope/pkg' does not exist."},
		{name: "path to a requirements file", files: req("a/reqs\n"),
			wantErr: "Invalid requirement: 'a/reqs' (from line 1 of requirements.txt)\nHint: It looks like a path. The path does exist. The argument you provided (a/reqs) appears to be a requirements file. If that is the case, use the '-r' flag to install the packages specified within it."},
		{name: "path to another file", files: req("a/notreqs\n"),
			wantErr: "Invalid requirement: 'a/notreqs' (from line 1 of requirements.txt)\nHint: It looks like a path. The path does exist. "},
		{name: "directory without a project", files: req("./bare\n"),
			wantErr: "Directory './bare' is not installable. Neither 'setup.py' nor 'pyproject.toml' found. (from line 1 of requirements.txt)"},
		{name: "wheel name", files: req("https://host/not-a-wheel.whl\n"),
			wantErr: "not-a-wheel.whl is not a valid wheel filename. (from line 1 of requirements.txt)"},
		{name: "words", files: req("foo bar\n"),
			wantErr: "Invalid requirement: 'foo bar' (from line 1 of requirements.txt)"},
		{name: "quote in repr", files: req("it's\n"),
			wantErr: "Invalid requirement: \"it's\" (from line 1 of requirements.txt)"},
		{name: "bad marker", files: req("foo ; python_version >< '3'\n"),
			wantErr: "Invalid requirement: \"foo ; python_version >< '3'\" (from line 1 of requirements.txt)\nExpected a marker variable or quoted string\n    python_version >< '3'\n                    ^"},
	})
}

func TestEditables(t *testing.T) {
	runTable(t, []tableCase{
		{name: "vcs", files: req("-e git+https://host/a/b.git@main#egg=b[x]\n-e git:host/a/b#egg=b\n--editable=hg+http://host/r#egg=r\n"),
			want: []string{
				`1 editable "git+https://host/a/b.git@main#egg=b[x]" b [x] link=git+https://host/a/b.git@main#egg=b[x]`,
				`2 editable "git:host/a/b#egg=b" b link=git+git:host/a/b#egg=b`,
				`3 editable "hg+http://host/r#egg=r" r link=hg+http://host/r#egg=r`,
			}},
		{name: "options", files: req("-e git+https://h/r#egg=r --config-settings editable_mode=compat --hash=sha256:dropped\n-e git+https://h/r#egg=r -e git+https://h/s#egg=s\n"),
			want: []string{
				`1 editable "git+https://h/r#egg=r" r link=git+https://h/r#egg=r cs=editable_mode=compat`,
				`2 editable "git+https://h/r#egg=r" r link=git+https://h/r#egg=r ignored=["git+https://h/s#egg=s"]`,
			}},
		{name: "not vcs", files: req("-e https://host/x.tar.gz\n"),
			wantErr: "https://host/x.tar.gz is not a valid editable requirement. It should either be a path to a local project or a VCS URL (beginning with bzr+http, bzr+https, bzr+ssh, bzr+sftp, bzr+ftp, bzr+lp, bzr+file, git+http, git+https, git+ssh, git+git, git+file, hg+file, hg+http, hg+https, hg+ssh, hg+static-http, svn+ssh, svn+http, svn+https, svn+svn, svn+file). (from line 1 of requirements.txt)"},
		{name: "no name", files: req("-e git+https://host/r.git\n"),
			wantErr: "Could not detect requirement name for 'git+https://host/r.git', please specify one with #egg=your_package_name (from line 1 of requirements.txt)"},
		{name: "bad name", files: req("-e git+https://host/r.git#egg=a%20b\n"),
			wantErr: "Invalid requirement: 'a%20b' (from line 1 of requirements.txt)"},
		{name: "missing value", files: req("-e\n"),
			wantErr: "Invalid requirement: -e (from line 1 of requirements.txt)\n-e option requires 1 argument"},
	})
	f, err := parseFiles(t, req("-e ./proj[Dev]\n-e file:./proj#egg=proj\n"), "requirements.txt", Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := f.Entries[0]
	if e.Kind != KindEditable || e.Requirement != nil || !slices.Equal(e.Extras, []string{"dev"}) ||
		!strings.HasSuffix(e.Path, "/proj") || e.Link != "file://"+e.Path {
		t.Errorf("-e ./proj[Dev]: %s", describe(e, ""))
	}
	if e := f.Entries[1]; e.Requirement == nil || e.Requirement.Name != "proj" || e.Link != "file:./proj#egg=proj" {
		t.Errorf("-e file:./proj#egg=proj: %s", describe(e, ""))
	}
}

func TestIncludes(t *testing.T) {
	runTable(t, []tableCase{
		{name: "relative to the including file", files: map[string]string{
			"requirements.txt":     "top\n-r reqs/base.txt\n-c reqs/pins/pins.txt\nlast\n",
			"reqs/base.txt":        "base\n-r ../common.txt\n--requirement=deeper/more.txt\n",
			"reqs/deeper/more.txt": "more\n-r../../common.txt\n",
			"common.txt":           "common\n",
			"reqs/pins/pins.txt":   "pinned==1\n-r ../../common.txt\n-c other.txt\n",
			"reqs/pins/other.txt":  "other<2\n",
		}, want: []string{
			`1 requirement "top" top`,
			`reqs/base.txt:1 requirement "base" base`,
			`reqs/../common.txt:1 requirement "common" common`,
			`reqs/deeper/more.txt:1 requirement "more" more`,
			`reqs/deeper/../../common.txt:1 requirement "common" common`,
			`reqs/pins/pins.txt:1 requirement constraint "pinned==1" pinned ==1`,
			`reqs/pins/../../common.txt:1 requirement "common" common`,
			`reqs/pins/other.txt:1 requirement constraint "other<2" other <2`,
			`4 requirement "last" last`,
		}},
		{name: "only the first -r of a line, -r before -c", files: map[string]string{
			"requirements.txt": "-r a.txt -r b.txt\n-c b.txt -r a.txt --pre\n",
			"a.txt":            "a\n",
			"b.txt":            "b\n",
		}, want: []string{`a.txt:1 requirement "a" a`, `a.txt:1 requirement "a" a`}},
		{name: "same file twice is not a cycle", files: map[string]string{
			"requirements.txt": "-r test.txt\n-r base.txt\n", "test.txt": "-r base.txt\npytest\n", "base.txt": "requests\n",
		}, want: []string{`base.txt:1 requirement "requests" requests`, `test.txt:2 requirement "pytest" pytest`, `base.txt:1 requirement "requests" requests`}},
		{name: "includes itself", files: req("foo\n-r requirements.txt\n"),
			wantErr: "requirements.txt recursively references itself in requirements.txt (from line 2 of requirements.txt)"},
		{name: "cycle through other files", files: map[string]string{
			"requirements.txt": "-r a.txt\n", "a.txt": "-r sub/b.txt\n", "sub/b.txt": "-c ../a.txt\n",
		}, wantErr: "sub/../a.txt recursively references itself in sub/b.txt and again in requirements.txt (from line 1 of sub/b.txt)"},
		{name: "missing nested file", files: req("foo\n-r sub/missing.txt\n"),
			wantErr: "Could not open requirements file: [Errno 2] No such file or directory: 'sub/missing.txt' (from line 2 of requirements.txt)"},
		{name: "error in a nested file names it", files: map[string]string{"requirements.txt": "-r sub/in.txt\n", "sub/in.txt": "ok\n\nbad=1\n"},
			wantErr: "Invalid requirement: 'bad=1' (from line 3 of sub/in.txt)\nHint: = is not a valid operator. Did you mean == ?"},
		{name: "include a folder", files: req("-r proj\n"),
			wantErr: "Could not open requirements file: [Errno 21] Is a directory: 'proj' (from line 1 of requirements.txt)"},
		{name: "missing file", main: "nothere.txt", files: req(""),
			wantErr: "Could not open requirements file: [Errno 2] No such file or directory: 'nothere.txt'"},
	})
	if _, err := Parse(context.Background(), "", Options{Dir: t.TempDir()}); err == nil || err.Error() != "Could not open requirements file: [Errno 2] No such file or directory: ''" {
		t.Errorf("empty name: %v", err)
	}
	var e *Error
	_, err := parseFiles(t, req("-r requirements.txt\n"), "requirements.txt", Options{})
	if !errors.As(err, &e) || !errors.Is(err, ErrCycle) || e.Origin != (Origin{"requirements.txt", 1}) || e.Text != "-r requirements.txt" {
		t.Errorf("cycle error: %#v", err)
	}
}

func TestURLIncludes(t *testing.T) {
	files := map[string]string{
		"/r/requirements.txt": "foo\n-r sub/more.txt\n-c /pins.txt\n-r http://other.example/x.txt\n",
		"/r/sub/more.txt":     "bar\n-r ../last.txt\n",
		"/r/last.txt":         "baz\n",
		"/pins.txt":           "foo<2\n",
	}
	var fetched []string
	getter := GetterFunc(func(ctx context.Context, url string) ([]byte, string, error) {
		fetched = append(fetched, url)
		if url == "http://other.example/x.txt" {
			return []byte("x --hash=sha256:caf\xe9\n"), "text/plain; charset=ISO-8859-1", nil
		}
		path := strings.TrimPrefix(url, "https://host.example")
		content, ok := files[path]
		if !ok {
			return nil, "", &StatusError{Code: 404, URL: url}
		}
		return []byte(content), "text/plain", nil
	})
	f, err := Parse(context.Background(), "https://host.example/r/requirements.txt", Options{Getter: getter, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range f.Entries {
		got = append(got, e.Origin.String()+" "+e.Text)
	}
	want := []string{
		"line 1 of https://host.example/r/requirements.txt foo",
		"line 1 of https://host.example/r/sub/more.txt bar",
		"line 1 of https://host.example/r/last.txt baz",
		"line 1 of https://host.example/pins.txt foo<2",
		"line 1 of http://other.example/x.txt x",
	}
	if !slices.Equal(got, want) {
		t.Errorf("entries:\n got %q\nwant %q", got, want)
	}
	if f.Entries[4].Hashes[0].Digest != "café" {
		t.Errorf("charset not applied: %q", f.Entries[4].Hashes)
	}
	if !f.Entries[3].Constraint {
		t.Error("-c over a URL is not a constraint")
	}

	_, err = Parse(context.Background(), "https://host.example/r/missing.txt", Options{Getter: getter, Dir: t.TempDir()})
	if err == nil || err.Error() != "404 Client Error: Not Found for url: https://host.example/r/missing.txt" {
		t.Errorf("404: %v", err)
	}
	_, err = Parse(context.Background(), "https://host.example/r/requirements.txt", Options{Dir: t.TempDir()})
	if err == nil || err.Error() != "Could not fetch requirements file https://host.example/r/requirements.txt: no HTTP client configured" {
		t.Errorf("no getter: %v", err)
	}
}

func TestHTTPGetter(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/r.txt":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			fmt.Fprint(w, "foo==1\n-r nested/n.txt\n")
		case "/nested/n.txt":
			fmt.Fprint(w, "bar\n")
		case "/boom.txt":
			w.WriteHeader(http.StatusInternalServerError)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	g := HTTPGetter{Client: srv.Client()}
	f, err := Parse(context.Background(), srv.URL+"/r.txt", Options{Getter: g, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Entries) != 2 || f.Entries[1].Origin.File != srv.URL+"/nested/n.txt" {
		t.Errorf("entries: %v", f.Entries)
	}
	_, err = Parse(context.Background(), srv.URL+"/boom.txt", Options{Getter: g, Dir: t.TempDir()})
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 500 || err.Error() != "500 Server Error: Internal Server Error for url: "+srv.URL+"/boom.txt" {
		t.Errorf("500: %v", err)
	}
	if _, _, err := (HTTPGetter{}).Get(context.Background(), srv.URL); err == nil {
		t.Error("HTTPGetter without a client fetched")
	}
}

func TestFileURLs(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string][]byte{
		"requirements.txt": []byte("-r file://" + dir + "/sub/f.txt\n"),
		"sub/f.txt":        []byte("-r ../other.txt\nx\n"),
		"other.txt":        []byte("other\n"),
	})
	f, err := Parse(context.Background(), "requirements.txt", Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range f.Entries {
		got = append(got, e.Origin.File+" "+e.Text)
	}
	want := []string{"file://" + dir + "/other.txt other", "file://" + dir + "/sub/f.txt x"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestConstraints(t *testing.T) {
	runTable(t, []tableCase{
		{name: "unnamed", opts: Options{Constraint: true}, files: req("foo\n./proj\n"),
			wantErr: "Unnamed requirements are not allowed as constraints (from line 2 of requirements.txt)\nHint: constraints take the form name, version specifier and marker; use a requirement for the rest"},
		{name: "editable", opts: Options{Constraint: true}, files: req("-e git+https://h/r#egg=r\n"),
			wantErr: "Editable requirements are not allowed as constraints (from line 1 of requirements.txt)\nHint: constraints take the form name, version specifier and marker; use a requirement for the rest"},
		{name: "extras", files: map[string]string{"requirements.txt": "-c c.txt\n", "c.txt": "foo[bar]==1\n"},
			wantErr: "Constraints cannot have extras (from line 1 of c.txt)\nHint: constraints take the form name, version specifier and marker; use a requirement for the rest"},
		{name: "checked after everything is read", opts: Options{Constraint: true}, files: req("./proj\nfoo=1\n"),
			wantErr: "Invalid requirement: 'foo=1' (from line 2 of requirements.txt)\nHint: = is not a valid operator. Did you mean == ?"},
	})
	f, err := parseFiles(t, map[string]string{
		"requirements.txt": "foo==1.0\n./dist/pkg-1.0-py3-none-any.whl\nhttps://host/x.tar.gz#egg=x\n-r other.txt\n",
		"other.txt":        "./proj\n",
	}, "requirements.txt", Options{Constraint: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, true, true, false} {
		if f.Entries[i].Constraint != want {
			t.Errorf("%s: constraint %v", describe(f.Entries[i], ""), f.Entries[i].Constraint)
		}
	}
}

func TestHashes(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		preset, want  bool
		warnings      []string
	}{
		{name: "none", content: "foo==1\n"},
		{name: "one hash", content: "foo==1\nbar==2 --hash=sha256:x\n", want: true},
		{name: "require-hashes", content: "--require-hashes\nfoo==1\n", want: true},
		{name: "already on", content: "foo==1\n", preset: true, want: true},
		{name: "hash on an option line is ignored", content: "--hash=sha256:x\nfoo\n",
			warnings: []string{"--hash without a requirement is ignored (from line 1 of requirements.txt)"}},
		{name: "hash on an editable is ignored", content: "-e git+https://h/r#egg=r --hash=sha256:x\n"},
		{name: "hash in a constraints file", content: "-c c.txt\nfoo\n", want: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := Options{}
			opts.Settings.RequireHashes = tc.preset
			f, err := parseFiles(t, map[string]string{"requirements.txt": tc.content, "c.txt": "foo==1 --hash=sha256:x\n"}, "requirements.txt", opts)
			if err != nil {
				t.Fatal(err)
			}
			if f.HashCheckingMode != tc.want {
				t.Errorf("HashCheckingMode = %v", f.HashCheckingMode)
			}
			var warnings []string
			for _, w := range f.Warnings {
				warnings = append(warnings, w.String())
			}
			if !slices.Equal(warnings, tc.warnings) {
				t.Errorf("warnings %q, want %q", warnings, tc.warnings)
			}
		})
	}
}

func TestSettings(t *testing.T) {
	for _, tc := range []struct {
		name    string
		files   map[string]string
		initial Settings
		want    func(dir string) Settings
	}{
		{name: "index URLs", initial: Settings{IndexURLs: []string{"https://cli/simple"}},
			files: req("--extra-index-url https://e1/simple\n-i https://i/simple\n--extra-index-url https://e2/simple\n"),
			want:  func(string) Settings { return Settings{IndexURLs: []string{"https://i/simple", "https://e2/simple"}} }},
		{name: "no index blocks later index options", files: req("-i https://a/simple\n--no-index\n-i https://b/simple\n--extra-index-url https://c/simple\n"),
			want: func(string) Settings { return Settings{NoIndex: true} }},
		{name: "find links next to the file", files: map[string]string{
			"requirements.txt": "-r sub/in.txt\n-f links\n", "sub/in.txt": "-f links\n-f there -f ignored\n", "sub/links/x": "",
		}, want: func(dir string) Settings {
			return Settings{FindLinks: []string{dir + "/sub/links", "there", "links"}}
		}},
		{name: "format control", files: req("--no-binary :all:\n--only-binary foo,Bar_Baz\nqux --no-binary=qux\n--only-binary=:none:,x\n-r other.txt --no-binary y\n"),
			want: func(string) Settings {
				return Settings{Format: FormatControl{NoBinary: []string{":all:", "qux", "y"}, OnlyBinary: []string{"x"}}}
			}},
		{name: "all and none", files: req("--only-binary a\n--no-binary :all:,:none:,b\n"),
			want: func(string) Settings { return Settings{Format: FormatControl{NoBinary: []string{"b"}}} }},
		{name: "flags and hosts", files: req("--pre\n--prefer-binary\n--require-hashes\n--trusted-host h\n--trusted-host h --trusted-host h:1\n"),
			want: func(string) Settings {
				return Settings{Pre: true, PreferBinary: true, RequireHashes: true, TrustedHosts: []string{"h", "h:1"}}
			}},
		{name: "features of earlier lines leak into option lines", files: req("foo --use-feature=truststore\n--pre\n--use-feature fast-deps\n"),
			want: func(string) Settings { return Settings{Pre: true, Features: []string{"truststore", "fast-deps"}} }},
		{name: "options of requirement and include lines are ignored", files: req("foo --pre -i https://x/simple\n-r other.txt --prefer-binary\n"),
			want: func(string) Settings { return Settings{} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"other.txt": "other\n"}
			for k, v := range tc.files {
				files[k] = v
			}
			dir := t.TempDir()
			all := map[string][]byte{}
			for k, v := range files {
				all[k] = []byte(v)
			}
			writeTree(t, dir, all)
			initial := tc.initial.Clone()
			f, err := Parse(context.Background(), "requirements.txt", Options{Dir: dir, Settings: tc.initial})
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want(dir)
			if fmt.Sprintf("%+v", normalize(f.Settings)) != fmt.Sprintf("%+v", normalize(want)) {
				t.Errorf("settings:\n got %+v\nwant %+v", f.Settings, want)
			}
			if fmt.Sprintf("%+v", tc.initial) != fmt.Sprintf("%+v", initial) {
				t.Errorf("Options.Settings changed: %+v", tc.initial)
			}
		})
	}
}

func normalize(s Settings) Settings {
	for _, p := range []*[]string{&s.IndexURLs, &s.FindLinks, &s.TrustedHosts, &s.Features, &s.Format.NoBinary, &s.Format.OnlyBinary} {
		if len(*p) == 0 {
			*p = nil
		}
	}
	return s
}

func TestFormatControlAllowed(t *testing.T) {
	fc := FormatControl{}
	fc.Apply(FormatOption{Value: ":all:"})
	fc.Apply(FormatOption{OnlyBinary: true, Value: "numpy"})
	for _, tc := range []struct {
		name           string
		binary, source bool
	}{{"numpy", true, false}, {"other", false, true}} {
		if b, s := fc.Allowed(tc.name); b != tc.binary || s != tc.source {
			t.Errorf("Allowed(%s) = %v, %v", tc.name, b, s)
		}
	}
}

func TestDecoding(t *testing.T) {
	for _, tc := range []struct {
		name    string
		data    string
		want    string
		wantErr string
	}{
		{"utf-8", "caf\xc3\xa9", "café", ""},
		{"utf-8 bom", "\xef\xbb\xbfcaf\xc3\xa9", "café", ""},
		{"utf-16 le bom", "\xff\xfea\x00\xe9\x00", "aé", ""},
		{"utf-16 be bom", "\xfe\xff\x00a\x00\xe9", "aé", ""},
		{"utf-32 le bom", "\xff\xfe\x00\x00a\x00\x00\x00", "a", ""},
		{"utf-32 be bom", "\x00\x00\xfe\xff\x00\x00\x00a", "a", ""},
		{"pep 263 first line", "# -*- coding: latin-1 -*-\n\xe9", "# -*- coding: latin-1 -*-\né", ""},
		{"pep 263 second line", "#!x\n# vim: fileencoding=cp1252\n\x80", "#!x\n# vim: fileencoding=cp1252\n€", ""},
		{"pep 263 third line ignored", "#\n#\n# coding: latin-1\n\xe9", "", "'utf-8' codec can't decode the byte at position 22"},
		{"unknown encoding", "# coding: klingon\n", "", "unknown encoding: klingon"},
		{"ascii", "# coding: us-ascii\n\xe9", "", "'ascii' codec can't decode the byte at position 19"},
		{"invalid utf-8", "a\xffb", "", "'utf-8' codec can't decode the byte at position 1"},
		{"odd utf-16", "\xff\xfea", "", "'utf-16' codec can't decode the byte at position 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := autoDecode([]byte(tc.data))
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	_, err := parseFiles(t, req("foo # \xe9\n"), "requirements.txt", Options{})
	if err == nil || err.Error() != "Could not decode requirements file requirements.txt: 'utf-8' codec can't decode the byte at position 6\nHint: save it as UTF-8, or name its encoding in a first-line comment such as # -*- coding: latin-1 -*-" {
		t.Errorf("decode error: %v", err)
	}
}

func TestShlexSplit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  error
	}{
		{"", nil, nil},
		{"  a  b\tc\r\nd ", []string{"a", "b", "c", "d"}, nil},
		{`'a b' "c d" e\ f`, []string{"a b", "c d", "e f"}, nil},
		{`a"b c"d`, []string{"ab cd"}, nil},
		{`"" ''`, []string{"", ""}, nil},
		{`"a\"b\\c\d"`, []string{`a"b\c\d`}, nil},
		{`'a\b'`, []string{`a\b`}, nil},
		{`--hash=sha256:x#y`, []string{"--hash=sha256:x#y"}, nil},
		{`'a`, nil, errNoClosingQuotation},
		{`"a\`, nil, errNoEscapedCharacter},
		{`a\`, nil, errNoEscapedCharacter},
	} {
		got, err := shlexSplit(tc.in)
		if err != tc.err || !slices.Equal(got, tc.want) {
			t.Errorf("shlexSplit(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestPythonHelpers(t *testing.T) {
	for _, tc := range [][2]string{{"//a//b/../c", "//a/c"}, {"///a", "/a"}, {"", "."}, {"a/../..", ".."}, {"/..", "/"}, {"./a/", "a"}} {
		if got := pyNormpath(tc[0]); got != tc[1] {
			t.Errorf("normpath(%q) = %q, want %q", tc[0], got, tc[1])
		}
	}
	for _, tc := range [][2]string{{"a//b", "a"}, {"/a", "/"}, {"a", ""}, {"//a", "//"}} {
		if got := pyDirname(tc[0]); got != tc[1] {
			t.Errorf("dirname(%q) = %q, want %q", tc[0], got, tc[1])
		}
	}
	if got := pathToURL("/cwd", "a b/ü"); got != "file:///cwd/a%20b/%C3%BC" {
		t.Errorf("pathToURL = %s", got)
	}
}

func TestParseReader(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string][]byte{"cfg/base.txt": []byte("base\n")})
	f, err := ParseReader(context.Background(), strings.NewReader("top\n-r base.txt\n"), "cfg/main.txt", Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Entries) != 2 || f.Entries[0].Origin != (Origin{"cfg/main.txt", 1}) || f.Entries[1].Origin != (Origin{"cfg/base.txt", 1}) {
		t.Errorf("entries %v", f.Entries)
	}
	if got := f.Entries[0].Origin.ComesFrom(false); got != "-r cfg/main.txt (line 1)" {
		t.Errorf("ComesFrom = %q", got)
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "r.txt"), []byte("foo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(ctx, "r.txt", Options{Dir: dir}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

func TestErrorUnwrap(t *testing.T) {
	_, err := parseFiles(t, req("foo=1\n"), "requirements.txt", Options{})
	if !errors.Is(err, pep508.ErrInvalidRequirement) {
		t.Errorf("%v does not wrap pep508.ErrInvalidRequirement", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Text != "foo=1" || e.Origin.Line != 1 {
		t.Errorf("%#v", e)
	}
}

// TestStringRoundTrip formats every entry of the differential fixtures
// back and reads the lines again.
func TestStringRoundTrip(t *testing.T) {
	paths, err := filepath.Glob("testdata/diff/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		c := readArchive(filepath.Base(p), data)
		if bytes := string(data); strings.Contains(bytes, "{{") {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			all := map[string][]byte{}
			for k, v := range supportFiles {
				all[k] = []byte(v)
			}
			for k, v := range c.files {
				all[k] = v
			}
			writeTree(t, dir, all)
			env := c.env
			opts := Options{Dir: dir, Constraint: c.constraint, Getenv: func(k string) string { return env[k] }}
			f, err := Parse(context.Background(), c.main, opts)
			if err != nil {
				return
			}
			checkRoundTrip(t, f, dir, opts)
		})
	}
}

func checkRoundTrip(t *testing.T, f *File, dir string, opts Options) {
	t.Helper()
	for _, e := range f.Entries {
		line := e.String()
		if line == "" && e.Kind == KindOptions && len(e.Options.words()) == 0 {
			continue
		}
		g, err := ParseReader(context.Background(), strings.NewReader(line+"\n"), e.Origin.File, Options{Dir: dir, Constraint: e.Constraint})
		if err != nil {
			t.Errorf("%s: %q does not read back: %v", e.Origin, line, err)
			continue
		}
		if len(g.Entries) != 1 {
			t.Errorf("%s: %q reads back as %d entries", e.Origin, line, len(g.Entries))
			continue
		}
		back := g.Entries[0]
		back.Origin = e.Origin
		if a, b := describeEffect(e), describeEffect(back); a != b {
			t.Errorf("%s: %q reads back as\n %s\nnot %s", e.Origin, line, b, a)
		}
	}
}

// describeEffect is describe without what pip ignores: options of a
// requirement line other than the format control, words after the
// options, trailing spaces of the requirement text.
func describeEffect(e *Entry) string {
	c := *e
	c.Text = strings.TrimRightFunc(c.Text, pystr.IsSpace)
	if c.Options != nil {
		o := &LineOptions{Format: c.Options.Format}
		if c.Kind == KindOptions {
			o = &LineOptions{IndexURL: c.Options.IndexURL, ExtraIndexURLs: c.Options.ExtraIndexURLs, NoIndex: c.Options.NoIndex,
				FindLinks: c.Options.FindLinks, Format: c.Options.Format, PreferBinary: c.Options.PreferBinary,
				RequireHashes: c.Options.RequireHashes, Pre: c.Options.Pre, TrustedHosts: c.Options.TrustedHosts, Features: c.Options.Features}
		}
		c.Options = o
	}
	return describe(&c, "")
}

// TestHTTPXStatusError: a status error from an httpx.Client getter (as
// cmd's) is reported with raise_for_status's message alone, as pip does.
func TestHTTPXStatusError(t *testing.T) {
	getter := GetterFunc(func(ctx context.Context, url string) ([]byte, string, error) {
		return nil, "", fmt.Errorf("wrapped: %w", &httpx.StatusError{URL: url, StatusCode: 404, Reason: "File not found", Attempts: 1})
	})
	_, err := Parse(context.Background(), "http://127.0.0.1:1/missing.txt", Options{Getter: getter, Dir: t.TempDir()})
	if err == nil || err.Error() != "404 Client Error: File not found for url: http://127.0.0.1:1/missing.txt" {
		t.Errorf("404: %v", err)
	}
}
