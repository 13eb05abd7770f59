package cmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/adrg/xdg"
	"github.com/spf13/cobra"

	"github.com/gopip/gopip/bootstrap"
	"github.com/gopip/gopip/trust"
)

// maxRootSize bounds a root fetched for `trust add` (go-tuf's
// RootMaxLength).
const maxRootSize = 512000

func newTrustCmd(g *globalOptions) *cobra.Command {
	c := &cobra.Command{
		Use:   "trust",
		Short: "Manage the TUF roots of trusted repositories",
		Long: `Manage the repositories whose files gopip verifies through The Update
Framework (PEP 458).

A repository is an index URL, a TUF metadata URL, a targets URL, a layout and a
root: the root metadata, delivered off-band, that starts the chain of trust.
Roots built into gopip (package bootstrap) are trusted without "trust add".
Trusted metadata is kept in $XDG_DATA_HOME/gopip/repositories
(~/.local/share/gopip/repositories).

From a repository with a root, gopip installs only what TUF verifies; a
failed verification stops the command with a SECURITY ERROR (exit code 13).`,
	}
	c.AddCommand(newTrustAddCmd(g), newTrustListCmd(g), newTrustRemoveCmd(g), newTrustRefreshCmd(g))
	return c
}

// dataHome returns gopip's data directory: $XDG_DATA_HOME/gopip
// (~/.local/share/gopip), read from the command's environment.
func (g *globalOptions) dataHome() string {
	switch {
	case g.getenv("XDG_DATA_HOME") != "":
		return filepath.Join(g.getenv("XDG_DATA_HOME"), "gopip")
	case g.getenv("HOME") != "":
		return filepath.Join(g.getenv("HOME"), ".local", "share", "gopip")
	}
	return filepath.Join(xdg.DataHome, "gopip")
}

// trustStore opens the store of trusted repositories with gopip's
// built-in roots, for the commands that read from repositories (install,
// download, list): a repository whose metadata cannot be reached is used
// from its cached metadata while that is valid, with a warning naming it
// and until when (see offlineWarning). Its HTTP client is built from the
// network options.
func (g *globalOptions) trustStore() (*trust.Store, error) {
	return g.openTrustStore(true)
}

// openTrustStore opens the store; allowOffline says whether a repository
// that cannot be reached may be used from its still-valid cache (never
// for `gopip trust refresh`, whose point is to reach it).
func (g *globalOptions) openTrustStore(allowOffline bool) (*trust.Store, error) {
	embedded, err := bootstrap.Repositories()
	if err != nil {
		return nil, err
	}
	client, err := g.httpClient()
	if err != nil {
		return nil, err
	}
	opts := trust.StoreOptions{
		Dir:      filepath.Join(g.dataHome(), "repositories"),
		Client:   client,
		Embedded: embedded,
	}
	if c := g.cache(); c != nil {
		opts.Cache = c.Records()
	}
	if allowOffline {
		opts.AllowOffline = true
		opts.Offline = func(r *trust.Repository, c trust.Change, cause error) {
			g.warn(offlineWarning(r, c, cause))
		}
	}
	return trust.OpenStore(opts)
}

// offlineWarning says that a repository is used from its cache: which one,
// why, and until when that cache can be trusted.
func offlineWarning(r *trust.Repository, c trust.Change, cause error) string {
	var fe *trust.FetchError
	if errors.As(cause, &fe) {
		cause = fe
	}
	return fmt.Sprintf("repository %s cannot be reached (%v); using its cached TUF metadata, still valid until %s", r.Name(), cause, c.ValidUntil().UTC().Format(time.RFC3339))
}

// trustAddOptions are the options of `gopip trust add`.
type trustAddOptions struct {
	indexURL    string
	metadataURL string
	targetsURL  string
	layout      string
	root        string
	yes         bool
}

