package resolver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gopip/gopip/internal/coremeta"
	"github.com/gopip/gopip/internal/testwheel"
	"github.com/gopip/gopip/resolver/index"
	"github.com/gopip/gopip/resolver/pep440"
	"github.com/gopip/gopip/resolver/pep508"
	"github.com/gopip/gopip/resolver/tags"
)

// TestIndexProvider resolves against a --find-links folder through
// resolver/index: wheels for several platforms, a source distribution the
// index cannot describe, a wheel with a build tag, a direct reference.
func TestIndexProvider(t *testing.T) {
	dir := t.TempDir()
	build := func(s testwheel.Spec) string { return testwheel.MustBuild(t, dir, s) }
	build(testwheel.Spec{Name: "app", Version: "1.0", Metadata: []string{"Requires-Dist: lib>=1", "Requires-Dist: winonly; sys_platform == 'win32'"}})
	build(testwheel.Spec{Name: "lib", Version: "1.0"})
	build(testwheel.Spec{Name: "lib", Version: "1.1"})
	build(testwheel.Spec{Name: "lib", Version: "1.1", Build: "2"})
	build(testwheel.Spec{Name: "lib", Version: "1.2", Tags: []string{"cp39-cp39-win_amd64"}})
	build(testwheel.Spec{Name: "lib", Version: "1.3", Metadata: []string{"Requires-Python: >=3.12"}})
	if err := os.WriteFile(filepath.Join(dir, "lib-2.0.tar.gz"), []byte("not really"), 0o644); err != nil {
		t.Fatal(err)
	}
	direct := build(testwheel.Spec{Name: "other", Version: "0.5", Metadata: []string{"Requires-Dist: lib<1.1"}})

	c, err := index.New(index.Options{FindLinks: []string{dir}, NoIndex: true})
	if err != nil {
		t.Fatal(err)
	}
	target := Target{
		Tags:   tags.NewSet([]tags.Tag{{Interpreter: "py3", ABI: "none", Platform: "any"}}),
		Python: pep440.MustParse("3.11.7"),
	}
	var fetched atomic.Int32
	p := NewIndexProvider(c, IndexProviderOptions{Target: target, FetchMetadata: func(ctx context.Context, f index.File) (*coremeta.Metadata, error) {
		fetched.Add(1)
		return nil, fmt.Errorf("%w: cannot build %s here", ErrUnusable, f.Filename)
	}})
	opts := testOptions()

	t.Run("versions", func(t *testing.T) {
		cs, err := p.Versions(context.Background(), "lib")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range cs {
			s := c.Version.String() + ":" + c.Artifact.Filename
			if c.Unavailable != "" {
				s += " (" + c.Unavailable + ")"
			}
			got = append(got, s)
		}
		want := "1.0:lib-1.0-py3-none-any.whl 1.1:lib-1.1-2-py3-none-any.whl 1.2:lib-1.2-cp39-cp39-win_amd64.whl (no wheel is compatible with the target platform) 1.3:lib-1.3-py3-none-any.whl 2.0:lib-2.0.tar.gz"
		if g := strings.Join(got, " "); g != want {
			t.Errorf("got  %s\nwant %s", g, want)
		}
		none, err := p.Versions(context.Background(), "absent")
		if err != nil || len(none) != 0 {
			t.Errorf("absent project: %v, %v", none, err)
		}
	})

	t.Run("resolve", func(t *testing.T) {
		// lib 2.0 is an sdist whose metadata cannot be had here, 1.3
		// requires a newer Python, 1.2 has no compatible wheel: 1.1, from
		// the wheel with the highest build tag.
		plan, err := Resolve(context.Background(), roots("app"), p, opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := pins(plan); got != "app==1.0 lib==1.1" {
			t.Errorf("got %s", got)
		}
		lib := planned(plan, "lib")
		if lib.Artifact.Filename != "lib-1.1-2-py3-none-any.whl" || !lib.Artifact.IsWheel || !strings.HasPrefix(lib.Artifact.URL, "file:") {
			t.Errorf("lib artifact %+v", lib.Artifact)
		}
		if lib.Metadata == nil || lib.Metadata.Core == nil || lib.Metadata.Core.Name() != "lib" {
			t.Errorf("lib metadata %+v", lib.Metadata)
		}
		if fetched.Load() == 0 {
			t.Errorf("the sdist's metadata was never asked for")
		}
	})

	t.Run("explanation", func(t *testing.T) {
		_, err := Resolve(context.Background(), roots("lib>1.1"), p, opts)
		var re *ResolutionError
		if !errors.As(err, &re) {
			t.Fatalf("got %v", err)
		}
		for _, want := range []string{"lib==1.3 requires Python >=3.12", "lib==2.0 cannot be used: cannot build lib-2.0.tar.gz here", "1.2 cannot be used: no wheel is compatible"} {
			if !strings.Contains(re.Explanation, want) {
				t.Errorf("explanation lacks %q:\n%s", want, re.Explanation)
			}
		}
	})

	t.Run("direct", func(t *testing.T) {
		u := "file://" + filepath.ToSlash(direct)
		plan, err := Resolve(context.Background(), []Root{{Requirement: pep508.MustParseRequirement("other @ " + u)}}, p, opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := pins(plan); got != "lib==1.0 other==0.5" {
			t.Errorf("got %s", got)
		}
		if o := planned(plan, "other"); !o.Direct || o.Artifact.URL != u {
			t.Errorf("other: %+v", o)
		}
		_, err = p.Direct(context.Background(), "lib", "file://"+filepath.Join(dir, "lib-1.2-cp39-cp39-win_amd64.whl"))
		if err == nil || !strings.Contains(err.Error(), "not a supported wheel") {
			t.Errorf("foreign wheel: %v", err)
		}
	})
}
