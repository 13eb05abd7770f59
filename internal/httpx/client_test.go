package httpx

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// env is a fake environment for Options.LookupEnv.
type env map[string]string

func (e env) lookup(k string) (string, bool) { v, ok := e[k]; return v, ok }

// sleeps records the backoff waits of a client instead of sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// newTestClient returns a client with an empty environment, no netrc unless
// the environment names one, and recorded (not real) backoff sleeps.
func newTestClient(t *testing.T, opts Options, e env) (*Client, *sleeps) {
	t.Helper()
	if e == nil {
		e = env{}
	}
	opts.LookupEnv = e.lookup
	if _, ok := e["NETRC"]; !ok {
		opts.NoNetrc = true
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	s := &sleeps{}
	c.sleep = func(ctx context.Context, d time.Duration) error {
		s.mu.Lock()
		s.d = append(s.d, d)
		s.mu.Unlock()
		return ctx.Err()
	}
	return c, s
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRetryTransientStatus(t *testing.T) {
	tests := []struct {
		status     int
		retryAfter string
		wantSleep  time.Duration // 0: any backoff
	}{
		{500, "", 0},
		{502, "", 0},
		{503, "", 0},
		{504, "", 0},
		{429, "3", 3 * time.Second},
		{503, "7", 7 * time.Second},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d-%s", tt.status, tt.retryAfter), func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) <= 2 {
					if tt.retryAfter != "" {
						w.Header().Set("Retry-After", tt.retryAfter)
					}
					w.WriteHeader(tt.status)
					return
				}
				io.WriteString(w, "ok")
			}))
			defer srv.Close()
			c, s := newTestClient(t, Options{Retries: 5}, nil)
			resp, err := c.Get(t.Context(), srv.URL+"/x", nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := readAll(t, resp); got != "ok" {
				t.Fatalf("body %q", got)
			}
			if n.Load() != 3 {
				t.Errorf("%d requests, want 3", n.Load())
			}
			waits := s.all()
			if len(waits) != 2 {
				t.Fatalf("waits %v, want 2", waits)
			}
			if tt.wantSleep != 0 {
				for _, w := range waits {
					if w != tt.wantSleep {
						t.Errorf("wait %v, want Retry-After %v", w, tt.wantSleep)
					}
				}
			} else if waits[1] < waits[0]/2 || waits[0] > DefaultRetryBaseDelay {
				t.Errorf("backoff not exponential: %v", waits)
			}
		})
	}
}

func TestBackoffGrowsWithJitter(t *testing.T) {
	c, _ := newTestClient(t, Options{RetryBaseDelay: 100 * time.Millisecond}, nil)
	for attempt, want := range []time.Duration{100, 200, 400, 800, 1600} {
		want *= time.Millisecond
		d := c.backoff(attempt + 1)
		if d < want/2 || d > want {
			t.Errorf("attempt %d: %v not in [%v, %v]", attempt+1, d, want/2, want)
		}
	}
	if d := c.backoff(50); d > maxBackoff {
		t.Errorf("backoff %v above cap", d)
	}
}

func TestRetryGivesUp(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c, _ := newTestClient(t, Options{Retries: 3}, nil)
	_, err := c.Get(t.Context(), srv.URL+"/simple/flask/", nil)
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != 503 || se.Attempts != 4 {
		t.Fatalf("err = %v, want 503 after 4 attempts", err)
	}
	want := "503 Server Error: Service Unavailable for url: " + srv.URL + "/simple/flask/ (after 4 attempts)"
	if err.Error() != want {
		t.Errorf("message\n got %q\nwant %q", err, want)
	}
	if n.Load() != 4 || StatusCode(err) != 503 {
		t.Errorf("%d requests", n.Load())
	}
}

func TestRetryAfterTooLongGivesUp(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	c, _ := newTestClient(t, Options{Retries: 3}, nil)
	_, err := c.Get(t.Context(), srv.URL, nil)
	if StatusCode(err) != 429 || n.Load() != 1 {
		t.Fatalf("err = %v after %d requests; want 429 at once", err, n.Load())
	}
}

