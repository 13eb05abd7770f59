package installer

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gopip/gopip/internal/cache"
	"github.com/gopip/gopip/internal/testwheel"
)

// installRecording installs wheels with opts into env and returns the
// warnings reported.
func installRecording(t *testing.T, env *Environment, wheels []string, opts InstallOptions) []string {
	t.Helper()
	_, warnings := installResult(t, env, wheels, opts)
	return warnings
}

// installResult installs wheels with opts into env and returns the result
// and the warnings reported.
func installResult(t *testing.T, env *Environment, wheels []string, opts InstallOptions) (*InstallResult, []string) {
	t.Helper()
	var mu sync.Mutex
	var warnings []string
	opts.Reporter = ReporterFunc(func(e Event) {
		if e.Kind == EventWarning {
			mu.Lock()
			warnings = append(warnings, e.Message)
			mu.Unlock()
		}
	})
	var ws []Wheel
	for _, w := range wheels {
		ws = append(ws, Wheel{Path: w, Requested: true})
	}
	res, err := Install(context.Background(), env, ws, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res, warnings
}

// nlink returns the number of hard links of p.
func nlink(t *testing.T, p string) uint64 {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return uint64(st.Sys().(*syscall.Stat_t).Nlink)
}

// canClone reports whether the file system of dir can clone files.
func canClone(t *testing.T, dir string) bool {
	t.Helper()
	src := filepath.Join(dir, "clone-src")
	if err := os.WriteFile(src, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(src)
	defer os.Remove(src + "-dst")
	return cloneFile(src, src+"-dst", 0o644) == nil
}

// entries lists the unpacked entries of a cache, and its temporary
// folders.
func entries(t *testing.T, c *cache.Cache) (complete, temporary []string) {
	t.Helper()
	root := filepath.Join(c.Layer(cache.UnpackedLayer), "sha256")
	dirs, _ := filepath.Glob(filepath.Join(root, "*", "*"))
	for _, d := range dirs {
		if strings.HasPrefix(filepath.Base(d), ".tmp-") {
			temporary = append(temporary, d)
		} else if _, err := cache.ReadUnpackedInfo(d); err == nil {
			complete = append(complete, d)
		}
	}
	return complete, temporary
}

// TestUnpackedCache installs the same wheels without the cache, then with
// it, cold (filling it) and warm (linking from it), in every link mode:
// the three environments are the same file for file (content, modes,
// RECORD, launchers, rewritten scripts), and hard links are where the
// mode puts them and nowhere else.
func TestUnpackedCache(t *testing.T) {
	dir := t.TempDir()
	wheels := comparisonWheels(t, dir)
	refEnv, _ := venvEnv(t)
	installRecording(t, refEnv, wheels, InstallOptions{})
	ref := normalise(snapshot(t, refEnv.Interpreter.Prefix), refEnv.Interpreter.Prefix)
	clones := canClone(t, t.TempDir())

	for _, mode := range []LinkMode{LinkAuto, LinkHardlink, LinkCopy, LinkReflink} {
		t.Run(mode.String(), func(t *testing.T) {
			c := cache.New(t.TempDir())
			opts := InstallOptions{Cache: c, LinkMode: mode}
			var envs []*Environment
			for _, run := range []string{"cold", "warm"} {
				env, _ := venvEnv(t)
				warnings := installRecording(t, env, wheels, opts)
				envs = append(envs, env)
				if mode == LinkReflink && !clones {
					if len(warnings) != 1 || !strings.Contains(warnings[0], "Failed to reflink") {
						t.Errorf("%s: warnings %q, want one about reflinks falling back", run, warnings)
					}
				} else if len(warnings) != 0 {
					t.Errorf("%s: warnings %q", run, warnings)
				}
				got := normalise(snapshot(t, env.Interpreter.Prefix), env.Interpreter.Prefix)
				if diff := diffSnapshots(ref, got); len(diff) > 0 {
					t.Errorf("%s install differs from one without the cache:\n%s", run, strings.Join(diff, "\n"))
				}
				complete, temporary := entries(t, c)
				if len(complete) != len(wheels) || len(temporary) != 0 {
					t.Errorf("%s: %d entries (%d temporary), want one per wheel (%d)", run, len(complete), len(temporary), len(wheels))
				}
			}
			// A module file: linked in the hard-link modes (the cache, the
			// cold and the warm environment share it), copied otherwise.
			// Files gopip writes itself never are.
			hard := mode == LinkHardlink || mode == LinkAuto && !clones
			site := envs[1].purelib
			wantLinks := uint64(1)
			if hard {
				wantLinks = 3
			}
			if n := nlink(t, filepath.Join(site, "demo", "sub", "mod.py")); n != wantLinks {
				t.Errorf("demo/sub/mod.py has %d links, want %d", n, wantLinks)
			}
			for _, p := range []string{
				filepath.Join(envs[1].scripts, "demo-tool"), // #!python rewritten
				filepath.Join(envs[1].scripts, "demo"),      // launcher
				filepath.Join(site, "demo-1.0.dist-info", "RECORD"),
				filepath.Join(site, "demo-1.0.dist-info", "INSTALLER"),
			} {
				if n := nlink(t, p); n != 1 {
					t.Errorf("%s has %d links, want 1", p, n)
				}
			}
			// The cache keeps the script as the wheel has it.
			complete, _ := entries(t, c)
			found := false
			for _, e := range complete {
				data, err := os.ReadFile(filepath.Join(e, "tree", "demo-1.0.data", "scripts", "demo-tool"))
				if err == nil {
					found = true
					if !strings.HasPrefix(string(data), "#!python\n") {
						t.Errorf("cached script %q, want the wheel's", data)
					}
				}
			}
			if !found {
				t.Error("demo's script is not in the cache")
			}
		})
	}
}

// TestUnpackedCacheOtherFileSystem: with the cache on another file system
// (tmpfs), hard links fall back to copies; an explicit --link-mode
// hardlink says so once, auto does not.
func TestUnpackedCacheOtherFileSystem(t *testing.T) {
	shm, err := os.MkdirTemp("/dev/shm", "gopip-cache-test-")
	if err != nil {
		t.Skipf("no /dev/shm: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(shm) })
	a, _ := os.Stat(shm)
	b, _ := os.Stat(t.TempDir())
	if a.Sys().(*syscall.Stat_t).Dev == b.Sys().(*syscall.Stat_t).Dev {
		t.Skip("/dev/shm and the temporary directory are one file system")
	}
	wheel := testwheel.MustBuild(t, t.TempDir(), demoSpec())
	refEnv, _ := venvEnv(t)
	installRecording(t, refEnv, []string{wheel}, InstallOptions{})
	ref := normalise(snapshot(t, refEnv.Interpreter.Prefix), refEnv.Interpreter.Prefix)
	for _, mode := range []LinkMode{LinkHardlink, LinkAuto} {
		t.Run(mode.String(), func(t *testing.T) {
			c := cache.New(filepath.Join(shm, mode.String()))
			for _, run := range []string{"cold", "warm"} {
				env, _ := venvEnv(t)
				warnings := installRecording(t, env, []string{wheel}, InstallOptions{Cache: c, LinkMode: mode})
				if mode == LinkHardlink {
					if len(warnings) != 1 || !strings.Contains(warnings[0], "Failed to hardlink") || !strings.Contains(warnings[0], "--link-mode=copy") {
						t.Errorf("%s: warnings %q, want one about the fallback", run, warnings)
					}
				} else if len(warnings) != 0 {
					t.Errorf("%s: warnings %q", run, warnings)
				}
				if diff := diffSnapshots(ref, normalise(snapshot(t, env.Interpreter.Prefix), env.Interpreter.Prefix)); len(diff) > 0 {
					t.Errorf("%s install differs:\n%s", run, strings.Join(diff, "\n"))
				}
				if n := nlink(t, filepath.Join(env.purelib, "demo", "sub", "mod.py")); n != 1 {
					t.Errorf("%s: %d links across file systems", run, n)
				}
			}
			if complete, _ := entries(t, c); len(complete) != 1 {
				t.Errorf("%d entries, want 1", len(complete))
			}
		})
	}
}

// TestUnpackedCacheTampered: a cached file changed in any way is never
// installed: the file comes from the wheel instead, the entry is removed
// with a warning, and the next install fills it again.
func TestUnpackedCacheTampered(t *testing.T) {
	wheel := testwheel.MustBuild(t, t.TempDir(), demoSpec())
	modPath := filepath.Join("demo", "sub", "mod.py")
	cases := []struct {
		name   string
		mode   LinkMode
		tamper func(t *testing.T, entry string, cold *Environment)
	}{
		{"installed hard link edited in place", LinkHardlink, func(t *testing.T, entry string, cold *Environment) {
			// Same size, same inode: what an editor writing in place does.
			p := filepath.Join(cold.purelib, modPath)
			f, err := os.OpenFile(p, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteAt([]byte("2"), 4)
			f.Close()
		}},
		{"cached file changed", LinkCopy, func(t *testing.T, entry string, cold *Environment) {
			p := filepath.Join(entry, "tree", modPath)
			os.Chmod(p, 0o644)
			if err := os.WriteFile(p, []byte("X = 3\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"cached file longer", LinkHardlink, func(t *testing.T, entry string, cold *Environment) {
			p := filepath.Join(entry, "tree", modPath)
			os.Remove(p)
			if err := os.WriteFile(p, []byte("X = 1\nimport os\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"cached script changed", LinkHardlink, func(t *testing.T, entry string, cold *Environment) {
			p := filepath.Join(entry, "tree", "demo-1.0.data", "scripts", "demo-tool")
			os.Remove(p)
			if err := os.WriteFile(p, []byte("#!python\nimport os\nprint('evil')\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{"cached file missing", LinkAuto, func(t *testing.T, entry string, cold *Environment) {
			os.Remove(filepath.Join(entry, "tree", modPath))
		}},
		{"cached mode changed", LinkHardlink, func(t *testing.T, entry string, cold *Environment) {
			if err := os.Chmod(filepath.Join(entry, "tree", modPath), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := cache.New(t.TempDir())
			opts := InstallOptions{Cache: c, LinkMode: tc.mode}
			cold, _ := venvEnv(t)
			installRecording(t, cold, []string{wheel}, opts)
			complete, _ := entries(t, c)
			if len(complete) != 1 {
				t.Fatalf("%d entries after a cold install", len(complete))
			}
			tc.tamper(t, complete[0], cold)

			warm, _ := venvEnv(t)
			warnings := installRecording(t, warm, []string{wheel}, opts)
			if len(warnings) != 1 || !strings.Contains(warnings[0], "in gopip's cache could not be used") {
				t.Errorf("warnings %q, want one about the cache", warnings)
			}
			data, err := os.ReadFile(filepath.Join(warm.purelib, modPath))
			if err != nil || string(data) != "X = 1\n" {
				t.Errorf("installed %s: %q, %v", modPath, data, err)
			}
			st, err := os.Stat(filepath.Join(warm.purelib, modPath))
			if err != nil || st.Mode().Perm() != 0o666&^warm.umaskForTest(t) {
				t.Errorf("installed %s with mode %v", modPath, st.Mode())
			}
			script, _ := os.ReadFile(filepath.Join(warm.scripts, "demo-tool"))
			if strings.Contains(string(script), "evil") || !strings.HasPrefix(string(script), "#!"+warm.Interpreter.Executable+"\n") {
				t.Errorf("installed script %q", script)
			}
			if complete, _ := entries(t, c); len(complete) != 0 {
				t.Errorf("the tampered entry is still there: %v", complete)
			}
			// The next install fills the cache again.
			again, _ := venvEnv(t)
			if w := installRecording(t, again, []string{wheel}, opts); len(w) != 0 {
				t.Errorf("warnings %q", w)
			}
			if complete, _ := entries(t, c); len(complete) != 1 {
				t.Errorf("%d entries after the next install, want 1", len(complete))
			}
		})
	}
}

// umaskForTest is the process umask.
func (env *Environment) umaskForTest(t *testing.T) fs.FileMode {
	t.Helper()
	m, err := currentUmask()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestUnpackedCacheFailedInstall: an install that fails leaves no entry
// and no temporary folder in the cache, and the environment unchanged.
func TestUnpackedCacheFailedInstall(t *testing.T) {
	dir := t.TempDir()
	good := testwheel.MustBuild(t, dir, demoSpec())
	bad := testwheel.MustBuild(t, dir, testwheel.Spec{
		Name: "bad", Version: "1.0",
		Files:         []testwheel.File{{Path: "bad/__init__.py", Data: "x = 1\n"}},
		RecordBadHash: []string{"bad/__init__.py"},
	})
	c := cache.New(t.TempDir())
	env, _ := venvEnv(t)
	before := snapshot(t, env.Interpreter.Prefix)
	_, err := Install(context.Background(), env, []Wheel{{Path: good}, {Path: bad}}, InstallOptions{Cache: c})
	var we *WheelError
	if !errors.As(err, &we) {
		t.Fatalf("Install: %v, want a *WheelError", err)
	}
	if diff := diffSnapshots(before, snapshot(t, env.Interpreter.Prefix)); len(diff) > 0 {
		t.Errorf("the environment changed:\n%s", strings.Join(diff, "\n"))
	}
	complete, temporary := entries(t, c)
	for _, e := range complete {
		if info, _ := cache.ReadUnpackedInfo(e); strings.HasPrefix(info.Wheel, "bad-") {
			t.Errorf("the bad wheel has an entry: %s", e)
		}
	}
	if len(temporary) != 0 {
		t.Errorf("temporary folders left: %v", temporary)
	}
}

// TestUnpackedCacheStamps: a warm install takes the files whose stamps
// show them unchanged since they were verified without reading them
// again, and reads and hashes again only the ones whose stamp changed.
func TestUnpackedCacheStamps(t *testing.T) {
	wheel := testwheel.MustBuild(t, t.TempDir(), demoSpec())
	c := cache.New(t.TempDir())
	opts := InstallOptions{Cache: c, LinkMode: LinkHardlink}
	cold, _ := venvEnv(t)
	installRecording(t, cold, []string{wheel}, opts)
	complete, _ := entries(t, c)
	if len(complete) != 1 {
		t.Fatalf("%d entries after a cold install", len(complete))
	}
	entry := complete[0]
	info, err := cache.ReadUnpackedInfo(entry)
	if err != nil {
		t.Fatal(err)
	}
	stamps, err := cache.ReadStamps(filepath.Join(entry, cache.StampsFile))
	if err != nil {
		t.Fatal(err)
	}
	// Every file but the script (never linked: its #!python line is
	// rewritten) has the stamp lstat gives it.
	if len(stamps) != info.Files-1 {
		t.Errorf("%d stamps for %d files", len(stamps), info.Files)
	}
	for name, want := range stamps {
		got, _, err := stampOf(filepath.Join(entry, "tree", filepath.FromSlash(name)))
		if err != nil || got != want {
			t.Errorf("%s: stamp %v, lstat gives %v (%v)", name, want, got, err)
		}
	}
	// The fill takes under a tick of the file system's clock: the entry
	// is sealed once the clock has moved, after every stamp.
	if len(stamps) == 0 {
		t.Fatal("no stamps")
	}
	for name, st := range stamps {
		if st[1] >= info.Written {
			t.Errorf("%s: stamped at %d, not before the entry's description (%d)", name, st[1], info.Written)
		}
	}
	later := func(p string, d time.Duration) {
		t.Helper()
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, st.ModTime().Add(d), st.ModTime().Add(d)); err != nil {
			t.Fatal(err)
		}
	}

	warm, _ := venvEnv(t)
	res, warnings := installResult(t, warm, []string{wheel}, opts)
	if len(warnings) != 0 || res.FromCache != len(stamps) || res.Reread != 0 {
		t.Errorf("warm: %d files from the cache, %d read again, warnings %q; want %d, 0, none", res.FromCache, res.Reread, warnings, len(stamps))
	}

	// A file touched (same content, new time) is read again, passes,
	// and the entry stays.
	later(filepath.Join(entry, "tree", "demo", "sub", "mod.py"), 5*time.Second)
	again, _ := venvEnv(t)
	res, warnings = installResult(t, again, []string{wheel}, opts)
	if len(warnings) != 0 || res.FromCache != len(stamps) || res.Reread != 1 {
		t.Errorf("touched: %d files from the cache, %d read again, warnings %q; want %d, 1, none", res.FromCache, res.Reread, warnings, len(stamps))
	}
	if complete, _ := entries(t, c); len(complete) != 1 {
		t.Errorf("%d entries, want the one", len(complete))
	}
}
