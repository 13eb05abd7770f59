package httpx

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gopip/gopip/internal/pyurl"
)

// StatusError is an HTTP response with status 400 or above (after any
// retries). Its message is pip's: "404 Client Error: Not Found for url: …".
type StatusError struct {
	// URL is the URL that answered (after redirects), credentials redacted.
	URL string
	// StatusCode is the HTTP status code, e.g. 404.
	StatusCode int
	// Reason is the reason phrase, e.g. "Not Found".
	Reason string
	// Attempts is how many requests were made (1 + retries).
	Attempts int
}

// Error formats the error as pip does, with the attempts when retried.
func (e *StatusError) Error() string {
	kind := "Client Error"
	if e.StatusCode >= 500 {
		kind = "Server Error"
	}
	msg := fmt.Sprintf("%d %s: %s for url: %s", e.StatusCode, kind, e.Reason, e.URL)
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return msg
}

// Hint suggests how to supply credentials after a 401 or 403.
func (e *StatusError) Hint() string {
	switch e.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		return "credentials can be given in the index URL (https://USER:TOKEN@host/simple/) or in ~/.netrc (machine HOST login USER password TOKEN)"
	}
	return ""
}

// StatusCode returns the HTTP status code of the *StatusError in err's
// chain, or 0 if there is none.
func StatusCode(err error) int {
	var se *StatusError
	if errors.As(err, &se) {
		return se.StatusCode
	}
	return 0
}

func newStatusError(resp *http.Response, attempts int) *StatusError {
	reason := http.StatusText(resp.StatusCode)
	if _, r, ok := strings.Cut(resp.Status, " "); ok && r != "" {
		reason = r
	}
	u := ""
	if resp.Request != nil && resp.Request.URL != nil {
		u = pyurl.Redact(resp.Request.URL.String())
	}
	return &StatusError{URL: u, StatusCode: resp.StatusCode, Reason: reason, Attempts: attempts}
}

// Error is a request that produced no usable response: a connection that
// could not be made or broke, a timeout, a certificate that failed
// verification, too many redirects.
type Error struct {
	// Method is the HTTP method, e.g. "GET".
	Method string
	// URL is the requested URL, credentials redacted.
	URL string
	// Attempts is how many requests were made (1 + retries).
	Attempts int
	// Err is the reason.
	Err error
}

// Error names the method, the URL and the reason.
func (e *Error) Error() string {
	msg := fmt.Sprintf("%s %s: %v", e.Method, e.URL, e.Err)
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return msg
}

// Unwrap returns the reason.
func (e *Error) Unwrap() error { return e.Err }

// Hint names the option that fixes the error, where one does.
func (e *Error) Hint() string {
	var (
		ua x509.UnknownAuthorityError
		he x509.HostnameError
		ci x509.CertificateInvalidError
		ve *tls.CertificateVerificationError
		te *TimeoutError
	)
	switch {
	case errors.As(e.Err, &ua), errors.As(e.Err, &ve), errors.As(e.Err, &ci):
		return "if the server uses a private certificate authority, pass its bundle with --cert (or REQUESTS_CA_BUNDLE / SSL_CERT_FILE); --trusted-host HOST skips verification for that host"
	case errors.As(e.Err, &he):
		return "the certificate does not name this host; --trusted-host HOST skips verification for that host"
	case errors.As(e.Err, &te):
		return "raise --timeout if the server is slow to answer"
	}
	return ""
}

// TimeoutError reports that the server sent nothing for the configured
// timeout: while connecting, before the response headers or in the middle of
// the body. It satisfies net.Error.
type TimeoutError struct {
	// After is the timeout that expired.
	After time.Duration
	// Phase is "connect", "response headers" or "body".
	Phase string
}

// Error says how long nothing came, and while waiting for what.
func (e *TimeoutError) Error() string {
	return fmt.Sprintf("timed out: no data for %v (waiting for %s)", e.After, e.Phase)
}

// Timeout reports true: this is a timeout.
func (e *TimeoutError) Timeout() bool { return true }

// Temporary reports true, for net.Error.
func (e *TimeoutError) Temporary() bool { return true }

// InsecureError is a plain-http URL for a host that is neither a loopback
// address nor a trusted host. pip ignores such repositories with a warning;
// gopip refuses the request.
type InsecureError struct {
	// URL is the refused URL, credentials redacted.
	URL string
	// Host is the host[:port] to pass to --trusted-host.
	Host string
}

// Error names the refused URL and its host.
func (e *InsecureError) Error() string {
	return fmt.Sprintf("refusing %s: the repository located at %s is not a trusted or secure host", e.URL, e.Host)
}

// Hint gives pip's remedy.
func (e *InsecureError) Hint() string {
	return fmt.Sprintf("if this repository is available via HTTPS, use HTTPS instead; otherwise allow it with '--trusted-host %s'", e.Host)
}

// ErrRangeUnsupported is returned (wrapped) by GetRange when the server
// answers a range request with the whole file (status 200).
var ErrRangeUnsupported = errors.New("server does not support range requests")
