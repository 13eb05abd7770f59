package build

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
)

// pkgInfo is a PKG-INFO for the sdist of an in-tree project.
func sdistWithPKGINFO(t *testing.T, base string, spec backendSpec, pkginfo string) string {
	files := inTreeProject(spec, "pkg", "")
	if pkginfo != "" {
		files["PKG-INFO"] = pkginfo
	}
	return makeSdist(t, t.TempDir(), base, files)
}

// TestStaticMetadata: an sdist with PEP 643 metadata (2.2+, no dynamic
// dependency fields) is resolved from PKG-INFO, with no hook run and
// nothing installed (its backend would fail); otherwise the backend's
// prepare_metadata_for_build_wheel answers.
func TestStaticMetadata(t *testing.T) {
	failing := backendSpec{Name: "static", Version: "1.0", Fail: true, NoPrepare: true}
	working := backendSpec{Name: "static", Version: "1.0", RequiresDist: []string{"from-backend"}}
	cases := []struct {
		name    string
		spec    backendSpec
		pkginfo string
		static  bool
	}{
		{"2.2 without Dynamic", failing, "Metadata-Version: 2.2\nName: static\nVersion: 1.0\nRequires-Dist: dep-a>=1\nRequires-Python: >=3.8\n", true},
		{"2.4, other fields dynamic", failing, "Metadata-Version: 2.4\nName: Static\nVersion: 1.0.0\nDynamic: Description\nDynamic: Classifier\nRequires-Dist: dep-a>=1\n", true},
		{"Requires-Dist dynamic", working, "Metadata-Version: 2.2\nName: static\nVersion: 1.0\nDynamic: Requires-Dist\n", false},
		{"Requires-Python dynamic", working, "Metadata-Version: 2.2\nName: static\nVersion: 1.0\ndynamic: requires-python\n", false},
		{"Provides-Extra dynamic", working, "Metadata-Version: 2.3\nName: static\nVersion: 1.0\nDynamic: Provides-Extra\n", false},
		{"2.1", working, "Metadata-Version: 2.1\nName: static\nVersion: 1.0\nRequires-Dist: dep-a>=1\n", false},
		{"name differs from the file name", working, "Metadata-Version: 2.2\nName: other\nVersion: 1.0\n", false},
		{"version differs from the file name", working, "Metadata-Version: 2.2\nName: static\nVersion: 2.0\n", false},
		{"no PKG-INFO", working, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sdist := sdistWithPKGINFO(t, "static-1.0", c.spec, c.pkginfo)
			var events []Event
			var mu sync.Mutex
			inst := EnvInstaller(newWheelInstaller(targetInterp(t)))
			if c.static {
				inst = failingInstaller(t)
			}
			b, log := newBuilder(t, Options{Installer: inst, CacheDir: t.TempDir(),
				Reporter: ReporterFunc(func(e Event) { mu.Lock(); events = append(events, e); mu.Unlock() })})
			md, err := b.Metadata(context.Background(), sdist)
			if err != nil {
				t.Fatal(err)
			}
			if c.static {
				if hooks := log.get(); len(hooks) != 0 {
					t.Errorf("hooks ran: %v", hooks)
				}
				if !reflect.DeepEqual(md.GetAll("Requires-Dist"), []string{"dep-a>=1"}) {
					t.Errorf("Requires-Dist %v", md.GetAll("Requires-Dist"))
				}
				if len(events) != 1 || events[0].Kind != EventStaticMetadata {
					t.Errorf("events %+v, want one EventStaticMetadata", events)
				}
				if entries, _ := os.ReadDir(b.opts.TempDir); len(entries) != 0 {
					t.Errorf("something was unpacked: %v", entries)
				}
				return
			}
			if got := log.get(); !reflect.DeepEqual(got, []string{"get_requires_for_build_wheel", "prepare_metadata_for_build_wheel"}) {
				t.Errorf("hooks %v, want get_requires_for_build_wheel (absent) and prepare_metadata_for_build_wheel", got)
			}
			if !reflect.DeepEqual(md.GetAll("Requires-Dist"), []string{"from-backend"}) {
				t.Errorf("Requires-Dist %v, want the backend's", md.GetAll("Requires-Dist"))
			}
		})
	}
}

