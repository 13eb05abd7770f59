package cmd

import (
	"context"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/gopip/gopip/installer"
	"github.com/gopip/gopip/installer/installed"
	"github.com/gopip/gopip/resolver"
	"github.com/gopip/gopip/resolver/pep440"
)

// latestInfo is what list --outdated shows about a distribution: the
// newest version the indexes offer for the target, and whether its best
// file is a wheel or a source distribution.
type latestInfo struct {
	installed pep440.Version
	version   pep440.Version
	filetype  string
}

// listConcurrency bounds the projects looked up at once by list -o (the
// HTTP client also bounds the requests per host). pip looks them up one
// at a time.
const listConcurrency = 16

// latestVersions looks up every distribution's newest release on the
// indexes, concurrently, as pip's list --outdated does one by one:
// pre-releases only with --pre, a yanked release only when nothing else
// is left, and only releases with a file for the target. Distributions
// the indexes do not know, and those with a version that is not PEP 440,
// are left out.
func (g *globalOptions) latestVersions(ctx context.Context, opts *listOptions, in *installer.Interpreter, dists []*installed.Distribution) (map[*installed.Distribution]latestInfo, error) {
	settings := opts.indexOptions.settings(g.trustedHosts)
	settings.Pre = opts.pre
	sess, err := g.newSession(ctx, settings, opts.requireVerified, nil, "")
	if err != nil {
		return nil, err
	}
	target, _, err := resolverTarget(in)
	if err != nil {
		return nil, err
	}
	provider := sess.provider(target, false)
	var mu sync.Mutex
	out := map[*installed.Distribution]latestInfo{}
	eg, ctx := errgroup.WithContext(ctx)
	eg.SetLimit(listConcurrency)
	for _, d := range dists {
		v, err := pep440.Parse(d.Version)
		if err != nil {
			continue
		}
		eg.Go(func() error {
			cands, err := provider.Versions(ctx, d.CanonicalName)
			if err != nil {
				return err
			}
			best, ok := newestCandidate(cands, opts.pre)
			if !ok {
				return nil
			}
			info := latestInfo{installed: v, version: best.Version, filetype: "sdist"}
			if best.Artifact.IsWheel {
				info.filetype = "wheel"
			}
			mu.Lock()
			out[d] = info
			mu.Unlock()
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// newestCandidate is pip's best candidate for list -o: the newest
// installable release, a yanked one only when every release is yanked.
func newestCandidate(cands []resolver.Candidate, pre bool) (resolver.Candidate, bool) {
	var best resolver.Candidate
	found := false
	for _, c := range cands {
		if c.Unavailable != "" || (!pre && c.Version.IsPrerelease()) {
			continue
		}
		switch {
		case !found:
		case best.Yanked() != c.Yanked():
			if c.Yanked() {
				continue
			}
		case pep440.Compare(c.Version, best.Version) <= 0:
			continue
		}
		best, found = c, true
	}
	return best, found
}
