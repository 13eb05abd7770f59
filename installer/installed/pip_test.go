package installed

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopip/gopip/internal/pypath"
	"github.com/gopip/gopip/internal/pythontest"
)

// The tests in this file compare the package with pip 23.2's own code, run
// in the machine's python3 (see internal/pythontest): pip is imported from
// its site-packages and fed the same inputs. They are skipped when python3
// or pip 23.2 is missing.

func write(t *testing.T, dir string, files map[string]string) {
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

var directURLCorpus = []string{
	`{"url": "https://example.com/a-1.0.tar.gz", "archive_info": {"hash": "sha256=abc"}}`,
	`{"url": "https://example.com/a-1.0.tar.gz", "archive_info": {"hashes": {"sha512": "x", "sha256": "y"}, "hash": "md5=z"}}`,
	`{"url": "https://example.com/a.whl", "archive_info": {}}`,
	`{"url": "https://u:p@example.com/a.whl", "archive_info": {}, "subdirectory": "pkg/sub"}`,
	`{"url": "https://${USER}:${PASS}@example.com/a.whl", "archive_info": {}}`,
	`{"url": "ssh://git@github.com/a/b.git", "vcs_info": {"vcs": "git", "commit_id": "abc"}}`,
	`{"url": "ssh://git@hg.example.com/a/b", "vcs_info": {"vcs": "hg", "commit_id": "abc", "requested_revision": "tip"}}`,
	`{"url": "HTTPS://Example.com/a?x=1#frag", "vcs_info": {"vcs": "git", "commit_id": "c", "requested_revision": "v1"}, "subdirectory": "s"}`,
	`{"url": "file:///home/u/proj", "dir_info": {"editable": true}}`,
	`{"url": "file:///home/u/pr%C3%B6j%20x%zz%C3", "dir_info": {"editable": false}}`,
	`{"url": "file://localhost/srv/p", "dir_info": {}}`,
	`{"url": "file:///x%E2%82%FF%FFy", "dir_info": {"editable": true}}`,
	`{"url": "file:///ü", "dir_info": {"editable": true}, "extra_key": 1}`,
	`{"url": "https://x?", "archive_info": {}}`,
	`{"dir_info": {}}`,
	`{"url": 3, "dir_info": {}}`,
	`{"url": null, "dir_info": {}}`,
	`{"url": "x"}`,
	`{"url": "x", "dir_info": {}, "archive_info": {}}`,
	`{"url": "x", "dir_info": {"editable": "yes"}}`,
	`{"url": "x", "dir_info": {"editable": null}}`,
	`{"url": "x", "dir_info": []}`,
	`{"url": "x", "archive_info": {"hash": "nohashsep"}}`,
	`{"url": "x", "archive_info": {"hash": 1.5}}`,
	`{"url": "x", "vcs_info": {"vcs": "git"}}`,
	`{"url": "x", "vcs_info": {"vcs": "git", "commit_id": ["a", "b'"]}}`,
	`{"url": "x", "subdirectory": false, "dir_info": {}}`,
	`{"url": "x", "subdirectory": "", "vcs_info": {"vcs": "svn", "commit_id": "", "requested_revision": ""}}`,
	`{"url": "x", "archive_info": {"hash": "sha256="}}`,
	`{"url": "x", "archive_info": {"hash": "a=b=c", "hashes": {}}}`,
	`{"url": "x\u00e9\ud83d\ude00\"\\\n\u007f", "dir_info": {"editable": true}}`,
	`{"url": "git@github.com:a/b.git", "vcs_info": {"vcs": "git", "commit_id": "c"}}`,
	`{"url": "https://git@github.com/a/b.git", "vcs_info": {"vcs": "hg", "commit_id": "c"}}`,
	`{"url": "https://a@b@host/x", "archive_info": {}}`,
	` {"url": "x", "dir_info": {}} `,
	`{"url": "x", "dir_info": {}} x`,
	``,
}

func TestDirectURLMatchesPip(t *testing.T) {
	const script = `
import json, sys
from pip._internal.models.direct_url import DirectUrl
from pip._internal.utils.direct_url_helpers import direct_url_as_pep440_direct_reference
from pip._internal.utils.urls import url_to_path
out = []
for text in json.load(sys.stdin):
    try:
        d = DirectUrl.from_json(text)
    except Exception as e:
        out.append({"error": str(e), "json_error": isinstance(e, json.JSONDecodeError)})
        continue
    r = {"json": d.to_json(), "freeze": direct_url_as_pep440_direct_reference(d, "Name"),
         "editable": d.is_local_editable(), "redacted": d.redacted_url}
    if d.url.startswith("file:"):
        r["path"] = url_to_path(d.url)
    out.append(r)
print(json.dumps(out))
`
	type pipResult struct {
		Error     *string
		JSONError bool `json:"json_error"`
		JSON      string
		Freeze    string
		Editable  bool
		Redacted  string
		Path      *string
	}
	var want []pipResult
	pythontest.RequirePip(t, "23.2")
	pythontest.RunJSON(t, script, directURLCorpus, &want)
	for i, text := range directURLCorpus {
		w := want[i]
		u, err := ParseDirectURL([]byte(text))
		if w.Error != nil {
			if err == nil {
				t.Errorf("%s: accepted, pip says %q", text, *w.Error)
			} else if !w.JSONError && err.Error() != *w.Error {
				t.Errorf("%s: error %q, pip says %q", text, err, *w.Error)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", text, err)
			continue
		}
		if got := string(u.JSON()); got != w.JSON {
			t.Errorf("%s: JSON\n got %s\nwant %s", text, got, w.JSON)
		}
		if got := u.FreezeRequirement("Name"); got != w.Freeze {
			t.Errorf("%s: FreezeRequirement = %q, want %q", text, got, w.Freeze)
		}
		if got := u.RedactedURL(); got != w.Redacted {
			t.Errorf("%s: RedactedURL = %q, want %q", text, got, w.Redacted)
		}
		if u.IsLocalEditable() != w.Editable {
			t.Errorf("%s: IsLocalEditable = %v", text, u.IsLocalEditable())
		}
		if w.Path != nil {
			if p, err := FileURLToPath(u.URL); err != nil || p != *w.Path {
				t.Errorf("%s: FileURLToPath = %q, %v; want %q", text, p, err, *w.Path)
			}
		}
	}
}

// pipEnvironmentScript lists what pip 23.2 sees in the directories given
// on stdin, with the warnings it logs.
const pipEnvironmentScript = `
import json, logging, sys
dirs = json.load(sys.stdin)
warnings = []
class H(logging.Handler):
    def emit(self, record):
        warnings.append(record.getMessage())
logging.getLogger("pip").addHandler(H())
logging.getLogger("pip").setLevel(logging.WARNING)
from pip._internal.metadata import get_environment
from pip._internal.req.req_uninstall import UninstallPathSet
dists = []
for d in get_environment(dirs).iter_all_distributions():
    files = d.iter_declared_entries()
    try:
        paths = sorted(UninstallPathSet.from_dist(d)._paths)
        uerr = None
    except Exception as e:
        paths, uerr = None, str(e)
    reqs = [str(r) for r in d.metadata.get_all("Requires-Dist", [])]
    dists.append({"name": d.raw_name, "version": str(d.version), "location": d.location,
                  "info": d.info_location, "canonical": d.canonical_name,
                  "installer": d.installer, "requested": d.requested,
                  "files": None if files is None else list(files),
                  "uninstall": paths, "uninstall_error": uerr, "requires": reqs,
                  "deps": [r.name for r in d.iter_dependencies()]})
print(json.dumps({"dists": dists, "warnings": warnings}))
`

type pipDist struct {
	Name, Version, Location, Info, Canonical, Installer string
	Requested                                           bool
	Files                                               *[]string
	Uninstall                                           []string
	UninstallError                                      *string `json:"uninstall_error"`
	Requires                                            []string
	Deps                                                []string
}

func fixtureSite(t *testing.T) (site, other string) {
	root := t.TempDir()
	site = filepath.Join(root, "site")
	other = filepath.Join(root, "other")
	meta := func(name, version string) string {
		return "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n"
	}
	write(t, site, map[string]string{
		"Alpha-1.0.dist-info/METADATA": meta("Alpha", "1.0") + "Requires-Dist: beta\nRequires-Dist: gamma; python_version<'3'\nRequires-Dist: delta[x] (>=1); extra == 'x'\n",
		"Alpha-1.0.dist-info/RECORD": "alpha/__init__.py,sha256=x,1\nalpha/mod.py,,\nalpha/__pycache__/mod.cpython-311.pyc,,\n" +
			"alpha/data.json,,\n../../bin/alpha-tool,,\nAlpha-1.0.dist-info/METADATA,,\nAlpha-1.0.dist-info/RECORD,,\n" +
			"alpha/missing.py,,\n\"alpha/com,ma.txt\",,\n/abs/outside/file.py,,\n",
		"Alpha-1.0.dist-info/INSTALLER":               "\n gopip \n",
		"Alpha-1.0.dist-info/REQUESTED":               "",
		"Alpha-1.0.dist-info/stray.txt":               "not in RECORD",
		"alpha/__init__.py":                           "",
		"alpha/__init__.pyc":                          "",
		"alpha/mod.py":                                "",
		"alpha/mod.pyo":                               "",
		"alpha/__pycache__/__init__.cpython-311.pyc":  "",
		"alpha/__pycache__/mod.cpython-311.pyc":       "",
		"alpha/__pycache__/unrelated.cpython-311.pyc": "",
		"alpha/data.json":                             "",
		"alpha/com,ma.txt":                            "",
		"beta-2.dist-info/METADATA":                   meta("beta", "2.0.0-RC1"),
		"beta-2.dist-info/INSTALLER":                  "pip\n",
		"BETA-3.dist-info/METADATA":                   meta("Beta", "3"),
		"norecord-1.dist-info/METADATA":               meta("norecord", "1"),
		"norecord-1.dist-info/INSTALLER":              "conda",
		"nameless-1.dist-info/METADATA":               "Metadata-Version: 2.1\nVersion: 1\n",
		"~lpha-1.dist-info/METADATA":                  meta("tilde", "1"),
		"empty.dist-info/METADATA":                    "",
		"eggy-0.1-py3.11.egg-info/PKG-INFO":           meta("eggy", "0.1"),
		"eggy-0.1-py3.11.egg-info/requires.txt":       "one\n[extra1]\ntwo>=1\n[:sys_platform=='linux']\nthree\n[Ex Tra:os_name=='nt']\nfour\n# comment\n",
		"eggy-0.1-py3.11.egg-info/installed-files.txt": "../eggy/__init__.py\n../eggy/__pycache__/__init__.cpython-311.pyc\nPKG-INFO\n" +
			"./requires.txt\n../../../../bin/eggy-script\n",
		"eggy/__init__.py":                                "",
		"eggy/__pycache__/__init__.cpython-311.pyc":       "",
		"tops-2.0-py3.11.egg-info/PKG-INFO":               meta("tops", "2.0"),
		"tops-2.0-py3.11.egg-info/top_level.txt":          "tops\nnsp\n\n",
		"tops-2.0-py3.11.egg-info/namespace_packages.txt": "nsp\n",
		"tops.py":                              "",
		"tops/__init__.py":                     "",
		"plain-1.0-py3.11.egg-info":            meta("plain", "1.0") + "Requires-Dist: x\n",
		"weird_ver-1.dist-info/METADATA":       meta("weird-ver", "dev-trunk"),
		"Mixed.Case_name-1.dist-info/METADATA": meta("Mixed.Case_name", "1.0.0"),
	})
	write(t, other, map[string]string{
		"alpha-0.9.dist-info/METADATA": meta("alpha", "0.9"),
		"zeta-1.dist-info/METADATA":    meta("zeta", "1"),
	})
	return site, other
}

func TestScanMatchesPip(t *testing.T) {
	site, other := fixtureSite(t)
	dirs := []string{site, other, filepath.Join(site, "does-not-exist")}
	var want struct {
		Dists    []pipDist
		Warnings []string
	}
	pythontest.RequirePip(t, "23.2")
	pythontest.RunJSON(t, pipEnvironmentScript, dirs, &want)
	if len(want.Dists) < 8 || len(want.Warnings) < 3 {
		t.Fatalf("the fixture should give pip at least 8 distributions and 3 warnings: %+v", want)
	}

	dists, err := Scan(dirs)
	var gotWarnings []string
	if w, ok := err.(*Warnings); ok {
		gotWarnings = w.Messages
	} else if err != nil {
		t.Fatal(err)
	}
	if strings.Join(gotWarnings, "\n") != strings.Join(want.Warnings, "\n") {
		t.Errorf("warnings:\n got %q\nwant %q", gotWarnings, want.Warnings)
	}
	if len(dists) != len(want.Dists) {
		var names []string
		for _, d := range dists {
			names = append(names, d.Name)
		}
		t.Fatalf("Scan found %q; pip found %d: %+v", names, len(want.Dists), want.Dists)
	}
	for i, d := range dists {
		w := want.Dists[i]
		v, _ := d.DisplayVersion()
		if d.Name != w.Name || v != w.Version || d.Location != w.Location || d.Path != w.Info || d.CanonicalName != w.Canonical {
			t.Errorf("dist %d: got %q %q %q %q %q\nwant %q %q %q %q %q", i, d.Name, v, d.Location, d.Path, d.CanonicalName,
				w.Name, w.Version, w.Location, w.Info, w.Canonical)
		}
		if d.Installer() != w.Installer || d.Requested() != w.Requested {
			t.Errorf("%s: installer %q requested %v; pip: %q %v", d.Name, d.Installer(), d.Requested(), w.Installer, w.Requested)
		}
		files, ok, err := d.Files()
		if err != nil {
			t.Errorf("%s: Files: %v", d.Name, err)
		}
		if ok != (w.Files != nil) || (ok && strings.Join(files, "\n") != strings.Join(*w.Files, "\n")) {
			t.Errorf("%s: Files = %q, %v; pip: %v", d.Name, files, ok, w.Files)
		}
		reqs, err := d.Requires()
		if err != nil || strings.Join(reqs, "\n") != strings.Join(w.Requires, "\n") {
			t.Errorf("%s: Requires = %q, %v; pip: %q", d.Name, reqs, err, w.Requires)
		}
		deps, err := d.Dependencies(func() (map[string]string, error) { return linuxEnv, nil })
		if err != nil || strings.Join(deps, "\n") != strings.Join(w.Deps, "\n") {
			t.Errorf("%s: Dependencies = %q, %v; pip: %q", d.Name, deps, err, w.Deps)
		}
		checkUninstall(t, d, w)
	}
	if d, err := Find(dirs, "BETA"); err != nil || d == nil || d.Version != "3" {
		t.Errorf("Find(BETA) = %+v, %v", d, err)
	}
	if d, err := Find(dirs, "nope"); err != nil || d != nil {
		t.Errorf("Find(nope) = %+v, %v; want nil, nil", d, err)
	}
}

var linuxEnv = map[string]string{
	"implementation_name": "cpython", "implementation_version": "3.11.7", "os_name": "posix",
	"platform_machine": "x86_64", "platform_release": "6.0", "platform_system": "Linux",
	"platform_version": "#1", "python_full_version": "3.11.7", "platform_python_implementation": "CPython",
	"python_version": "3.11", "sys_platform": "linux",
}

// checkUninstall compares UninstallPaths with pip's UninstallPathSet: pip's
// paths, plus the .dist-info directory gopip removes as a whole.
func checkUninstall(t *testing.T, d *Distribution, w pipDist) {
	t.Helper()
	paths, err := d.UninstallPaths()
	if w.UninstallError != nil {
		if err == nil || err.Error() != *w.UninstallError {
			t.Errorf("%s: UninstallPaths error %v; pip: %q", d.Name, err, *w.UninstallError)
		}
		return
	}
	if err != nil {
		t.Errorf("%s: UninstallPaths: %v", d.Name, err)
		return
	}
	want := map[string]bool{}
	for _, p := range w.Uninstall {
		want[p] = true
	}
	if d.Format == DistInfo {
		want[pypath.RealPath(d.Path)] = true
	}
	got := map[string]bool{}
	for _, p := range paths {
		if got[p] {
			t.Errorf("%s: %s listed twice", d.Name, p)
		}
		got[p] = true
	}
	for p := range want {
		if !got[p] {
			t.Errorf("%s: UninstallPaths misses %s", d.Name, p)
		}
	}
	for p := range got {
		if !want[p] {
			t.Errorf("%s: UninstallPaths has %s, which pip would not remove", d.Name, p)
		}
	}
}

func TestUninstallPathsOtherByteCode(t *testing.T) {
	site := t.TempDir()
	write(t, site, map[string]string{
		"m-1.dist-info/METADATA":                 "Name: m\nVersion: 1\n",
		"m-1.dist-info/RECORD":                   "m/x.py,,\nm-1.dist-info/RECORD,,\n",
		"m/x.py":                                 "",
		"m/__pycache__/x.cpython-311.opt-1.pyc":  "",
		"m/__pycache__/x.cpython-312.pyc":        "",
		"m/__pycache__/x.pypy39.opt-2.pyc":       "",
		"m/__pycache__/x.y.cpython-311.pyc":      "", // the byte-code of x.y.py
		"m/__pycache__/x.cpython-311.notopt.pyc": "",
		"m/__pycache__/xx.cpython-311.pyc":       "",
	})
	d, err := Find([]string{site}, "M")
	if err != nil || d == nil {
		t.Fatalf("Find = %v, %v", d, err)
	}
	paths, err := d.UninstallPaths()
	if err != nil {
		t.Fatal(err)
	}
	real := pypath.RealPath(site)
	want := []string{
		filepath.Join(real, "m/x.py"),
		filepath.Join(real, "m/__pycache__/x.cpython-311.opt-1.pyc"),
		filepath.Join(real, "m/__pycache__/x.cpython-312.pyc"),
		filepath.Join(real, "m/__pycache__/x.pypy39.opt-2.pyc"),
		filepath.Join(real, "m-1.dist-info/RECORD"),
		filepath.Join(real, "m-1.dist-info"),
	}
	if strings.Join(paths, "\n") != strings.Join(want, "\n") {
		t.Errorf("UninstallPaths:\n got %q\nwant %q", paths, want)
	}
	if _, err := (&Distribution{Name: "x", Version: "1", Path: filepath.Join(site, "x-1.dist-info"), Location: site}).UninstallPaths(); !errorsIsNoRecord(err) {
		t.Errorf("UninstallPaths without RECORD: %v", err)
	}
}
