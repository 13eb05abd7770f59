package installer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopip/gopip/internal/pythontest"
)

// pipScheme asks the real pip, running in python, for get_scheme(...).
func pipScheme(t *testing.T, python, pipSite, dist string, kwargs string) Scheme {
	t.Helper()
	code := `import sys, json
sys.path.append(` + pyStr(pipSite) + `)
from pip._internal.locations import get_scheme
s = get_scheme(` + pyStr(dist) + `, ` + kwargs + `)
print(json.dumps({"Purelib": s.purelib, "Platlib": s.platlib, "Headers": s.headers, "Scripts": s.scripts, "Data": s.data}))`
	var s Scheme
	pythonJSON(t, python, code, &s)
	return s
}

// TestSchemesMatchPip compares every scheme gopip computes with what the
// real pip's get_scheme returns, in the base interpreter and in a venv.
func TestSchemesMatchPip(t *testing.T) {
	pipSite := pipSitePackages(t)
	venv := newVenv(t)
	dir := t.TempDir()
	for _, python := range []string{pythontest.Python(t), filepath.Join(venv, "bin", "python")} {
		in := inspectT(t, python)
		cases := []struct {
			name   string
			opts   SchemeOptions
			kwargs string
		}{
			{"default", SchemeOptions{NoUser: true}, "user=False"},
			{"user", SchemeOptions{User: true}, "user=True"},
			{"prefix", SchemeOptions{Prefix: filepath.Join(dir, "pfx")}, "prefix=" + pyStr(filepath.Join(dir, "pfx"))},
			{"root", SchemeOptions{NoUser: true, Root: filepath.Join(dir, "root")}, "root=" + pyStr(filepath.Join(dir, "root"))},
			{"prefix+root", SchemeOptions{Prefix: "/opt/p", Root: filepath.Join(dir, "root")}, "prefix='/opt/p', root=" + pyStr(filepath.Join(dir, "root"))},
			{"user+root", SchemeOptions{User: true, Root: filepath.Join(dir, "root")}, "user=True, root=" + pyStr(filepath.Join(dir, "root"))},
			{"target", SchemeOptions{Target: filepath.Join(dir, "tgt")}, "home=" + pyStr(filepath.Join(dir, "tgt", targetHomeName))},
		}
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s/%s", filepath.Base(filepath.Dir(filepath.Dir(python))), c.name), func(t *testing.T) {
				if c.opts.User && in.VirtualenvNoGlobal {
					_, err := NewEnvironment(in, c.opts)
					want := "Can not perform a '--user' install. User site-packages are not visible in this virtualenv."
					if err == nil || err.Error() != want {
						t.Fatalf("err = %v, want %q", err, want)
					}
					return
				}
				env, err := NewEnvironment(in, c.opts)
				if err != nil {
					t.Fatal(err)
				}
				got := env.Scheme("Demo_Pkg")
				want := pipScheme(t, python, pipSite, "Demo_Pkg", c.kwargs)
				if got != want {
					t.Errorf("scheme\n got %+v\nwant %+v", got, want)
				}
			})
		}
	}
}

func TestEnvironmentErrors(t *testing.T) {
	in := inspectT(t, pythontest.Python(t))
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	tests := []struct {
		opts SchemeOptions
		want string
	}{
		{SchemeOptions{User: true, Target: "/t"}, "Can not combine '--user' and '--target'"},
		{SchemeOptions{User: true, Prefix: "/p"}, "Can not combine '--user' and '--prefix' as they imply different installation locations"},
		{SchemeOptions{Target: "/t", Prefix: "/p"}, "Cannot set --home and --prefix together"},
		{SchemeOptions{Target: file}, "Target path exists but is not a directory, will not continue."},
	}
	for _, tt := range tests {
		_, err := NewEnvironment(in, tt.opts)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%+v: err = %v, want %q", tt.opts, err, tt.want)
		}
	}
}

