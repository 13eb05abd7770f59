package installer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gopip/gopip/internal/pythontest"
	"github.com/gopip/gopip/internal/testwheel"
)

// fileState is what a tree snapshot records for one path.
type fileState struct {
	Mode    fs.FileMode
	Content string // file content (or its sha256 when large), link target
}

// snapshot records every file, directory and link under root.
func snapshot(t testing.TB, root string) map[string]fileState {
	t.Helper()
	snap := map[string]fileState{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		st := fileState{Mode: info.Mode()}
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			st.Content, _ = os.Readlink(p)
		case info.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if len(data) > 1<<20 {
				sum := sha256.Sum256(data)
				st.Content = "sha256:" + hex.EncodeToString(sum[:])
			} else {
				st.Content = string(data)
			}
		}
		snap[rel] = st
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// diffSnapshots describes the differences between two snapshots.
func diffSnapshots(a, b map[string]fileState) []string {
	var diffs []string
	for p, sa := range a {
		sb, ok := b[p]
		switch {
		case !ok:
			diffs = append(diffs, "only in first: "+p)
		case sa.Mode != sb.Mode:
			diffs = append(diffs, fmt.Sprintf("%s: mode %v vs %v", p, sa.Mode, sb.Mode))
		case sa.Content != sb.Content:
			diffs = append(diffs, fmt.Sprintf("%s: content differs:\n--- first\n%s\n--- second\n%s", p, clip(sa.Content), clip(sb.Content)))
		}
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			diffs = append(diffs, "only in second: "+p)
		}
	}
	sort.Strings(diffs)
	return diffs
}

func clip(s string) string {
	if len(s) > 1500 {
		return s[:1500] + "…"
	}
	return s
}

// onlyNew keeps the entries of after that are not in before.
func onlyNew(before, after map[string]fileState) map[string]fileState {
	out := map[string]fileState{}
	for p, s := range after {
		if _, ok := before[p]; !ok {
			out[p] = s
		}
	}
	return out
}

// normalise makes two installations comparable: the environment's own
// path (in launchers and rewritten scripts) becomes <ENV>, INSTALLER's
// content is dropped, and RECORD is compared as a set of rows, without
// hash and size for the files normalised here.
func normalise(snap map[string]fileState, envDir string) map[string]fileState {
	out := map[string]fileState{}
	varying := map[string]bool{}
	for p, s := range snap {
		if strings.Contains(s.Content, envDir) {
			s.Content = strings.ReplaceAll(s.Content, envDir, "<ENV>")
			// RECORD lists byte-code without hash (and byte-code from the
			// cache names the environment it was first compiled for).
			if !strings.HasSuffix(p, ".pyc") {
				varying[filepath.Base(p)] = true
			}
		}
		if filepath.Base(p) == "INSTALLER" {
			s.Content = "<installer>"
			varying["INSTALLER"] = true
		}
		out[p] = s
	}
	for p, s := range out {
		if filepath.Base(p) != "RECORD" || !strings.Contains(p, ".dist-info") {
			continue
		}
		lines := strings.Split(strings.TrimSuffix(s.Content, "\r\n"), "\r\n")
		for i, l := range lines {
			fields := strings.Split(l, ",")
			if varying[filepath.Base(fields[0])] && len(fields) == 3 {
				lines[i] = fields[0] + ",<hash>,<size>"
			}
		}
		sort.Strings(lines)
		s.Content = strings.Join(lines, "\n")
		out[p] = s
	}
	return out
}

