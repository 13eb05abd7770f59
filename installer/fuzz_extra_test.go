package installer

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopip/gopip/internal/pythontest"
	"github.com/gopip/gopip/internal/testwheel"
)

// FuzzInstallWheel installs arbitrary bytes, named as a pure-Python wheel,
// into a fresh --target directory: the zip reader, entry-name checks,
// WHEEL, METADATA, entry_points.txt and RECORD checks, and extraction with
// its hash and size verification all see the fuzzer's input. Whatever the
// bytes, Install must not panic, must write nothing outside the target,
// and must leave either nothing (an error) or a distribution whose
// installed RECORD lists every file it wrote, each matching its hash and
// size, with no symbolic link among them.
//
// The seeds are well-formed wheels and the hostile variants testwheel can
// build; the fuzzer's mutations of them reach the zip headers.
func FuzzInstallWheel(f *testing.F) {
	python := pythontest.Python(f)
	in, err := Inspect(context.Background(), python, f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	seedDir := f.TempDir()
	for _, s := range fuzzWheelSeeds() {
		p, err := testwheel.Build(seedDir, s)
		if err != nil {
			f.Fatal(err)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	const name = "demo-1.0-py3-none-any.whl"
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		whl := filepath.Join(dir, "in", name)
		if err := os.Mkdir(filepath.Dir(whl), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(whl, data, 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "out")
		if err := os.Mkdir(out, 0o755); err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(out, "target")
		env, err := NewEnvironment(in, SchemeOptions{Target: target, NoUser: true})
		if err != nil {
			t.Fatal(err)
		}
		// A hang is a failure too: the fuzzing engine only sees a worker
		// that stops answering.
		stuck := time.AfterFunc(10*time.Second, func() {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			panic(fmt.Sprintf("Install has not returned after a minute on a %d-byte input:\n%s", len(data), buf))
		})
		_, err = Install(context.Background(), env, []Wheel{{Path: whl}}, InstallOptions{})
		stuck.Stop()
		// Nothing beside the wheel in its folder, nothing beside the
		// target in its parent.
		if entries, _ := os.ReadDir(filepath.Dir(whl)); len(entries) != 1 {
			t.Fatalf("the wheel's folder holds %d entries", len(entries))
		}
		entries, _ := os.ReadDir(out)
		if err != nil {
			if _, ok := err.(*WheelError); !ok && !strings.Contains(err.Error(), name) {
				t.Errorf("the error does not name the wheel: %v", err)
			}
			if len(entries) != 0 {
				t.Fatalf("failed install (%v) left %s", err, entries[0].Name())
			}
			return
		}
		if len(entries) != 1 || entries[0].Name() != "target" {
			t.Fatalf("install wrote beside the target: %v", entries)
		}
		checkTargetRecords(t, target)
	})
}

// checkTargetRecords checks that every regular file under target is
// listed in a RECORD of a .dist-info directory there with a matching
// sha256 and size (RECORD itself aside), and that there are no symbolic
// links.
func checkTargetRecords(t *testing.T, target string) {
	t.Helper()
	recorded := map[string][2]string{} // path relative to target → hash, size
	records, _ := filepath.Glob(filepath.Join(target, "*.dist-info", "RECORD"))
	if len(records) == 0 {
		t.Fatalf("installed, but no RECORD in %s", target)
	}
	for _, rec := range records {
		data, err := os.ReadFile(rec)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
		if err != nil {
			t.Fatalf("installed RECORD %s: %v", rec, err)
		}
		for _, row := range rows {
			if len(row) != 3 {
				t.Fatalf("installed RECORD %s: row %q", rec, row)
			}
			// With --target, pip's RECORD names the scripts as they were
			// in its temporary prefix ("../../bin/demo"), and moves them to
			// <target>/bin: such a row names <target>/bin/demo.
			rel := filepath.Clean(filepath.FromSlash(row[0]))
			for strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				rel = rel[3:]
			}
			if filepath.IsAbs(rel) || rel == ".." {
				t.Fatalf("installed RECORD %s lists %q", rec, row[0])
			}
			recorded[rel] = [2]string{row[1], row[2]}
		}
	}
	err := filepath.WalkDir(target, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			t.Errorf("symbolic link installed: %s", p)
			return nil
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(target, p)
		if strings.HasPrefix(d.Name(), ".gopip") {
			t.Errorf("left behind: %s", rel)
		}
		want, ok := recorded[rel]
		if !ok {
			t.Errorf("%s is installed but in no RECORD", rel)
			return nil
		}
		if filepath.Base(rel) == "RECORD" && want[0] == "" {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		n, err := io.Copy(h, bufio.NewReader(f))
		if err != nil {
			return err
		}
		sum := "sha256=" + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
		if want[0] != sum || want[1] != strconv.FormatInt(n, 10) {
			t.Errorf("%s: RECORD says %s,%s; the file is %s,%d", rel, want[0], want[1], sum, n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// fuzzWheelSeeds are the seeds of FuzzInstallWheel: a well-formed wheel
// named demo 1.0, and the hostile variants an installer must refuse.
func fuzzWheelSeeds() []testwheel.Spec {
	base := func() testwheel.Spec {
		return testwheel.Spec{
			Name:    "demo",
			Version: "1.0",
			Files: []testwheel.File{
				{Path: "demo/__init__.py", Data: "def main():\n    return 0\n"},
				{Path: "demo/data.bin", Data: strings.Repeat("x", 300)},
			},
			Data: []testwheel.File{
				{Path: "purelib/demo_extra.py", Data: "E = 1\n"},
				{Path: "scripts/demo-tool", Data: "#!python\nprint('tool')\n", Mode: 0o755},
			},
			ConsoleScripts: map[string]string{"demo": "demo:main"},
			Licenses:       []testwheel.File{{Path: "LICENSE", Data: "MIT\n"}},
		}
	}
	var seeds []testwheel.Spec
	add := func(change func(*testwheel.Spec)) {
		s := base()
		change(&s)
		seeds = append(seeds, s)
	}
	add(func(*testwheel.Spec) {})
	add(func(s *testwheel.Spec) { s.Extra = []testwheel.Entry{{Name: "../escape.py", Data: []byte("x")}} })
	add(func(s *testwheel.Spec) { s.Extra = []testwheel.Entry{{Name: "/abs.py", Data: []byte("x")}} })
	add(func(s *testwheel.Spec) {
		s.Extra = []testwheel.Entry{{Name: "demo/link", Data: []byte("/etc/passwd"), Mode: fs.ModeSymlink | 0o777}}
	})
	add(func(s *testwheel.Spec) { s.Extra = []testwheel.Entry{{Name: "demo/__init__.py", Data: []byte("dup")}} })
	add(func(s *testwheel.Spec) {
		s.Extra = []testwheel.Entry{{Name: "demo/big.txt", Data: bytes.Repeat([]byte("a"), 5000), DeclaredSize: 10}}
	})
	add(func(s *testwheel.Spec) { s.RecordBadHash = []string{"demo/__init__.py"} })
	add(func(s *testwheel.Spec) { s.RecordOmit = []string{"demo/data.bin"} })
	add(func(s *testwheel.Spec) { s.NoRecord = true })
	add(func(s *testwheel.Spec) { s.EntryPoints = "[console_scripts]\nx = \n[gui_scripts\n" })
	add(func(s *testwheel.Spec) { s.Wheel = "Wheel-Version: 9.0\nRoot-Is-Purelib: true\n" })
	return seeds
}
