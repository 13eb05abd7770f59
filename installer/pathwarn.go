package installer

import (
	"path/filepath"
	"sort"
	"strings"
)

// ScriptsNotOnPATHWarning is pip's message_about_scripts_not_on_PATH
// (operations/install/wheel.py): given the console-script launchers an
// installation wrote (InstallResult.ConsoleScripts), the PATH variable and
// the interpreter's sys.executable, it returns the warning pip logs when
// some of those scripts' directories are not on PATH, or "". pip skips
// the warning with --no-warn-script-location, --target and --prefix.
func ScriptsNotOnPATHWarning(scripts []string, path, executable string) string {
	if len(scripts) == 0 {
		return ""
	}
	grouped := map[string]map[string]bool{}
	var order []string
	for _, s := range scripts {
		dir, name := filepath.Dir(s), filepath.Base(s)
		if grouped[dir] == nil {
			grouped[dir] = map[string]bool{}
			order = append(order, dir)
		}
		grouped[dir][name] = true
	}
	notWarn := map[string]bool{}
	for _, p := range strings.Split(path, string(filepath.ListSeparator)) {
		notWarn[strings.TrimRight(normpath(p), "/")] = true
	}
	notWarn[normpath(filepath.Dir(executable))] = true
	var lines []string
	for _, dir := range order {
		if notWarn[normpath(dir)] {
			continue
		}
		var names []string
		for n := range grouped[dir] {
			names = append(names, n)
		}
		sort.Strings(names)
		var start string
		if len(names) == 1 {
			start = "script " + names[0] + " is"
		} else {
			start = "scripts " + strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1] + " are"
		}
		lines = append(lines, "The "+start+" installed in '"+dir+"' which is not on PATH.")
	}
	if len(lines) == 0 {
		return ""
	}
	which := "this directory"
	if len(lines) > 1 {
		which = "these directories"
	}
	lines = append(lines, "Consider adding "+which+" to PATH or, if you prefer to suppress this warning, use --no-warn-script-location.")
	for _, p := range strings.Split(path, string(filepath.ListSeparator)) {
		if p != "" && p[0] == '~' {
			lines = append(lines, "NOTE: The current PATH contains path(s) starting with `~`, which may not be expanded by all applications.")
			break
		}
	}
	return strings.Join(lines, "\n")
}

// normpath is os.path.normpath for POSIX paths ("" becomes ".").
func normpath(p string) string {
	if p == "" {
		return "."
	}
	c := filepath.Clean(p)
	if strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "///") {
		return "/" + c // POSIX keeps exactly two leading slashes
	}
	return c
}
