package httpx

import (
	"os"
	"path/filepath"
	"strings"
)

// netrcEntry is one "machine" (or "default") entry of a .netrc file.
type netrcEntry struct {
	login, password string
}

// netrc holds the entries of a .netrc file by machine name.
type netrc struct {
	machines map[string]netrcEntry
	def      *netrcEntry
}

// netrcPath returns the file to read: $NETRC, else $HOME/.netrc.
func netrcPath(lookup func(string) (string, bool)) string {
	if p, ok := lookup("NETRC"); ok && p != "" {
		return p
	}
	if home, ok := lookup("HOME"); ok && home != "" {
		return filepath.Join(home, ".netrc")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".netrc")
	}
	return ""
}

// loadNetrc reads and parses the file at path. A missing or unreadable file
// yields no entries, as in requests (which ignores netrc errors).
func loadNetrc(path string) *netrc {
	if path == "" {
		return &netrc{}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return &netrc{}
	}
	return parseNetrc(string(data))
}

// parseNetrc parses the .netrc format as Python's netrc module reads it:
// whitespace-separated tokens, "#" comments, double-quoted tokens with
// backslash escapes, and macdef bodies (skipped up to the next blank line).
// When a machine appears twice the later entry wins, as in Python.
func parseNetrc(data string) *netrc {
	n := &netrc{machines: map[string]netrcEntry{}}
	t := &netrcTokenizer{s: data}
	var (
		cur     *netrcEntry
		curName string
		isDef   bool
	)
	flush := func() {
		if cur == nil {
			return
		}
		if isDef {
			e := *cur
			n.def = &e
		} else {
			n.machines[strings.ToLower(curName)] = *cur
		}
		cur = nil
	}
	for {
		tok, ok := t.next()
		if !ok {
			break
		}
		switch tok {
		case "machine":
			flush()
			name, _ := t.next()
			cur, curName, isDef = &netrcEntry{}, name, false
		case "default":
			flush()
			cur, curName, isDef = &netrcEntry{}, "", true
		case "login", "user":
			v, _ := t.next()
			if cur != nil {
				cur.login = v
			}
		case "password":
			v, _ := t.next()
			if cur != nil {
				cur.password = v
			}
		case "account":
			t.next()
		case "macdef":
			flush()
			t.next() // macro name
			t.skipMacro()
		}
	}
	flush()
	return n
}

type netrcTokenizer struct {
	s string
	i int
}

func (t *netrcTokenizer) next() (string, bool) {
	for t.i < len(t.s) {
		c := t.s[t.i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			t.i++
		case c == '#':
			for t.i < len(t.s) && t.s[t.i] != '\n' {
				t.i++
			}
		case c == '"':
			t.i++
			var b strings.Builder
			for t.i < len(t.s) && t.s[t.i] != '"' {
				if t.s[t.i] == '\\' && t.i+1 < len(t.s) {
					t.i++
				}
				b.WriteByte(t.s[t.i])
				t.i++
			}
			t.i++ // closing quote
			return b.String(), true
		default:
			var b strings.Builder
			for t.i < len(t.s) {
				c := t.s[t.i]
				if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
					break
				}
				if c == '\\' && t.i+1 < len(t.s) {
					t.i++
					c = t.s[t.i]
				}
				b.WriteByte(c)
				t.i++
			}
			return b.String(), true
		}
	}
	return "", false
}

// skipMacro skips a macdef body: everything up to and including the next
// blank line.
func (t *netrcTokenizer) skipMacro() {
	// The body starts on the line after "macdef name".
	for t.i < len(t.s) && t.s[t.i] != '\n' {
		t.i++
	}
	for t.i < len(t.s) {
		t.i++ // past '\n'
		start := t.i
		for t.i < len(t.s) && t.s[t.i] != '\n' {
			t.i++
		}
		if strings.TrimSpace(t.s[start:t.i]) == "" {
			return
		}
	}
}
