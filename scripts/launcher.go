package scripts

import (
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"strings"
	"unicode/utf8"

	"github.com/gopip/gopip/internal/pystr"
)

// ErrUnsupportedOS is returned for a Windows target: pip writes .exe
// launchers there (distlib's t64.exe/w64.exe stubs with a zip appended),
// which gopip does not generate.
var ErrUnsupportedOS = errors.New("scripts: Windows .exe launchers are not supported; only POSIX targets (Linux, macOS) are")

// EnsurepipMode mirrors the ENSUREPIP_OPTIONS environment variable, which
// decides which names pip gives the launchers of the "pip" and
// "easy_install" entry points. Its zero value is pip's default.
type EnsurepipMode int

const (
	// EnsurepipUnset: ENSUREPIP_OPTIONS is not set. pip writes pip, pipX,
	// pipX.Y, easy_install and easy_install-X.Y.
	EnsurepipUnset EnsurepipMode = iota
	// EnsurepipInstall: ENSUREPIP_OPTIONS is set to anything but
	// "altinstall", the empty string included. pip writes pipX, pipX.Y and
	// easy_install-X.Y.
	EnsurepipInstall
	// EnsurepipAltinstall: ENSUREPIP_OPTIONS=altinstall. pip writes only
	// pipX.Y and easy_install-X.Y.
	EnsurepipAltinstall
)

// EnsurepipModeFromEnv maps the result of os.LookupEnv("ENSUREPIP_OPTIONS")
// to an EnsurepipMode.
func EnsurepipModeFromEnv(value string, set bool) EnsurepipMode {
	switch {
	case !set:
		return EnsurepipUnset
	case value == "altinstall":
		return EnsurepipAltinstall
	default:
		return EnsurepipInstall
	}
}

// Target describes the interpreter launchers are written for. pip takes
// all of this from the interpreter it runs in (sys.executable,
// sys.version_info, sys.platform, os.environ); gopip is told.
type Target struct {
	// Python is the interpreter path put in shebangs: the target's
	// sys.executable, not resolved or cleaned.
	Python string
	// OS is the target system as a runtime.GOOS value ("linux",
	// "darwin", ...); "" means runtime.GOOS. It only changes the longest
	// shebang written as a plain "#!" line: 512 bytes on macOS, 127
	// elsewhere.
	OS string
	// Major and Minor are the target's sys.version_info[:2], used in the
	// versioned names of the pip and easy_install launchers.
	Major, Minor int
	// Ensurepip is ENSUREPIP_OPTIONS as pip would see it.
	Ensurepip EnsurepipMode
}

// Script is one launcher to write into the scripts directory.
type Script struct {
	// Name is the file name, relative to the scripts directory. It is
	// what distlib parses out of "name = value", which is the entry
	// point's name unless that contains characters outside
	// [\w.+-] (then only the part after the last of them is kept, as
	// in pip).
	Name string
	// EntryPoint is the entry point the launcher calls. Its Name is the
	// name the launcher was generated under, which for pip and
	// easy_install is a versioned one ("pip3", "pip3.11",
	// "easy_install-3.11").
	EntryPoint EntryPoint
	// GUI is true for gui_scripts. On POSIX a GUI launcher is identical
	// to a console one.
	GUI bool
	// Data is the content of the file, as Target.Launcher returns it.
	Data []byte
}

// LauncherMode returns the permission bits pip leaves on a launcher for
// a process umask. distlib's FileOperator.write_binary_file removes any
// existing file and creates a new one (mode 0o666 &^ umask), then
// set_executable_mode ORs in 0o555 (r-x for everyone, whatever the umask),
// so with umask 022 launchers are 0o755, with 077 still 0o755, with 002
// 0o775.
//
// Files from a wheel's .data/scripts are not launchers: pip extracts them
// as 0o666 &^ umask, or 0o777 &^ umask | 0o111 when the zip entry is
// executable, and RewriteShebang rewrites them in place without changing
// their mode.
func LauncherMode(umask fs.FileMode) fs.FileMode {
	return (0o666 &^ umask.Perm()) | 0o555
}

