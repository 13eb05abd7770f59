package scripts

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gopip/gopip/internal/pystr"
)

// Entry point groups that produce launchers.
const (
	GroupConsole = "console_scripts"
	GroupGUI     = "gui_scripts"
)

// EntryPoint is one "name = value" line of a distribution's
// entry_points.txt.
//
// Name, Value and Group are what pip works from. Module, Attr and Extras
// split Value the way importlib.metadata.EntryPoint does
// ("module:attr [extra, ...]"); they are for callers that want the parts,
// and are empty when Value does not follow that grammar, which is allowed:
// entry points outside console_scripts and gui_scripts are never
// interpreted by pip.
type EntryPoint struct {
	Group string // section name, e.g. "console_scripts"
	Name  string // text before the first "=", white space stripped
	Value string // text after the first "=", white space stripped

	Module string   // importlib.metadata's ep.module
	Attr   string   // importlib.metadata's ep.attr, "" when absent
	Extras []string // importlib.metadata's ep.extras

	// Line is the 1-based line of entry_points.txt this came from, 0 when
	// the entry point was not parsed from a file.
	Line int
}

// SyntaxError reports a line of entry_points.txt that cannot be read.
type SyntaxError struct {
	Line int    // 1-based line number
	Text string // the offending line
	Msg  string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("entry_points.txt line %d: %s: %q", e.Line, e.Msg, e.Text)
}

// ParseEntryPoints reads an entry_points.txt file exactly as pip 23.2 on
// Python 3.11+ does, which is importlib.metadata's own small reader (the
// Sectioned class), not configparser:
//
//   - the file must be UTF-8 (a byte order mark is kept as U+FEFF and so
//     hides the first section header, as it does in pip);
//   - lines are split as str.splitlines() splits them and stripped of
//     white space; empty lines and lines starting with "#" are skipped
//     (";" does not start a comment, and there are no continuation lines);
//   - a line that starts with "[" and ends with "]" starts a section, whose
//     name is the line with all leading "[" and trailing "]" removed;
//   - every other line before the first section is ignored;
//   - every other line in a section is split at its first "=" (":" is not
//     a delimiter); a line without "=" is an error, as it is in pip;
//   - names and groups are case-sensitive, duplicates are kept in order.
//
// pip 23.2 running on Python 3.10 or older reads the file with
// pkg_resources instead, which is stricter (it rejects malformed values
// and duplicate names in every group); those rules are not reproduced.
func ParseEntryPoints(data []byte) ([]EntryPoint, error) {
	if !utf8.Valid(data) {
		n := 0
		for n < len(data) {
			r, size := utf8.DecodeRune(data[n:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			n += size
		}
		return nil, fmt.Errorf("entry_points.txt is not valid UTF-8 (byte %d)", n)
	}
	var eps []EntryPoint
	group, inSection := "", false
	for i, raw := range pystr.SplitLines(string(data)) {
		line := pystr.Strip(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			group, inSection = strings.Trim(line, "[]"), true
			continue
		}
		if !inSection {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, &SyntaxError{Line: i + 1, Text: raw, Msg: `missing "=" (want "name = module:attr")`}
		}
		ep := EntryPoint{Group: group, Name: pystr.Strip(name), Value: pystr.Strip(value), Line: i + 1}
		ep.Module, ep.Attr, ep.Extras = splitImportlib(ep.Value)
		eps = append(eps, ep)
	}
	return eps, nil
}

// importlibPattern is importlib.metadata.EntryPoint.pattern (Python 3.11),
// applied with re.match.
var importlibPattern = pystr.MustCompile(`^(?P<module>[{w}.]+)[{s}]*` +
	`(?::[{s}]*(?P<attr>[{w}.]+)[{s}]*)?` +
	`(?:(?P<extras>\[.*\])[{s}]*)?$`)

var wordRun = pystr.MustCompile(`[{w}]+`)

func splitImportlib(value string) (module, attr string, extras []string) {
	m := importlibPattern.FindStringSubmatch(value)
	if m == nil {
		return "", "", nil
	}
	return m[1], m[2], wordRun.FindAllString(m[3], -1)
}

// ConsoleScripts returns the console_scripts entry points the way pip
// collects them into a dict (get_entrypoints in
// pip/_internal/operations/install/wheel.py): one per name, in the order
// the names first appear, each with the value of its last occurrence.
func ConsoleScripts(eps []EntryPoint) []EntryPoint { return selectGroup(eps, GroupConsole) }

// GUIScripts is ConsoleScripts for the gui_scripts group.
func GUIScripts(eps []EntryPoint) []EntryPoint { return selectGroup(eps, GroupGUI) }

func selectGroup(eps []EntryPoint, group string) []EntryPoint {
	var out []EntryPoint
	index := map[string]int{}
	for _, ep := range eps {
		if ep.Group != group {
			continue
		}
		if i, ok := index[ep.Name]; ok {
			out[i] = ep
			continue
		}
		index[ep.Name] = len(out)
		out = append(out, ep)
	}
	return out
}
