package cmd

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopip/gopip/internal/pythontest"
	"github.com/gopip/gopip/internal/testwheel"
	"github.com/gopip/gopip/trust/publish"
)

// testCA is a private certificate authority, written as PEM files.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue returns a certificate signed by the CA, for a server (ip set) or
// a client, and its key and certificate as one PEM file (pip's
// --client-cert format).
func (ca *testCA) issue(t *testing.T, name string, ip net.IP) (tls.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return pair, append(keyPEM, certPEM...)
}

// transportEnv is a repository served over TLS by a private CA (and, with
// clientCA, requiring a client certificate), the PEM files a user would
// pass, and a hermetic environment to run gopip in.
type transportEnv struct {
	dir, python string
	repoDir     string
	caFile      string // the server's CA bundle
	otherCA     string // a CA that did not sign the server
	clientFile  string // key and certificate signed by the client CA
	strangerPEM string // a client certificate from an unknown CA
	environ     []string
	serverTLS   *tls.Config
	clientCAs   *x509.CertPool
}

// quietLog swallows the server's TLS handshake errors, which the tests
// provoke.
func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }

func newTransportEnv(t *testing.T) *transportEnv {
	t.Helper()
	e := &transportEnv{dir: t.TempDir(), python: pythontest.Python(t)}
	ctx := context.Background()
	repo, err := publish.Init(ctx, filepath.Join(e.dir, "repo"), publish.InitOptions{BinBits: 1})
	if err != nil {
		t.Fatal(err)
	}
	whl := testwheel.MustBuild(t, e.dir, testwheel.Spec{Name: "demo", Version: "1.0",
		Files: []testwheel.File{{Path: "demo/__init__.py", Data: "V = '1.0'\n"}}})
	if _, err := repo.Add(ctx, whl); err != nil {
		t.Fatal(err)
	}
	e.repoDir = repo.Dir()
	write := func(name string, data []byte) string {
		p := filepath.Join(e.dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	serverCA := newTestCA(t, "gopip test server CA")
	e.caFile = write("ca.pem", serverCA.pem)
	e.otherCA = write("other-ca.pem", newTestCA(t, "someone else").pem)
	clientCA := newTestCA(t, "gopip test client CA")
	_, clientPEM := clientCA.issue(t, "client", nil)
	e.clientFile = write("client.pem", clientPEM)
	_, strangerPEM := newTestCA(t, "stranger CA").issue(t, "stranger", nil)
	e.strangerPEM = write("stranger.pem", strangerPEM)
	home := filepath.Join(e.dir, "home")
	e.environ = []string{
		"HOME=" + home,
		"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_CONFIG_DIRS=" + filepath.Join(e.dir, "etc-xdg"),
		"PATH=" + os.Getenv("PATH"),
		"PIP_CONFIG_FILE=" + os.DevNull,
		"PIP_DISABLE_PIP_VERSION_CHECK=1",
		"PIP_NO_INPUT=1",
		"PYTHONDONTWRITEBYTECODE=1",
	}
	serverCert, _ := serverCA.issue(t, "127.0.0.1", net.IPv4(127, 0, 0, 1))
	e.serverTLS = &tls.Config{Certificates: []tls.Certificate{serverCert}}
	pool := x509.NewCertPool()
	pool.AddCert(clientCA.cert)
	e.clientCAs = pool
	return e
}

// serve starts the repository over TLS; requireClient asks every client
// for a certificate signed by the client CA.
func (e *transportEnv) serve(t *testing.T, requireClient bool) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(publish.Handler(e.repoDir))
	srv.TLS = e.serverTLS.Clone()
	if requireClient {
		srv.TLS.ClientAuth = tls.RequireAndVerifyClientCert
		srv.TLS.ClientCAs = e.clientCAs
	}
	srv.Config.ErrorLog = quietLog()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL + "/simple/"
}

// install runs gopip install demo into a new --target directory, with
// extra environment entries, and reports the exit code and stderr.
func (e *transportEnv) install(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	target := filepath.Join(t.TempDir(), "target")
	all := append([]string{"--python", e.python, "install", "--no-compile", "--progress-bar", "off", "--retries", "0", "--target", target}, args...)
	all = append(all, "demo")
	var out, errOut bytes.Buffer
	code := Run(context.Background(), all, append(append([]string(nil), e.environ...), env...), strings.NewReader(""), &out, &errOut)
	if code == 0 {
		if _, err := os.Stat(filepath.Join(target, "demo", "__init__.py")); err != nil {
			t.Errorf("exit 0 but demo is not installed: %v", err)
		}
	} else if entries, _ := os.ReadDir(target); len(entries) > 0 {
		t.Errorf("failed install left %d entries in the target", len(entries))
	}
	return code, out.String(), errOut.String()
}

// TestTransportTLSOptions installs from a repository served over HTTPS
// by a private CA: the CA bundle reaches the client from --cert, pip.conf
// and each environment variable pip and requests honour (PIP_CERT,
// REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, SSL_CERT_FILE), with pip's
// precedence; without it, or with the wrong one, the install fails with
// the certificate error and the remedy; --trusted-host skips the
// verification as pip does.
func TestTransportTLSOptions(t *testing.T) {
	e := newTransportEnv(t)
	index := e.serve(t, false)
	confFile := filepath.Join(e.dir, "pip.conf")
	if err := os.WriteFile(confFile, []byte("[global]\ncert = "+e.caFile+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimSuffix(strings.TrimPrefix(index, "https://"), "/simple/")
	hostOnly, _, _ := net.SplitHostPort(host)
	e.installCases(t, index, []transportCase{
		{name: "no CA", want: []string{"certificate", "--cert"}},
		{name: "--cert", args: []string{"--cert", e.caFile}, ok: true},
		{name: "--cert of another CA", args: []string{"--cert", e.otherCA}, want: []string{"certificate", "--cert"}},
		{name: "PIP_CERT", env: []string{"PIP_CERT=" + e.caFile}, ok: true},
		{name: "pip.conf cert", env: []string{"PIP_CONFIG_FILE=" + confFile}, ok: true},
		{name: "REQUESTS_CA_BUNDLE", env: []string{"REQUESTS_CA_BUNDLE=" + e.caFile}, ok: true},
		{name: "CURL_CA_BUNDLE", env: []string{"CURL_CA_BUNDLE=" + e.caFile}, ok: true},
		{name: "SSL_CERT_FILE", env: []string{"SSL_CERT_FILE=" + e.caFile}, ok: true},
		// --cert wins over the environment, as in pip (requests uses
		// the session's verify= before REQUESTS_CA_BUNDLE).
		{name: "--cert beats REQUESTS_CA_BUNDLE", env: []string{"REQUESTS_CA_BUNDLE=" + e.otherCA}, args: []string{"--cert", e.caFile}, ok: true},
		{name: "PIP_CERT beats SSL_CERT_FILE", env: []string{"SSL_CERT_FILE=" + e.otherCA, "PIP_CERT=" + e.caFile}, ok: true},
		{name: "--cert missing file", args: []string{"--cert", filepath.Join(e.dir, "nope.pem")}, want: []string{"nope.pem"}},
		{name: "--cert not PEM", args: []string{"--cert", confFile}, want: []string{"pip.conf"}},
		{name: "--trusted-host host:port", args: []string{"--trusted-host", host}, ok: true},
		{name: "--trusted-host host", args: []string{"--trusted-host", hostOnly}, ok: true},
		{name: "PIP_TRUSTED_HOST", env: []string{"PIP_TRUSTED_HOST=" + host}, ok: true},
		{name: "--trusted-host of another port", args: []string{"--trusted-host", hostOnly + ":1"}, want: []string{"certificate"}},
	})
}

// transportCase is one install of the TLS tests: the environment and
// arguments it adds, whether it must succeed, and what its stderr must
// mention when it fails.
type transportCase struct {
	name string
	env  []string
	args []string
	ok   bool
	want []string // in stderr when the install fails
}

// installCases runs each case as a subtest installing from index.
func (e *transportEnv) installCases(t *testing.T, index string, cases []transportCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := e.install(t, tc.env, append([]string{"-i", index}, tc.args...)...)
			switch {
			case tc.ok && code != 0:
				t.Fatalf("exit %d\n%s", code, stderr)
			case !tc.ok && code == 0:
				t.Fatalf("installed; want a failure")
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not mention %q:\n%s", w, stderr)
				}
			}
			if !tc.ok {
				t.Logf("stderr:\n%s", stderr)
			}
		})
	}
}

