package resolver

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopip/gopip/resolver/pep440"
	"github.com/gopip/gopip/resolver/pep508"
)

func TestExtras(t *testing.T) {
	m := newMem().
		addRelease(&memRelease{name: "Flask", version: "2.0.0", extras: []string{"async", "dotenv"}, requires: []string{
			"werkzeug>=2",
			`asgiref>=3.2; extra == "async"`,
			`python-dotenv; extra == "dotenv"`,
			`colorama; extra == "async" and sys_platform == "win32"`,
		}}).
		addRelease(&memRelease{name: "flask", version: "2.1.0", extras: []string{"dotenv"}, requires: []string{
			"werkzeug>=2",
			`python-dotenv; extra == "dotenv"`,
			`asgiref>=3.2; extra == "async"`, // not in Provides-Extra: pip ignores it
		}}).
		add("werkzeug", "2.0.0").
		add("asgiref", "3.2.0").
		add("asgiref", "3.7.0").
		add("python-dotenv", "1.0.0").
		add("colorama", "0.4.6")

	t.Run("extra adds its requirements", func(t *testing.T) {
		p := mustResolve(t, m, testOptions(), "flask[dotenv]")
		if got, want := pins(p), "flask==2.1.0 python-dotenv==1.0.0 werkzeug==2.0.0"; got != want {
			t.Errorf("got %s, want %s", got, want)
		}
		f := planned(p, "flask")
		if !slices.Equal(f.Extras, []string{"dotenv"}) || !slices.Equal(f.AllExtras, []string{"dotenv"}) || !f.Requested {
			t.Errorf("flask: extras %v, all extras %v, requested %v", f.Extras, f.AllExtras, f.Requested)
		}
		if w := planned(p, "werkzeug"); w.Requested {
			t.Errorf("werkzeug is not requested")
		}
		if !slices.Equal(f.Dependencies, []string{"python-dotenv", "werkzeug"}) {
			t.Errorf("flask dependencies %v", f.Dependencies)
		}
	})
	t.Run("an extra the release does not provide is ignored", func(t *testing.T) {
		// flask 2.1.0 lists asgiref under an undeclared extra: pip
		// installs flask 2.1.0 without asgiref.
		wantPins(t, m, testOptions(), []string{"flask[async]"}, "flask==2.1.0 werkzeug==2.0.0")
	})
	t.Run("extra and base pick the same version", func(t *testing.T) {
		wantPins(t, m, testOptions(), []string{"flask[async]", "flask<2.1"}, "asgiref==3.7.0 flask==2.0.0 werkzeug==2.0.0")
		wantPins(t, m, testOptions(), []string{"flask<2.1", "flask[async]"}, "asgiref==3.7.0 flask==2.0.0 werkzeug==2.0.0")
	})
	t.Run("markers inside an extra", func(t *testing.T) {
		opts := testOptions()
		opts.Environment = maps(testEnv, "sys_platform", "win32")
		wantPins(t, m, opts, []string{"flask[async]==2.0.0"}, "asgiref==3.7.0 colorama==0.4.6 flask==2.0.0 werkzeug==2.0.0")
	})
	t.Run("extra of a dependency", func(t *testing.T) {
		m := newMem().
			add("app", "1.0", "flask[async]>=2").
			addRelease(&memRelease{name: "flask", version: "2.0.0", extras: []string{"async"}, requires: []string{`asgiref; extra == "async"`}}).
			add("asgiref", "3.2.0")
		p := mustResolve(t, m, testOptions(), "app")
		if got := pins(p); got != "app==1.0 asgiref==3.2.0 flask==2.0.0" {
			t.Errorf("got %s", got)
		}
		if f := planned(p, "flask"); f.Requested || len(f.Extras) != 0 || !slices.Equal(f.AllExtras, []string{"async"}) {
			t.Errorf("flask: %+v", f)
		}
	})
}

