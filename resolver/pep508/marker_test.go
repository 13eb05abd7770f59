package pep508

import (
	"errors"
	"strings"
	"testing"
)

func TestParseMarker(t *testing.T) {
	tests := []struct {
		in, want string // want "" means invalid
	}{
		{"python_version>='3.8'", `python_version >= "3.8"`},
		{`os.name == "nt"`, `os_name == "nt"`},
		{`sys.platform == "win32"`, `sys_platform == "win32"`},
		{`platform.version == "x"`, `platform_version == "x"`},
		{`platform.machine == "x"`, `platform_machine == "x"`},
		{`platform.python_implementation == "x"`, `platform_python_implementation == "x"`},
		{`python_implementation == "x"`, `platform_python_implementation == "x"`},
		{`'3.8' < python_version`, `"3.8" < python_version`},
		{`"linux" in sys_platform`, `"linux" in sys_platform`},
		{"os_name not in 'a b'", `os_name not in "a b"`},
		{"os_name not \t in 'a b'", `os_name not in "a b"`},
		{`extra == "Foo.Bar"`, `extra == "foo-bar"`},
		{`"Foo_Bar" == extra`, `"foo-bar" == extra`},
		{`"Foo" in extras`, `"Foo" in extras`},
		{`"dev" not in dependency_groups`, `"dev" not in dependency_groups`},
		{`(os_name == "a")`, `os_name == "a"`},
		{`((os_name == "a"))`, `os_name == "a"`},
		{`(os_name == "a" or os_name == "b")`, `os_name == "a" or os_name == "b"`},
		{`((os_name == "a" or os_name == "b")) and os_name == "c"`, `(os_name == "a" or os_name == "b") and os_name == "c"`},
		{`os_name == "a" and (os_name == "b") and ((os_name == "c"))`, `os_name == "a" and os_name == "b" and os_name == "c"`},
		{`os_name=='a'and os_name=='b'`, `os_name == "a" and os_name == "b"`},
		{`os_name == 'say "hi"'`, `os_name == 'say "hi"'`},
		{`os_name == ""`, `os_name == ""`},
		{`python_version === "3.8"`, `python_version === "3.8"`},
		{"", ""},
		{"os_name", ""},
		{"os_name ==", ""},
		{`os_name == "a" and`, ""},
		{`(os_name == "a"`, ""},
		{`os_name == "a")`, ""},
		{`os_name notin "a"`, ""},
		{`os_name == 'unterminated`, ""},
		{`python_versionx == "3"`, ""},
		{`os_name <> "a"`, ""},
		{`os_name == "a" andos_name == "b"`, ""},
		{`os_name = "a"`, ""},
		{`os_name == "a"` + "\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			m, err := ParseMarker(tt.in)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("ParseMarker(%q) = %v, want error", tt.in, m)
				}
				var se *SyntaxError
				if !errors.Is(err, ErrInvalidMarker) || !errors.As(err, &se) {
					t.Errorf("error %v is not an ErrInvalidMarker with a SyntaxError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.String() != tt.want {
				t.Errorf("String() = %q, want %q", m.String(), tt.want)
			}
			again, err := ParseMarker(m.String())
			if err != nil || again.String() != m.String() {
				t.Errorf("round trip: %v %v", again, err)
			}
		})
	}
}

