package build

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gopip/gopip/installer"
	"github.com/gopip/gopip/installer/installed"
	"github.com/gopip/gopip/resolver/pep508"
)

// buildEnv is pip's BuildEnvironment (pip/_internal/build_env.py): two
// installation prefixes in a temporary directory, "overlay" for
// build-system.requires and "normal" for what get_requires_for_build_wheel
// adds, and a sitecustomize.py that, in every hook process, removes the
// interpreter's site-packages (and the paths their .pth files added) from
// sys.path and adds the prefixes' library directories, overlay first, .pth
// files honoured. The hook processes get PYTHONPATH pointing at that
// sitecustomize.py, PYTHONNOUSERSITE=1 (no user site-packages), and the
// prefixes' script directories first on PATH.
type buildEnv struct {
	overlay, normal envPrefix
	siteDir         string
	libDirs         []string // overlay's, then normal's
	binDirs         []string
}

type envPrefix struct {
	path    string
	libDirs []string // purelib, and platlib when it differs
	bin     string
}

// sitecustomize is pip's, except that the interpreter's site-packages are
// asked for in the hook process itself (the same interpreter pip would ask).
const sitecustomize = `import os, site, sys

# First, drop system-sites related paths.
original_sys_path = sys.path[:]
known_paths = set()
if hasattr(site, "getsitepackages"):
    system_sites = site.getsitepackages()
else:
    import sysconfig
    system_sites = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
for path in system_sites:
    site.addsitedir(path, known_paths=known_paths)
system_paths = set(
    os.path.normcase(path)
    for path in sys.path[len(original_sys_path):]
)
original_sys_path = [
    path for path in original_sys_path
    if os.path.normcase(path) not in system_paths
]
sys.path = original_sys_path

# Second, add lib directories.
# ensuring .pth file are processed.
for path in %s:
    assert not path in sys.path
    site.addsitedir(path)
`

func newBuildEnv(interp *installer.Interpreter, dir string) (*buildEnv, error) {
	e := &buildEnv{siteDir: filepath.Join(dir, "site")}
	for _, p := range []struct {
		name string
		dst  *envPrefix
	}{{"normal", &e.normal}, {"overlay", &e.overlay}} {
		path := filepath.Join(dir, p.name)
		env, err := installer.NewEnvironment(interp, installer.SchemeOptions{Prefix: path, NoUser: true})
		if err != nil {
			return nil, fmt.Errorf("computing the build environment's %s prefix: %w", p.name, err)
		}
		s := env.Scheme("")
		p.dst.path = path
		p.dst.bin = s.Scripts
		p.dst.libDirs = []string{s.Purelib}
		if s.Platlib != s.Purelib {
			p.dst.libDirs = append(p.dst.libDirs, s.Platlib)
		}
	}
	// pip's order: the prefixes reversed, overlay before normal.
	for _, p := range []envPrefix{e.overlay, e.normal} {
		e.binDirs = append(e.binDirs, p.bin)
		e.libDirs = append(e.libDirs, p.libDirs...)
	}
	if err := os.MkdirAll(e.siteDir, 0o755); err != nil {
		return nil, err
	}
	libs, err := json.Marshal(e.libDirs)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(e.siteDir, "sitecustomize.py"), fmt.Appendf(nil, sitecustomize, libs), 0o644); err != nil {
		return nil, err
	}
	return e, nil
}

// environ is base with pip's BuildEnvironment.__enter__ changes.
func (e *buildEnv) environ(base []string) []string {
	path := append([]string(nil), e.binDirs...)
	if old, ok := getEnv(base, "PATH"); ok && old != "" {
		path = append(path, filepath.SplitList(old)...)
	}
	env := setEnv(base, "PATH", strings.Join(path, string(os.PathListSeparator)))
	env = setEnv(env, "PYTHONNOUSERSITE", "1")
	env = setEnv(env, "PYTHONPATH", e.siteDir)
	return env
}

// conflict is an installed distribution that does not satisfy a
// requirement.
type conflict struct{ installed, wanted string }

// checkRequirements is pip's BuildEnvironment.check_requirements: which
// of reqs the environment's library directories do not satisfy, as
// conflicts (installed in another version) and missing requirements.
// Markers are evaluated with an empty extra.
func checkRequirements(libDirs []string, markers map[string]string, reqs []string) ([]conflict, []string, error) {
	var conflicts []conflict
	var missing []string
	for _, s := range reqs {
		r, err := pep508.ParseRequirement(s)
		if err != nil {
			return nil, nil, err
		}
		if r.Marker != nil {
			ok, err := r.Marker.Evaluate(pep508.Environment(markers))
			if err != nil {
				return nil, nil, fmt.Errorf("evaluating the marker of %s: %w", s, err)
			}
			if !ok {
				continue
			}
		}
		d, err := installed.Find(libDirs, r.Name)
		if err != nil {
			return nil, nil, fmt.Errorf("looking for %s in the build environment: %w", r.Name, err)
		}
		if d == nil {
			missing = append(missing, s)
			continue
		}
		if !r.Specifier.ContainsRaw(d.Version, true) {
			conflicts = append(conflicts, conflict{installed: r.Name + "==" + d.Version, wanted: s})
		}
	}
	sort.Slice(conflicts, func(i, j int) bool {
		if conflicts[i].installed != conflicts[j].installed {
			return conflicts[i].installed < conflicts[j].installed
		}
		return conflicts[i].wanted < conflicts[j].wanted
	})
	sort.Strings(missing)
	return conflicts, missing, nil
}

// conflictError is pip's _raise_conflicts message.
func conflictError(project, with string, cs []conflict) error {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.installed + " is incompatible with " + c.wanted
	}
	return fmt.Errorf("some build dependencies for %s conflict with %s: %s", project, with, strings.Join(parts, ", "))
}