func maps(env pep508.Environment, kv ...string) pep508.Environment {
	out := pep508.Environment{}
	for k, v := range env {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func TestMarkers(t *testing.T) {
	m := newMem().
		add("app", "1.0", `tomli>=1; python_version < "3.11"`, `pywin32; sys_platform == "win32"`, `uvloop; sys_platform != "win32"`).
		add("tomli", "2.0.1").
		add("pywin32", "306").
		add("uvloop", "0.19.0")
	wantPins(t, m, testOptions(), []string{"app"}, "app==1.0 uvloop==0.19.0")
	opts := testOptions()
	opts.Environment = maps(testEnv, "python_version", "3.10", "sys_platform", "win32")
	wantPins(t, m, opts, []string{"app"}, "app==1.0 pywin32==306 tomli==2.0.1")
	// A root requirement whose marker is false is ignored, as pip does.
	wantPins(t, m, testOptions(), []string{"app", `tomli; python_version < "3"`}, "app==1.0 uvloop==0.19.0")
}

func TestConstraints(t *testing.T) {
	m := newMem().
		add("app", "1.0", "lib>=1").
		add("lib", "1.0").
		add("lib", "2.0").
		add("other", "1.0")
	constrained := func(cs ...string) Options {
		opts := testOptions()
		for _, c := range cs {
			opts.Constraints = append(opts.Constraints, Root{Requirement: pep508.MustParseRequirement(c), Text: c, Origin: "constraints.txt, line 1"})
		}
		return opts
	}
	wantPins(t, m, constrained("lib<2"), []string{"app"}, "app==1.0 lib==1.0")
	// A constraint never adds a project.
	wantPins(t, m, constrained("other==1.0", "lib<2"), []string{"app"}, "app==1.0 lib==1.0")
	// Constraints with markers that do not apply are ignored.
	wantPins(t, m, constrained(`lib<2; sys_platform == "win32"`), []string{"app"}, "app==1.0 lib==2.0")
	wantError(t, m, constrained("lib>=3"), []string{"app"},
		`Because no version of lib satisfies lib>=3 (available: 1.0, 2.0) and you constrain lib>=3 (constraints.txt, line 1), lib cannot be used.
And because you require app which depends on lib>=1, the requirements are unsatisfiable.`)
}

func TestYanked(t *testing.T) {
	m := newMem().
		add("lib", "1.0").
		addRelease(&memRelease{name: "lib", version: "1.1", yanked: true}).
		add("app", "1.0", "lib==1.1").
		addRelease(&memRelease{name: "only", version: "1.0", yanked: true})
	// The newest release is yanked: skipped.
	wantPins(t, m, testOptions(), []string{"lib"}, "lib==1.0")
	wantPins(t, m, testOptions(), []string{"lib>=1.0"}, "lib==1.0")
	// Pinned exactly: allowed (PEP 592), from the user or from a dependency.
	wantPins(t, m, testOptions(), []string{"lib==1.1"}, "lib==1.1")
	wantPins(t, m, testOptions(), []string{"lib", "app"}, "app==1.0 lib==1.1")
	wantPins(t, m, testOptions(), []string{"only===1.0"}, "only==1.0")
	// A wildcard is no pin.
	wantError(t, m, testOptions(), []string{"lib==1.1.*"}, `no version of "lib" satisfies "lib==1.1.*"; available: 1.0; 1.1 is yanked`)
	wantError(t, m, testOptions(), []string{"only"}, `no version of "only" satisfies "only"; no release is usable; 1.0 is yanked`)
}

func TestPrereleases(t *testing.T) {
	m := newMem().
		add("lib", "1.0").
		add("lib", "2.0b1").
		add("beta", "0.1a1").
		add("beta", "0.2rc1").
		add("app", "1.0", "lib>=2.0b1")
	wantPins(t, m, testOptions(), []string{"lib"}, "lib==1.0")
	// A specifier naming a pre-release admits pre-releases.
	wantPins(t, m, testOptions(), []string{"lib>=1.5b1"}, "lib==2.0b1")
	wantPins(t, m, testOptions(), []string{"app"}, "app==1.0 lib==2.0b1")
	// --pre.
	opts := testOptions()
	opts.Pre = true
	wantPins(t, m, opts, []string{"lib"}, "lib==2.0b1")
	// Nothing but pre-releases in range: taken (pip 26; pip 23.2 only
	// does so for a requirement without any specifier).
	wantPins(t, m, testOptions(), []string{"beta"}, "beta==0.2rc1")
	wantPins(t, m, testOptions(), []string{"lib>=1.5"}, "lib==2.0b1")
	// An installed pre-release that fits is kept.
	opts = testOptions()
	opts.Installed = []Installed{{Name: "lib", Version: pep440.MustParse("2.0b1")}}
	p := mustResolve(t, m, opts, "lib")
	if got := planned(p, "lib"); got.Action != ActionKeep || got.Version.String() != "2.0b1" {
		t.Errorf("installed pre-release: %+v", got)
	}
}

func TestRequiresPython(t *testing.T) {
	m := newMem().
		add("lib", "1.0").
		addRelease(&memRelease{name: "lib", version: "2.0", requiresPython: ">=3.12"}).
		addRelease(&memRelease{name: "lib", version: "2.1", filePython: ">=3.12", unavailable: "requires Python >=3.12"}).
		addRelease(&memRelease{name: "new", version: "1.0", requiresPython: ">=3.12"})
	wantPins(t, m, testOptions(), []string{"lib"}, "lib==1.0")
	wantError(t, m, testOptions(), []string{"lib>=2"},
		`Because no version of lib satisfies lib>=2.1 (available: 1.0; 2.1 requires Python >=3.12 (the target is Python 3.11.7)) and lib==2.0 requires Python >=3.12 (the target is Python 3.11.7), lib>=2.0 cannot be used.
And because you require lib>=2, the requirements are unsatisfiable.`)
	// --no-deps still checks Requires-Python, as pip does.
	opts := testOptions()
	opts.NoDeps = true
	wantError(t, m, opts, []string{"new"},
		`Because new==1.0 requires Python >=3.12 (the target is Python 3.11.7) and you require new, the requirements are unsatisfiable.`)
	opts.IgnoreRequiresPython = true
	wantPins(t, m, opts, []string{"new"}, "new==1.0")
}

func TestInstalled(t *testing.T) {
	m := newMem().
		add("app", "1.0", "lib>=1").
		add("app", "2.0", "lib>=2").
		add("lib", "1.0").
		add("lib", "2.0").
		add("lib", "3.0")
	installed := func(pairs ...string) []Installed {
		var out []Installed
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, Installed{Name: pairs[i], Version: pep440.MustParse(pairs[i+1])})
		}
		return out
	}
	type check struct {
		name    string
		opts    func(*Options)
		reqs    []string
		pins    string
		actions string
	}
	tests := []check{
		{"kept without -U", func(o *Options) {
			o.Installed = installed("app", "1.0", "lib", "1.0")
			o.Installed[0].Metadata = &Metadata{Requires: []*pep508.Requirement{pep508.MustParseRequirement("lib>=1")}}
		}, []string{"app"}, "app==1.0 lib==1.0", "app:keep lib:keep"},
		{"a requirement the installed version misses upgrades it", func(o *Options) { o.Installed = installed("lib", "1.0") }, []string{"lib>=2"}, "lib==3.0", "lib:upgrade"},
		{"-U upgrades what was named, only-if-needed for the rest", func(o *Options) {
			o.Installed = installed("app", "1.0", "lib", "2.0")
			o.Upgrade = true
		}, []string{"app"}, "app==2.0 lib==2.0", "app:upgrade lib:keep"},
		{"-U upgrades a dependency that no longer fits", func(o *Options) {
			o.Installed = installed("app", "1.0", "lib", "1.0")
			o.Upgrade = true
		}, []string{"app"}, "app==2.0 lib==3.0", "app:upgrade lib:upgrade"},
		{"-U --upgrade-strategy eager upgrades everything", func(o *Options) {
			o.Installed = installed("app", "1.0", "lib", "2.0")
			o.Upgrade = true
			o.UpgradeStrategy = UpgradeEager
		}, []string{"app"}, "app==2.0 lib==3.0", "app:upgrade lib:upgrade"},
		{"-U keeps an installed newest version", func(o *Options) {
			o.Installed = installed("lib", "3.0")
			o.Upgrade = true
		}, []string{"lib"}, "lib==3.0", "lib:keep"},
		{"--force-reinstall", func(o *Options) {
			o.Installed = installed("lib", "3.0", "app", "1.0")
			o.ForceReinstall = true
		}, []string{"lib", "app"}, "app==2.0 lib==3.0", "app:upgrade lib:reinstall"},
		{"-I ignores what is installed", func(o *Options) {
			o.Installed = installed("lib", "1.0")
			o.IgnoreInstalled = true
		}, []string{"lib"}, "lib==3.0", "lib:install"},
		{"an installed version the index lacks is kept", func(o *Options) {
			o.Installed = installed("lib", "2.5")
		}, []string{"lib"}, "lib==2.5", "lib:keep"},
		{"a downgrade is an upgrade action", func(o *Options) {
			o.Installed = installed("lib", "3.0")
		}, []string{"lib<2"}, "lib==1.0", "lib:upgrade"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := testOptions()
			tt.opts(&opts)
			p := mustResolve(t, m, opts, tt.reqs...)
			if got := pins(p); got != tt.pins {
				t.Errorf("pins %s, want %s", got, tt.pins)
			}
			var actions []string
			for _, pkg := range p.Packages {
				actions = append(actions, pkg.Key+":"+pkg.Action.String())
			}
			if got := strings.Join(actions, " "); got != tt.actions {
				t.Errorf("actions %s, want %s", got, tt.actions)
			}
		})
	}
	// The installed distribution's own requirements are used when kept.
	opts := testOptions()
	opts.Installed = []Installed{{Name: "app", Version: pep440.MustParse("1.5"), Metadata: &Metadata{Requires: []*pep508.Requirement{pep508.MustParseRequirement("lib<2")}}}}
	wantPins(t, m, opts, []string{"app"}, "app==1.5 lib==1.0")
}