func TestNoRetryOnClientError(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.NotFound(w, r)
	}))
	defer srv.Close()
	c, _ := newTestClient(t, Options{Retries: 5}, nil)
	_, err := c.Get(t.Context(), srv.URL+"/nope", nil)
	if StatusCode(err) != 404 || n.Load() != 1 {
		t.Fatalf("err = %v after %d requests", err, n.Load())
	}
	if want := "404 Client Error: Not Found for url: " + srv.URL + "/nope"; err.Error() != want {
		t.Errorf("got %q want %q", err, want)
	}
}

func TestRetryConnectionDropped(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	c, s := newTestClient(t, Options{Retries: 2}, nil)
	resp, err := c.Get(t.Context(), srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if n.Load() < 2 || len(s.all()) < 1 {
		t.Errorf("%d requests, %d backoffs", n.Load(), len(s.all()))
	}
}

func TestConnectionRefusedNamesURL(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	c, s := newTestClient(t, Options{Retries: 2}, nil)
	_, err := c.Get(t.Context(), "http://user:hunter2@"+addr+"/simple/", nil)
	var he *Error
	if !errors.As(err, &he) || he.Attempts != 3 {
		t.Fatalf("err = %v", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "http://user:****@"+addr+"/simple/") || strings.Contains(msg, "hunter2") {
		t.Errorf("message %q: want the redacted URL", msg)
	}
	if len(s.all()) != 2 {
		t.Errorf("backoffs %v", s.all())
	}
}

func TestTimeoutStalledServer(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/body" {
			w.Header().Set("Content-Length", "100")
			w.Write([]byte("0123456789"))
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	c, _ := newTestClient(t, Options{Timeout: 150 * time.Millisecond, Retries: 0}, nil)

	start := time.Now()
	_, err := c.Get(t.Context(), srv.URL+"/headers", nil)
	var te *TimeoutError
	if !errors.As(err, &te) || te.Phase != "response headers" {
		t.Fatalf("headers: err = %v, want a timeout", err)
	}
	var he *Error
	if !errors.As(err, &he) || !strings.Contains(he.Hint(), "--timeout") {
		t.Errorf("hint %q", he.Hint())
	}

	resp, err := c.Get(t.Context(), srv.URL+"/body", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.As(err, &te) || te.Phase != "body" || string(b) != "0123456789" {
		t.Fatalf("body: %q, err = %v, want a timeout after 10 bytes", b, err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("took %v", el)
	}
}

func TestSlowBodyThatFlowsDoesNotTimeOut(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 8; i++ {
			w.Write([]byte("chunk"))
			w.(http.Flusher).Flush()
			time.Sleep(150 * time.Millisecond)
		}
	}))
	defer srv.Close()
	// 8 × 150 ms = 1.2 s in all, well past the 600 ms timeout, but no single
	// wait comes near it.
	c, _ := newTestClient(t, Options{Timeout: 600 * time.Millisecond}, nil)
	resp, err := c.Get(t.Context(), srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, resp); got != strings.Repeat("chunk", 8) {
		t.Fatalf("got %q", got)
	}
}

// proxyServer is a forward proxy for plain http that records the requests.
func proxyServer(t *testing.T) (*httptest.Server, *[]string) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.String())
		mu.Unlock()
		io.WriteString(w, "via proxy")
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func TestProxyAndTrustedHost(t *testing.T) {
	proxy, seen := proxyServer(t)

	t.Run("option", func(t *testing.T) {
		c, _ := newTestClient(t, Options{Proxy: proxy.URL, TrustedHosts: []string{"pypi.example"}}, nil)
		resp, err := c.Get(t.Context(), "http://pypi.example/simple/flask/", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, resp); got != "via proxy" {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("environment", func(t *testing.T) {
		c, _ := newTestClient(t, Options{TrustedHosts: []string{"pypi.example:80"}},
			env{"HTTP_PROXY": strings.TrimPrefix(proxy.URL, "http://"), "NO_PROXY": "other.example"})
		resp, err := c.Get(t.Context(), "http://pypi.example/simple/", nil)
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, resp)
	})
	t.Run("untrusted http refused", func(t *testing.T) {
		before := len(*seen)
		c, _ := newTestClient(t, Options{Proxy: proxy.URL, TrustedHosts: []string{"pypi.example:8080"}}, nil)
		_, err := c.Get(t.Context(), "http://tok@pypi.example/simple/", nil)
		var ie *InsecureError
		if !errors.As(err, &ie) || ie.Host != "pypi.example" {
			t.Fatalf("err = %v, want InsecureError", err)
		}
		if !strings.Contains(ie.Hint(), "--trusted-host pypi.example") || !strings.Contains(err.Error(), "http://****@pypi.example/simple/") {
			t.Errorf("message %q / hint %q", err, ie.Hint())
		}
		if len(*seen) != before {
			t.Errorf("a request was sent")
		}
	})
	want := []string{"GET http://pypi.example/simple/flask/", "GET http://pypi.example/simple/"}
	if fmt.Sprint(*seen) != fmt.Sprint(want) {
		t.Errorf("proxy saw %q, want %q", *seen, want)
	}
}

func TestRedirectToInsecureRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://evil.example/x", http.StatusFound)
	}))
	defer srv.Close()
	c, _ := newTestClient(t, Options{Retries: 3}, nil)
	_, err := c.Get(t.Context(), srv.URL, nil)
	var ie *InsecureError
	if !errors.As(err, &ie) || ie.Host != "evil.example" {
		t.Fatalf("err = %v", err)
	}
}

