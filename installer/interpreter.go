package installer

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/gopip/gopip/resolver/tags"
)

//go:embed inspect.py
var inspectScript string

// bootstrap runs the inspection script read from stdin, after a version
// check written so that any Python (even 2.7) can parse it. It first drops
// the working directory "python -c" puts at the head of sys.path, so that
// a json.py (or inspect.py) in the user's directory cannot shadow the
// standard library.
const bootstrap = `import sys
if sys.path and sys.path[0] == "":
    del sys.path[0]
if sys.version_info < (3, 8):
    sys.stderr.write("gopip-too-old %d.%d.%d\n" % tuple(sys.version_info[:3]))
    sys.exit(77)
exec(compile(sys.stdin.read(), "<gopip-inspect>", "exec"))
`

const (
	beginMarker = "\n--gopip-inspect-begin--\n"
	endMarker   = "\n--gopip-inspect-end--\n"
)

// Interpreter is what gopip knows about a target Python interpreter: the
// answer of one run of the embedded inspection script (inspect.py), which
// computes every value the way pip 23.2 does inside that interpreter.
// The JSON names are the script's; the struct is also the cache format.
type Interpreter struct {
	// Path is the interpreter as gopip was given it, made absolute but not
	// resolved through symbolic links. Launchers and #!python scripts
	// use Executable, as pip uses sys.executable.
	Path string `json:"-"`
	// Executable is sys.executable.
	Executable string `json:"executable"`
	// Version is platform.python_version(), e.g. "3.11.7".
	Version string `json:"version"`
	// VersionInfo is list(sys.version_info[:3]).
	VersionInfo []int `json:"version_info"`
	// Implementation is sys.implementation.name.
	Implementation string `json:"implementation"`
	// CacheTag is sys.implementation.cache_tag, e.g. "cpython-311".
	CacheTag string `json:"cache_tag"`
	// PycSuffix is the suffix importlib.util.cache_from_source gives a
	// module's bytecode, e.g. ".cpython-311.pyc".
	PycSuffix string `json:"pyc_suffix"`
	// MagicNumber is importlib.util.MAGIC_NUMBER in hex, e.g. "a70d0d0a":
	// the first bytes of every .pyc this interpreter writes and accepts.
	MagicNumber string `json:"magic_number"`
	// Optimize is sys.flags.optimize (PYTHONOPTIMIZE, -O): the level the
	// interpreter compiles byte-code at, and the ".opt-N" of its names.
	Optimize int `json:"optimize"`
	// PycachePrefix is sys.pycache_prefix (PYTHONPYCACHEPREFIX), "" when
	// byte-code goes into __pycache__ directories next to the sources.
	PycachePrefix string `json:"pycache_prefix"`
	// Prefix, BasePrefix, ExecPrefix and BaseExecPrefix are the sys
	// attributes of those names.
	Prefix         string `json:"prefix"`
	BasePrefix     string `json:"base_prefix"`
	ExecPrefix     string `json:"exec_prefix"`
	BaseExecPrefix string `json:"base_exec_prefix"`
	// InVirtualenv is pip's running_under_virtualenv(): a PEP 405 venv or a
	// legacy virtualenv.
	InVirtualenv bool `json:"in_virtualenv"`
	// VirtualenvNoGlobal is pip's virtualenv_no_global(): in a virtual
	// environment whose pyvenv.cfg says include-system-site-packages =
	// false (or has no readable pyvenv.cfg).
	VirtualenvNoGlobal bool `json:"virtualenv_no_global"`
	// SysPath is sys.path without the working directory "python -c" adds.
	SysPath []string `json:"sys_path"`
	// UserSite is site.getusersitepackages() and UserBase
	// site.getuserbase() ("" when None).
	UserSite string `json:"user_site"`
	UserBase string `json:"user_base"`
	// EnableUserSite is site.ENABLE_USER_SITE: true, false, or nil (None:
	// disabled for security reasons, e.g. a setuid process).
	EnableUserSite *bool `json:"enable_user_site"`
	// Stdlib and Platstdlib are sysconfig.get_path("stdlib"/"platstdlib").
	Stdlib     string `json:"stdlib"`
	Platstdlib string `json:"platstdlib"`
	// UseSysconfig tells which of pip's two scheme implementations applies
	// (pip._internal.locations._USE_SYSCONFIG): sysconfig on Python 3.10+
	// unless the distributor says otherwise, distutils before.
	UseSysconfig bool `json:"use_sysconfig"`
	// Schemes holds pip's install schemes, keyed "default", "user", "home"
	// and "prefix". The home and prefix schemes are computed for the
	// placeholder directories HomeSentinel and PrefixSentinel, which
	// NewEnvironment replaces with the real --target/--prefix directory.
	Schemes        map[string]RawScheme `json:"schemes"`
	HomeSentinel   string               `json:"home_sentinel"`
	PrefixSentinel string               `json:"prefix_sentinel"`
	// MarkerEnvironment is packaging.markers.default_environment().
	MarkerEnvironment map[string]string `json:"marker_environment"`
	// Tags are the facts that decide the supported wheel tags.
	Tags tags.Interpreter `json:"tags"`
	// ExternallyManaged is set when pip's check_externally_managed() would
	// refuse: not in a virtual environment, and an EXTERNALLY-MANAGED file in
	// the standard library directory.
	ExternallyManaged *ExternallyManagedInfo `json:"externally_managed"`
	// SiteDirs are the directories whose .pth files shaped sys.path.
	SiteDirs []string `json:"site_dirs"`
	// Watch are files whose change makes a cached answer stale.
	Watch []string `json:"watch"`
}

