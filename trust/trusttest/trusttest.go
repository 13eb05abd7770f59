// Package trusttest builds signed TUF repositories for tests, in the layout
// of docs/repository-layout.md (or the Warehouse/RSTUF layout), and serves
// them with net/http/httptest.
//
// A Repo holds live go-tuf metadata objects (root, targets, snapshot,
// timestamp and the TAP 15 succinct hash bins), its keys, and the bytes it
// serves. Tests add projects and publish:
//
//	repo := trusttest.New(t, trusttest.Options{})
//	repo.AddProject("demo", trusttest.File{Name: "demo-1.0-py3-none-any.whl", Data: wheel})
//	repo.Publish()
//	// repo.IndexURL(), repo.RootJSON() for the client
//
// and attack the client by changing the served bytes (SetFile, Intercept),
// by replaying bytes saved earlier (File), or by signing altered metadata
// (Sign, PublishTimestamp, RotateRoot). Keys are ed25519. Expiry times are
// written in whole seconds, as other TUF implementations require.
package trusttest

import (
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"
	"golang.org/x/crypto/blake2b"
)

// Key is a signing key and its TUF public key.
type Key struct {
	// Signer signs metadata.
	Signer signature.Signer
	// Public is the TUF form of the public key.
	Public *metadata.Key
	// ID is its key id.
	ID string
}

// NewKey generates an ed25519 key.
func NewKey(t testing.TB) *Key {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := signature.LoadSigner(priv, crypto.Hash(0))
	if err != nil {
		t.Fatal(err)
	}
	k, err := metadata.KeyFromPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	id, err := k.ID()
	if err != nil {
		t.Fatal(err)
	}
	return &Key{Signer: signer, Public: k, ID: id}
}

// Options configure a Repo. The zero value is the gopip layout with 256
// bins and one root key.
type Options struct {
	// BitLength is the succinct delegation's bit length: 2^BitLength bins
	// named bins-<hex>. Zero means 8 (256 bins, bins-00 … bins-ff).
	BitLength int
	// RootKeys is the number of root keys; zero means 1.
	RootKeys int
	// RootThreshold is the root threshold; zero means 1.
	RootThreshold int
	// MissingStatus is the HTTP status of a missing file; zero means 404
	// (S3 answers 403).
	MissingStatus int
	// Warehouse selects the Warehouse/RSTUF layout: a project's HTML page
	// is the target named after the project, with a blake2b-256 hash.
	Warehouse bool
	// MetaHashes puts the length and sha256 of snapshot.json in the
	// timestamp, and of every targets role in the snapshot.
	MetaHashes bool
}

// File is a distribution file of a project.
type File struct {
	// Name is the file name, e.g. "demo-1.0-py3-none-any.whl".
	Name string
	// Data is its content.
	Data []byte
	// Target makes the file a target too, "packages/<filename>", as a
	// repository of the gopip-files layout signs it. By default a file is
	// not in the TUF metadata: its verified page vouches for it, as in the
	// gopip and Warehouse layouts.
	Target bool
	// RequiresPython is the page's data-requires-python.
	RequiresPython string
}

// Repo is a signed TUF repository served over HTTP. Its exported
// metadata may be changed by the test between calls; its methods are safe
// for use by the server's goroutines while the test runs.
type Repo struct {
	// Server serves the repository under /pypi/.
	Server *httptest.Server
	// RootKeys sign the root; TargetsKey the targets; OnlineKey the
	// snapshot and every bin; TimestampKey the timestamp (the online key
	// too, unless replaced with ReplaceTimestampKey).
	RootKeys                            []*Key
	TargetsKey, OnlineKey, TimestampKey *Key
	// Root, Targets, Snapshot and Timestamp are the top-level metadata as
	// last signed (or about to be: change them, then publish).
	Root      *metadata.Metadata[metadata.RootType]
	Targets   *metadata.Metadata[metadata.TargetsType]
	Snapshot  *metadata.Metadata[metadata.SnapshotType]
	Timestamp *metadata.Metadata[metadata.TimestampType]
	// Bins are the hashed bins, by name (bins-00 …).
	Bins map[string]*metadata.Metadata[metadata.TargetsType]
	// Succinct is the targets role's TAP 15 delegation to the bins.
	Succinct *metadata.SuccinctRoles

	t     testing.TB
	opts  Options
	dirty map[string]bool // roles to re-sign at the next Publish
	// published holds the roles published at least once (their next
	// publication bumps the version).
	published map[string]bool
	projects  map[string][]File

	mu        sync.Mutex
	files     map[string][]byte // served, by path under /pypi/
	intercept func(w http.ResponseWriter, r *http.Request) bool
	requests  []string
}

