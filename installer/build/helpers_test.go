package build

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopip/gopip/installer"
	"github.com/gopip/gopip/internal/pythontest"
	"github.com/gopip/gopip/internal/testwheel"
	"github.com/gopip/gopip/resolver/pep508"
	"github.com/gopip/gopip/resolver/tags"
)

var (
	interpOnce sync.Once
	interpVal  *installer.Interpreter
	interpErr  error
)

// targetInterp inspects the machine's python3 once per test binary.
func targetInterp(t testing.TB) *installer.Interpreter {
	t.Helper()
	python := pythontest.Python(t)
	interpOnce.Do(func() {
		interpVal, interpErr = installer.Inspect(context.Background(), python, "")
	})
	if interpErr != nil {
		t.Fatalf("inspecting %s: %v", python, interpErr)
	}
	return interpVal
}

// writeTree writes files (slash paths → content) under dir.
func writeTree(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// tarEntry is one member of a tar archive made by a test.
type tarEntry struct {
	Name     string
	Data     string
	Type     byte // default tar.TypeReg
	Linkname string
	Mode     int64
}

// makeTarGz writes a .tar.gz with entries in the given order.
func makeTarGz(t testing.TB, path string, entries []tarEntry) string {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		h := &tar.Header{Name: e.Name, Typeflag: e.Type, Linkname: e.Linkname, Mode: e.Mode, ModTime: time.Unix(1e9, 0)}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Mode == 0 {
			h.Mode = 0o644
			if h.Typeflag == tar.TypeDir {
				h.Mode = 0o755
			}
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.Data))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write([]byte(e.Data)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// makeSdist writes dir/<base>.tar.gz holding files under "<base>/", sorted.
func makeSdist(t testing.TB, dir, base string, files map[string]string) string {
	t.Helper()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	entries := []tarEntry{{Name: base + "/", Type: tar.TypeDir}}
	for _, n := range names {
		entries = append(entries, tarEntry{Name: base + "/" + n, Data: files[n]})
	}
	return makeTarGz(t, filepath.Join(dir, base+".tar.gz"), entries)
}

// makeZip writes a zip archive; an entry whose name starts with "@" is a
// symbolic link (the rest of the name) to its data.
func makeZip(t testing.TB, path string, files []tarEntry) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.Name, Method: zip.Deflate}
		switch f.Type {
		case tar.TypeSymlink:
			h.SetMode(fs.ModeSymlink | 0o777)
		case tar.TypeDir:
			h.SetMode(fs.ModeDir | 0o755)
		default:
			h.SetMode(0o644)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		data := f.Data
		if f.Type == tar.TypeSymlink {
			data = f.Linkname
		}
		w.Write([]byte(data))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// installCall is one EnvInstaller.Install call: which prefix ("overlay"
// or "normal") and what.
type installCall struct {
	Prefix string
	Reqs   []string
}

// wheelInstaller is the tests' EnvInstaller: it installs local wheel
// files, chosen by project name, with gopip's own installer into the build
// prefix (pip's --prefix --ignore-installed), and records the calls.
// Dependencies of the wheels are not followed; the tests' build
// requirements have none.
type wheelInstaller struct {
	interp *installer.Interpreter
	wheels map[string]string // normalised name → wheel file

	mu    sync.Mutex
	calls []installCall
}

func newWheelInstaller(interp *installer.Interpreter, wheels ...string) *wheelInstaller {
	w := &wheelInstaller{interp: interp, wheels: map[string]string{}}
	for _, p := range wheels {
		n, err := tags.ParseWheelFilename(filepath.Base(p))
		if err != nil {
			panic(err)
		}
		w.wheels[n.NormalizedName()] = p
	}
	return w
}

func (w *wheelInstaller) Install(ctx context.Context, prefix string, reqs []string) error {
	w.mu.Lock()
	w.calls = append(w.calls, installCall{Prefix: filepath.Base(prefix), Reqs: append([]string(nil), reqs...)})
	w.mu.Unlock()
	var todo []installer.Wheel
	for _, s := range reqs {
		r, err := pep508.ParseRequirement(s)
		if err != nil {
			return err
		}
		if r.Marker != nil {
			if ok, err := r.Marker.Evaluate(pep508.Environment(w.interp.MarkerEnvironment)); err != nil || !ok {
				continue
			}
		}
		p, ok := w.wheels[pep508.NormalizeName(r.Name)]
		if !ok {
			return fmt.Errorf("no wheel for %s (the test offers %v)", s, w.names())
		}
		n, _ := tags.ParseWheelFilename(filepath.Base(p))
		if !r.Specifier.ContainsRaw(n.Version, true) {
			return fmt.Errorf("%s does not satisfy %s", filepath.Base(p), s)
		}
		todo = append(todo, installer.Wheel{Path: p})
	}
	env, err := installer.NewEnvironment(w.interp, installer.SchemeOptions{Prefix: prefix, NoUser: true})
	if err != nil {
		return err
	}
	_, err = installer.Install(ctx, env, todo, installer.InstallOptions{ForceReinstall: true})
	return err
}

func (w *wheelInstaller) names() []string {
	var out []string
	for n := range w.wheels {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (w *wheelInstaller) Calls() []installCall {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]installCall(nil), w.calls...)
}

// hookLog records the hooks a Builder starts.
type hookLog struct {
	mu    sync.Mutex
	hooks []string
}

func (l *hookLog) add(project, hook string) {
	l.mu.Lock()
	l.hooks = append(l.hooks, hook)
	l.mu.Unlock()
}

func (l *hookLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.hooks...)
}

// newBuilder makes a Builder whose hooks are logged, closed at the end of
// the test.
func newBuilder(t testing.TB, opts Options) (*Builder, *hookLog) {
	t.Helper()
	if opts.Interpreter == nil {
		opts.Interpreter = targetInterp(t)
	}
	if opts.TempDir == "" {
		opts.TempDir = t.TempDir()
	}
	b, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	log := &hookLog{}
	b.testCalls = log.add
	t.Cleanup(func() { b.Close() })
	return b, log
}

// hookRecord is one line the test backends append to GOPIP_TEST_HOOKLOG.
type hookRecord struct {
	Hook        string          `json:"hook"`
	Config      json.RawMessage `json:"config"`
	Cwd         string          `json:"cwd"`
	MetadataDir *string         `json:"metadata_directory"`
	PipVisible  bool            `json:"pip_visible"`
	Leaky       bool            `json:"leaky_visible"`
	SysPath     []string        `json:"sys_path"`
}

func readHookLog(t testing.TB, path string) []hookRecord {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []hookRecord
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line == "" {
			continue
		}
		var r hookRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("hook log line %q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}

// newVenv creates a virtual environment without pip and returns its
// interpreter, inspected.
func newVenv(t testing.TB) *installer.Interpreter {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "venv")
	cmd := exec.Command(pythontest.Python(t), "-m", "venv", "--without-pip", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("creating venv: %v\n%s", err, out)
	}
	in, err := installer.Inspect(context.Background(), filepath.Join(dir, "bin", "python"), "")
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// installInto installs wheels into the venv of interp.
func installInto(t testing.TB, interp *installer.Interpreter, wheels ...string) {
	t.Helper()
	env, err := installer.NewEnvironment(interp, installer.SchemeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ws []installer.Wheel
	for _, w := range wheels {
		ws = append(ws, installer.Wheel{Path: w, Requested: true})
	}
	if _, err := installer.Install(context.Background(), env, ws, installer.InstallOptions{}); err != nil {
		t.Fatal(err)
	}
}

// runPython runs code with python from a neutral directory and returns its
// output.
func runPython(t testing.TB, python, code string) string {
	t.Helper()
	cmd := exec.Command(python, "-c", code)
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python -c %q: %v\n%s", code, err, out)
	}
	return string(out)
}

// testwheelFor builds a small wheel (a build requirement for the tests).
func testwheelFor(t testing.TB, name, version string) string {
	t.Helper()
	mod := strings.ReplaceAll(name, "-", "_")
	return testwheel.MustBuild(t, t.TempDir(), testwheel.Spec{
		Name: name, Version: version,
		Files: []testwheel.File{{Path: mod + ".py", Data: "NAME = " + fmt.Sprintf("%q", name) + "\n"}},
	})
}

// jsonEqual compares a JSON value with the JSON text want.
func jsonEqual(got json.RawMessage, want string) bool {
	var a, b any
	if json.Unmarshal(got, &a) != nil || json.Unmarshal([]byte(want), &b) != nil {
		return false
	}
	return reflect.DeepEqual(a, b)
}