var linux311 = Environment{
	"implementation_name":            "cpython",
	"implementation_version":         "3.11.7",
	"os_name":                        "posix",
	"platform_machine":               "x86_64",
	"platform_release":               "5.15.0-91-generic",
	"platform_system":                "Linux",
	"platform_version":               "#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023",
	"python_full_version":            "3.11.7",
	"platform_python_implementation": "CPython",
	"python_version":                 "3.11",
	"sys_platform":                   "linux",
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		marker string
		env    Environment
		want   bool
		err    error
	}{
		{`python_version >= "3.8"`, linux311, true, nil},
		{`python_version >= "3.12"`, linux311, false, nil},
		{`python_version > "3.9"`, linux311, true, nil}, // 3.11 > 3.9 as versions, not as strings
		{`"3.12" > python_version`, linux311, true, nil},
		{`python_version == "3.*"`, linux311, true, nil},
		{`python_version ~= "3.8"`, linux311, true, nil},
		{`python_full_version === "3.11.7"`, linux311, true, nil},
		{`python_version in "3.10 3.11 3.12"`, linux311, true, nil},
		{`python_version not in "3.10 3.12"`, linux311, true, nil},
		{`sys_platform == "linux" and os_name == "posix"`, linux311, true, nil},
		{`sys_platform == "win32" or os_name == "posix"`, linux311, true, nil},
		// "and" binds tighter than "or".
		{`os_name == "nt" and sys_platform == "win32" or python_version >= "3"`, linux311, true, nil},
		{`os_name == "nt" and (sys_platform == "win32" or python_version >= "3")`, linux311, false, nil},
		{`"linux" in sys_platform`, linux311, true, nil},
		{`platform_machine in "x86_64 aarch64"`, linux311, true, nil},
		// Not a version on the left: Python string comparison ("5.1" < "5.2").
		{`platform_release >= "5.2"`, linux311, false, nil},
		{`platform_release < "6"`, linux311, true, nil},
		{`platform_system > "Darwin"`, linux311, true, nil},
		{`os_name ~= "posix"`, linux311, false, ErrUndefinedComparison},
		{`platform_release ~= "5.15"`, linux311, false, ErrUndefinedComparison},
		// Pre-release environments compare as versions.
		{`python_full_version >= "3.12"`, Environment{"python_full_version": "3.13.0a2"}, true, nil},
		{`python_full_version < "3.13"`, Environment{"python_full_version": "3.13.0a2"}, false, nil}, // <V excludes V's pre-releases
		{`python_full_version >= "3.13"`, Environment{"python_full_version": "3.13.0+"}, true, nil},
		// extra.
		{`extra == "test"`, linux311, false, nil},
		{`extra == "Test_Suite"`, linux311.WithExtra("test.suite"), true, nil},
		{`extra != "test"`, linux311, true, nil},
		// Undefined.
		{`os_name == "posix"`, Environment{}, false, ErrUndefinedVariable},
		{`"a" in extras`, linux311, false, ErrUndefinedVariable},
		{`python_version == python_full_version`, linux311, false, ErrUndefinedComparison},
		{`"a" == "a"`, linux311, false, ErrUndefinedComparison},
		// Every comparison is evaluated, as packaging does.
		{`os_name == "posix" or os_name ~= "x"`, linux311, false, ErrUndefinedComparison},
	}
	for _, tt := range tests {
		t.Run(tt.marker, func(t *testing.T) {
			got, err := MustParseMarker(tt.marker).Evaluate(tt.env)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Evaluate = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEvaluateLockFile(t *testing.T) {
	tests := []struct {
		marker string
		want   bool
		err    error
	}{
		{`"Test_Suite" in extras`, true, nil},
		{`"docs" in extras`, false, nil},
		{`"docs" not in extras`, true, nil},
		{`"dev" in dependency_groups and python_version >= "3.8"`, true, nil},
		{`"dev" not in dependency_groups`, false, nil},
		{`extras == "test"`, false, ErrUndefinedComparison},
		{`extras in "test"`, false, ErrUndefinedComparison},
		{`extra == "test"`, false, ErrUndefinedVariable},
	}
	for _, tt := range tests {
		t.Run(tt.marker, func(t *testing.T) {
			got, err := MustParseMarker(tt.marker).EvaluateLockFile(linux311, []string{"test.suite"}, []string{"Dev"})
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("EvaluateLockFile = %v %v, want %v", got, err, tt.want)
			}
		})
	}
}

func TestEvaluateErrorNamesMarker(t *testing.T) {
	_, err := MustParseMarker(`os_name == "nt"`).Evaluate(Environment{})
	if err == nil || !strings.Contains(err.Error(), `"os_name == \"nt\""`) || !strings.Contains(err.Error(), `"os_name"`) {
		t.Errorf("error = %v", err)
	}
}
