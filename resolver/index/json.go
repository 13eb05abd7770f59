package index

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// ParseJSON parses a PEP 691 project page (application/vnd.pypi.simple.v1+json,
// API version 1.x) served at pageURL.
//
// It reads what pip's Link.from_json reads, with Python's truthiness: each
// entry of "files" with a "url" (resolved against pageURL); "hashes";
// "requires-python"; "yanked" (true, or a non-empty reason string; false and
// "" mean not yanked); "core-metadata", or when absent or null the legacy
// "dist-info-metadata" (PEP 714), as true or an object of hashes. It also
// reads "filename" (pip derives the name from the URL; gopip uses the
// page's when it is a plain name), and PEP 700's "size" and "upload-time".
// Entries of the wrong shape are skipped.
//
// A "meta"."api-version" with a major version above 1 is an
// *APIVersionError; a newer minor version is fine. The files come back
// Unclassified.
func ParseJSON(body []byte, pageURL string) ([]File, error) {
	var page struct {
		Meta struct {
			APIVersion json.RawMessage `json:"api-version"`
		} `json:"meta"`
		Files json.RawMessage `json:"files"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, fmt.Errorf("malformed PEP 691 page: %w", err)
	}
	var v string
	if json.Unmarshal(page.Meta.APIVersion, &v) == nil {
		if err := checkAPIVersion(v); err != nil {
			return nil, err
		}
	}
	var entries []map[string]json.RawMessage
	if len(page.Files) > 0 && !isNull(page.Files) {
		if err := json.Unmarshal(page.Files, &entries); err != nil {
			return nil, fmt.Errorf("malformed PEP 691 page: \"files\": %w", err)
		}
	}
	base, err := url.Parse(pageURL)
	if err != nil {
		return nil, fmt.Errorf("page URL: %w", err)
	}
	var files []File
	for _, e := range entries {
		if f, ok := fileFromJSON(e, base); ok {
			f.Source = pageURL
			files = append(files, f)
		}
	}
	return files, nil
}

// fileFromJSON is pip's Link.from_json.
func fileFromJSON(e map[string]json.RawMessage, base *url.URL) (File, bool) {
	var href string
	if json.Unmarshal(e["url"], &href) != nil {
		return File{}, false
	}
	u, err := resolveLink(base, href)
	if err != nil {
		return File{}, false
	}
	var name string
	if json.Unmarshal(e["filename"], &name) != nil || strings.ContainsAny(name, "/\\") {
		name = ""
	}
	f := newFile(u, stringMap(e["hashes"]), name)
	var rp string
	if json.Unmarshal(e["requires-python"], &rp) == nil {
		setRequiresPython(&f, rp)
	}
	if y := e["yanked"]; truthy(y) {
		f.Yanked = true
		json.Unmarshal(y, &f.YankedReason) // a string is the reason; true gives ""
	}
	md, ok := e["core-metadata"]
	if !ok || isNull(md) {
		md = e["dist-info-metadata"]
	}
	// An object, even an empty one, says the file exists (pip tests
	// isinstance(dict) before truthiness).
	if h := stringMap(md); h != nil {
		f.Metadata = &MetadataInfo{Hashes: supportedHashes(h)}
	} else if truthy(md) {
		f.Metadata = &MetadataInfo{}
	}
	var size json.Number
	if json.Unmarshal(e["size"], &size) == nil {
		if n, err := size.Int64(); err == nil && n > 0 {
			f.Size = n
		}
	}
	var up string
	if json.Unmarshal(e["upload-time"], &up) == nil {
		if t, err := time.Parse(time.RFC3339Nano, up); err == nil {
			f.UploadTime = t
		}
	}
	return f, true
}

// stringMap decodes a JSON object, keeping its string values; nil when
// raw is not an object.
func stringMap(raw json.RawMessage) map[string]string {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = s
		}
	}
	return out
}

func isNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

// truthy is Python's bool() of a decoded JSON value: absent, null, false,
// 0, "", [] and {} are false.
func truthy(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return false
	}
	switch raw[0] {
	case 'n', 'f':
		return false
	case 't':
		return true
	case '"':
		var s string
		return json.Unmarshal(raw, &s) == nil && s != ""
	case '[':
		var a []json.RawMessage
		return json.Unmarshal(raw, &a) == nil && len(a) > 0
	case '{':
		var m map[string]json.RawMessage
		return json.Unmarshal(raw, &m) == nil && len(m) > 0
	default:
		var n float64
		return json.Unmarshal(raw, &n) == nil && n != 0
	}
}
