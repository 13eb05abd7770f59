package installed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/gopip/gopip/internal/pystr"
	"github.com/gopip/gopip/internal/pyurl"
)

// DirectURL is the content of direct_url.json (PEP 610), recorded for
// distributions installed from a URL, a VCS or a local directory rather
// than by name and version. Exactly one of Archive, Dir and VCS is set.
type DirectURL struct {
	URL string
	// Subdirectory is the project's directory inside the archive or
	// repository, or "".
	Subdirectory string
	Archive      *ArchiveInfo
	Dir          *DirInfo
	VCS          *VCSInfo

	// keepEmptySubdirectory records a "subdirectory": "" that pip
	// would write back.
	keepEmptySubdirectory bool
}

// ArchiveInfo describes an archive (wheel or sdist) installed from a URL.
type ArchiveInfo struct {
	// Hash is the legacy "algo=digest" form, or "".
	Hash string
	// Hashes maps algorithm names to hex digests; nil when absent.
	Hashes map[string]string
}

// DirInfo describes a local directory install.
type DirInfo struct {
	Editable bool
}

// VCSInfo describes a VCS checkout.
type VCSInfo struct {
	VCS               string
	CommitID          string
	RequestedRevision string // "" when absent

	keepEmptyRevision bool // "requested_revision": "" was present
}

// DirectURLError is a direct_url.json that pip 23.2 rejects; its message is
// pip's DirectUrlValidationError text.
type DirectURLError struct {
	Msg string
}

func (e *DirectURLError) Error() string { return e.Msg }

// ParseDirectURL parses direct_url.json and validates it the way pip 23.2's
// DirectUrl.from_json does. As pip does, a legacy archive_info.hash is also
// entered into archive_info.hashes.
func ParseDirectURL(data []byte) (*DirectURL, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var top any
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("invalid JSON: extra data after the object")
	}
	d, ok := top.(map[string]any)
	if !ok {
		return nil, &DirectURLError{"url must have a value"}
	}
	u := &DirectURL{}
	var err error
	if u.URL, err = requiredString(d, "url"); err != nil {
		return nil, err
	}
	if u.Subdirectory, u.keepEmptySubdirectory, err = optionalString(d, "subdirectory"); err != nil {
		return nil, err
	}
	n := 0
	if m, ok, err := optionalObject(d, "archive_info"); err != nil {
		return nil, err
	} else if ok {
		a := &ArchiveInfo{}
		hash, hasHash, err := optionalString(m, "hash")
		if err != nil {
			return nil, err
		}
		hashes, hasHashes, err := optionalObject(m, "hashes")
		if err != nil {
			return nil, err
		}
		if hasHashes {
			a.Hashes = map[string]string{}
			for k, v := range hashes {
				s, ok := v.(string)
				if !ok {
					return nil, &DirectURLError{fmt.Sprintf("%s has unexpected type for archive_info.hashes[%s]", pyRepr(v), pyRepr(k))}
				}
				a.Hashes[k] = s
			}
		}
		if hasHash {
			alg, digest, ok := strings.Cut(hash, "=")
			if !ok {
				return nil, &DirectURLError{fmt.Sprintf("invalid archive_info.hash format: %s", pyRepr(hash))}
			}
			if a.Hashes == nil {
				a.Hashes = map[string]string{}
			}
			if _, ok := a.Hashes[alg]; !ok {
				a.Hashes[alg] = digest
			}
			a.Hash = hash
		}
		u.Archive = a
		n++
	}
	if m, ok, err := optionalObject(d, "dir_info"); err != nil {
		return nil, err
	} else if ok {
		di := &DirInfo{}
		if v, present := m["editable"]; present {
			b, ok := v.(bool)
			if !ok {
				if v == nil {
					return nil, &DirectURLError{"None has unexpected type for editable (expected <class 'bool'>)"}
				}
				return nil, &DirectURLError{fmt.Sprintf("%s has unexpected type for editable (expected <class 'bool'>)", pyRepr(v))}
			}
			di.Editable = b
		}
		u.Dir = di
		n++
	}
	if m, ok, err := optionalObject(d, "vcs_info"); err != nil {
		return nil, err
	} else if ok {
		vi := &VCSInfo{}
		if vi.VCS, err = requiredString(m, "vcs"); err != nil {
			return nil, err
		}
		if vi.CommitID, err = requiredString(m, "commit_id"); err != nil {
			return nil, err
		}
		if vi.RequestedRevision, vi.keepEmptyRevision, err = optionalString(m, "requested_revision"); err != nil {
			return nil, err
		}
		u.VCS = vi
		n++
	}
	switch {
	case n == 0:
		return nil, &DirectURLError{"missing one of archive_info, dir_info, vcs_info"}
	case n > 1:
		return nil, &DirectURLError{"more than one of archive_info, dir_info, vcs_info"}
	}
	return u, nil
}