// comparisonWheels builds the wheels both installers install: synthetic
// ones covering every part of the format, and real distributions repacked
// from the machine's site-packages.
func comparisonWheels(t testing.TB, dir string) []string {
	t.Helper()
	site := pipSitePackages(t)
	specs := []testwheel.Spec{
		demoSpec(),
		{
			Name: "ns.alpha", Version: "0.1",
			Files: []testwheel.File{{Path: "nsroot/alpha/__init__.py", Data: "A = 1\n"}},
		},
		{
			Name: "ns-beta", Version: "0.2",
			Files: []testwheel.File{{Path: "nsroot/beta/__init__.py", Data: "B = 2\n"}, {Path: "nsroot/beta/data.bin", Data: "\x00\x01", Mode: 0o755}},
			Data:  []testwheel.File{{Path: "purelib/beta_extra.py", Data: "E = 3\n"}, {Path: "platlib/beta_plat.py", Data: "P = 4\n"}, {Path: "scripts/beta.py", Data: "#!pythonw -u\r\nprint('b')\r\n", Mode: 0o755}},
		},
		{
			Name: "Plat_Pkg", Version: "2.0.post1", RootIsPurelib: testwheel.Bool(false),
			Files:          []testwheel.File{{Path: "platpkg/__init__.py", Data: "from platpkg.core import run\n"}, {Path: "platpkg/core.py", Data: "def run():\n    return 3\n"}},
			Data:           []testwheel.File{{Path: "scripts/platpkg-sh", Data: "#!/bin/sh\necho plat\n", Mode: 0o755}, {Path: "scripts/platpkg-run", Data: "#!/usr/bin/env python\n", Mode: 0o755}},
			ConsoleScripts: map[string]string{"platpkg": "platpkg:run", "platpkg-run": "platpkg:run"},
			DistInfoFiles:  []testwheel.File{{Path: "top_level.txt", Data: "platpkg\n"}},
		},
		{
			Name: "Comma.Name", Version: "1.0",
			Files: []testwheel.File{{Path: "comma_mod/a,b.py", Data: "x = 1\n"}, {Path: "comma_mod/q\"uote.txt", Data: "q"}, {Path: "comma_mod/ünï.txt", Data: "u"}},
		},
	}
	var wheels []string
	for _, s := range specs {
		wheels = append(wheels, testwheel.MustBuild(t, dir, s))
	}
	for _, name := range []string{"markupsafe", "pyyaml", "cffi", "orjson", "click", "flask", "blinker", "itsdangerous", "jinja2", "werkzeug", "docutils", "jmespath", "six", "idna", "pycparser"} {
		p, err := testwheel.Repack(dir, site, name)
		if err != nil {
			t.Logf("not repacking %s: %v", name, err)
			continue
		}
		wheels = append(wheels, p)
	}
	return wheels
}

