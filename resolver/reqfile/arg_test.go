package reqfile

import (
	"os"
	"path/filepath"
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
