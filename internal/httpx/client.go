package httpx

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gopip/gopip/internal/pyurl"
)

// Defaults for Options, pip's where pip has one.
const (
	// DefaultTimeout is pip's --timeout: 15 seconds without data.
	DefaultTimeout = 15 * time.Second
	// DefaultRetries is pip's --retries.
	DefaultRetries = 5
	// DefaultRetryBaseDelay is the first backoff delay; pip's backoff_factor
	// is 0.25 s.
	DefaultRetryBaseDelay = 250 * time.Millisecond
	// DefaultMaxPerHost is the number of requests in flight per host.
	DefaultMaxPerHost = 10
)

const (
	maxBackoff    = 10 * time.Second
	maxRetryAfter = time.Minute
	maxRedirects  = 10
	drainLimit    = 64 << 10
)

// UserAgent returns the User-Agent gopip sends: "gopip/<version>
// (+pip-compatible)".
func UserAgent(version string) string {
	return "gopip/" + version + " (+pip-compatible)"
}

// Options configure a Client. They mirror pip's network options; the zero
// value of each field means the default, except Retries, whose zero means
// no retries (pip's --retries 0). DefaultOptions has every default.
type Options struct {
	// UserAgent is sent with every request that does not set its own.
	UserAgent string
	// Timeout bounds every wait for the network: connecting, the TLS
	// handshake, response headers, and each read of a body. It never bounds
	// a whole transfer. Zero means DefaultTimeout.
	Timeout time.Duration
	// Retries is the number of times a request is retried after a
	// connection error or a transient status (pip's --retries). Zero means
	// no retries.
	Retries int
	// RetryBaseDelay is the backoff before the first retry; each later retry
	// doubles it (with jitter). Zero means DefaultRetryBaseDelay.
	RetryBaseDelay time.Duration
	// MaxPerHost bounds the requests in flight per host:port. Zero means
	// DefaultMaxPerHost.
	MaxPerHost int
	// Proxy is pip's --proxy, "scheme://[user:passwd@]proxy.server:port",
	// used for every request. Empty means the environment's proxies.
	Proxy string
	// Cert is pip's --cert: a PEM bundle (file or folder) of the CAs to
	// trust instead of the system roots.
	Cert string
	// ClientCert is pip's --client-cert: one PEM file holding the private
	// key and the certificate.
	ClientCert string
	// TrustedHosts are pip's --trusted-host values, "host" or "host:port":
	// plain http is allowed and TLS is not verified for these.
	TrustedHosts []string
	// NoNetrc disables reading ~/.netrc.
	NoNetrc bool
	// LookupEnv reads the environment (NETRC, HOME, proxies, CA bundles).
	// Nil means os.LookupEnv.
	LookupEnv func(key string) (string, bool)
}

// DefaultOptions returns Options with pip's defaults filled in.
func DefaultOptions() Options {
	return Options{
		Timeout:        DefaultTimeout,
		Retries:        DefaultRetries,
		RetryBaseDelay: DefaultRetryBaseDelay,
		MaxPerHost:     DefaultMaxPerHost,
	}
}

// Client is gopip's HTTP client. It is safe for simultaneous use by multiple
// goroutines.
type Client struct {
	opts    Options
	hc      *http.Client
	trusted []trustedHost
	creds   *credentials
	secure  *http.Transport
	insec   *http.Transport

	// sleep waits d or until ctx is done; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
	// now is the clock used for Retry-After dates.
	now func() time.Time
}

