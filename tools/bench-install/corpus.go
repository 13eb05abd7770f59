package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/gopip/gopip/internal/benchutil"
	"github.com/gopip/gopip/internal/testwheel"
	"github.com/gopip/gopip/resolver/pep508"
)

// olderProjects are the projects given older releases, in order of
// preference (deep chains, compiled extensions, popular roots); those not
// installed, or whose version is not plain numbers, are passed over.
var olderProjects = []string{
	"boto3", "botocore", "s3transfer", "urllib3", "requests", "certifi", "idna", "charset-normalizer",
	"cryptography", "cffi", "pycparser", "pydantic", "jsonschema", "referencing", "rpds-py", "attrs",
	"flask", "werkzeug", "jinja2", "markupsafe", "click", "itsdangerous", "blinker", "pyyaml", "regex",
	"orjson", "wrapt", "six", "typing-extensions", "pygments", "traitlets", "moto", "cfn-lint", "docker",
	"xmltodict", "responses", "sympy", "networkx",
}

// olderPerProject is the number of older releases made per project.
const olderPerProject = 3

// release is one wheel of the corpus.
type release struct {
	name, version string // name as in METADATA, normalised by pep508.NormalizeName for lookups
	path          string
	requires      []string // Requires-Dist values
	files         int      // archive entries
	inflated      int64    // bytes of the entries (what an install writes, byte-code aside)
	sharedObjects int      // entries that are compiled extensions (.so)
}

// corpus is what the benchmark installs: the newest release of every
// distribution installed in the machine's Python (but pip and setuptools),
// and older releases of some.
type corpus struct {
	newest []*release // sorted by name
	older  []*release // grouped by project, oldest first
	roots  []string   // newest names no other newest release requires
}

// buildCorpus repacks the distributions of site into dir.
func buildCorpus(b *benchutil.Runner, site, dir string) *corpus {
	b.Check(os.MkdirAll(dir, 0o755))
	entries, err := os.ReadDir(site)
	b.Check(err)
	var names []string
	for _, e := range entries {
		base, ok := strings.CutSuffix(e.Name(), ".dist-info")
		if !ok || !e.IsDir() {
			continue
		}
		name, _, _ := strings.Cut(base, "-")
		switch pep508.NormalizeName(name) {
		case "pip", "setuptools":
			continue
		}
		names = append(names, name)
	}
	slices.Sort(names)
	older := map[string]bool{}
	for _, n := range olderProjects {
		older[n] = true
	}

	c := &corpus{newest: make([]*release, len(names))}
	oldByName := make([][]*release, len(names))
	var g errgroup.Group
	g.SetLimit(4)
	for i, name := range names {
		g.Go(func() error {
			spec, err := testwheel.RepackSpec(site, name)
			if err != nil {
				return fmt.Errorf("repacking %s: %w", name, err)
			}
			r, err := buildRelease(dir, spec)
			if err != nil {
				return err
			}
			c.newest[i] = r
			if !older[pep508.NormalizeName(name)] {
				return nil
			}
			for _, v := range olderVersions(spec.Version, olderPerProject) {
				r, err := buildRelease(dir, withVersion(spec, v))
				if err != nil {
					return err
				}
				oldByName[i] = append(oldByName[i], r)
			}
			return nil
		})
	}
	b.Check(g.Wait())
	for _, rs := range oldByName {
		slices.Reverse(rs)
		c.older = append(c.older, rs...)
	}
	c.roots = roots(b, c.newest)
	return c
}

// buildRelease writes the wheel of spec into dir.
func buildRelease(dir string, spec testwheel.Spec) (*release, error) {
	path, err := testwheel.Build(dir, spec)
	if err != nil {
		return nil, fmt.Errorf("building %s %s: %w", spec.Name, spec.Version, err)
	}
	r := &release{name: spec.Name, version: spec.Version, path: path}
	for _, list := range [][]testwheel.File{spec.Files, spec.Data, spec.DistInfoFiles} {
		for _, f := range list {
			r.files++
			r.inflated += int64(len(f.Data))
			if strings.HasSuffix(f.Path, ".so") || strings.Contains(filepath.Base(f.Path), ".so.") {
				r.sharedObjects++
			}
			if f.Path == "METADATA" {
				for _, line := range strings.Split(f.Data, "\n") {
					if line == "" {
						break // the end of the headers
					}
					if v, ok := strings.CutPrefix(line, "Requires-Dist:"); ok {
						r.requires = append(r.requires, strings.TrimSpace(v))
					}
				}
			}
		}
	}
	r.files += 2 // WHEEL and RECORD
	return r, nil
}

