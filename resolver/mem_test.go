package resolver

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopip/gopip/resolver/pep440"
	"github.com/gopip/gopip/resolver/pep508"
)

// memProvider is an in-memory index for tests.
type memProvider struct {
	mu       sync.Mutex
	releases map[string][]*memRelease
	urls     map[string]*memRelease
	delay    time.Duration

	versionCalls, metadataCalls atomic.Int64
	metaSeen                    map[string]int
}

type memRelease struct {
	name           string
	version        string
	requires       []string
	requiresPython string // in the metadata
	filePython     string // data-requires-python on the index
	extras         []string
	yanked         bool
	sdist          bool
	unavailable    string
	badMetadata    bool
}

func newMem() *memProvider {
	return &memProvider{releases: map[string][]*memRelease{}, urls: map[string]*memRelease{}, metaSeen: map[string]int{}}
}

// add registers a release; requires are Requires-Dist lines.
func (m *memProvider) add(name, version string, requires ...string) *memProvider {
	return m.addRelease(&memRelease{name: name, version: version, requires: requires})
}

func (m *memProvider) addRelease(r *memRelease) *memProvider {
	n := pep508.NormalizeName(r.name)
	m.releases[n] = append(m.releases[n], r)
	return m
}

func (m *memProvider) addURL(url string, r *memRelease) *memProvider {
	m.urls[url] = r
	return m
}

func (r *memRelease) candidate(url string) Candidate {
	v := pep440.MustParse(r.version)
	a := Artifact{
		URL:      url,
		Filename: fmt.Sprintf("%s-%s-py3-none-any.whl", r.name, r.version),
		Version:  v,
		IsWheel:  !r.sdist,
		Yanked:   r.yanked,
		Hashes:   map[string]string{"sha256": "00"},
	}
	if r.sdist {
		a.Filename = fmt.Sprintf("%s-%s.tar.gz", r.name, r.version)
	}
	if r.filePython != "" {
		a.RequiresPython = pep440.MustParseSpecifierSet(r.filePython)
	}
	return Candidate{Name: r.name, Version: v, Artifact: a, Unavailable: r.unavailable}
}

func (m *memProvider) sleep(ctx context.Context) error {
	if m.delay == 0 {
		return ctx.Err()
	}
	select {
	case <-time.After(m.delay):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (m *memProvider) Versions(ctx context.Context, name string) ([]Candidate, error) {
	m.versionCalls.Add(1)
	if err := m.sleep(ctx); err != nil {
		return nil, err
	}
	var out []Candidate
	for _, r := range m.releases[name] {
		out = append(out, r.candidate("https://example.invalid/"+name+"/"+r.version))
	}
	return out, nil
}

func (m *memProvider) find(c Candidate) *memRelease {
	if r, ok := m.urls[c.Artifact.URL]; ok {
		return r
	}
	for _, r := range m.releases[pep508.NormalizeName(c.Name)] {
		if pep440.MustParse(r.version).Equal(c.Version) {
			return r
		}
	}
	return nil
}

func (m *memProvider) Metadata(ctx context.Context, c Candidate) (*Metadata, error) {
	m.metadataCalls.Add(1)
	m.mu.Lock()
	m.metaSeen[c.Name+"=="+c.Version.String()]++
	m.mu.Unlock()
	if err := m.sleep(ctx); err != nil {
		return nil, err
	}
	r := m.find(c)
	if r == nil {
		return nil, fmt.Errorf("no metadata for %s %s", c.Name, c.Version)
	}
	if r.badMetadata {
		return nil, fmt.Errorf("%w: %s %s has unreadable metadata", ErrUnusable, r.name, r.version)
	}
	md := &Metadata{Name: r.name, Version: r.version, ProvidesExtra: r.extras}
	for _, line := range r.requires {
		md.Requires = append(md.Requires, pep508.MustParseRequirement(line))
	}
	if r.requiresPython != "" {
		md.RequiresPython = pep440.MustParseSpecifierSet(r.requiresPython)
	}
	return md, nil
}

func (m *memProvider) Direct(ctx context.Context, name, url string) (Candidate, error) {
	r, ok := m.urls[url]
	if !ok {
		return Candidate{}, fmt.Errorf("nothing at %s", url)
	}
	return r.candidate(url), nil
}

func roots(reqs ...string) []Root {
	var out []Root
	for _, r := range reqs {
		out = append(out, Root{Requirement: pep508.MustParseRequirement(r), Text: r})
	}
	return out
}

var testEnv = pep508.Environment{
	"python_version": "3.11", "python_full_version": "3.11.7", "os_name": "posix",
	"sys_platform": "linux", "platform_release": "6.1", "platform_system": "Linux",
	"platform_version": "#1", "platform_machine": "x86_64", "platform_python_implementation": "CPython",
	"implementation_name": "cpython", "implementation_version": "3.11.7",
}

func testOptions() Options {
	return Options{Environment: testEnv, Python: pep440.MustParse("3.11.7")}
}

func resolve(t testing.TB, m *memProvider, opts Options, reqs ...string) (*Plan, error) {
	t.Helper()
	return Resolve(context.Background(), roots(reqs...), m, opts)
}

// pins renders a plan as "a==1 b==2", sorted.
func pins(p *Plan) string {
	var out []string
	for _, pkg := range p.Packages {
		out = append(out, pkg.Key+"=="+pkg.Version.String())
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func mustResolve(t *testing.T, m *memProvider, opts Options, reqs ...string) *Plan {
	t.Helper()
	p, err := resolve(t, m, opts, reqs...)
	if err != nil {
		t.Fatalf("resolve %v: %v", reqs, err)
	}
	return p
}

func wantPins(t *testing.T, m *memProvider, opts Options, reqs []string, want string) {
	t.Helper()
	p := mustResolve(t, m, opts, reqs...)
	if got := pins(p); got != want {
		t.Errorf("resolve %v:\n got %s\nwant %s", reqs, got, want)
	}
}

func wantError(t *testing.T, m *memProvider, opts Options, reqs []string, want string) {
	t.Helper()
	p, err := resolve(t, m, opts, reqs...)
	if err == nil {
		t.Fatalf("resolve %v: got %s, want an error", reqs, pins(p))
	}
	if got := err.Error(); got != want {
		t.Errorf("resolve %v: explanation\n%s\n--- want ---\n%s", reqs, got, want)
	}
}

func planned(p *Plan, name string) *PlannedPackage {
	i := slices.IndexFunc(p.Packages, func(x PlannedPackage) bool { return x.Key == name })
	if i < 0 {
		return nil
	}
	return &p.Packages[i]
}
