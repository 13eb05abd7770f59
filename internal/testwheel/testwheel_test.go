package testwheel

import (
	"archive/zip"
	"bytes"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func readZip(t *testing.T, path string) map[string]*zip.File {
	t.Helper()
	r, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	m := map[string]*zip.File{}
	for _, f := range r.File {
		m[f.Name] = f
	}
	return m
}

func content(t *testing.T, f *zip.File) string {
	t.Helper()
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestBuild(t *testing.T) {
	s := Spec{
		Name:           "Demo.Pkg",
		Version:        "1.0",
		Files:          []File{{Path: "demo/__init__.py", Data: "x = 1\n"}, {Path: "demo/run.sh", Data: "#!/bin/sh\n", Mode: 0o755}},
		Data:           []File{{Path: "scripts/tool", Data: "#!python\nprint(1)\n", Mode: 0o755}},
		ConsoleScripts: map[string]string{"demo": "demo:main"},
		Licenses:       []File{{Path: "LICENSE", Data: "MIT\n"}},
	}
	if s.Filename() != "Demo_Pkg-1.0-py3-none-any.whl" {
		t.Errorf("Filename = %s", s.Filename())
	}
	p := MustBuild(t, t.TempDir(), s)
	z := readZip(t, p)
	for _, name := range []string{"demo/__init__.py", "Demo_Pkg-1.0.data/scripts/tool", "Demo_Pkg-1.0.dist-info/METADATA",
		"Demo_Pkg-1.0.dist-info/WHEEL", "Demo_Pkg-1.0.dist-info/entry_points.txt", "Demo_Pkg-1.0.dist-info/licenses/LICENSE", "Demo_Pkg-1.0.dist-info/RECORD"} {
		if z[name] == nil {
			t.Errorf("missing %s", name)
		}
	}
	if z["demo/run.sh"].Mode().Perm() != 0o755 {
		t.Errorf("mode %v", z["demo/run.sh"].Mode())
	}
	rec := content(t, z["Demo_Pkg-1.0.dist-info/RECORD"])
	if !strings.Contains(rec, "demo/__init__.py,sha256=") || !strings.HasSuffix(rec, "Demo_Pkg-1.0.dist-info/RECORD,,\r\n") {
		t.Errorf("RECORD:\n%s", rec)
	}
	again, _ := s.Bytes()
	data, _ := os.ReadFile(p)
	if !bytes.Equal(again, data) {
		t.Errorf("Build is not deterministic")
	}
}

func TestDefects(t *testing.T) {
	s := Spec{
		Name:          "bad",
		Version:       "1.0",
		Files:         []File{{Path: "bad/__init__.py", Data: "x = 1\n"}, {Path: "bad/b.py", Data: "y\n"}, {Path: "bad/c.py", Data: "z\n"}},
		RecordOmit:    []string{"bad/__init__.py"},
		RecordBadHash: []string{"bad/b.py"},
		RecordBadSize: []string{"bad/c.py"},
		Extra: []Entry{
			{Name: "/etc/evil", Data: []byte("x")},
			{Name: "../evil", Data: []byte("x")},
			{Name: "bad/link", Data: []byte("/etc/passwd"), Mode: fs.ModeSymlink | 0o777},
			{Name: "bad/b.py", Data: []byte("dup\n")},
			{Name: "bad/big.py", Data: bytes.Repeat([]byte("a"), 5000), DeclaredSize: 10},
		},
	}
	p := MustBuild(t, t.TempDir(), s)
	r, err := zip.OpenReader(p)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	names := map[string]int{}
	for _, f := range r.File {
		names[f.Name]++
		switch f.Name {
		case "bad/link":
			if f.Mode()&fs.ModeSymlink == 0 {
				t.Errorf("link mode %v", f.Mode())
			}
		case "bad/big.py":
			if f.UncompressedSize64 != 10 {
				t.Errorf("declared size %d", f.UncompressedSize64)
			}
			rc, _ := f.Open()
			if _, err := io.ReadAll(rc); err == nil {
				t.Errorf("lying entry read without error")
			}
		}
	}
	if names["bad/b.py"] != 2 || names["/etc/evil"] != 1 || names["../evil"] != 1 {
		t.Errorf("entries %v", names)
	}
	z := readZip(t, p)
	rec := content(t, z["bad-1.0.dist-info/RECORD"])
	if strings.Contains(rec, "bad/__init__.py") || !strings.Contains(rec, "bad/c.py,sha256=") || !strings.Contains(rec, ",3\r\n") {
		t.Errorf("RECORD:\n%s", rec)
	}
}

// pythonWithPip returns an interpreter that has pip, or skips.
func pythonWithPip(t *testing.T) string {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	if exec.Command(py, "-m", "pip", "--version").Run() != nil {
		t.Skip("python3 has no pip")
	}
	return py
}

// TestPipAcceptsWheels installs a built and a repacked wheel with the real
// pip and imports them.
func TestPipAcceptsWheels(t *testing.T) {
	py := pythonWithPip(t)
	site := strings.TrimSpace(run(t, py, "-c", "import markupsafe, os; print(os.path.dirname(os.path.dirname(markupsafe.__file__)))"))
	dir := t.TempDir()
	built := MustBuild(t, dir, Spec{
		Name: "demo", Version: "1.0",
		Files:          []File{{Path: "demo/__init__.py", Data: "def main():\n    print('hi')\n"}},
		ConsoleScripts: map[string]string{"demo": "demo:main"},
	})
	repacked := MustRepack(t, dir, site, "markupsafe")
	if !strings.HasPrefix(filepath.Base(repacked), "markupsafe-") || !strings.Contains(repacked, "cp311") && !strings.Contains(repacked, "cp3") {
		t.Errorf("repacked name %s", repacked)
	}
	target := filepath.Join(dir, "target")
	run(t, py, "-m", "pip", "install", "--no-deps", "--no-index", "--disable-pip-version-check", "--target", target, built, repacked)
	out := run(t, py, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import demo, markupsafe; print(markupsafe.__file__); print(markupsafe.escape('<'))", target)
	if !strings.Contains(out, target) || !strings.Contains(out, "&lt;") {
		t.Errorf("import from target: %s", out)
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestRepackScriptsAndHeaders(t *testing.T) {
	dir := t.TempDir()
	prefix := filepath.Join(dir, "prefix")
	site := filepath.Join(prefix, "lib", "python3.11", "site-packages")
	write := func(rel, data string, mode fs.FileMode) {
		p := filepath.Join(prefix, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(data), mode)
	}
	write("lib/python3.11/site-packages/tool/__init__.py", "", 0o644)
	write("lib/python3.11/site-packages/tool/__pycache__/__init__.cpython-311.pyc", "", 0o644)
	write("bin/tool", "#!/usr/bin/python3.11\n# launcher\n", 0o755)
	write("bin/helper.py", "#!/opt/py/bin/python3.11\nprint(1)\n", 0o755)
	write("include/site/python3.11/tool/tool.h", "int x;\n", 0o644)
	write("share/tool/x.txt", "x\n", 0o644)
	di := "lib/python3.11/site-packages/tool-2.0.dist-info/"
	write(di+"METADATA", "Metadata-Version: 2.1\nName: tool\nVersion: 2.0\n", 0o644)
	write(di+"WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py2-none-any\nTag: py3-none-any\n", 0o644)
	write(di+"entry_points.txt", "[console_scripts]\ntool = tool:main\n", 0o644)
	write(di+"INSTALLER", "pip\n", 0o644)
	write(di+"RECORD", "tool/__init__.py,,\ntool/__pycache__/__init__.cpython-311.pyc,,\n../../../bin/tool,,\n../../../bin/helper.py,,\n"+
		"../../../include/site/python3.11/tool/tool.h,,\n../../../share/tool/x.txt,,\n"+di[len("lib/python3.11/site-packages/"):]+"INSTALLER,,\n"+
		"tool-2.0.dist-info/METADATA,,\ntool-2.0.dist-info/WHEEL,,\ntool-2.0.dist-info/entry_points.txt,,\ntool-2.0.dist-info/RECORD,,\n", 0o644)
	p, err := Repack(dir, site, "Tool")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(p) != "tool-2.0-py2.py3-none-any.whl" {
		t.Errorf("file name %s", filepath.Base(p))
	}
	z := readZip(t, p)
	want := []string{"tool/__init__.py", "tool-2.0.data/scripts/helper.py", "tool-2.0.data/headers/tool.h", "tool-2.0.data/data/share/tool/x.txt",
		"tool-2.0.dist-info/METADATA", "tool-2.0.dist-info/WHEEL", "tool-2.0.dist-info/entry_points.txt", "tool-2.0.dist-info/RECORD"}
	if len(z) != len(want) {
		var got []string
		for k := range z {
			got = append(got, k)
		}
		t.Errorf("entries %v, want %v", got, want)
	}
	for _, w := range want {
		if z[w] == nil {
			t.Errorf("missing %s", w)
		}
	}
	if c := content(t, z["tool-2.0.data/scripts/helper.py"]); c != "#!python\nprint(1)\n" {
		t.Errorf("script %q", c)
	}
}
