package installer

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gopip/gopip/internal/testwheel"
)

// TestBadWheels checks that every malformed or hostile wheel is refused
// with an error naming the wheel (and the entry), and that the environment
// is left byte for byte as it was, even when the defect is found only
// while extracting, after other files were staged.
func TestBadWheels(t *testing.T) {
	env, _ := venvEnv(t)
	venv := env.Interpreter.Prefix
	prefixDir := filepath.Join(t.TempDir(), "fresh-prefix")
	prefixEnv, err := NewEnvironment(env.Interpreter, SchemeOptions{Prefix: prefixDir})
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("x = 1\n"), 2000)
	spec := func(f func(*testwheel.Spec)) testwheel.Spec {
		s := demoSpec()
		f(&s)
		return s
	}
	tests := []struct {
		name  string
		spec  testwheel.Spec
		entry string
		want  string
	}{
		{"absolute path", spec(func(s *testwheel.Spec) {
			s.Extra = []testwheel.Entry{{Name: "/tmp/gopip-evil.py", Data: []byte("x")}}
		}), "/tmp/gopip-evil.py", "absolute path"},
		{"dot-dot", spec(func(s *testwheel.Spec) {
			s.Extra = []testwheel.Entry{{Name: "demo/../../../evil.py", Data: []byte("x")}}
		}), "demo/../../../evil.py", `path with ".."`},
		{"dot-dot in data", spec(func(s *testwheel.Spec) {
			s.Extra = []testwheel.Entry{{Name: "demo-1.0.data/scripts/../../../../../../evil", Data: []byte("x")}}
		}), "demo-1.0.data/scripts/../../../../../../evil", `path with ".."`},
		{"symlink", spec(func(s *testwheel.Spec) {
			s.Extra = []testwheel.Entry{{Name: "demo/passwd", Data: []byte("/etc/passwd"), Mode: fs.ModeSymlink | 0o777}}
		}), "demo/passwd", "symbolic link entries are not allowed"},
		{"duplicate", spec(func(s *testwheel.Spec) {
			s.Extra = []testwheel.Entry{{Name: "demo/__init__.py", Data: []byte("evil = 1\n")}}
		}), "demo/__init__.py", "duplicate entry"},
		{"duplicate after cleaning", spec(func(s *testwheel.Spec) {
			s.Extra = []testwheel.Entry{{Name: "demo//sub/./mod.py", Data: []byte("evil = 1\n")}}
		}), "demo//sub/./mod.py", "duplicate entry"},
		{"absolute path, backslash", spec(func(s *testwheel.Spec) {
			s.Extra = []testwheel.Entry{{Name: `\gopip-evil.py`, Data: []byte("x")}}
		}), `\gopip-evil.py`, "absolute path"},
		{"drive letter", spec(func(s *testwheel.Spec) {
			s.Extra = []testwheel.Entry{{Name: "C:/gopip-evil.py", Data: []byte("x")}}
		}), "C:/gopip-evil.py", "absolute path"},
		{"drive-relative path", spec(func(s *testwheel.Spec) {
			s.Extra = []testwheel.Entry{{Name: "C:gopip-evil.py", Data: []byte("x")}}
		}), "C:gopip-evil.py", "absolute path"},
		{"dot-dot with backslashes", spec(func(s *testwheel.Spec) {
			s.Extra = []testwheel.Entry{{Name: `demo\..\..\..\evil.py`, Data: []byte("x")}}
		}), `demo\..\..\..\evil.py`, `path with ".."`},
		{"case collision", spec(func(s *testwheel.Spec) {
			s.Extra = []testwheel.Entry{{Name: "Demo/__init__.py", Data: []byte("evil = 1\n")}}
		}), "Demo/__init__.py", `same name as entry "demo/__init__.py" but for case`},
		{"Unicode normalisation collision", spec(func(s *testwheel.Spec) {
			s.Extra = []testwheel.Entry{{Name: "demo/caf\u00e9.py", Data: []byte("x = 1\n")}, {Name: "demo/cafe\u0301.py", Data: []byte("evil = 1\n")}}
		}), "demo/cafe\u0301.py", "same name as entry \"demo/caf\u00e9.py\" under Unicode normalisation (NFC)"},
		{"missing RECORD row", spec(func(s *testwheel.Spec) {
			s.RecordOmit = []string{"demo/sub/mod.py"}
		}), "demo/sub/mod.py", "not listed in demo-1.0.dist-info/RECORD"},
		{"unrecorded extra file", spec(func(s *testwheel.Spec) {
			s.Extra = []testwheel.Entry{{Name: "demo/extra.py", Data: []byte("x"), Unrecorded: true}}
		}), "demo/extra.py", "not listed in"},
		{"wrong hash", spec(func(s *testwheel.Spec) {
			s.RecordBadHash = []string{"demo/sub/mod.py"}
		}), "demo/sub/mod.py", "its hash does not match RECORD"},
		{"wrong hash of a script", spec(func(s *testwheel.Spec) {
			s.RecordBadHash = []string{"demo-1.0.data/scripts/demo-tool"}
		}), "demo-1.0.data/scripts/demo-tool", "its hash does not match RECORD"},
		{"wrong size", spec(func(s *testwheel.Spec) {
			s.RecordBadSize = []string{"demo/sub/mod.py"}
		}), "demo/sub/mod.py", "its size 6 does not match RECORD's 7"},
		{"md5 RECORD", spec(func(s *testwheel.Spec) { s.RecordHash = "md5" }), "demo/__init__.py", "hashes it with md5; sha256 or a stronger hash is required"},
		{"sha1 RECORD", spec(func(s *testwheel.Spec) { s.RecordHash = "sha1" }), "demo/__init__.py", "hashes it with sha1; sha256 or a stronger hash is required"},
		{"lying size, deflated", spec(func(s *testwheel.Spec) {
			s.Extra = []testwheel.Entry{{Name: "demo/zbig.py", Data: big, DeclaredSize: 100}}
		}), "demo/zbig.py", "100 bytes"},
		{"lying size, stored", spec(func(s *testwheel.Spec) {
			s.Extra = []testwheel.Entry{{Name: "demo/zbig.py", Data: big, DeclaredSize: 100, Stored: true}}
		}), "demo/zbig.py", "100 bytes"},
		{"no RECORD", spec(func(s *testwheel.Spec) { s.NoRecord = true }), "", "could not read 'demo-1.0.dist-info/RECORD' file"},
		{"foreign dist-info", spec(func(s *testwheel.Spec) { s.DistInfoName = "other-1.0" }), "", ".dist-info directory 'other-1.0.dist-info' does not start with 'demo'"},
		{"dist-info of a longer name", spec(func(s *testwheel.Spec) { s.DistInfoName = "demox-1.0" }), "", "does not start with 'demo'"},
		{"two dist-infos", spec(func(s *testwheel.Spec) {
			s.Extra = []testwheel.Entry{{Name: "zzz-1.0.dist-info/METADATA", Data: []byte("Name: zzz\n")}}
		}), "", "multiple .dist-info directories found"},
		{"Wheel-Version 2", spec(func(s *testwheel.Spec) { s.WheelVersion = "2.0" }), "", "demo's Wheel-Version (2.0) is not compatible"},
		{"no Wheel-Version", spec(func(s *testwheel.Spec) { s.Wheel = "Root-Is-Purelib: true\nTag: py3-none-any\n" }), "", "WHEEL is missing Wheel-Version"},
		{"incompatible tags", spec(func(s *testwheel.Spec) { s.Tags = []string{"cp27-cp27mu-win32"} }), "", "demo-1.0-cp27-cp27mu-win32.whl is not a supported wheel on this platform."},
		{"METADATA names another project", spec(func(s *testwheel.Spec) {
			s.NoMetadata = true
			s.DistInfoFiles = []testwheel.File{{Path: "METADATA", Data: "Metadata-Version: 2.1\nName: other\nVersion: 1.0\n"}}
		}), "", "has inconsistent name: expected 'demo', but metadata has 'other'"},
		{"METADATA has another version", spec(func(s *testwheel.Spec) {
			s.NoMetadata = true
			s.DistInfoFiles = []testwheel.File{{Path: "METADATA", Data: "Metadata-Version: 2.1\nName: demo\nVersion: 1.1\n"}}
		}), "", "has inconsistent version: expected '1.0', but metadata has '1.1'"},
		{"unknown .data key", spec(func(s *testwheel.Spec) {
			s.Data = append(s.Data, testwheel.File{Path: "bogus/x.txt", Data: "x"})
		}), "demo-1.0.data/bogus/x.txt", "Unknown scheme key used in"},
		{"bare .data file", spec(func(s *testwheel.Spec) {
			s.Data = append(s.Data, testwheel.File{Path: "purelib", Data: "x"})
		}), "demo-1.0.data/purelib", "Unexpected file in"},
		{"bare .data file, quoted as Python's repr", spec(func(s *testwheel.Spec) {
			s.Data = append(s.Data, testwheel.File{Path: "it's\\x\t", Data: "x"})
		}), "demo-1.0.data/it's\\x\t", `: "demo-1.0.data/it's\\x\t". .data directory contents`},
		{"entry point without callable", spec(func(s *testwheel.Spec) {
			s.ConsoleScripts = map[string]string{"demo": "demo"}
		}), "demo-1.0.dist-info/entry_points.txt", "a callable suffix is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			whl := testwheel.MustBuild(t, dir, tt.spec)
			good := testwheel.MustBuild(t, dir, testwheel.Spec{Name: "good", Version: "1.0", Files: []testwheel.File{{Path: "good.py", Data: "G = 1\n"}}})
			for _, e := range []*Environment{env, prefixEnv} {
				root := venv
				if e == prefixEnv {
					root = filepath.Dir(prefixDir)
				}
				before := snapshot(t, root)
				// The good wheel first: it is staged before the bad one
				// fails, and must not be installed either.
				_, err := Install(context.Background(), e, []Wheel{{Path: good}, {Path: whl, URL: whl, Requested: true}}, InstallOptions{Compile: true})
				if err == nil {
					t.Fatalf("installed without error")
				}
				var we *WheelError
				if !errors.As(err, &we) {
					t.Fatalf("err = %v (%T), want *WheelError", err, err)
				}
				if !strings.Contains(err.Error(), tt.want) || we.Wheel != whl || we.Entry != tt.entry {
					t.Errorf("err = %q (entry %q)\nwant it to contain %q, name %s and entry %q", err, we.Entry, tt.want, whl, tt.entry)
				}
				if d := diffSnapshots(before, snapshot(t, root)); len(d) > 0 {
					t.Errorf("environment changed:\n%s", strings.Join(d, "\n"))
				}
			}
			if _, err := os.Stat("/tmp/gopip-evil.py"); err == nil {
				t.Fatal("/tmp/gopip-evil.py was written")
			}
		})
	}
}

