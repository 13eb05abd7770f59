package cmd

// The attacks TUF defends against (the TUF specification's list, and PEP
// 458's), each made through `gopip install` against a repository built
// and signed in the test (package trusttest, the gopip layout: only the
// project's JSON page is a target; the files are checked against the
// page's sha256 and size). Package trust has the same attacks at the
// package level (trust/attack_test.go); these show what a user sees: the
// command fails with the SECURITY ERROR banner and exit code 13, and the
// virtual environment, which holds the version installed before the
// attack, is byte for byte as it was.

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/gopip/gopip/internal/pythontest"
	"github.com/gopip/gopip/internal/testwheel"
	"github.com/gopip/gopip/trust"
	"github.com/gopip/gopip/trust/trusttest"
)

const demoPage = "simple/demo/index.json"

// demoWheel builds demo-<version>, a small pure-Python wheel; extra are
// further METADATA lines.
func demoWheel(t *testing.T, version string, extra ...string) (name string, data []byte) {
	t.Helper()
	s := testwheel.Spec{
		Name:     "demo",
		Version:  version,
		Metadata: extra,
		Files:    []testwheel.File{{Path: "demo/__init__.py", Data: "VERSION = '" + version + "'\n"}},
	}
	data, err := s.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return s.Filename(), data
}

// attackEnv is one attack's world: a signed repository whose project demo
// has version 1.0, a hermetic home (XDG folders) whose trust store gets
// the repository's first root, and a venv.
type attackEnv struct {
	t       *testing.T
	repo    *trusttest.Repo
	home    string
	venv    string
	environ []string
	// index is the index URL the client is given (the repository's, or a
	// mirror's); it is what the root is added for.
	index string
	// saved keeps served bytes for an attack to replay.
	saved map[string][]byte
	// revokedRoot is a root key that a rotation revoked.
	revokedRoot *trusttest.Key
	// mirrorEvil turns the mirror (see mirror) malicious.
	mirrorEvil atomic.Bool
	// trustedBefore is what the store trusted just before the attacked
	// install.
	trustedBefore trust.Entry
}

