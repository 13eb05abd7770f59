package testcorpus

import (
	"strings"
	"testing"

	"github.com/gopip/gopip/resolver/pep440"
	"github.com/gopip/gopip/resolver/pep508"
)

// TestGraphParses checks that every release of the corpus is well formed:
// a PEP 440 version, PEP 508 requirements, a Requires-Python specifier.
func TestGraphParses(t *testing.T) {
	for name, text := range map[string]string{"Graph": Graph, "Newer": Newer} {
		rels, err := Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		files := 0
		for _, r := range rels {
			files += len(r.Tags)
			if r.Sdist {
				files++
			}
			if _, err := pep440.Parse(r.Version); err != nil {
				t.Errorf("%s: %s %s: %v", name, r.Name, r.Version, err)
			}
			if r.RequiresPython != "" {
				if _, err := pep440.ParseSpecifierSet(r.RequiresPython); err != nil {
					t.Errorf("%s: %s %s: %v", name, r.Name, r.Version, err)
				}
			}
			for _, line := range r.metadata() {
				if q, ok := strings.CutPrefix(line, "Requires-Dist: "); ok {
					if _, err := pep508.ParseRequirement(q); err != nil {
						t.Errorf("%s: %s %s: %v", name, r.Name, r.Version, err)
					}
				}
			}
		}
		t.Logf("%s: %d projects, %d releases, %d files", name, len(Projects(rels)), len(rels), files)
	}
}
