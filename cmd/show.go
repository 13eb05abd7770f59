package cmd

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/gopip/gopip/installer/installed"
	"github.com/gopip/gopip/internal/pystr"
	"github.com/gopip/gopip/resolver/pep508"
	"github.com/spf13/cobra"
)

// showOptions are pip show's options.
type showOptions struct {
	files bool
}

func newShowCmd(g *globalOptions) *cobra.Command {
	opts := &showOptions{}
	c := &cobra.Command{
		Use:   "show [options] <package> ...",
		Short: "Show information about installed packages",
		Long: `Show information about one or more installed packages.

The output is in RFC-compliant mail header format.`,
		RunE: func(c *cobra.Command, args []string) error {
			return runShow(c.Context(), g, opts, args)
		},
	}
	c.Flags().BoolVarP(&opts.files, "files", "f", false, "Show the full list of installed files for each package.")
	return c
}

// quietFailure ends a command with exit code 1 after it has already said
// why (pip show's "Package(s) not found" warning).
type quietFailure struct{ reason string }

func (e quietFailure) Error() string { return e.reason }

// Silent tells the error reporter that the message has been printed.
func (quietFailure) Silent() bool { return true }

func runShow(ctx context.Context, g *globalOptions, opts *showOptions, query []string) error {
	if len(query) == 0 {
		g.distdbWarn("ERROR: Please provide a package name or names.")
		return quietFailure{"no package names given"}
	}
	env, err := newDistEnv(ctx, g, nil)
	if err != nil {
		return err
	}
	all, err := env.all()
	if err != nil {
		return err
	}
	// pip builds {canonical_name: dist}: a later distribution with the
	// same canonical name replaces an earlier one but keeps its place.
	byName := map[string]*installed.Distribution{}
	var order []string
	for _, d := range all {
		if _, ok := byName[d.CanonicalName]; !ok {
			order = append(order, d.CanonicalName)
		}
		byName[d.CanonicalName] = d
	}
	var missing []string
	for _, q := range query {
		if byName[pep508.NormalizeName(q)] == nil {
			missing = append(missing, q)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		g.distdbWarn("Package(s) not found: %s", strings.Join(missing, ", "))
	}

	// Dependencies of every installed distribution, for Required-by.
	depsOf := map[*installed.Distribution]map[string]bool{}
	deps := func(d *installed.Distribution) (map[string]bool, error) {
		if m, ok := depsOf[d]; ok {
			return m, nil
		}
		names, err := d.Dependencies(env.markers)
		if err != nil {
			return nil, err
		}
		m := map[string]bool{}
		for _, n := range names {
			m[pep508.NormalizeName(n)] = true
		}
		depsOf[d] = m
		return m, nil
	}

	var b strings.Builder
	printed := 0
	for _, q := range query {
		d := byName[pep508.NormalizeName(q)]
		if d == nil {
			continue
		}
		requires, err := d.Dependencies(env.markers)
		if err != nil {
			return err
		}
		sortPythonLower(requires)
		var requiredBy []string
		for _, name := range order {
			other := byName[name]
			m, err := deps(other)
			if err != nil {
				return err
			}
			if m[d.CanonicalName] {
				n := other.Metadata.Get("Name")
				if n == "" {
					n = "UNKNOWN"
				}
				requiredBy = append(requiredBy, n)
			}
		}
		sortPythonLower(requiredBy)

		if printed > 0 {
			b.WriteString("---\n")
		}
		printed++
		md := d.Metadata
		version, _ := d.DisplayVersion()
		line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
		line("Name: %s", d.Name)
		line("Version: %s", version)
		line("Summary: %s", md.Get("Summary"))
		line("Home-page: %s", md.Get("Home-page"))
		line("Author: %s", md.Get("Author"))
		line("Author-email: %s", md.Get("Author-email"))
		line("License: %s", md.Get("License"))
		line("Location: %s", d.Location)
		if loc := env.editableLocation(d); loc != "" {
			line("Editable project location: %s", loc)
		}
		line("Requires: %s", strings.Join(requires, ", "))
		line("Required-by: %s", strings.Join(requiredBy, ", "))
		if g.verbose > 0 {
			line("Metadata-Version: %s", d.MetadataVersion())
			line("Installer: %s", d.Installer())
			line("Classifiers:")
			for _, c := range md.GetAll("Classifier") {
				line("  %s", c)
			}
			line("Entry-points:")
			if ep, err := d.ReadFile("entry_points.txt"); err == nil {
				for _, e := range pystr.SplitLines(ep) {
					line("  %s", pystr.Strip(e))
				}
			}
			line("Project-URLs:")
			for _, u := range md.GetAll("Project-URL") {
				line("  %s", u)
			}
		}
		if opts.files {
			line("Files:")
			files, ok, err := d.Files()
			if err != nil {
				return err
			}
			if !ok {
				line("Cannot locate RECORD or installed-files.txt")
			} else {
				sort.Strings(files)
				for _, f := range files {
					line("  %s", pystr.Strip(f))
				}
			}
		}
	}
	if g.distdbInfo() {
		if _, err := fmt.Fprint(g.stdout, b.String()); err != nil {
			return err
		}
	}
	if printed == 0 {
		return quietFailure{"no matching packages installed"}
	}
	return nil
}

// sortPythonLower sorts like Python's sorted(names, key=str.lower): stable,
// by the lower-cased names.
func sortPythonLower(names []string) {
	sort.SliceStable(names, func(i, j int) bool { return strings.ToLower(names[i]) < strings.ToLower(names[j]) })
}
