package trust

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Layout says which files of a repository are TUF targets and under which
// target paths. It is part of a repository's configuration.
type Layout string

const (
	// LayoutGopip is the layout `gopip repo` publishes (see
	// docs/repository-layout.md): each project's page is the target
	// "simple/<project>/index.json", and it is the only target of a
	// project. Its distribution files (and PEP 658 metadata files) are
	// not looked up as targets: each is checked against the sha256 hash
	// and the PEP 700 size its verified page gives, and a file whose page
	// gives no size is refused. A client installing N projects fetches at
	// most N bins. It is the default.
	LayoutGopip Layout = "gopip"
	// LayoutGopipFiles is LayoutGopip for a repository that also signs
	// its files as targets, "packages/<filename>" (PEP 458's first design,
	// and what `gopip repo` published before its format 2). A file that
	// is a target is checked against its target information and its page
	// both; one that is not, against its page. It costs a bin lookup per
	// file.
	LayoutGopipFiles Layout = "gopip-files"
	// LayoutWarehouse is the Warehouse/RSTUF draft of PEP 458: only each
	// project's simple page is signed, under the target path of the
	// normalised project name, with a blake2b-256 hash; the page itself is
	// fetched from the index URL, and the files it links are checked
	// against the hashes in the verified page.
	LayoutWarehouse Layout = "warehouse"
)

// Layouts lists the layouts a repository may have, the default first.
var Layouts = []Layout{LayoutGopip, LayoutGopipFiles, LayoutWarehouse}

// ParseLayout returns the layout named s; "" is LayoutGopip.
func ParseLayout(s string) (Layout, error) {
	l := Layout(strings.ToLower(strings.TrimSpace(s)))
	if l == "" {
		return LayoutGopip, nil
	}
	if slices.Contains(Layouts, l) {
		return l, nil
	}
	return "", fmt.Errorf("unknown repository layout %q (known: gopip, gopip-files, warehouse)", s)
}

// PageTarget returns the target path of a project's simple page.
func (l Layout) PageTarget(project string) string {
	name := normalizeName(project)
	if l == LayoutWarehouse {
		return name
	}
	return "simple/" + name + "/index.json"
}

// FileTarget returns the target path under which a distribution file (or
// a PEP 658 ".metadata" file) is looked up, and false when the layout does
// not sign files (LayoutGopip, LayoutWarehouse): such a file is never
// looked up in the TUF metadata, its verified page vouches for it.
func (l Layout) FileTarget(filename string) (string, bool) {
	if l != LayoutGopipFiles || filename == "" || strings.ContainsAny(filename, "/\\") {
		return "", false
	}
	return "packages/" + filename, true
}

var nameSeparators = regexp.MustCompile(`[-_.]+`)

// normalizeName is PEP 503's normalisation of a project name.
func normalizeName(name string) string {
	return strings.ToLower(nameSeparators.ReplaceAllString(name, "-"))
}