func typeError(v any, key, typ string) error {
	return &DirectURLError{fmt.Sprintf("%s has unexpected type for %s (expected <class '%s'>)", pyRepr(v), key, typ)}
}

func optionalString(d map[string]any, key string) (string, bool, error) {
	v, ok := d[key]
	if !ok {
		return "", false, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", false, typeError(v, key, "str")
	}
	return s, true, nil
}

func requiredString(d map[string]any, key string) (string, error) {
	s, ok, err := optionalString(d, key)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", &DirectURLError{key + " must have a value"}
	}
	return s, nil
}

func optionalObject(d map[string]any, key string) (map[string]any, bool, error) {
	v, ok := d[key]
	if !ok {
		return nil, false, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false, typeError(v, key, "dict")
	}
	return m, true, nil
}

// IsLocalEditable reports whether this is an editable install of a local
// directory (dir_info.editable).
func (u *DirectURL) IsLocalEditable() bool { return u.Dir != nil && u.Dir.Editable }

// envVarUserRE is PEP 610's ${VAR} or ${USER}:${PASSWORD} form, which is
// kept when redacting.
var envVarUserRE = regexp.MustCompile(`^\$\{[A-Za-z0-9-_]+\}(:\$\{[A-Za-z0-9-_]+\})?$`)

// RedactedURL returns URL without a user:password part, unless it is made
// of environment variables (PEP 610) or is git's "git@" user (pip's
// DirectUrl.redacted_url). The URL goes through Python's urlsplit and
// urlunsplit as in pip, which for example lower-cases the scheme. Where
// urlsplit refuses the host (unbalanced brackets, not an IP address inside
// them), pip fails; RedactedURL still removes the credentials.
func (u *DirectURL) RedactedURL() string {
	p, _ := pyurl.Split(u.URL)
	if userPass, rest, ok := strings.Cut(p.Netloc, "@"); ok {
		keep := (u.VCS != nil && u.VCS.VCS == "git" && userPass == "git") || envVarUserRE.MatchString(userPass)
		if !keep {
			p.Netloc = rest
		}
	}
	return p.String()
}