// Expiry durations of PEP 458.
const (
	LongExpiry  = 365 * 24 * time.Hour // root, targets
	ShortExpiry = 24 * time.Hour       // snapshot, timestamp, bins
)

// In returns the time d from now, in whole seconds, UTC.
func In(d time.Duration) time.Time {
	return time.Now().UTC().Add(d).Truncate(time.Second)
}

// New builds a repository with empty bins, publishes it and starts its
// server, closed when the test ends.
func New(t testing.TB, opts Options) *Repo {
	t.Helper()
	if opts.BitLength == 0 {
		opts.BitLength = 8
	}
	if opts.RootKeys == 0 {
		opts.RootKeys = 1
	}
	if opts.RootThreshold == 0 {
		opts.RootThreshold = 1
	}
	if opts.MissingStatus == 0 {
		opts.MissingStatus = http.StatusNotFound
	}
	r := &Repo{
		t:          t,
		opts:       opts,
		TargetsKey: NewKey(t),
		OnlineKey:  NewKey(t),
		Bins:       map[string]*metadata.Metadata[metadata.TargetsType]{},
		dirty:      map[string]bool{},
		published:  map[string]bool{},
		projects:   map[string][]File{},
		files:      map[string][]byte{},
	}
	r.TimestampKey = r.OnlineKey
	for range opts.RootKeys {
		r.RootKeys = append(r.RootKeys, NewKey(t))
	}

	r.Root = metadata.Root(In(LongExpiry))
	for _, k := range r.RootKeys {
		r.must(r.Root.Signed.AddKey(k.Public, metadata.ROOT))
	}
	r.Root.Signed.Roles[metadata.ROOT].Threshold = opts.RootThreshold
	r.must(r.Root.Signed.AddKey(r.TargetsKey.Public, metadata.TARGETS))
	r.must(r.Root.Signed.AddKey(r.OnlineKey.Public, metadata.SNAPSHOT))
	r.must(r.Root.Signed.AddKey(r.OnlineKey.Public, metadata.TIMESTAMP))

	r.Targets = metadata.Targets(In(LongExpiry))
	r.Succinct = &metadata.SuccinctRoles{KeyIDs: []string{}, Threshold: 1, BitLength: opts.BitLength, NamePrefix: "bins"}
	r.Targets.Signed.Delegations = &metadata.Delegations{Keys: map[string]*metadata.Key{}, SuccinctRoles: r.Succinct}
	r.must(r.Targets.Signed.AddKey(r.OnlineKey.Public, ""))
	for _, bin := range r.Succinct.GetRoles() {
		b := metadata.Targets(In(ShortExpiry))
		r.Bins[bin] = b
		r.dirty[bin] = true
	}
	r.dirty[metadata.TARGETS] = true
	r.Snapshot = metadata.Snapshot(In(ShortExpiry))
	r.Timestamp = metadata.Timestamp(In(ShortExpiry))

	r.files["tuf/1.root.json"] = Sign(t, r.Root, r.RootKeys...)
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Server.Close)
	r.Publish()
	return r
}

func (r *Repo) must(err error) {
	r.t.Helper()
	if err != nil {
		r.t.Fatal(err)
	}
}

// Sign clears md's signatures, signs it with keys and returns its bytes.
func Sign[T metadata.Roles](t testing.TB, md *metadata.Metadata[T], keys ...*Key) []byte {
	t.Helper()
	md.ClearSignatures()
	for _, k := range keys {
		if _, err := md.Sign(k.Signer); err != nil {
			t.Fatal(err)
		}
	}
	data, err := md.ToBytes(true)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// URL is the repository's base URL (the targets URL), ending in "/".
func (r *Repo) URL() string { return r.Server.URL + "/pypi/" }

// IndexURL is the simple index URL.
func (r *Repo) IndexURL() string { return r.URL() + "simple/" }

// MetadataURL is the TUF metadata URL.
func (r *Repo) MetadataURL() string { return r.URL() + "tuf/" }

// RootJSON returns the signed bytes of the root at version v (1 is the
// first).
func (r *Repo) RootJSON(v int64) []byte {
	return r.File(fmt.Sprintf("tuf/%d.root.json", v))
}

// File returns the bytes served at path (relative to URL), nil if none.
func (r *Repo) File(path string) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.files[path]
}

