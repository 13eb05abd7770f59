package publish

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"slices"
	"strings"

	"github.com/gopip/gopip/resolver/pep440"
	"github.com/gopip/gopip/resolver/tags"
)

// The simple repository API version the pages declare: 1.1 is PEP 700's
// (files carry "size", projects list "versions").
const apiVersion = "1.1"

// Content types of the simple API (PEP 691) and of the legacy HTML pages.
const (
	contentTypeJSON   = "application/vnd.pypi.simple.v1+json"
	contentTypeHTMLv1 = "application/vnd.pypi.simple.v1+html"
	contentTypeHTML   = "text/html; charset=utf-8"
)

// pageFile is one distribution file as a project page lists it. A project's
// JSON page is the record of its files: add, remove and yank read it back,
// change it and write both pages again.
type pageFile struct {
	Filename       string
	SHA256         string
	Size           int64
	RequiresPython string
	// MetadataSHA256 is the hash of the PEP 658 .metadata file, "" when
	// there is none (sdists).
	MetadataSHA256 string
	Yanked         bool
	YankedReason   string
}

// projectPage is a project's detail page, in both formats.
type projectPage struct {
	// Name is the PEP 503 normalised project name.
	Name  string
	Files []pageFile
}

// fileVersion returns the version of a distribution file of project as
// its name spells it.
func fileVersion(filename, project string) (string, error) {
	if strings.HasSuffix(filename, ".whl") {
		w, err := tags.ParseWheelFilename(filename)
		if err != nil {
			return "", err
		}
		return w.Version, nil
	}
	s, err := tags.ParseSdistFilenameFor(filename, project)
	if err != nil {
		return "", err
	}
	return s.Version, nil
}

// sortFiles orders files by version, then by file name (sdist and wheels
// of one release side by side).
func (p *projectPage) sortFiles() {
	key := func(f pageFile) pep440.Version {
		s, _ := fileVersion(f.Filename, p.Name)
		v, _ := pep440.Parse(s)
		return v
	}
	slices.SortStableFunc(p.Files, func(a, b pageFile) int {
		if c := pep440.Compare(key(a), key(b)); c != 0 {
			return c
		}
		return strings.Compare(a.Filename, b.Filename)
	})
}

// versions returns the project's versions in PEP 440 order, normalised,
// each once (PEP 700's "versions").
func (p *projectPage) versions() []string {
	var vs []pep440.Version
	for _, f := range p.Files {
		s, err := fileVersion(f.Filename, p.Name)
		if err != nil {
			continue
		}
		v, err := pep440.Parse(s)
		if err != nil {
			continue
		}
		if !slices.ContainsFunc(vs, v.Equal) {
			vs = append(vs, v)
		}
	}
	slices.SortFunc(vs, pep440.Compare)
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.String()
	}
	return out
}

// fileURL is the link from a project page (simple/<project>/) to a file.
// "+" (local versions) is percent-encoded as pip itself requotes it:
// some static hosts read a literal "+" in a path as a space.
func fileURL(filename string) string {
	return "../../packages/" + strings.ReplaceAll(url.PathEscape(filename), "+", "%2B")
}

// HTML renders the PEP 503 page.
func (p *projectPage) HTML() []byte {
	var b bytes.Buffer
	name := html.EscapeString(p.Name)
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"%s\">\n    <title>Links for %s</title>\n  </head>\n  <body>\n    <h1>Links for %s</h1>\n", apiVersion, name, name)
	for _, f := range p.Files {
		href := fileURL(f.Filename) + "#sha256=" + f.SHA256
		fmt.Fprintf(&b, "    <a href=\"%s\"", html.EscapeString(href))
		if f.RequiresPython != "" {
			fmt.Fprintf(&b, " data-requires-python=\"%s\"", html.EscapeString(f.RequiresPython))
		}
		if f.MetadataSHA256 != "" {
			fmt.Fprintf(&b, " data-dist-info-metadata=\"sha256=%s\" data-core-metadata=\"sha256=%s\"", f.MetadataSHA256, f.MetadataSHA256)
		}
		if f.Yanked {
			fmt.Fprintf(&b, " data-yanked=\"%s\"", html.EscapeString(f.YankedReason))
		}
		fmt.Fprintf(&b, ">%s</a><br />\n", html.EscapeString(f.Filename))
	}
	b.WriteString("  </body>\n</html>\n")
	return b.Bytes()
}

type jsonMeta struct {
	APIVersion string `json:"api-version"`
}