func TestURLRequirements(t *testing.T) {
	m := newMem().
		add("lib", "1.0").
		add("lib", "2.0").
		add("app", "1.0", "lib @ https://example.invalid/lib-1.5-py3-none-any.whl").
		add("app2", "1.0", "lib @ https://example.invalid/other/lib-1.5-py3-none-any.whl").
		add("needs", "1.0", "lib>=2").
		addURL("https://example.invalid/lib-1.5-py3-none-any.whl", &memRelease{name: "lib", version: "1.5", requires: []string{"dep"}}).
		addURL("https://example.invalid/other/lib-1.5-py3-none-any.whl", &memRelease{name: "lib", version: "1.5"}).
		add("dep", "1.0")
	p := mustResolve(t, m, testOptions(), "lib @ https://example.invalid/lib-1.5-py3-none-any.whl")
	if got := pins(p); got != "dep==1.0 lib==1.5" {
		t.Errorf("got %s", got)
	}
	if l := planned(p, "lib"); !l.Direct || l.Artifact.URL != "https://example.invalid/lib-1.5-py3-none-any.whl" {
		t.Errorf("lib: %+v", l)
	}
	// Found in a dependency after lib was listed from the index: the
	// resolution starts over with the URL.
	wantPins(t, m, testOptions(), []string{"lib", "app"}, "app==1.0 dep==1.0 lib==1.5")
	// Two URLs for one project.
	_, err := resolve(t, m, testOptions(), "app", "app2")
	var cu *ConflictingURLsError
	if !errors.As(err, &cu) {
		t.Errorf("two URLs: got %v", err)
	}
	// The URL's version must satisfy the other requirements.
	wantError(t, m, testOptions(), []string{"lib @ https://example.invalid/lib-1.5-py3-none-any.whl", "needs"},
		`Because every version of needs depends on lib>=2 and you require lib @ https://example.invalid/lib-1.5-py3-none-any.whl, needs cannot be used.
And because you require needs, the requirements are unsatisfiable.`)
}

