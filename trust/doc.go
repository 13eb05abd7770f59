// Package trust decides whether a file may reach a Python environment, and
// moves its bytes. Its motto: TUF decides what is trustworthy; gopip decides
// how bytes move.
//
// The package has two halves that meet in one value, the trusted target
// information of a file: its length and its hashes.
//
// # What is trustworthy
//
// For a repository that publishes TUF metadata (PEP 458), an updater built
// on github.com/theupdateframework/go-tuf/v2 refreshes the top-level
// metadata and answers, for a target path, with that file's trusted length
// and hashes. A repository that signs only its simple index pages (the
// Warehouse/RSTUF layout) vouches for the page, and the page's hash for each
// distribution becomes the trusted hash. A repository without a root falls
// back to pip's behaviour: the hashes of the index page and of --hash.
//
// A Store keeps what gopip trusts, one folder per repository under
// $XDG_DATA_HOME/gopip/repositories, named by a hash of the index URL
// (RepositoryID): the Config and the trusted metadata, private to the user
// and replaced atomically. Roots come from `gopip trust add` (Store.Add,
// after ParseRoot shows them) or are built into gopip (package bootstrap,
// StoreOptions.Embedded), copied into the Store on first contact and never
// replaced by an older root. A command opens the Store once and asks it for
// the repository of each index:
//
//	store, err := trust.OpenStore(trust.StoreOptions{
//		Dir:      filepath.Join(dataHome, "repositories"),
//		Client:   client,                  // the same *httpx.Client
//		Embedded: builtIn,                 // from bootstrap.Repositories()
//	})
//	repo, err := store.ConfigureIndex(ix) // ix *index.Index: Verified, Pages
//	// resolver/index now gets every page of ix through repo.PageSource():
//	// fetched as a TUF target and verified before it is parsed.
//	req, err := repo.Request(ctx, &file) // a file listed on a verified page
//	req.Dest = filepath.Join(staging, file.Filename)
//	results, err := downloader.Fetch(ctx, reqs)
//
// A Repository wraps one go-tuf Updater (metadata/updater) behind a mutex:
// the Updater is not safe for concurrent use, while TargetInfo, Page and
// FileRequest may be called from many goroutines. The first of them runs
// TUF's refresh (root rotation, timestamp, snapshot, targets) once per
// Repository, that is once per gopip run; delegated hash bins (TAP 15
// succinct roles) are fetched as lookups need them and cached on disk.
// go-tuf fetches metadata through a fetcher of this package over the
// httpx.Client (proxies, certificates, credentials, retries), never
// http.DefaultClient; it reads no more than each file's maximum length, and
// reads a 403 as a missing file so that root rotation ends on S3.
// OpenRepository runs the same client over a plain folder of trusted
// metadata, outside the Store: the layout of the TUF conformance suite's
// client protocol, which gopip's hidden tuf-conformance command speaks.
//
// Which files are targets depends on the repository's Layout. LayoutGopip
// (what `gopip repo` publishes, docs/repository-layout.md): the project
// page simple/<project>/index.json is the one target of a project, fetched
// under its consistent-snapshot name, and its files are checked against
// the sha256 and the size the verified page gives, never looked up as
// targets: installing N projects fetches at most N bins. LayoutGopipFiles
// is the same for a repository that also signs its files as targets
// packages/<filename>: a file that is one is checked against its target
// information and its page. LayoutWarehouse (Warehouse/RSTUF): the target
// <project> vouches for the HTML page served by the index, whose hashes
// then vouch for the files.
//
// Every verification failure is a *VerificationError naming the
// repository, the role or target, and the Reason (expired, signature,
// rollback, mismatch, length, hash, not-target, invalid); it wraps go-tuf's
// typed error (errors.Is(err, &metadata.ErrExpiredMetadata{}) …) or this
// package's *HashMismatchError or *LengthError. A target the metadata does
// not list is a *NotFoundError (errors.Is(err, ErrNotFound)). Network
// failures are *FetchError values, not verification failures; with
// StoreOptions.AllowOffline a repository that cannot be reached is used from
// its still-valid cache, and StoreOptions.Offline is told so.
//
// # How bytes move
//
// The Downloader takes that information and does the transfer itself, never
// go-tuf: go-tuf's DownloadTarget holds whole files in memory and knows only
// sha256 and sha512, and pip's attempt to let TUF own downloads cost it
// progress bars, proxies and threads. A Downloader is made once per command:
//
//	d := trust.NewDownloader(client, trust.DownloaderOptions{
//		Concurrency: 8,        // files in flight at once
//		Progress:    renderer, // internal/progress; nil for none
//	})
//	results, err := d.Fetch(ctx, []trust.Request{{
//		URL:    "https://files.example/flask-3.1.3-py3-none-any.whl",
//		Dest:   filepath.Join(staging, "flask-3.1.3-py3-none-any.whl"),
//		Length: info.Length,                          // trusted; 0 if unknown
//		Hashes: map[string]string{"sha256": "a1b2…"}, // trusted
//	}})
//
// For each file it:
//
//   - streams the body to a temporary file in the destination's folder,
//     hashing with every algorithm given (and sha256 always, returned in the
//     Result so callers can record what they installed);
//   - with a trusted length, refuses a Content-Length above it before
//     reading, reads at most length+1 bytes and writes at most length (the
//     endless-data attack ends with a *LengthError after one byte too many),
//     and treats a body that ends early as a *LengthError too;
//   - on a broken connection (reset, unexpected EOF, the client's read
//     timeout) resumes with a Range request from the byte where it stopped,
//     guarded by If-Range, or starts over when the server cannot resume;
//     each break uses one of the client's --retries;
//   - verifies the length and every hash, then renames the file into place
//     (after an fsync when DownloaderOptions.Sync is set, for persistent
//     caches): the destination only ever holds a verified file. On any
//     failure, cancellation included, the temporary file is removed.
//
// Identical requests (same URL and destination) made while one is in
// flight share its transfer, as cmd/go's par.Cache shares work, and each is
// still checked against its own expectations. Concurrency is bounded per
// Downloader, and the httpx.Client bounds requests per host on top.
//
// # Errors
//
// A file that fails verification yields a *HashMismatchError or a
// *LengthError. Both have a SecurityFailure method returning true, which
// package cmd maps to its SECURITY ERROR banner and exit code; nothing is
// installed after one. Other failures (network, disk, a malformed request)
// are ordinary errors naming the file and the URL, with credentials
// redacted.
//
// # Hash algorithms
//
// A Request may name md5, sha1, sha224, sha256, sha384, sha512 (the
// algorithms pip reads from index URL fragments) and blake2b-256 (TUF's
// name, used by the Warehouse/RSTUF layout, which go-tuf's own verifier does
// not know). Every algorithm given must match. An unknown algorithm is an
// error, not ignored: callers filter what they do not mean to verify.
// StrongHash tells which algorithms may vouch for a file alone in
// hash-checking mode (pip accepts sha256, sha384 and sha512 in --hash).
package trust