// JSON returns direct_url.json exactly as pip 23.2 writes it
// (DirectUrl.to_json: json.dumps with sorted keys, ", " and ": "
// separators, non-ASCII escaped), with the URL redacted.
func (u *DirectURL) JSON() []byte {
	var b bytes.Buffer
	type kv struct {
		k string
		v func()
	}
	obj := func(items []kv) {
		sort.Slice(items, func(i, j int) bool { return items[i].k < items[j].k })
		b.WriteByte('{')
		for i, it := range items {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(pystr.JSON(it.k))
			b.WriteString(": ")
			it.v()
		}
		b.WriteByte('}')
	}
	str := func(s string) func() { return func() { b.WriteString(pystr.JSON(s)) } }
	top := []kv{{"url", str(u.RedactedURL())}}
	if u.Subdirectory != "" || u.keepEmptySubdirectory {
		top = append(top, kv{"subdirectory", str(u.Subdirectory)})
	}
	switch {
	case u.Archive != nil:
		top = append(top, kv{"archive_info", func() {
			var items []kv
			if u.Archive.Hash != "" {
				items = append(items, kv{"hash", str(u.Archive.Hash)})
			}
			if u.Archive.Hashes != nil {
				items = append(items, kv{"hashes", func() {
					var hs []kv
					for k, v := range u.Archive.Hashes {
						hs = append(hs, kv{k, str(v)})
					}
					obj(hs)
				}})
			}
			obj(items)
		}})
	case u.Dir != nil:
		top = append(top, kv{"dir_info", func() {
			if u.Dir.Editable {
				b.WriteString(`{"editable": true}`)
			} else {
				b.WriteString("{}")
			}
		}})
	case u.VCS != nil:
		top = append(top, kv{"vcs_info", func() {
			items := []kv{{"vcs", str(u.VCS.VCS)}, {"commit_id", str(u.VCS.CommitID)}}
			if u.VCS.RequestedRevision != "" || u.VCS.keepEmptyRevision {
				items = append(items, kv{"requested_revision", str(u.VCS.RequestedRevision)})
			}
			obj(items)
		}})
	}
	obj(top)
	return b.Bytes()
}

// FreezeRequirement returns the requirement pip freeze prints for the
// distribution name installed from u (pip's
// direct_url_as_pep440_direct_reference): "name @ vcs+url@commit" for VCS
// checkouts, "name @ url" otherwise, with "#hash" (legacy archive hash only)
// and "subdirectory=..." fragments joined by "&". The URL is not redacted,
// as in pip.
func (u *DirectURL) FreezeRequirement(name string) string {
	req := name + " @ "
	var frags []string
	switch {
	case u.VCS != nil:
		req += u.VCS.VCS + "+" + u.URL + "@" + u.VCS.CommitID
	case u.Archive != nil:
		req += u.URL
		if u.Archive.Hash != "" {
			frags = append(frags, u.Archive.Hash)
		}
	default:
		req += u.URL
	}
	if u.Subdirectory != "" {
		frags = append(frags, "subdirectory="+u.Subdirectory)
	}
	if len(frags) > 0 {
		req += "#" + strings.Join(frags, "&")
	}
	return req
}

// FileURLToPath converts a file: URL to a local path as pip's url_to_path
// does on POSIX: the authority must be empty or "localhost", and
// percent-escapes are decoded.
func FileURLToPath(url string) (string, error) {
	if !strings.HasPrefix(url, "file:") {
		return "", fmt.Errorf("You can only turn file: urls into filenames (not %s)", pyRepr(url))
	}
	return pyurl.ToPath(url)
}

// pyRepr formats a decoded JSON value the way Python's repr() shows the
// equivalent Python object, for pip's validation messages.
func pyRepr(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		if v {
			return "True"
		}
		return "False"
	case string:
		return pystr.Repr(v)
	case json.Number:
		if !strings.ContainsAny(string(v), ".eE") {
			return string(v)
		}
		f, err := v.Float64()
		if err != nil {
			return string(v)
		}
		return pyFloatRepr(f)
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys) // Python keeps document order; Go has lost it
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pystr.Repr(k) + ": " + pyRepr(v[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// pyFloatRepr is Python's repr(float): the shortest round-tripping digits,
// in positional notation for exponents from -4 to 15.
func pyFloatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, expStr, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(expStr)
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimPrefix(mant, "-")
	digits := strings.Replace(mant, ".", "", 1)
	sign := ""
	if neg {
		sign = "-"
	}
	if exp < -4 || exp >= 16 {
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		es := fmt.Sprintf("%+03d", exp)
		return sign + m + "e" + es
	}
	if exp < 0 {
		return sign + "0." + strings.Repeat("0", -exp-1) + digits
	}
	if len(digits) <= exp+1 {
		return sign + digits + strings.Repeat("0", exp+1-len(digits)) + ".0"
	}
	return sign + digits[:exp+1] + "." + digits[exp+1:]
}
