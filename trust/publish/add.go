package publish

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/gopip/gopip/resolver/pep440"
	"github.com/gopip/gopip/resolver/pep508"
	"github.com/gopip/gopip/resolver/tags"
)

// Paths of a project's pages and of a distribution's files, relative to
// the repository folder (and the targets base URL). Only the JSON page is a
// target (docs/repository-layout.md).
func pageHTMLPath(project string) string { return simpleDir + "/" + project + "/index.html" }
func pageJSONPath(project string) string { return simpleDir + "/" + project + "/index.json" }
func packagePath(filename string) string { return packagesDir + "/" + filename }
func metadataPath(filename string) string {
	return packagesDir + "/" + filename + ".metadata"
}

// ConflictError reports a file whose name is published with other
// content: a file name, once published, always means the same bytes.
type ConflictError struct {
	Filename string
	// Published and Given are the sha256 digests of the file in the
	// repository and of the one offered.
	Published, Given string
}

// Error says which file and which digests.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s is already published with other content (sha256 %s, this file has %s)", e.Filename, e.Published, e.Given)
}

// Hint gives the remedy.
func (e *ConflictError) Hint() string {
	return "a published file name must keep its content: build the new file with a new version (or build tag), or remove the old one first with \"gopip repo remove\""
}

// NotFoundError reports a file or release that the repository does not
// hold.
type NotFoundError struct {
	// What is the file name or PROJECT==VERSION asked for.
	What string
}

// Error names what is missing.
func (e *NotFoundError) Error() string { return e.What + " is not in the repository" }

// Add publishes distribution files (wheels and sdists): each is copied to
// packages/ (with its PEP 658 .metadata file for wheels), its project's
// pages are rewritten, the root index too for a new project, and the
// project's JSON page, the one target per project, is signed into its bin,
// then snapshot and timestamp: one bin per project added to, whatever the
// number of files.
//
// A file already published with the same content is left alone (and
// listed as Unchanged); when every file is, nothing at all is written. A
// file name already published with other content is refused with a
// *ConflictError, and then nothing is published.
func (r *Repo) Add(ctx context.Context, files ...string) (*Report, error) {
	return r.update(ctx, func(st *state) error {
		if err := st.needOnline(); err != nil {
			return err
		}
		if err := st.migrate(); err != nil {
			return err
		}
		return st.add(ctx, files)
	})
}

type addItem struct {
	src    string
	dist   *dist
	size   int64
	sha256 string
}

func (st *state) add(ctx context.Context, files []string) error {
	// Check everything before writing anything.
	var items []*addItem
	seen := map[string]*addItem{}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		d, err := inspectDist(f)
		if err != nil {
			return err
		}
		in, err := os.Open(f)
		if err != nil {
			return err
		}
		size, sum, err := hashReader(in)
		in.Close()
		if err != nil {
			return fmt.Errorf("reading %s: %w", f, err)
		}
		it := &addItem{src: f, dist: d, size: size, sha256: hex.EncodeToString(sum)}
		if prev, ok := seen[d.filename]; ok {
			if prev.sha256 != it.sha256 {
				return &ConflictError{Filename: d.filename, Published: prev.sha256, Given: it.sha256}
			}
			continue
		}
		seen[d.filename] = it
		items = append(items, it)
	}

	pages := map[string]*projectPage{}
	existed := map[string]bool{}
	changed := map[string]bool{}
	var order []string
	for _, it := range items {
		p, ok := pages[it.dist.project]
		if !ok {
			var err error
			if p, err = st.readPage(it.dist.project); err != nil {
				return err
			}
			pages[it.dist.project] = p
			existed[it.dist.project] = len(p.Files) > 0
			order = append(order, it.dist.project)
		}
		if i := slices.IndexFunc(p.Files, func(f pageFile) bool { return f.Filename == it.dist.filename }); i >= 0 {
			if p.Files[i].SHA256 != it.sha256 {
				return &ConflictError{Filename: it.dist.filename, Published: p.Files[i].SHA256, Given: it.sha256}
			}
			if fi, err := os.Stat(filepath.Join(st.r.dir, filepath.FromSlash(packagePath(it.dist.filename)))); err == nil && fi.Size() == p.Files[i].Size {
				st.report.Unchanged = append(st.report.Unchanged, it.dist.filename)
				it.dist = nil
				continue
			}
			// Listed on its page but missing from packages/: publish it
			// again.
			p.Files = slices.Delete(p.Files, i, i+1)
		}
	}

	for _, it := range items {
		if it.dist == nil {
			continue
		}
		d := it.dist
		length, sum, err := st.copyFile(packagePath(d.filename), it.src)
		if err != nil {
			return err
		}
		if hex.EncodeToString(sum) != it.sha256 {
			return fmt.Errorf("%s changed while it was published", it.src)
		}
		pf := pageFile{Filename: d.filename, SHA256: it.sha256, Size: length, RequiresPython: d.requiresPython}
		if d.wheel {
			if err := st.write(metadataPath(d.filename), d.metadata); err != nil {
				return err
			}
			ms := sha256.Sum256(d.metadata)
			pf.MetadataSHA256 = hex.EncodeToString(ms[:])
		}
		p := pages[d.project]
		p.Files = append(p.Files, pf)
		changed[d.project] = true
		st.report.Added = append(st.report.Added, d.filename)
	}
	var newProjects []string
	for _, project := range order {
		if !changed[project] {
			continue
		}
		if !existed[project] {
			newProjects = append(newProjects, project)
		}
		if err := st.writePage(pages[project]); err != nil {
			return err
		}
	}
	if len(newProjects) > 0 {
		return st.updateRootIndex(newProjects, nil)
	}
	return nil
}