// RawScheme is one of pip's install schemes as the interpreter computes
// it, before the distribution name (headers) and --root are applied.
type RawScheme struct {
	// Name is the sysconfig scheme name ("posix_prefix", "venv", ...) or
	// "distutils".
	Name    string `json:"name"`
	Purelib string `json:"purelib"`
	Platlib string `json:"platlib"`
	// Include is the directory pip's headers path joins the distribution
	// name to.
	Include string `json:"include"`
	Scripts string `json:"scripts"`
	Data    string `json:"data"`
	// Error is set instead of the paths when the interpreter has no such
	// scheme (pip's UserInstallationInvalid for "user").
	Error string `json:"error,omitempty"`
}

// ExternallyManagedInfo is the PEP 668 marker of an interpreter.
type ExternallyManagedInfo struct {
	// Path is the EXTERNALLY-MANAGED file.
	Path string `json:"path"`
	// Message is what pip shows: the file's Error-<lang> or Error key of
	// the [externally-managed] section, or pip's default text.
	Message string `json:"message"`
}

// MajorMinor returns "3.11" for Python 3.11.x.
func (in *Interpreter) MajorMinor() string {
	if len(in.VersionInfo) < 2 {
		return ""
	}
	return strconv.Itoa(in.VersionInfo[0]) + "." + strconv.Itoa(in.VersionInfo[1])
}

// InspectError reports that an interpreter could not be inspected.
type InspectError struct {
	Python string // the interpreter as given
	Reason string // what went wrong, one line
	Stderr string // the interpreter's stderr, when it ran
	Err    error
}

func (e *InspectError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "inspecting Python interpreter %s: %s", e.Python, e.Reason)
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if s := strings.TrimSpace(e.Stderr); s != "" {
		b.WriteString("\n")
		b.WriteString(s)
	}
	return b.String()
}

func (e *InspectError) Unwrap() error { return e.Err }