// SetFile serves data at path; nil removes the file.
func (r *Repo) SetFile(path string, data []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if data == nil {
		delete(r.files, path)
		return
	}
	r.files[path] = data
}

// Intercept installs h in front of the files: when it returns true it has
// answered the request. nil removes it.
func (r *Repo) Intercept(h func(w http.ResponseWriter, req *http.Request) bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.intercept = h
}

// Requests returns the paths requested so far (relative to URL) and
// forgets them.
func (r *Repo) Requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.requests
	r.requests = nil
	return out
}

func (r *Repo) serve(w http.ResponseWriter, req *http.Request) {
	p, ok := strings.CutPrefix(req.URL.Path, "/pypi/")
	r.mu.Lock()
	r.requests = append(r.requests, p)
	h := r.intercept
	r.mu.Unlock()
	if h != nil && h(w, req) {
		return
	}
	if !ok {
		http.NotFound(w, req)
		return
	}
	if p == "" || strings.HasSuffix(p, "/") {
		if strings.Contains(req.Header.Get("Accept"), "application/vnd.pypi.simple.v1+json") {
			p += "index.json"
		} else {
			p += "index.html"
		}
	}
	data := r.File(p)
	if data == nil {
		http.Error(w, http.StatusText(r.opts.MissingStatus), r.opts.MissingStatus)
		return
	}
	switch {
	case strings.HasSuffix(p, ".json") && strings.HasPrefix(p, "simple/"):
		w.Header().Set("Content-Type", "application/vnd.pypi.simple.v1+json")
	case strings.HasSuffix(p, ".json"):
		w.Header().Set("Content-Type", "application/json")
	case strings.HasSuffix(p, ".html"):
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	w.Write(data)
}

// BinFor returns the bin a target path belongs to.
func (r *Repo) BinFor(targetPath string) string {
	return r.Succinct.GetRolesForTarget(targetPath)[0].Name
}

// TargetFile returns target info for data, with sha256 and blake2b-256
// hashes (the layout's).
func TargetFile(targetPath string, data []byte) *metadata.TargetFiles {
	s := sha256.Sum256(data)
	b := blake2b.Sum256(data)
	return &metadata.TargetFiles{
		Length: int64(len(data)),
		Hashes: metadata.Hashes{"sha256": s[:], "blake2b-256": b[:]},
		Path:   targetPath,
	}
}

// AddTarget serves data at targetPath (and at its consistent-snapshot
// name, <sha256>.<basename>) and lists it in its bin. It is published by
// the next Publish.
func (r *Repo) AddTarget(targetPath string, data []byte) *metadata.TargetFiles {
	tf := TargetFile(targetPath, data)
	bin := r.BinFor(targetPath)
	r.Bins[bin].Signed.Targets[targetPath] = tf
	r.dirty[bin] = true
	r.SetFile(targetPath, data)
	r.SetFile(HashedPath(targetPath, data), data)
	return tf
}

// HashedPath returns the consistent-snapshot path of a target:
// dir/<sha256>.<basename>.
func HashedPath(targetPath string, data []byte) string {
	s := sha256.Sum256(data)
	dir, base := path.Split(targetPath)
	return dir + hex.EncodeToString(s[:]) + "." + base
}

var separators = regexp.MustCompile(`[-_.]+`)

// Normalize is PEP 503's normalisation of a project name.
func Normalize(name string) string {
	return strings.ToLower(separators.ReplaceAllString(name, "-"))
}

// AddProject adds distribution files to a project (created if new) and
// rewrites its pages, simple/<project>/index.json (PEP 691, with each
// file's sha256 and size) and index.html (PEP 503), linking the files
// relatively as ../../packages/<filename>#sha256=<hex>. In the gopip layout
// the JSON page is the project's target and the HTML page is served
// unsigned; in the Warehouse layout the HTML page is the target <project>
// with a blake2b-256 hash. Files are served unsigned unless File.Target.
// It is published by the next Publish.
func (r *Repo) AddProject(project string, files ...File) {
	name := Normalize(project)
	r.projects[name] = append(r.projects[name], files...)
	for _, f := range files {
		p := "packages/" + f.Name
		if f.Target {
			r.AddTarget(p, f.Data)
		} else {
			r.SetFile(p, f.Data)
		}
	}
	jsonPage, htmlPage := r.Pages(name)
	if r.opts.Warehouse {
		r.SetFile("simple/"+name+"/index.json", jsonPage)
		r.SetFile("simple/"+name+"/index.html", htmlPage)
		b := blake2b.Sum256(htmlPage)
		r.Bins[r.BinFor(name)].Signed.Targets[name] = &metadata.TargetFiles{
			Length: int64(len(htmlPage)), Hashes: metadata.Hashes{"blake2b-256": b[:]}, Path: name,
		}
		r.dirty[r.BinFor(name)] = true
		return
	}
	r.AddTarget("simple/"+name+"/index.json", jsonPage)
	r.SetFile("simple/"+name+"/index.html", htmlPage)
}

// Pages renders a project's PEP 691 JSON and PEP 503 HTML pages.
func (r *Repo) Pages(project string) (jsonPage, htmlPage []byte) {
	name := Normalize(project)
	files := slices.Clone(r.projects[name])
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	type jsonFile struct {
		Filename       string            `json:"filename"`
		URL            string            `json:"url"`
		Hashes         map[string]string `json:"hashes"`
		RequiresPython *string           `json:"requires-python,omitempty"`
		Yanked         bool              `json:"yanked"`
		Size           int               `json:"size"`
	}
	page := struct {
		Meta  map[string]string `json:"meta"`
		Name  string            `json:"name"`
		Files []jsonFile        `json:"files"`
	}{Meta: map[string]string{"api-version": "1.1"}, Name: name, Files: []jsonFile{}}
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"1.1\">\n    <title>Links for %s</title>\n  </head>\n  <body>\n    <h1>Links for %s</h1>\n", name, name)
	for _, f := range files {
		s := sha256.Sum256(f.Data)
		digest := hex.EncodeToString(s[:])
		link := "../../packages/" + f.Name
		jf := jsonFile{Filename: f.Name, URL: link, Hashes: map[string]string{"sha256": digest}, Size: len(f.Data)}
		attrs := ""
		if f.RequiresPython != "" {
			rp := f.RequiresPython
			jf.RequiresPython = &rp
			attrs = fmt.Sprintf(" data-requires-python=\"%s\"", html.EscapeString(rp))
		}
		page.Files = append(page.Files, jf)
		fmt.Fprintf(&b, "    <a href=\"%s#sha256=%s\"%s>%s</a><br />\n", link, digest, attrs, html.EscapeString(f.Name))
	}
	b.WriteString("  </body>\n</html>\n")
	data, err := json.Marshal(page)
	if err != nil {
		panic(err)
	}
	return data, []byte(b.String())
}

