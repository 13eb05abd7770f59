// Package index is gopip's simple-repository client: it finds the files a
// project has on the configured indexes and --find-links locations, and the
// core metadata of a file, without downloading whole wheels when an index
// can answer otherwise.
//
// # Looking up a project
//
// A Client is made once per command from pip's index options and an
// httpx client:
//
//	c, err := index.New(index.Options{
//		Indexes: []*index.Index{
//			{URL: "https://pypi.org/simple/"},                    // --index-url
//			{URL: "https://user:token@example.com/simple/"},      // --extra-index-url
//		},
//		FindLinks: []string{"./wheelhouse"},                     // --find-links
//		HTTP:      httpClient,
//	})
//	files, err := c.Files(ctx, "Flask")
//	for _, f := range files {
//		switch f.Kind {
//		case index.Wheel: // f.Wheel.Tags, f.Version, f.RequiresPython, f.Yanked …
//		case index.Sdist: // f.Sdist, f.Version …
//		case index.Ignored: // f.Skip says why, in pip's words
//		}
//	}
//
// Every index and location is searched, concurrently, and the files are
// merged, as pip does: no index has priority over another (see
// Options.Indexes). Concurrent lookups of one project share one fetch of
// each page, and pages are cached for the life of the Client.
//
// # Pages
//
// Project pages come from a PageSource. The default one, HTTPPages, asks
// for <index>/<normalised-name>/ with pip's Accept header, which prefers
// PEP 691 JSON over PEP 503 HTML; it follows redirects (links are relative
// to the final URL) and reads a 404 as "not on this index". ParsePage
// reads either format (ParseHTML, ParseJSON) into Files: URL, hashes,
// Requires-Python, PEP 592 yanked status, PEP 658/714 metadata files, and
// PEP 700 size and upload time. Classify then sorts each File, as pip's
// link evaluator does, into a wheel of the project, an sdist of the
// project, or a link to ignore (unsupported archive format, another
// project's file, an invalid name or version).
//
// An Index whose Pages is set gets its pages from there instead. This is
// the hook for package trust, which this package does not import: trust's
// source fetches the page as a TUF target, verifies it, and returns it with
// RawPage.Verified set. An Index marked Verified refuses unverified pages
// (*UnverifiedPageError), and Client.Metadata only uses bytes the verified
// page vouches for.
//
// # Core metadata
//
// Client.Metadata tries, in order: the PEP 658 metadata file, checked
// against the page's hash (a mismatch is a *HashMismatchError, whose
// SecurityFailure method reports true); for a wheel on an unverified
// index, HTTP range requests that read the zip's central directory and
// the METADATA entry only; and otherwise returns an error wrapping
// ErrDownloadRequired, after which the caller downloads the file and reads
// it with MetadataFromWheel:
//
//	md, raw, err := c.Metadata(ctx, f)
//	if errors.Is(err, index.ErrDownloadRequired) {
//		path := download(f) // verified by package trust
//		md, raw, err = index.MetadataFromWheel(path)
//	}
//
// # Where gopip differs from pip
//
//   - A source that cannot be read (after httpx's retries), a page of an
//     unsupported Content-Type or API version, or a --find-links location
//     that does not exist is an error; pip logs and skips it.
//   - Only ".whl", ".tar.gz" and ".zip" files are candidates; pip also takes
//     ".tar.bz2", ".tar.xz", ".tgz", ".tar" and kin, which the source
//     distribution specification no longer allows.
//   - A file whose version is not PEP 440 is ignored (pip 24 and later do
//     the same; pip 23.2 still took legacy versions).
//   - HTML is read by an HTML5 tokenizer (golang.org/x/net/html), not
//     Python's html.parser: a valueless data-yanked attribute means yanked,
//     as PEP 592 says (pip reads it as absent); of a repeated attribute the
//     first counts (pip: the last); entities lacking their semicolon are
//     decoded by the HTML5 rules except in data-requires-python, decoded as
//     pip does; a relative <base href> is resolved against the page URL (pip
//     joins it as is); only UTF-8 and Latin-1 pages are read.
//   - An advertised PEP 658 file that the server does not have (404) falls
//     back to range requests; pip fails.
//   - A PEP 691 "filename" is used when present (pip derives the name from
//     the URL; they agree on every real index).
//   - A PEP 658 file must match every digest the page gives, not just one.
//   - "#egg=" fragments are not read: index pages do not use them.
package index