// Inspect returns the facts about the interpreter python (an absolute or
// relative path, as FindPython returns), running it at most once.
//
// The answer is cached as JSON under cacheDir (the caller passes e.g.
// $XDG_CACHE_HOME/gopip/interpreters; "" disables the cache), one file
// per interpreter path, written atomically. A cached answer is used only
// when all of these are unchanged, so that a second run starts no Python
// at all:
//   - the interpreter path, the file it resolves to, and that file's
//     modification time and size (an upgraded Python is a new file);
//   - the environment variables that change what Python reports (every
//     variable whose name contains PYTHON, HOME, the locale variables,
//     MACOSX_DEPLOYMENT_TARGET, SETUPTOOLS_USE_DISTUTILS);
//   - pyvenv.cfg and EXTERNALLY-MANAGED (existence, time, size);
//   - the .pth files of the site directories and whether those
//     directories exist (they shape sys.path);
//   - the inspection script itself (a new gopip).
//
// An interpreter that is a script (its file starts with "#!", such as a
// pyenv or asdf shim) is never cached: a wrapper may run a different
// interpreter on every call (pyenv chooses by the working directory and
// PYENV_VERSION), and the only way to know which is to run it. Pass the
// real interpreter (or a virtual environment) with --python to get the
// cache.
func Inspect(ctx context.Context, python, cacheDir string) (*Interpreter, error) {
	return inspect(ctx, python, cacheDir, runInspection)
}

type inspectRunner func(ctx context.Context, python string) ([]byte, error)

func inspect(ctx context.Context, python, cacheDir string, run inspectRunner) (*Interpreter, error) {
	abs, err := filepath.Abs(python)
	if err != nil {
		return nil, &InspectError{Python: python, Reason: "not found", Err: err}
	}
	resolved, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, &InspectError{Python: python, Reason: "not found", Err: err}
	}
	st, err := os.Stat(resolved)
	if err != nil {
		return nil, &InspectError{Python: python, Reason: "not found", Err: err}
	}
	if st.IsDir() {
		return nil, &InspectError{Python: python, Reason: "is a directory, not an interpreter"}
	}
	if st.Mode()&0o111 == 0 {
		return nil, &InspectError{Python: python, Reason: "not executable"}
	}
	cacheable := cacheDir != "" && !isScript(resolved)
	key := cacheKey{
		Script:   scriptDigest(),
		Path:     abs,
		Resolved: resolved,
		ModTime:  st.ModTime().UnixNano(),
		Size:     st.Size(),
		Env:      envFingerprint(os.Environ()),
	}
	cacheFile := ""
	if cacheable {
		cacheFile = filepath.Join(cacheDir, cacheFileName(abs))
		if in := readCache(cacheFile, key); in != nil {
			in.Path = abs
			return in, nil
		}
	}
	out, err := run(ctx, abs)
	if err != nil {
		return nil, err
	}
	in, err := parseInspection(python, out)
	if err != nil {
		return nil, err
	}
	in.Path = abs
	if cacheable {
		// A cache that cannot be written only costs time next run.
		_ = writeCache(cacheFile, key, in)
	}
	return in, nil
}

func runInspection(ctx context.Context, python string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, python, "-c", bootstrap)
	cmd.Stdin = strings.NewReader(inspectScript)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			if exit.ExitCode() == 77 {
				if v, ok := strings.CutPrefix(strings.TrimSpace(stderr.String()), "gopip-too-old "); ok {
					return nil, &InspectError{Python: python, Reason: fmt.Sprintf("Python %s is too old; gopip needs Python 3.8 or newer", v)}
				}
			}
			if strings.Contains(stderr.String(), "Traceback (most recent call last)") {
				return nil, &InspectError{Python: python, Reason: "the inspection script failed", Stderr: stderr.String(), Err: err}
			}
			return nil, &InspectError{Python: python, Reason: "it does not run as a Python interpreter", Stderr: stderr.String(), Err: err}
		}
		return nil, &InspectError{Python: python, Reason: "cannot run it", Err: err}
	}
	return stdout.Bytes(), nil
}

