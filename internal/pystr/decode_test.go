package pystr

import (
	"encoding/hex"
	"math/rand/v2"
	"testing"

	"github.com/gopip/gopip/internal/pythontest"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{"", "", ""},
		{"aé\U0001F600", "aé\U0001F600", ""},
		{"\xff", "", "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"},
		{"a\x80b", "", "'utf-8' codec can't decode byte 0x80 in position 1: invalid start byte"},
		{"\xc0\xaf", "", "'utf-8' codec can't decode byte 0xc0 in position 0: invalid start byte"},
		{"ab\xe2\x82", "", "'utf-8' codec can't decode bytes in position 2-3: unexpected end of data"},
		{"\xe2\x82a", "", "'utf-8' codec can't decode bytes in position 0-1: invalid continuation byte"},
		{"\xe2a", "", "'utf-8' codec can't decode byte 0xe2 in position 0: invalid continuation byte"},
		{"\xe2", "", "'utf-8' codec can't decode byte 0xe2 in position 0: unexpected end of data"},
		{"\xed\xa0\x80", "", "'utf-8' codec can't decode byte 0xed in position 0: invalid continuation byte"},
		{"\xf0\x9f\x98", "", "'utf-8' codec can't decode bytes in position 0-2: unexpected end of data"},
		{"\xf4\x90\x80\x80", "", "'utf-8' codec can't decode byte 0xf4 in position 0: invalid continuation byte"},
	}
	for _, tt := range tests {
		got, err := Decode([]byte(tt.in))
		if got != tt.want || errText(err) != tt.err {
			t.Errorf("Decode(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestDecodeReplace(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"aé", "aé"},
		{"\xff\xff", "\uFFFD\uFFFD"},
		{"\xe2\x82", "\uFFFD"},
		{"\xe2\x82\xe2\x82\xac", "\uFFFD€"},
		{"\xf0\x9f\x98a", "\uFFFDa"},
		{"\xed\xa0\x80", "\uFFFD\uFFFD\uFFFD"},
		{"\xe0\x80\x80", "\uFFFD\uFFFD\uFFFD"},
		{"\xef\xbf\xbd", "\uFFFD"},
	}
	for _, tt := range tests {
		if got := DecodeReplace([]byte(tt.in)); got != tt.want {
			t.Errorf("DecodeReplace(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestUniversalNewlines(t *testing.T) {
	for _, tt := range [][2]string{{"", ""}, {"a\r\nb\rc\n", "a\nb\nc\n"}, {"\r\r\n\n", "\n\n\n"}, {"a\u2028b\x0b", "a\u2028b\x0b"}} {
		if got := UniversalNewlines(tt[0]); got != tt[1] {
			t.Errorf("UniversalNewlines(%q) = %q, want %q", tt[0], got, tt[1])
		}
	}
}

// TestDecodeMatchesPython compares Decode and DecodeReplace with
// bytes.decode on random byte strings made of pieces of valid and invalid
// sequences.
func TestDecodeMatchesPython(t *testing.T) {
	pieces := []string{"a", "é", "€", "\U0001F600", "\x80", "\xbf", "\xc0", "\xc1", "\xc2", "\xdf", "\xe0", "\xe0\xa0",
		"\xe1\x80", "\xed", "\xed\x9f", "\xed\xa0", "\xee", "\xef\xbf", "\xf0", "\xf0\x90", "\xf0\x90\x80", "\xf1\x80\x80",
		"\xf4", "\xf4\x8f\xbf", "\xf4\x90", "\xf5", "\xff"}
	r := rand.New(rand.NewPCG(3, 4))
	var corpus []string // hex, as JSON cannot carry invalid UTF-8
	var inputs [][]byte
	for range 3000 {
		var b []byte
		for n := r.IntN(6); n > 0; n-- {
			b = append(b, pieces[r.IntN(len(pieces))]...)
		}
		inputs = append(inputs, b)
		corpus = append(corpus, hex.EncodeToString(b))
	}
	var want [][3]any
	pythontest.RunJSON(t, `
import json, sys
out = []
for h in json.load(sys.stdin):
    b = bytes.fromhex(h)
    try:
        strict, err = b.decode("utf-8"), ""
    except UnicodeDecodeError as e:
        strict, err = "", str(e)
    out.append([strict, err, b.decode("utf-8", "replace")])
print(json.dumps(out))
`, corpus, &want)
	for i, b := range inputs {
		got, err := Decode(b)
		if got != want[i][0] || errText(err) != want[i][1] {
			t.Errorf("Decode(%q) = %q, %v; Python %q, %q", b, got, err, want[i][0], want[i][1])
		}
		if got := DecodeReplace(b); got != want[i][2] {
			t.Errorf("DecodeReplace(%q) = %q; Python %q", b, got, want[i][2])
		}
	}
}
