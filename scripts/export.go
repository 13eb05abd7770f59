package scripts

import (
	"strings"

	"github.com/gopip/gopip/internal/pystr"
)

// exportEntry is distlib's ExportEntry: what pip's ScriptMaker makes of the
// specification "name = value".
type exportEntry struct {
	name   string
	prefix string // module
	suffix string // attribute path, e.g. "main" or "Cli.run"
	// hasSuffix is false when the callable has no ":" (distlib's
	// suffix None), which pip refuses for scripts.
	hasSuffix bool
	flags     []string
}

// entryRE is distlib.util.ENTRY_RE (distlib 0.3.6, vendored by pip 23.2),
// applied with re.search, so it is not anchored: "a b = m:f" yields the
// name "b", and anything after the callable that is not a flag list is
// ignored.
var entryRE = pystr.MustCompile(`(?P<name>[{w}\-.+]+)` +
	`[{s}]*=[{s}]*(?P<callable>[{w}]+(?:[:.][{w}]+)*)` +
	`[{s}]*(?:\[[{s}]*(?P<flags>[{w}\-]+(?:=[{w}]+)?(?:,[{s}]*[{w}]+(?:=[{w}]+)?)*)[{s}]*\])?`)

// getExportEntry is distlib.util.get_export_entry. It returns nil, false
// when the specification is not an export entry at all (distlib then
// treats it as the name of a file to copy, which crashes inside pip), and
// nil, true where distlib raises DistlibException("Invalid specification").
func getExportEntry(spec string) (e *exportEntry, invalid bool) {
	m := entryRE.FindStringSubmatchIndex(spec)
	brackets := strings.ContainsAny(spec, "[]")
	if m == nil {
		return nil, brackets
	}
	e = &exportEntry{name: spec[m[2]:m[3]]}
	callable := spec[m[4]:m[5]]
	switch strings.Count(callable, ":") {
	case 0:
		e.prefix = callable
	case 1:
		e.prefix, e.suffix, _ = strings.Cut(callable, ":")
		e.hasSuffix = true
	default:
		return nil, true
	}
	if m[6] < 0 {
		if brackets {
			return nil, true
		}
		e.flags = []string{}
	} else {
		for _, f := range strings.Split(spec[m[6]:m[7]], ",") {
			e.flags = append(e.flags, pystr.Strip(f))
		}
	}
	return e, false
}

// String is distlib's ExportEntry.__repr__ (ExportEntry has no __str__),
// which pip puts in its MissingCallableSuffix message.
func (e *exportEntry) String() string {
	suffix := "None"
	if e.hasSuffix {
		suffix = e.suffix
	}
	quoted := make([]string, len(e.flags))
	for i, f := range e.flags {
		quoted[i] = "'" + f + "'"
	}
	return "<ExportEntry " + e.name + " = " + e.prefix + ":" + suffix + " [" + strings.Join(quoted, ", ") + "]>"
}