// TestOverlappingEntries: an archive whose central directory points two
// entries at the same compressed data (the overlapping-file zip bomb:
// kilobytes that inflate to gigabytes, every size declared honestly) is
// refused before anything is extracted, naming the entry.
func TestOverlappingEntries(t *testing.T) {
	env, _ := venvEnv(t)
	data, err := demoSpec().Bytes()
	if err != nil {
		t.Fatal(err)
	}
	bomb := duplicateCentralEntry(t, data, "demo/sub/mod.py", "demo/sub/mox.py")
	whl := filepath.Join(t.TempDir(), "demo-1.0-py3-none-any.whl")
	if err := os.WriteFile(whl, bomb, 0o644); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, env.Interpreter.Prefix)
	_, err = Install(context.Background(), env, []Wheel{{Path: whl}}, InstallOptions{})
	var we *WheelError
	if !errors.As(err, &we) || !strings.Contains(err.Error(), "overlaps that of entry") || !strings.HasPrefix(we.Entry, "demo/sub/mo") {
		t.Fatalf("err = %v, want the overlap named", err)
	}
	if d := diffSnapshots(before, snapshot(t, env.Interpreter.Prefix)); len(d) > 0 {
		t.Errorf("environment changed:\n%s", strings.Join(d, "\n"))
	}
}

