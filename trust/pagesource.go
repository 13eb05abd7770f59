package trust

import (
	"context"
	"errors"
	"fmt"

	"github.com/gopip/gopip/resolver/index"
)

// PageSource returns the index.PageSource of the repository: it serves
// project pages verified by Page, marked RawPage.Verified, and reports a
// project that is not a target as index.ErrNotFound. It is safe for
// concurrent use by multiple goroutines.
func (r *Repository) PageSource() index.PageSource { return pageSource{r} }

type pageSource struct{ r *Repository }

// GetPage fetches and verifies project's page; the index argument is the
// index the page is asked of, which must be the repository's.
func (s pageSource) GetPage(ctx context.Context, ix *index.Index, project string) (*index.RawPage, error) {
	if ix != nil {
		if id, err := RepositoryID(ix.URL); err != nil || id != s.r.id {
			return nil, fmt.Errorf("repository %s cannot verify pages of the index %s", s.r.cfg.Name, ix)
		}
	}
	p, err := s.r.Page(ctx, project)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("%w: %w", index.ErrNotFound, err)
	}
	if err != nil {
		return nil, err
	}
	return &index.RawPage{
		Body:        p.Body,
		ContentType: p.ContentType,
		URL:         s.r.withCredentials(p.URL),
		Verified:    true,
	}, nil
}

// ConfigureIndex makes ix a verified index when gopip has a root for its
// URL: ix.Verified is set and ix.Pages verifies every page through the
// repository, which is returned. An index without a root is left as it is
// (pip's behaviour) and nil is returned. An error means the index has a
// root whose configuration cannot be read; the index must not be used.
func (s *Store) ConfigureIndex(ix *index.Index) (*Repository, error) {
	r, ok, err := s.ForIndex(ix.URL)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, nil
	}
	ix.Verified = true
	ix.Pages = r.PageSource()
	if ix.Name == "" {
		ix.Name = r.cfg.Name
	}
	return r, nil
}

// Request returns the download request that verifies f, a file listed on
// one of the repository's verified pages (see FileRequest); the caller
// sets Request.Dest. A file from an unverified page is refused.
func (r *Repository) Request(ctx context.Context, f *index.File) (Request, error) {
	if !f.Verified {
		return Request{}, &VerificationError{Repository: r.cfg.Name, Target: f.Filename, URL: redact(f.URL), Reason: ReasonNotTarget,
			Err: errors.New("the file was not listed on a verified page")}
	}
	return r.FileRequest(ctx, FileLink{URL: f.URL, Filename: f.Filename, Hashes: f.Hashes, Size: f.Size})
}