func newTrustAddCmd(g *globalOptions) *cobra.Command {
	opts := &trustAddOptions{}
	c := &cobra.Command{
		Use:   "add [options] <name> --index-url <url> --root <file|url>",
		Short: "Trust a repository's TUF root",
		Long: `Trust a repository through its TUF root metadata, delivered off-band.

The root is shown (version, expiry, the key ids and threshold of each role)
and, unless -y is given, stored only once confirmed. Check the key ids with
the people who run the repository. The metadata URL defaults to the index
URL's parent + "tuf/", the targets URL to the index URL's parent, the layout
to gopip's (the layout "gopip repo" publishes, in which each project's JSON
page is signed and vouches for the project's files); "gopip-files" is that
layout for a repository that signs its files too (checked as targets when
they are); "warehouse" is the layout of Warehouse/RSTUF, which signs the
project's HTML page under the project's name.`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf(c, "trust add takes one repository name, got %d arguments", len(args))
			}
			if opts.indexURL == "" {
				return usageErrorf(c, "--index-url is required")
			}
			if opts.root == "" {
				return usageErrorf(c, "--root is required: the repository's root.json, a file or an https URL")
			}
			if _, err := trust.ParseLayout(opts.layout); err != nil {
				return usageErrorf(c, "option --layout: %v", err)
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			return runTrustAdd(c.Context(), g, opts, args[0])
		},
	}
	f := c.Flags()
	f.StringVarP(&opts.indexURL, "index-url", "i", "", "The repository's simple index URL, e.g. https://host/pypi/simple/.")
	f.StringVar(&opts.metadataURL, "metadata-url", "", "The URL of its TUF metadata (default: the index URL's parent + tuf/).")
	f.StringVar(&opts.targetsURL, "targets-url", "", "The base URL of its TUF targets (default: the index URL's parent).")
	f.StringVar(&opts.layout, "layout", "gopip", "Which files are targets: gopip (the JSON project pages), gopip-files (the pages and the files) or warehouse (the HTML pages, named after their project).")
	f.StringVar(&opts.root, "root", "", "The root metadata to trust: a file, or an https URL.")
	f.BoolVarP(&opts.yes, "yes", "y", false, "Don't ask for confirmation of the root.")
	return c
}

func runTrustAdd(ctx context.Context, g *globalOptions, opts *trustAddOptions, name string) error {
	store, err := g.trustStore()
	if err != nil {
		return err
	}
	cfg, err := trust.Config{
		Name:        name,
		IndexURL:    opts.indexURL,
		MetadataURL: opts.metadataURL,
		TargetsURL:  opts.targetsURL,
		Layout:      trust.Layout(opts.layout),
	}.Complete()
	if err != nil {
		return err
	}
	root, err := g.readRoot(ctx, opts.root)
	if err != nil {
		return err
	}
	info, err := trust.ParseRoot(root)
	if err != nil {
		return fmt.Errorf("root %s: %w", opts.root, err)
	}
	g.showRoot(cfg, info)
	if info.Expires.Before(time.Now()) {
		g.warn(fmt.Sprintf("this root expired on %s; gopip can still start from it if the repository publishes newer roots.", info.Expires.UTC().Format(time.RFC3339)))
	}
	if !opts.yes {
		answer, err := g.ask(bufio.NewReader(g.stdin), "Trust this root (y/N)? ", []string{"y", "n", ""})
		if err != nil {
			return err
		}
		if answer != "y" {
			return fmt.Errorf("repository %s was not added: its root was not confirmed", name)
		}
	}
	if _, err := store.Add(cfg, root); err != nil {
		return err
	}
	g.info(fmt.Sprintf("Added repository %s (root version %d). Fetch its metadata with: gopip trust refresh %s", name, info.Version, name))
	return nil
}