// duplicateCentralEntry returns the zip archive data with the central
// directory record of entry name copied under newName (of the same
// length), pointing at the same local header and data.
func duplicateCentralEntry(t *testing.T, data []byte, name, newName string) []byte {
	t.Helper()
	eocd := bytes.LastIndex(data, []byte("PK\x05\x06"))
	if eocd < 0 || len(name) != len(newName) {
		t.Fatal("no end of central directory, or names of different lengths")
	}
	le := binary.LittleEndian
	cdSize := int(le.Uint32(data[eocd+12:]))
	cdOff := int(le.Uint32(data[eocd+16:]))
	for p := cdOff; p < cdOff+cdSize; {
		n, m, k := int(le.Uint16(data[p+28:])), int(le.Uint16(data[p+30:])), int(le.Uint16(data[p+32:]))
		rec := data[p : p+46+n+m+k]
		if string(rec[46:46+n]) == name {
			dup := bytes.Clone(rec)
			copy(dup[46:], newName)
			out := slices.Concat(data[:p+len(rec)], dup, data[p+len(rec):])
			e := eocd + len(dup)
			le.PutUint16(out[e+8:], le.Uint16(out[e+8:])+1)
			le.PutUint16(out[e+10:], le.Uint16(out[e+10:])+1)
			le.PutUint32(out[e+12:], uint32(cdSize+len(dup)))
			return out
		}
		p += len(rec)
	}
	t.Fatalf("no entry %s", name)
	return nil
}

