package cmd

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gopip/gopip/internal/testcorpus"
	"github.com/gopip/gopip/resolver/pep508"
	"github.com/gopip/gopip/trust/publish"
)

// TestRequirementsFileInstall installs from a requirements file that uses
// pip's whole syntax at once, in hash-checking mode: option lines (-i,
// --extra-index-url, -f, --only-binary, --pre, --trusted-host), ${VAR}
// expansion in option lines and in requirements, a continuation line,
// comments, a nested -r that includes another file by a path relative to
// itself, and a -c constraints file; the packages come from three places
// (the corpus repository, verified through TUF; a second index named by
// --extra-index-url; a find-links folder). Every file is pinned and
// hashed, the hashes computed here from the published files.
//
// First a copy of the files with one wrong hash (in the nested file) is
// refused: SECURITY ERROR, and the environment is byte for byte as before.
// Then the correct files install, and pip 23.2, given the same files and
// environment, installs the same distributions (and refuses the wrong
// hash too).
func TestRequirementsFileInstall(t *testing.T) {
	t.Parallel()
	e := newCorpusEnv(t, true)
	ctx := context.Background()

	// A second index (no TUF root: used as pip uses it) and a find-links
	// folder, each with a project only it has.
	extra, err := publish.Init(ctx, filepath.Join(e.dir, "extra"), publish.InitOptions{BinBits: 1})
	if err != nil {
		t.Fatal(err)
	}
	extraRels := testcorpus.MustParse("== internal-tool\n1.0\n  requests>=2.28\n")
	if err := testcorpus.Add(ctx, extra, filepath.Join(e.dir, "extra-dist"), extraRels); err != nil {
		t.Fatal(err)
	}
	extraSrv := httptest.NewServer(publish.Handler(extra.Dir()))
	t.Cleanup(extraSrv.Close)
	reqDir := filepath.Join(e.dir, "reqs")
	if err := os.MkdirAll(filepath.Join(reqDir, "wheels"), 0o755); err != nil {
		t.Fatal(err)
	}
	local, err := testcorpus.MustParse("== local-plugin\n0.1\n  sniffio\n")[0].Write(filepath.Join(reqDir, "wheels"))
	if err != nil {
		t.Fatal(err)
	}

	hashOf := func(path string) string {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		return hex.EncodeToString(sum[:])
	}
	dist := func(file string) string { return hashOf(filepath.Join(e.dir, "dist", file)) }
	hashes := map[string]string{
		"certifi":            dist("certifi-2024.2.2-py3-none-any.whl"),
		"idna":               dist("idna-3.6-py3-none-any.whl"),
		"charset-normalizer": dist("charset_normalizer-3.3.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
		"urllib3":            dist("urllib3-2.2.1-py3-none-any.whl"),
		"requests":           dist("requests-2.31.0-py3-none-any.whl"),
		"pysocks":            dist("PySocks-1.7.1-py3-none-any.whl"),
		"sniffio":            dist("sniffio-1.3.1-py3-none-any.whl"),
		"anyio":              dist("anyio-4.4.0rc1-py3-none-any.whl"),
		"internal-tool":      hashOf(filepath.Join(e.dir, "extra-dist", "internal_tool-1.0-py3-none-any.whl")),
		"local-plugin":       hashOf(local[0]),
	}
	files := map[string]string{
		"requirements.txt": `# Everything pinned and hashed: hash-checking mode.
--index-url ${CORPUS_INDEX}
--extra-index-url ${EXTRA_INDEX}
--trusted-host 127.0.0.1
-f ./wheels
--only-binary :all:
--pre
-c constraints.txt
-r nested/web.txt

internal-tool==1.0 --hash=sha256:{internal-tool}
local-plugin==0.1 \
    --hash=sha256:{local-plugin}  # from the find-links folder
anyio==4.4.0rc1 --hash=sha256:{anyio}
sniffio==1.3.1 --hash=sha256:{sniffio}
`,
		"nested/web.txt": `-r ../common/base.txt
requests[socks]==2.31.0 --hash=sha256:{requests}
PySocks==1.7.1 \
    --hash=sha256:{pysocks}
`,
		"common/base.txt": `certifi==2024.2.2 --hash=sha256:{certifi}
idna==3.6 --hash=sha256:{idna}
charset-normalizer==3.3.2 --hash=sha256:{charset-normalizer}
urllib3==${URLLIB3_VERSION} --hash=sha256:{urllib3}
`,
		"constraints.txt": `urllib3>=2,<2.3
requests<2.32
`,
	}
	write := func(dir string, wrong string) {
		for name, text := range files {
			for project, h := range hashes {
				if project == wrong {
					h = strings.Repeat("0", 64)
				}
				text = strings.ReplaceAll(text, "{"+project+"}", h)
			}
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(reqDir, "")
	badDir := filepath.Join(e.dir, "bad")
	write(badDir, "pysocks")
	if err := os.Symlink(filepath.Join(reqDir, "wheels"), filepath.Join(badDir, "wheels")); err != nil {
		t.Fatal(err)
	}
	e.environ = append(e.environ, "CORPUS_INDEX="+e.index, "EXTRA_INDEX="+extraSrv.URL+"/simple/", "URLLIB3_VERSION=2.2.1")

	venv := filepath.Join(e.dir, "venv")
	if out, err := exec.Command(e.python, "-m", "venv", "--without-pip", venv).CombinedOutput(); err != nil {
		t.Fatalf("python -m venv: %v\n%s", err, out)
	}
	python := filepath.Join(venv, "bin", "python")
	// -i names a closed port: only the requirements file's -i can work.
	gopipInstall := func(reqFile string) (int, string, string) {
		return e.gopip("--python", python, "install", "--no-compile", "-i", "http://127.0.0.1:9/simple/", "-r", reqFile)
	}

	before := treeSnapshot(t, venv)
	code, stdout, stderr := gopipInstall(filepath.Join(badDir, "requirements.txt"))
	if code == 0 {
		t.Fatalf("a wrong hash was accepted:\n%s", stdout)
	}
	for _, want := range []string{"SECURITY ERROR", "THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE", "PySocks==1.7.1 from ", "Expected sha256 " + strings.Repeat("0", 64), "Got        " + hashes["pysocks"]} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the refusal lacks %q:\n%s", want, stderr)
		}
	}
	if after := treeSnapshot(t, venv); !slices.Equal(before, after) {
		t.Errorf("the environment changed although nothing was installed:\nbefore %q\nafter  %q", before, after)
	}

	code, stdout, stderr = gopipInstall(filepath.Join(reqDir, "requirements.txt"))
	if code != 0 {
		t.Fatalf("gopip install -r: exit %d\n%s\n%s", code, stdout, stderr)
	}
	want := []string{"anyio==4.4.0rc1", "certifi==2024.2.2", "charset-normalizer==3.3.2", "idna==3.6", "internal-tool==1.0", "local-plugin==0.1", "pysocks==1.7.1", "requests==2.31.0", "sniffio==1.3.1", "urllib3==2.2.1"}
	got := installedPins(t, filepath.Join(venv, "lib"))
	if !slices.Equal(got, want) {
		t.Errorf("gopip installed\n%s\nwant\n%s", got, want)
	}
	if testing.Short() {
		return
	}

	// pip, same files, same environment variables, into a --target
	// folder of the same interpreter.
	target := filepath.Join(e.dir, "pip-target")
	pipInstall := func(reqFile, dest string) (string, error) {
		_, stderr, err := e.pip("install", "--no-compile", "--target", dest, "-i", "http://127.0.0.1:9/simple/", "-r", reqFile)
		return stderr, err
	}
	if stderr, err := pipInstall(filepath.Join(badDir, "requirements.txt"), filepath.Join(e.dir, "pip-bad")); err == nil || !strings.Contains(stderr, "THESE PACKAGES DO NOT MATCH THE HASHES") {
		t.Errorf("pip and the wrong hash: %v\n%s", err, stderr)
	}
	if stderr, err := pipInstall(filepath.Join(reqDir, "requirements.txt"), target); err != nil {
		t.Fatalf("pip install -r: %v\n%s", err, stderr)
	}
	if pipGot := installedPins(t, target); !slices.Equal(pipGot, got) {
		t.Errorf("pip installed\n%s\ngopip\n%s", pipGot, got)
	}
}

// treeSnapshot lists every file, link and folder under root with its mode
// and content hash.
func treeSnapshot(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		line := fmt.Sprintf("%s %v", p, info.Mode())
		if info.Mode().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			line += " " + hex.EncodeToString(sum[:8])
		}
		out = append(out, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// installedPins returns name==version for every .dist-info folder under
// root, sorted.
func installedPins(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasSuffix(d.Name(), ".dist-info") {
			name, version, _ := strings.Cut(strings.TrimSuffix(d.Name(), ".dist-info"), "-")
			out = append(out, pep508.NormalizeName(name)+"=="+version)
			return fs.SkipDir
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}