// readPage returns a project's record of its files: the JSON page its bin
// signs. That is the page on disk unless an operation was interrupted
// after writing the pages and before signing them; then the signed page is
// read under its consistent-snapshot name, and what the interrupted
// operation wrote is forgotten (its files were never published). A project
// whose page is not a target has no files.
func (st *state) readPage(project string) (*projectPage, error) {
	rel := pageJSONPath(project)
	t, ok, err := st.target(rel)
	if err != nil {
		return nil, err
	}
	if !ok {
		return &projectPage{Name: project}, nil
	}
	data, err := os.ReadFile(filepath.Join(st.r.dir, filepath.FromSlash(rel)))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err != nil || !targetHolds(t, data) {
		signed := hashName(rel, t.Hashes["sha256"])
		if data, err = os.ReadFile(filepath.Join(st.r.dir, filepath.FromSlash(signed))); err != nil {
			return nil, fmt.Errorf("reading the signed page of %s: %w", project, err)
		}
		if !targetHolds(t, data) {
			return nil, fmt.Errorf("%s does not match its target's length and sha256", signed)
		}
	}
	p, err := parseProjectJSON(data)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", rel, err)
	}
	p.Name = project
	return p, nil
}

// targetHolds reports whether data has t's length and sha256.
func targetHolds(t *metadata.TargetFiles, data []byte) bool {
	sum := sha256.Sum256(data)
	return t.Length == int64(len(data)) && bytes.Equal(t.Hashes["sha256"], sum[:])
}

// writePage writes a project's two pages, the JSON page as its target and
// the HTML page as a plain file, or deletes them when the project has no
// files left.
func (st *state) writePage(p *projectPage) error {
	if len(p.Files) == 0 {
		if err := st.deleteTarget(pageJSONPath(p.Name)); err != nil {
			return err
		}
		st.removeAfterCommit(pageJSONPath(p.Name))
		st.removeAfterCommit(pageHTMLPath(p.Name))
		return nil
	}
	p.sortFiles()
	js, err := p.JSON()
	if err != nil {
		return err
	}
	if err := st.writeIfChanged(pageHTMLPath(p.Name), p.HTML()); err != nil {
		return err
	}
	return st.writeTarget(pageJSONPath(p.Name), js)
}