// New returns a Client configured by opts. It fails when a certificate file
// cannot be read or a proxy URL or trusted host does not parse.
func New(opts Options) (*Client, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Retries < 0 {
		opts.Retries = 0
	}
	if opts.RetryBaseDelay <= 0 {
		opts.RetryBaseDelay = DefaultRetryBaseDelay
	}
	if opts.MaxPerHost <= 0 {
		opts.MaxPerHost = DefaultMaxPerHost
	}
	if opts.UserAgent == "" {
		opts.UserAgent = UserAgent("dev")
	}
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	c := &Client{opts: opts, sleep: sleepCtx, now: time.Now}

	for _, h := range opts.TrustedHosts {
		th, err := parseTrustedHost(h)
		if err != nil {
			return nil, err
		}
		c.trusted = append(c.trusted, th)
	}

	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	roots, err := loadRoots(opts.Cert, opts.LookupEnv)
	if err != nil {
		return nil, err
	}
	tlsConf.RootCAs = roots
	if opts.ClientCert != "" {
		data, err := os.ReadFile(opts.ClientCert)
		if err != nil {
			return nil, fmt.Errorf("--client-cert: %w", err)
		}
		pair, err := tls.X509KeyPair(data, data)
		if err != nil {
			return nil, fmt.Errorf("--client-cert %s: %w (the file must hold both the private key and the certificate, PEM-encoded)", opts.ClientCert, err)
		}
		tlsConf.Certificates = []tls.Certificate{pair}
	}

	proxy, err := proxyFunc(opts.Proxy, opts.LookupEnv)
	if err != nil {
		return nil, err
	}
	dialer := &net.Dialer{Timeout: opts.Timeout, KeepAlive: 30 * time.Second}
	c.secure = &http.Transport{
		Proxy:                 proxy,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       tlsConf,
		TLSHandshakeTimeout:   opts.Timeout,
		ResponseHeaderTimeout: opts.Timeout,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   opts.MaxPerHost,
		ForceAttemptHTTP2:     true,
	}
	c.insec = c.secure.Clone()
	c.insec.TLSClientConfig.InsecureSkipVerify = true

	var n *netrc
	if opts.NoNetrc {
		n = &netrc{}
	} else {
		n = loadNetrc(netrcPath(opts.LookupEnv))
	}
	c.creds = newCredentials(n)

	c.hc = &http.Client{
		Transport: &limitTransport{
			limiter: newHostLimiter(opts.MaxPerHost),
			next:    &authTransport{creds: c.creds, next: roundTripFunc(c.roundTrip)},
		},
		CheckRedirect: c.checkRedirect,
	}
	return c, nil
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// roundTrip sends a request through the verifying transport, or through
// the non-verifying one for a trusted host.
func (c *Client) roundTrip(req *http.Request) (*http.Response, error) {
	if c.isTrusted(req.URL) {
		return c.insec.RoundTrip(req)
	}
	return c.secure.RoundTrip(req)
}

// Retries returns the configured number of retries; the downloader uses
// the same budget for resuming broken transfers.
func (c *Client) Retries() int { return c.opts.Retries }

// Backoff waits before retry number attempt (1 for the first retry), or
// until ctx is done, in which case it returns ctx's error.
func (c *Client) Backoff(ctx context.Context, attempt int) error {
	return c.sleep(ctx, c.backoff(attempt))
}

func (c *Client) backoff(attempt int) time.Duration {
	d := c.opts.RetryBaseDelay
	for i := 1; i < attempt && d < maxBackoff; i++ {
		d *= 2
	}
	d = min(d, maxBackoff)
	// Equal jitter: half fixed, half random, so that many clients that
	// failed together do not retry together.
	return d/2 + rand.N(d/2+1)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// Get fetches rawURL. header (may be nil) is added to the request. Retries
// happen only before the response is returned. A status of 400 or above is
// returned as a *StatusError; the caller must close the body of a returned
// response.
func (c *Client) Get(ctx context.Context, rawURL string, header http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, &Error{Method: http.MethodGet, URL: pyurl.Redact(rawURL), Attempts: 0, Err: err}
	}
	for k, vs := range header {
		req.Header[k] = append([]string(nil), vs...)
	}
	return c.Do(req)
}

// GetRange fetches part of rawURL with a Range request: the length bytes
// from offset start; to the end of the file when length <= 0; or the last
// -start bytes when start < 0 (a suffix range, e.g. a wheel's zip directory).
// The response is always a 206 whose Content-Range agrees with the request
// (see ContentRange). A server that answers with the whole file (200)
// yields an error wrapping ErrRangeUnsupported; one that cannot satisfy the
// range yields a *StatusError with code 416.
func (c *Client) GetRange(ctx context.Context, rawURL string, start, length int64, header http.Header) (*http.Response, error) {
	h := header.Clone()
	if h == nil {
		h = http.Header{}
	}
	switch {
	case start < 0:
		h.Set("Range", fmt.Sprintf("bytes=%d", start))
	case length <= 0:
		h.Set("Range", fmt.Sprintf("bytes=%d-", start))
	default:
		h.Set("Range", fmt.Sprintf("bytes=%d-%d", start, start+length-1))
	}
	// A range of a compressed representation is not a range of the file.
	h.Set("Accept-Encoding", "identity")
	resp, err := c.Get(ctx, rawURL, h)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusPartialContent {
		drain(resp)
		return nil, &Error{Method: http.MethodGet, URL: pyurl.Redact(rawURL), Attempts: 1,
			Err: fmt.Errorf("%w (status %d to %q)", ErrRangeUnsupported, resp.StatusCode, h.Get("Range"))}
	}
	first, last, size, err := ContentRange(resp)
	ok := err == nil
	switch {
	case !ok:
	case start >= 0:
		ok = first == start && (length <= 0 || last <= start+length-1)
	default:
		ok = size < 0 || last == size-1
	}
	if !ok {
		drain(resp)
		if err == nil {
			err = fmt.Errorf("Content-Range %q does not match the requested %q", resp.Header.Get("Content-Range"), h.Get("Range"))
		}
		return nil, &Error{Method: http.MethodGet, URL: pyurl.Redact(rawURL), Attempts: 1, Err: err}
	}
	return resp, nil
}

// ContentRange parses the Content-Range header of a 206 response,
// "bytes first-last/size". size is -1 when the server wrote "*".
func ContentRange(resp *http.Response) (first, last, size int64, err error) {
	h := resp.Header.Get("Content-Range")
	spec, ok := strings.CutPrefix(h, "bytes ")
	if !ok {
		return 0, 0, 0, fmt.Errorf("bad Content-Range %q", h)
	}
	rng, total, ok := strings.Cut(spec, "/")
	a, b, ok2 := strings.Cut(rng, "-")
	if !ok || !ok2 {
		return 0, 0, 0, fmt.Errorf("bad Content-Range %q", h)
	}
	first, err1 := strconv.ParseInt(strings.TrimSpace(a), 10, 64)
	last, err2 := strconv.ParseInt(strings.TrimSpace(b), 10, 64)
	size = -1
	var err3 error
	if total = strings.TrimSpace(total); total != "*" {
		size, err3 = strconv.ParseInt(total, 10, 64)
	}
	if err1 != nil || err2 != nil || err3 != nil || first < 0 || last < first || (size >= 0 && last >= size) {
		return 0, 0, 0, fmt.Errorf("bad Content-Range %q", h)
	}
	return first, last, size, nil
}

// Do sends req with the client's policy: credentials, the secure-origin
// check, the per-host bound, timeouts and retries (for GET, HEAD and
// OPTIONS requests without a body). A status of 400 or above is returned as
// a *StatusError. The caller must close the body of a returned response.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	u := *req.URL
	display := pyurl.Redact(req.URL.String())
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	fail := func(attempts int, err error) (*http.Response, error) {
		return nil, &Error{Method: method, URL: display, Attempts: attempts, Err: err}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fail(0, fmt.Errorf("unsupported URL scheme %q", u.Scheme))
	}
	if u.User != nil {
		c.creds.remember(&u)
		u.User = nil
	}
	if err := c.checkSecure(&u, display); err != nil {
		return nil, err
	}
	idempotent := req.Body == nil && (method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions)

	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithCancelCause(ctx)
		r := req.Clone(actx)
		r.URL = &u
		r.Host = ""
		if r.Header.Get("User-Agent") == "" {
			r.Header.Set("User-Agent", c.opts.UserAgent)
		}
		resp, err := c.hc.Do(r)
		if err != nil {
			cancel(nil)
			if ctx.Err() != nil {
				return fail(attempt, context.Cause(ctx))
			}
			err = c.classify(err)
			if !idempotent || attempt > c.opts.Retries || !retryable(err) {
				return fail(attempt, err)
			}
			if err := c.sleep(ctx, c.backoff(attempt)); err != nil {
				return fail(attempt, err)
			}
			continue
		}
		if idempotent && attempt <= c.opts.Retries && retryableStatus(resp.StatusCode) {
			wait := c.backoff(attempt)
			if ra, ok := retryAfter(resp.Header.Get("Retry-After"), c.now()); ok {
				wait = max(ra, 0)
			}
			if wait <= maxRetryAfter {
				drain(resp)
				cancel(nil)
				if err := c.sleep(ctx, wait); err != nil {
					return fail(attempt, err)
				}
				continue
			}
		}
		if resp.StatusCode >= 400 {
			se := newStatusError(resp, attempt)
			drain(resp)
			cancel(nil)
			return nil, se
		}
		resp.Body = newIdleBody(resp.Body, c.opts.Timeout, actx, cancel)
		return resp, nil
	}
}

