package pep508

import (
	"strings"
	"testing"
)

func TestNormalizeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"requests", "requests"},
		{"Django", "django"},
		{"zope.interface", "zope-interface"},
		{"Foo__Bar--Baz..Qux", "foo-bar-baz-qux"},
		{"a-_.-b", "a-b"},
		{"-a-", "-a-"},
		{"a--b", "a-b"},
		{"A1_b2", "a1-b2"},
		{"", ""},
		{"Ünicode_Name", "ünicode-name"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := NormalizeName(tt.in); got != tt.want {
				t.Errorf("NormalizeName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestValidName(t *testing.T) {
	for name, want := range map[string]bool{
		"requests": true, "A": true, "1password": true, "zope.interface": true, "a-_.b": true,
		"": false, "-a": false, "a-": false, "a_": false, "a b": false, "ünicode": false,
	} {
		if got := ValidName(name); got != want {
			t.Errorf("ValidName(%q) = %v", name, got)
		}
	}
}

func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{"Foo__Bar", "a-_.-b", "-a-", "Ünicode"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := separatorRE.ReplaceAllString(strings.ToLower(s), "-")
		if got := NormalizeName(s); got != want {
			t.Fatalf("NormalizeName(%q) = %q, regexp gives %q", s, got, want)
		}
	})
}
