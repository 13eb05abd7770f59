package httpx

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// credential is a user name and password for HTTP basic authentication.
type credential struct {
	user, password string
}

// credentials finds the credentials that belong to a host. It is safe for
// simultaneous use.
type credentials struct {
	netrc *netrc

	mu     sync.Mutex
	byHost map[string]credential // key: lower-cased URL host ("h" or "h:port")
}

func newCredentials(n *netrc) *credentials {
	return &credentials{netrc: n, byHost: map[string]credential{}}
}

// remember records the userinfo of a URL as the credentials of its host, as
// pip's MultiDomainBasicAuth does: an index URL's credentials then apply to
// the files it links on the same host. A user name without a password takes
// its password from netrc when the login matches, else the empty password.
func (c *credentials) remember(u *url.URL) {
	if u.User == nil {
		return
	}
	user := u.User.Username()
	pass, ok := u.User.Password()
	if !ok {
		if e, found := c.netrc.machines[strings.ToLower(u.Hostname())]; found && e.login == user {
			pass = e.password
		}
	}
	c.mu.Lock()
	c.byHost[strings.ToLower(u.Host)] = credential{user, pass}
	c.mu.Unlock()
}

// lookup returns the credentials for u's host: remembered ones for the exact
// host[:port] first, then a netrc machine entry for the host name.
func (c *credentials) lookup(u *url.URL) (credential, bool) {
	c.mu.Lock()
	cr, ok := c.byHost[strings.ToLower(u.Host)]
	c.mu.Unlock()
	if ok {
		return cr, true
	}
	if e, ok := c.netrc.machines[strings.ToLower(u.Hostname())]; ok {
		return credential{e.login, e.password}, true
	}
	return credential{}, false
}

// authTransport adds the credentials of each request's own host. Because it
// runs for every hop of a redirect chain, a redirect to another host gets
// that host's credentials or none, never the first host's.
type authTransport struct {
	creds *credentials
	next  http.RoundTripper
}

// RoundTrip sends req with its host's credentials.
func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	sent := req.Header.Get("Authorization") != ""
	if !sent {
		if cr, ok := t.creds.lookup(req.URL); ok {
			req = withBasicAuth(req, cr)
			sent = true
		}
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || sent || req.Body != nil || t.creds.netrc.def == nil {
		return resp, err
	}
	// The netrc default entry belongs to no host in particular: offer it
	// only to a server that asks for credentials.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	cr := credential{t.creds.netrc.def.login, t.creds.netrc.def.password}
	return t.next.RoundTrip(withBasicAuth(req, cr))
}

func withBasicAuth(req *http.Request, cr credential) *http.Request {
	r := req.Clone(req.Context())
	r.SetBasicAuth(cr.user, cr.password)
	return r
}