// TestCache: a wheel built from an sdist is cached by the sdist's content;
// the next Builder's Metadata and Wheel use it without running anything;
// other config settings, or another sdist under the same name, miss.
func TestCache(t *testing.T) {
	spec := backendSpec{Name: "cachedemo", Version: "1.0", NoPrepare: true}
	dir := t.TempDir()
	sdist := makeSdist(t, dir, "cachedemo-1.0", inTreeProject(spec, "cachedemo", "V = 1\n"))
	cacheDir := t.TempDir()
	ctx := context.Background()
	inst := newWheelInstaller(targetInterp(t))

	b1, log1 := newBuilder(t, Options{Installer: inst, CacheDir: cacheDir})
	r1, err := b1.Wheel(ctx, sdist, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if r1.Cached || !reflect.DeepEqual(log1.get(), []string{"get_requires_for_build_wheel", "build_wheel"}) {
		t.Errorf("first build: cached %v, hooks %v", r1.Cached, log1.get())
	}

	var events []Event
	b2, log2 := newBuilder(t, Options{Installer: inst, CacheDir: cacheDir, Reporter: ReporterFunc(func(e Event) { events = append(events, e) })})
	md, err := b2.Metadata(ctx, sdist)
	if err != nil || md.Name() != "cachedemo" {
		t.Fatalf("metadata from the cache: %v, %v", md, err)
	}
	out := t.TempDir()
	r2, err := b2.Wheel(ctx, sdist, out)
	if err != nil {
		t.Fatal(err)
	}
	if !r2.Cached || len(log2.get()) != 0 || filepath.Dir(r2.Path) != out {
		t.Errorf("second build: %+v, hooks %v; want a cache hit in %s and no hook", r2, log2.get(), out)
	}
	if len(events) == 0 || events[len(events)-1].Kind != EventCacheHit || events[len(events)-1].Message != "Using cached cachedemo-1.0-py3-none-any.whl" {
		t.Errorf("events %+v, want a cache hit reported", events)
	}
	a, _ := os.ReadFile(r1.Path)
	bb, _ := os.ReadFile(r2.Path)
	if string(a) != string(bb) {
		t.Error("the cached wheel differs from the built one")
	}

	// Other config settings: another key.
	b3, log3 := newBuilder(t, Options{Installer: inst, CacheDir: cacheDir, ConfigSettings: map[string][]string{"k": {"v"}}})
	if r, err := b3.Wheel(ctx, sdist, t.TempDir()); err != nil || r.Cached || len(log3.get()) != 2 {
		t.Errorf("with config settings: %+v %v, hooks %v; want a build", r, err, log3.get())
	}

	// The same file name, other content: another key.
	other := makeSdist(t, t.TempDir(), "cachedemo-1.0", inTreeProject(spec, "cachedemo", "V = 2\n"))
	b4, log4 := newBuilder(t, Options{Installer: inst, CacheDir: cacheDir})
	if r, err := b4.Wheel(ctx, other, t.TempDir()); err != nil || r.Cached || len(log4.get()) != 2 {
		t.Errorf("other content: %+v %v, hooks %v; want a build", r, err, log4.get())
	}
	// Nothing but wheels and directories in the cache: no temporary files.
	filepath.WalkDir(cacheDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(p) != ".whl" {
			t.Errorf("stray file in the cache: %s", p)
		}
		return nil
	})
}

// TestConcurrentWheels: several goroutines asking for the same sdist get
// one build; different sdists build in parallel.
func TestConcurrentWheels(t *testing.T) {
	ctx := context.Background()
	b, log := newBuilder(t, Options{Installer: newWheelInstaller(targetInterp(t)), CacheDir: t.TempDir()})
	var sdists []string
	for _, name := range []string{"conc-a", "conc-b"} {
		spec := backendSpec{Name: name, Version: "1.0"}
		sdists = append(sdists, makeSdist(t, t.TempDir(), name+"-1.0", inTreeProject(spec, name, "")))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := b.Wheel(ctx, sdists[i%2], t.TempDir())
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	n := 0
	for _, h := range log.get() {
		if h == "build_wheel" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("build_wheel ran %d times, want once per sdist", n)
	}
}
