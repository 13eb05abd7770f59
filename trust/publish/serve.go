package publish

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/gopip/gopip/resolver/pep508"
)

// Handler serves a repository folder as static files, the way any web
// server would, plus what a plain file server lacks:
//
//   - simple/ and simple/<project>/ answer with the JSON page
//     (application/vnd.pypi.simple.v1+json) when the Accept header prefers
//     it (PEP 691), else with the HTML page; "Vary: Accept" says so to
//     caches. A project URL without its final slash, or with a name that
//     is not normalised, is redirected.
//   - files are served with http.ServeContent: Range requests, HEAD,
//     If-Modified-Since; a content type by kind (pages, TUF metadata,
//     distributions); consistent-snapshot names (versioned metadata,
//     hash-prefixed targets) as immutable, the rest as "no-cache".
//   - there is no directory listing, and names starting with "." (the
//     .gopip folder, temporary files) are never served.
//
// The handler expects the repository at the root of the URL space; mount
// it elsewhere with http.StripPrefix. It is safe for concurrent use and
// reads the folder afresh on every request, so a refresh or an add running
// meanwhile is picked up at once.
func Handler(dir string) http.Handler {
	return &handler{dir: dir}
}

type handler struct {
	dir string
}

var (
	// Consistent-snapshot names: "12.snapshot.json", "<sha256>.<name>".
	versionedMeta = regexp.MustCompile(`^[0-9]+\.[^/]+\.json$`)
	hashedTarget  = regexp.MustCompile(`^[0-9a-f]{64}\.`)
)

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." || strings.HasPrefix(seg, ".") || strings.ContainsRune(seg, '\\') || strings.ContainsRune(seg, 0) {
			http.NotFound(w, r)
			return
		}
	}
	clean := path.Clean(p)
	dirURL := strings.HasSuffix(p, "/")

	if clean == "/simple" || strings.HasPrefix(clean, "/simple/") {
		rest := strings.TrimPrefix(strings.TrimPrefix(clean, "/simple"), "/")
		if !strings.Contains(rest, "/") {
			// The root index, a project page, or a file of simple/.
			pageDir := path.Join(simpleDir, rest)
			if rest != "" && !h.isDir(pageDir) {
				if norm := pep508.NormalizeName(rest); norm != rest && h.isDir(path.Join(simpleDir, norm)) {
					redirect(w, r, "/"+simpleDir+"/"+norm+"/")
					return
				}
				pageDir = ""
			}
			if pageDir != "" {
				if !dirURL {
					redirect(w, r, "/"+pageDir+"/")
					return
				}
				h.serveIndex(w, r, pageDir)
				return
			}
		}
	}
	if dirURL {
		http.NotFound(w, r)
		return
	}
	rel := strings.TrimPrefix(clean, "/")
	h.serveFile(w, r, rel, contentTypeOf(rel))
}

func (h *handler) isDir(rel string) bool {
	fi, err := os.Stat(h.file(rel))
	return err == nil && fi.IsDir()
}

// file returns the local path of a slash-separated repository path.
func (h *handler) file(rel string) string {
	return filepath.Join(h.dir, filepath.FromSlash(rel))
}

func redirect(w http.ResponseWriter, r *http.Request, to string) {
	if r.URL.RawQuery != "" {
		to += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, to, http.StatusMovedPermanently)
}

// serveIndex answers a simple/ URL with the page format the client
// prefers.
func (h *handler) serveIndex(w http.ResponseWriter, r *http.Request, pageDir string) {
	w.Header().Add("Vary", "Accept")
	ct := negotiate(r.Header.Values("Accept"))
	name := "index.html"
	if ct == contentTypeJSON {
		name = "index.json"
	}
	h.serveFile(w, r, pageDir+"/"+name, ct)
}

func (h *handler) serveFile(w http.ResponseWriter, r *http.Request, rel, contentType string) {
	f, err := os.Open(h.file(rel))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
			http.NotFound(w, r)
			return
		}
		http.Error(w, "cannot read "+rel, http.StatusInternalServerError)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.IsDir() {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", contentType)
	base := path.Base(rel)
	if (strings.HasPrefix(rel, tufDir+"/") && versionedMeta.MatchString(base)) || hashedTarget.MatchString(base) {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, base, fi.ModTime(), f)
}

// contentTypeOf returns the content type of a repository file.
func contentTypeOf(rel string) string {
	switch {
	case strings.HasPrefix(rel, simpleDir+"/") && strings.HasSuffix(rel, ".json"):
		return contentTypeJSON
	case strings.HasSuffix(rel, ".html"):
		return contentTypeHTML
	case strings.HasSuffix(rel, ".json"):
		return "application/json"
	}
	return "application/octet-stream"
}

// negotiate picks the page format for the Accept header values (PEP 691):
// the offer with the highest quality, an exactly named type beating a
// wildcard, then the client's order. With no Accept header, or only
// wildcards, or nothing acceptable, HTML is the answer, as PEP 691
// recommends for clients that predate it.
func negotiate(accept []string) string {
	offers := []struct{ match, reply string }{
		{"text/html", contentTypeHTML},
		{contentTypeHTMLv1, contentTypeHTMLv1},
		{"application/vnd.pypi.simple.latest+html", contentTypeHTMLv1},
		{contentTypeJSON, contentTypeJSON},
		{"application/vnd.pypi.simple.latest+json", contentTypeJSON},
	}
	type rng struct {
		typ string
		q   float64
		pos int
	}
	var ranges []rng
	for _, v := range accept {
		for _, part := range strings.Split(v, ",") {
			fields := strings.Split(part, ";")
			typ := strings.ToLower(strings.TrimSpace(fields[0]))
			if typ == "" {
				continue
			}
			q := 1.0
			for _, param := range fields[1:] {
				k, val, ok := strings.Cut(strings.TrimSpace(param), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
						q = f
					}
				}
			}
			ranges = append(ranges, rng{typ, q, len(ranges)})
		}
	}
	best, bestQ, bestExact, bestPos := contentTypeHTML, 0.0, false, 0
	for _, o := range offers {
		// The most specific range that matches the offer decides its q.
		q, exact, pos, spec := 0.0, false, 0, -1
		major, _, _ := strings.Cut(o.match, "/")
		for _, r := range ranges {
			s := -1
			switch r.typ {
			case o.match:
				s = 2
			case major + "/*":
				s = 1
			case "*/*":
				s = 0
			}
			if s > spec {
				q, exact, pos, spec = r.q, s == 2, r.pos, s
			}
		}
		if q <= 0 {
			continue
		}
		better := q > bestQ ||
			q == bestQ && exact && !bestExact ||
			q == bestQ && exact && bestExact && pos < bestPos
		if better {
			best, bestQ, bestExact, bestPos = o.reply, q, exact, pos
		}
	}
	return best
}
