package index

import (
	"net/url"
	"path"
	"regexp"
	"strings"

	"github.com/gopip/gopip/internal/pyurl"
)

// resolveLink joins href to base the way pip builds a Link's URL
// (urllib.parse.urljoin, then _ensure_quoted_url in models/link.py): the
// path is unquoted and quoted again, piece by piece between "@" and "%2F"
// (which are kept as they are, so that VCS revisions and encoded slashes
// survive), with Python's quote() and its safe set. The query and the
// fragment are kept. It returns the absolute URL, fragment included.
//
// Leading white space and C0 controls are dropped and tabs and newlines
// removed, as urlsplit does; other bytes that Go's URL parser refuses
// (spaces, non-ASCII, a "%" not followed by two hex digits) are
// percent-encoded first, which is what pip's quoting turns them into anyway.
func resolveLink(base *url.URL, href string) (*url.URL, error) {
	href = strings.TrimLeft(href, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\v\f\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	href = strings.NewReplacer("\t", "", "\r", "", "\n", "").Replace(href)
	ref, err := url.Parse(preEscape(href))
	if err != nil {
		return nil, err
	}
	u := ref
	if base != nil {
		u = base.ResolveReference(ref)
	}
	cleanPath(u)
	return u, nil
}

// preEscape percent-encodes the bytes of s that net/url refuses or that
// would change meaning: controls, space, non-ASCII, quotes, angle brackets,
// backslash, and "%" not starting an escape.
func preEscape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(c)
		case c <= ' ' || c >= 0x7f || c == '%' || strings.IndexByte("\"<>\\^`{|}", c) >= 0:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// reservedRE splits a path where pip's _clean_url_path does.
var reservedRE = regexp.MustCompile(`(?i)@|%2F`)

// cleanPath rewrites u's path as pip's _clean_url_path: each piece between
// "@" and "%2F" becomes quote(unquote(piece)), "%2f" is upper-cased. Like
// urllib.parse.urlparse, parameters after ";" in the last segment are left
// alone.
func cleanPath(u *url.URL) {
	p := u.EscapedPath()
	params := ""
	slash := strings.LastIndexByte(p, '/')
	if semi := strings.IndexByte(p[slash+1:], ';'); semi >= 0 {
		p, params = p[:slash+1+semi], p[slash+1+semi:]
	}
	var b strings.Builder
	last := 0
	for _, m := range reservedRE.FindAllStringIndex(p, -1) {
		b.WriteString(pyurl.Quote(pyurl.Unquote(p[last:m[0]])))
		b.WriteString(strings.ToUpper(p[m[0]:m[1]]))
		last = m[1]
	}
	b.WriteString(pyurl.Quote(pyurl.Unquote(p[last:])))
	b.WriteString(params)
	raw := b.String()
	dec, err := url.PathUnescape(raw)
	if err != nil {
		return
	}
	u.Path, u.RawPath = dec, raw
}

// linkFilename is pip's Link.filename: the last segment of the unquoted
// path, trailing slashes ignored, unquoted once more (pip does unquote
// twice). For a URL without a path segment it is the host, as in pip.
func linkFilename(u *url.URL) string {
	p := strings.TrimRight(pyurl.Unquote(u.EscapedPath()), "/")
	if p == "" {
		return u.Host
	}
	return pyurl.Unquote(path.Base(p))
}

// hashFragmentRE is pip's LinkHash._hash_url_fragment_re: the first
// "#algo=value" or "&algo=value" anywhere in the URL, for the algorithms pip
// supports.
var hashFragmentRE = regexp.MustCompile(`[#&](sha512|sha384|sha256|sha224|sha1|md5)=([^&]*)`)

// pipHashes are the algorithms pip reads from links and PEP 658
// attributes (models/link.py _SUPPORTED_HASHES).
var pipHashes = map[string]bool{"sha512": true, "sha384": true, "sha256": true, "sha224": true, "sha1": true, "md5": true}

// withoutFragment returns u as a string with its fragment removed.
func withoutFragment(u *url.URL) string {
	v := *u
	v.Fragment, v.RawFragment = "", ""
	return v.String()
}

// projectURL is pip's mkurl_pypi_url: posixpath.join(index, quote(name))
// with a trailing slash.
func projectURL(indexURL, project string) string {
	loc := indexURL
	name := pyurl.Quote(normalize(project))
	if loc == "" || strings.HasSuffix(loc, "/") {
		loc += name
	} else {
		loc += "/" + name
	}
	if !strings.HasSuffix(loc, "/") {
		loc += "/"
	}
	return loc
}