// readRoot reads a root file, or fetches it from an http(s) URL (at most
// maxRootSize bytes).
func (g *globalOptions) readRoot(ctx context.Context, src string) ([]byte, error) {
	if !strings.HasPrefix(src, "https://") && !strings.HasPrefix(src, "http://") {
		data, err := os.ReadFile(g.expandUser(src))
		if err != nil {
			return nil, fmt.Errorf("reading the root: %w", err)
		}
		return data, nil
	}
	client, err := g.httpClient()
	if err != nil {
		return nil, err
	}
	resp, err := client.Get(ctx, src, nil)
	if err != nil {
		return nil, fmt.Errorf("fetching the root: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxRootSize+1))
	if err != nil {
		return nil, fmt.Errorf("fetching the root from %s: %w", src, err)
	}
	if len(data) > maxRootSize {
		return nil, fmt.Errorf("fetching the root from %s: larger than %d bytes", src, maxRootSize)
	}
	return data, nil
}

// showRoot prints the repository and the root about to be trusted.
func (g *globalOptions) showRoot(cfg trust.Config, info *trust.RootInfo) {
	w := g.stdout
	fmt.Fprintf(w, "Repository %s\n", cfg.Name)
	fmt.Fprintf(w, "  Index URL:    %s\n", cfg.IndexURL)
	fmt.Fprintf(w, "  Metadata URL: %s\n", cfg.MetadataURL)
	fmt.Fprintf(w, "  Targets URL:  %s\n", cfg.TargetsURL)
	fmt.Fprintf(w, "  Layout:       %s\n", cfg.Layout)
	cs := "no consistent snapshots"
	if info.ConsistentSnapshot {
		cs = "consistent snapshots"
	}
	fmt.Fprintf(w, "Root version %d, expires %s, %s\n", info.Version, info.Expires.UTC().Format(time.RFC3339), cs)
	for _, r := range info.Roles {
		fmt.Fprintf(w, "  %-10s %d of %d keys:", r.Role, r.Threshold, len(r.KeyIDs))
		for _, id := range r.KeyIDs {
			fmt.Fprintf(w, " %s", id)
		}
		fmt.Fprintln(w)
	}
}

func newTrustListCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "list [options]",
		Short: "List the trusted repositories",
		Long: `List the repositories gopip verifies through TUF: those added with
"gopip trust add" (source "user") and those built into gopip ("embedded"),
with the version and expiry of the newest trusted root. With -v, also the
metadata and targets URLs, the folder of the trusted metadata, and the
timestamp of the last refresh.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return runTrustList(g)
		},
	}
}

func runTrustList(g *globalOptions) error {
	store, err := g.trustStore()
	if err != nil {
		return err
	}
	entries, err := store.List()
	if err != nil || len(entries) == 0 || g.quiet > 0 {
		return err
	}
	verbose := g.verbose > 0
	header := []string{"Name", "Index URL", "Layout", "Root", "Root expires", "Source"}
	if verbose {
		header = append(header, "Metadata URL", "Targets URL", "Timestamp", "Timestamp expires", "Location")
	}
	rows := [][]string{header}
	for _, e := range entries {
		row := []string{e.Config.Name, e.Config.IndexURL, string(e.Config.Layout),
			strconv.FormatInt(e.Root.Version, 10), e.Root.Expires.UTC().Format(time.RFC3339), string(e.Source)}
		if verbose {
			ts, tsExp := "-", "-"
			if e.Cached.Timestamp.Version > 0 {
				ts = strconv.FormatInt(e.Cached.Timestamp.Version, 10)
				tsExp = e.Cached.Timestamp.Expires.UTC().Format(time.RFC3339)
			}
			row = append(row, e.Config.MetadataURL, e.Config.TargetsURL, ts, tsExp, filepath.Join(store.Dir(), e.ID))
		}
		rows = append(rows, row)
	}
	_, err = io.WriteString(g.stdout, strings.Join(tabulateWithRule(rows), "\n")+"\n")
	return err
}

func newTrustRemoveCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "remove [options] <name>",
		Short: "Stop trusting a repository",
		Long: `Forget a repository added with "gopip trust add", and its trusted metadata.
Its index is then used the way pip uses an index: unverified. Roots built
into gopip cannot be removed.`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf(c, "trust remove takes one repository name, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			store, err := g.trustStore()
			if err != nil {
				return err
			}
			if err := store.Remove(args[0]); err != nil {
				return err
			}
			g.info("Removed repository " + args[0] + ".")
			return nil
		},
	}
}

func newTrustRefreshCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "refresh [options] [<name>]",
		Short: "Fetch and verify the newest TUF metadata",
		Long: `Run TUF's update workflow for one repository, or for all of them: root
rotation, then timestamp, snapshot and targets, each verified and stored. It
prints what changed: the version and expiry of each top-level role.`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageErrorf(c, "trust refresh takes at most one repository name, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			return runTrustRefresh(c.Context(), g, args)
		},
	}
}

func runTrustRefresh(ctx context.Context, g *globalOptions, names []string) error {
	store, err := g.openTrustStore(false)
	if err != nil {
		return err
	}
	var repos []*trust.Repository
	if len(names) == 1 {
		r, err := store.Get(names[0])
		if err != nil {
			return err
		}
		repos = append(repos, r)
	} else if repos, err = store.All(); err != nil {
		return err
	}
	var errs []error
	for _, r := range repos {
		change, err := r.Refresh(ctx)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return err
			}
			errs = append(errs, err)
			continue
		}
		g.showChange(r, change)
	}
	return errors.Join(errs...)
}

// showChange prints what a refresh changed, one line per top-level role.
func (g *globalOptions) showChange(r *trust.Repository, c trust.Change) {
	head := fmt.Sprintf("Refreshed %s (%s)", r.Name(), r.Config().IndexURL)
	if c.Offline {
		head += " from its cache: the repository could not be reached"
	}
	g.info(head)
	for _, role := range []struct {
		name          string
		before, after trust.RoleState
	}{
		{"root", c.Before.Root, c.After.Root},
		{"timestamp", c.Before.Timestamp, c.After.Timestamp},
		{"snapshot", c.Before.Snapshot, c.After.Snapshot},
		{"targets", c.Before.Targets, c.After.Targets},
	} {
		var v string
		switch {
		case role.before.Version == 0:
			v = fmt.Sprintf("version %d (new)", role.after.Version)
		case role.before.Version == role.after.Version:
			v = fmt.Sprintf("version %d (unchanged)", role.after.Version)
		default:
			v = fmt.Sprintf("version %d -> %d", role.before.Version, role.after.Version)
		}
		g.info(fmt.Sprintf("  %-10s %s, expires %s", role.name, v, role.after.Expires.UTC().Format(time.RFC3339)))
	}
}
