package index

import (
	"bytes"
	"fmt"
	"mime"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/gopip/gopip/resolver/pep440"
)

// ParseHTML parses a PEP 503 project page (an HTML document, or any HTML
// list of links such as a --find-links page or a web server's folder
// listing) served at pageURL. contentType is the response's Content-Type
// ("" for UTF-8): its charset decides the decoding, as in pip.
//
// It reads what pip's HTMLLinkParser and Link.from_element read: every
// <a> with a non-empty href, resolved against the first <base href> (itself
// resolved against pageURL) or pageURL; data-requires-python;
// data-yanked (present means yanked; the value is the reason);
// data-core-metadata, or when absent the legacy data-dist-info-metadata
// (PEP 714), as "true" or "algo=digest"; a "#algo=digest" URL fragment.
// When an attribute is repeated the first one wins, as HTML5 says (pip's
// dict of attributes keeps the last). Entities are decoded by the HTML5
// rules, except in data-requires-python, which is decoded the way Python's
// html.parser decodes it (so "&gt=3.8", semicolon missing, is ">=3.8" as
// in pip).
//
// A page announcing PEP 629's pypi:repository-version with a major
// version above 1 is an error; the files come back Unclassified.
func ParseHTML(body []byte, contentType, pageURL string) ([]File, error) {
	body, err := decodeHTML(body, contentType)
	if err != nil {
		return nil, err
	}
	page, err := url.Parse(pageURL)
	if err != nil {
		return nil, fmt.Errorf("page URL: %w", err)
	}
	base := page
	baseSeen := false
	var files []File
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break // io.EOF: the tokenizer reads from memory and never fails otherwise
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		switch string(name) {
		case "a":
			attrs := readAttrs(z, hasAttr)
			if f, ok := fileFromAnchor(attrs, base); ok {
				f.Source = pageURL
				files = append(files, f)
			}
		case "base":
			// pip keeps the href of the first <base> that has one, and
			// within it the first href.
			if baseSeen || !hasAttr {
				continue
			}
			for more := true; more; {
				var k, v []byte
				k, v, more = z.TagAttr()
				if string(k) == "href" {
					baseSeen = true
					if b, err := resolveLink(page, string(v)); err == nil {
						base = b
					}
					break
				}
			}
		case "meta":
			attrs := readAttrs(z, hasAttr)
			if attrs["name"].val == "pypi:repository-version" {
				if err := checkAPIVersion(attrs["content"].val); err != nil {
					return nil, err
				}
			}
		}
	}
	return files, nil
}

// attr is an attribute value; set tells an absent attribute from an empty
// one.
type attr struct {
	val string
	set bool
}

func readAttrs(z *html.Tokenizer, more bool) map[string]attr {
	attrs := map[string]attr{}
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		attrs[string(k)] = attr{string(v), true}
	}
	return attrs
}

// fileFromAnchor is pip's Link.from_element.
func fileFromAnchor(attrs map[string]attr, base *url.URL) (File, bool) {
	href := attrs["href"].val
	if href == "" {
		return File{}, false
	}
	u, err := resolveLink(base, href)
	if err != nil {
		return File{}, false
	}
	f := newFile(u, nil, "")
	rp := attrs["data-requires-python"].val
	if strings.Contains(rp, "&") {
		// HTML5 leaves "&gt=3.8" alone in an attribute; Python's
		// html.parser, and so pip, decodes it. Only this attribute is
		// written by hand often enough for it to matter.
		rp = html.UnescapeString(rp)
	}
	setRequiresPython(&f, rp)
	if y := attrs["data-yanked"]; y.set {
		f.Yanked, f.YankedReason = true, y.val
	}
	md, ok := attrs["data-core-metadata"]
	if !ok {
		md, ok = attrs["data-dist-info-metadata"]
	}
	if ok {
		f.Metadata = &MetadataInfo{}
		if algo, digest, found := strings.Cut(md.val, "="); found && md.val != "true" {
			f.Metadata.Hashes = supportedHashes(map[string]string{algo: digest})
		}
	}
	return f, true
}

// newFile builds a File for the link u: the URL without its fragment, the
// file name (unless the page gave one) and the hashes, a URL fragment
// winning over the page's, as in pip's Link.__init__.
func newFile(u *url.URL, hashes map[string]string, filename string) File {
	full := u.String()
	if filename == "" {
		filename = linkFilename(u)
	}
	if m := hashFragmentRE.FindStringSubmatch(full); m != nil {
		h := make(map[string]string, len(hashes)+1)
		for k, v := range hashes {
			h[k] = v
		}
		h[m[1]] = m[2]
		hashes = h
	}
	return File{Filename: filename, URL: withoutFragment(u), Hashes: hashes}
}

// setRequiresPython records a Requires-Python value; "" means none, as in
// pip.
func setRequiresPython(f *File, s string) {
	if s == "" {
		return
	}
	f.RequiresPython = s
	if spec, err := pep440.ParseSpecifierSet(s); err == nil {
		f.PythonSpec = &spec
	}
}

// supportedHashes is pip's supported_hashes: the algorithms pip knows, or
// nil when none is left.
func supportedHashes(h map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		if pipHashes[k] {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// decodeHTML turns body into UTF-8 following the charset of contentType;
// pip decodes with that charset, or UTF-8 without one. Latin-1 (and its
// ASCII subset) is converted; other charsets are refused.
func decodeHTML(body []byte, contentType string) ([]byte, error) {
	if contentType == "" {
		return body, nil
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return body, nil // pip's email parser is as forgiving
	}
	switch cs := strings.ToLower(params["charset"]); cs {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return body, nil
	case "iso-8859-1", "latin-1", "latin1", "l1", "iso8859-1":
		out := make([]byte, 0, len(body)+len(body)/8)
		for _, c := range body {
			out = utf8.AppendRune(out, rune(c))
		}
		return out, nil
	default:
		return nil, fmt.Errorf("unsupported charset %q", cs)
	}
}

// checkAPIVersion refuses a simple API version whose major version is
// above 1 (PEP 629, PEP 691); a newer minor version is fine.
func checkAPIVersion(v string) error {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	major, _, _ := strings.Cut(v, ".")
	if n, err := strconv.Atoi(major); err != nil || n <= 1 {
		return nil
	}
	return &APIVersionError{Version: v}
}

// APIVersionError reports a page in a version of the simple API that this
// client does not speak (a major version above 1).
type APIVersionError struct {
	Version string
}

// Error names the version.
func (e *APIVersionError) Error() string {
	return fmt.Sprintf("unsupported simple API version %q (this client speaks 1.x)", e.Version)
}
