package build

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gopip/gopip/installer"
	"github.com/gopip/gopip/internal/testwheel"
	"github.com/gopip/gopip/resolver/pep440"
	"github.com/gopip/gopip/resolver/tags"
)

// The real setuptools comes from the target interpreter's ensurepip bundle
// (setuptools 65.5.0 with Python 3.11.7). setuptools before 70.1 cannot
// build a wheel by itself: its build_meta asks for the separate "wheel"
// project (get_requires_for_build_wheel returns ["wheel"]) and runs the
// bdist_wheel command that "wheel" registers. No index is reachable, so
// the tests look for a real wheel of "wheel" on the machine (see
// wheelWheel) and skip when there is none.

// setuptoolsWheel returns the setuptools wheel bundled with the target
// interpreter, or skips.
func setuptoolsWheel(t testing.TB, interp *installer.Interpreter) string {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(interp.Stdlib, "ensurepip", "_bundled", "setuptools-*.whl"))
	if len(matches) == 0 {
		t.Skipf("no setuptools wheel in %s/ensurepip/_bundled", interp.Stdlib)
	}
	return matches[0]
}

// wheelWheel returns a real wheel of the "wheel" project, or skips. In
// order of preference:
//
//  1. an unmodified upstream wheel that a CPython installation ships as
//     test data (Lib/test/wheel-*.whl in 3.12, Lib/test/wheeldata/ in
//     3.13), looked for in the installations beside the target
//     interpreter's (pyenv's versions directory);
//  2. Debian's python3-wheel package (/usr/lib/python3/dist-packages,
//     installed as an .egg-info), repacked into a wheel with its files,
//     PKG-INFO as METADATA and its entry points (bdist_wheel is found
//     through the distutils.commands entry point).
func wheelWheel(t testing.TB, interp *installer.Interpreter) string {
	t.Helper()
	var found []string
	for _, base := range []string{interp.BasePrefix, filepath.Dir(interp.BasePrefix)} {
		for _, pat := range []string{"*/lib/python3*/test/wheel-*.whl", "*/lib/python3*/test/wheeldata/wheel-*.whl"} {
			m, _ := filepath.Glob(filepath.Join(filepath.Dir(base), pat))
			found = append(found, m...)
		}
	}
	best, bestV := "", pep440.Version{}
	for _, p := range found {
		n, err := tags.ParseWheelFilename(filepath.Base(p))
		if err != nil || n.Name != "wheel" {
			continue
		}
		v, err := pep440.Parse(n.Version)
		if err != nil {
			continue
		}
		if best == "" || pep440.Compare(v, bestV) > 0 {
			best, bestV = p, v
		}
	}
	if best != "" {
		t.Logf("using %s", best)
		return best
	}
	if p := repackDebianWheel(t); p != "" {
		return p
	}
	t.Skip("no wheel of the 'wheel' project on this machine (setuptools < 70.1 needs it to build wheels): " +
		"neither a CPython test-data wheel-*.whl beside the interpreter nor Debian's python3-wheel")
	return ""
}

func repackDebianWheel(t testing.TB) string {
	const site = "/usr/lib/python3/dist-packages"
	infos, _ := filepath.Glob(filepath.Join(site, "wheel-*.egg-info"))
	if len(infos) != 1 {
		return ""
	}
	pkgInfo, err := os.ReadFile(filepath.Join(infos[0], "PKG-INFO"))
	if err != nil {
		return ""
	}
	eps, _ := os.ReadFile(filepath.Join(infos[0], "entry_points.txt"))
	version := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(infos[0]), "wheel-"), ".egg-info")
	spec := testwheel.Spec{Name: "wheel", Version: version, EntryPoints: string(eps)}
	err = filepath.WalkDir(filepath.Join(site, "wheel"), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "__pycache__" {
			return filepath.SkipDir
		}
		if d.IsDir() || strings.HasSuffix(p, ".pyc") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(site, p)
		spec.Files = append(spec.Files, testwheel.File{Path: filepath.ToSlash(rel), Data: string(data)})
		return nil
	})
	if err != nil {
		return ""
	}
	// METADATA is PKG-INFO without the header lines testwheel writes.
	var extra []string
	for _, line := range strings.Split(strings.SplitN(string(pkgInfo), "\n\n", 2)[0], "\n") {
		if k, _, _ := strings.Cut(line, ":"); k == "Metadata-Version" || k == "Name" || k == "Version" {
			continue
		}
		extra = append(extra, line)
	}
	spec.Metadata = extra
	p := testwheel.MustBuild(t, t.TempDir(), spec)
	t.Logf("repacked Debian's python3-wheel %s into %s", version, p)
	return p
}

