package build

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/gopip/gopip/internal/pystr"
	"github.com/gopip/gopip/resolver/pep508"
)

// DefaultBackend is the backend pip 23.2 uses for a project that names
// none: the setuptools backend that most closely emulates running setup.py.
const DefaultBackend = "setuptools.build_meta:__legacy__"

// BuildSystem is a project's [build-system] table, with pip 23.2's defaults
// filled in (pip/_internal/pyproject.py load_pyproject_toml).
type BuildSystem struct {
	// Requires is build-system.requires: what the backend needs installed
	// before it can be imported. Without a [build-system] table (or without
	// pyproject.toml) it is pip's default, "setuptools>=40.8.0" and
	// "wheel".
	Requires []string
	// Backend is build-system.build-backend, "module" or
	// "module:object.attribute"; DefaultBackend when the table names none.
	Backend string
	// BackendPath is build-system.backend-path made absolute: directories
	// of the source tree put first on sys.path for an in-tree backend.
	BackendPath []string
	// Check are requirements pip checks after installing Requires: when
	// the table has no build-backend, "setuptools>=40.8.0", since the
	// default backend is setuptools' and Requires may not mention it.
	Check []string
	// HasPyproject tells whether the project has a pyproject.toml file.
	HasPyproject bool
	// Name is the [project] name when pyproject.toml gives one, for
	// messages; "" otherwise.
	Name string
}

// PyprojectError is a pyproject.toml that pip refuses, with pip's
// diagnostic (its MissingPyProjectBuildRequires and
// InvalidPyProjectBuildRequires) or, for what pip does not check itself,
// one in the same style.
type PyprojectError struct {
	// Project names the project as messages do.
	Project string
	// Ref is pip's error reference ("missing-pyproject-build-system-requires",
	// "invalid-pyproject-build-system-requires") or gopip's own in the same
	// style.
	Ref string
	// Context says what is wrong, possibly on several lines.
	Context string
	// Err is the underlying error (a TOML syntax error), or nil.
	Err error
}

// Error gives pip's message and context on one line.
func (e *PyprojectError) Error() string {
	return fmt.Sprintf("can not process %s: %s", e.Project, strings.ReplaceAll(e.Context, "\n", " "))
}

// Unwrap returns the TOML error, if any.
func (e *PyprojectError) Unwrap() error { return e.Err }

// Reference is the error's reference, as pip prints it ("error: <ref>").
func (e *PyprojectError) Reference() string { return e.Ref }

// Note is pip's note_stmt.
func (e *PyprojectError) Note() string {
	return "This is an issue with the package mentioned above, not gopip."
}

// Hint is pip's hint_stmt.
func (e *PyprojectError) Hint() string { return "See PEP 518 for the detailed specification." }

