// Package httpx is gopip's HTTP client: one *http.Client, configured the way
// pip's network options describe, shared by the index client, the TUF
// fetcher and the downloader.
//
// A Client is built once per command from pip's options and is safe for
// simultaneous use by multiple goroutines:
//
//	c, err := httpx.New(httpx.Options{
//		UserAgent:    httpx.UserAgent(cmd.Version),
//		Timeout:      15 * time.Second, // --timeout
//		Retries:      5,                // --retries (0 means none)
//		Proxy:        proxyFlag,        // --proxy, else HTTP(S)_PROXY / NO_PROXY
//		Cert:         certFlag,         // --cert, else REQUESTS_CA_BUNDLE / SSL_CERT_FILE
//		ClientCert:   clientCertFlag,   // --client-cert: one PEM file, key and certificate
//		TrustedHosts: trustedHosts,     // --trusted-host host[:port]
//	})
//	resp, err := c.Get(ctx, "https://user:token@index.example/simple/flask/", nil)
//
// What the client does for every request:
//
//   - Timeout is pip's socket timeout: it bounds connecting, the TLS
//     handshake, the wait for response headers and every single read of the
//     body, never the whole transfer. A 1 GB download does not time out while
//     bytes flow; a server that sends nothing for Timeout does.
//   - Retries: connection errors, timeouts before the response, and the
//     statuses 429, 500, 502, 503, 504, 520 and 527 are retried up to Retries
//     times with exponential backoff (RetryBaseDelay × 2ⁿ, with jitter, at
//     most 10 s) or after the server's Retry-After (at most one minute;
//     a longer Retry-After ends the retries). pip retries 500, 503, 520 and
//     527; 429, 502 and 504 are as transient behind proxies and CDNs.
//     Retries happen only before a body is handed to the caller: a transfer
//     that breaks mid-body is resumed by the caller (package trust does so
//     with GetRange).
//   - Plain http:// is refused with an *InsecureError unless the host is a
//     loopback address (pip's secure origins include localhost, 127.0.0.0/8
//     and ::1) or listed in TrustedHosts. A trusted host is also fetched over
//     https without certificate verification, exactly as pip does. A host
//     entry without a port matches every port of that host; with a port,
//     only that port. Redirects are checked the same way.
//   - Credentials come from the URL's userinfo, from credentials seen earlier
//     for the same host[:port] (an index URL's credentials apply to the files
//     it links on the same host, as in pip) and from ~/.netrc ($NETRC names
//     another file). They are sent with the first request, not after a 401
//     as some pip versions do: a private index that answers 404 to anonymous
//     clients still works. Credentials are only ever sent to the host they
//     belong to: on a redirect to another host the Authorization header is
//     removed (stricter than net/http, which keeps it for subdomains), and the
//     new host gets only its own credentials. The netrc "default" entry
//     belongs to no host in particular, so it is sent only in answer to a 401.
//   - At most MaxPerHost requests (default 10) are in flight per host:port at
//     a time, counting a request from the moment it is sent until its body is
//     read to the end or closed. uv's 50 parallel requests trip rate limits on
//     Artifactory and corporate proxies; 10 keeps a cold resolve fast
//     without looking like an attack. Connections are kept alive and reused
//     (MaxPerHost idle connections per host), and HTTP/2 is used where the
//     server offers it.
//   - Proxies: Options.Proxy is used for every request, as pip's --proxy is.
//     Without it, http_proxy, https_proxy and all_proxy (lower case first, as
//     Python reads them) and no_proxy apply. Loopback addresses never go
//     through an environment proxy: the proxy's loopback is not ours.
//   - Certificates: Cert (pip's --cert) replaces the system roots; without
//     it REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE or SSL_CERT_FILE name the bundle,
//     else the system roots are used. A bundle may be a PEM file or a folder
//     of PEM files.
//
// Errors name the URL with any password replaced by "****" (pyurl.Redact,
// as pip's redact_auth_from_url shows it). A response with status 400 or
// above is a *StatusError carrying the code; a request that produced no
// response is an *Error (Hint suggests --cert, --trusted-host or --timeout
// where one applies); a refused plain-http URL is an *InsecureError.
package httpx