func parseInspection(python string, out []byte) (*Interpreter, error) {
	_, rest, ok := bytes.Cut(out, []byte(beginMarker))
	if ok {
		rest, _, ok = bytes.Cut(rest, []byte(endMarker))
	}
	if !ok {
		return nil, &InspectError{Python: python, Reason: "not a Python interpreter (its output has no inspection result)", Stderr: string(truncateBytes(out, 400))}
	}
	in := new(Interpreter)
	if err := json.Unmarshal(rest, in); err != nil {
		return nil, &InspectError{Python: python, Reason: "unreadable inspection result", Err: err}
	}
	if len(in.VersionInfo) < 2 || in.Executable == "" {
		return nil, &InspectError{Python: python, Reason: "incomplete inspection result"}
	}
	return in, nil
}

func truncateBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

func isScript(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var head [2]byte
	n, _ := io.ReadFull(f, head[:])
	return n == 2 && string(head[:]) == "#!"
}

func scriptDigest() string {
	sum := sha256.Sum256([]byte(bootstrap + inspectScript))
	return hex.EncodeToString(sum[:8])
}

func cacheFileName(abs string) string {
	sum := sha256.Sum256([]byte(abs))
	return hex.EncodeToString(sum[:12]) + ".json"
}

// envFingerprint digests the environment variables that change what the
// inspection script reports.
func envFingerprint(environ []string) string {
	var keep []string
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.Contains(k, "PYTHON"),
			k == "HOME", k == "LANG", k == "LANGUAGE", strings.HasPrefix(k, "LC_"),
			k == "MACOSX_DEPLOYMENT_TARGET", k == "SETUPTOOLS_USE_DISTUTILS":
			keep = append(keep, kv)
		}
	}
	sort.Strings(keep)
	sum := sha256.Sum256([]byte(strings.Join(keep, "\x00")))
	return hex.EncodeToString(sum[:16])
}

type cacheKey struct {
	Script   string `json:"script"`
	Path     string `json:"path"`
	Resolved string `json:"resolved"`
	ModTime  int64  `json:"mtime_ns"`
	Size     int64  `json:"size"`
	Env      string `json:"env"`
}

type cacheEntry struct {
	Key         cacheKey        `json:"key"`
	Files       string          `json:"files"`
	Interpreter json.RawMessage `json:"interpreter"`
}

// filesFingerprint digests the state of the files a cached answer depends
// on: the watched files and the .pth files of the site directories.
func filesFingerprint(in *Interpreter) string {
	h := sha256.New()
	stamp := func(p string) {
		st, err := os.Stat(p)
		if err != nil {
			fmt.Fprintf(h, "%s\x00-\n", p)
			return
		}
		fmt.Fprintf(h, "%s\x00%d\x00%d\x00%v\n", p, st.ModTime().UnixNano(), st.Size(), st.IsDir())
	}
	for _, p := range in.Watch {
		stamp(p)
	}
	for _, d := range in.SiteDirs {
		entries, err := os.ReadDir(d)
		if err != nil {
			fmt.Fprintf(h, "dir %s\x00-\n", d)
			continue
		}
		fmt.Fprintf(h, "dir %s\n", d)
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".pth") {
				stamp(filepath.Join(d, e.Name()))
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func readCache(file string, key cacheKey) *Interpreter {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	var e cacheEntry
	if json.Unmarshal(data, &e) != nil || e.Key != key {
		return nil
	}
	in := new(Interpreter)
	if json.Unmarshal(e.Interpreter, in) != nil || len(in.VersionInfo) < 2 {
		return nil
	}
	if filesFingerprint(in) != e.Files {
		return nil
	}
	return in
}

func writeCache(file string, key cacheKey, in *Interpreter) error {
	raw, err := json.Marshal(in)
	if err != nil {
		return err
	}
	data, err := json.Marshal(cacheEntry{Key: key, Files: filesFingerprint(in), Interpreter: raw})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	return writeFileAtomic(file, data, 0o644)
}

// writeFileAtomic writes data to a temporary file next to name and renames
// it into place, so readers see the old or the new content, never a part.
func writeFileAtomic(name string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