// Publish re-signs what changed since the last Publish: every changed bin
// and the targets role (each with its version bumped), then a new snapshot
// and a new timestamp, and serves them as tuf/<version>.<role>.json and
// tuf/timestamp.json.
func (r *Repo) Publish() {
	r.t.Helper()
	for _, bin := range r.Succinct.GetRoles() {
		if r.dirty[bin] {
			r.PublishTargets(bin)
		}
	}
	if r.dirty[metadata.TARGETS] {
		r.PublishTargets(metadata.TARGETS)
	}
	r.PublishSnapshot()
	r.PublishTimestamp()
}

// PublishTargets bumps the version of a targets role ("targets" or a bin)
// unless it was never published, signs it and serves it. It does not
// update the snapshot.
func (r *Repo) PublishTargets(role string) {
	r.t.Helper()
	md, key := r.Targets, r.TargetsKey
	if role != metadata.TARGETS {
		md, key = r.Bins[role], r.OnlineKey
	}
	if r.published[role] {
		md.Signed.Version++
	}
	r.published[role] = true
	delete(r.dirty, role)
	r.SetFile(fmt.Sprintf("tuf/%d.%s.json", md.Signed.Version, role), Sign(r.t, md, key))
}

// PublishSnapshot lists the current version of the targets role and of
// every bin in the snapshot, bumps its version, signs and serves it. It
// does not update the timestamp.
func (r *Repo) PublishSnapshot() {
	r.t.Helper()
	meta := func(role string, v int64) *metadata.MetaFiles {
		m := metadata.MetaFile(v)
		if r.opts.MetaHashes {
			data := r.File(fmt.Sprintf("tuf/%d.%s.json", v, role))
			s := sha256.Sum256(data)
			m.Length, m.Hashes = int64(len(data)), metadata.Hashes{"sha256": s[:]}
		}
		return m
	}
	r.Snapshot.Signed.Meta = map[string]*metadata.MetaFiles{"targets.json": meta(metadata.TARGETS, r.Targets.Signed.Version)}
	for bin, md := range r.Bins {
		r.Snapshot.Signed.Meta[bin+".json"] = meta(bin, md.Signed.Version)
	}
	if r.published[metadata.SNAPSHOT] {
		r.Snapshot.Signed.Version++
	}
	r.published[metadata.SNAPSHOT] = true
	r.Snapshot.Signed.Expires = In(ShortExpiry)
	r.SetFile(fmt.Sprintf("tuf/%d.snapshot.json", r.Snapshot.Signed.Version), Sign(r.t, r.Snapshot, r.OnlineKey))
}