// TestDefaultToUser follows pip's decide_user_install: without --user or
// --no-user, a non-writable site-packages means a user installation.
func TestDefaultToUser(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can write everywhere")
	}
	in := inspectT(t, pythontest.Python(t))
	ro := t.TempDir()
	os.Chmod(ro, 0o555)
	defer os.Chmod(ro, 0o755)
	fake := *in
	fake.Schemes = map[string]RawScheme{}
	for k, v := range in.Schemes {
		fake.Schemes[k] = v
	}
	d := fake.Schemes["default"]
	d.Purelib, d.Platlib = filepath.Join(ro, "site"), filepath.Join(ro, "site")
	fake.Schemes["default"] = d
	yes := true
	fake.EnableUserSite = &yes
	env, err := NewEnvironment(&fake, SchemeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !env.UserInstall || !env.DefaultedToUser {
		t.Errorf("not defaulted to user: %+v", env)
	}
	env, _ = NewEnvironment(&fake, SchemeOptions{NoUser: true})
	if env.UserInstall {
		t.Errorf("--no-user ignored")
	}
}

// TestExternallyManaged runs the inspection script's PEP 668 part on
// marker files and compares the message with pip's own
// ExternallyManagedEnvironment.from_config.
func TestExternallyManaged(t *testing.T) {
	py := pythontest.Python(t)
	pipSite := pipSitePackages(t)
	files := map[string]string{
		"plain":    "[externally-managed]\nError = To install Python packages system-wide, try apt install\n python3-xyz, where xyz is the package you are trying to\n install.\n",
		"lang":     "[externally-managed]\nError = english\nError-de_DE = deutsch\nError-fr = francais\n",
		"noerror":  "[externally-managed]\nOther = x\n",
		"nosect":   "[other]\nError = x\n",
		"badparse": "Error = no section header\n",
	}
	for name, content := range files {
		for _, lang := range []string{"C", "de_DE.UTF-8", "fr_FR.UTF-8"} {
			t.Run(name+"/"+lang, func(t *testing.T) {
				stdlib := t.TempDir()
				os.WriteFile(filepath.Join(stdlib, "EXTERNALLY-MANAGED"), []byte(content), 0o644)
				var got struct {
					Ours *ExternallyManagedInfo `json:"ours"`
					Pip  string                 `json:"pip"`
				}
				code := `import sys, json, locale
src = open(` + pyStr(mustAbs(t, "inspect.py")) + `).read()
g = {"__name__": "gopip_inspect"}
exec(compile(src, "inspect.py", "exec"), g)
ours = g["externally_managed"](` + pyStr(stdlib) + `)
sys.path.append(` + pyStr(pipSite) + `)
from pip._internal.exceptions import ExternallyManagedEnvironment
e = ExternallyManagedEnvironment.from_config(` + pyStr(filepath.Join(stdlib, "EXTERNALLY-MANAGED")) + `)
print(json.dumps({"ours": ours, "pip": str(e.context)}))`
				pythonJSON(t, py, code, &got, "LC_ALL="+lang, "LANG="+lang)
				if got.Ours == nil {
					t.Fatal("not reported as externally managed")
				}
				if got.Ours.Message != got.Pip {
					t.Errorf("message %q, pip says %q", got.Ours.Message, got.Pip)
				}
				in := &Interpreter{ExternallyManaged: got.Ours}
				err := in.CheckExternallyManaged()
				var em *ExternallyManagedError
				if !errors.As(err, &em) {
					t.Fatalf("err = %v", err)
				}
				if em.Error() != "This environment is externally managed\n"+got.Pip {
					t.Errorf("Error() = %q", em.Error())
				}
				if em.Reference() != "externally-managed-environment" || !strings.HasPrefix(em.Note(), "If you believe this is a mistake") || em.Hint() != "See PEP 668 for the detailed specification." {
					t.Errorf("reference/note/hint: %q %q %q", em.Reference(), em.Note(), em.Hint())
				}
			})
		}
	}
	// In a virtual environment there is never a marker.
	if err := (&Interpreter{InVirtualenv: true, ExternallyManaged: &ExternallyManagedInfo{}}).CheckExternallyManaged(); err != nil {
		t.Errorf("venv: %v", err)
	}
	if err := inspectT(t, filepath.Join(newVenv(t), "bin", "python")).CheckExternallyManaged(); err != nil {
		t.Errorf("venv: %v", err)
	}
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
