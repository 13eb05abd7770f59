package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopip/gopip/internal/pythontest"
)

// The differential tests below build a small Python environment in a
// temporary directory, run the machine's real pip 23.2 and gopip on it with
// the same arguments, and require identical stdout, stderr and exit codes.
//
// pip runs as "<venv>/bin/python -m pip" with PYTHONPATH pointing at a
// directory holding only a symbolic link to the machine's pip package: the
// venv then sees exactly its own site-packages, the fixture directory
// "extra" (also on PYTHONPATH) and the standard library, and no pip
// distribution metadata comes along with the import.

// diffEnv is one environment that pip and gopip are compared on.
type diffEnv struct {
	python string   // the target interpreter
	cwd    string   // an empty directory both run in
	env    []string // the environment both run with
	setenv map[string]string
	// Paths of interest in the fixture.
	root, site, extra, proj, legacyProj, userSite string
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// newVenvEnv builds the fixture environment: a venv without pip whose
// site-packages holds fixture distributions of every kind list, show and
// freeze treat differently.
func newVenvEnv(t *testing.T) *diffEnv {
	t.Helper()
	base := pythontest.Python(t)
	pipDir := pythontest.RequirePip(t, "23.2")
	root := t.TempDir()
	venv := filepath.Join(root, "venv")
	if out, err := exec.Command(base, "-m", "venv", "--without-pip", venv).CombinedOutput(); err != nil {
		t.Fatalf("creating venv: %v\n%s", err, out)
	}
	python := filepath.Join(venv, "bin", "python")
	out, err := exec.Command(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").Output()
	if err != nil {
		t.Fatal(err)
	}
	e := &diffEnv{
		python:     python,
		root:       root,
		cwd:        filepath.Join(root, "cwd"),
		site:       strings.TrimSpace(string(out)),
		extra:      filepath.Join(root, "extra"),
		proj:       filepath.Join(root, "proj"),
		legacyProj: filepath.Join(root, "legacy-proj"),
	}
	shim := filepath.Join(root, "shim")
	for _, d := range []string{e.cwd, shim, e.extra, e.proj, e.legacyProj, filepath.Join(root, "home")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(pipDir, filepath.Join(shim, "pip")); err != nil {
		t.Fatal(err)
	}
	e.setenv = map[string]string{
		"PYTHONPATH": shim + string(os.PathListSeparator) + e.extra,
		"HOME":       filepath.Join(root, "home"),
	}
	writeFiles(t, e.site, venvFixture(e))
	writeFiles(t, e.extra, extraFixture())
	writeFiles(t, e.proj, map[string]string{"pyproject.toml": "[project]\nname = \"editpkg\"\n"})
	writeFiles(t, e.legacyProj, map[string]string{
		"setup.py":                       "",
		"legacyed.egg-info/PKG-INFO":     "Metadata-Version: 1.1\nName: legacyed\nVersion: 0.0.1\nSummary: a setup.py develop project\n",
		"legacyed.egg-info/requires.txt": "spam\n",
	})
	writeFiles(t, e.site, map[string]string{
		"legacyed.egg-link": e.legacyProj + "\n.\n",
		"easy-install.pth":  e.legacyProj + "\n",
	})
	e.finishEnv()
	return e
}

func (e *diffEnv) finishEnv() {
	e.env = []string{
		"PATH=" + os.Getenv("PATH"),
		"PIP_DISABLE_PIP_VERSION_CHECK=1",
		"PIP_CONFIG_FILE=" + os.DevNull,
		"PIP_NO_INPUT=1",
		"PYTHONDONTWRITEBYTECODE=1",
		"PYTHONIOENCODING=utf-8",
		"LC_ALL=C.UTF-8",
	}
	for k, v := range e.setenv {
		e.env = append(e.env, k+"="+v)
	}
}

func distInfo(name, version string, extra map[string]string) map[string]string {
	dir := name + "-" + version + ".dist-info/"
	files := map[string]string{}
	for k, v := range extra {
		files[dir+k] = v
	}
	if _, ok := extra["METADATA"]; !ok {
		files[dir+"METADATA"] = "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n"
	}
	return files
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func venvFixture(e *diffEnv) map[string]string {
	return merge(
		// A full-featured distribution: every field show prints, a
		// folded License, markers, entry points, RECORD.
		distInfo("Foo_Bar", "1.0", map[string]string{
			"METADATA": "Metadata-Version: 2.1\nName: foo-bar\nVersion: 1.0\nSummary: The foo bar  \n" +
				"Home-page: https://example.com/foo\nAuthor: Zoë Example\nAuthor-email: zoe@example.com\n" +
				"License: MIT\n        \n        Copyright (c) Zoë\n" +
				"Classifier: Programming Language :: Python :: 3\nClassifier: License :: OSI Approved :: MIT License\n" +
				"Project-URL: Source, https://example.com/src\nProject-URL: Tracker, https://example.com/issues\n" +
				"Requires-Dist: baz (>=1.0)\nRequires-Dist: qux ; extra == 'test'\n" +
				"Requires-Dist: oldpkg ; python_version < \"3.8\"\nRequires-Dist: Spam[x] >=2 ; sys_platform == \"linux\" or os_name == 'nt'\n" +
				"Provides-Extra: test\n\nThe long description.\n",
			"INSTALLER":        "pip\n",
			"REQUESTED":        "",
			"entry_points.txt": "[console_scripts]\nfoo = foo_bar:main\n\n[gui_scripts]\nfoo-gui = foo_bar:gui\n",
			"RECORD": "foo_bar/__init__.py,sha256=AAA,10\nfoo_bar/__pycache__/__init__.cpython-311.pyc,,\n" +
				"../../../bin/foo,sha256=BBB,20\nFoo_Bar-1.0.dist-info/METADATA,sha256=CCC,30\nFoo_Bar-1.0.dist-info/RECORD,,\n" +
				"\"foo_bar/odd,name.py\",sha256=DDD,1\n./foo_bar//data.txt,,\n",
		}),
		distInfo("baz", "2.0.0", map[string]string{
			"METADATA":  "Metadata-Version: 2.1\nName: baz\nVersion: 2.0.0-Alpha1\nSummary: Baz\nRequires-Dist: spam\n",
			"INSTALLER": "gopip",
		}),
		// No Summary, no License, no Home-page.
		distInfo("spam", "3.0", map[string]string{
			"METADATA": "Metadata-Version: 2.1\nName: Spam\nVersion: 3.0\n",
			"RECORD":   "spam.py,sha256=x,1\nspam-3.0.dist-info/METADATA,,\n",
		}),
		distInfo("editpkg", "0.1", map[string]string{
			"direct_url.json": `{"dir_info": {"editable": true}, "url": "file://` + e.proj + `"}`,
			"INSTALLER":       "pip\n",
			"RECORD":          "__editable__.editpkg-0.1.pth,,\n",
		}),
		distInfo("urlpkg", "1.2", map[string]string{
			"direct_url.json": `{"url": "https://user:secret@example.com/urlpkg-1.2.tar.gz", "archive_info": {"hash": "sha256=0123abcd", "hashes": {"sha256": "0123abcd"}}, "subdirectory": "sub dir"}`,
		}),
		distInfo("vcspkg", "0.3", map[string]string{
			"direct_url.json": `{"url": "https://github.com/example/vcspkg.git", "vcs_info": {"vcs": "git", "commit_id": "1234567890abcdef", "requested_revision": "main"}}`,
		}),
		distInfo("dirpkg", "4.0", map[string]string{
			"direct_url.json": `{"url": "file:///srv/dirpkg", "dir_info": {}}`,
		}),
		distInfo("legacyver", "x", map[string]string{
			"METADATA": "Metadata-Version: 1.0\nName: LegacyVer\nVersion: dev-trunk\n",
		}),
		distInfo("setuptools", "68.0.0", nil),
		distInfo("wheel", "0.41.0", nil),
		distInfo("pip", "23.2", nil),
		distInfo("Distribute", "0.7", nil),
		// Broken and invalid entries pip warns about.
		map[string]string{"broken-1.0.dist-info/INSTALLER": "pip\n"},
		distInfo("~ip", "1.0", map[string]string{"METADATA": "Metadata-Version: 2.1\nName: tip\nVersion: 1.0\n"}),
		// egg-info directory with requires.txt, installed-files.txt.
		map[string]string{
			"eggy-0.5-py3.11.egg-info/PKG-INFO": "Metadata-Version: 1.2\nName: eggy\nVersion: 0.5\nSummary: An egg\nLicense: BSD\n",
			"eggy-0.5-py3.11.egg-info/requires.txt": "spam>=1\n\n[test]\nbaz\n\n[:python_version < \"3\"]\nfuturething\n" +
				"[Extra Stuff:sys_platform == \"linux\"]\nlinuxthing\n",
			"eggy-0.5-py3.11.egg-info/installed-files.txt": "../eggy/__init__.py\n../eggy/__pycache__/__init__.cpython-311.pyc\nPKG-INFO\n./requires.txt\n",
			"eggy-0.5-py3.11.egg-info/top_level.txt":       "eggy\n",
			"eggy/__init__.py":                             "",
		},
		// A distutils .egg-info file.
		map[string]string{
			"distutilsy-1.0-py3.11.egg-info": "Metadata-Version: 1.0\nName: distutilsy\nVersion: 1.0\nSummary: plain distutils\n",
		},
		// Shadowed by extra/otherpkg (earlier on sys.path).
		distInfo("otherpkg", "9.0", nil),
	)
}

func extraFixture() map[string]string {
	return merge(
		distInfo("otherpkg", "1.0", map[string]string{
			"METADATA": "Metadata-Version: 2.1\nName: OtherPkg\nVersion: 1.0\nSummary: Outside the venv\nRequires-Dist: spam\n",
		}),
		distInfo("unicodepkg", "1.0", map[string]string{
			"METADATA":  "Metadata-Version: 2.1\nName: unicodepkg\nVersion: 1.0\nSummary: Ünïcödé ☃ 𝄞\nAuthor: 山田\n",
			"INSTALLER": "\n  conda  \n",
		}),
	)
}

// result is what one command run printed.
type result struct {
	stdout, stderr string
	code           int
}

// pipDriver runs many pip commands for one test cheaply: it imports pip
// once, then forks a child per command, which runs pip's main with the
// command's arguments and environment and its stdout and stderr sent to
// files. It starts the way "python -m pip" does (without the working
// directory on sys.path).
const pipDriver = `
import json, os, sys, tempfile
if sys.path[0] in ("", os.getcwd()):
    sys.path.pop(0)
from pip._internal.cli.main import main
import pip._internal.commands.list, pip._internal.commands.show, pip._internal.commands.freeze
jobs = json.loads(sys.argv[1])
results = []
for job in jobs:
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    pid = os.fork()
    if pid == 0:
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        os.environ.clear()
        os.environ.update(job["env"])
        try:
            rc = main(job["args"])
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(rc or 0)
    _, status = os.waitpid(pid, 0)
    out.seek(0)
    err.seek(0)
    results.append({"stdout": out.read().decode("utf-8", "replace"),
                    "stderr": err.read().decode("utf-8", "replace"),
                    "code": os.waitstatus_to_exitcode(status)})
json.dump(results, sys.stdout)
`

// diffCase is one command compared, with extra environment variables.
type diffCase struct {
	args []string
	env  []string
}

func envMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// runPip runs the cases through the real pip.
func (e *diffEnv) runPip(t *testing.T, cases []diffCase) []result {
	t.Helper()
	type job struct {
		Args []string          `json:"args"`
		Env  map[string]string `json:"env"`
	}
	jobs := make([]job, len(cases))
	for i, c := range cases {
		jobs[i] = job{Args: c.args, Env: envMap(append(append([]string{}, e.env...), c.env...))}
		if jobs[i].Args == nil {
			jobs[i].Args = []string{}
		}
	}
	data, err := json.Marshal(jobs)
	if err != nil {
		t.Fatal(err)
	}
	c := exec.Command(e.python, "-c", pipDriver, string(data))
	c.Dir = e.cwd
	c.Env = e.env
	var stderr bytes.Buffer
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		t.Fatalf("running pip: %v\n%s", err, stderr.Bytes())
	}
	var raw []struct {
		Stdout, Stderr string
		Code           int
	}
	if err := json.Unmarshal(out, &raw); err != nil {
		t.Fatalf("pip driver output: %v\n%s", err, out)
	}
	res := make([]result, len(raw))
	for i, r := range raw {
		res[i] = result{r.Stdout, r.Stderr, r.Code}
	}
	return res
}

func (e *diffEnv) runGopip(t *testing.T, c diffCase) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := append(append([]string{}, e.env...), c.env...)
	code := Run(context.Background(), append([]string{"--python", e.python}, c.args...), env, strings.NewReader(""), &stdout, &stderr)
	return result{stdout.String(), stderr.String(), code}
}

// compare runs every case with pip and with gopip and reports each
// difference in stdout, stderr or exit code.
func (e *diffEnv) compare(t *testing.T, cases ...diffCase) {
	t.Helper()
	wants := e.runPip(t, cases)
	for i, c := range cases {
		want, got := wants[i], e.runGopip(t, c)
		if os.Getenv("GOPIP_SHOW_PIP") != "" {
			t.Logf("%q:\n%s%s", c.args, want.stdout, want.stderr)
		}
		if got != want {
			t.Errorf("%q %q differs from pip:\n--- pip (exit %d) stdout:\n%s--- gopip (exit %d) stdout:\n%s--- pip stderr:\n%s--- gopip stderr:\n%s",
				c.env, c.args, want.code, want.stdout, got.code, got.stdout, want.stderr, got.stderr)
		}
	}
}

// cases turns argument lists into cases without extra environment.
func cases(argLists ...[]string) []diffCase {
	out := make([]diffCase, len(argLists))
	for i, a := range argLists {
		out[i] = diffCase{args: a}
	}
	return out
}

// useEnv points the gopip side's interpreter queries (which inherit the
// test process's environment) at the fixture.
func (e *diffEnv) useEnv(t *testing.T) {
	for k, v := range e.setenv {
		t.Setenv(k, v)
	}
	t.Chdir(e.cwd)
}

func TestListMatchesPip(t *testing.T) {
	e := newVenvEnv(t)
	e.useEnv(t)
	options := [][]string{
		{},
		{"--not-required"},
		{"--exclude", "baz", "--exclude", "Foo.Bar"},
		{"-e"},
		{"--exclude-editable"},
		{"--exclude-editable", "--include-editable"},
		{"--include-editable", "--exclude-editable"},
		{"-l"},
		{"--path", e.site},
		{"--path", e.extra, "--path", e.site},
		{"--path", filepath.Join(e.root, "nonexistent")},
		{"--user"},
		{"-e", "--not-required", "--exclude", "editpkg"},
	}
	formats := [][]string{{}, {"--format=freeze"}, {"--format", "json"}}
	var argLists [][]string
	for _, o := range options {
		for _, f := range formats {
			for _, v := range [][]string{{}, {"-v"}} {
				argLists = append(argLists, append(append(append([]string{"list"}, f...), v...), o...))
			}
		}
	}
	argLists = append(argLists,
		[]string{"list", "-q"},
		[]string{"list", "-qq", "--format=json"},
		[]string{"list", "-v", "-q"},
		[]string{"list", "--path", e.site, "--user"},
		[]string{"list", "--path", e.site, "-l"},
		[]string{"list", "-o", "--format=freeze"},
		[]string{"list", "-o", "-u"},
		[]string{"-v", "list", "--format=columns", "--not-required"},
	)
	cs := cases(argLists...)
	// Options from the environment, as pip reads them.
	cs = append(cs,
		diffCase{args: []string{"list"}, env: []string{"PIP_FORMAT=json", "PIP_EXCLUDE=baz spam", "PIP_NOT_REQUIRED=yes", "PIP_VERBOSE=1"}},
		diffCase{args: []string{"list"}, env: []string{"PIP_EDITABLE=1", "PIP_FORMAT=freeze"}},
		diffCase{args: []string{"list", "--format=columns"}, env: []string{"PIP_FORMAT=json", "PIP_PATH=" + e.extra}},
		diffCase{args: []string{"list"}, env: []string{"PIP_EXCLUDE_EDITABLE=1"}},
		diffCase{args: []string{"list"}, env: []string{"PIP_EXCLUDE_EDITABLE=0"}},
		diffCase{args: []string{"list"}, env: []string{"PIP_INCLUDE_EDITABLE=no"}},
		diffCase{args: []string{"list", "--exclude-editable"}, env: []string{"PIP_INCLUDE_EDITABLE=yes"}},
	)
	e.compare(t, cs...)
}

var execCommand = exec.Command

// newSystemEnv is the machine's own interpreter, outside any virtual
// environment, with a user site of fixtures in a temporary HOME: it
// compares gopip and pip on the real distributions installed on the
// machine, and on --user.
func newSystemEnv(t *testing.T) *diffEnv {
	t.Helper()
	python := pythontest.Python(t)
	pythontest.RequirePip(t, "23.2")
	root := t.TempDir()
	home := filepath.Join(root, "home")
	e := &diffEnv{python: python, root: root, cwd: filepath.Join(root, "cwd"),
		setenv: map[string]string{"HOME": home}}
	out, err := exec.Command(python, "-c", "import site, sys; print(sys.version_info >= (3, 12) or not site.ENABLE_USER_SITE)").Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(out)) != "False" {
		t.Skip("the machine's python3 has no user site")
	}
	c := exec.Command(python, "-c", "import site; print(site.getusersitepackages())")
	c.Env = append(os.Environ(), "HOME="+home)
	out, err = c.Output()
	if err != nil {
		t.Fatal(err)
	}
	e.userSite = strings.TrimSpace(string(out))
	if err := os.MkdirAll(e.cwd, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, e.userSite, merge(
		distInfo("userpkg", "1.0", map[string]string{
			"METADATA": "Metadata-Version: 2.1\nName: userpkg\nVersion: 1.0\nRequires-Dist: click\n",
			"RECORD":   "userpkg.py,,\n",
		}),
		// Shadows the machine's pip in the listing.
		distInfo("pip", "99.0", nil),
	))
	e.finishEnv()
	return e
}

func TestSystemEnvironmentMatchesPip(t *testing.T) {
	if testing.Short() {
		t.Skip("compares on every distribution of the machine; slow")
	}
	e := newSystemEnv(t)
	e.useEnv(t)
	argLists := [][]string{
		{"list", "-v"},
		{"list", "-v", "--format=freeze"},
		{"list", "--format=json", "-l"},
		{"list", "-v", "--user"},
		{"list", "--user", "--format=json"},
		{"list", "--not-required"},
		{"freeze", "--all"},
		{"freeze", "--user"},
		{"show", "userpkg", "pip"},
	}
	// Every distribution on the machine through show -v: real METADATA
	// in all its variety.
	out, err := exec.Command(e.python, "-c", "import importlib.metadata as m; print('\\n'.join(sorted({d.metadata['Name'] for d in m.distributions() if d.metadata['Name']})))").Output()
	if err != nil {
		t.Fatal(err)
	}
	// pip's show costs (queries × distributions × requirements) pyparsing
	// runs: a sample of every fifteenth name keeps the test quick.
	var names []string
	for i, n := range strings.Fields(string(out)) {
		if i%15 == 0 {
			names = append(names, n)
		}
	}
	argLists = append(argLists, append([]string{"show", "-v"}, names...))
	e.compare(t, cases(argLists...)...)
}
