package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestFreezeMatchesPip(t *testing.T) {
	e := newVenvEnv(t)
	e.useEnv(t)
	req1 := filepath.Join(e.root, "req1.txt")
	req2 := filepath.Join(e.root, "req2.txt")
	writeFiles(t, e.root, map[string]string{
		"req1.txt": "# pinned for production\n--index-url https://example.com/simple\n\nSpam>=1  # the spam\n" +
			"-e file://" + e.proj + "#egg=editpkg\nnotinstalled==1.0\nbaz\n# pinned for production\n\n" +
			"https://example.com/x.tar.gz\n" + e.proj + "\n./dist/Foo_Bar-1.0-py3-none-any.whl\nfoo_bar[x] ; python_version > '3'\n",
		"req3.txt": "spam\n./local/dir\nbaz\n",
		"req4.txt": "-e " + e.proj + "#egg=editpkg\n",
		"req5.txt": "spam\n--editable=git+https://example.com/x.git#egg=Foo_Bar\n-e git+https://example.com/y.git\n",
		"req2.txt": "--index-url https://example.com/simple\nspam\nnotinstalled\nnotinstalled\nurlpkg @ https://example.com/urlpkg-1.2.tar.gz\n",
	})
	var argLists [][]string
	for _, o := range [][]string{
		{},
		{"--all"},
		{"-l"},
		{"--exclude-editable"},
		{"--exclude", "baz", "--exclude", "Foo_Bar"},
		{"--path", e.site},
		{"--path", e.extra},
		{"--path", e.site, "--all", "--exclude", "pip"},
		{"--user"},
		{"--path", e.site, "--user"},
		{"-r", req1},
		{"-r", req1, "-r", req2, "--all"},
		{"-q"},
		{"-qq", "-r", req2},
		{"-r", filepath.Join(e.root, "req3.txt")},
		{"-r", filepath.Join(e.root, "req4.txt")},
		{"-r", filepath.Join(e.root, "req5.txt")},
	} {
		argLists = append(argLists, append([]string{"freeze"}, o...))
	}
	cs := cases(argLists...)
	cs = append(cs,
		diffCase{args: []string{"freeze"}, env: []string{"PIP_ALL=1", "PIP_EXCLUDE=spam"}},
		diffCase{args: []string{"freeze"}, env: []string{"PIP_EXCLUDE_EDITABLE=true"}},
	)
	e.compare(t, cs...)
}

// TestFreezeEditableGitMatchesPip covers editables in Git checkouts: with
// a remote, without one, and in a subdirectory of the repository.
func TestFreezeEditableGitMatchesPip(t *testing.T) {
	e := newVenvEnv(t)
	git := gitRunner(t)
	// proj becomes a repository with a remote, and holds a second
	// project in a subdirectory.
	writeFiles(t, e.proj, map[string]string{"sub/setup.py": ""})
	git(e.proj, "init", "-q")
	git(e.proj, "add", ".")
	git(e.proj, "commit", "-q", "-m", "x")
	git(e.proj, "remote", "add", "origin", "git@example.com:team/editpkg.git")
	noRemote := filepath.Join(e.root, "noremote")
	writeFiles(t, noRemote, map[string]string{"pyproject.toml": ""})
	git(noRemote, "init", "-q")
	writeFiles(t, e.site, merge(
		distInfo("subpkg", "1.0", map[string]string{
			"direct_url.json": `{"dir_info": {"editable": true}, "url": "file://` + e.proj + `/sub"}`,
		}),
		distInfo("lonely", "2.0", map[string]string{
			"direct_url.json": `{"dir_info": {"editable": true}, "url": "file://` + noRemote + `"}`,
		}),
	))
	e.useEnv(t)
	e.compare(t, cases([]string{"freeze"}, []string{"freeze", "--exclude-editable"}, []string{"list", "-e", "-v"})...)
}

// TestFreezeRequirementLinesMatchPip covers how freeze -r reads one line
// (pip's install_req_from_line and install_req_from_editable): comments,
// wheel and egg names, deprecated egg fragments, and the errors and hints.
// Each file holds its line twice; an error ends the run.
func TestFreezeRequirementLinesMatchPip(t *testing.T) {
	e := newVenvEnv(t)
	e.useEnv(t)
	lines := []string{
		"flask==2.0 # pinned",
		"flask\u00a0# a comment after a no-break space",
		"-e ../proj",
		"-e git+https://example.com/y.git#egg=foo # not a comment here",
		"https://example.com/Foo_Bar-1.0-py3-none-any.whl",
		"https://example.com/bad.whl",
		"https://u:pw@example.com/x.tar.gz#egg=foo[x]",
		"--editable=https://example.com/x.tar.gz#egg=foo[x]",
		"sub/req.txt",
		"sub/req.txt==1",
		"file:../cwd/pkg-1.0.tar.gz#egg=pkg-[x]",
		"-e file:../proj#egg=bad[x]",
		"git+https://example.com/r.git#egg=a-",
		"../proj[x]",
		"./nothere",
		"https://example.com/x.tar.gz#egg=a b",
	}
	writeFiles(t, e.cwd, map[string]string{"sub/req.txt": "flask\n"})
	var argLists [][]string
	for i, l := range lines {
		name := filepath.Join(e.root, "lines", fmt.Sprintf("req%d.txt", i))
		writeFiles(t, filepath.Dir(name), map[string]string{filepath.Base(name): l + "\n" + l + "\n"})
		argLists = append(argLists, []string{"freeze", "-r", name})
	}
	e.compare(t, cases(argLists...)...)
}

// TestFreezeEditableGitLocalRemoteMatchesPip: a remote that is a local
// path becomes a file: URL quoted as pathlib's as_uri() quotes it.
func TestFreezeEditableGitLocalRemoteMatchesPip(t *testing.T) {
	e := newVenvEnv(t)
	git := gitRunner(t)
	remote := filepath.Join(e.root, "the-remote+@x~(1);ü")
	writeFiles(t, remote, map[string]string{"README": ""})
	git(e.proj, "init", "-q")
	git(e.proj, "add", ".")
	git(e.proj, "commit", "-q", "-m", "x")
	git(e.proj, "remote", "add", "origin", remote)
	e.useEnv(t)
	e.compare(t, cases([]string{"freeze"})...)
}

// gitRunner returns a function that runs git in a directory with a fixed
// identity and no global configuration, skipping the test when git fails.
func gitRunner(t *testing.T) func(dir string, args ...string) {
	return func(dir string, args ...string) {
		t.Helper()
		c := execCommand("git", args...)
		c.Dir = dir
		c.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL="+os.DevNull)
		if out, err := c.CombinedOutput(); err != nil {
			t.Skipf("git %v: %v\n%s", args, err, out)
		}
	}
}
