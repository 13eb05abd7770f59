package publish

import "testing"

// TestGoTUFClient: what init, add, yank and remove publish is accepted by
// go-tuf's own client, which walks the succinct delegation to the right
// bin and downloads pages, files and .metadata files by their
// consistent-snapshot names.
func TestGoTUFClient(t *testing.T) {
	f := newFixture(t, InitOptions{})
	srv := f.serve()
	metaDir := t.TempDir()

	// A new repository: every role verifies, nothing is a target yet.
	up := refreshed(t, srv, metaDir, f.root(), f.clock.Now())
	if _, err := up.GetTargetInfo("simple/demo/index.json"); err == nil {
		t.Fatal("an empty repository has a target")
	}

	f.add(f.wheel("demo", "1.0", "Requires-Python: >=3.8"), f.wheel("other", "2.0"))
	up = refreshed(t, srv, metaDir, f.root(), f.clock.Now())
	for _, p := range []string{
		"simple/demo/index.json", "simple/demo/index.html",
		"packages/demo-1.0-py3-none-any.whl", "packages/demo-1.0-py3-none-any.whl.metadata",
		"simple/other/index.json", "packages/other-2.0-py3-none-any.whl",
	} {
		checkTarget(t, up, f, p)
	}

	if _, err := f.repo.Yank(t.Context(), "demo-1.0-py3-none-any.whl", "broken"); err != nil {
		t.Fatal(err)
	}
	up = refreshed(t, srv, metaDir, f.root(), f.clock.Now())
	checkTarget(t, up, f, "simple/demo/index.json")

	if _, err := f.repo.Remove(t.Context(), "other==2.0"); err != nil {
		t.Fatal(err)
	}
	up = refreshed(t, srv, metaDir, f.root(), f.clock.Now())
	checkTarget(t, up, f, "simple/demo/index.html")
	if _, err := up.GetTargetInfo("packages/other-2.0-py3-none-any.whl"); err == nil {
		t.Fatal("a removed file is still a target")
	}
}
