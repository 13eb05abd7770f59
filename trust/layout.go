package trust

import (
	"fmt"
	"regexp"
	"strings"
)

// Layout says which files of a repository are TUF targets and under which
// target paths. It is part of a repository's configuration.
type Layout string

const (
	// LayoutGopip is the layout `gopip repo` publishes (see
	// docs/repository-layout.md): every project page is the target
	// "simple/<project>/index.json" and every distribution file (and its
	// PEP 658 metadata file) the target "packages/<filename>". A file
	// that is not a target is checked against the hash in its verified
	// page. It is the default.
	LayoutGopip Layout = "gopip"
	// LayoutWarehouse is the Warehouse/RSTUF draft of PEP 458: only each
	// project's simple page is signed, under the target path of the
	// normalised project name, with a blake2b-256 hash; the page itself is
	// fetched from the index URL, and the files it links are checked
	// against the hashes in the verified page.
	LayoutWarehouse Layout = "warehouse"
)

// Layouts lists the layouts a repository may have, the default first.
var Layouts = []Layout{LayoutGopip, LayoutWarehouse}

// ParseLayout returns the layout named s; "" is LayoutGopip.
func ParseLayout(s string) (Layout, error) {
	switch Layout(strings.ToLower(strings.TrimSpace(s))) {
	case "", LayoutGopip:
		return LayoutGopip, nil
	case LayoutWarehouse:
		return LayoutWarehouse, nil
	}
	return "", fmt.Errorf("unknown repository layout %q (known: gopip, warehouse)", s)
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
// a PEP 658 ".metadata" file) may be a target, and false when the layout
// never makes files targets.
func (l Layout) FileTarget(filename string) (string, bool) {
	if l == LayoutWarehouse || filename == "" || strings.ContainsAny(filename, "/\\") {
		return "", false
	}
	return "packages/" + filename, true
}

var nameSeparators = regexp.MustCompile(`[-_.]+`)

// normalizeName is PEP 503's normalisation of a project name.
func normalizeName(name string) string {
	return strings.ToLower(nameSeparators.ReplaceAllString(name, "-"))
}
