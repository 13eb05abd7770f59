package reqfile

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseArg(t *testing.T) {
	dir := t.TempDir()
	wheel := filepath.Join(dir, "demo-1.0-py3-none-any.whl")
	if err := os.WriteFile(wheel, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		arg      string
		kind     Kind
		req      string
		link     string
		path     string
		extras   string
		errorHas string
	}{
		{arg: "flask>=3", kind: KindRequirement, req: "flask>=3"},
		{arg: "Flask[async] ; python_version > '3'", kind: KindRequirement, req: `Flask[async]; python_version > "3"`, extras: "async"},
		{arg: "demo @ https://h/demo-1.0-py3-none-any.whl", kind: KindRequirement, req: "demo@ https://h/demo-1.0-py3-none-any.whl", link: "https://h/demo-1.0-py3-none-any.whl"},
		{arg: "./demo-1.0-py3-none-any.whl", kind: KindPath, req: "demo==1.0", link: "file://" + wheel, path: wheel},
		{arg: "https://h/x/demo-2.0-py3-none-any.whl", kind: KindURL, req: "demo==2.0", link: "https://h/x/demo-2.0-py3-none-any.whl"},
		{arg: "foo=1", errorHas: "= is not a valid operator"},
		{arg: "./missing/thing", errorHas: "It looks like a path"},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			e, _, err := ParseArg(dir, tt.arg, false)
			if tt.errorHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errorHas) {
					t.Fatalf("err = %v, want one containing %q", err, tt.errorHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.Kind != tt.kind {
				t.Errorf("kind = %v, want %v", e.Kind, tt.kind)
			}
			if got := e.Requirement.String(); strings.ReplaceAll(got, " @ ", "@ ") != tt.req && got != tt.req {
				t.Errorf("requirement = %q, want %q", got, tt.req)
			}
			if e.Link != tt.link || e.Path != tt.path {
				t.Errorf("link, path = %q, %q; want %q, %q", e.Link, e.Path, tt.link, tt.path)
			}
			if got := strings.Join(e.Extras, ","); got != tt.extras {
				t.Errorf("extras = %q, want %q", got, tt.extras)
			}
		})
	}
}

// TestParseArgWarnings: pip's deprecation of egg fragments that are no
// project name, with the URL redacted as pip shows it, and warnings that
// come before an error.
func TestParseArgWarnings(t *testing.T) {
	dir := t.TempDir()
	const deprecation = "DEPRECATION: https://u:****@h/x.tar.gz#egg=foo[x] contains an egg fragment with a non-PEP 508 name" +
		" pip 25.0 will enforce this behaviour change. A possible replacement is to use the req @ url syntax, and remove the egg fragment." +
		" Discussion can be found at https://github.com/pypa/pip/issues/11617"
	tests := []struct {
		arg      string
		editable bool
		name     string
		warnings []string
		err      string
	}{
		{arg: "https://u:pw@h/x.tar.gz#egg=foo[x]", name: "foo", warnings: []string{deprecation}},
		{arg: "https://h/x.tar.gz#egg=foo", name: "foo"},
		{arg: "./some.whl", warnings: []string{"Requirement './some.whl' looks like a filename, but the file does not exist"}, err: "some.whl is not a valid wheel filename."},
		{arg: "https://u:pw@h/x.tar.gz#egg=foo[x]", editable: true, warnings: []string{deprecation},
			err: "https://u:pw@h/x.tar.gz#egg=foo[x] is not a valid editable requirement. It should either be a path to a local project or a VCS URL (beginning with bzr+http, bzr+https, bzr+ssh, bzr+sftp, bzr+ftp, bzr+lp, bzr+file, git+http, git+https, git+ssh, git+git, git+file, hg+file, hg+http, hg+https, hg+ssh, hg+static-http, svn+ssh, svn+http, svn+https, svn+svn, svn+file)."},
	}
	for _, tt := range tests {
		e, warnings, err := ParseArg(dir, tt.arg, tt.editable)
		if !slices.Equal(warnings, tt.warnings) {
			t.Errorf("ParseArg(%q, %v): warnings %q, want %q", tt.arg, tt.editable, warnings, tt.warnings)
		}
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseArg(%q, %v): error %v, want %q", tt.arg, tt.editable, err, tt.err)
			}
			continue
		}
		if err != nil || e.Requirement == nil || e.Requirement.Name != tt.name {
			t.Errorf("ParseArg(%q, %v) = %+v, %v; want name %q", tt.arg, tt.editable, e, err, tt.name)
		}
	}
}