type jsonFile struct {
	Filename         string            `json:"filename"`
	URL              string            `json:"url"`
	Hashes           map[string]string `json:"hashes"`
	RequiresPython   *string           `json:"requires-python,omitempty"`
	CoreMetadata     any               `json:"core-metadata,omitempty"`
	DistInfoMetadata any               `json:"dist-info-metadata,omitempty"`
	Yanked           any               `json:"yanked"`
	Size             int64             `json:"size"`
}

type jsonProject struct {
	Meta     jsonMeta   `json:"meta"`
	Name     string     `json:"name"`
	Files    []jsonFile `json:"files"`
	Versions []string   `json:"versions"`
}

// marshal encodes v as compact JSON without HTML escaping ("<" stays "<"
// in requires-python), with a final newline.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// JSON renders the PEP 691 page.
func (p *projectPage) JSON() ([]byte, error) {
	out := jsonProject{
		Meta:     jsonMeta{APIVersion: apiVersion},
		Name:     p.Name,
		Files:    []jsonFile{},
		Versions: p.versions(),
	}
	for _, f := range p.Files {
		jf := jsonFile{
			Filename: f.Filename,
			URL:      fileURL(f.Filename),
			Hashes:   map[string]string{"sha256": f.SHA256},
			Yanked:   false,
			Size:     f.Size,
		}
		if f.RequiresPython != "" {
			rp := f.RequiresPython
			jf.RequiresPython = &rp
		}
		if f.MetadataSHA256 != "" {
			h := map[string]string{"sha256": f.MetadataSHA256}
			jf.CoreMetadata, jf.DistInfoMetadata = h, h
		}
		if f.Yanked {
			jf.Yanked = true
			if f.YankedReason != "" {
				jf.Yanked = f.YankedReason
			}
		}
		out.Files = append(out.Files, jf)
	}
	return marshal(out)
}

// parseProjectJSON reads back a page that JSON wrote.
func parseProjectJSON(data []byte) (*projectPage, error) {
	var in struct {
		Name  string `json:"name"`
		Files []struct {
			Filename       string            `json:"filename"`
			Hashes         map[string]string `json:"hashes"`
			RequiresPython string            `json:"requires-python"`
			CoreMetadata   json.RawMessage   `json:"core-metadata"`
			Yanked         json.RawMessage   `json:"yanked"`
			Size           int64             `json:"size"`
		} `json:"files"`
	}
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, err
	}
	p := &projectPage{Name: in.Name}
	for _, f := range in.Files {
		pf := pageFile{
			Filename:       f.Filename,
			SHA256:         f.Hashes["sha256"],
			Size:           f.Size,
			RequiresPython: f.RequiresPython,
		}
		var md map[string]string
		if json.Unmarshal(f.CoreMetadata, &md) == nil {
			pf.MetadataSHA256 = md["sha256"]
		}
		var reason string
		var yanked bool
		switch {
		case json.Unmarshal(f.Yanked, &reason) == nil:
			pf.Yanked, pf.YankedReason = true, reason
		case json.Unmarshal(f.Yanked, &yanked) == nil:
			pf.Yanked = yanked
		}
		p.Files = append(p.Files, pf)
	}
	return p, nil
}

// rootHTML renders the PEP 503 root index of the given (normalised,
// sorted) project names.
func rootHTML(projects []string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"%s\">\n    <title>Simple index</title>\n  </head>\n  <body>\n", apiVersion)
	for _, p := range projects {
		e := html.EscapeString(p)
		fmt.Fprintf(&b, "    <a href=\"%s/\">%s</a><br />\n", html.EscapeString(url.PathEscape(p)), e)
	}
	b.WriteString("  </body>\n</html>\n")
	return b.Bytes()
}

type jsonRootProject struct {
	Name string `json:"name"`
}

type jsonRoot struct {
	Meta     jsonMeta          `json:"meta"`
	Projects []jsonRootProject `json:"projects"`
}

// rootJSON renders the PEP 691 root index.
func rootJSON(projects []string) ([]byte, error) {
	out := jsonRoot{Meta: jsonMeta{APIVersion: apiVersion}, Projects: make([]jsonRootProject, len(projects))}
	for i, p := range projects {
		out.Projects[i].Name = p
	}
	return marshal(out)
}

// parseRootJSON reads back the project names of a root index rootJSON
// wrote.
func parseRootJSON(data []byte) ([]string, error) {
	var in jsonRoot
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, err
	}
	out := make([]string, len(in.Projects))
	for i, p := range in.Projects {
		out[i] = p.Name
	}
	return out, nil
}
