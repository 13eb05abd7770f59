package cmd

import "testing"

func TestShowMatchesPip(t *testing.T) {
	e := newVenvEnv(t)
	e.useEnv(t)
	all := []string{"foo-bar", "baz", "Spam", "editpkg", "urlpkg", "vcspkg", "dirpkg", "LegacyVer",
		"setuptools", "wheel", "pip", "distribute", "eggy", "distutilsy", "otherpkg", "unicodepkg", "legacyed"}
	var argLists [][]string
	for _, flags := range [][]string{{}, {"-f"}, {"-v"}, {"-v", "-f"}} {
		argLists = append(argLists, append(append([]string{"show"}, flags...), all...))
	}
	argLists = append(argLists,
		[]string{"show", "Foo_Bar"},
		[]string{"show", "FOO.BAR", "foo-bar"},
		[]string{"show", "nope"},
		[]string{"show", "zzz", "spam", "aaa", "Nope"},
		[]string{"show"},
		[]string{"show", "-q", "spam"},
		[]string{"show", "-q", "nope"},
		[]string{"show", "-qq", "nope", "spam"},
		[]string{"show", "--files", "eggy", "distutilsy"},
		[]string{"show", "tip", "broken"},
	)
	cs := cases(argLists...)
	cs = append(cs, diffCase{args: []string{"show", "spam"}, env: []string{"PIP_FILES=true", "PIP_VERBOSE=2"}})
	e.compare(t, cs...)
}
