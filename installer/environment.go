package installer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// SchemeOptions choose where an installation goes, as pip's install
// options do.
type SchemeOptions struct {
	// User is --user: the user scheme (site.USER_BASE).
	User bool
	// NoUser is --no-user. When neither User nor NoUser is set, pip's
	// decide_user_install applies: a user installation when user sites are
	// enabled, no --prefix or --target is given, and the normal
	// site-packages is not writable (Environment.DefaultedToUser says so).
	NoUser bool
	// Target is --target DIR: the home scheme, then its contents moved into
	// DIR (see Environment).
	Target string
	// Prefix is --prefix DIR.
	Prefix string
	// Root is --root DIR: every scheme path re-based under DIR.
	Root string
	// Upgrade is -U/--upgrade. With Target it replaces what is already in
	// the target directory, as pip does.
	Upgrade bool
}

// Scheme is where the parts of one distribution's wheel go: pip's Scheme
// (pip/_internal/models/scheme.py), absolute paths.
type Scheme struct {
	Purelib string
	Platlib string
	Headers string
	Scripts string
	Data    string
}

// Environment is an installation target: an interpreter plus the scheme
// options. It holds no open resources; Install and Uninstall lock it while
// they run.
//
// For --target, the scheme directories are those of pip's home scheme
// under a virtual home inside the target (never created); Install maps
// the home's library directories onto the target directory and its other
// top-level items (bin, include, ...) onto items of the same name, which is
// exactly where pip's _handle_target_dir moves them.
type Environment struct {
	Interpreter *Interpreter
	Options     SchemeOptions
	// SchemeName is the sysconfig scheme used ("venv", "posix_prefix",
	// "posix_user", "posix_home", ...) or "distutils".
	SchemeName string
	// UserInstall is pip's decision for use_user_site.
	UserInstall bool
	// DefaultedToUser is set when pip would log "Defaulting to user
	// installation because normal site-packages is not writeable".
	DefaultedToUser bool
	// Target is the absolute --target directory, or "".
	Target string

	purelib, platlib, include, scripts, data string
	// lookup are the directories searched for installed distributions.
	lookup []string
}

// NewEnvironment computes the install scheme for interp and opts the way
// pip 23.2's install command does (commands/install.py decide_user_install
// and locations/_sysconfig.get_scheme, or locations/_distutils on Python
// before 3.10). Errors carry pip's messages.
//
// NewEnvironment does not check PEP 668; the caller does, with
// CheckExternallyManaged, when pip would.
func NewEnvironment(interp *Interpreter, opts SchemeOptions) (*Environment, error) {
	if interp == nil {
		return nil, errors.New("NewEnvironment: nil interpreter")
	}
	if opts.User && opts.Target != "" {
		return nil, errors.New("Can not combine '--user' and '--target'")
	}
	if opts.Target != "" && opts.Prefix != "" {
		return nil, errors.New("Cannot set --home and --prefix together")
	}
	env := &Environment{Interpreter: interp, Options: opts}

	// decide_user_install
	switch {
	case opts.NoUser:
	case opts.User:
		if opts.Prefix != "" {
			return nil, errors.New("Can not combine '--user' and '--prefix' as they imply different installation locations")
		}
		if interp.VirtualenvNoGlobal {
			return nil, errors.New("Can not perform a '--user' install. User site-packages are not visible in this virtualenv.")
		}
		env.UserInstall = true
	case opts.Prefix != "" || opts.Target != "":
	case interp.EnableUserSite == nil || !*interp.EnableUserSite:
	default:
		def, err := interp.scheme("default")
		if err != nil {
			return nil, err
		}
		if !writableDir(changeRoot(opts.Root, def.Purelib)) || !writableDir(changeRoot(opts.Root, def.Platlib)) {
			env.UserInstall = true
			env.DefaultedToUser = true
		}
	}

	var raw RawScheme
	var err error
	switch {
	case opts.Target != "":
		target, err := filepath.Abs(opts.Target)
		if err != nil {
			return nil, err
		}
		if st, err := os.Stat(target); err == nil && !st.IsDir() {
			return nil, errors.New("Target path exists but is not a directory, will not continue.")
		}
		env.Target = target
		raw, err = interp.scheme("home")
		if err != nil {
			return nil, err
		}
		raw = raw.rebase(interp.HomeSentinel, filepath.Join(target, targetHomeName))
	case opts.Prefix != "":
		prefix, err := filepath.Abs(opts.Prefix)
		if err != nil {
			return nil, err
		}
		raw, err = interp.scheme("prefix")
		if err != nil {
			return nil, err
		}
		raw = raw.rebase(interp.PrefixSentinel, prefix)
	case env.UserInstall:
		raw, err = interp.scheme("user")
	default:
		raw, err = interp.scheme("default")
	}
	if err != nil {
		return nil, err
	}
	env.SchemeName = raw.Name
	root := opts.Root
	if root != "" {
		if root, err = filepath.Abs(root); err != nil {
			return nil, err
		}
	}
	env.purelib = changeRoot(root, raw.Purelib)
	env.platlib = changeRoot(root, raw.Platlib)
	env.include = changeRoot(root, raw.Include)
	env.scripts = changeRoot(root, raw.Scripts)
	env.data = changeRoot(root, raw.Data)

	switch {
	case env.Target != "":
		// pip sets ignore_installed with --target: nothing is looked up.
	case opts.Prefix != "" || root != "":
		// As pip does, look in sys.path (a distribution installed there
		// in the same version is "already satisfied"), and also where
		// the files go. Unlike pip, Install never uninstalls a copy
		// outside the target's own directories.
		env.lookup = uniqueStrings(append([]string{env.purelib, env.platlib}, interp.SysPath...))
	default:
		env.lookup = uniqueStrings(interp.SysPath)
	}
	return env, nil
}

