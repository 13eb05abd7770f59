package cmd

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/gopip/gopip/internal/httpx"
	"github.com/gopip/gopip/internal/pyurl"
	"github.com/gopip/gopip/resolver"
	"github.com/gopip/gopip/resolver/index"
	"github.com/gopip/gopip/resolver/pep440"
	"github.com/gopip/gopip/resolver/pep508"
	"github.com/gopip/gopip/resolver/reqfile"
)

// requirementSet is what the user asked for: the command line's
// requirements and those of -r files (the resolver's roots), the -c
// constraints, the index settings after every file's option lines, and
// hash-checking mode with the hashes each project may have.
type requirementSet struct {
	roots       []resolver.Root
	constraints []resolver.Root
	settings    reqfile.Settings
	hashMode    bool
	// hashes maps a normalised project name to the allowed
	// "algo:digest" values of its --hash options.
	hashes map[string][]string
	// unnamed are the roots given as a project directory or an archive
	// whose name only its metadata gives; nameProjects fills them in.
	unnamed []unnamedRoot
	// editable marks the roots (by index) given with -e.
	editable map[int]bool
}

// editableDirs returns the project directories of the editable roots, by
// normalised name.
func (rs *requirementSet) editableDirs() map[string]string {
	out := map[string]string{}
	for i := range rs.editable {
		if r := rs.roots[i].Requirement; r != nil {
			out[pep508.NormalizeName(r.Name)] = fileURLPath(r.URL)
		}
	}
	return out
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// unnamedRoot is a root whose Requirement is not known yet.
type unnamedRoot struct {
	index int // in roots
	entry *reqfile.Entry
}

// requirementSources are the command's inputs.
type requirementSources struct {
	args        []string
	files       []string // -r
	constraints []string // -c
	editables   []string // -e
}

// collectRequirements reads the requirements in pip's order (constraints
// files, then arguments, then editables, then requirements files), each
// requirements file starting from the settings the previous ones left.
func (g *globalOptions) collectRequirements(ctx context.Context, src requirementSources, settings reqfile.Settings) (*requirementSet, error) {
	rs := &requirementSet{settings: settings, hashes: map[string][]string{}, hashMode: settings.RequireHashes}
	cwd := g.cwd()
	getter := reqfile.GetterFunc(func(ctx context.Context, url string) ([]byte, string, error) {
		client, err := g.httpClientWith(rs.settings.TrustedHosts)
		if err != nil {
			return nil, "", err
		}
		return getURL(ctx, client, url)
	})
	parse := func(name string, constraint bool) error {
		f, err := reqfile.Parse(ctx, name, reqfile.Options{
			Dir:        cwd,
			Getenv:     g.getenv,
			Getter:     getter,
			Constraint: constraint,
			Settings:   rs.settings,
		})
		if err != nil {
			return err
		}
		for _, w := range f.Warnings {
			g.warn(w.String())
		}
		rs.settings = f.Settings
		rs.hashMode = rs.hashMode || f.HashCheckingMode
		for _, e := range f.Requirements() {
			if err := rs.add(e, e.Origin.String()); err != nil {
				return err
			}
		}
		return nil
	}
	for _, c := range src.constraints {
		if err := parse(c, true); err != nil {
			return nil, err
		}
	}
	for _, args := range []struct {
		list     []string
		editable bool
	}{{src.args, false}, {src.editables, true}} {
		for _, a := range args.list {
			e, warnings, err := reqfile.ParseArg(cwd, a, args.editable)
			if err != nil {
				return nil, err
			}
			for _, w := range warnings {
				g.warn(w)
			}
			if err := rs.add(e, ""); err != nil {
				return nil, err
			}
		}
	}
	for _, r := range src.files {
		if err := parse(r, false); err != nil {
			return nil, err
		}
	}
	if rs.hashMode {
		if err := rs.checkPinned(); err != nil {
			return nil, err
		}
	}
	return rs, nil
}

// add turns one entry into a root or a constraint.
func (rs *requirementSet) add(e *reqfile.Entry, origin string) error {
	if e.Kind == reqfile.KindEditable {
		if e.Path == "" || !isDir(e.Path) {
			return fmt.Errorf("cannot install %s in editable mode: gopip installs local project directories in editable mode (PEP 660), not version control URLs", e.Text)
		}
		if rs.editable == nil {
			rs.editable = map[int]bool{}
		}
		rs.editable[len(rs.roots)] = true
		// Named from its metadata, like any project directory.
		rs.unnamed = append(rs.unnamed, unnamedRoot{index: len(rs.roots), entry: e})
		rs.roots = append(rs.roots, resolver.Root{Text: e.Text, Origin: origin})
		return nil
	}
	if e.Requirement == nil {
		if e.Constraint || e.Link == "" {
			return fmt.Errorf("cannot install %s: it names no project", e.Text)
		}
		rs.unnamed = append(rs.unnamed, unnamedRoot{index: len(rs.roots), entry: e})
		rs.roots = append(rs.roots, resolver.Root{Text: e.Text, Origin: origin})
		return nil
	}
	req := *e.Requirement
	if e.Link != "" && (e.Kind == reqfile.KindPath || e.Kind == reqfile.KindURL) {
		// A wheel named by path or URL: pin the project to that file.
		req.URL = e.Link
		req.Specifier = pep440.SpecifierSet{}
	}
	if len(e.Extras) > 0 {
		req.Extras = e.Extras
	}
	req.Marker = e.Marker
	root := resolver.Root{Requirement: &req, Text: e.Text, Origin: origin}
	if e.Constraint {
		rs.constraints = append(rs.constraints, root)
	} else {
		rs.roots = append(rs.roots, root)
	}
	key := pep508.NormalizeName(req.Name)
	for _, h := range e.Hashes {
		rs.hashes[key] = append(rs.hashes[key], h.Algorithm+":"+strings.ToLower(h.Digest))
	}
	return nil
}

// nameProjects reads the names of the roots given as a project directory
// or a source archive from their metadata (preparing it through the build
// backend when the archive does not declare it statically).
func (rs *requirementSet) nameProjects(ctx context.Context, s *session) error {
	for _, u := range rs.unnamed {
		e := u.entry
		path := e.Path
		if path == "" {
			f := index.File{URL: e.Link, Filename: pathBase(e.Link)}
			f.Classify("")
			var err error
			if path, err = s.fetch(ctx, f); err != nil {
				return err
			}
		}
		md, err := s.sdistMetadata(ctx, path)
		if err != nil {
			return err
		}
		if !pep508.ValidName(md.Name()) {
			return fmt.Errorf("%s: its metadata names no valid project (Name: %q)", e.Text, md.Name())
		}
		req := &pep508.Requirement{Name: md.Name(), URL: e.Link, Extras: e.Extras, Marker: e.Marker}
		rs.roots[u.index].Requirement = req
	}
	rs.unnamed = nil
	return nil
}

// pathBase is the last element of a URL's path.
func pathBase(u string) string {
	u, _, _ = strings.Cut(u, "#")
	u, _, _ = strings.Cut(u, "?")
	return u[strings.LastIndexByte(u, '/')+1:]
}

// checkPinned is pip's rule for hash-checking mode: every requirement
// pinned with == (or ===) or given by URL.
func (rs *requirementSet) checkPinned() error {
	var unpinned []string
	for _, r := range rs.roots {
		if r.Requirement == nil || r.Requirement.URL != "" || isPinned(r.Requirement) {
			continue
		}
		unpinned = append(unpinned, "    "+r.Text+fromWhere(r.Origin))
	}
	if len(unpinned) > 0 {
		return fmt.Errorf("In --require-hashes mode, all requirements must have their versions pinned with ==. These do not:\n%s", strings.Join(unpinned, "\n"))
	}
	return nil
}

func isPinned(r *pep508.Requirement) bool {
	specs := r.Specifier.Specifiers()
	if len(specs) != 1 {
		return false
	}
	op := specs[0].Operator()
	return (op == "==" && !specs[0].IsWildcard()) || op == "==="
}

func fromWhere(origin string) string {
	if origin == "" {
		return ""
	}
	return " (from " + origin + ")"
}

// getURL reads a requirements file served over HTTP.
func getURL(ctx context.Context, client *httpx.Client, url string) ([]byte, string, error) {
	resp, err := client.Get(ctx, url, nil)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	const limit = 16 << 20
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, "", fmt.Errorf("reading %s: %w", pyurl.Redact(url), err)
	}
	if len(data) > limit {
		return nil, "", fmt.Errorf("%s: a requirements file larger than 16 MiB", pyurl.Redact(url))
	}
	return data, resp.Header.Get("Content-Type"), nil
}

