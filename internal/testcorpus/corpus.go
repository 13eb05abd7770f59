// Package testcorpus builds the package index that gopip's resolution and
// list -o comparisons with pip run on (cmd's resolve and list tests,
// tools/bench-resolve): a realistic dependency graph modelled on PyPI
// (the Flask, requests, httpx, FastAPI, pytest, rich and boto3 stacks,
// plus a deep chain of in-house "acme" packages), written as real wheels
// and source distributions and published with gopip's own repository side.
//
// The graph holds what makes resolution hard for a pip-compatible
// resolver: extras that pull other extras, markers true and false on a
// CPython 3.11 Linux machine, releases excluded by Requires-Python or by
// their wheel tags, platform wheels among which the best one must be
// chosen, yanked releases, pre-releases, exact pins between projects
// (pydantic → pydantic-core), and conflicts that need backtracking.
//
//	rels, _ := testcorpus.Parse(testcorpus.Graph)
//	repo, _ := testcorpus.Publish(ctx, dir, rels)
//	srv := httptest.NewServer(publish.Handler(repo.Dir()))
//
// The text format of Graph and Newer: a line "== name" starts a project;
// a line starting with a version starts a release, followed by options
// (python=SPEC for Requires-Python; yanked or yanked=reason; sdist to
// publish a source distribution beside the wheels, sdist-only for no
// wheel; tags=T1,T2 for wheels with those tags instead of py3-none-any,
// each T a compressed tag set as in a file name; like=V to start from the
// requirements of release V of the same project); indented lines are the
// release's requirements, "[extra] req" for an extra's.
package testcorpus

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gopip/gopip/internal/testwheel"
	"github.com/gopip/gopip/resolver/pep440"
	"github.com/gopip/gopip/trust/publish"
)

// Release is one release of a project.
type Release struct {
	Name, Version  string
	RequiresPython string
	// Requires are Requires-Dist entries without extras; Extras maps each
	// extra to its entries.
	Requires []string
	Extras   map[string][]string
	// ExtraOrder is the order the extras were declared in.
	ExtraOrder []string
	// Yanked marks every file of the release as yanked (PEP 592) with
	// YankReason.
	Yanked     bool
	YankReason string
	// Tags are the wheels' tag sets (one wheel each); none with SdistOnly.
	Tags      []string
	Sdist     bool
	SdistOnly bool
}

// Parse reads a corpus in the text format described in the package
// documentation.
func Parse(text string) ([]*Release, error) {
	var out []*Release
	var project string
	var cur *Release
	byVersion := map[string]*Release{}
	for n, line := range strings.Split(text, "\n") {
		where := func(err error) error { return fmt.Errorf("corpus line %d: %q: %w", n+1, line, err) }
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
		case strings.HasPrefix(trimmed, "== "):
			project = strings.TrimSpace(trimmed[3:])
			cur = nil
			byVersion = map[string]*Release{}
		case line[0] == ' ' || line[0] == '\t':
			if cur == nil {
				return nil, where(fmt.Errorf("a requirement outside a release"))
			}
			if strings.HasPrefix(trimmed, "[") {
				extra, req, ok := strings.Cut(trimmed[1:], "]")
				if !ok {
					return nil, where(fmt.Errorf("unclosed extra"))
				}
				if _, seen := cur.Extras[extra]; !seen {
					cur.ExtraOrder = append(cur.ExtraOrder, extra)
				}
				cur.Extras[extra] = append(cur.Extras[extra], strings.TrimSpace(req))
			} else {
				cur.Requires = append(cur.Requires, trimmed)
			}
		default:
			if project == "" {
				return nil, where(fmt.Errorf("a release before any project"))
			}
			fields := strings.Fields(trimmed)
			cur = &Release{Name: project, Version: fields[0], Extras: map[string][]string{}}
			for _, f := range fields[1:] {
				key, value, _ := strings.Cut(f, "=")
				switch key {
				case "python":
					cur.RequiresPython = value
				case "yanked":
					cur.Yanked, cur.YankReason = true, strings.ReplaceAll(value, "_", " ")
				case "sdist":
					cur.Sdist = true
				case "sdist-only":
					cur.Sdist, cur.SdistOnly = true, true
				case "tags":
					cur.Tags = strings.Split(value, ",")
				case "like":
					from := byVersion[value]
					if from == nil {
						return nil, where(fmt.Errorf("like=%s: no such release above", value))
					}
					cur.Requires = slices.Clone(from.Requires)
					cur.ExtraOrder = slices.Clone(from.ExtraOrder)
					for e, reqs := range from.Extras {
						cur.Extras[e] = slices.Clone(reqs)
					}
				default:
					return nil, where(fmt.Errorf("unknown option %q", f))
				}
			}
			if len(cur.Tags) == 0 && !cur.SdistOnly {
				cur.Tags = []string{"py3-none-any"}
			}
			byVersion[cur.Version] = cur
			out = append(out, cur)
		}
	}
	return out, nil
}

// MustParse is Parse for the corpora of this package.
func MustParse(text string) []*Release {
	rels, err := Parse(text)
	if err != nil {
		panic(err)
	}
	return rels
}

// Projects returns the distinct project names of rels, in order.
func Projects(rels []*Release) []string {
	var out []string
	for _, r := range rels {
		if !slices.Contains(out, r.Name) {
			out = append(out, r.Name)
		}
	}
	return out
}

