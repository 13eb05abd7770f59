package trust

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"

	"github.com/gopip/gopip/internal/pyurl"
)

// Config describes a TUF-backed repository: where its index, its TUF
// metadata and its targets are, and how its targets are laid out. It is
// stored, without credentials, in the repository's folder of the Store.
type Config struct {
	// Name is the repository's short name, shown by `gopip trust list`
	// and used by `gopip trust remove|refresh`.
	Name string `json:"name"`
	// IndexURL is the simple index (PEP 503) the repository serves, e.g.
	// "https://host/pypi/simple/". It identifies the repository.
	IndexURL string `json:"index_url"`
	// MetadataURL is the folder of the TUF metadata; by default the index
	// URL's parent + "tuf/".
	MetadataURL string `json:"metadata_url"`
	// TargetsURL is the base URL of target paths; by default the index
	// URL's parent.
	TargetsURL string `json:"targets_url"`
	// Layout says which files are targets; by default LayoutGopip, in
	// which only the project pages are.
	Layout Layout `json:"layout"`
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Complete validates c and fills in the defaults of the layout contract
// (docs/repository-layout.md): the metadata URL is the index URL's parent
// + "tuf/", the targets URL the index URL's parent. Every URL is made to
// end with "/" and loses its credentials: those come, at run time, from
// the index URL gopip is given, from ~/.netrc or from a keyring, never
// from the store.
func (c Config) Complete() (Config, error) {
	if !namePattern.MatchString(c.Name) {
		return Config{}, fmt.Errorf("invalid repository name %q: use letters, digits, '.', '_' and '-', starting with a letter or digit", c.Name)
	}
	index, err := canonicalURL(c.IndexURL)
	if err != nil {
		return Config{}, fmt.Errorf("repository %s: index URL: %w", c.Name, err)
	}
	c.IndexURL = index
	parent := parentURL(index)
	if c.MetadataURL == "" {
		c.MetadataURL = parent + "tuf/"
	}
	if c.TargetsURL == "" {
		c.TargetsURL = parent
	}
	if c.MetadataURL, err = canonicalURL(c.MetadataURL); err != nil {
		return Config{}, fmt.Errorf("repository %s: metadata URL: %w", c.Name, err)
	}
	if c.TargetsURL, err = canonicalURL(c.TargetsURL); err != nil {
		return Config{}, fmt.Errorf("repository %s: targets URL: %w", c.Name, err)
	}
	if c.Layout, err = ParseLayout(string(c.Layout)); err != nil {
		return Config{}, fmt.Errorf("repository %s: %w", c.Name, err)
	}
	return c, nil
}

// RepositoryID returns the name of a repository's folder in the Store: the
// hex SHA-256 of its canonical index URL (no credentials, lower-case scheme
// and host, no default port, a trailing "/"), as pip's TUF prototype named
// its repositories after a hash of the index URL.
func RepositoryID(indexURL string) (string, error) {
	u, err := canonicalURL(indexURL)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(u))
	return hex.EncodeToString(sum[:]), nil
}

// canonicalURL returns rawURL without credentials, query or fragment, with
// a lower-case scheme and host, without the scheme's default port, and
// with a path ending in "/".
func canonicalURL(rawURL string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return "", fmt.Errorf("%s: %w", pyurl.Redact(rawURL), err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("%q is not an http(s) URL", pyurl.Redact(rawURL))
	}
	u.User = nil
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
	host, port := u.Hostname(), u.Port()
	if (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		port = ""
	}
	host = strings.ToLower(host)
	if port != "" {
		u.Host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		u.Host = "[" + host + "]"
	} else {
		u.Host = host
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u.String(), nil
}

// parentURL returns the folder above a canonical URL's last folder:
// "https://host/pypi/simple/" gives "https://host/pypi/", and the root
// stays the root.
func parentURL(canonical string) string {
	u, _ := url.Parse(canonical)
	p := strings.TrimSuffix(u.Path, "/")
	if i := strings.LastIndex(p, "/"); i >= 0 {
		p = p[:i+1]
	} else {
		p = "/"
	}
	u.Path, u.RawPath = p, ""
	return u.String()
}

// withUserinfo returns target with the credentials of from when both name
// the same scheme and host: an index URL given with credentials lends them
// to the repository's metadata and targets on the same host.
func withUserinfo(target, from string) string {
	f, err := url.Parse(from)
	if err != nil || f.User == nil {
		return target
	}
	t, err := url.Parse(target)
	if err != nil || t.User != nil || !strings.EqualFold(t.Host, f.Host) || t.Scheme != f.Scheme {
		return target
	}
	t.User = f.User
	return t.String()
}
