package bootstrap

import (
	"bufio"
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/gopip/gopip/trust"
)

// roots is the folder of built-in roots and their table.
//
//go:embed roots
var roots embed.FS

// Table is the name of the table file in the roots folder.
const Table = "repositories.conf"

// Repositories returns the repositories whose roots are built into gopip.
func Repositories() ([]trust.Embedded, error) {
	sub, err := fs.Sub(roots, "roots")
	if err != nil {
		return nil, err
	}
	return Load(sub)
}

// Load reads a roots folder: its table (Table) and the root files the
// table names. An entry marked optional whose root file is absent is
// skipped; any other problem (a missing root file, a line that does not
// parse, a root that is not valid root metadata, a name or index URL used
// twice) is an error naming the line.
func Load(fsys fs.FS) ([]trust.Embedded, error) {
	table, err := fs.ReadFile(fsys, Table)
	if err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	var out []trust.Embedded
	names, ids := map[string]bool{}, map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(table))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, "#"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" {
			continue
		}
		where := fmt.Sprintf("bootstrap: %s:%d", Table, n)
		cfg, rootFile, optional, err := parseLine(line)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		root, err := fs.ReadFile(fsys, rootFile)
		if errors.Is(err, fs.ErrNotExist) && optional {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: repository %s: %w", where, cfg.Name, err)
		}
		if cfg, err = cfg.Complete(); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if _, err := trust.ParseRoot(root); err != nil {
			return nil, fmt.Errorf("%s: repository %s: %s: %w", where, cfg.Name, rootFile, err)
		}
		id, _ := trust.RepositoryID(cfg.IndexURL)
		if names[cfg.Name] || ids[id] {
			return nil, fmt.Errorf("%s: repository %s: its name or index URL is listed twice", where, cfg.Name)
		}
		names[cfg.Name], ids[id] = true, true
		out = append(out, trust.Embedded{Config: cfg, Root: root})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("bootstrap: %s: %w", Table, err)
	}
	return out, nil
}

// parseLine reads "NAME INDEX-URL ROOT-FILE [key=value…] [optional]".
func parseLine(line string) (cfg trust.Config, rootFile string, optional bool, err error) {
	f := strings.Fields(line)
	if len(f) < 3 {
		return cfg, "", false, fmt.Errorf("want NAME INDEX-URL ROOT-FILE [metadata=URL] [targets=URL] [layout=NAME] [optional], got %q", line)
	}
	cfg.Name, cfg.IndexURL, rootFile = f[0], f[1], f[2]
	if rootFile != path.Base(rootFile) || !strings.HasSuffix(rootFile, ".json") {
		return cfg, "", false, fmt.Errorf("root file %q: want a .json file in the roots folder", rootFile)
	}
	for _, opt := range f[3:] {
		k, v, ok := strings.Cut(opt, "=")
		switch {
		case !ok && k == "optional":
			optional = true
		case ok && k == "metadata":
			cfg.MetadataURL = v
		case ok && k == "targets":
			cfg.TargetsURL = v
		case ok && k == "layout":
			cfg.Layout = trust.Layout(v)
		default:
			return cfg, "", false, fmt.Errorf("unknown option %q (known: metadata=URL, targets=URL, layout=gopip|gopip-files|warehouse, optional)", opt)
		}
	}
	return cfg, rootFile, optional, nil
}
