package pystr

import (
	"reflect"
	"testing"
)

func TestIsSpace(t *testing.T) {
	tests := []struct {
		r    rune
		want bool
	}{
		{' ', true}, {'\t', true}, {'\n', true}, {'\v', true}, {'\f', true}, {'\r', true},
		{0x1c, true}, {0x1f, true}, // information separators: not unicode.IsSpace
		{0x85, true}, {0xa0, true}, {0x1680, true}, {0x2000, true}, {0x200a, true},
		{0x2028, true}, {0x2029, true}, {0x202f, true}, {0x205f, true}, {0x3000, true},
		{'a', false}, {0, false}, {0x1b, false}, {0x7f, false}, {0x200b, false},
		{0x180e, false}, {0xfeff, false}, {-1, false}, {0x110000, false},
	}
	for _, tt := range tests {
		if got := IsSpace(tt.r); got != tt.want {
			t.Errorf("IsSpace(%U) = %v, want %v", tt.r, got, tt.want)
		}
	}
}

func TestStrip(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"  a b  ", "a b"},
		{"\x1c\u3000a\u00a0\x1f", "a"},
		{"\u200ba\u200b", "\u200ba\u200b"}, // zero width space is no white space
		{"\xffa \xff", "\xffa \xff"},       // invalid UTF-8 is kept
		{" \t\n", ""},
	}
	for _, tt := range tests {
		if got := Strip(tt.in); got != tt.want {
			t.Errorf("Strip(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSplitLines(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a", []string{"a"}},
		{"a\n", []string{"a"}},
		{"a\n\n", []string{"a", ""}},
		{"\n", []string{""}},
		{"a\r\nb", []string{"a", "b"}},
		{"a\r\rb", []string{"a", "", "b"}},
		{"a\n\rb", []string{"a", "", "b"}},
		{"a\vb\fc", []string{"a", "b", "c"}},
		{"a\u2029b\r", []string{"a", "b"}},
		{"a\x1fb", []string{"a\x1fb"}},
		{"a\x1cb\x1dc\x1ed\u0085e\u2028f", []string{"a", "b", "c", "d", "e", "f"}},
		{"\xff\r\n\xc2", []string{"\xff", "\xc2"}}, // invalid UTF-8 is kept
	}
	for _, tt := range tests {
		if got := SplitLines(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SplitLines(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRepr(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `''`},
		{"foo=1", `'foo=1'`},
		{"it's", `"it's"`},
		{`say "hi"`, `'say "hi"'`},
		{`it's "x"`, `'it\'s "x"'`},
		{`a'\b`, `"a'\\b"`},
		{`C:\dir`, `'C:\\dir'`},
		{"a\tb\nc\rd", `'a\tb\nc\rd'`},
		{"\x00\x1b\x7f", `'\x00\x1b\x7f'`},
		{"\u0085\u00a0\u00ad", `'\x85\xa0\xad'`},
		{"é ü 中 ☃", `'é ü 中 ☃'`},
		{"\u2028\u200b\ufeff", `'\u2028\u200b\ufeff'`},
		{"\U0001F600\U000E0001\U0010FFFF", "'\U0001F600\\U000e0001\\U0010ffff'"},
		{"a", "'a'"},
		{`'"`, `'\'"'`},
		{"a\tb\x01\u00a0é\U0001F600", `'a\tb\x01\xa0é` + "\U0001F600" + `'`},
	}
	for _, tt := range tests {
		if got := Repr(tt.in); got != tt.want {
			t.Errorf("Repr(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"flask", `"flask"`},
		{`a"b\c/d`, `"a\"b\\c/d"`},
		{"\n\r\t\b\f", `"\n\r\t\b\f"`},
		{"\x00\x1f\x7f", `"\u0000\u001f\u007f"`},
		{"<&>'", `"<&>'"`},
		{"é中", `"\u00e9\u4e2d"`},
		{"\U0001F600", `"\ud83d\ude00"`},
	}
	for _, tt := range tests {
		if got := JSON(tt.in); got != tt.want {
			t.Errorf("JSON(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestMustCompile(t *testing.T) {
	re := MustCompile(`^(?P<module>[{w}.]+)[{s}]*(?P<n>[{d}]+)$`)
	tests := []struct {
		in   string
		want bool
	}{
		{"mod.sub 12", true},
		{"mödül\u3000٣", true}, // Unicode letters, ideographic space, Arabic-Indic digit
		{"ⅳ_x\x1c1", true},     // \w includes numbers (Roman numeral), \s U+001C
		{"a-b 1", false},
		{"a ²", false}, // superscript two is a number, not a decimal digit
	}
	for _, tt := range tests {
		if got := re.MatchString(tt.in); got != tt.want {
			t.Errorf("%s matches %q: %v, want %v", re, tt.in, got, tt.want)
		}
	}
}