// maxShebang is the longest "#!" line (counting "#!" and the newline) that
// distlib writes as such; longer ones use the /bin/sh form.
func (t Target) maxShebang() (int, error) {
	goos := t.OS
	if goos == "" {
		goos = runtime.GOOS
	}
	switch goos {
	case "windows":
		return 0, ErrUnsupportedOS
	case "darwin":
		return 512, nil
	}
	return 127, nil
}

// Shebang returns the first line(s) pip's ScriptMaker writes on a launcher,
// newline included, following distlib 0.3.6's _get_shebang and
// _build_shebang with pip's settings (no ScriptMaker.executable, so the
// path is quoted when it has a space; no interpreter arguments).
//
// A path containing a space is put in double quotes, unless it starts with
// a double quote already ("/usr/bin/env prog args" quotes only "prog
// args"). If the result has no space and "#!" + path + "\n" is at most 127
// bytes (512 on macOS), that line is the shebang. Otherwise it is a
// polyglot that sh runs and Python reads as a string literal:
//
//	#!/bin/sh
//	'''exec' "/path with space/python" "$0" "$@"
//	' '''
//
// GUI launchers get the same shebang on POSIX (distlib switches to
// pythonw only on Windows). Python must be valid UTF-8, because distlib
// encodes it so; it may not be empty or hold a newline or NUL byte.
func (t Target) Shebang() ([]byte, error) {
	limit, err := t.maxShebang()
	if err != nil {
		return nil, err
	}
	exe := t.Python
	switch {
	case exe == "":
		return nil, errors.New("scripts: no interpreter path for the shebang")
	case !utf8.ValidString(exe):
		return nil, fmt.Errorf("scripts: interpreter path %q is not valid UTF-8, which a shebang needs", exe)
	case strings.ContainsAny(exe, "\n\x00"):
		return nil, fmt.Errorf("scripts: interpreter path %q cannot be written in a shebang", exe)
	}
	exe = enquoteExecutable(exe)
	if !strings.Contains(exe, " ") && len(exe)+3 <= limit {
		return []byte("#!" + exe + "\n"), nil
	}
	return []byte("#!/bin/sh\n'''exec' " + exe + " \"$0\" \"$@\"\n' '''\n"), nil
}

// enquoteExecutable is distlib.scripts.enquote_executable.
func enquoteExecutable(exe string) string {
	if !strings.Contains(exe, " ") {
		return exe
	}
	if strings.HasPrefix(exe, "/usr/bin/env ") {
		env, prog, _ := strings.Cut(exe, " ")
		if strings.Contains(prog, " ") && !strings.HasPrefix(prog, `"`) {
			return env + ` "` + prog + `"`
		}
		return exe
	}
	if !strings.HasPrefix(exe, `"`) {
		return `"` + exe + `"`
	}
	return exe
}

// scriptTemplate is distlib 0.3.6's SCRIPT_TEMPLATE, which pip 23.2 (the
// pip these bytes are checked against) uses unchanged. The placeholders are
// module, import_name (the attribute path up to its first ".") and func
// (the whole attribute path).
//
// Later versions differ, and gopip will have to follow if it matches a
// newer pip. distlib 0.3.8+, vendored by pip 24.x, moved the import under
// "if __name__ == '__main__':". Newer pip (seen in the 25.x/26.x sources)
// sets its own PipScriptMaker.script_template, with no coding line and no
// "import re":
//
//	import sys
//	from %(module)s import %(import_name)s
//	if __name__ == '__main__':
//	    if sys.argv[0].endswith('.exe'):
//	        sys.argv[0] = sys.argv[0][:-4]
//	    sys.exit(%(func)s())
//
// (reportedly "sys.argv[0] = sys.argv[0].removesuffix('.exe')" in the
// latest releases; not checked against a release here).
const scriptTemplate = `# -*- coding: utf-8 -*-
import re
import sys
from %(module)s import %(import_name)s
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\.pyw|\.exe)?$', '', sys.argv[0])
    sys.exit(%(func)s())
`