// TestHugeMetadata: a METADATA file of more than 64 MiB (inflated from a
// few kilobytes) is refused without reading it all.
func TestHugeMetadata(t *testing.T) {
	env, _ := venvEnv(t)
	s := demoSpec()
	s.NoMetadata = true
	s.DistInfoFiles = []testwheel.File{{Path: "METADATA", Data: "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n" + strings.Repeat("Description: x\n", 5<<20)}}
	whl := testwheel.MustBuild(t, t.TempDir(), s)
	_, err := Install(context.Background(), env, []Wheel{{Path: whl}}, InstallOptions{})
	if err == nil || !strings.Contains(err.Error(), "demo-1.0.dist-info/METADATA") || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err = %v", err)
	}
}

// TestNewerWheelVersion: a newer minor Wheel-Version is installed with
// pip's warning.
func TestNewerWheelVersion(t *testing.T) {
	env, py := venvEnv(t)
	s := demoSpec()
	s.WheelVersion = "1.9"
	whl := testwheel.MustBuild(t, t.TempDir(), s)
	var warnings []string
	_, err := Install(context.Background(), env, []Wheel{{Path: whl}}, InstallOptions{Reporter: ReporterFunc(func(e Event) {
		if e.Kind == EventWarning {
			warnings = append(warnings, e.Message)
		}
	})})
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || warnings[0] != "Installing from a newer Wheel-Version (1.9)" {
		t.Errorf("warnings %q", warnings)
	}
	runPython(t, py, "import demo")
}

// TestStrongRecordHashes: RECORDs hashed with sha384, sha512 or sha3 are
// verified and accepted; the installed RECORD keeps the wheel's rows.
func TestStrongRecordHashes(t *testing.T) {
	for _, algo := range []string{"sha384", "sha512"} {
		t.Run(algo, func(t *testing.T) {
			env, py := venvEnv(t)
			s := demoSpec()
			s.RecordHash = algo
			whl := testwheel.MustBuild(t, t.TempDir(), s)
			if _, err := Install(context.Background(), env, []Wheel{{Path: whl}}, InstallOptions{}); err != nil {
				t.Fatal(err)
			}
			runPython(t, py, "import demo.sub.mod")
			rec, _ := os.ReadFile(filepath.Join(env.Scheme("demo").Purelib, "demo-1.0.dist-info", "RECORD"))
			if !strings.Contains(string(rec), "demo/sub/mod.py,"+algo+"=") {
				t.Errorf("RECORD:\n%s", rec)
			}
			s.RecordBadHash = []string{"demo/sub/mod.py"}
			s.Version = "1.1"
			bad := testwheel.MustBuild(t, t.TempDir(), s)
			if _, err := Install(context.Background(), env, []Wheel{{Path: bad}}, InstallOptions{}); err == nil || !strings.Contains(err.Error(), "its hash does not match RECORD") {
				t.Errorf("bad %s hash: err = %v", algo, err)
			}
		})
	}
}
