// Package bootstrap holds the TUF roots built into gopip: the root metadata
// that PEP 458 says a package manager must ship, so that the first contact
// with a repository is already verified, with no `gopip trust add`.
//
// The roots are files in bootstrap/roots/, embedded at build time with
// go:embed, and a table, bootstrap/roots/repositories.conf, maps each index
// URL to its repository configuration and root file:
//
//	# NAME  INDEX-URL  ROOT-FILE  [metadata=URL] [targets=URL] [layout=gopip|gopip-files|warehouse] [optional]
//	corp  https://pypi.corp.example/simple/  corp.json
//
// Repositories returns them as trust.Embedded values for trust.OpenStore,
// which copies a root into the user's store on first contact with its
// index URL and replaces a stored root only with a newer one.
//
// # Embedding an organisation's root
//
// A company image can ship a gopip that trusts the company index out of the
// box:
//
//  1. Get the index's root.json off-band (from the people who run it, or
//     `gopip repo init`'s output) and check it: `gopip trust add` shows its
//     version, expiry, key ids and thresholds before storing it.
//  2. Copy it to bootstrap/roots/<name>.json and add a line to
//     bootstrap/roots/repositories.conf.
//  3. Run `go test ./bootstrap/` (every listed root must load) and rebuild.
//
// The built-in roots only start trust: each refresh rotates to the
// repository's newest root, kept in the store, and a root embedded in an
// older gopip never replaces it.
//
// # pypi.org
//
// pypi.org publishes no TUF metadata today, so no root is embedded for it.
// Its entry is in the table, marked optional: adding roots/pypi.org.json is
// the one-file change that turns it on.
package bootstrap
