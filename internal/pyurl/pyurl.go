package pyurl

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/gopip/gopip/internal/pystr"
)

// Parts are the five components of a URL that urllib.parse.urlsplit
// returns (a SplitResult), escapes left as they are.
type Parts struct {
	Scheme   string // lower case; "" when the URL has none
	Netloc   string // what follows "//" up to the path, userinfo included
	Path     string
	Query    string // without "?"
	Fragment string // without "#"
}

// schemeChars are urllib.parse.scheme_chars.
const schemeChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-."

// c0ControlOrSpace is urllib.parse's _WHATWG_C0_CONTROL_OR_SPACE, which
// urlsplit strips from the start of a URL.
const c0ControlOrSpace = "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\v\f\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "

// unsafeBytes removes urllib.parse's _UNSAFE_URL_BYTES_TO_REMOVE.
var unsafeBytes = strings.NewReplacer("\t", "", "\r", "", "\n", "")

// Split is urllib.parse.urlsplit(rawURL) of Python 3.11: leading C0
// controls and spaces are dropped and tabs and newlines removed anywhere,
// then the scheme (lower-cased), the netloc, the fragment and the query are
// split off in that order.
//
// The error is Python's ValueError for a netloc with unbalanced brackets or
// a bracketed host that is neither an IPv6 address nor an IPvFuture
// literal. Python raises it after splitting; Split returns the parts
// together with it, so that a caller that must not fail (redacting a URL
// for display, say) can still use them.
func Split(rawURL string) (Parts, error) {
	url := strings.TrimLeft(rawURL, c0ControlOrSpace)
	url = unsafeBytes.Replace(url)
	var p Parts
	if i := strings.IndexByte(url, ':'); i > 0 && isASCIILetter(url[0]) {
		if strings.Trim(url[:i], schemeChars) == "" {
			p.Scheme, url = strings.ToLower(url[:i]), url[i+1:]
		}
	}
	var err error
	if strings.HasPrefix(url, "//") {
		end := len(url)
		if i := strings.IndexAny(url[2:], "/?#"); i >= 0 {
			end = i + 2
		}
		p.Netloc, url = url[2:end], url[end:]
		err = checkNetloc(p.Netloc)
	}
	url, p.Fragment, _ = strings.Cut(url, "#")
	p.Path, p.Query, _ = strings.Cut(url, "?")
	return p, err
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// checkNetloc is urlsplit's check of brackets in the netloc.
func checkNetloc(netloc string) error {
	open, closed := strings.Contains(netloc, "["), strings.Contains(netloc, "]")
	if open != closed {
		return errors.New("Invalid IPv6 URL")
	}
	if !open {
		return nil
	}
	_, rest, _ := strings.Cut(netloc, "[")
	host, _, _ := strings.Cut(rest, "]")
	return checkBracketedHost(host)
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

// The scheme lists of urllib.parse in Python 3.11.
var (
	usesRelative = set("", "ftp", "http", "gopher", "nntp", "imap", "wais", "file", "https", "shttp", "mms",
		"prospero", "rtsp", "rtsps", "rtspu", "sftp", "svn", "svn+ssh", "ws", "wss")
	usesNetloc = set("", "ftp", "http", "gopher", "nntp", "telnet", "imap", "wais", "file", "mms", "https", "shttp",
		"snews", "prospero", "rtsp", "rtsps", "rtspu", "rsync", "svn", "svn+ssh", "sftp", "nfs", "git", "git+ssh",
		"ws", "wss")
	usesParams = set("", "ftp", "hdl", "prospero", "http", "imap", "https", "shttp", "rtsp", "rtsps", "rtspu", "sip",
		"sips", "mms", "sftp", "tel")
)

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// String is urllib.parse.urlunsplit: the parts joined again. "//" is put
// before an empty netloc for the schemes that have one (so "file:/p"
// becomes "file:///p"), and an empty query or fragment is left out.
func (p Parts) String() string {
	url := p.Path
	if p.Netloc != "" || (p.Scheme != "" && usesNetloc[p.Scheme] && !strings.HasPrefix(url, "//")) {
		if url != "" && url[0] != '/' {
			url = "/" + url
		}
		url = "//" + p.Netloc + url
	}
	if p.Scheme != "" {
		url = p.Scheme + ":" + url
	}
	if p.Query != "" {
		url += "?" + p.Query
	}
	if p.Fragment != "" {
		url += "#" + p.Fragment
	}
	return url
}

// parsed is urllib.parse.urlparse's ParseResult: Parts with the
// ";params" of the last path segment apart.
type parsed struct {
	Parts
	params string
}

// parse is urllib.parse.urlparse(url, scheme): defaultScheme when url has
// none.
func parse(url, defaultScheme string) (parsed, error) {
	p, err := Split(url)
	if err != nil {
		return parsed{}, err
	}
	if p.Scheme == "" {
		p.Scheme = strings.ToLower(strings.Trim(unsafeBytes.Replace(defaultScheme), c0ControlOrSpace))
	}
	r := parsed{Parts: p}
	if usesParams[p.Scheme] {
		// _splitparams: from the first ";" of the last segment.
		start := strings.LastIndexByte(p.Path, '/') + 1
		if i := strings.IndexByte(p.Path[start:], ';'); i >= 0 {
			r.Path, r.params = p.Path[:start+i], p.Path[start+i+1:]
		}
	}
	return r, nil
}

// String is urllib.parse.urlunparse.
func (p parsed) String() string {
	if p.params != "" {
		p.Path += ";" + p.params
	}
	return p.Parts.String()
}

// Join is urllib.parse.urljoin(base, ref): ref resolved against base, or
// ref unchanged when it has a scheme of its own or one urljoin does not
// resolve relative references for. The error is Split's, for either URL.
func Join(base, ref string) (string, error) {
	if base == "" {
		return ref, nil
	}
	if ref == "" {
		return base, nil
	}
	b, err := parse(base, "")
	if err != nil {
		return "", err
	}
	r, err := parse(ref, b.Scheme)
	if err != nil {
		return "", err
	}
	if r.Scheme != b.Scheme || !usesRelative[r.Scheme] {
		return ref, nil
	}
	if usesNetloc[r.Scheme] {
		if r.Netloc != "" {
			return r.String(), nil
		}
		r.Netloc = b.Netloc
	}
	if r.Path == "" && r.params == "" {
		r.Path, r.params = b.Path, b.params
		if r.Query == "" {
			r.Query = b.Query
		}
		return r.String(), nil
	}

	baseParts := strings.Split(b.Path, "/")
	if baseParts[len(baseParts)-1] != "" {
		// The last segment is a file, not a directory: not part of the
		// resolution.
		baseParts = baseParts[:len(baseParts)-1]
	}
	var segments []string
	if strings.HasPrefix(r.Path, "/") {
		segments = strings.Split(r.Path, "/")
	} else {
		segments = append(baseParts, strings.Split(r.Path, "/")...)
		// Empty inner segments would double slashes on joining.
		if len(segments) > 2 {
			inner := make([]string, 0, len(segments))
			inner = append(inner, segments[0])
			for _, s := range segments[1 : len(segments)-1] {
				if s != "" {
					inner = append(inner, s)
				}
			}
			segments = append(inner, segments[len(segments)-1])
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
		// A trailing relative directory keeps its slash.
		resolved = append(resolved, "")
	}
	r.Path = strings.Join(resolved, "/")
	if r.Path == "" {
		r.Path = "/"
	}
	return r.String(), nil
}

const upperHex = "0123456789ABCDEF"

// Quote is urllib.parse.quote(s) with its default safe "/": ASCII letters
// and digits, "_.-~" and "/" are kept, every other byte of s is written
// as %XX with upper-case hex digits.
func Quote(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isASCIILetter(c) || '0' <= c && c <= '9' || strings.IndexByte("_.-~/", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
	return b.String()
}

// Unquote is urllib.parse.unquote(s): each %XX escape (either case) is
// decoded; a "%" not followed by two hex digits stays. Python decodes the
// bytes of each run of ASCII characters as UTF-8 with errors="replace":
// an invalid or incomplete sequence becomes one U+FFFD for each maximal
// part of a valid sequence it starts with, so "%E2%82" gives one U+FFFD
// and "%FF%FF" two. Non-ASCII characters of s are kept as they are.
func Unquote(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var out strings.Builder
	out.Grow(len(s))
	var run []byte
	for i := 0; i < len(s); {
		if s[i] >= 0x80 {
			j := i
			for j < len(s) && s[j] >= 0x80 {
				j++
			}
			out.WriteString(s[i:j])
			i = j
			continue
		}
		run = run[:0]
		for i < len(s) && s[i] < 0x80 {
			if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
				run = append(run, unhex(s[i+1])<<4|unhex(s[i+2]))
				i += 3
				continue
			}
			run = append(run, s[i])
			i++
		}
		out.WriteString(pystr.DecodeReplace(run))
	}
	return out.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// FileURL is pip's path_to_url for a path that is already absolute and
// normalised as os.path.normpath(os.path.abspath(p)) leaves it:
// urljoin("file:", pathname2url(path)), which is "file://" and the quoted
// path, or "file:" and the path when it starts with the "//" that POSIX
// lets normpath keep (urljoin reads that as a host).
func FileURL(abs string) string {
	u, _ := Join("file:", Quote(abs)) // a quoted path has no brackets: no error
	return u
}

// ToPath is pip's url_to_path on POSIX for a file: URL: the unquoted path,
// after checking that the netloc is empty or "localhost". pip asserts the
// "file:" prefix first; the callers here check the scheme themselves.
func ToPath(url string) (string, error) {
	p, err := Split(url)
	if err != nil {
		return "", err
	}
	if p.Netloc != "" && p.Netloc != "localhost" {
		return "", fmt.Errorf("non-local file URIs are not supported on this platform: %s", pystr.Repr(url))
	}
	return Unquote(p.Path), nil
}

// RedactAuth is pip's redact_auth_from_url, how pip shows a URL in
// messages: url through Split and String, with the password of the netloc
// replaced by "****" ("https://user:****@host/"), or the whole userinfo
// when it has no password ("https://****@host/"). The user name is
// unquoted and quoted again, as pip does. The error is Split's.
func RedactAuth(url string) (string, error) {
	p, err := Split(url)
	if err != nil {
		return "", err
	}
	return redactParts(p), nil
}

// Redact is RedactAuth for messages that must name a URL whatever it is:
// where Split fails (unbalanced brackets in the netloc), for which pip
// raises ValueError, the parts Split returns are redacted all the same, so
// that no password is ever shown. Text without a netloc comes back as
// urlunsplit writes it: the text itself for a path ("./dir").
func Redact(url string) string {
	p, _ := Split(url)
	return redactParts(p)
}

// redactParts is the netloc rewriting of redact_auth_from_url, then
// urlunsplit.
func redactParts(p Parts) string {
	i := strings.LastIndexByte(p.Netloc, '@')
	if i < 0 {
		return p.String()
	}
	auth, host := p.Netloc[:i], p.Netloc[i+1:]
	if user, _, ok := strings.Cut(auth, ":"); ok {
		p.Netloc = Quote(Unquote(user)) + ":****@" + host
	} else {
		p.Netloc = "****@" + host
	}
	return p.String()
}