// LoadBuildSystem reads dir/pyproject.toml the way pip 23.2's
// load_pyproject_toml does for a PEP 517 build (gopip has no legacy
// "setup.py install" path, so it always behaves as --use-pep517), and
// validates what it uses. project names the project in errors.
//
//   - Neither pyproject.toml nor setup.py: pip's "does not appear to be a
//     Python project" error.
//   - No [build-system] table: requires "setuptools>=40.8.0" and "wheel",
//     backend DefaultBackend.
//   - A table without build-backend: its requires, DefaultBackend, and
//     "setuptools>=40.8.0" to check.
//   - A table without requires, or whose requires is not a list of PEP 508
//     requirement strings: a *PyprojectError with pip's message.
//   - backend-path entries must be relative and stay inside dir
//     (pyproject_hooks' norm_and_check).
//
// The rest of the file may hold anything TOML allows; a file that is not
// valid TOML 1.0 is an error, as with pip's tomli.
func LoadBuildSystem(dir, project string) (*BuildSystem, error) {
	pyprojectPath := filepath.Join(dir, "pyproject.toml")
	data, err := os.ReadFile(pyprojectPath)
	hasPyproject := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading %s: %w", pyprojectPath, err)
	}
	if !hasPyproject && !isFile(filepath.Join(dir, "setup.py")) {
		return nil, fmt.Errorf("%s does not appear to be a Python project: neither 'setup.py' nor 'pyproject.toml' found", project)
	}
	bs := &BuildSystem{HasPyproject: hasPyproject}
	var table map[string]any
	if hasPyproject {
		var doc map[string]any
		if err := toml.Unmarshal(data, &doc); err != nil {
			ctx := "Its pyproject.toml is not valid TOML:\n" + tomlErrorText(err)
			return nil, &PyprojectError{Project: project, Ref: "invalid-pyproject-toml", Context: ctx, Err: err}
		}
		if p, ok := doc["project"].(map[string]any); ok {
			if name, ok := p["name"].(string); ok {
				bs.Name = name
			}
		}
		if raw, ok := doc["build-system"]; ok {
			table, ok = raw.(map[string]any)
			if !ok {
				return nil, &PyprojectError{Project: project, Ref: "invalid-pyproject-build-system",
					Context: "This package has an invalid pyproject.toml file.\nbuild-system is not a table."}
			}
		}
	}
	if table == nil {
		bs.Requires = []string{"setuptools>=40.8.0", "wheel"}
		bs.Backend = DefaultBackend
		return bs, nil
	}

	rawReqs, ok := table["requires"]
	if !ok {
		return nil, &PyprojectError{Project: project, Ref: "missing-pyproject-build-system-requires",
			Context: "This package has an invalid pyproject.toml file.\nThe [build-system] table is missing the mandatory `requires` key."}
	}
	reqs, ok := stringList(rawReqs)
	if !ok {
		return nil, invalidRequires(project, "It is not a list of strings.")
	}
	for _, r := range reqs {
		if _, err := pep508.ParseRequirement(r); err != nil {
			return nil, invalidRequires(project, "It contains an invalid requirement: "+pystr.Repr(r))
		}
	}
	bs.Requires = reqs

	switch b := table["build-backend"].(type) {
	case nil:
		bs.Backend = DefaultBackend
		bs.Check = []string{"setuptools>=40.8.0"}
	case string:
		if !validBackend(b) {
			return nil, &PyprojectError{Project: project, Ref: "invalid-pyproject-build-backend",
				Context: "This package has an invalid pyproject.toml file.\nbuild-system.build-backend " + pystr.Repr(b) + " is not an object reference (module or module:object)."}
		}
		bs.Backend = b
	default:
		return nil, &PyprojectError{Project: project, Ref: "invalid-pyproject-build-backend",
			Context: "This package has an invalid pyproject.toml file.\nbuild-system.build-backend is not a string."}
	}

	if raw, ok := table["backend-path"]; ok {
		paths, ok := stringList(raw)
		if !ok {
			return nil, &PyprojectError{Project: project, Ref: "invalid-pyproject-backend-path",
				Context: "This package has an invalid pyproject.toml file.\nbuild-system.backend-path is not a list of strings."}
		}
		for _, p := range paths {
			abs, err := backendPathEntry(dir, p)
			if err != nil {
				return nil, &PyprojectError{Project: project, Ref: "invalid-pyproject-backend-path",
					Context: "This package has an invalid pyproject.toml file.\nbuild-system.backend-path entry " + pystr.Repr(p) + ": " + err.Error() + "."}
			}
			bs.BackendPath = append(bs.BackendPath, abs)
		}
	}
	return bs, nil
}

func invalidRequires(project, reason string) error {
	return &PyprojectError{Project: project, Ref: "invalid-pyproject-build-system-requires",
		Context: "This package has an invalid `build-system.requires` key in pyproject.toml.\n" + reason}
}

// stringList is pip's _is_list_of_str.
func stringList(v any) ([]string, bool) {
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(list))
	for _, item := range list {
		s, ok := item.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// validBackend checks the shape of an object reference: dotted
// identifiers, optionally ":" and more dotted identifiers. Anything else
// could not be imported, and the runner takes it apart at the colon.
func validBackend(s string) bool {
	mod, obj, hasObj := strings.Cut(s, ":")
	if !dotted(mod) {
		return false
	}
	return !hasObj || dotted(obj)
}

func dotted(s string) bool {
	if s == "" {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if part == "" {
			return false
		}
		for i, r := range part {
			ok := r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 127 || i > 0 && r >= '0' && r <= '9'
			if !ok {
				return false
			}
		}
	}
	return true
}

// backendPathEntry is pyproject_hooks' norm_and_check: the entry must be
// relative and resolve inside the source tree.
func backendPathEntry(dir, p string) (string, error) {
	if filepath.IsAbs(p) || strings.HasPrefix(p, "/") {
		return "", errors.New("paths must be relative")
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	abs := filepath.Join(absDir, filepath.FromSlash(p))
	rel, err := filepath.Rel(absDir, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", errors.New("paths must be inside source tree")
	}
	return abs, nil
}

func tomlErrorText(err error) string {
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, col := de.Position()
		return fmt.Sprintf("%s (at line %d, column %d)", de.Error(), row, col)
	}
	return err.Error()
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}
