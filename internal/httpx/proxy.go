package httpx

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/gopip/gopip/internal/pyurl"
)

// proxyFunc returns the proxy selector for a Transport: the --proxy URL
// for every request when given (pip's behaviour), else the environment's.
func proxyFunc(proxy string, lookup func(string) (string, bool)) (func(*http.Request) (*url.URL, error), error) {
	if proxy != "" {
		u, err := parseProxy(proxy)
		if err != nil {
			return nil, fmt.Errorf("--proxy %s: %w", pyurl.Redact(proxy), err)
		}
		return http.ProxyURL(u), nil
	}
	get := func(names ...string) string {
		for _, n := range names {
			if v, ok := lookup(n); ok && v != "" {
				return v
			}
		}
		return ""
	}
	env := envProxy{
		http:    get("http_proxy", "HTTP_PROXY"),
		https:   get("https_proxy", "HTTPS_PROXY"),
		all:     get("all_proxy", "ALL_PROXY"),
		noProxy: get("no_proxy", "NO_PROXY"),
	}
	if env.http == "" && env.https == "" && env.all == "" {
		return nil, nil
	}
	return env.proxy, nil
}

// parseProxy parses a proxy URL; "host:port" means http://host:port, as in
// requests.
func parseProxy(s string) (*url.URL, error) {
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, err
	}
	if u.Host == "" {
		return nil, fmt.Errorf("proxy URL has no host")
	}
	return u, nil
}

type envProxy struct {
	http, https, all, noProxy string
}

func (e envProxy) proxy(req *http.Request) (*url.URL, error) {
	host := req.URL.Hostname()
	if isLoopback(host) || e.bypass(host, req.URL.Port()) {
		return nil, nil
	}
	p := e.all
	switch req.URL.Scheme {
	case "http":
		if e.http != "" {
			p = e.http
		}
	case "https":
		if e.https != "" {
			p = e.https
		}
	}
	if p == "" {
		return nil, nil
	}
	u, err := parseProxy(p)
	if err != nil {
		return nil, fmt.Errorf("proxy from the environment %s: %w", pyurl.Redact(p), err)
	}
	return u, nil
}

// bypass reports whether no_proxy excludes host: "*" excludes all; an IP
// address or CIDR block matches addresses; a name matches itself and its
// subdomains (".example.com" and "example.com" alike); "name:port" only
// that port.
func (e envProxy) bypass(host, port string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	ip := net.ParseIP(host)
	for _, entry := range strings.Split(e.noProxy, ",") {
		entry = strings.ToLower(strings.TrimSpace(entry))
		if entry == "" {
			continue
		}
		if entry == "*" {
			return true
		}
		if ip != nil {
			if _, cidr, err := net.ParseCIDR(entry); err == nil {
				if cidr.Contains(ip) {
					return true
				}
				continue
			}
		}
		name, p := entry, ""
		if h, pp, err := net.SplitHostPort(entry); err == nil {
			name, p = h, pp
		}
		if p != "" && p != port {
			continue
		}
		name = strings.TrimPrefix(name, ".")
		if ip != nil {
			if eip := net.ParseIP(name); eip != nil && eip.Equal(ip) {
				return true
			}
			continue
		}
		if host == name || strings.HasSuffix(host, "."+name) {
			return true
		}
	}
	return false
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