// setuptoolsProject is a small setuptools project: pyproject.toml naming
// setuptools.build_meta, setup.cfg, and one package.
func setuptoolsProject(name, version string) map[string]string {
	return map[string]string{
		"pyproject.toml": `[build-system]
requires = ["setuptools>=40.8.0"]
build-backend = "setuptools.build_meta"
`,
		"setup.cfg": `[metadata]
name = ` + name + `
version = ` + version + `

[options]
packages = ` + name + `
install_requires =
    dep-a>=1
`,
		name + "/__init__.py": "GREETING = 'built by setuptools'\n",
	}
}

// TestSetuptoolsSdist builds a setuptools sdist made here with the real
// setuptools, installed by gopip's installer into the isolated build
// environment (build-system.requires first, then the "wheel" that
// setuptools' get_requires_for_build_wheel asks for), installs the wheel
// into a venv and imports it. A second Builder with the same cache
// directory builds nothing: its Metadata and Wheel come from the cache.
func TestSetuptoolsSdist(t *testing.T) {
	interp := targetInterp(t)
	inst := newWheelInstaller(interp, setuptoolsWheel(t, interp), wheelWheel(t, interp))
	sdist := makeSdist(t, t.TempDir(), "greet-1.0", setuptoolsProject("greet", "1.0"))
	cacheDir := t.TempDir()

	var events []Event
	b, log := newBuilder(t, Options{Installer: inst, CacheDir: cacheDir,
		Reporter: ReporterFunc(func(e Event) { events = append(events, e) })})
	ctx := context.Background()
	md, err := b.Metadata(ctx, sdist)
	if err != nil {
		t.Fatal(err)
	}
	if rd := md.GetAll("Requires-Dist"); len(rd) != 1 || strings.ReplaceAll(rd[0], " ", "") != "dep-a>=1" {
		t.Errorf("Requires-Dist %q", md.GetAll("Requires-Dist"))
	}
	res, err := b.Wheel(ctx, sdist, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if res.Cached || filepath.Base(res.Path) != "greet-1.0-py3-none-any.whl" {
		t.Errorf("result %+v", res)
	}
	wantCalls := []installCall{{"overlay", []string{"setuptools>=40.8.0"}}, {"normal", []string{"wheel"}}}
	if got := inst.Calls(); !reflect.DeepEqual(got, wantCalls) {
		t.Errorf("installer calls %v, want %v", got, wantCalls)
	}
	wantHooks := []string{"get_requires_for_build_wheel", "prepare_metadata_for_build_wheel", "build_wheel"}
	if got := log.get(); !reflect.DeepEqual(got, wantHooks) {
		t.Errorf("hooks %v, want %v", got, wantHooks)
	}
	var kinds []EventKind
	for _, e := range events {
		kinds = append(kinds, e.Kind)
	}
	wantKinds := []EventKind{EventInstallingBuildDeps, EventGettingRequires, EventInstallingBackendDeps, EventPreparingMetadata, EventBuilding, EventBuilt, EventStored}
	if !reflect.DeepEqual(kinds, wantKinds) {
		t.Errorf("events %v, want %v", kinds, wantKinds)
	}

	venv := newVenv(t)
	installInto(t, venv, res.Path)
	if out := runPython(t, venv.Executable, "import greet; print(greet.GREETING)"); strings.TrimSpace(out) != "built by setuptools" {
		t.Errorf("import printed %q", out)
	}

	// The second run: a new Builder, the same cache.
	inst2 := newWheelInstaller(interp)
	b2, log2 := newBuilder(t, Options{Installer: inst2, CacheDir: cacheDir})
	md2, err := b2.Metadata(ctx, sdist)
	if err != nil {
		t.Fatal(err)
	}
	if md2.Name() != "greet" {
		t.Errorf("cached metadata %+v", md2.Fields)
	}
	res2, err := b2.Wheel(ctx, sdist, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if !res2.Cached || len(log2.get()) != 0 || len(inst2.Calls()) != 0 {
		t.Errorf("second build: cached %v, hooks %v, installs %v; want a cache hit and nothing run", res2.Cached, log2.get(), inst2.Calls())
	}
}

// TestSetuptoolsLegacySetupPy builds a project that has only a setup.py:
// pip's defaults apply (setuptools>=40.8.0 and wheel, backend
// setuptools.build_meta:__legacy__, which runs setup.py with its directory
// on sys.path so that it can import its own modules).
func TestSetuptoolsLegacySetupPy(t *testing.T) {
	interp := targetInterp(t)
	inst := newWheelInstaller(interp, setuptoolsWheel(t, interp), wheelWheel(t, interp))
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"setup.py": `from setuptools import setup
import version_helper  # only importable with setup.py's directory on sys.path
setup(name="legacy-demo", version=version_helper.VERSION, py_modules=["legacy_demo"])
`,
		"version_helper.py": "VERSION = '2.0'\n",
		"legacy_demo.py":    "ANSWER = 'legacy'\n",
	})
	b, _ := newBuilder(t, Options{Installer: inst})
	res, err := b.Wheel(context.Background(), dir, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if res.Name != "legacy-demo" || res.Version != "2.0" {
		t.Errorf("result %+v", res)
	}
	calls := inst.Calls()
	if len(calls) != 1 || calls[0].Prefix != "overlay" || !reflect.DeepEqual(calls[0].Reqs, []string{"setuptools>=40.8.0", "wheel"}) {
		t.Errorf("installer calls %v, want pip's default build requirements only (wheel is already there for get_requires)", calls)
	}
	venv := newVenv(t)
	installInto(t, venv, res.Path)
	if out := runPython(t, venv.Executable, "import legacy_demo; print(legacy_demo.ANSWER)"); strings.TrimSpace(out) != "legacy" {
		t.Errorf("import printed %q", out)
	}
}

// TestSetuptoolsWithoutWheel shows what happens offline without the
// "wheel" project: setuptools 65 cannot build, and the error carries its
// own explanation from the captured output.
func TestSetuptoolsWithoutWheel(t *testing.T) {
	interp := targetInterp(t)
	st := setuptoolsWheel(t, interp)
	n, _ := tags.ParseWheelFilename(filepath.Base(st))
	if v, _ := pep440.Parse(n.Version); pep440.Compare(v, pep440.MustParse("70.1")) >= 0 {
		t.Skipf("setuptools %s builds wheels by itself", n.Version)
	}
	// An installer that installs setuptools and pretends "wheel" is
	// installed, which it is not.
	real := newWheelInstaller(interp, st)
	inst := EnvInstallerFunc(func(ctx context.Context, prefix string, reqs []string) error {
		var keep []string
		for _, r := range reqs {
			if r != "wheel" {
				keep = append(keep, r)
			}
		}
		if len(keep) == 0 {
			return nil
		}
		return real.Install(ctx, prefix, keep)
	})
	dir := t.TempDir()
	writeTree(t, dir, setuptoolsProject("nowheel", "1.0"))
	b, _ := newBuilder(t, Options{Installer: inst})
	_, err := b.Wheel(context.Background(), dir, t.TempDir())
	var he *HookError
	if !errors.As(err, &he) || he.Hook != "build_wheel" || he.Reason != "build_wheel raised SystemExit: error: invalid command 'bdist_wheel'" {
		t.Fatalf("error %v, want build_wheel failing with setuptools' \"invalid command 'bdist_wheel'\"", err)
	}
	t.Logf("as expected:\n%v", err)
}

// TestSetuptoolsDebianWheel builds with the "wheel" repacked from Debian's
// python3-wheel, the fallback of wheelWheel on machines without CPython's
// test data.
func TestSetuptoolsDebianWheel(t *testing.T) {
	interp := targetInterp(t)
	st := setuptoolsWheel(t, interp)
	ww := repackDebianWheel(t)
	if ww == "" {
		t.Skip("Debian's python3-wheel is not installed")
	}
	inst := newWheelInstaller(interp, st, ww)
	sdist := makeSdist(t, t.TempDir(), "viadebian-0.5", setuptoolsProject("viadebian", "0.5"))
	b, _ := newBuilder(t, Options{Installer: inst})
	res, err := b.Wheel(context.Background(), sdist, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(res.Path) != "viadebian-0.5-py3-none-any.whl" {
		t.Errorf("built %s", res.Path)
	}
}