// metadata returns the release's core metadata header lines after Name
// and Version.
func (r *Release) metadata() []string {
	lines := []string{"Summary: " + r.Name + " (gopip test corpus)"}
	if r.RequiresPython != "" {
		lines = append(lines, "Requires-Python: "+r.RequiresPython)
	}
	for _, q := range r.Requires {
		lines = append(lines, "Requires-Dist: "+q)
	}
	for _, e := range r.ExtraOrder {
		lines = append(lines, "Provides-Extra: "+e)
		for _, q := range r.Extras[e] {
			req, marker, ok := strings.Cut(q, ";")
			if ok {
				q = fmt.Sprintf("%s; (%s) and extra == %q", strings.TrimSpace(req), strings.TrimSpace(marker), e)
			} else {
				q = fmt.Sprintf("%s; extra == %q", q, e)
			}
			lines = append(lines, "Requires-Dist: "+q)
		}
	}
	return lines
}

// Write builds the release's files into dir and returns their paths:
// one wheel per tag set, and the source distribution if it has one.
func (r *Release) Write(dir string) ([]string, error) {
	var paths []string
	mod := strings.ToLower(testwheel.EscapeName(r.Name))
	for _, tag := range r.Tags {
		spec := testwheel.Spec{
			Name:     r.Name,
			Version:  r.Version,
			Metadata: r.metadata(),
			Files: []testwheel.File{{
				Path: mod + "/__init__.py",
				Data: fmt.Sprintf("__version__ = %q\n", r.Version),
			}},
			Tags: []string{tag}, // testwheel expands the set in WHEEL
		}
		if tag != "py3-none-any" {
			spec.RootIsPurelib = testwheel.Bool(false)
		}
		p, err := testwheel.Build(dir, spec)
		if err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	if r.Sdist {
		p, err := r.writeSdist(dir)
		if err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// writeSdist writes <name>-<version>.tar.gz with a PKG-INFO and a
// pyproject.toml, as a build backend would.
func (r *Release) writeSdist(dir string) (string, error) {
	base := strings.ToLower(testwheel.EscapeName(r.Name)) + "-" + r.Version
	meta := "Metadata-Version: 2.1\nName: " + r.Name + "\nVersion: " + r.Version + "\n" + strings.Join(r.metadata(), "\n") + "\n"
	files := []struct{ name, data string }{
		{base + "/PKG-INFO", meta},
		{base + "/pyproject.toml", "[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"\n"},
		{base + "/" + strings.ToLower(testwheel.EscapeName(r.Name)) + "/__init__.py", fmt.Sprintf("__version__ = %q\n", r.Version)},
	}
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	mtime := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), ModTime: mtime, Typeflag: tar.TypeReg}); err != nil {
			return "", err
		}
		if _, err := tw.Write([]byte(f.data)); err != nil {
			return "", err
		}
	}
	if err := tw.Close(); err != nil {
		return "", err
	}
	if err := gz.Close(); err != nil {
		return "", err
	}
	p := filepath.Join(dir, base+".tar.gz")
	return p, os.WriteFile(p, buf.Bytes(), 0o644)
}

// Publish writes rels into dir/dist and publishes them into a new gopip
// repository in dir/repo (keys in dir/repo.keys), yanked releases
// yanked. The repository uses 16 bins: the corpus is small.
func Publish(ctx context.Context, dir string, rels []*Release) (*publish.Repo, error) {
	repo, err := publish.Init(ctx, filepath.Join(dir, "repo"), publish.InitOptions{BinBits: 4})
	if err != nil {
		return nil, err
	}
	return repo, Add(ctx, repo, filepath.Join(dir, "dist"), rels)
}

// Add builds rels into distDir and adds them to repo, yanking the yanked
// ones.
func Add(ctx context.Context, repo *publish.Repo, distDir string, rels []*Release) error {
	if err := os.MkdirAll(distDir, 0o755); err != nil {
		return err
	}
	var files, yanked []string
	reasons := map[string]string{}
	for _, r := range rels {
		paths, err := r.Write(distDir)
		if err != nil {
			return fmt.Errorf("%s %s: %w", r.Name, r.Version, err)
		}
		files = append(files, paths...)
		if r.Yanked {
			for _, p := range paths {
				yanked = append(yanked, filepath.Base(p))
				reasons[filepath.Base(p)] = r.YankReason
			}
		}
	}
	if _, err := repo.Add(ctx, files...); err != nil {
		return err
	}
	for _, f := range yanked {
		if _, err := repo.Yank(ctx, f, reasons[f]); err != nil {
			return err
		}
	}
	return nil
}

// OldestPins returns, for every project of rels, the oldest release that
// CPython 3.11 on glibc Linux x86_64 installs from a wheel (not yanked,
// not a pre-release, Requires-Python satisfied), as name==version.
func OldestPins(rels []*Release) []string {
	python := pep440.MustParse("3.11")
	fits := func(tag string) bool {
		return tag == "py3-none-any" || strings.HasPrefix(tag, "cp311-cp311-manylinux") || strings.HasPrefix(tag, "cp38-abi3-manylinux")
	}
	var pins []string
	done := map[string]bool{}
	for _, r := range rels {
		if done[r.Name] || r.Yanked || r.SdistOnly || pep440.MustParse(r.Version).IsPrerelease() ||
			r.RequiresPython != "" && !pep440.MustParseSpecifierSet(r.RequiresPython).Contains(python, true) ||
			!slices.ContainsFunc(r.Tags, fits) {
			continue
		}
		done[r.Name] = true
		pins = append(pins, r.Name+"=="+r.Version)
	}
	return pins
}