// TestTransportVerifiedOverTLS: the TUF metadata and the verified page
// travel over the same TLS client as the index, so --cert must reach the
// TUF fetcher too: a repository whose root is trusted installs over HTTPS
// with a private CA, and fails without it.
func TestTransportVerifiedOverTLS(t *testing.T) {
	e := newTransportEnv(t)
	index := e.serve(t, false)
	root, err := os.ReadFile(filepath.Join(e.repoDir, "tuf", "1.root.json"))
	if err != nil {
		t.Fatal(err)
	}
	rootFile := filepath.Join(e.dir, "root.json")
	if err := os.WriteFile(rootFile, root, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := Run(context.Background(), []string{"trust", "add", "local", "--index-url", index, "--root", rootFile, "-y"}, e.environ, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("trust add: exit %d\n%s", code, errOut.String())
	}
	// Without the CA first: once an install has filled the caches, a
	// repository that cannot be reached is used offline from them.
	if code, _, stderr := e.install(t, nil, "-i", index, "--require-verified"); code == 0 || !strings.Contains(stderr, "certificate") {
		t.Errorf("without the CA: exit %d\n%s", code, stderr)
	}
	code, stdout, stderr := e.install(t, nil, "-i", index, "--require-verified", "--cert", e.caFile)
	if code != 0 {
		t.Fatalf("verified install over TLS: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// TestTransportClientCert: a server that requires a client certificate
// gets the one --client-cert (or PIP_CLIENT_CERT, or pip.conf) names;
// without it, or with one its CA did not sign, the TLS handshake fails
// and nothing is installed.
func TestTransportClientCert(t *testing.T) {
	e := newTransportEnv(t)
	index := e.serve(t, true)
	confFile := filepath.Join(e.dir, "pip.conf")
	if err := os.WriteFile(confFile, []byte("[global]\ncert = "+e.caFile+"\nclient-cert = "+e.clientFile+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.installCases(t, index, []transportCase{
		{name: "no client certificate", args: []string{"--cert", e.caFile}, want: []string{"certificate"}},
		{name: "--client-cert", args: []string{"--cert", e.caFile, "--client-cert", e.clientFile}, ok: true},
		{name: "PIP_CLIENT_CERT", env: []string{"PIP_CLIENT_CERT=" + e.clientFile, "PIP_CERT=" + e.caFile}, ok: true},
		{name: "pip.conf", env: []string{"PIP_CONFIG_FILE=" + confFile}, ok: true},
		{name: "unknown CA's client certificate", args: []string{"--cert", e.caFile, "--client-cert", e.strangerPEM}, want: []string{"certificate"}},
		{name: "--client-cert without the key", args: []string{"--cert", e.caFile, "--client-cert", e.caFile}, want: []string{"--client-cert", "private key"}},
	})
}

// TestTransportPlainHTTP: a plain http:// index on a host that is not
// loopback is refused unless it is a --trusted-host (or PIP_TRUSTED_HOST,
// or a requirements file's --trusted-host), as pip does. The host is a
// name that does not resolve, reached through an HTTP proxy on loopback
// (--proxy), so the test needs no network; a refused request must not
// even reach the proxy.
func TestTransportPlainHTTP(t *testing.T) {
	e := newTransportEnv(t)
	var proxied atomic.Int64
	files := publish.Handler(e.repoDir)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A forward proxy receives absolute URLs.
		if r.URL.Host != "pkgs.gopip.invalid" {
			http.Error(w, "unexpected host "+r.URL.Host, http.StatusBadGateway)
			return
		}
		proxied.Add(1)
		r2 := r.Clone(r.Context())
		r2.URL = &url.URL{Path: r.URL.Path, RawQuery: r.URL.RawQuery}
		r2.RequestURI = r.URL.RequestURI()
		files.ServeHTTP(w, r2)
	}))
	t.Cleanup(proxy.Close)
	index := "http://pkgs.gopip.invalid/simple/"
	reqFile := filepath.Join(e.dir, "requirements.txt")
	if err := os.WriteFile(reqFile, []byte("--trusted-host pkgs.gopip.invalid\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		ok   bool
	}{
		{name: "refused"},
		{name: "another host trusted", args: []string{"--trusted-host", "other.gopip.invalid"}},
		{name: "--trusted-host", args: []string{"--trusted-host", "pkgs.gopip.invalid"}, ok: true},
		{name: "--trusted-host host:80", args: []string{"--trusted-host", "pkgs.gopip.invalid:80"}, ok: true},
		{name: "--trusted-host host:8080", args: []string{"--trusted-host", "pkgs.gopip.invalid:8080"}},
		{name: "PIP_TRUSTED_HOST", env: []string{"PIP_TRUSTED_HOST=other.gopip.invalid pkgs.gopip.invalid"}, ok: true},
		{name: "requirements file", args: []string{"-r", reqFile}, ok: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := proxied.Load()
			code, _, stderr := e.install(t, tc.env, append([]string{"-i", index, "--proxy", proxy.URL}, tc.args...)...)
			if tc.ok {
				if code != 0 {
					t.Fatalf("exit %d\n%s", code, stderr)
				}
				if proxied.Load() == before {
					t.Errorf("installed without going through the proxy")
				}
				return
			}
			if code == 0 {
				t.Fatal("installed from a plain-http index that is not trusted")
			}
			for _, w := range []string{"pkgs.gopip.invalid", "--trusted-host"} {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not mention %q:\n%s", w, stderr)
				}
			}
			if n := proxied.Load() - before; n != 0 {
				t.Errorf("%d refused requests reached the proxy", n)
			}
			t.Logf("stderr:\n%s", stderr)
		})
	}
}
