package resolver

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/gopip/gopip/internal/coremeta"
	"github.com/gopip/gopip/resolver/index"
)

// IndexClient is what NewIndexProvider needs from an *index.Client.
type IndexClient interface {
	Files(ctx context.Context, project string) ([]index.File, error)
	Metadata(ctx context.Context, f index.File) (*coremeta.Metadata, []byte, error)
}

// IndexProviderOptions configure NewIndexProvider.
type IndexProviderOptions struct {
	// Target selects each release's file (tags, --only-binary and
	// --no-binary, --prefer-binary, the Python version for files'
	// Requires-Python).
	Target Target
	// IgnoreRequiresPython is --ignore-requires-python: the files'
	// Requires-Python is not checked (set Options.IgnoreRequiresPython
	// too, for the metadata's).
	IgnoreRequiresPython bool
	// FetchMetadata gets the metadata of a file the index cannot describe
	// without the whole file (index.ErrDownloadRequired): it downloads the
	// file through the verified downloader and reads a wheel's METADATA
	// (index.MetadataFromWheel) or prepares a source distribution's. It
	// must be safe for concurrent use. An error wrapping ErrUnusable skips
	// the release; any other ends the resolution, as pip stops when it
	// cannot prepare a distribution's metadata. nil makes such releases
	// unusable, with the reason in explanations.
	FetchMetadata func(ctx context.Context, f index.File) (*coremeta.Metadata, error)
}

type indexProvider struct {
	c    IndexClient
	opts IndexProviderOptions
}

// NewIndexProvider returns a Provider over the simple indexes and
// find-links locations of c. It is safe for concurrent use as long as c
// and opts.FetchMetadata are (an *index.Client is). Each release is
// represented by the file BestArtifact picks for opts.Target.
func NewIndexProvider(c IndexClient, opts IndexProviderOptions) Provider {
	return &indexProvider{c: c, opts: opts}
}

func (p *indexProvider) Versions(ctx context.Context, name string) ([]Candidate, error) {
	files, err := p.c.Files(ctx, name)
	if errors.Is(err, index.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var arts []Artifact
	for _, f := range files {
		a, ok := p.artifact(f)
		if ok {
			arts = append(arts, a)
		}
	}
	return Candidates(name, arts, p.opts.Target), nil
}

// artifact describes an index file, or reports that pip would not consider
// it at all (not a file of the project, or an sdist for another Python).
func (p *indexProvider) artifact(f index.File) (Artifact, bool) {
	if f.Kind != index.Wheel && f.Kind != index.Sdist {
		return Artifact{}, false
	}
	if f.PyVersion != "" && !p.pyVersionMatches(f.PyVersion) {
		return Artifact{}, false
	}
	a := Artifact{
		URL:          f.URL,
		Filename:     f.Filename,
		Version:      f.Version,
		Hashes:       f.Hashes,
		IsWheel:      f.Kind == index.Wheel,
		Yanked:       f.Yanked,
		YankedReason: f.YankedReason,
		Source:       f,
	}
	if f.PythonSpec != nil && !p.opts.IgnoreRequiresPython {
		a.RequiresPython = *f.PythonSpec
	}
	return a, true
}

// pyVersionMatches is pip's check of an sdist's "-pyX.Y" suffix against
// the target's "X.Y" or "X".
func (p *indexProvider) pyVersionMatches(py string) bool {
	rel := p.opts.Target.Python.Release()
	if len(rel) == 0 {
		return true
	}
	major := strconv.Itoa(rel[0])
	if py == major {
		return true
	}
	return len(rel) > 1 && py == major+"."+strconv.Itoa(rel[1])
}

func (p *indexProvider) Metadata(ctx context.Context, c Candidate) (*Metadata, error) {
	f, ok := c.Artifact.Source.(index.File)
	if !ok {
		return nil, fmt.Errorf("resolver: candidate %s %s does not come from the index provider", c.Name, c.Version)
	}
	md, _, err := p.c.Metadata(ctx, f)
	if errors.Is(err, index.ErrDownloadRequired) {
		if p.opts.FetchMetadata == nil {
			return nil, fmt.Errorf("%w: its metadata needs the whole file, which is not fetched here", ErrUnusable)
		}
		md, err = p.opts.FetchMetadata(ctx, f)
	}
	var inconsistent *index.InconsistentMetadataError
	if errors.As(err, &inconsistent) {
		return nil, fmt.Errorf("%w: %v", ErrUnusable, err)
	}
	if errors.Is(err, ErrUnusable) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("metadata of %s: %w", f.Filename, err)
	}
	return MetadataFromCore(md)
}

// Direct describes the file at a direct reference: a wheel or sdist URL
// (a "#sha256=..." fragment gives its hash). Its version comes from the
// file name.
func (p *indexProvider) Direct(ctx context.Context, name, rawURL string) (Candidate, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return Candidate{}, fmt.Errorf("invalid URL %q: %w", rawURL, err)
	}
	hashes := map[string]string{}
	if frag := u.Fragment; frag != "" {
		for _, kv := range strings.Split(frag, "&") {
			if k, v, ok := strings.Cut(kv, "="); ok && (k == "sha256" || k == "sha384" || k == "sha512") {
				hashes[k] = v
			}
		}
		u.Fragment = ""
	}
	if u.Scheme == "" {
		return Candidate{}, fmt.Errorf("direct reference %q is not a URL", rawURL)
	}
	base, err := url.PathUnescape(path.Base(u.Path))
	if err != nil {
		base = path.Base(u.Path)
	}
	f := index.File{Filename: base, URL: u.String(), Hashes: hashes}
	f.Classify(name)
	if f.Kind != index.Wheel && f.Kind != index.Sdist {
		return Candidate{}, fmt.Errorf("direct reference %s: %s", rawURL, f.Skip)
	}
	a, _ := p.artifact(f)
	// Like pip, refuse a wheel for another platform outright; the other
	// checks (Requires-Python) are the solver's.
	if a.IsWheel && p.opts.Target.Tags != nil && !p.opts.Target.Tags.Compatible(*f.Wheel) {
		return Candidate{}, fmt.Errorf("%s is not a supported wheel on this platform", base)
	}
	return Candidate{Name: name, Version: a.Version, Artifact: a, Direct: true}, nil
}
