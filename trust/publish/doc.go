// Package publish is the repository side of gopip ("gopip repo"): it turns
// a folder of wheels and sdists into a signed, static package index that
// any web server can host, and that gopip (or any TUF client) verifies.
//
// The folder holds PEP 503 HTML and PEP 691 JSON pages, PEP 658 .metadata
// files, and TUF metadata (PEP 458) in which each project's JSON page is a
// target, spread over hashed bins (a TAP 15 succinct delegation); the
// distribution and .metadata files are verified against the sha256 hashes
// and sizes in the signed page, as in the Warehouse/RSTUF design. The
// layout is a contract with gopip's client, package trust:
// docs/repository-layout.md.
//
// # A repository in five calls
//
// Init makes the folder and the keys, in a key folder kept apart from the
// repository ("<dir>.keys" by default): two root keys (threshold 2), a
// targets key, both offline, and one online key for snapshot, timestamp
// and the bins:
//
//	repo, err := publish.Init(ctx, "/srv/pypi", publish.InitOptions{})
//
// Add publishes files. Each file goes to packages/ under its own name,
// with its .metadata file for wheels; the project's two pages are
// rewritten, the JSON page also under its sha256-prefixed
// consistent-snapshot name; the one bin that holds the page, the snapshot
// and the timestamp are re-signed, and nothing else, whatever the size of
// the repository and the number of files added to the project:
//
//	report, err := repo.Add(ctx, "dist/demo-1.0-py3-none-any.whl", "dist/demo-1.0.tar.gz")
//	// report.Added, report.Signed ("bins-3f v2", …, "timestamp v2"), report.Written
//
// Re-adding the same file does nothing; a different file under a
// published name is a *ConflictError. Remove, Yank and Unyank work the
// same way. Later processes open the repository with its key folder:
//
//	repo, err := publish.Open("/srv/pypi", "") // key folder "/srv/pypi.keys"
//
// Refresh, run from cron, re-signs the timestamp every time and the other
// roles once less than half their period remains (one day by default for
// the online roles, a year for targets and root):
//
//	report, err := repo.Refresh(ctx, publish.RefreshOptions{PruneAfter: 7 * 24 * time.Hour})
//
// Rotate replaces keys; clients that trust an older root follow the chain
// of roots, each signed by the old and the new keys:
//
//	report, err := repo.Rotate(ctx, publish.RootKeys, publish.RotateOptions{})
//	report, err = repo.Rotate(ctx, publish.OnlineKeys, publish.RotateOptions{})
//
// Which keys each operation needs: Add, Remove, Yank and Refresh only the
// online key (<keys>/online/), so the serving machine never holds the
// offline keys; Rotate the root keys (and the targets key for the online
// key, whose delegation targets holds).
//
// # Serving
//
// Handler serves the folder with PEP 691 content negotiation on simple/
// URLs; tests build a signed repository and serve it in a few lines:
//
//	repo, _ := publish.Init(ctx, t.TempDir()+"/repo", publish.InitOptions{BinBits: 2})
//	repo.Add(ctx, wheelPath)
//	srv := httptest.NewServer(publish.Handler(repo.Dir()))
//	root, _ := repo.Root() // the trusted root a client starts from
//	// index URL srv.URL+"/simple/", TUF metadata srv.URL+"/tuf/",
//	// targets base URL srv.URL+"/"
//
// # Safety while clients read
//
// Every file is written to a temporary name in its folder, synced and
// renamed, in the order distribution files, pages, bins, targets,
// snapshot, timestamp, root: a client reading during an update sees the
// old repository or the new one. Old metadata versions and page copies
// stay (consistent snapshots need them) until RefreshOptions.PruneAfter. Operations take an
// exclusive lock (flock on .gopip/lock), so a cron refresh and an add never
// interleave.
//
// # Keys
//
// Keys are ed25519, stored as PKCS #8 PEM files (mode 0600, folders 0700),
// named after their TUF key id: what "openssl genpkey -algorithm ed25519"
// writes. A role's keys are found by key id among the files of its folder;
// keys replaced by Rotate move to <keys>/retired/.
package publish