// PublishTimestamp points the timestamp at the current snapshot, bumps its
// version, signs it with the online key and serves it. Change
// r.Timestamp.Signed (e.g. Expires) before calling to publish an altered
// timestamp; the expiry is kept as it is.
func (r *Repo) PublishTimestamp() {
	r.t.Helper()
	m := metadata.MetaFile(r.Snapshot.Signed.Version)
	if r.opts.MetaHashes {
		data := r.File(fmt.Sprintf("tuf/%d.snapshot.json", r.Snapshot.Signed.Version))
		s := sha256.Sum256(data)
		m.Length, m.Hashes = int64(len(data)), metadata.Hashes{"sha256": s[:]}
	}
	r.Timestamp.Signed.Meta = map[string]*metadata.MetaFiles{"snapshot.json": m}
	if r.published[metadata.TIMESTAMP] {
		r.Timestamp.Signed.Version++
	}
	r.published[metadata.TIMESTAMP] = true
	r.SetFile("tuf/timestamp.json", Sign(r.t, r.Timestamp, r.TimestampKey))
}

// RotateRoot applies change to the root, bumps its version, and serves it
// as tuf/<version>.root.json signed by signers (for a rotation: a
// threshold of the old root keys and of the new ones). It returns the
// signed bytes.
func (r *Repo) RotateRoot(change func(root *metadata.RootType), signers ...*Key) []byte {
	r.t.Helper()
	change(&r.Root.Signed)
	r.Root.Signed.Version++
	data := Sign(r.t, r.Root, signers...)
	r.SetFile(fmt.Sprintf("tuf/%d.root.json", r.Root.Signed.Version), data)
	return data
}

// ReplaceOnlineKey makes key the snapshot and bins key (and the timestamp
// key, when that is the online key) in the metadata objects (root and
// targets roles), without publishing anything. The previous online key is
// returned.
func (r *Repo) ReplaceOnlineKey(key *Key) *Key {
	r.t.Helper()
	old := r.OnlineKey
	roles := []string{metadata.SNAPSHOT}
	if r.TimestampKey == old {
		roles = append(roles, metadata.TIMESTAMP)
		r.TimestampKey = key
	}
	for _, role := range roles {
		r.must(r.Root.Signed.RevokeKey(old.ID, role))
		r.must(r.Root.Signed.AddKey(key.Public, role))
	}
	r.must(r.Targets.Signed.RevokeKey(old.ID, ""))
	r.must(r.Targets.Signed.AddKey(key.Public, ""))
	r.OnlineKey = key
	r.dirty[metadata.TARGETS] = true
	for bin := range r.Bins {
		r.dirty[bin] = true
	}
	return old
}

// ReplaceTimestampKey makes key the timestamp key in the root, without
// publishing anything. The previous timestamp key is returned.
func (r *Repo) ReplaceTimestampKey(key *Key) *Key {
	r.t.Helper()
	old := r.TimestampKey
	r.must(r.Root.Signed.RevokeKey(old.ID, metadata.TIMESTAMP))
	r.must(r.Root.Signed.AddKey(key.Public, metadata.TIMESTAMP))
	r.TimestampKey = key
	return old
}