// checkRedirect applies the secure-origin check to every redirect and
// strips credentials that belong to another host.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	if err := c.checkSecure(req.URL, pyurl.Redact(req.URL.String())); err != nil {
		return err
	}
	if !strings.EqualFold(req.URL.Host, via[0].URL.Host) {
		// net/http keeps Authorization for subdomains; gopip sends
		// credentials only to the host they were given for. authTransport
		// adds the new host's own credentials, if it has any.
		req.Header.Del("Authorization")
		req.Header.Del("Cookie")
	}
	return nil
}

// checkSecure refuses plain http to a host that is neither loopback nor
// trusted.
func (c *Client) checkSecure(u *url.URL, display string) error {
	if u.Scheme != "http" || isLoopback(u.Hostname()) || c.isTrusted(u) {
		return nil
	}
	return &InsecureError{URL: display, Host: u.Host}
}

// classify turns transport errors into gopip's: timeouts become a
// *TimeoutError.
func (c *Client) classify(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		phase := "response headers"
		var oe *net.OpError
		switch {
		case errors.As(err, &oe) && oe.Op == "dial":
			phase = "connect"
		case strings.Contains(err.Error(), "TLS handshake"):
			phase = "TLS handshake"
		}
		return &TimeoutError{After: c.opts.Timeout, Phase: phase}
	}
	return err
}

