package scripts

import (
	"bytes"
	"testing"
)

func TestRewriteShebang(t *testing.T) {
	const py = "/usr/bin/python3"
	binary := []byte{0x7f, 'E', 'L', 'F', 0, 1, '\n', 0xff}
	tests := []struct {
		name, in, want string
	}{
		{"python", "#!python\nprint(1)\n", "#!/usr/bin/python3\nprint(1)\n"},
		{"pythonw", "#!pythonw\nprint(1)\n", "#!/usr/bin/python3\nprint(1)\n"},
		{"versioned", "#!python3.11\nx\n", "#!/usr/bin/python3\nx\n"},
		{"arguments are dropped", "#!python -u -E\nx\n", "#!/usr/bin/python3\nx\n"},
		{"any suffix", "#!pythonista\nx\n", "#!/usr/bin/python3\nx\n"},
		{"CRLF first line", "#!python\r\nx\r\ny\r\n", "#!/usr/bin/python3\nx\r\ny\r\n"},
		{"CR only is one line", "#!python\rx\ry\n", "#!/usr/bin/python3\n"},
		{"no newline at all", "#!python", "#!/usr/bin/python3\n"},
		{"only the first line", "#!python\n#!python\n", "#!/usr/bin/python3\n#!python\n"},
		{"rest kept byte for byte", "#!python\n\x00\xff\xfe\r\n", "#!/usr/bin/python3\n\x00\xff\xfe\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed := RewriteShebang([]byte(tt.in), py)
			if !changed || string(got) != tt.want {
				t.Errorf("got %q, %v; want %q, true", got, changed, tt.want)
			}
		})
	}
	unchanged := []struct{ name, in string }{
		{"absolute", "#!/usr/bin/python\nx\n"},
		{"env", "#!/usr/bin/env python\nx\n"},
		{"space after #!", "#! python\nx\n"},
		{"upper case", "#!PYTHON\nx\n"},
		{"BOM", "\ufeff#!python\nx\n"},
		{"leading blank line", "\n#!python\n"},
		{"no shebang", "print(1)\n"},
		{"short", "#!pytho"},
		{"empty", ""},
		{"binary", string(binary)},
	}
	for _, tt := range unchanged {
		t.Run(tt.name, func(t *testing.T) {
			in := []byte(tt.in)
			got, changed := RewriteShebang(in, py)
			if changed || !bytes.Equal(got, in) {
				t.Errorf("got %q, %v; want input unchanged", got, changed)
			}
		})
	}
	t.Run("path written as is", func(t *testing.T) {
		got, _ := RewriteShebang([]byte("#!python\n"), "/opt/my env/python3")
		if string(got) != "#!/opt/my env/python3\n" {
			t.Errorf("got %q", got)
		}
	})
}
