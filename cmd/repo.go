package cmd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gopip/gopip/trust/publish"
)

// repoOptions are the options every "gopip repo" command shares.
type repoOptions struct {
	// keys is the key folder; "" means $GOPIP_REPO_KEYS, else <DIR>.keys.
	keys string
	// now is the repository clock (hidden --now): "" is the time of day,
	// else an RFC 3339 time or an offset from now such as "-48h".
	now string
}

func (o *repoOptions) addFlags(f *pflag.FlagSet) {
	f.StringVar(&o.keys, "keys", "", "The key folder (default: $GOPIP_REPO_KEYS, else <DIR>.keys beside the repository folder).")
	// Tests sign metadata in the past or the future with it (an expired
	// timestamp); nobody else should.
	f.StringVar(&o.now, "now", "", "Sign as if the time were this: an RFC 3339 time, or an offset from now such as -48h.")
	f.MarkHidden("now")
}

// clock returns the repository clock of --now, nil for the time of day.
func (o *repoOptions) clock() (func() time.Time, error) {
	if o.now == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, o.now); err == nil {
		return func() time.Time { return t }, nil
	}
	d, err := time.ParseDuration(o.now)
	if err != nil {
		return nil, fmt.Errorf("--now %q: want an RFC 3339 time or an offset such as -48h", o.now)
	}
	return func() time.Time { return time.Now().Add(d) }, nil
}

// keysDir resolves the key folder for the repository dir.
func (o *repoOptions) keysDir(g *globalOptions) string {
	if o.keys != "" {
		return o.keys
	}
	return g.getenv("GOPIP_REPO_KEYS")
}

func (o *repoOptions) open(g *globalOptions, dir string) (*publish.Repo, error) {
	now, err := o.clock()
	if err != nil {
		return nil, err
	}
	var opts []publish.Option
	if now != nil {
		opts = append(opts, publish.WithClock(now))
	}
	return publish.Open(dir, o.keysDir(g), opts...)
}

// days is a duration flag that also accepts whole days ("365d").
type days struct{ d *time.Duration }

func (v days) String() string {
	if v.d == nil || *v.d == 0 {
		return ""
	}
	if *v.d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(*v.d/(24*time.Hour)), 10) + "d"
	}
	return v.d.String()
}

func (v days) Set(s string) error {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		i, err := strconv.Atoi(n)
		if err != nil || i < 0 {
			return fmt.Errorf("%q is not a number of days", s)
		}
		*v.d = time.Duration(i) * 24 * time.Hour
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	if d < 0 {
		return fmt.Errorf("%q is negative", s)
	}
	*v.d = d
	return nil
}

func (v days) Type() string { return "duration" }

func newRepoCmd(g *globalOptions) *cobra.Command {
	c := &cobra.Command{
		Use:   "repo",
		Short: "Publish a signed package repository",
		Long: `Publish a folder of wheels and sdists as a static package index: PEP 503 HTML
and PEP 691 JSON pages, PEP 658 metadata files, and TUF metadata (PEP 458) with
hashed-bin delegations, which gopip verifies when it installs.

The folder is plain static files: any web server, object store or CDN serves
it; "gopip repo serve" does for local use. Keys live in a separate folder
(<DIR>.keys by default): root and targets keys are offline and never need to
be on the server; add, remove, yank and refresh need only the online key in
<keys>/online/.

  gopip repo init ./repo
  gopip repo add ./repo dist/*.whl dist/*.tar.gz
  gopip repo serve ./repo --addr 127.0.0.1:8000
  gopip repo refresh ./repo          # from cron, hourly
  pip install --index-url http://127.0.0.1:8000/simple/ demo

See docs/repository-layout.md for the layout.`,
	}
	c.AddCommand(
		newRepoInitCmd(g),
		newRepoAddCmd(g),
		newRepoRemoveCmd(g),
		newRepoYankCmd(g),
		newRepoRefreshCmd(g),
		newRepoRotateCmd(g),
		newRepoServeCmd(g),
	)
	return c
}