func TestTrustedHostSkipsTLSVerification(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "secret page")
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	c, _ := newTestClient(t, Options{Retries: 3}, nil)
	_, err := c.Get(t.Context(), srv.URL, nil)
	var he *Error
	if !errors.As(err, &he) || he.Attempts != 1 || !strings.Contains(he.Hint(), "--cert") {
		t.Fatalf("untrusted: err = %v (a certificate error must not be retried)", err)
	}

	for _, th := range []string{"127.0.0.1", "127.0.0.1:" + port, "127.0.0.0/8"} {
		c, _ := newTestClient(t, Options{TrustedHosts: []string{th}}, nil)
		resp, err := c.Get(t.Context(), srv.URL, nil)
		if err != nil {
			t.Fatalf("%s: %v", th, err)
		}
		readAll(t, resp)
	}
	c, _ = newTestClient(t, Options{TrustedHosts: []string{"127.0.0.1:1"}}, nil)
	if _, err := c.Get(t.Context(), srv.URL, nil); err == nil {
		t.Fatal("a trusted host:port must not cover other ports")
	}
}

// authServer answers 200 only with the right basic credentials and 404
// otherwise (as private indexes do), recording every Authorization header.
func authServer(t *testing.T, user, pass string) (*httptest.Server, func() []string) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		if u, p, ok := r.BasicAuth(); ok && u == user && p == pass {
			io.WriteString(w, "hello "+u)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

func writeFile(t *testing.T, name, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNetrcSentUpFront(t *testing.T) {
	srv, seen := authServer(t, "alice", "s3cret")
	netrcFile := writeFile(t, "netrc", "# private index\nmachine 127.0.0.1\n  login alice\n  password \"s3cret\"\nmachine other.example login bob password x\n")
	c, _ := newTestClient(t, Options{}, env{"NETRC": netrcFile})
	resp, err := c.Get(t.Context(), srv.URL+"/simple/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, resp); got != "hello alice" {
		t.Fatalf("got %q", got)
	}
	if s := seen(); len(s) != 1 || s[0] == "" {
		t.Errorf("requests %q: want one request, with credentials", s)
	}

	// $HOME/.netrc when NETRC is not set.
	home := t.TempDir()
	os.WriteFile(filepath.Join(home, ".netrc"), []byte("machine 127.0.0.1 login alice password s3cret"), 0o600)
	c2, err := New(Options{LookupEnv: env{"HOME": home}.lookup})
	if err != nil {
		t.Fatal(err)
	}
	resp, err = c2.Get(t.Context(), srv.URL+"/simple/", nil)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
}

func TestNetrcDefaultOnlyAfter401(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		if _, _, ok := r.BasicAuth(); !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		io.WriteString(w, "in")
	}))
	defer srv.Close()
	netrcFile := writeFile(t, "netrc", "default login anon password guest\n")
	c, _ := newTestClient(t, Options{}, env{"NETRC": netrcFile})
	resp, err := c.Get(t.Context(), srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if len(seen) != 2 || seen[0] != "" || seen[1] == "" {
		t.Errorf("Authorization headers %q: want none, then the default entry", seen)
	}
}

