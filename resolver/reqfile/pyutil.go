package reqfile

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/gopip/gopip/internal/pypath"
	"github.com/gopip/gopip/internal/pystr"
	"github.com/gopip/gopip/internal/pyurl"
)

// This file holds small ports of the Python standard library path functions
// and of pip's netloc helpers that only the requirements-file code needs, so
// that edge cases ("//" at the start of a path, IPv6 hosts) come out as
// pip's do. Python's str and URL functions are in internal/pystr and
// internal/pyurl, os.path.join (pypath.Join) in internal/pypath.

// Path functions of Python's posixpath. They differ from path/filepath in
// what they leave alone: dirname keeps "a//" forms, normpath keeps exactly
// two leading slashes.

func pyIsAbs(p string) bool { return strings.HasPrefix(p, "/") }

func pyDirname(p string) string {
	i := strings.LastIndex(p, "/") + 1
	head := p[:i]
	if head != "" && head != strings.Repeat("/", len(head)) {
		head = strings.TrimRight(head, "/")
	}
	return head
}

func pyBasename(p string) string {
	return p[strings.LastIndex(p, "/")+1:]
}

func pyNormpath(p string) string {
	if p == "" {
		return "."
	}
	initial := 0
	if strings.HasPrefix(p, "/") {
		initial = 1
		if strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "///") {
			initial = 2
		}
	}
	var parts []string
	for _, c := range strings.Split(p, "/") {
		if c == "" || c == "." {
			continue
		}
		if c != ".." || (initial == 0 && len(parts) == 0) || (len(parts) > 0 && parts[len(parts)-1] == "..") {
			parts = append(parts, c)
		} else if len(parts) > 0 {
			parts = parts[:len(parts)-1]
		}
	}
	out := strings.Repeat("/", initial) + strings.Join(parts, "/")
	if out == "" {
		return "."
	}
	return out
}

// pyAbspath is os.path.abspath with cwd standing for the working directory.
func pyAbspath(cwd, p string) string {
	if !pyIsAbs(p) {
		p = pypath.Join(cwd, p)
	}
	return pyNormpath(p)
}

// pySplitext is posixpath.splitext.
func pySplitext(p string) (string, string) {
	sep := strings.LastIndex(p, "/")
	dot := strings.LastIndex(p, ".")
	if dot > sep {
		// Skip all leading dots of the file name.
		filenameIndex := sep + 1
		for filenameIndex < dot {
			if p[filenameIndex] != '.' {
				return p[:dot], p[dot:]
			}
			filenameIndex++
		}
	}
	return p, ""
}

// Files, as os.path sees them: symbolic links followed, errors meaning
// "no".

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// pathToURL is pip's path_to_url: an absolute, normalised file: URL.
func pathToURL(cwd, p string) string { return pyurl.FileURL(pyAbspath(cwd, p)) }

// parseNetloc is pip's parse_netloc: the lower-case host name and the
// port of a "host[:port]" (or bare IPv6 address) as urllib reads it.
func parseNetloc(netloc string) (host string, port int, hasPort bool, err error) {
	if strings.Count(netloc, ":") >= 2 && !strings.Contains(netloc, "@") && !strings.Contains(netloc, "[") {
		netloc = "[" + netloc + "]"
	}
	u, err := pyurl.Split("https://" + netloc)
	if err != nil {
		return "", 0, false, err
	}
	hostinfo := u.Netloc[strings.LastIndexByte(u.Netloc, '@')+1:]
	var portText string
	if _, bracketed, ok := strings.Cut(hostinfo, "["); ok {
		var rest string
		host, rest, _ = strings.Cut(bracketed, "]")
		_, portText, _ = strings.Cut(rest, ":")
	} else {
		host, portText, _ = strings.Cut(hostinfo, ":")
	}
	if host != "" {
		name, zone, hasZone := strings.Cut(host, "%")
		host = strings.ToLower(name)
		if hasZone {
			host += "%" + zone
		}
	}
	if portText == "" {
		return host, 0, false, nil
	}
	for _, c := range portText {
		if c < '0' || c > '9' {
			return "", 0, false, fmt.Errorf("Port could not be cast to integer value as %s", pystr.Repr(portText))
		}
	}
	port, err = strconv.Atoi(portText)
	if err != nil || port > 65535 {
		return "", 0, false, errors.New("Port out of range 0-65535")
	}
	return host, port, true, nil
}

// buildNetloc is pip's build_netloc.
func buildNetloc(host string, port int, hasPort bool) string {
	if !hasPort {
		return host
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return host + ":" + strconv.Itoa(port)
}
