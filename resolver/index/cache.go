package index

import (
	"context"
	"sync"
)

// cache runs a function once per key and keeps its result for the life of
// the cache, sharing it with every caller that asks while it runs (cmd/go's
// par.Cache, with contexts). A run that fails because its caller's context
// ended is forgotten, and callers that were waiting on it start their own.
type cache[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]*cacheEntry[V]
}

type cacheEntry[V any] struct {
	done      chan struct{}
	v         V
	err       error
	abandoned bool // f failed after its caller's context ended
}

// do returns the result of f for k, running f only when no result is
// cached or in flight. A caller whose ctx ends while it waits returns
// ctx's error.
func (c *cache[K, V]) do(ctx context.Context, k K, f func(context.Context) (V, error)) (V, error) {
	for {
		c.mu.Lock()
		if c.m == nil {
			c.m = make(map[K]*cacheEntry[V])
		}
		e, ok := c.m[k]
		if !ok {
			e = &cacheEntry[V]{done: make(chan struct{})}
			c.m[k] = e
			c.mu.Unlock()
			e.v, e.err = f(ctx)
			if e.err != nil && ctx.Err() != nil {
				e.abandoned = true
				c.mu.Lock()
				delete(c.m, k)
				c.mu.Unlock()
			}
			close(e.done)
			return e.v, e.err
		}
		c.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
		if e.abandoned && ctx.Err() == nil {
			continue // the caller that ran f gave up, this one has not
		}
		return e.v, e.err
	}
}