// EntryPointError reports an entry point pip would refuse (or crash on)
// when generating its launcher.
type EntryPointError struct {
	EntryPoint EntryPoint
	// MissingCallable is true for a value without ":attr", the case pip
	// reports as MissingCallableSuffix.
	MissingCallable bool
	Msg             string
}

func (e *EntryPointError) Error() string {
	var b strings.Builder
	if e.EntryPoint.Line > 0 {
		fmt.Fprintf(&b, "entry_points.txt line %d: ", e.EntryPoint.Line)
	}
	group := e.EntryPoint.Group
	if group == "" {
		group = "script"
	}
	fmt.Fprintf(&b, "invalid %s entry point %q: %s", group, e.EntryPoint.Name+" = "+e.EntryPoint.Value, e.Msg)
	return b.String()
}

// parseScript applies distlib's get_export_entry to "name = value" and the
// checks pip and distlib make before writing a launcher.
func parseScript(ep EntryPoint) (*exportEntry, error) {
	value := ep.Value
	if value == "" && ep.Module != "" {
		value = ep.Module
		if ep.Attr != "" {
			value += ":" + ep.Attr
		}
		ep.Value = value
	}
	e, invalid := getExportEntry(ep.Name + " = " + value)
	switch {
	case invalid || e == nil:
		return nil, &EntryPointError{EntryPoint: ep,
			Msg: `not of the form "name = module:attr [extras]"`}
	case !e.hasSuffix:
		// pip's MissingCallableSuffix (_raise_for_invalid_entrypoint).
		return nil, &EntryPointError{EntryPoint: ep, MissingCallable: true,
			Msg: "a callable suffix is required (" + e.String() + ")\n" +
				"See https://packaging.python.org/specifications/entry-points/#use-for-scripts"}
	case e.name == "." || e.name == "..":
		return nil, &EntryPointError{EntryPoint: ep,
			Msg: fmt.Sprintf("script name %q is not a file name", e.name)}
	}
	return e, nil
}

// Launcher returns the launcher file pip writes for an entry point: the
// Shebang, then distlib's script template filled in from "Name = Value".
// For "foo = pkg.cli:Main.run" that is
//
//	#!/usr/bin/python3
//	# -*- coding: utf-8 -*-
//	import re
//	import sys
//	from pkg.cli import Main
//	if __name__ == '__main__':
//	    sys.argv[0] = re.sub(r'(-script\.pyw|\.exe)?$', '', sys.argv[0])
//	    sys.exit(Main.run())
//
// so an attribute path imports its first part and calls the whole path,
// and the callable's return value becomes the exit status (None is 0, an
// int is the status, anything else is printed to stderr with status 1).
// Extras ("[extra]") are accepted and ignored. An entry point without
// ":attr" is an *EntryPointError, as pip refuses it. When Value is empty,
// Module and Attr are used instead.
func (t Target) Launcher(ep EntryPoint) ([]byte, error) {
	shebang, err := t.Shebang()
	if err != nil {
		return nil, err
	}
	e, err := parseScript(ep)
	if err != nil {
		return nil, err
	}
	return render(shebang, e), nil
}

func render(shebang []byte, e *exportEntry) []byte {
	importName, _, _ := strings.Cut(e.suffix, ".")
	body := strings.NewReplacer(
		"%(module)s", e.prefix,
		"%(import_name)s", importName,
		"%(func)s", e.suffix,
	).Replace(scriptTemplate)
	out := make([]byte, 0, len(shebang)+len(body))
	return append(append(out, shebang...), body...)
}

var (
	versionedPip         = pystr.MustCompile(`^pip(?:[{d}]+(?:\.[{d}]+)?)?$`)
	versionedEasyInstall = pystr.MustCompile(`^easy_install(?:-[{d}]+\.[{d}]+)?$`)
)

