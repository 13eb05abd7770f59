package resolver

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gopip/gopip/internal/coremeta"
	"github.com/gopip/gopip/resolver/pep440"
	"github.com/gopip/gopip/resolver/pep508"
)

// Provider tells the resolver which releases a project has and what each
// one requires. The resolver calls it from several goroutines at once while
// it prefetches metadata, so an implementation must be safe for concurrent
// use; it need not cache, since the resolver asks for each project's
// versions and each candidate's metadata at most once per Resolve.
//
// Errors abort the resolution, except those that wrap ErrUnusable, which
// only exclude the candidate concerned (pip "discards" a candidate whose
// metadata is broken in the same way). A context error must be returned as
// is, or wrapped, when ctx is cancelled.
type Provider interface {
	// Versions returns the releases of the project (name is PEP 503
	// normalised), one Candidate per version, in any order. A project the
	// indexes do not know has no versions: return an empty list, not an
	// error. Candidates that cannot be installed on the target (no
	// compatible file, every file excluded by Requires-Python or by
	// --only-binary) should still be listed, with Unavailable saying why,
	// so that explanations can name them; Candidates builds such a list
	// from files.
	Versions(ctx context.Context, name string) ([]Candidate, error)
	// Metadata returns the core metadata of a candidate returned by
	// Versions or Direct.
	Metadata(ctx context.Context, c Candidate) (*Metadata, error)
	// Direct returns the candidate for a direct reference ("name @ url"):
	// the one artifact at url, with the version its file name or metadata
	// gives.
	Direct(ctx context.Context, name, url string) (Candidate, error)
}

// ErrUnusable marks a Provider error that excludes one candidate rather
// than ending the resolution: metadata that cannot be parsed, or that names
// another project or version than the file it came from.
var ErrUnusable = errors.New("candidate unusable")

// Candidate is one release of a project as the resolver sees it: a version
// and the file that would be installed for it.
type Candidate struct {
	// Name is the project name as published; the resolver compares names
	// normalised.
	Name string
	// Version is the release's version.
	Version pep440.Version
	// Artifact is the file chosen for the target among the release's
	// files (see BestArtifact).
	Artifact Artifact
	// Unavailable, when not empty, says why the release cannot be
	// installed on the target ("requires Python >=3.12", "no wheel
	// compatible with this platform and --only-binary=:all:"); such a
	// candidate is never chosen and is named in explanations.
	Unavailable string
	// Direct marks the candidate of a direct reference (name @ url).
	Direct bool
}

// Yanked reports whether the candidate's file is yanked (PEP 592).
func (c Candidate) Yanked() bool { return c.Artifact.Yanked }

// Artifact is one distribution file: what the installer downloads.
type Artifact struct {
	// URL is where the file is (possibly a file: URL).
	URL string
	// Filename is the file's name.
	Filename string
	// Version is the version the file name gives.
	Version pep440.Version
	// Hashes maps hash algorithm to hex digest, as the index page gave
	// them.
	Hashes map[string]string
	// IsWheel distinguishes wheels from source distributions.
	IsWheel bool
	// RequiresPython is the file's Requires-Python from the index page;
	// the empty set when the page gave none (or an invalid one, which pip
	// ignores).
	RequiresPython pep440.SpecifierSet
	// Yanked marks a file yanked under PEP 592, YankedReason the reason
	// given.
	Yanked       bool
	YankedReason string
	// Source is the provider's own description of the file (for the index
	// provider, an index.File); the resolver passes it through untouched.
	Source any
}

// Metadata is what the resolver needs from a release's core metadata.
type Metadata struct {
	// Name and Version are the Name and Version fields.
	Name    string
	Version string
	// Requires are the Requires-Dist entries, markers included.
	Requires []*pep508.Requirement
	// RequiresPython is the Requires-Python field (the empty set when
	// absent or invalid, as pip ignores an invalid one).
	RequiresPython pep440.SpecifierSet
	// ProvidesExtra lists the Provides-Extra names.
	ProvidesExtra []string
	// Core is the parsed metadata file, passed through to the Plan (for
	// pip's installation report); it may be nil.
	Core *coremeta.Metadata
}

// MetadataFromCore reads the fields the resolver needs from a parsed core
// metadata file. An invalid Requires-Dist entry is an error wrapping
// ErrUnusable, as pip refuses such a distribution; an invalid
// Requires-Python is ignored, as pip ignores it.
func MetadataFromCore(m *coremeta.Metadata) (*Metadata, error) {
	md := &Metadata{Name: m.Name(), Version: m.Version(), Core: m}
	for _, line := range m.GetAll("Requires-Dist") {
		r, err := pep508.ParseRequirement(line)
		if err != nil {
			return nil, fmt.Errorf("%w: %s %s has an invalid Requires-Dist %q: %v", ErrUnusable, md.Name, md.Version, line, err)
		}
		md.Requires = append(md.Requires, r)
	}
	if rp := strings.TrimSpace(m.Get("Requires-Python")); rp != "" {
		if ss, err := pep440.ParseSpecifierSet(rp); err == nil {
			md.RequiresPython = ss
		}
	}
	md.ProvidesExtra = m.GetAll("Provides-Extra")
	return md, nil
}