// printReport prints what an operation did: one line per file, the roles
// signed, warnings on stderr; with -v every file written.
func (g *globalOptions) printReport(rep *publish.Report) {
	if rep == nil {
		return
	}
	for _, w := range rep.Warnings {
		fmt.Fprintf(g.stderr, "WARNING: %s\n", w)
	}
	if g.quiet > 0 {
		return
	}
	for _, l := range []struct {
		verb  string
		files []string
	}{{"added", rep.Added}, {"unchanged", rep.Unchanged}, {"removed", rep.Removed}, {"yanked", rep.Yanked}} {
		for _, f := range l.files {
			fmt.Fprintf(g.stdout, "%s %s\n", l.verb, f)
		}
	}
	if len(rep.Signed) > 0 {
		fmt.Fprintf(g.stdout, "signed %s\n", strings.Join(summarizeSigned(rep.Signed), ", "))
	} else if len(rep.Added)+len(rep.Removed)+len(rep.Yanked) == 0 {
		fmt.Fprintln(g.stdout, "nothing to publish")
	}
	if len(rep.Pruned) > 0 {
		fmt.Fprintf(g.stdout, "pruned %d superseded files\n", len(rep.Pruned))
	}
	if g.verbose > 0 {
		for _, w := range rep.Written {
			fmt.Fprintf(g.stdout, "  wrote %s\n", w)
		}
		for _, p := range rep.Pruned {
			fmt.Fprintf(g.stdout, "  pruned %s\n", p)
		}
	}
}

// summarizeSigned shortens a long list of re-signed bins ("bins-00 v2",
// … 256 of them after a key rotation) to a count.
func summarizeSigned(signed []string) []string {
	var bins, rest []string
	for _, s := range signed {
		if strings.HasPrefix(s, "bins-") {
			bins = append(bins, s)
		} else {
			rest = append(rest, s)
		}
	}
	if len(bins) <= 8 {
		return signed
	}
	return append([]string{fmt.Sprintf("%d bins", len(bins))}, rest...)
}

type repoInitOptions struct {
	repoOptions
	bins          int
	rootThreshold int
	rootKeys      int
	expires       publish.Expiry
}