// retryable reports whether a request that failed with err may succeed if
// sent again: not for a refused origin, a certificate that does not verify,
// a host that does not exist or a redirect loop.
func retryable(err error) bool {
	var (
		ie *InsecureError
		ua x509.UnknownAuthorityError
		he x509.HostnameError
		ci x509.CertificateInvalidError
		ve *tls.CertificateVerificationError
		de *net.DNSError
	)
	switch {
	case errors.As(err, &ie), errors.As(err, &ua), errors.As(err, &he),
		errors.As(err, &ci), errors.As(err, &ve):
		return false
	case errors.As(err, &de) && de.IsNotFound:
		return false
	case strings.Contains(err.Error(), "redirects"):
		return false
	}
	return true
}

// retryableStatus reports whether a status is transient: pip retries 500,
// 503, 520 and 527; gopip adds 429, 502 and 504.
func retryableStatus(code int) bool {
	switch code {
	case 429, 500, 502, 503, 504, 520, 527:
		return true
	}
	return false
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(h string, now time.Time) (time.Duration, bool) {
	if h == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(strings.TrimSpace(h)); err == nil {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		return t.Sub(now), true
	}
	return 0, false
}

// drain reads a little of a response body, so the connection can be
// reused, and closes it.
func drain(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
	resp.Body.Close()
}

// trustedHost is one --trusted-host entry.
type trustedHost struct {
	host string     // lower case, no brackets
	port string     // "" matches every port
	cidr *net.IPNet // set when the entry is an address block
}

func parseTrustedHost(s string) (trustedHost, error) {
	orig := s
	if _, rest, ok := strings.Cut(s, "://"); ok {
		s = rest
	}
	if _, n, err := net.ParseCIDR(s); err == nil {
		return trustedHost{cidr: n}, nil
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	th := trustedHost{host: s}
	switch {
	case strings.HasPrefix(s, "["):
		if h, p, err := net.SplitHostPort(s); err == nil {
			th.host, th.port = h, p
		} else {
			th.host = strings.Trim(s, "[]")
		}
	case strings.Count(s, ":") == 1:
		h, p, err := net.SplitHostPort(s)
		if err != nil {
			return trustedHost{}, fmt.Errorf("--trusted-host %q: %w", orig, err)
		}
		th.host, th.port = h, p
	}
	th.host = strings.ToLower(th.host)
	if th.host == "" {
		return trustedHost{}, fmt.Errorf("--trusted-host %q: no host", orig)
	}
	if th.port != "" {
		if _, err := strconv.ParseUint(th.port, 10, 16); err != nil {
			return trustedHost{}, fmt.Errorf("--trusted-host %q: bad port", orig)
		}
	}
	return th, nil
}

// isTrusted reports whether u's host is a --trusted-host.
func (c *Client) isTrusted(u *url.URL) bool {
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	for _, t := range c.trusted {
		if t.cidr != nil {
			if ip := net.ParseIP(host); ip != nil && t.cidr.Contains(ip) {
				return true
			}
			continue
		}
		if t.host == host && (t.port == "" || t.port == port) {
			return true
		}
	}
	return false
}

// loadRoots returns the CA pool to verify servers with: the --cert bundle,
// else the one named by REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE or SSL_CERT_FILE,
// else nil (the system roots).
func loadRoots(cert string, lookup func(string) (string, bool)) (*x509.CertPool, error) {
	source := "--cert"
	if cert == "" {
		for _, k := range []string{"REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"} {
			if v, ok := lookup(k); ok && v != "" {
				cert, source = v, k
				break
			}
		}
	}
	if cert == "" {
		return nil, nil
	}
	fail := func(err error) (*x509.CertPool, error) {
		return nil, fmt.Errorf("could not find a suitable TLS CA certificate bundle, invalid path: %s (from %s): %w", cert, source, err)
	}
	st, err := os.Stat(cert)
	if err != nil {
		return fail(err)
	}
	files := []string{cert}
	if st.IsDir() {
		entries, err := os.ReadDir(cert)
		if err != nil {
			return fail(err)
		}
		files = files[:0]
		for _, e := range entries {
			if !e.IsDir() {
				files = append(files, filepath.Join(cert, e.Name()))
			}
		}
	}
	pool := x509.NewCertPool()
	found := false
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return fail(err)
		}
		if pool.AppendCertsFromPEM(data) {
			found = true
		}
	}
	if !found {
		return fail(errors.New("no PEM certificates in it"))
	}
	return pool, nil
}

// idleBody is a response body whose every Read must make progress within
// the timeout: a stalled read cancels the request and returns a
// *TimeoutError. Time the caller spends between reads does not count.
type idleBody struct {
	rc      io.ReadCloser
	ctx     context.Context
	cancel  context.CancelCauseFunc
	timer   *time.Timer
	timeout time.Duration
}

var errIdle = errors.New("idle body timeout")

func newIdleBody(rc io.ReadCloser, timeout time.Duration, ctx context.Context, cancel context.CancelCauseFunc) *idleBody {
	b := &idleBody{rc: rc, ctx: ctx, cancel: cancel, timeout: timeout}
	b.timer = time.AfterFunc(timeout, func() { cancel(errIdle) })
	b.timer.Stop()
	return b
}

func (b *idleBody) Read(p []byte) (int, error) {
	b.timer.Reset(b.timeout)
	n, err := b.rc.Read(p)
	b.timer.Stop()
	if err != nil && err != io.EOF && context.Cause(b.ctx) == errIdle {
		err = &TimeoutError{After: b.timeout, Phase: "body"}
	}
	return n, err
}

func (b *idleBody) Close() error {
	b.timer.Stop()
	err := b.rc.Close()
	b.cancel(nil)
	return err
}
