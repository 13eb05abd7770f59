package pep508

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseRequirement(t *testing.T) {
	tests := []struct {
		in                string
		name              string
		extras            []string
		spec, url, marker string
		str               string
	}{
		{in: "requests", name: "requests", str: "requests"},
		{in: "  requests  ", name: "requests", str: "requests"},
		{in: "Requests[Security, socks]>=2.8.1,==2.8.*", name: "Requests", extras: []string{"Security", "socks"},
			spec: "==2.8.*,>=2.8.1", str: "Requests[Security,socks]==2.8.*,>=2.8.1"},
		{in: "name [ b , a , b ] ( >= 1.0 , < 2 )", name: "name", extras: []string{"b", "a"}, spec: "<2,>=1.0", str: "name[a,b]<2,>=1.0"},
		{in: "name[]", name: "name", str: "name"},
		{in: "name\t>=1.0\t;\tpython_version<'3.8'", name: "name", spec: ">=1.0", marker: `python_version < "3.8"`,
			str: `name>=1.0; python_version < "3.8"`},
		{in: "name;os_name=='nt'", name: "name", marker: `os_name == "nt"`, str: `name; os_name == "nt"`},
		{in: "pip @ https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee", name: "pip",
			url: "https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee", str: "pip @ https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee"},
		{in: "pip[x]@https://x/y.whl ; extra == 'Test'", name: "pip", extras: []string{"x"}, url: "https://x/y.whl",
			marker: `extra == "test"`, str: `pip[x] @ https://x/y.whl ; extra == "test"`},
		{in: "pip @ https://x/y.whl;os_name=='nt'", name: "pip", url: "https://x/y.whl;os_name=='nt'", str: "pip @ https://x/y.whl;os_name=='nt'"},
		{in: "pip @ file:///tmp/x.whl ", name: "pip", url: "file:///tmp/x.whl", str: "pip @ file:///tmp/x.whl"},
		{in: "name===1.0+Foo!", name: "name", spec: "===1.0+Foo!", str: "name===1.0+Foo!"},
		{in: "A.B-C_D~=1.4.5", name: "A.B-C_D", spec: "~=1.4.5", str: "A.B-C_D~=1.4.5"},
		{in: "name==v1.0", name: "name", spec: "==v1.0", str: "name==v1.0"},
		{in: "name (==1.0) ; (python_version >= '3') and (os_name == 'nt' or os_name == 'posix')", name: "name", spec: "==1.0",
			marker: `python_version >= "3" and (os_name == "nt" or os_name == "posix")`,
			str:    `name==1.0; python_version >= "3" and (os_name == "nt" or os_name == "posix")`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := ParseRequirement(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if r.Name != tt.name || !slices.Equal(r.Extras, tt.extras) || r.Specifier.String() != tt.spec || r.URL != tt.url {
				t.Errorf("got %q %q %q %q", r.Name, r.Extras, r.Specifier, r.URL)
			}
			marker := ""
			if r.Marker != nil {
				marker = r.Marker.String()
			}
			if marker != tt.marker {
				t.Errorf("marker = %q, want %q", marker, tt.marker)
			}
			if r.String() != tt.str {
				t.Errorf("String() = %q, want %q", r.String(), tt.str)
			}
			again, err := ParseRequirement(r.String())
			if err != nil || again.String() != r.String() {
				t.Errorf("round trip: %v %v", again, err)
			}
		})
	}
}

func TestParseRequirementErrors(t *testing.T) {
	tests := []struct {
		in, msg, caret string
	}{
		{"", "Expected package name at the start of dependency specifier", "^"},
		{"name >= 1.0 ;", "Expected a marker variable or quoted string", "             ^"},
		{"name >= 1.0 foo", "Expected comma (within version specifier), semicolon (after version specifier) or end", "     ~~~~~~~^"},
		{"name foo", "Expected semicolon (after name with no version specifier) or end", "     ^"},
		{"name[a b]", "Expected comma between extra names", "       ^"},
		{"name[a,]", "Expected extra name after comma", "       ^"},
		{"name[a", "Expected matching ']' for '[', after extras", "    ~~^"},
		{"name (>=1.0", "Expected matching ')' for '(', after version specifier", "     ~~~~~~^"},
		{"name ()", "Expected a version specifier (such as >=1.0) after '('", "      ^"},
		{"name>=1.0,", "Expected a version specifier after comma", "          ^"},
		{"name>=1.0.*", "Expected a valid version specifier: .* suffix can only be used with == or != operators", "    ~~~~~~~^"},
		{"name~=1", "Expected a valid version specifier: ~= needs a version with at least two release segments, like ~=1.0", "    ~~~^"},
		{"name>=1.0+local", "Expected a valid version specifier: local version label can only be used with == or != operators", "    ~~~~~~~~~~~^"},
		{"name>=", "Expected a valid version specifier: missing version after >=", "    ~~^"},
		{"name @ ", "Expected URL after @", "       ^"},
		{"name @ https://x/y.whl foo", "Expected semicolon (after URL and whitespace) or end", "       ~~~~~~~~~~~~~~~~^"},
		{"name; os_name == 'a' foo", "Expected end of dependency specifier", "                     ^"},
		{"name_", "Expected semicolon (after name with no version specifier) or end", "    ^"},
		{"-name", "Expected package name at the start of dependency specifier", "^"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseRequirement(tt.in)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrInvalidRequirement) || !strings.HasPrefix(err.Error(), `invalid requirement "`+tt.in+`": `) {
				t.Errorf("error %q does not wrap ErrInvalidRequirement and name the input", err)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("no SyntaxError in %v", err)
			}
			if se.Msg != tt.msg {
				t.Errorf("Msg = %q, want %q", se.Msg, tt.msg)
			}
			lines := strings.Split(se.Error(), "\n")
			if len(lines) != 3 || lines[1] != "    "+tt.in || lines[2] != "    "+tt.caret {
				t.Errorf("error layout:\n%s\nwant caret line %q", se.Error(), "    "+tt.caret)
			}
		})
	}
}

func TestRequirementApplies(t *testing.T) {
	env := Environment{"python_version": "3.11", "os_name": "posix"}
	r := MustParseRequirement(`name; python_version < "3.8" or extra == "test"`)
	if ok, err := r.Applies(env); ok || err != nil {
		t.Errorf("Applies = %v %v", ok, err)
	}
	if ok, err := r.Applies(env.WithExtra("Test")); !ok || err != nil {
		t.Errorf("Applies with extra = %v %v", ok, err)
	}
	if _, ok := env["extra"]; ok {
		t.Error("WithExtra changed its receiver")
	}
	if ok, err := MustParseRequirement("name").Applies(nil); !ok || err != nil {
		t.Errorf("no marker: %v %v", ok, err)
	}
}
