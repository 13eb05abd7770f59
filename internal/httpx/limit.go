package httpx

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
)

// hostLimiter bounds the number of requests in flight per host:port.
type hostLimiter struct {
	n    int
	mu   sync.Mutex
	sems map[string]chan struct{}
}

func newHostLimiter(n int) *hostLimiter {
	return &hostLimiter{n: n, sems: map[string]chan struct{}{}}
}

func (l *hostLimiter) acquire(ctx context.Context, key string) (release func(), err error) {
	l.mu.Lock()
	sem, ok := l.sems[key]
	if !ok {
		sem = make(chan struct{}, l.n)
		l.sems[key] = sem
	}
	l.mu.Unlock()
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
	var once sync.Once
	return func() { once.Do(func() { <-sem }) }, nil
}

// hostKey is the canonical host:port of a request URL.
func hostKey(r *http.Request) string {
	host, port := strings.ToLower(r.URL.Hostname()), r.URL.Port()
	if port == "" {
		port = "80"
		if r.URL.Scheme == "https" {
			port = "443"
		}
	}
	return host + ":" + port
}

// limitTransport holds a slot of the request's host from the moment the
// request is sent until its body is read to the end or closed.
type limitTransport struct {
	limiter *hostLimiter
	next    http.RoundTripper
}

// RoundTrip waits for a slot of req's host, then sends req.
func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	release, err := t.limiter.acquire(req.Context(), hostKey(req))
	if err != nil {
		return nil, err
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		release()
		return nil, err
	}
	resp.Body = &releaseBody{ReadCloser: resp.Body, release: release}
	return resp, nil
}

// releaseBody releases a host slot at EOF or Close, whichever comes first.
type releaseBody struct {
	io.ReadCloser
	release func()
}

func (b *releaseBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.release()
	}
	return n, err
}

func (b *releaseBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}