// withVersion returns spec as release version: the version in METADATA,
// the .dist-info name and the file name change (the way
// installer/crash_test.go's repackVersion makes an older release).
func withVersion(spec testwheel.Spec, version string) testwheel.Spec {
	old := spec.Version
	spec.Version = version
	spec.DistInfoName = strings.TrimSuffix(spec.DistInfoName, old) + version
	spec.DistInfoFiles = slices.Clone(spec.DistInfoFiles)
	for i, f := range spec.DistInfoFiles {
		if f.Path == "METADATA" {
			spec.DistInfoFiles[i].Data = strings.Replace(f.Data, "\nVersion: "+old+"\n", "\nVersion: "+version+"\n", 1)
		}
	}
	return spec
}

// olderVersions returns up to n versions below v, newest first, each
// lowering one release component and zeroing those after it:
// 2.13.4 → 2.13.3, 2.12.0, 1.0.0. Versions that are not plain numbers
// ("2.9.0.post0") get none.
func olderVersions(v string, n int) []string {
	parts := strings.Split(v, ".")
	nums := make([]int, len(parts))
	for i, p := range parts {
		x, err := strconv.Atoi(p)
		if err != nil || strconv.Itoa(x) != p {
			return nil
		}
		nums[i] = x
	}
	var out []string
	for i := len(nums) - 1; i >= 0 && len(out) < n; i-- {
		if nums[i] == 0 {
			continue
		}
		var s []string
		for j, x := range nums {
			switch {
			case j == i:
				x--
			case j > i:
				x = 0
			}
			s = append(s, strconv.Itoa(x))
		}
		out = append(out, strings.Join(s, "."))
	}
	return out
}

// roots returns the names among rels that no release of rels requires
// on this interpreter (markers evaluated without extras): installing them
// installs the rest as dependencies.
func roots(b *benchutil.Runner, rels []*release) []string {
	var env pep508.Environment
	out := b.Must(b.Python, "-c", "import json; from pip._vendor.packaging.markers import default_environment; print(json.dumps(default_environment()))")
	b.Check(json.Unmarshal([]byte(out), &env))
	required := map[string]bool{}
	for _, r := range rels {
		for _, s := range r.requires {
			req, err := pep508.ParseRequirement(s)
			b.Check(err)
			ok, err := req.Applies(env.WithExtra(""))
			b.Check(err)
			if ok {
				required[pep508.NormalizeName(req.Name)] = true
			}
		}
	}
	var names []string
	for _, r := range rels {
		if !required[pep508.NormalizeName(r.name)] {
			names = append(names, r.name)
		}
	}
	return names
}

// figures is the corpus line of the report.
func (c *corpus) figures() string {
	var files, so int
	var wheelBytes, inflated int64
	for _, r := range slices.Concat(c.newest, c.older) {
		st, err := os.Stat(r.path)
		if err == nil {
			wheelBytes += st.Size()
		}
	}
	projectsWithOlder := map[string]bool{}
	for _, r := range c.older {
		projectsWithOlder[r.name] = true
	}
	for _, r := range c.newest {
		files += r.files
		inflated += r.inflated
		so += r.sharedObjects
	}
	return fmt.Sprintf("corpus: %d distributions (%d roots), %d releases (older ones for %d projects), %.0f MB of wheels;\n"+
		"  the newest releases: %d files, %.0f MB installed (byte-code aside), %d compiled extensions (.so)\n",
		len(c.newest), len(c.roots), len(c.newest)+len(c.older), len(projectsWithOlder), float64(wheelBytes)/1e6,
		files, float64(inflated)/1e6, so)
}

// paths returns the wheel files of every release.
func (c *corpus) paths() []string {
	var out []string
	for _, r := range slices.Concat(c.newest, c.older) {
		out = append(out, r.path)
	}
	return out
}

// oldestPins returns name==version of every distribution: its oldest
// release.
func (c *corpus) oldestPins() []string {
	oldest := map[string]string{}
	for _, r := range c.older {
		if _, ok := oldest[r.name]; !ok {
			oldest[r.name] = r.version
		}
	}
	var pins []string
	for _, r := range c.newest {
		v := r.version
		if o, ok := oldest[r.name]; ok {
			v = o
		}
		pins = append(pins, r.name+"=="+v)
	}
	return pins
}
