package build

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestLoadBuildSystem holds LoadBuildSystem to pip 23.2's
// load_pyproject_toml: its defaults, its errors, and tolerance of
// everything else TOML allows in the file.
func TestLoadBuildSystem(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  *BuildSystem
		ref   string // a *PyprojectError with this reference
		err   string // another error containing this
	}{
		{
			name:  "setup.py only",
			files: map[string]string{"setup.py": ""},
			want:  &BuildSystem{Requires: []string{"setuptools>=40.8.0", "wheel"}, Backend: DefaultBackend},
		},
		{
			name:  "pyproject.toml without [build-system]",
			files: map[string]string{"pyproject.toml": "[tool.black]\nline-length = 100\n"},
			want:  &BuildSystem{Requires: []string{"setuptools>=40.8.0", "wheel"}, Backend: DefaultBackend, HasPyproject: true},
		},
		{
			name:  "no build-backend",
			files: map[string]string{"pyproject.toml": "[build-system]\nrequires = [\"setuptools>=61\", \"wheel\"]\n"},
			want: &BuildSystem{Requires: []string{"setuptools>=61", "wheel"}, Backend: DefaultBackend,
				Check: []string{"setuptools>=40.8.0"}, HasPyproject: true},
		},
		{
			name: "full table among other TOML",
			files: map[string]string{"pyproject.toml": `# a comment with [brackets]
[project]
name = "fancy"
description = """
multi-line with [build-system] inside
"""
authors = [{name = "A. U. Thor", email = "a@example.org"}]
dependencies = [
    "requests>=2",  # trailing comment
]

[build-system]
requires = ['hatchling>=1.0', "hatch-vcs ; python_version >= '3.8'"]
build-backend = "hatchling.build"
backend-path = ["."]

[tool.x.y]
dates = 1979-05-27T07:32:00Z
inline = {a = 1, b = [1, 2]}
`},
			want: &BuildSystem{Requires: []string{"hatchling>=1.0", "hatch-vcs ; python_version >= '3.8'"}, Backend: "hatchling.build",
				BackendPath: []string{"."}, HasPyproject: true, Name: "fancy"},
		},
		{
			name:  "neither file",
			files: map[string]string{"README": ""},
			err:   "does not appear to be a Python project: neither 'setup.py' nor 'pyproject.toml' found",
		},
		{
			name:  "missing requires",
			files: map[string]string{"pyproject.toml": "[build-system]\nbuild-backend = \"x\"\n"},
			ref:   "missing-pyproject-build-system-requires",
		},
		{
			name:  "requires not a list",
			files: map[string]string{"pyproject.toml": "[build-system]\nrequires = \"setuptools\"\n"},
			ref:   "invalid-pyproject-build-system-requires",
			err:   "It is not a list of strings.",
		},
		{
			name:  "requires holds a number",
			files: map[string]string{"pyproject.toml": "[build-system]\nrequires = [\"a\", 1]\n"},
			ref:   "invalid-pyproject-build-system-requires",
			err:   "It is not a list of strings.",
		},
		{
			name:  "invalid requirement",
			files: map[string]string{"pyproject.toml": "[build-system]\nrequires = [\"setuptools >= \"]\n"},
			ref:   "invalid-pyproject-build-system-requires",
			err:   "It contains an invalid requirement: 'setuptools >= '",
		},
		{
			name:  "build-system not a table",
			files: map[string]string{"pyproject.toml": "build-system = 1\n"},
			ref:   "invalid-pyproject-build-system",
		},
		{
			name:  "build-backend not a string",
			files: map[string]string{"pyproject.toml": "[build-system]\nrequires = []\nbuild-backend = [\"x\"]\n"},
			ref:   "invalid-pyproject-build-backend",
		},
		{
			name:  "build-backend not an object reference",
			files: map[string]string{"pyproject.toml": "[build-system]\nrequires = []\nbuild-backend = \"a b\"\n"},
			ref:   "invalid-pyproject-build-backend",
		},
		{
			name:  "backend-path not a list",
			files: map[string]string{"pyproject.toml": "[build-system]\nrequires = []\nbuild-backend = \"x\"\nbackend-path = \".\"\n"},
			ref:   "invalid-pyproject-backend-path",
		},
		{
			name:  "malformed TOML",
			files: map[string]string{"pyproject.toml": "[build-system]\nrequires = [\"a\"\n"},
			ref:   "invalid-pyproject-toml",
			err:   "line",
		},
		{
			name:  "duplicate key",
			files: map[string]string{"pyproject.toml": "[build-system]\nrequires = []\nrequires = []\n"},
			ref:   "invalid-pyproject-toml",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, c.files)
			got, err := LoadBuildSystem(dir, "demo")
			if c.want != nil {
				if err != nil {
					t.Fatal(err)
				}
				want := *c.want
				for i, p := range want.BackendPath {
					want.BackendPath[i] = filepath.Join(dir, p)
				}
				if !reflect.DeepEqual(got, &want) {
					t.Errorf("got %+v\nwant %+v", got, &want)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error; got %+v", got)
			}
			var pe *PyprojectError
			if c.ref != "" && (!errors.As(err, &pe) || pe.Reference() != c.ref) {
				t.Errorf("error %v, want a *PyprojectError %s", err, c.ref)
			}
			if c.err != "" && !strings.Contains(err.Error(), c.err) {
				t.Errorf("error %q lacks %q", err, c.err)
			}
			if pe != nil && (!strings.HasPrefix(err.Error(), "can not process demo: ") || pe.Hint() == "" || pe.Note() == "") {
				t.Errorf("error %q: want pip's 'Can not process' form with a hint and a note", err)
			}
		})
	}
}