func newRepoInitCmd(g *globalOptions) *cobra.Command {
	opts := &repoInitOptions{}
	c := &cobra.Command{
		Use:   "init [options] <dir>",
		Short: "Create a repository and its keys",
		Long: `Create a repository in <dir> (new or empty) with new ed25519 keys in the key
folder: root keys (threshold of them sign root), a targets key, and the online
key that signs snapshot, timestamp and the hashed bins. Targets delegates every
file to 2^bins bins (TAP 15 succinct roles). Keys are PKCS #8 PEM files, mode
0600.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runRepoInit(c.Context(), g, opts, args[0])
		},
	}
	f := c.Flags()
	f.SortFlags = false
	opts.addFlags(f)
	f.IntVar(&opts.bins, "bins", 8, "Bit length of the hashed-bin delegation: 2^N bins (1 to 16).")
	f.IntVar(&opts.rootThreshold, "root-threshold", 2, "Root keys needed to sign a root.")
	f.IntVar(&opts.rootKeys, "root-keys", 0, "Root keys to make (default: the threshold).")
	d := publish.DefaultExpiry()
	opts.expires = d
	f.Var(days{&opts.expires.Root}, "expires-root", "Validity of root signatures (default 365d).")
	f.Var(days{&opts.expires.Targets}, "expires-targets", "Validity of targets signatures (default 365d).")
	f.Var(days{&opts.expires.Bins}, "expires-bins", "Validity of bin signatures (default 1d; refresh re-signs them).")
	f.Var(days{&opts.expires.Snapshot}, "expires-snapshot", "Validity of snapshot signatures (default 1d).")
	f.Var(days{&opts.expires.Timestamp}, "expires-timestamp", "Validity of timestamp signatures (default 1d).")
	return c
}

func runRepoInit(ctx context.Context, g *globalOptions, opts *repoInitOptions, dir string) error {
	now, err := opts.clock()
	if err != nil {
		return err
	}
	r, err := publish.Init(ctx, dir, publish.InitOptions{
		KeysDir:       opts.keysDir(g),
		BinBits:       opts.bins,
		RootThreshold: opts.rootThreshold,
		RootKeys:      opts.rootKeys,
		Expires:       opts.expires,
		Now:           now,
	})
	if err != nil {
		return err
	}
	if g.quiet > 0 {
		return nil
	}
	keys := opts.rootKeys
	if keys == 0 {
		keys = opts.rootThreshold
	}
	fmt.Fprintf(g.stdout, "created the repository %s: %d bins, root signed by %d of %d keys\n", r.Dir(), 1<<opts.bins, opts.rootThreshold, keys)
	fmt.Fprintf(g.stdout, "keys: %s (offline: root/ and targets/, keep them off the server; online: online/)\n", r.KeysDir())
	fmt.Fprintf(g.stdout, "trusted root for clients: %s\n", filepath.Join(r.Dir(), "tuf", "1.root.json"))
	return nil
}

func newRepoAddCmd(g *globalOptions) *cobra.Command {
	opts := &repoOptions{}
	c := &cobra.Command{
		Use:   "add [options] <dir> <file> ...",
		Short: "Publish wheels and sdists",
		Long: `Copy wheels and sdists into the repository, rewrite their projects' pages,
and sign each changed project's JSON page (which lists every file's sha256 and
size) into its bin, then snapshot and timestamp: one bin per project, whatever
the number of files. A file already published with the same content is left
alone; a published file name with other content is refused. Needs only the
online key.`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			r, err := opts.open(g, args[0])
			if err != nil {
				return err
			}
			rep, err := r.Add(c.Context(), args[1:]...)
			if err != nil {
				return err
			}
			g.printReport(rep)
			return nil
		},
	}
	opts.addFlags(c.Flags())
	return c
}

func newRepoRemoveCmd(g *globalOptions) *cobra.Command {
	opts := &repoOptions{}
	c := &cobra.Command{
		Use:   "remove [options] <dir> <file>|<project>==<version> ...",
		Short: "Unpublish files or releases",
		Long: `Remove files, named by file name or as PROJECT==VERSION (every file of that
release), from their projects' pages, which are signed again. Needs only the
online key.`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			r, err := opts.open(g, args[0])
			if err != nil {
				return err
			}
			rep, err := r.Remove(c.Context(), args[1:]...)
			if err != nil {
				return err
			}
			g.printReport(rep)
			return nil
		},
	}
	opts.addFlags(c.Flags())
	return c
}

type repoYankOptions struct {
	repoOptions
	reason string
	undo   bool
}

func newRepoYankCmd(g *globalOptions) *cobra.Command {
	opts := &repoYankOptions{}
	c := &cobra.Command{
		Use:   "yank [options] <dir> <file>",
		Short: "Mark a file as yanked (PEP 592)",
		Args:  cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			if opts.undo && c.Flags().Changed("reason") {
				return usageErrorf(c, "--reason and --undo cannot be used together")
			}
			r, err := opts.open(g, args[0])
			if err != nil {
				return err
			}
			var rep *publish.Report
			if opts.undo {
				rep, err = r.Unyank(c.Context(), args[1])
			} else {
				rep, err = r.Yank(c.Context(), args[1], opts.reason)
			}
			if err != nil {
				return err
			}
			g.printReport(rep)
			return nil
		},
	}
	f := c.Flags()
	opts.addFlags(f)
	f.StringVar(&opts.reason, "reason", "", "Why the file is yanked; installers show it.")
	f.BoolVar(&opts.undo, "undo", false, "Clear the yanked mark.")
	return c
}

type repoRefreshOptions struct {
	repoOptions
	fraction   float64
	pruneAfter time.Duration
}

func newRepoRefreshCmd(g *globalOptions) *cobra.Command {
	opts := &repoRefreshOptions{}
	c := &cobra.Command{
		Use:   "refresh [options] <dir>",
		Short: "Re-sign metadata before it expires (run from cron)",
		Long: `Re-sign the timestamp, and the snapshot and bins once less than the re-sign
fraction of their validity remains, with the online key. Targets and root are
re-signed too when due and their offline keys are in the key folder; otherwise a
warning says so. Safe while clients read: files are written under temporary
names and renamed; superseded versions stay until --prune-after.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			r, err := opts.open(g, args[0])
			if err != nil {
				return err
			}
			rep, err := r.Refresh(c.Context(), publish.RefreshOptions{ResignFraction: opts.fraction, PruneAfter: opts.pruneAfter})
			if err != nil {
				return err
			}
			g.printReport(rep)
			return nil
		},
	}
	f := c.Flags()
	opts.addFlags(f)
	f.Float64Var(&opts.fraction, "resign-fraction", 0.5, "Re-sign a role once less than this fraction of its validity period remains (1: every role the keys allow).")
	f.Var(days{&opts.pruneAfter}, "prune-after", "Delete metadata versions and file copies superseded longer ago than this (e.g. 7d; default: keep everything).")
	return c
}

