package reqfile

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopip/gopip/internal/pystr"
)

// fuzzSeeds are the contents of the differential fixtures and the
// generator's output.
func fuzzSeeds(f *testing.F) {
	paths, _ := filepath.Glob("testdata/diff/*.txtar")
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		for _, content := range readArchive(p, data).files {
			f.Add(content)
		}
	}
	for _, c := range generateCases(60, 7) {
		for _, content := range c.files {
			f.Add(content)
		}
	}
	for _, c := range encodingCases() {
		for _, content := range c.files {
			f.Add(content)
		}
	}
}

// FuzzParse reads arbitrary files. Parse must not panic, must fail only
// with an *Error that names a line of the file, and every entry it returns
// must format (Entry.String) to a line that reads back to the same entry.
func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	dir := f.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "other.txt"), []byte("other==1\n"), 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Paths are real paths, as in pip: keep the fuzzer away from
		// devices (-r /dev/stdin waits for input) and large files.
		for _, s := range []string{"/dev", "/proc", "/sys", "/usr", "/root", "/var", "/run"} {
			if bytes.Contains(data, []byte(s)) {
				return
			}
		}
		file, err := ParseReader(context.Background(), bytes.NewReader(data), "requirements.txt", Options{Dir: dir})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error: %v", err, err)
			}
			if e.Msg == "" {
				t.Fatalf("empty message: %#v", e)
			}
			return
		}
		lines := len(pystr.SplitLines(string(data))) // an upper bound when decoding changed nothing
		for _, e := range file.Entries {
			if e.Origin.Line < 1 || (e.Origin.File == "requirements.txt" && e.Origin.Line > lines && lines > 0 && isUTF8(data)) {
				t.Fatalf("entry %q at %v, file has %d lines", e.Text, e.Origin, lines)
			}
			line := e.String()
			if strings.HasPrefix(line, "\ufeff") || (line == "" && e.Kind == KindOptions) {
				continue
			}
			back, err := ParseReader(context.Background(), strings.NewReader(line+"\n"), e.Origin.File, Options{Dir: dir, Constraint: e.Constraint})
			if err != nil {
				t.Fatalf("%q (from %q) does not read back: %v", line, e.Text, err)
			}
			if len(back.Entries) != 1 {
				t.Fatalf("%q reads back as %d entries", line, len(back.Entries))
			}
			b := back.Entries[0]
			b.Origin = e.Origin
			if x, y := describeEffect(e), describeEffect(b); x != y {
				t.Fatalf("%q reads back as\n%s\nnot\n%s", line, y, x)
			}
		}
	})
}

func isUTF8(data []byte) bool {
	_, err := decodeAs("utf_8", data)
	return err == nil && !bytes.HasPrefix(data, []byte("\xef\xbb\xbf"))
}

// FuzzPreprocess checks the lexer's invariants: logical lines are
// numbered in increasing order within the file, never empty, never with
// space around them, and (without variables) never contain a comment.
func FuzzPreprocess(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		content := string(data)
		n := len(pystr.SplitLines(content))
		last := 0
		for _, l := range preprocess(content, nil) {
			if l.number <= last || l.number > n {
				t.Fatalf("line number %d after %d (of %d)", l.number, last, n)
			}
			last = l.number
			if l.text == "" || l.text != pystr.Strip(l.text) {
				t.Fatalf("line %d: %q", l.number, l.text)
			}
			if StripComment(l.text) != l.text {
				t.Fatalf("line %d keeps a comment: %q", l.number, l.text)
			}
			args, opts := breakArgsOptions(l.text)
			if args != "" && opts != "" && args+" "+opts != l.text {
				t.Fatalf("break_args_options(%q) = %q, %q", l.text, args, opts)
			}
		}
	})
}
