package installer

import (
	"context"
	"sync"
	"sync/atomic"
)

// forEach calls fn(0) … fn(n-1) on at most workers goroutines, in index
// order of start. The first error (or ctx's, once it is cancelled) wins:
// calls not yet started are skipped, calls running are waited for, and
// that error is returned. fn must be safe for simultaneous use.
//
// Workers take the next index from a counter rather than a channel: the
// calls are often short (a small file), and a channel hand-off per call
// costs more scheduler wake-ups than the call itself.
func forEach(ctx context.Context, workers, n int, fn func(i int) error) error {
	if workers > n {
		workers = n
	}
	if workers < 1 {
		workers = 1
	}
	var (
		next     atomic.Int64
		failed   atomic.Bool
		errOnce  sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err })
		failed.Store(true)
	}
	work := func() {
		defer wg.Done()
		for !failed.Load() {
			i := int(next.Add(1) - 1)
			if i >= n {
				return
			}
			if err := ctx.Err(); err != nil {
				fail(err)
				return
			}
			if err := fn(i); err != nil {
				fail(err)
				return
			}
		}
	}
	wg.Add(workers)
	for g := 1; g < workers; g++ {
		go work()
	}
	work()
	wg.Wait()
	return firstErr
}