// targetHomeName names the virtual home directory of a --target install
// inside the target directory. It is never created.
const targetHomeName = ".gopip-home"

func (in *Interpreter) scheme(kind string) (RawScheme, error) {
	s, ok := in.Schemes[kind]
	if !ok {
		return RawScheme{}, fmt.Errorf("interpreter %s reported no %q install scheme", in.Path, kind)
	}
	if s.Error != "" {
		return RawScheme{}, errors.New(s.Error)
	}
	return s, nil
}

// rebase replaces the placeholder directory the interpreter computed the
// home or prefix scheme for with dir.
func (s RawScheme) rebase(sentinel, dir string) RawScheme {
	f := func(p string) string {
		if p == sentinel {
			return dir
		}
		if rest, ok := strings.CutPrefix(p, sentinel+"/"); ok {
			return filepath.Join(dir, rest)
		}
		return p
	}
	s.Purelib, s.Platlib, s.Include, s.Scripts, s.Data = f(s.Purelib), f(s.Platlib), f(s.Include), f(s.Scripts), f(s.Data)
	return s
}

// changeRoot is pip's change_root (locations/base.py) on POSIX.
func changeRoot(root, p string) string {
	if root == "" {
		return p
	}
	if !filepath.IsAbs(p) {
		return filepath.Join(root, p)
	}
	return filepath.Join(root, p[1:])
}

// writableDir is pip's test_writable_dir on POSIX: access(W_OK) on the
// directory or its closest existing parent.
func writableDir(p string) bool {
	for {
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			break
		}
		parent := filepath.Dir(p)
		if parent == p {
			break
		}
		p = parent
	}
	return accessWritable(p)
}

func uniqueStrings(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

// Scheme returns where the files of distribution dist go: pip's
// get_scheme(dist, ...). For a --target environment these are the paths in
// the virtual home; see Environment.
func (e *Environment) Scheme(dist string) Scheme {
	return Scheme{
		Purelib: e.purelib,
		Platlib: e.platlib,
		Headers: filepath.Join(e.include, dist),
		Scripts: e.scripts,
		Data:    e.data,
	}
}

// SiteDirs returns the directories where installed distributions are
// looked up for this environment: sys.path for the default and user
// schemes (as pip does), the scheme's own library directories then
// sys.path for --prefix and --root, and none for --target (pip ignores
// what is installed when --target is given; existing items of the target
// directory are handled by Install).
func (e *Environment) SiteDirs() []string {
	return append([]string(nil), e.lookup...)
}

// LockDir returns the directory whose lock serialises gopip processes on
// this environment: the target directory for --target, else the purelib
// directory.
func (e *Environment) LockDir() string {
	if e.Target != "" {
		return e.Target
	}
	return e.purelib
}

// CheckExternallyManaged returns an *ExternallyManagedError when pip's
// check_externally_managed() would refuse to modify this environment
// (PEP 668): the interpreter is not in a virtual environment and its
// standard library directory holds an EXTERNALLY-MANAGED file.
//
// Whether to call it is the caller's decision, following pip 23.2's
// install command: the check is skipped with --root, --target or
// --prefix (there is no reliable way to find the marker for those), for
// "--dry-run" combined with "--report", and with --break-system-packages
// (PIP_BREAK_SYSTEM_PACKAGES). pip's uninstall command checks it too
// (skipped only by --break-system-packages).
func (e *Environment) CheckExternallyManaged() error {
	return e.Interpreter.CheckExternallyManaged()
}

// CheckExternallyManaged is Environment.CheckExternallyManaged for the
// interpreter's default environment.
func (in *Interpreter) CheckExternallyManaged() error {
	if in.ExternallyManaged == nil || in.InVirtualenv {
		return nil
	}
	return &ExternallyManagedError{Message: in.ExternallyManaged.Message, Path: in.ExternallyManaged.Path}
}

// ExternallyManagedError is pip's ExternallyManagedEnvironment: the
// environment is managed by a distributor (PEP 668).
type ExternallyManagedError struct {
	// Message is the EXTERNALLY-MANAGED file's own message (its
	// [externally-managed] Error-<lang> or Error key) or pip's default.
	Message string
	// Path is the EXTERNALLY-MANAGED file.
	Path string
}

func (e *ExternallyManagedError) Error() string {
	return "This environment is externally managed\n" + e.Message
}

// Reference is pip's error reference, printed as "error: <reference>".
func (e *ExternallyManagedError) Reference() string { return "externally-managed-environment" }

// Note is pip's note_stmt.
func (e *ExternallyManagedError) Note() string {
	return "If you believe this is a mistake, please contact your Python installation or OS distribution provider. " +
		"You can override this, at the risk of breaking your Python installation or OS, by passing --break-system-packages."
}

// Hint is pip's hint_stmt.
func (e *ExternallyManagedError) Hint() string { return "See PEP 668 for the detailed specification." }