// checkHashes is hash-checking mode after download: every file must have
// one of the hashes its project's --hash options allow.
func (rs *requirementSet) checkHashes(pkgs []resolver.PlannedPackage, local map[string]string) error {
	var missing, mismatched []string
	for _, p := range pkgs {
		allowed := rs.hashes[p.Key]
		path := local[p.Key]
		if len(allowed) == 0 {
			sum, err := fileDigest(path, "sha256")
			if err != nil {
				return err
			}
			missing = append(missing, fmt.Sprintf("    %s==%s --hash=sha256:%s", p.Name, p.Version, sum))
			continue
		}
		byAlgo := map[string][]string{}
		for _, h := range allowed {
			algo, digest, _ := strings.Cut(h, ":")
			byAlgo[algo] = append(byAlgo[algo], digest)
		}
		ok := false
		var got []string
		for _, algo := range []string{"sha256", "sha384", "sha512"} {
			want := byAlgo[algo]
			if len(want) == 0 {
				continue
			}
			sum, err := fileDigest(path, algo)
			if err != nil {
				return err
			}
			if slices.Contains(want, sum) {
				ok = true
				break
			}
			lines := fmt.Sprintf("        Expected %s %s", algo, want[0])
			for _, w := range want[1:] {
				lines += fmt.Sprintf("\n                 or %s", w)
			}
			got = append(got, lines+fmt.Sprintf("\n             Got        %s", sum))
		}
		if !ok {
			mismatched = append(mismatched, fmt.Sprintf("    %s==%s from %s:\n%s", p.Name, p.Version, pyurl.Redact(p.Artifact.URL), strings.Join(got, "\n")))
		}
	}
	if len(mismatched) > 0 {
		return &hashMismatchError{lines: mismatched}
	}
	if len(missing) > 0 {
		return fmt.Errorf("Hashes are required in --require-hashes mode, but they are missing from some requirements. Here is a list of those requirements along with the hashes their downloaded archives actually had. Add lines like these to your requirements files to prevent tampering. (If you did not enable --require-hashes manually, note that it turns on automatically when any package has a hash.)\n%s", strings.Join(missing, "\n"))
	}
	return nil
}

// hashMismatchError is pip's HashMismatch: a downloaded file whose hash
// is none of those the requirements allow. It is a security failure.
type hashMismatchError struct {
	lines []string
}

func (e *hashMismatchError) Error() string {
	return "THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE. If you have updated the package versions, please update the hashes. Otherwise, examine the package contents carefully; someone may have tampered with them.\n" + strings.Join(e.lines, "\n")
}

// SecurityFailure marks the error for the SECURITY ERROR banner.
func (e *hashMismatchError) SecurityFailure() bool { return true }

// fileDigest returns the hex digest of a file with one of pip's --hash
// algorithms.
func fileDigest(path, algo string) (string, error) {
	var h hash.Hash
	switch algo {
	case "sha256":
		h = sha256.New()
	case "sha384":
		h = sha512.New384()
	case "sha512":
		h = sha512.New()
	default:
		return "", fmt.Errorf("unsupported hash algorithm %q", algo)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hashing %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