func TestNoDeps(t *testing.T) {
	m := newMem().add("app", "1.0", "lib").add("lib", "1.0")
	opts := testOptions()
	opts.NoDeps = true
	wantPins(t, m, opts, []string{"app"}, "app==1.0")
}

func TestUnusableMetadataIsSkipped(t *testing.T) {
	m := newMem().
		add("lib", "1.0").
		addRelease(&memRelease{name: "lib", version: "2.0", badMetadata: true})
	wantPins(t, m, testOptions(), []string{"lib"}, "lib==1.0")
}

func TestPreferBinary(t *testing.T) {
	m := newMem().
		add("lib", "1.0").
		addRelease(&memRelease{name: "lib", version: "2.0", sdist: true})
	wantPins(t, m, testOptions(), []string{"lib"}, "lib==2.0")
	opts := testOptions()
	opts.PreferBinary = true
	wantPins(t, m, opts, []string{"lib"}, "lib==1.0")
}

// TestMetadataPrefetch checks that metadata is fetched concurrently and
// at most once per release: a chain of 20 projects each with 10
// dependencies, served with a delay, resolves in far less time than
// serial calls would take.
func TestMetadataPrefetch(t *testing.T) {
	m := newMem()
	m.delay = 20 * time.Millisecond
	var top []string
	for i := range 20 {
		name := "p" + string(rune('a'+i))
		var deps []string
		for j := range 10 {
			dep := name + "-dep" + string(rune('a'+j))
			deps = append(deps, dep)
			m.add(dep, "1.0")
			m.add(dep, "0.9")
		}
		m.add(name, "1.0", deps...)
		top = append(top, name)
	}
	opts := testOptions()
	opts.Concurrency = 16
	start := time.Now()
	p, err := Resolve(context.Background(), roots(top...), m, opts)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	if len(p.Packages) != 220 {
		t.Fatalf("%d packages", len(p.Packages))
	}
	calls := m.versionCalls.Load() + m.metadataCalls.Load()
	serial := time.Duration(calls) * m.delay
	t.Logf("%d provider calls in %v (serial: %v)", calls, elapsed, serial)
	if elapsed > serial/3 {
		t.Errorf("resolution took %v, serial calls would take %v: not concurrent enough", elapsed, serial)
	}
	for k, n := range m.metaSeen {
		if n > 1 {
			t.Errorf("metadata of %s fetched %d times", k, n)
		}
	}
}

// TestCancel checks that Resolve returns promptly with the context error
// and leaves no call running.
func TestCancel(t *testing.T) {
	m := newMem()
	m.delay = time.Second
	m.add("a", "1.0")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Resolve(ctx, roots("a"), m, testOptions())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v", err)
	}
	if time.Since(start) > 500*time.Millisecond {
		t.Errorf("took %v", time.Since(start))
	}
}
