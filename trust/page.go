package trust

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// Content types of the simple API pages.
const (
	ContentTypeJSON = "application/vnd.pypi.simple.v1+json"
	ContentTypeHTML = "text/html"
)

// Page is a project's simple index page whose bytes TUF vouched for: they
// were checked against the trusted length and hashes of the page's target
// before being returned, so a page never reaches a parser unverified.
type Page struct {
	// URL is the page's URL, against which its relative links resolve
	// (without credentials).
	URL string
	// ContentType is the page's media type: ContentTypeJSON (PEP 691) for
	// the gopip layouts, the server's (normally text/html, PEP 503) for
	// the Warehouse layout.
	ContentType string
	// Body is the verified page.
	Body []byte
	// Repository is the name of the repository that vouched for it.
	Repository string
	// Target is the target path that vouched for it.
	Target string
}

// Page fetches a project's simple page and verifies it: the target of the
// layout (simple/<project>/index.json for gopip and gopip-files, <project>
// for Warehouse)
// gives the trusted length and hashes, and the page is fetched (from the
// targets URL under its consistent-snapshot name, or from the index for
// the Warehouse layout) reading no more than that length. A project that
// is not a target is a *NotFoundError (the repository has no such
// project); bytes that do not match are a *VerificationError.
func (r *Repository) Page(ctx context.Context, project string) (*Page, error) {
	name := normalizeName(project)
	tp := r.cfg.Layout.PageTarget(name)
	t, err := r.TargetInfo(ctx, tp)
	if err != nil {
		return nil, err
	}
	page := &Page{Repository: r.cfg.Name, Target: tp}
	var (
		fetchURL string
		header   http.Header
	)
	switch r.cfg.Layout {
	case LayoutWarehouse:
		page.URL = r.cfg.IndexURL + url.PathEscape(name) + "/"
		fetchURL = page.URL
		// The HTML page is the one Warehouse signs.
		header = http.Header{"Accept": {ContentTypeHTML}}
	default:
		page.URL = r.cfg.TargetsURL + "simple/" + url.PathEscape(name) + "/"
		fetchURL = targetURL(r.cfg.TargetsURL, tp, t, r.consistentSnapshot())
		page.ContentType = ContentTypeJSON
	}
	// A page the trusted metadata still lists with the digest of a page
	// verified before is read from the cache, checked again.
	if data, ok := r.cachedTarget(t); ok {
		if page.ContentType == "" {
			page.ContentType = ContentTypeHTML
		}
		page.Body = data
		return page, nil
	}
	data, resp, err := r.fetchVerified(ctx, fetchURL, header, t)
	if err != nil {
		return nil, err
	}
	if page.ContentType == "" {
		page.ContentType = ContentTypeHTML
		if ct := resp.Header.Get("Content-Type"); ct != "" {
			page.ContentType = ct
		}
	}
	page.Body = data
	r.storeTarget(t, data)
	return page, nil
}

// consistentSnapshot tells whether the trusted root asks for consistent
// snapshots (hash-prefixed target names).
func (r *Repository) consistentSnapshot() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.up == nil {
		return false
	}
	root := r.up.GetTrustedMetadataSet().Root
	return root != nil && root.Signed.ConsistentSnapshot
}

// FileLink is a distribution file (or a PEP 658 ".metadata" file) as a
// verified Page lists it.
type FileLink struct {
	// URL is the file's absolute URL (resolved against Page.URL).
	URL string
	// Filename is the file's name; empty means the last segment of URL's
	// path.
	Filename string
	// Hashes are the page's hashes of the file (PEP 503 URL fragment, PEP
	// 691 "hashes", or the core-metadata hash of a .metadata file).
	Hashes map[string]string
	// Size is the file's size from the page (PEP 700), 0 if unknown.
	Size int64
}

// FileRequest returns the download request that verifies a file linked
// from a verified page (the caller sets Request.Dest):
//
//   - in the gopip layout, the hashes of the verified page, with its PEP
//     700 size as the trusted length; the file is not looked up in the TUF
//     metadata (no bin is fetched for it), and a page that gives no size
//     for it is refused (Reason ReasonInvalid): the download could not be
//     bounded;
//   - in the gopip-files layout, when packages/<filename> is a target, its
//     trusted length and hashes together with the page's (any
//     disagreement between the two is a *VerificationError at once); when
//     it is not a target, the page's hashes and size;
//   - in the Warehouse layout, the hashes of the verified page, with the
//     page's size as length when it gives one.
//
// The page's hashes must include a strong one (sha256, sha384, sha512,
// blake2b-256), or the file is refused with Reason ReasonNotTarget.
//
// link must come from a Page this Repository returned: the page's hashes
// are trusted because the page was verified.
func (r *Repository) FileRequest(ctx context.Context, link FileLink) (Request, error) {
	name := link.Filename
	if name == "" {
		u, err := url.Parse(link.URL)
		if err != nil {
			return Request{}, fmt.Errorf("repository %s: file URL %s: %w", r.cfg.Name, redact(link.URL), err)
		}
		name = path.Base(u.Path)
	}
	pageHashes := map[string]string{}
	for algo, h := range link.Hashes {
		algo = strings.ToLower(algo)
		if SupportedHash(algo) {
			pageHashes[algo] = strings.ToLower(h)
		}
	}
	req := Request{URL: link.URL, Name: name}
	if tp, ok := r.cfg.Layout.FileTarget(name); ok {
		t, err := r.TargetInfo(ctx, tp)
		switch {
		case err == nil:
			req.Length, req.Hashes = t.Length, map[string]string{}
			for algo, h := range t.Hashes {
				req.Hashes[algo] = h
			}
			for algo, h := range pageHashes {
				if th, ok := req.Hashes[algo]; ok && th != h {
					return Request{}, &VerificationError{Repository: r.cfg.Name, Target: tp, URL: redact(link.URL), Reason: ReasonHash,
						Err: fmt.Errorf("the verified page gives %s %s, the target's metadata %s", algo, h, th)}
				}
				req.Hashes[algo] = h
			}
			if link.Size > 0 && link.Size != t.Length {
				return Request{}, &VerificationError{Repository: r.cfg.Name, Target: tp, URL: redact(link.URL), Reason: ReasonLength,
					Err: fmt.Errorf("the verified page gives a size of %d bytes, the target's metadata %d", link.Size, t.Length)}
			}
			return req, nil
		case !errors.Is(err, ErrNotFound):
			return Request{}, err
		}
	}
	strong := false
	for algo := range pageHashes {
		strong = strong || StrongHash(algo)
	}
	if !strong {
		return Request{}, &VerificationError{Repository: r.cfg.Name, Target: name, URL: redact(link.URL), Reason: ReasonNotTarget,
			Err: errors.New("the file is not a target and its verified page gives no sha256, sha384, sha512 or blake2b-256 hash for it")}
	}
	if link.Size <= 0 && r.cfg.Layout == LayoutGopip {
		return Request{}, &VerificationError{Repository: r.cfg.Name, Target: name, URL: redact(link.URL), Reason: ReasonInvalid,
			Err: errors.New("its verified page gives no size for it (PEP 700), which the gopip layout requires so that the download stops at the trusted length")}
	}
	req.Hashes, req.Length = pageHashes, max(link.Size, 0)
	return req, nil
}