func TestUserinfoCredentialsRememberedPerHost(t *testing.T) {
	srv, seen := authServer(t, "alice", "tok")
	c, _ := newTestClient(t, Options{}, nil)
	u := strings.Replace(srv.URL, "http://", "http://alice:tok@", 1)
	resp, err := c.Get(t.Context(), u+"/simple/flask/", nil)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	// A file linked from the index, on the same host, without userinfo.
	resp, err = c.Get(t.Context(), srv.URL+"/files/flask.whl", nil)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if s := seen(); len(s) != 2 || s[0] == "" || s[1] != s[0] {
		t.Errorf("headers %q", s)
	}
}

func TestCredentialsNotForwardedOnRedirect(t *testing.T) {
	var gotAuth atomic.Value
	gotAuth.Store("unset")
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth.Store(r.Header.Get("Authorization"))
		io.WriteString(w, "file")
	}))
	defer other.Close()
	var firstAuth atomic.Value
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/same" {
			http.Redirect(w, r, "/landed", http.StatusFound)
			return
		}
		if r.URL.Path == "/landed" {
			gotAuth.Store(r.Header.Get("Authorization"))
			io.WriteString(w, "same host")
			return
		}
		firstAuth.Store(r.Header.Get("Authorization"))
		// Same host name, another port: net/http would forward the header.
		http.Redirect(w, r, other.URL+"/files/x.whl", http.StatusFound)
	}))
	defer origin.Close()

	for _, header := range []bool{false, true} {
		c, _ := newTestClient(t, Options{}, nil)
		u := strings.Replace(origin.URL, "http://", "http://alice:tok@", 1)
		var h http.Header
		if header {
			u = origin.URL
			h = http.Header{"Authorization": {"Bearer caller-token"}}
		}
		resp, err := c.Get(t.Context(), u+"/simple/", h)
		if err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, resp); got != "file" {
			t.Fatalf("got %q", got)
		}
		if firstAuth.Load() == "" {
			t.Fatal("origin got no credentials")
		}
		if a := gotAuth.Load(); a != "" {
			t.Errorf("credentials forwarded to another host: %q", a)
		}
	}

	c, _ := newTestClient(t, Options{}, nil)
	resp, err := c.Get(t.Context(), strings.Replace(origin.URL, "http://", "http://alice:tok@", 1)+"/same", nil)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if a := gotAuth.Load(); a == "" {
		t.Errorf("a redirect on the same host lost its credentials")
	}
}

func TestRedactedInStatusError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
	}))
	defer srv.Close()
	c, _ := newTestClient(t, Options{}, nil)
	u := strings.Replace(srv.URL, "http://", "http://alice:hunter2@", 1)
	_, err := c.Get(t.Context(), u+"/simple/", nil)
	if err == nil || strings.Contains(err.Error(), "hunter2") || StatusCode(err) != 403 {
		t.Fatalf("err = %v", err)
	}
	var se *StatusError
	errors.As(err, &se)
	if se.Hint() == "" {
		t.Error("no hint for 403")
	}
}

func TestPerHostConcurrencyBound(t *testing.T) {
	var cur, peak atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		// Leave before the response is sent, so the count is exact.
		cur.Add(-1)
		io.WriteString(w, "x")
	}))
	defer srv.Close()
	c, _ := newTestClient(t, Options{MaxPerHost: 3}, nil)
	var wg sync.WaitGroup
	for i := 0; i < 24; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.Get(t.Context(), srv.URL, nil)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}()
	}
	wg.Wait()
	if p := peak.Load(); p != 3 {
		t.Errorf("peak concurrency %d, want 3", p)
	}
}

