package cmd

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/gopip/gopip/internal/testwheel"
	"github.com/gopip/gopip/trust/publish"
)

// scriptCmds are the commands the txtar scripts have beyond testscript's
// own.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"mkwheel":  cmdMkwheel,
	"snapshot": cmdSnapshot,
	"serve":    cmdServe,
	"tamper":   cmdTamper,
}

// serve DIR [VAR] serves the gopip repository in DIR (publish.Handler) on
// loopback until the script ends, and sets $VAR (default INDEX) to its
// simple index URL.
func cmdServe(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: serve DIR [VAR]")
	}
	name := "INDEX"
	if len(args) == 2 {
		name = args[1]
	}
	srv := httptest.NewServer(publish.Handler(ts.MkAbs(args[0])))
	ts.Defer(srv.Close)
	ts.Setenv(name, srv.URL+"/simple/")
}

// tamper DIR FILE changes the bytes of a published file behind the
// repository's back: FILE under DIR and every consistent-snapshot copy of
// it (<hash>.<name> beside it).
func cmdTamper(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: tamper DIR FILE")
	}
	path := filepath.Join(ts.MkAbs(args[0]), filepath.FromSlash(args[1]))
	dir, base := filepath.Split(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		ts.Fatalf("tamper: %v", err)
	}
	n := 0
	var done []os.FileInfo // copies may be hard links of one file: change it once
	for _, e := range entries {
		if e.Name() == base || strings.HasSuffix(e.Name(), "."+base) {
			p := filepath.Join(dir, e.Name())
			info, err := os.Stat(p)
			if err != nil {
				ts.Fatalf("tamper: %v", err)
			}
			if slices.ContainsFunc(done, func(d os.FileInfo) bool { return os.SameFile(d, info) }) {
				continue
			}
			done = append(done, info)
			data, err := os.ReadFile(p)
			if err != nil {
				ts.Fatalf("tamper: %v", err)
			}
			data[len(data)/2] ^= 0xff
			if err := os.WriteFile(p, data, 0o644); err != nil {
				ts.Fatalf("tamper: %v", err)
			}
			n++
		}
	}
	if n == 0 {
		ts.Fatalf("tamper: no %s in %s", base, dir)
	}
}

// mkwheel [-requires REQ]... [-tag TAG] [-defect bad-hash|escape|symlink|no-record] NAME VERSION
//
// writes NAME-VERSION-TAG.whl (TAG py3-none-any by default) into the
// working directory: a
// package NAME whose __init__ defines VERSION and main() (printing
// "NAME VERSION"), and a console script NAME-cli running main.
func cmdMkwheel(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! mkwheel")
	}
	flags := flag.NewFlagSet("mkwheel", flag.ContinueOnError)
	var requires multiFlag
	flags.Var(&requires, "requires", "a Requires-Dist line (repeatable)")
	defect := flags.String("defect", "", "bad-hash, escape, symlink or no-record")
	tag := flags.String("tag", "", "the wheel's tag (default py3-none-any)")
	if err := flags.Parse(args); err != nil || flags.NArg() != 2 {
		ts.Fatalf("usage: mkwheel [-requires REQ]... [-tag TAG] [-defect KIND] NAME VERSION")
	}
	name, version := flags.Arg(0), flags.Arg(1)
	mod := strings.ReplaceAll(strings.ToLower(name), "-", "_")
	spec := testwheel.Spec{
		Name:    name,
		Version: version,
		Files: []testwheel.File{{
			Path: mod + "/__init__.py",
			Data: fmt.Sprintf("VERSION = %q\n\n\ndef main():\n    print(%q)\n", version, name+" "+version),
		}},
		ConsoleScripts: map[string]string{name + "-cli": mod + ":main"},
	}
	if *tag != "" {
		spec.Tags = []string{*tag}
	}
	for _, r := range requires {
		spec.Metadata = append(spec.Metadata, "Requires-Dist: "+r)
	}
	switch *defect {
	case "":
	case "bad-hash":
		spec.RecordBadHash = []string{mod + "/__init__.py"}
	case "escape":
		spec.Extra = []testwheel.Entry{{Name: "../../escaped.py", Data: []byte("x = 1\n")}}
	case "symlink":
		spec.Extra = []testwheel.Entry{{Name: mod + "/link", Data: []byte("/etc/passwd"), Mode: fs.ModeSymlink | 0o777}}
	case "no-record":
		spec.NoRecord = true
	default:
		ts.Fatalf("mkwheel: unknown defect %q", *defect)
	}
	if _, err := testwheel.Build(ts.MkAbs("."), spec); err != nil {
		ts.Fatalf("mkwheel: %v", err)
	}
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// snapshot DIR FILE writes a listing of every file, link and directory
// under DIR with its mode and content hash into FILE, so that a script can
// compare an environment before and after a command with cmp.
func cmdSnapshot(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: snapshot DIR FILE")
	}
	root := ts.MkAbs(args[0])
	var lines []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		line := fmt.Sprintf("%s %v", filepath.ToSlash(rel), info.Mode())
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			line += " -> " + target
		case info.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			line += " " + hex.EncodeToString(sum[:8])
		}
		lines = append(lines, line)
		return nil
	})
	if err != nil {
		ts.Fatalf("snapshot: %v", err)
	}
	sort.Strings(lines)
	if err := os.WriteFile(ts.MkAbs(args[1]), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		ts.Fatalf("snapshot: %v", err)
	}
}
