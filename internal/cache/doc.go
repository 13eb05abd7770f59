// Package cache is gopip's persistent cache: the directory --cache-dir
// names (default $XDG_CACHE_HOME/gopip), shared by every gopip process of
// a user, and what `gopip cache` shows and cleans.
//
// # Layers
//
// Each layer is a folder of the cache directory:
//
//	http/          index pages with their HTTP validators (ETag,
//	               Last-Modified), revalidated on every use as pip does
//	               (package index decides what goes in)
//	http/blobs/    small verified files by digest: TUF-verified index
//	               pages and PEP 658 metadata files
//	files/         verified distribution files (wheels, sdists) by sha256:
//	               files/sha256/ab/abcd…/<filename>
//	unpacked/      wheels extracted and verified against their RECORD, by
//	               the wheel's sha256 (package installer decides what is in
//	               an entry): unpacked/sha256/ab/abcd…/, with the files in
//	               tree/ and the byte-code compiled from them in pyc/
//	wheels/        wheels built from sdists (package installer/build)
//	interpreters/  the facts gopip learned from each interpreter
//
// # Concurrency
//
// Many gopip processes may use one cache at once; nothing here takes a
// lock. Every entry is written to a temporary name in its final folder and
// renamed into place, so a reader sees a whole entry or none: the
// content-addressed layers (files, blobs, unpacked trees) cannot have two
// different right answers for one name, and for keyed records (pages) the
// last writer wins with a whole record. Removing an entry renames it away
// first, so that a reader never sees half of one.
//
// # Trust
//
// The cache never vouches for anything. What is read back is checked again
// by whoever reads it, against what the current run trusts: a file or blob
// by its expected digests (Blob does it for blobs), a page through the
// same checks as a fetched one, an unpacked tree file by file against the
// RECORD of the verified wheel. A cache entry that fails is removed and
// fetched again; caching never weakens verification.
package cache
