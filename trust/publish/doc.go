// Package publish is the repository side of gopip ("gopip repo"): it turns
// a folder of wheels and sdists into a signed, static PEP 503/691 index
// with TUF metadata (PEP 458), laid out as docs/repository-layout.md says.
package publish