type repoRotateOptions struct {
	repoOptions
	role          string
	rootKeys      int
	rootThreshold int
}

func newRepoRotateCmd(g *globalOptions) *cobra.Command {
	opts := &repoRotateOptions{}
	c := &cobra.Command{
		Use:   "rotate [options] <dir> --role root|targets|online",
		Short: "Replace keys; clients follow through a new root",
		Long: `Make new keys for a role and publish a new root naming them, signed by a
threshold of the old root keys (and, for root, of the new ones), so that clients
that trust the old root follow. The replaced keys move to <keys>/retired/.
Needs the root keys.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			role := publish.KeyRole(opts.role)
			switch role {
			case publish.RootKeys, publish.TargetsKeys, publish.OnlineKeys:
			case "":
				return usageErrorf(c, "--role is required: root, targets or online")
			default:
				return usageErrorf(c, "--role must be root, targets or online, not %q", opts.role)
			}
			if role != publish.RootKeys && (opts.rootKeys != 0 || opts.rootThreshold != 0) {
				return usageErrorf(c, "--root-keys and --root-threshold apply to --role root only")
			}
			r, err := opts.open(g, args[0])
			if err != nil {
				return err
			}
			rep, err := r.Rotate(c.Context(), role, publish.RotateOptions{Keys: opts.rootKeys, Threshold: opts.rootThreshold})
			if err != nil {
				return err
			}
			g.printReport(rep)
			for _, s := range rep.Signed {
				if v, ok := strings.CutPrefix(s, "root v"); ok && g.quiet == 0 {
					fmt.Fprintf(g.stdout, "new root: %s (clients that trust an older root follow it)\n", filepath.Join(r.Dir(), "tuf", v+".root.json"))
				}
			}
			return nil
		},
	}
	f := c.Flags()
	opts.addFlags(f)
	f.StringVar(&opts.role, "role", "", "The keys to replace: root, targets or online.")
	f.IntVar(&opts.rootKeys, "root-keys", 0, "Number of new root keys (default: as many as now).")
	f.IntVar(&opts.rootThreshold, "root-threshold", 0, "New root threshold (default: as now).")
	return c
}

type repoServeOptions struct {
	addr string
}

func newRepoServeCmd(g *globalOptions) *cobra.Command {
	opts := &repoServeOptions{}
	c := &cobra.Command{
		Use:   "serve [options] <dir>",
		Short: "Serve a repository over HTTP (for local use and tests)",
		Long: `Serve the repository folder as static files, with PEP 691 content negotiation
on simple/ (JSON when the Accept header prefers application/vnd.pypi.simple.v1+json,
else HTML), Range requests, and no directory listings. Runs until interrupted.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runRepoServe(c.Context(), g, opts, args[0])
		},
	}
	c.Flags().StringVar(&opts.addr, "addr", "127.0.0.1:8000", "Address to listen on (port 0 picks a free port).")
	return c
}

// runRepoServe serves dir until ctx is cancelled, after printing the index
// URL on stdout.
func runRepoServe(ctx context.Context, g *globalOptions, opts *repoServeOptions, dir string) error {
	if _, err := publish.Open(dir, ""); err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", opts.addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", opts.addr, err)
	}
	var h http.Handler = publish.Handler(dir)
	if g.verbose > 0 {
		next := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(g.stderr, "%s %s\n", r.Method, r.URL.Path)
			next.ServeHTTP(w, r)
		})
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(g.stdout, "serving %s at http://%s/simple/ (TUF metadata at http://%s/tuf/)\n", dir, ln.Addr(), ln.Addr())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