// TestTreeMatchesPip installs the same wheels with pip (--no-deps
// --no-compile) into one venv and with gopip (Compile false) into another
// and compares every file, its mode and its content.
func TestTreeMatchesPip(t *testing.T) {
	dir := t.TempDir()
	wheels := comparisonWheels(t, dir)

	pipVenv := newVenv(t)
	pipPy := filepath.Join(pipVenv, "bin", "python")
	pipBefore := snapshot(t, pipVenv)
	mustPip(t, pipPy, append([]string{"install", "--no-deps", "--no-compile", "--no-index"}, wheels...)...)
	pipTree := normalise(onlyNew(pipBefore, snapshot(t, pipVenv)), pipVenv)

	env, goPy := venvEnv(t)
	goVenv := filepath.Dir(filepath.Dir(goPy))
	goBefore := snapshot(t, goVenv)
	var ws []Wheel
	for _, w := range wheels {
		ws = append(ws, Wheel{Path: w, URL: w, Requested: true})
	}
	if _, err := Install(context.Background(), env, ws, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	goAfter := snapshot(t, goVenv)
	goTree := normalise(onlyNew(goBefore, goAfter), goVenv)
	if len(pipTree) < 50 {
		t.Fatalf("pip installed only %d files", len(pipTree))
	}
	for _, d := range diffSnapshots(pipTree, goTree) {
		t.Error(d)
	}

	// pip accepts what gopip installed, and can remove it all.
	mustPip(t, goPy, "check")
	list := mustPip(t, goPy, "list")
	for _, name := range []string{"demo", "MarkupSafe", "Plat_Pkg"} {
		if !strings.Contains(list, name) {
			t.Errorf("pip list lacks %s:\n%s", name, list)
		}
	}
	runPython(t, goPy, "import demo, nsroot.alpha, nsroot.beta, beta_extra, platpkg, markupsafe, yaml, click, flask; assert platpkg.run() == 3")
	// pip removes what gopip installed exactly as it removes what it
	// installed itself.
	mustPip(t, goPy, append([]string{"uninstall", "-y"}, installedNames(t, goPy)...)...)
	mustPip(t, pipPy, append([]string{"uninstall", "-y"}, installedNames(t, pipPy)...)...)
	for _, d := range diffSnapshots(normalise(snapshot(t, pipVenv), pipVenv), normalise(snapshot(t, goVenv), goVenv)) {
		t.Errorf("after pip uninstall: %s", d)
	}

	// gopip removes what pip installed (compiled this time) exactly as pip
	// does.
	var trees []map[string]fileState
	for _, gopip := range []bool{false, true} {
		venv := newVenv(t)
		py := filepath.Join(venv, "bin", "python")
		mustPip(t, py, append([]string{"install", "--no-deps", "--no-index"}, wheels...)...)
		names := installedNames(t, py)
		if len(names) != len(wheels) {
			t.Fatalf("pip installed %d of %d wheels", len(names), len(wheels))
		}
		if gopip {
			env, err := NewEnvironment(inspectT(t, py), SchemeOptions{NoUser: true})
			if err != nil {
				t.Fatal(err)
			}
			res, err := Uninstall(context.Background(), env, names, UninstallOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Uninstalled) != len(wheels) {
				t.Errorf("uninstalled %d of %d", len(res.Uninstalled), len(wheels))
			}
		} else {
			mustPip(t, py, append([]string{"uninstall", "-y"}, names...)...)
		}
		trees = append(trees, normalise(snapshot(t, venv), venv))
	}
	for _, d := range diffSnapshots(trees[0], trees[1]) {
		t.Errorf("pip uninstall vs gopip uninstall: %s", d)
	}
}

// installedNames lists the distributions pip sees in python's environment.
func installedNames(t *testing.T, python string) []string {
	var list []struct {
		Name string `json:"name"`
	}
	out := strings.TrimSpace(mustPip(t, python, "list", "--format=json"))
	if i := strings.LastIndex(out, "\n"); i >= 0 {
		out = out[i+1:]
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("pip list: %v: %s", err, out)
	}
	var names []string
	for _, l := range list {
		names = append(names, l.Name)
	}
	return names
}

// TestTargetMatchesPip compares --target installations the same way,
// including a second installation over the first without and with
// --upgrade.
func TestTargetMatchesPip(t *testing.T) {
	py := pythontest.Python(t)
	dir := t.TempDir()
	wheels := comparisonWheels(t, dir)
	in := inspectT(t, py)

	pipTarget := filepath.Join(t.TempDir(), "pip-target")
	goTarget := filepath.Join(t.TempDir(), "go-target")
	mustPip(t, py, append([]string{"install", "--no-deps", "--no-compile", "--no-index", "--target", pipTarget}, wheels...)...)
	env, err := NewEnvironment(in, SchemeOptions{Target: goTarget})
	if err != nil {
		t.Fatal(err)
	}
	var ws []Wheel
	for _, w := range wheels {
		ws = append(ws, Wheel{Path: w, URL: w, Requested: true})
	}
	if _, err := Install(context.Background(), env, ws, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	cmp := func(stage string) {
		a := normalise(snapshot(t, pipTarget), pipTarget)
		b := normalise(snapshot(t, goTarget), goTarget)
		for _, d := range diffSnapshots(a, b) {
			t.Errorf("%s: %s", stage, d)
		}
	}
	cmp("first install")

	// Again with a newer demo: without -U the existing items stay (with
	// pip's warning), with -U they are replaced.
	demo2 := demoSpec()
	demo2.Version = "2.0"
	demo2.Files = append(demo2.Files, testwheel.File{Path: "demo/new.py", Data: "N = 2\n"})
	w2 := testwheel.MustBuild(t, t.TempDir(), demo2)
	for _, upgrade := range []bool{false, true} {
		args := []string{"install", "--no-deps", "--no-compile", "--no-index", "--target", pipTarget}
		if upgrade {
			args = append(args, "--upgrade")
		}
		mustPip(t, py, append(args, w2)...)
		env, err := NewEnvironment(in, SchemeOptions{Target: goTarget, Upgrade: upgrade})
		if err != nil {
			t.Fatal(err)
		}
		var warnings []string
		_, err = Install(context.Background(), env, []Wheel{{Path: w2, URL: w2, Requested: true}}, InstallOptions{Reporter: ReporterFunc(func(e Event) {
			if e.Kind == EventWarning {
				warnings = append(warnings, e.Message)
			}
		})})
		if err != nil {
			t.Fatal(err)
		}
		if !upgrade && (len(warnings) == 0 || !strings.Contains(warnings[0], "already exists. Specify --upgrade to force replacement.")) {
			t.Errorf("warnings without -U: %q", warnings)
		}
		cmp(fmt.Sprintf("second install, upgrade=%v", upgrade))
	}
	out := runPython(t, py, "import sys; sys.path.insert(0, "+pyStr(goTarget)+"); import demo.new, markupsafe, platpkg; print(demo.new.N)")
	if strings.TrimSpace(out) != "2" {
		t.Errorf("import from target: %q", out)
	}
}

// TestPrefixRootUserMatchPip compares --prefix, --root and --user
// installations with pip's.
func TestPrefixRootUserMatchPip(t *testing.T) {
	py := pythontest.Python(t)
	dir := t.TempDir()
	site := pipSitePackages(t)
	wheels := []string{testwheel.MustBuild(t, dir, demoSpec())}
	if p, err := testwheel.Repack(dir, site, "markupsafe"); err == nil {
		wheels = append(wheels, p)
	}
	var ws []Wheel
	for _, w := range wheels {
		ws = append(ws, Wheel{Path: w, URL: w, Requested: true})
	}
	for _, kind := range []string{"prefix", "root", "user"} {
		t.Run(kind, func(t *testing.T) {
			pipDir := filepath.Join(t.TempDir(), "pip")
			goDir := filepath.Join(t.TempDir(), "go")
			var args []string
			var opts SchemeOptions
			var pipEnv []string
			in := inspectT(t, py)
			switch kind {
			case "prefix":
				args = []string{"--prefix", pipDir}
				opts = SchemeOptions{Prefix: goDir}
			case "root":
				args = []string{"--root", pipDir}
				opts = SchemeOptions{Root: goDir, NoUser: true}
			case "user":
				args = []string{"--user"}
				pipEnv = []string{"PYTHONUSERBASE=" + pipDir}
				t.Setenv("PYTHONUSERBASE", goDir)
				in = inspectT(t, py)
				opts = SchemeOptions{User: true}
			}
			cmd := exec.Command(py, append([]string{"-m", "pip", "install", "--disable-pip-version-check", "--no-deps", "--no-compile", "--no-index", "--no-warn-script-location"}, append(args, wheels...)...)...)
			cmd.Env = append(os.Environ(), pipEnv...)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("pip: %v\n%s", err, out)
			}
			env, err := NewEnvironment(in, opts)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Install(context.Background(), env, ws, InstallOptions{}); err != nil {
				t.Fatal(err)
			}
			a := normalise(snapshot(t, pipDir), pipDir)
			b := normalise(snapshot(t, goDir), goDir)
			if len(a) < 10 {
				t.Fatalf("pip installed %d files", len(a))
			}
			for _, d := range diffSnapshots(a, b) {
				t.Error(d)
			}
		})
	}
}
