package publish

import "testing"

// TestGoTUFClient: what init, add, yank and remove publish is accepted by
// go-tuf's own client, which walks the succinct delegation to the right
// bin and downloads each project's JSON page by its consistent-snapshot
// name; the files and .metadata files match the hashes and sizes of the
// verified page, and are not targets themselves.
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
	checkFile(t, up, f, "demo", "demo-1.0-py3-none-any.whl")
	checkFile(t, up, f, "other", "other-2.0-py3-none-any.whl")
	for _, p := range []string{"simple/demo/index.html", "simple/index.json"} {
		if _, err := up.GetTargetInfo(p); err == nil {
			t.Errorf("%s is a target", p)
		}
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
	checkFile(t, up, f, "demo", "demo-1.0-py3-none-any.whl")
	if _, err := up.GetTargetInfo("simple/other/index.json"); err == nil {
		t.Fatal("the page of a removed project is still a target")
	}
}
