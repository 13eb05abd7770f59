package index

import (
	"context"
	"errors"
	"fmt"

	"github.com/gopip/gopip/internal/pyurl"
	"github.com/gopip/gopip/resolver/pep508"
)

// Index is one simple repository, named by --index-url or --extra-index-url.
type Index struct {
	// Name names the index in messages, e.g. "pypi"; empty means its URL
	// (redacted).
	Name string
	// URL is the base URL of the simple API, e.g.
	// "https://pypi.org/simple/". It may carry credentials in its userinfo;
	// messages only ever show it through pyurl.Redact. A file: URL names a
	// local folder laid out as a static index (project/index.html).
	URL string
	// Verified marks an index whose pages must come verified from Pages
	// (package trust sets it for a repository with a TUF root). For such an
	// index a page that its PageSource does not report verified is refused,
	// and core metadata is only taken from bytes a verified page vouches
	// for: a PEP 658 file whose hash the page gives, or the verified download
	// of the whole file; never from range requests into a wheel.
	Verified bool
	// Pages fetches this index's project pages; nil means the Client's
	// default source (plain HTTP with content negotiation). Package trust
	// puts its verifying source here.
	Pages PageSource
}

// String names the index for messages: its Name, or its URL with any
// password replaced by "****".
func (ix *Index) String() string {
	if ix == nil {
		return "<no index>"
	}
	if ix.Name != "" {
		return ix.Name
	}
	return pyurl.Redact(ix.URL)
}

// ProjectURL returns the URL of project's page on the index, as pip
// builds it: the index URL joined with the PEP 503 normalised name, with
// a trailing slash ("https://pypi.org/simple/" + "Foo.Bar" →
// "https://pypi.org/simple/foo-bar/"). It carries the index's
// credentials.
func (ix *Index) ProjectURL(project string) string {
	return projectURL(ix.URL, project)
}

// PageSource fetches the bytes of one simple-index project page; project
// is the PEP 503 normalised name (the Client normalises it first).
// Implementations must be safe for concurrent use by multiple goroutines;
// the Client calls GetPage at most once per index and project while a
// run lasts (it shares and caches the result).
//
// A project the index does not have is reported with an error wrapping
// ErrNotFound, which the Client treats as "no files here", not as a
// failure. Any other error fails the lookup of that project.
type PageSource interface {
	GetPage(ctx context.Context, index *Index, project string) (*RawPage, error)
}

// RawPage is one fetched project page, before parsing.
type RawPage struct {
	// Body is the page as served.
	Body []byte
	// ContentType is the media type with its parameters, as in a
	// Content-Type header: "application/vnd.pypi.simple.v1+json",
	// "application/vnd.pypi.simple.v1+html" or "text/html; charset=utf-8".
	// Empty means: guessed from the body (JSON if it starts with "{").
	ContentType string
	// URL is the page's final URL, after redirects; relative links on the
	// page resolve against it. It may carry credentials.
	URL string
	// Verified reports that the source checked the bytes against trusted
	// metadata (TUF). It is required for a Verified index.
	Verified bool
}

// ErrNotFound reports that an index has no page for a project (HTTP 404,
// a missing folder, a target TUF does not know). PageSource
// implementations wrap it; the Client treats it as an empty page.
var ErrNotFound = errors.New("project not found")

// PageError is a failed lookup of a project on one index or find-links
// location. It names both; the location's credentials are redacted.
type PageError struct {
	// Project is the project as asked for.
	Project string
	// Location is the index (its Name or redacted URL) or the find-links
	// location.
	Location string
	// Err is the reason, e.g. an *httpx.StatusError after the retries.
	Err error
}

// Error names the project, the location and the reason.
func (e *PageError) Error() string {
	return fmt.Sprintf("looking up %q on %s: %v", e.Project, e.Location, e.Err)
}

// Unwrap returns the reason.
func (e *PageError) Unwrap() error { return e.Err }

// UnverifiedPageError reports that the page source of a Verified index
// returned a page it had not verified. Nothing from that page is used.
type UnverifiedPageError struct {
	Project string
	Index   string // the index's Name or redacted URL
}

// Error names the project and the index.
func (e *UnverifiedPageError) Error() string {
	return fmt.Sprintf("the page of %q on %s was not verified, but the index requires verification", e.Project, e.Index)
}

// SecurityFailure reports true: a verified index served bytes that could
// not be verified.
func (e *UnverifiedPageError) SecurityFailure() bool { return true }

// normalize is the PEP 503 normalised project name.
func normalize(name string) string { return pep508.NormalizeName(name) }