func newAttackEnv(t *testing.T, python string, opts trusttest.Options) *attackEnv {
	t.Helper()
	if opts.BitLength == 0 {
		opts.BitLength = 4 // 16 bins: enough to have bins, quick to sign
	}
	repo := trusttest.New(t, opts)
	name, data := demoWheel(t, "1.0")
	repo.AddProject("demo", trusttest.File{Name: name, Data: data})
	repo.Publish()

	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	venv := filepath.Join(dir, "venv")
	if out, err := exec.Command(python, "-m", "venv", "--without-pip", venv).CombinedOutput(); err != nil {
		t.Fatalf("creating the venv: %v\n%s", err, out)
	}
	return &attackEnv{t: t, repo: repo, home: home, venv: venv, index: repo.IndexURL(), saved: map[string][]byte{}, environ: []string{
		"HOME=" + home,
		"XDG_DATA_HOME=" + filepath.Join(home, "data"),
		"XDG_CACHE_HOME=" + filepath.Join(home, "cache"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_CONFIG_DIRS=" + filepath.Join(dir, "etc-xdg"),
		"PATH=" + os.Getenv("PATH"),
	}}
}

// run runs gopip with args and returns its exit code and output.
func (e *attackEnv) run(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = Run(context.Background(), args, e.environ, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// install runs gopip install into the venv from e.index.
func (e *attackEnv) install(args ...string) (code int, stdout, stderr string) {
	return e.run(append([]string{"install", "--python", filepath.Join(e.venv, "bin", "python"), "-i", e.index}, args...)...)
}

// mustInstall installs and expects "Successfully installed <want>".
func (e *attackEnv) mustInstall(want string, args ...string) {
	e.t.Helper()
	code, out, errOut := e.install(args...)
	if code != 0 || !strings.Contains(out, "Successfully installed "+want+"\n") {
		e.t.Fatalf("install %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
}

// trustRoot adds the repository's first root under the name corp, as a
// user does.
func (e *attackEnv) trustRoot() {
	e.t.Helper()
	rootFile := filepath.Join(e.home, "root.json")
	if err := os.MkdirAll(e.home, 0o755); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(rootFile, e.repo.RootJSON(1), 0o644); err != nil {
		e.t.Fatal(err)
	}
	if code, out, errOut := e.run("trust", "add", "corp", "--index-url", e.index, "--root", rootFile, "-y"); code != 0 {
		e.t.Fatalf("trust add: exit %d\n%s%s", code, out, errOut)
	}
}

// trusted returns what the store trusts for corp after the last run.
func (e *attackEnv) trusted() trust.Entry {
	e.t.Helper()
	s, err := trust.OpenStore(trust.StoreOptions{Dir: filepath.Join(e.home, "data", "gopip", "repositories")})
	if err != nil {
		e.t.Fatal(err)
	}
	entries, err := s.List()
	if err != nil || len(entries) != 1 {
		e.t.Fatalf("trusted repositories: %+v, %v", entries, err)
	}
	return entries[0]
}

// trustUnchanged checks that the attacked install left the versions the
// store trusts as they were: nothing the attacker served was kept.
func (e *attackEnv) trustUnchanged() {
	e.t.Helper()
	before, after := e.trustedBefore, e.trusted()
	if before.Root.Version != after.Root.Version || before.Cached != after.Cached {
		e.t.Errorf("the store's trust changed: root %d -> %d, metadata %+v -> %+v", before.Root.Version, after.Root.Version, before.Cached, after.Cached)
	}
}

// save keeps the bytes served at path now under key, for a replay.
func (e *attackEnv) save(key, path string) {
	e.t.Helper()
	data := e.repo.File(path)
	if data == nil {
		e.t.Fatalf("nothing served at %s", path)
	}
	e.saved[key] = data
}

// mirror puts a mirror of the repository in front of it, and makes it the
// index the client is given (before trustRoot). The mirror passes every
// request on until mirrorEvil is set; then it serves a newer timestamp
// signed with its own key.
func (e *attackEnv) mirror() {
	e.t.Helper()
	upstream, err := url.Parse(e.repo.Server.URL)
	if err != nil {
		e.t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(upstream)
	key := trusttest.NewKey(e.t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !e.mirrorEvil.Load() || req.URL.Path != "/pypi/tuf/timestamp.json" {
			proxy.ServeHTTP(w, req)
			return
		}
		ts, err := metadata.Timestamp().FromBytes(e.repo.File("tuf/timestamp.json"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		ts.Signed.Version++
		ts.ClearSignatures()
		if _, err := ts.Sign(key.Signer); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		data, err := ts.ToBytes(true)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(data)
	}))
	e.t.Cleanup(srv.Close)
	e.index = srv.URL + "/pypi/simple/"
}

// release2 publishes demo 2.0, genuinely.
func (e *attackEnv) release2() {
	e.t.Helper()
	name, data := demoWheel(e.t, "2.0")
	e.repo.AddProject("demo", trusttest.File{Name: name, Data: data})
	e.repo.Publish()
}

// addWithMetadata adds wheels to project as AddProject does, and gives
// them their core metadata (PEP 658): each wheel's METADATA is served as
// <file>.metadata and its sha256 is written on the signed JSON page, as
// `gopip repo` does, so that gopip resolves from the metadata files and
// downloads the wheels only once resolved, to install them.
func (e *attackEnv) addWithMetadata(project string, wheels ...trusttest.File) {
	e.t.Helper()
	e.repo.AddProject(project, wheels...)
	for _, f := range wheels {
		e.repo.SetFile("packages/"+f.Name+".metadata", wheelMetadata(e.t, f.Data))
	}
	jsonPage, _ := e.repo.Pages(project)
	var page map[string]any
	if err := json.Unmarshal(jsonPage, &page); err != nil {
		e.t.Fatal(err)
	}
	for _, f := range page["files"].([]any) {
		file := f.(map[string]any)
		if md := e.repo.File("packages/" + file["filename"].(string) + ".metadata"); md != nil {
			file["core-metadata"] = map[string]string{"sha256": sha256Hex(md)}
		}
	}
	data, err := json.Marshal(page)
	if err != nil {
		e.t.Fatal(err)
	}
	e.repo.AddTarget("simple/"+trusttest.Normalize(project)+"/index.json", data)
}

// wheelMetadata returns the METADATA file of a wheel.
func wheelMetadata(t *testing.T, whl []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(whl), int64(len(whl)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, ".dist-info/METADATA") {
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			data, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			return data
		}
	}
	t.Fatal("no METADATA in the wheel")
	return nil
}

// binPath is the served path of the demo page's bin at its current
// version.
func (e *attackEnv) binPath() string {
	bin := e.repo.BinFor(demoPage)
	return fmt.Sprintf("tuf/%d.%s.json", e.repo.Bins[bin].Signed.Version, bin)
}

// snapshotPath is the served path of the current snapshot.
func (e *attackEnv) snapshotPath() string {
	return fmt.Sprintf("tuf/%d.snapshot.json", e.repo.Snapshot.Signed.Version)
}

// venvSnapshot describes every entry under root: its path, mode, and the
// sha256 of its content (a symbolic link's target).
func venvSnapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		desc := info.Mode().String()
		switch {
		case info.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			desc += " " + hex.EncodeToString(sum[:])
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			desc += " -> " + target
		}
		out[rel] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// endlessBody writes data, then spaces until the client hangs up or 64 MiB
// have gone, counting what was written.
func endlessBody(w http.ResponseWriter, data []byte, written *atomic.Int64) {
	n, _ := w.Write(data)
	written.Add(int64(n))
	chunk := bytes.Repeat([]byte(" "), 32<<10)
	for written.Load() < 64<<20 {
		n, err := w.Write(chunk)
		written.Add(int64(n))
		if err != nil {
			return
		}
		w.(http.Flusher).Flush()
	}
}

// endless makes the repository stream path (relative to its URL) without
// end, and checks when the test ends that the client hung up early.
func (e *attackEnv) endless(path string) {
	var written atomic.Int64
	data := e.repo.File(path)
	e.repo.Intercept(func(w http.ResponseWriter, req *http.Request) bool {
		if strings.TrimPrefix(req.URL.Path, "/pypi/") != path {
			return false
		}
		endlessBody(w, data, &written)
		return true
	})
	e.t.Cleanup(func() {
		if n := written.Load(); n >= 64<<20 {
			e.t.Errorf("the server wrote %d bytes of %s: the client did not hang up", n, path)
		}
	})
}

// downloadedLines matches the plain progress lines of finished downloads
// that may precede the SECURITY ERROR banner.
var downloadedLines = regexp.MustCompile(`^(Downloaded \S+ \([^)\n]*\)\n)*$`)

// attackCase is one attack through gopip install. The environment has
// demo 1.0 published and the root trusted; setup (optional) runs before
// demo 1.0 is installed, attack after. Then `gopip install -U demo` must
// fail with the SECURITY ERROR banner (preceded by nothing but the lines
// of downloads that finished), exit code 13, a message that
// contains every string attack returned, and an untouched venv; after
// (optional) runs last.
type attackCase struct {
	name   string
	opts   trusttest.Options
	setup  func(e *attackEnv)
	attack func(e *attackEnv) (want []string)
	after  func(e *attackEnv)
}

func TestInstallAttacks(t *testing.T) {
	python := pythontest.Python(t)
	cases := []attackCase{
		{
			// The server replaces demo 2.0's wheel with other bytes of the
			// same length.
			name: "arbitrary package",
			attack: func(e *attackEnv) []string {
				e.release2()
				name, data := demoWheel(e.t, "2.0")
				evil := bytes.Clone(data)
				evil[len(evil)/2] ^= 1
				e.repo.SetFile("packages/"+name, evil)
				return []string{name, "does not match its trusted sha256 hash", "Expected sha256 " + sha256Hex(data)}
			},
		},
		{
			// The repository gives core metadata (PEP 658), so gopip
			// resolves demo 2.0 and its new dependency dep 1.0 from the
			// metadata files and downloads both wheels together only to
			// install them; dep's wheel has been replaced. demo 2.0 is
			// good: it must not be installed either.
			name: "arbitrary package/after resolution",
			attack: func(e *attackEnv) []string {
				demo, demoData := demoWheel(e.t, "2.0", "Requires-Dist: dep")
				dep := testwheel.Spec{Name: "dep", Version: "1.0", Files: []testwheel.File{{Path: "dep.py", Data: "\n"}}}
				depData, err := dep.Bytes()
				if err != nil {
					e.t.Fatal(err)
				}
				e.addWithMetadata("demo", trusttest.File{Name: demo, Data: demoData})
				e.addWithMetadata("dep", trusttest.File{Name: dep.Filename(), Data: depData})
				e.repo.Publish()
				evil := bytes.Clone(depData)
				evil[len(evil)/2] ^= 1
				e.repo.SetFile("packages/"+dep.Filename(), evil)
				e.repo.Requests()
				return []string{dep.Filename(), "does not match its trusted sha256 hash", "Expected sha256 " + sha256Hex(depData)}
			},
			after: func(e *attackEnv) {
				requests := e.repo.Requests()
				for _, p := range []string{"packages/demo-2.0-py3-none-any.whl.metadata", "packages/dep-1.0-py3-none-any.whl.metadata"} {
					if !slices.Contains(requests, p) {
						e.t.Errorf("%s was not requested: gopip did not resolve from the metadata files; requests: %v", p, requests)
					}
				}
			},
		},
		rollbackCase("timestamp"),
		rollbackCase("snapshot"),
		rollbackCase("bin"),
		{
			// A new timestamp, correctly signed, that has expired.
			name: "indefinite freeze/expired timestamp",
			attack: func(e *attackEnv) []string {
				e.repo.Timestamp.Signed.Expires = trusttest.In(-time.Hour)
				e.release2()
				return []string{"repository corp: timestamp metadata has expired"}
			},
			after: (*attackEnv).trustUnchanged,
		},
		{
			// The repository stops changing: the server keeps serving the
			// timestamp the client trusts, which then expires.
			name: "indefinite freeze/frozen repository",
			setup: func(e *attackEnv) {
				// Time enough to add the root and install 1.0 (well under
				// a second unloaded) before it expires.
				e.repo.Timestamp.Signed.Expires = trusttest.In(8 * time.Second)
				e.repo.PublishTimestamp()
			},
			attack: func(e *attackEnv) []string {
				time.Sleep(time.Until(e.repo.Timestamp.Signed.Expires.Add(time.Second)))
				return []string{"repository corp: timestamp metadata has expired"}
			},
			after: (*attackEnv).trustUnchanged,
		},
		{
			// demo's bin, re-signed for 2.0, has expired.
			name: "indefinite freeze/expired bin",
			attack: func(e *attackEnv) []string {
				bin := e.repo.BinFor(demoPage)
				e.repo.Bins[bin].Signed.Expires = trusttest.In(-time.Hour)
				e.release2()
				return []string{"repository corp: " + bin + " metadata has expired"}
			},
		},
		{
			// The bin the snapshot lists is replaced by a later one,
			// signed for a later snapshot (the snapshot lists versions
			// only: the version check catches it).
			name: "mix-and-match/newer bin",
			attack: func(e *attackEnv) []string {
				e.release2()
				binPath := e.binPath()
				name, data := demoWheel(e.t, "3.0")
				e.repo.AddProject("demo", trusttest.File{Name: name, Data: data})
				bin := e.repo.BinFor(demoPage)
				e.repo.PublishTargets(bin)
				e.repo.SetFile(binPath, e.repo.File(e.binPath()))
				return []string{"repository corp: " + bin + " metadata does not match the version its parent role vouches for"}
			},
		},
		{
			// The snapshot lists each role's length and hash: an older
			// bin served under the current name fails the hash check.
			name: "mix-and-match/older bin",
			opts: trusttest.Options{MetaHashes: true},
			attack: func(e *attackEnv) []string {
				bin := e.repo.BinFor(demoPage)
				old := e.repo.File(e.binPath())
				e.release2()
				e.repo.SetFile(e.binPath(), old)
				return []string{"repository corp: " + bin + " metadata does not match its trusted hashes"}
			},
		},
		{
			// demo 2.0's wheel streams past the size its verified page
			// gives.
			name: "endless data/wheel",
			attack: func(e *attackEnv) []string {
				e.release2()
				name, data := demoWheel(e.t, "2.0")
				e.endless("packages/" + name)
				return []string{fmt.Sprintf("%s: the server sent more than the trusted length of %d bytes", name, len(data))}
			},
		},
		{
			// demo's page streams past its target length.
			name: "endless data/page",
			attack: func(e *attackEnv) []string {
				e.release2()
				e.endless(trusttest.HashedPath(demoPage, e.repo.File(demoPage)))
				return []string{"repository corp: target " + demoPage + " does not have its trusted length"}
			},
		},
		{
			// timestamp.json streams past the maximum length of a
			// timestamp.
			name: "endless data/timestamp",
			attack: func(e *attackEnv) []string {
				e.release2()
				e.endless("tuf/timestamp.json")
				return []string{"repository corp: timestamp metadata does not have its trusted length"}
			},
			after: (*attackEnv).trustUnchanged,
		},
		{
			// demo's page, as served, lists another demo 2.0 wheel (with
			// its hash and size), one that requires "evil".
			name: "extraneous dependencies/page",
			attack: func(e *attackEnv) []string {
				e.release2()
				name, data := demoWheel(e.t, "2.0")
				_, evil := demoWheel(e.t, "2.0", "Requires-Dist: evil")
				genuine := e.repo.File(demoPage)
				from := fmt.Sprintf(`"sha256":"%s"},"yanked":false,"size":%d`, sha256Hex(data), len(data))
				to := fmt.Sprintf(`"sha256":"%s"},"yanked":false,"size":%d`, sha256Hex(evil), len(evil))
				if !bytes.Contains(genuine, []byte(from)) {
					e.t.Fatalf("page %s lacks %s", genuine, from)
				}
				page := bytes.Replace(genuine, []byte(from), []byte(to), 1)
				e.repo.SetFile(trusttest.HashedPath(demoPage, genuine), page)
				e.repo.SetFile(demoPage, page)
				e.repo.SetFile("packages/"+name, evil)
				if len(page) == len(genuine) {
					return []string{"repository corp: target " + demoPage + " does not match its trusted hashes"}
				}
				return []string{"repository corp: target " + demoPage + " does not have its trusted length"}
			},
		},
		{
			// demo 2.0's core metadata (PEP 658), as served, requires
			// "evil"; its verified page gives the genuine file's sha256.
			name: "extraneous dependencies/core metadata",
			attack: func(e *attackEnv) []string {
				name, data := demoWheel(e.t, "2.0")
				e.addWithMetadata("demo", trusttest.File{Name: name, Data: data})
				e.repo.Publish()
				genuine := e.repo.File("packages/" + name + ".metadata")
				evil := append(bytes.Clone(genuine), "Requires-Dist: evil\n"...)
				e.repo.SetFile("packages/"+name+".metadata", evil)
				return []string{"sha256 hash mismatch for " + name + ".metadata", "expected " + sha256Hex(genuine)}
			},
		},
		{
			// An attacker holding the online key has the client trust
			// timestamp and snapshot version 1000; the repository, unaware,
			// publishes 2.0 at its genuine, lower versions, which the
			// client now refuses as a rollback. The repository recovers by
			// rotating the online key in root version 2: the install then
			// succeeds, and the attacker's versions are no longer trusted.
			name: "fast-forward recovery",
			attack: func(e *attackEnv) []string {
				snapshot, timestamp := e.repo.Snapshot.Signed.Version, e.repo.Timestamp.Signed.Version
				e.repo.Snapshot.Signed.Version = 999
				e.repo.PublishSnapshot()
				e.repo.Timestamp.Signed.Version = 999
				e.repo.PublishTimestamp()
				code, out, errOut := e.install("-U", "demo")
				if code != 0 || !strings.Contains(out, "Requirement already satisfied: demo") {
					e.t.Fatalf("install with the fast-forwarded metadata: exit %d\n%s%s", code, out, errOut)
				}
				if st := e.trusted().Cached; st.Timestamp.Version != 1000 || st.Snapshot.Version != 1000 {
					e.t.Fatalf("the fast-forward did not take: %+v", st)
				}
				e.repo.Snapshot.Signed.Version, e.repo.Timestamp.Signed.Version = snapshot, timestamp
				e.release2()
				return []string{"repository corp: timestamp metadata is older than the version already trusted"}
			},
			after: func(e *attackEnv) {
				e.repo.ReplaceOnlineKey(trusttest.NewKey(e.t))
				e.repo.RotateRoot(func(*metadata.RootType) {}, e.repo.RootKeys...)
				e.repo.Publish()
				e.mustInstall("demo-2.0", "-U", "demo")
				st := e.trusted().Cached
				if st.Root.Version != 2 || st.Timestamp.Version != e.repo.Timestamp.Signed.Version || st.Snapshot.Version != e.repo.Snapshot.Signed.Version || st.Timestamp.Version >= 1000 {
					e.t.Errorf("trusted after the recovery: %+v; the repository is at timestamp %d, snapshot %d",
						st, e.repo.Timestamp.Signed.Version, e.repo.Snapshot.Signed.Version)
				}
			},
		},
		{
			// The root needs two signatures of its two keys; an attacker
			// holding one key signs root version 2, which makes their own
			// key the timestamp key.
			name: "threshold not met",
			opts: trusttest.Options{RootKeys: 2, RootThreshold: 2},
			attack: func(e *attackEnv) []string {
				evil := trusttest.NewKey(e.t)
				e.repo.RotateRoot(func(root *metadata.RootType) {
					root.Keys[evil.ID] = evil.Public
					root.Roles[metadata.TIMESTAMP].KeyIDs = []string{evil.ID}
				}, e.repo.RootKeys[0])
				e.repo.TimestampKey = evil
				e.release2()
				return []string{"repository corp: root metadata is not signed by a threshold of trusted keys", "2.root.json"}
			},
			after: (*attackEnv).trustUnchanged,
		},
		{
			// The client uses a mirror, which turns malicious: it serves a
			// newer timestamp signed with its own key.
			name: "malicious mirror",
			setup: func(e *attackEnv) {
				e.mirror()
			},
			attack: func(e *attackEnv) []string {
				e.release2()
				e.mirrorEvil.Store(true)
				return []string{"repository corp: timestamp metadata is not signed by a threshold of trusted keys", "(from " + strings.TrimSuffix(e.index, "simple/") + "tuf/timestamp.json)"}
			},
			after: (*attackEnv).trustUnchanged,
		},
		{
			// Root version 2 replaces the online key; an attacker who
			// stole the old one signs a newer timestamp with it.
			name: "root rotation/revoked online key",
			attack: func(e *attackEnv) []string {
				revoked := e.repo.ReplaceOnlineKey(trusttest.NewKey(e.t))
				e.repo.RotateRoot(func(*metadata.RootType) {}, e.repo.RootKeys...)
				e.release2()
				e.repo.Timestamp.Signed.Version++
				e.repo.SetFile("tuf/timestamp.json", trusttest.Sign(e.t, e.repo.Timestamp, revoked))
				return []string{"repository corp: timestamp metadata is not signed by a threshold of trusted keys"}
			},
			after: func(e *attackEnv) {
				// The client followed the rotation on the way (which, as
				// the timestamp key changed, drops the trusted timestamp:
				// TUF 5.3.11), and kept nothing signed with the revoked key.
				after := e.trusted()
				if after.Root.Version != 2 || after.Cached.Timestamp.Version > e.trustedBefore.Cached.Timestamp.Version {
					e.t.Errorf("trusted root version %d (want 2), timestamp %+v (was %+v)", after.Root.Version, after.Cached.Timestamp, e.trustedBefore.Cached.Timestamp)
				}
			},
		},
		{
			// Root version 2 replaces the root key; an attacker who stole
			// the old one signs root version 3, which makes their own key
			// the timestamp key.
			name: "root rotation/revoked root key",
			setup: func(e *attackEnv) {
				old, next := e.repo.RootKeys[0], trusttest.NewKey(e.t)
				e.repo.RotateRoot(func(root *metadata.RootType) {
					if err := root.RevokeKey(old.ID, metadata.ROOT); err != nil {
						e.t.Fatal(err)
					}
					if err := root.AddKey(next.Public, metadata.ROOT); err != nil {
						e.t.Fatal(err)
					}
				}, old, next)
				e.repo.RootKeys = []*trusttest.Key{next}
				e.revokedRoot = old
			},
			attack: func(e *attackEnv) []string {
				if v := e.trusted().Root.Version; v != 2 {
					e.t.Fatalf("trusted root version %d, want 2", v)
				}
				evil := trusttest.NewKey(e.t)
				e.repo.RotateRoot(func(root *metadata.RootType) {
					root.Keys[evil.ID] = evil.Public
					root.Roles[metadata.TIMESTAMP].KeyIDs = []string{evil.ID}
				}, e.revokedRoot)
				e.repo.TimestampKey = evil
				e.release2()
				return []string{"repository corp: root metadata is not signed by a threshold of trusted keys", "3.root.json"}
			},
			after: (*attackEnv).trustUnchanged,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newAttackEnv(t, python, c.opts)
			if c.setup != nil {
				c.setup(e)
			}
			e.trustRoot()
			e.mustInstall("demo-1.0", "demo==1.0")
			before := venvSnapshot(t, e.venv)
			if !hasSuffix(before, "/demo-1.0.dist-info/RECORD") || !hasSuffix(before, "/demo/__init__.py") {
				t.Fatalf("demo 1.0 is not in the venv: %v", before)
			}

			want := c.attack(e)
			e.trustedBefore = e.trusted()
			code, out, errOut := e.install("-U", "demo")
			// The banner comes first, after the lines of the files whose
			// download finished before the failure (at most).
			progress, _, found := strings.Cut(errOut, "SECURITY ERROR\n")
			if code != exitSecurity || !found || !downloadedLines.MatchString(progress) {
				t.Fatalf("install -U demo: exit %d, want %d and the SECURITY ERROR banner\nstdout:\n%s\nstderr:\n%s", code, exitSecurity, out, errOut)
			}
			// Issue 4: the message names the file or role, the
			// repository and the reason.
			for _, w := range append(want, "repository corp") {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			if strings.Contains(out, "Successfully installed") {
				t.Errorf("stdout: %s", out)
			}
			after := venvSnapshot(t, e.venv)
			for p, d := range before {
				if after[p] != d {
					t.Errorf("venv %s: was %q, now %q", p, d, after[p])
				}
			}
			for p, d := range after {
				if _, ok := before[p]; !ok {
					t.Errorf("venv %s: new, %q", p, d)
				}
			}
			t.Logf("%s", errOut)
			if c.after != nil {
				c.after(e)
			}
		})
	}
}

// rollbackCase: after the client trusted a newer timestamp, snapshot and
// bin (state B), the server replays the older ones (state A) in place of
// those of the release of 2.0 (state C).
func rollbackCase(role string) attackCase {
	c := attackCase{
		name: "rollback/" + role,
		setup: func(e *attackEnv) {
			// State A, saved; then B: the bin, snapshot and timestamp
			// re-signed, as a refresh does.
			e.save("A timestamp", "tuf/timestamp.json")
			e.save("A snapshot", e.snapshotPath())
			e.save("A bin", e.binPath())
			e.repo.PublishTargets(e.repo.BinFor(demoPage))
			e.repo.PublishSnapshot()
			e.repo.PublishTimestamp()
		},
		attack: func(e *attackEnv) []string {
			e.release2()
			what := role
			switch role {
			case "timestamp":
				e.repo.SetFile("tuf/timestamp.json", e.saved["A timestamp"])
			case "snapshot":
				e.repo.SetFile(e.snapshotPath(), e.saved["A snapshot"])
			case "bin":
				what = e.repo.BinFor(demoPage)
				e.repo.SetFile(e.binPath(), e.saved["A bin"])
			}
			return []string{"repository corp: " + what + " metadata is older than the version already trusted"}
		},
	}
	if role == "timestamp" {
		c.after = (*attackEnv).trustUnchanged
	}
	return c
}

// hasSuffix reports whether a path of snapshot ends with suffix.
func hasSuffix(snapshot map[string]string, suffix string) bool {
	for p := range snapshot {
		if strings.HasSuffix(filepath.ToSlash(p), suffix) {
			return true
		}
	}
	return false
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
