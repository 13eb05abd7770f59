package resolver

import (
	"cmp"
	"slices"
	"strings"

	"github.com/gopip/gopip/resolver/pep440"
	"github.com/gopip/gopip/resolver/pep508"
	"github.com/gopip/gopip/resolver/tags"
)

// FormatControl is pip's --no-binary and --only-binary: which projects may
// be installed from wheels, and which from source distributions.
type FormatControl struct {
	// NoBinary and OnlyBinary hold normalised project names or ":all:".
	// The command line layer resolves ":none:" and the order of the
	// options (the later one wins for a name) before filling them.
	NoBinary   []string
	OnlyBinary []string
}

// Allowed reports whether wheels and source distributions of the project
// may be used, as pip's FormatControl.get_allowed_formats decides: a name
// listed itself beats ":all:", and --only-binary is consulted first.
func (f FormatControl) Allowed(name string) (binary, source bool) {
	name = pep508.NormalizeName(name)
	switch {
	case slices.Contains(f.OnlyBinary, name):
		return true, false
	case slices.Contains(f.NoBinary, name):
		return false, true
	case slices.Contains(f.OnlyBinary, ":all:"):
		return true, false
	case slices.Contains(f.NoBinary, ":all:"):
		return false, true
	}
	return true, true
}

// Target describes the environment artifacts are chosen for.
type Target struct {
	// Tags are the target's supported wheel tags; nil accepts every
	// wheel (for tests and tools that only look at metadata).
	Tags *tags.Set
	// Python is the target interpreter's version ("3.11.7"), checked
	// against each file's Requires-Python; the zero Version skips the
	// check.
	Python pep440.Version
	// Formats is --no-binary / --only-binary.
	Formats FormatControl
	// PreferBinary is --prefer-binary: a release with a compatible wheel
	// beats a newer one with only a source distribution.
	PreferBinary bool
}

// fileRank is pip's CandidateEvaluator._sort_key for one applicable file,
// less the version: larger is better.
type fileRank struct {
	notYanked bool
	binary    bool // only counts with --prefer-binary
	tagRank   int  // -(best tag rank) for wheels, -(number of tags) for sdists
	wheel     *tags.WheelName
}

func compareRank(a, b fileRank) int {
	if a.notYanked != b.notYanked {
		if a.notYanked {
			return 1
		}
		return -1
	}
	if a.binary != b.binary {
		if a.binary {
			return 1
		}
		return -1
	}
	if c := cmp.Compare(a.tagRank, b.tagRank); c != 0 {
		return c
	}
	if a.wheel != nil && b.wheel != nil {
		return tags.CompareBuild(*a.wheel, *b.wheel)
	}
	return 0
}

// evaluate decides whether f can be installed on t, as pip's LinkEvaluator
// does, and ranks it; reason says why not.
func (t Target) evaluate(name string, f Artifact) (rank fileRank, reason string) {
	binary, source := t.Formats.Allowed(name)
	numTags := 1 << 20
	if t.Tags != nil {
		numTags = t.Tags.Len()
	}
	rank.notYanked = !f.Yanked
	if f.IsWheel {
		if !binary {
			return rank, "its wheels are excluded by --no-binary"
		}
		w, err := tags.ParseWheelFilename(f.Filename)
		if err != nil {
			return rank, "invalid wheel file name"
		}
		best := 0
		if t.Tags != nil {
			var ok bool
			if best, ok = t.Tags.Best(w.Tags); !ok {
				return rank, "no wheel is compatible with the target platform"
			}
		}
		rank.tagRank = -best
		rank.binary = t.PreferBinary
		rank.wheel = &w
	} else {
		if !source {
			return rank, "only a source distribution, excluded by --only-binary"
		}
		rank.tagRank = -numTags
	}
	if !t.Python.Equal(pep440.Version{}) && !f.RequiresPython.IsEmpty() && !f.RequiresPython.Contains(t.Python, true) {
		return rank, "requires Python " + f.RequiresPython.String()
	}
	return rank, ""
}

// BestArtifact picks the file pip would install among the files of one
// release: compatible with the target (tags, --only-binary/--no-binary,
// Requires-Python), not yanked if possible, then a wheel with
// --prefer-binary, then the wheel with the most preferred tag (any
// compatible wheel beats a source distribution), then the highest build
// tag. It reports false, with the reasons the files were rejected, when
// none qualifies.
func BestArtifact(name string, files []Artifact, t Target) (Artifact, bool, string) {
	var best Artifact
	var bestRank fileRank
	found := false
	var reasons []string
	for _, f := range files {
		rank, why := t.evaluate(name, f)
		if why != "" {
			if !slices.Contains(reasons, why) {
				reasons = append(reasons, why)
			}
			continue
		}
		if !found || compareRank(rank, bestRank) > 0 {
			best, bestRank, found = f, rank, true
		}
	}
	if !found {
		slices.Sort(reasons)
		return Artifact{}, false, strings.Join(reasons, "; ")
	}
	return best, true, ""
}

// Candidates groups the files of a project by version and picks each
// version's file with BestArtifact. Versions whose files all fail are kept,
// marked Unavailable with the reason, so that the resolver can name them
// when it explains a failure. Files with the same version written
// differently ("1.0" and "1.0.0") are one version, as in pip.
func Candidates(name string, files []Artifact, t Target) []Candidate {
	sorted := slices.Clone(files)
	slices.SortStableFunc(sorted, func(a, b Artifact) int { return pep440.Compare(a.Version, b.Version) })
	var out []Candidate
	for i := 0; i < len(sorted); {
		j := i + 1
		for j < len(sorted) && pep440.Compare(sorted[j].Version, sorted[i].Version) == 0 {
			j++
		}
		group := sorted[i:j]
		if best, ok, why := BestArtifact(name, group, t); ok {
			out = append(out, Candidate{Name: name, Version: best.Version, Artifact: best})
		} else {
			out = append(out, Candidate{Name: name, Version: group[0].Version, Artifact: group[0], Unavailable: why})
		}
		i = j
	}
	return out
}