// readRootIndex returns the projects of the root index.
func (st *state) readRootIndex() ([]string, error) {
	data, err := os.ReadFile(filepath.Join(st.r.dir, simpleDir, "index.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return parseRootJSON(data)
}

// updateRootIndex adds and drops projects from the root index pages (which
// are not targets: a client never needs them to install).
func (st *state) updateRootIndex(add, drop []string) error {
	projects, err := st.readRootIndex()
	if err != nil {
		return err
	}
	// The index is sorted: insert and delete in place (a set and a sort
	// of 100,000 names cost more than the rest of an add).
	if !slices.IsSorted(projects) {
		slices.Sort(projects)
	}
	for _, p := range add {
		if i, found := slices.BinarySearch(projects, p); !found {
			projects = slices.Insert(projects, i, p)
		}
	}
	for _, p := range drop {
		if i, found := slices.BinarySearch(projects, p); found {
			projects = slices.Delete(projects, i, i+1)
		}
	}
	return st.writeRootIndex(projects)
}

func (st *state) writeRootIndex(projects []string) error {
	if projects == nil {
		projects = []string{}
	}
	js, err := rootJSON(projects)
	if err != nil {
		return err
	}
	if err := st.write(simpleDir+"/index.html", rootHTML(projects)); err != nil {
		return err
	}
	return st.write(simpleDir+"/index.json", js)
}

// projectOfFile returns the normalised project a distribution file name
// belongs to.
func projectOfFile(filename string) (string, error) {
	if strings.HasSuffix(filename, ".whl") {
		w, err := tags.ParseWheelFilename(filename)
		if err != nil {
			return "", err
		}
		return w.NormalizedName(), nil
	}
	s, err := tags.ParseSdistFilename(filename)
	if err != nil {
		return "", fmt.Errorf("%s is neither a wheel nor a source distribution name: %w", filename, err)
	}
	return s.NormalizedName(), nil
}

// findFile returns the page holding a published file, and its index.
func (st *state) findFile(filename string) (*projectPage, int, error) {
	filename = path.Base(filepath.ToSlash(filename))
	project, err := projectOfFile(filename)
	candidates := []string{project}
	if err != nil {
		return nil, 0, err
	}
	if !strings.HasSuffix(filename, ".whl") {
		// A legacy sdist name may split elsewhere ("a-b-1.0.tar.gz" is
		// project "a-b" or "a"): try every prefix ending at a dash.
		for i := len(filename) - 1; i > 0; i-- {
			if filename[i] == '-' {
				candidates = append(candidates, pep508.NormalizeName(filename[:i]))
			}
		}
	}
	for _, c := range candidates {
		p, err := st.readPage(c)
		if err != nil {
			return nil, 0, err
		}
		if i := slices.IndexFunc(p.Files, func(f pageFile) bool { return f.Filename == filename }); i >= 0 {
			return p, i, nil
		}
	}
	return nil, 0, &NotFoundError{What: filename}
}

// Remove unpublishes distribution files, each named by its file name or
// as PROJECT==VERSION (every file of that release). The files leave their
// project's pages, whose bin is re-signed; a project with no files left
// leaves its bin and the root index. The files and pages are deleted once
// the new metadata is out; the consistent-snapshot copies of the JSON page
// stay for clients still reading older metadata until Refresh prunes them.
func (r *Repo) Remove(ctx context.Context, specs ...string) (*Report, error) {
	return r.update(ctx, func(st *state) error {
		if err := st.needOnline(); err != nil {
			return err
		}
		if err := st.migrate(); err != nil {
			return err
		}
		return st.remove(specs)
	})
}

func (st *state) remove(specs []string) error {
	pages := map[string]*projectPage{}
	drop := map[string]map[string]bool{} // project → file names
	for _, spec := range specs {
		if name, ver, ok := strings.Cut(spec, "=="); ok {
			project := pep508.NormalizeName(strings.TrimSpace(name))
			want, err := pep440.Parse(strings.TrimSpace(ver))
			if err != nil {
				return fmt.Errorf("%s: %w", spec, err)
			}
			p, ok := pages[project]
			if !ok {
				if p, err = st.readPage(project); err != nil {
					return err
				}
			}
			n := 0
			for _, f := range p.Files {
				s, err := fileVersion(f.Filename, project)
				if err != nil {
					continue
				}
				if v, err := pep440.Parse(s); err == nil && v.Equal(want) {
					if drop[project] == nil {
						drop[project] = map[string]bool{}
					}
					drop[project][f.Filename] = true
					n++
				}
			}
			if n == 0 {
				return &NotFoundError{What: spec}
			}
			pages[project] = p
			continue
		}
		p, _, err := st.findFile(spec)
		if err != nil {
			return err
		}
		if q, ok := pages[p.Name]; ok {
			p = q
		}
		pages[p.Name] = p
		if drop[p.Name] == nil {
			drop[p.Name] = map[string]bool{}
		}
		drop[p.Name][path.Base(filepath.ToSlash(spec))] = true
	}
	var gone []string
	for _, project := range sortedKeys(pages) {
		p := pages[project]
		var keep []pageFile
		for _, f := range p.Files {
			if !drop[project][f.Filename] {
				keep = append(keep, f)
				continue
			}
			// The files go once the page that no longer lists them is
			// signed.
			st.removeAfterCommit(packagePath(f.Filename))
			if f.MetadataSHA256 != "" {
				st.removeAfterCommit(metadataPath(f.Filename))
			}
			st.report.Removed = append(st.report.Removed, f.Filename)
		}
		p.Files = keep
		if err := st.writePage(p); err != nil {
			return err
		}
		if len(keep) == 0 {
			gone = append(gone, project)
		}
	}
	if len(gone) > 0 {
		return st.updateRootIndex(nil, gone)
	}
	return nil
}

// Yank marks a published file as yanked (PEP 592) with an optional reason,
// in both page formats; installers then skip it unless it is pinned
// exactly. Yanking a file again with the same reason changes nothing.
func (r *Repo) Yank(ctx context.Context, filename, reason string) (*Report, error) {
	return r.update(ctx, func(st *state) error {
		if err := st.needOnline(); err != nil {
			return err
		}
		if err := st.migrate(); err != nil {
			return err
		}
		return st.yank(filename, true, reason)
	})
}

// Unyank clears a file's yanked mark.
func (r *Repo) Unyank(ctx context.Context, filename string) (*Report, error) {
	return r.update(ctx, func(st *state) error {
		if err := st.needOnline(); err != nil {
			return err
		}
		if err := st.migrate(); err != nil {
			return err
		}
		return st.yank(filename, false, "")
	})
}

func (st *state) yank(filename string, yanked bool, reason string) error {
	p, i, err := st.findFile(filename)
	if err != nil {
		return err
	}
	f := &p.Files[i]
	if f.Yanked == yanked && f.YankedReason == reason {
		return nil
	}
	f.Yanked, f.YankedReason = yanked, reason
	if yanked {
		st.report.Yanked = append(st.report.Yanked, f.Filename)
	}
	return st.writePage(p)
}