// testCA makes a CA and a certificate signed by it for client auth.
func testCA(t *testing.T) (caPEM []byte, clientPEM []byte, pool *x509.CertPool) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "gopip client"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	clientPEM = append(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	pool = x509.NewCertPool()
	pool.AddCert(caCert)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), clientPEM, pool
}

func TestClientCertAndCustomCA(t *testing.T) {
	_, clientPEM, clientCAs := testCA(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello "+r.TLS.PeerCertificates[0].Subject.CommonName)
	}))
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientCAs}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	serverCA := writeFile(t, "ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})))
	clientCert := writeFile(t, "client.pem", string(clientPEM))

	c, _ := newTestClient(t, Options{Cert: serverCA, ClientCert: clientCert}, nil)
	resp, err := c.Get(t.Context(), srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, resp); got != "hello gopip client" {
		t.Fatalf("got %q", got)
	}

	// The CA bundle from the environment, as requests reads it.
	for _, k := range []string{"REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"} {
		c, _ = newTestClient(t, Options{ClientCert: clientCert}, env{k: serverCA})
		resp, err = c.Get(t.Context(), srv.URL, nil)
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		readAll(t, resp)
	}

	// Without the client certificate the server refuses the handshake.
	c, _ = newTestClient(t, Options{Cert: serverCA}, nil)
	if _, err := c.Get(t.Context(), srv.URL, nil); err == nil {
		t.Fatal("no client certificate, yet the request succeeded")
	}

	if _, err := New(Options{Cert: filepath.Join(t.TempDir(), "missing.pem")}); err == nil || !strings.Contains(err.Error(), "invalid path") {
		t.Errorf("missing --cert: %v", err)
	}
	if _, err := New(Options{ClientCert: serverCA, NoNetrc: true}); err == nil {
		t.Error("--client-cert without a key accepted")
	}
}

func TestGetRange(t *testing.T) {
	content := strings.Repeat("0123456789", 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/norange" {
			io.WriteString(w, content)
			return
		}
		http.ServeContent(w, r, "f.whl", time.Time{}, strings.NewReader(content))
	}))
	defer srv.Close()
	c, _ := newTestClient(t, Options{}, nil)
	tests := []struct {
		start, length int64
		want          string
	}{
		{10, 5, "01234"},
		{95, 0, "56789"},
		{-3, 0, "789"},
	}
	for _, tt := range tests {
		resp, err := c.GetRange(t.Context(), srv.URL+"/f.whl", tt.start, tt.length, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _, size, _ := ContentRange(resp)
		if got := readAll(t, resp); got != tt.want || size != 100 {
			t.Errorf("range %d,%d = %q (size %d), want %q", tt.start, tt.length, got, size, tt.want)
		}
	}
	if _, err := c.GetRange(t.Context(), srv.URL+"/norange", 10, 5, nil); !errors.Is(err, ErrRangeUnsupported) {
		t.Errorf("err = %v, want ErrRangeUnsupported", err)
	}
	if _, err := c.GetRange(t.Context(), srv.URL+"/f.whl", 500, 0, nil); StatusCode(err) != 416 {
		t.Errorf("err = %v, want 416", err)
	}
}

func TestContextCancelled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	c, _ := newTestClient(t, Options{Retries: 5}, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Get(ctx, srv.URL, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

func TestUserAgent(t *testing.T) {
	var ua atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua.Store(r.Header.Get("User-Agent"))
	}))
	defer srv.Close()
	c, _ := newTestClient(t, Options{UserAgent: UserAgent("1.2.3")}, nil)
	resp, err := c.Get(t.Context(), srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if ua.Load() != "gopip/1.2.3 (+pip-compatible)" {
		t.Errorf("User-Agent %q", ua.Load())
	}
}

func TestHTTP2WhereOffered(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Proto)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	ca := writeFile(t, "ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})))
	c, _ := newTestClient(t, Options{Cert: ca}, nil)
	for i := 0; i < 2; i++ {
		resp, err := c.Get(t.Context(), srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, resp); got != "HTTP/2.0" {
			t.Errorf("server saw %s", got)
		}
	}
}