// Scripts returns the launchers pip writes for a distribution's entry
// points, in the order pip writes them (a later one with the same Name
// replaces an earlier one on disk; pip lists both in RECORD). It follows
// _install_wheel and get_console_script_specs in
// pip/_internal/operations/install/wheel.py:
//
//   - console_scripts first, then gui_scripts, each as ConsoleScripts and
//     GUIScripts collect them;
//   - the "pip" entry point becomes "pip", "pipX" and "pipX.Y" for the
//     target's version (fewer with Ensurepip set), and every other
//     console entry point named like pip, pip3 or pip3.8 is dropped;
//     "easy_install" likewise becomes "easy_install" and
//     "easy_install-X.Y", dropping easy_install-X.Y entries. These come
//     before the other console scripts. A "pip" or "easy_install" entry
//     point with an empty value is dropped and nothing is generated for it;
//   - every launcher is checked as Launcher checks it; the first entry
//     point pip would refuse or crash on is returned as an error, and no
//     Script at all.
func (t Target) Scripts(eps []EntryPoint) ([]Script, error) {
	shebang, err := t.Shebang()
	if err != nil {
		return nil, err
	}
	console := ConsoleScripts(eps)
	var specs []EntryPoint
	versioned := func(base string, re interface{ MatchString(string) bool }, names func() []string) error {
		i := indexOf(console, base)
		if i < 0 {
			return nil
		}
		ep := console[i]
		console = append(console[:i:i], console[i+1:]...)
		if ep.Value == "" {
			return nil
		}
		if t.Major <= 0 || t.Minor < 0 {
			return fmt.Errorf("scripts: the target Python version is needed to name the %s launchers", base)
		}
		for _, name := range names() {
			v := ep
			v.Name = name
			specs = append(specs, v)
		}
		kept := console[:0:0]
		for _, c := range console {
			if !re.MatchString(c.Name) {
				kept = append(kept, c)
			}
		}
		console = kept
		return nil
	}
	err = versioned("pip", versionedPip, func() []string {
		var names []string
		if t.Ensurepip == EnsurepipUnset {
			names = append(names, "pip")
		}
		if t.Ensurepip != EnsurepipAltinstall {
			names = append(names, fmt.Sprintf("pip%d", t.Major))
		}
		return append(names, fmt.Sprintf("pip%d.%d", t.Major, t.Minor))
	})
	if err != nil {
		return nil, err
	}
	err = versioned("easy_install", versionedEasyInstall, func() []string {
		var names []string
		if t.Ensurepip == EnsurepipUnset {
			names = append(names, "easy_install")
		}
		return append(names, fmt.Sprintf("easy_install-%d.%d", t.Major, t.Minor))
	})
	if err != nil {
		return nil, err
	}
	specs = append(specs, console...)
	nConsole := len(specs)
	specs = append(specs, GUIScripts(eps)...)

	out := make([]Script, 0, len(specs))
	for i, ep := range specs {
		e, err := parseScript(ep)
		if err != nil {
			return nil, err
		}
		out = append(out, Script{Name: e.name, EntryPoint: ep, GUI: i >= nConsole, Data: render(shebang, e)})
	}
	return out, nil
}

func indexOf(eps []EntryPoint, name string) int {
	for i, ep := range eps {
		if ep.Name == name {
			return i
		}
	}
	return -1
}

// IsEntryPointWrapper reports whether pip skips the file name (the base
// name of a file in a wheel's .data/scripts) because it looks like a
// wrapper setuptools generated for one of the console_scripts or
// gui_scripts entry points: the name itself, or the name followed by
// ".exe", "-script.py" or ".pya" (suffixes compared without regard to
// ASCII case). pip does not install such files at all; it writes its own
// launchers instead (is_entrypoint_wrapper in _install_wheel).
func IsEntryPointWrapper(name string, eps []EntryPoint) bool {
	match := name
	for _, suffix := range []string{".exe", "-script.py", ".pya"} {
		if len(name) >= len(suffix) && asciiLower(name[len(name)-len(suffix):]) == suffix {
			match = name[:len(name)-len(suffix)]
			break
		}
	}
	for _, ep := range eps {
		if (ep.Group == GroupConsole || ep.Group == GroupGUI) && ep.Name == match {
			return true
		}
	}
	return false
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
