package reqfile

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gopip/gopip/internal/pystr"
)

// This file holds small ports of the Python standard library functions pip's
// requirements-file code relies on, so that edge cases (Unicode whitespace,
// "//" at the start of a path, quoting in messages) come out as pip's do.

// Path functions of Python's posixpath. They differ from path/filepath in
// what they leave alone: join does not clean, dirname keeps "a//" forms,
// normpath keeps exactly two leading slashes.

func pyIsAbs(p string) bool { return strings.HasPrefix(p, "/") }

func pyJoin(a string, rest ...string) string {
	path := a
	for _, b := range rest {
		switch {
		case strings.HasPrefix(b, "/"):
			path = b
		case path == "" || strings.HasSuffix(path, "/"):
			path += b
		default:
			path += "/" + b
		}
	}
	return path
}

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
		p = pyJoin(cwd, p)
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

// URL functions of Python's urllib.parse.

// splitURL is the part of urllib.parse.urlsplit pip's link handling uses.
type splitURL struct {
	Scheme, Netloc, Path, Query, Fragment string
}

const schemeChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-."

// pyURLSplit is urllib.parse.urlsplit of Python 3.11: leading C0 controls
// and spaces dropped, tabs and newlines removed anywhere.
func pyURLSplit(url string) (splitURL, error) {
	url = strings.TrimLeft(url, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\v\f\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	url = strings.NewReplacer("\t", "", "\r", "", "\n", "").Replace(url)
	var u splitURL
	if i := strings.IndexByte(url, ':'); i > 0 && isASCIILetter(url[0]) {
		ok := true
		for j := 0; j < i; j++ {
			if !strings.ContainsRune(schemeChars, rune(url[j])) {
				ok = false
				break
			}
		}
		if ok {
			u.Scheme, url = strings.ToLower(url[:i]), url[i+1:]
		}
	}
	if strings.HasPrefix(url, "//") {
		end := len(url)
		for _, c := range "/?#" {
			if i := strings.IndexRune(url[2:], c); i >= 0 && i+2 < end {
				end = i + 2
			}
		}
		u.Netloc, url = url[2:end], url[end:]
		if strings.Contains(u.Netloc, "[") != strings.Contains(u.Netloc, "]") {
			return u, errors.New("Invalid IPv6 URL")
		}
		if _, rest, ok := strings.Cut(u.Netloc, "["); ok {
			host, _, _ := strings.Cut(rest, "]")
			if err := checkBracketedHost(host); err != nil {
				return u, err
			}
		}
	}
	if i := strings.IndexByte(url, '#'); i >= 0 {
		url, u.Fragment = url[:i], url[i+1:]
	}
	if i := strings.IndexByte(url, '?'); i >= 0 {
		url, u.Query = url[:i], url[i+1:]
	}
	u.Path = url
	return u, nil
}

func isASCIILetter(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

// pyUnquote is urllib.parse.unquote: %XX escapes decoded as UTF-8, bad
// sequences replaced by U+FFFD.
func pyUnquote(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var buf []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			buf = append(buf, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		buf = append(buf, s[i])
	}
	var b strings.Builder
	for len(buf) > 0 {
		r, size := utf8.DecodeRune(buf)
		b.WriteRune(r) // utf8.RuneError for invalid bytes, as errors="replace"
		buf = buf[size:]
	}
	return b.String()
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// pyQuote is urllib.parse.quote(s, safe="/").
func pyQuote(s string) string {
	const upperhex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isASCIILetter(c) || ('0' <= c && c <= '9') || strings.IndexByte("_.-~/", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperhex[c>>4])
		b.WriteByte(upperhex[c&15])
	}
	return b.String()
}

// pathToURL is pip's path_to_url: an absolute, normalised file: URL.
func pathToURL(cwd, p string) string {
	q := pyQuote(pyAbspath(cwd, p))
	if strings.HasPrefix(q, "//") {
		return "file:" + q // urljoin reads "//x" as a host
	}
	return "file://" + q
}

// urlToPath is pip's url_to_path for a file: URL on a POSIX system.
func urlToPath(url string) (string, error) {
	u, err := pyURLSplit(url)
	if err != nil {
		return "", err
	}
	if u.Netloc != "" && u.Netloc != "localhost" {
		return "", fmt.Errorf("non-local file URIs are not supported on this platform: %s", pystr.Repr(url))
	}
	return pyUnquote(u.Path), nil
}

var (
	usesRelative = []string{"", "ftp", "http", "gopher", "nntp", "imap", "wais", "file", "https", "shttp", "mms", "prospero", "rtsp", "rtspu", "sftp", "svn", "svn+ssh", "ws", "wss"}
	usesNetloc   = []string{"", "ftp", "http", "gopher", "nntp", "telnet", "imap", "wais", "file", "mms", "https", "shttp", "snews", "prospero", "rtsp", "rtspu", "rsync", "svn", "svn+ssh", "sftp", "nfs", "git", "git+ssh", "ws", "wss"}
)

// pyURLJoin is urllib.parse.urljoin, which pip uses to resolve an include
// relative to a requirements file fetched from a URL. (Python also splits
// ";params" off the last segment of http URLs; that only matters for a
// ';' in the path and is not reproduced.)
func pyURLJoin(base, ref string) string {
	if base == "" {
		return ref
	}
	if ref == "" {
		return base
	}
	b, err := pyURLSplit(base)
	if err != nil {
		return ref
	}
	r, err := pyURLSplit(ref)
	if err != nil {
		return ref
	}
	if r.Scheme == "" {
		r.Scheme = b.Scheme
	}
	if r.Scheme != b.Scheme || !slices.Contains(usesRelative, r.Scheme) {
		return ref
	}
	if slices.Contains(usesNetloc, r.Scheme) {
		if r.Netloc != "" {
			return pyURLUnsplit(r)
		}
		r.Netloc = b.Netloc
	}
	if r.Path == "" {
		r.Path = b.Path
		if r.Query == "" {
			r.Query = b.Query
		}
		return pyURLUnsplit(r)
	}
	baseParts := strings.Split(b.Path, "/")
	if baseParts[len(baseParts)-1] != "" {
		baseParts = baseParts[:len(baseParts)-1]
	}
	var segments []string
	if strings.HasPrefix(r.Path, "/") {
		segments = strings.Split(r.Path, "/")
	} else {
		segments = append(baseParts, strings.Split(r.Path, "/")...)
		if len(segments) > 2 {
			middle := slices.DeleteFunc(slices.Clone(segments[1:len(segments)-1]), func(s string) bool { return s == "" })
			segments = append(append([]string{segments[0]}, middle...), segments[len(segments)-1])
		}
	}
	var resolved []string
	for _, seg := range segments {
		switch seg {
		case "..":
			if len(resolved) > 0 {
				resolved = resolved[:len(resolved)-1]
			}
		case ".":
		default:
			resolved = append(resolved, seg)
		}
	}
	if last := segments[len(segments)-1]; last == "." || last == ".." {
		resolved = append(resolved, "")
	}
	r.Path = strings.Join(resolved, "/")
	if r.Path == "" {
		r.Path = "/"
	}
	return pyURLUnsplit(r)
}

// pyURLUnsplit is urllib.parse.urlunsplit.
func pyURLUnsplit(u splitURL) string {
	url := u.Path
	if u.Netloc != "" || (u.Scheme != "" && slices.Contains(usesNetloc, u.Scheme) && !strings.HasPrefix(url, "//")) {
		if url != "" && !strings.HasPrefix(url, "/") {
			url = "/" + url
		}
		url = "//" + u.Netloc + url
	}
	if u.Scheme != "" {
		url = u.Scheme + ":" + url
	}
	if u.Query != "" {
		url += "?" + u.Query
	}
	if u.Fragment != "" {
		url += "#" + u.Fragment
	}
	return url
}

var ipvFutureRE = regexp.MustCompile(`^v[a-fA-F0-9]+\.(?s:.+)$`)

// checkBracketedHost is urllib.parse's _check_bracketed_host: what is
// inside [ ] must be an IPv6 address or an IPvFuture literal.
func checkBracketedHost(host string) error {
	if strings.HasPrefix(host, "v") {
		if !ipvFutureRE.MatchString(host) {
			return errors.New("IPvFuture address is invalid")
		}
		return nil
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%s does not appear to be an IPv4 or IPv6 address", pystr.Repr(host))
	}
	if addr.Is4() {
		return errors.New("An IPv4 address cannot be in brackets")
	}
	return nil
}

// parseNetloc is pip's parse_netloc: the lower-case host name and the
// port of a "host[:port]" (or bare IPv6 address) as urllib reads it.
func parseNetloc(netloc string) (host string, port int, hasPort bool, err error) {
	if strings.Count(netloc, ":") >= 2 && !strings.Contains(netloc, "@") && !strings.Contains(netloc, "[") {
		netloc = "[" + netloc + "]"
	}
	u, err := pyURLSplit("https://" + netloc)
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
