package resolver

import (
	"context"
	"sync"
	"sync/atomic"
)

// fetcher sits between the solver and the Provider. It caches every answer
// for the life of one Resolve, shares one call between the solver and a
// prefetch of the same thing, and runs prefetches in the background, at
// most limit at a time, while the solver works. The solver itself is
// single-threaded; only provider calls run concurrently.
type fetcher struct {
	p            Provider
	ctx          context.Context // cancelled when Resolve returns
	sem          chan struct{}
	wg           sync.WaitGroup
	preferBinary bool

	mu       sync.Mutex
	versionF map[string]*future[[]Candidate]
	metaF    map[string]*future[*Metadata]
	directF  map[string]*future[Candidate]

	// counters for tests and diagnostics
	versionCalls, metadataCalls, prefetched atomic.Int64
	inFlight, maxInFlight                   atomic.Int64
}

// future is one provider call, run once by whoever claims it first: the
// solver when it needs the answer now, or a background prefetch.
type future[T any] struct {
	claimed   atomic.Bool
	scheduled bool // a background goroutine has been started for it (under fetcher.mu)
	done      chan struct{}
	val       T
	err       error
	run       func(context.Context) (T, error)
}

func newFuture[T any](run func(context.Context) (T, error)) *future[T] {
	return &future[T]{done: make(chan struct{}), run: run}
}

// tryRun runs the call if nobody has claimed it; it reports whether it did.
func (fu *future[T]) tryRun(f *fetcher) bool {
	if !fu.claimed.CompareAndSwap(false, true) {
		return false
	}
	n := f.inFlight.Add(1)
	for {
		m := f.maxInFlight.Load()
		if n <= m || f.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	fu.val, fu.err = fu.run(f.ctx)
	f.inFlight.Add(-1)
	close(fu.done)
	return true
}

// await returns the result, running the call in the caller's goroutine if
// no prefetch has started it yet.
func (fu *future[T]) await(ctx context.Context, f *fetcher) (T, error) {
	if !fu.tryRun(f) {
		select {
		case <-fu.done:
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
	return fu.val, fu.err
}

func newFetcher(ctx context.Context, p Provider, limit int, preferBinary bool) *fetcher {
	if limit <= 0 {
		limit = DefaultConcurrency
	}
	return &fetcher{
		p:            p,
		ctx:          ctx,
		sem:          make(chan struct{}, limit),
		preferBinary: preferBinary,
		versionF:     map[string]*future[[]Candidate]{},
		metaF:        map[string]*future[*Metadata]{},
		directF:      map[string]*future[Candidate]{},
	}
}

// wait blocks until every background call has returned.
func (f *fetcher) wait() { f.wg.Wait() }

func (f *fetcher) versionsFuture(name string) *future[[]Candidate] {
	fu, ok := f.versionF[name]
	if !ok {
		fu = newFuture(func(ctx context.Context) ([]Candidate, error) {
			f.versionCalls.Add(1)
			return f.p.Versions(ctx, name)
		})
		f.versionF[name] = fu
	}
	return fu
}

func metaKey(c Candidate) string {
	return c.Name + "\x00" + c.Version.String() + "\x00" + c.Artifact.URL
}

func (f *fetcher) metaFuture(c Candidate) *future[*Metadata] {
	k := metaKey(c)
	fu, ok := f.metaF[k]
	if !ok {
		fu = newFuture(func(ctx context.Context) (*Metadata, error) {
			f.metadataCalls.Add(1)
			return f.p.Metadata(ctx, c)
		})
		f.metaF[k] = fu
	}
	return fu
}

func (f *fetcher) versions(ctx context.Context, name string) ([]Candidate, error) {
	f.mu.Lock()
	fu := f.versionsFuture(name)
	f.mu.Unlock()
	return fu.await(ctx, f)
}

func (f *fetcher) metadata(ctx context.Context, c Candidate) (*Metadata, error) {
	f.mu.Lock()
	fu := f.metaFuture(c)
	f.mu.Unlock()
	return fu.await(ctx, f)
}

func (f *fetcher) direct(ctx context.Context, name, url string) (Candidate, error) {
	f.mu.Lock()
	fu, ok := f.directF[url]
	if !ok {
		fu = newFuture(func(ctx context.Context) (Candidate, error) { return f.p.Direct(ctx, name, url) })
		f.directF[url] = fu
	}
	f.mu.Unlock()
	return fu.await(ctx, f)
}

// background runs fu in a goroutine once a slot is free, then calls then
// (if not nil) with the finished future.
func background[T any](f *fetcher, fu *future[T], then func(*future[T])) {
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		select {
		case f.sem <- struct{}{}:
		case <-f.ctx.Done():
			return
		}
		if f.ctx.Err() == nil && fu.tryRun(f) {
			f.prefetched.Add(1)
		}
		<-f.sem
		if then == nil {
			return
		}
		select {
		case <-fu.done:
			then(fu)
		case <-f.ctx.Done():
		}
	}()
}

// prefetchMetadata starts fetching a candidate's metadata in the background.
func (f *fetcher) prefetchMetadata(c Candidate) {
	f.mu.Lock()
	fu := f.metaFuture(c)
	start := !fu.scheduled && !fu.claimed.Load()
	fu.scheduled = true
	f.mu.Unlock()
	if start {
		background(f, fu, nil)
	}
}

// prefetchVersions starts listing a project in the background and, once
// listed, fetches the metadata of the version the solver will most likely
// try first for a requirement with the given set: the newest usable final
// release in it (or pre-release, if allowed or if there is no final one).
// When the installed version will be preferred, there is nothing to fetch.
func (f *fetcher) prefetchVersions(name string, set vset, pre, preferInstalled bool) {
	f.mu.Lock()
	fu := f.versionsFuture(name)
	start := !fu.scheduled
	fu.scheduled = true
	f.mu.Unlock()
	if !start {
		return
	}
	background(f, fu, func(fu *future[[]Candidate]) {
		if fu.err != nil || preferInstalled {
			return
		}
		if c, ok := likelyChoice(fu.val, set, pre, f.preferBinary); ok {
			f.prefetchMetadata(c)
		}
	})
}

// likelyChoice approximates the solver's first choice without its state.
func likelyChoice(found []Candidate, set vset, pre, preferBinary bool) (Candidate, bool) {
	cs := make([]*cand, 0, len(found))
	for _, c := range found {
		if c.Unavailable == "" && !c.Yanked() && set.contains(c.Version) {
			cs = append(cs, &cand{Candidate: c})
		}
	}
	sortCands(cs, preferBinary)
	for _, pass := range []bool{false, true} {
		for _, c := range cs {
			if pre || c.Version.IsPrerelease() == pass {
				return c.Candidate, true
			}
		}
		if pre {
			break
		}
	}
	return Candidate{}, false
}
