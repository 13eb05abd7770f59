// Package cmd implements gopip's command line: one cobra command per file,
// each with an options struct, a newXxxCmd constructor and a runXxx
// function that does the work through the domain packages (resolver,
// trust, installer, scripts). Flags, environment variables and config files
// follow pip's conventions (see config.go).
package cmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/gopip/gopip/installer"
)

// Version is gopip's version, set at build time with
// -ldflags "-X github.com/gopip/gopip/cmd.Version=...".
var Version = "0.1.0-dev"

// globalOptions are pip's general options, accepted before or after the
// command name, plus the I/O streams and environment every command uses.
type globalOptions struct {
	verbose           int
	quiet             int
	python            string
	isolated          bool
	noInput           bool
	requireVirtualenv bool
	cacheDir          string
	noCacheDir        bool
	noColor           bool
	timeout           float64
	retries           int
	proxy             string
	cert              string
	clientCert        string
	trustedHosts      []string
	log               string
	disableVersion    bool

	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// args is the command line, for --log.
	args []string
	// logFile is --log's file while the command runs.
	logFile *os.File

	// interp is the inspected target interpreter, once known.
	interp *installer.Interpreter

	// environ is the process environment ("KEY=value"); tests replace it.
	environ []string
	started time.Time // see phase
}

// phase writes, when GOPIP_TIMING is set, the time since the command
// started and what has just been done, to standard error: where the
// wall time of a run goes (docs/install-benchmark.md). Not a flag, so
// that it never shows in --help.
func (g *globalOptions) phase(what string) {
	if g.getenv("GOPIP_TIMING") == "" {
		return
	}
	fmt.Fprintf(g.stderr, "gopip timing: %7.3fs %s\n", time.Since(g.started).Seconds(), what)
}

// getenv returns the value of the environment variable key, or "".
func (g *globalOptions) getenv(key string) string {
	v, _ := g.lookupEnv(key)
	return v
}

// Main runs gopip with the process's arguments and returns its exit code.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if path := os.Getenv("GOPIP_CPUPROFILE"); path != "" {
		// For profiling a whole run (docs/performance.md); not a flag, so
		// that it never shows in --help.
		if f, err := os.Create(path); err == nil {
			defer f.Close()
			if pprof.StartCPUProfile(f) == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	return Run(ctx, os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr)
}

// Run runs gopip with args, the environment environ ("KEY=value" entries)
// and the given streams, and returns its exit code.
func Run(ctx context.Context, args, environ []string, stdin io.Reader, stdout, stderr io.Writer) int {
	g := &globalOptions{stdin: stdin, stdout: stdout, stderr: stderr, environ: environ, args: args, started: time.Now()}
	root := newRootCmd(g)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	c, err := root.ExecuteContextC(ctx)
	code := g.report(c, err)
	g.closeLog()
	return code
}

// openLog makes --log FILE receive a copy of everything the command
// prints, appended, each run headed by its command line and time (pip's
// --log keeps a verbose log the same way).
func (g *globalOptions) openLog() error {
	if g.log == "" {
		return nil
	}
	f, err := os.OpenFile(g.expandUser(g.log), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("opening the log: %w", err)
	}
	fmt.Fprintf(f, "%s gopip %s\n", time.Now().UTC().Format(time.RFC3339), strings.Join(g.args, " "))
	g.logFile = f
	lw := &lockedWriter{w: f}
	g.stdout = io.MultiWriter(g.stdout, lw)
	g.stderr = io.MultiWriter(g.stderr, lw)
	return nil
}

func (g *globalOptions) closeLog() {
	if g.logFile != nil {
		g.logFile.Close()
	}
}

// lockedWriter serialises writes from the goroutines that print at once
// (progress lines, build output).
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func newRootCmd(g *globalOptions) *cobra.Command {
	root := &cobra.Command{
		Use:   "gopip",
		Short: "A pip-compatible Python package installer that verifies what it installs",
		Long: `gopip installs Python packages the way pip does, downloads them concurrently,
and verifies every file through The Update Framework (PEP 458) wherever the
repository publishes signed metadata.`,
		Version:           Version,
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
		PersistentPreRunE: func(c *cobra.Command, args []string) error {
			if err := g.applyConfig(c); err != nil {
				return err
			}
			return g.openLog()
		},
	}
	root.SetVersionTemplate("gopip {{.Version}}\n")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{err: err, cmd: c.CommandPath()}
	})

	f := root.PersistentFlags()
	f.CountVarP(&g.verbose, "verbose", "v", "Give more output. Option is additive, and can be used up to 3 times.")
	f.CountVarP(&g.quiet, "quiet", "q", "Give less output. Option is additive, and can be used up to 3 times (corresponding to WARNING, ERROR, and CRITICAL logging levels).")
	f.StringVar(&g.python, "python", "", "The Python interpreter to install into or inspect (default: the active virtualenv's, else python3 on PATH).")
	f.BoolVar(&g.isolated, "isolated", false, "Run in an isolated mode, ignoring environment variables and user configuration.")
	f.BoolVar(&g.noInput, "no-input", false, "Disable prompting for input.")
	f.BoolVar(&g.requireVirtualenv, "require-virtualenv", false, "Allow gopip to only run in a virtual environment; exit with an error otherwise.")
	f.StringVar(&g.cacheDir, "cache-dir", "", "Store the cache data in <dir>.")
	f.BoolVar(&g.noCacheDir, "no-cache-dir", false, "Disable the cache.")
	f.BoolVar(&g.noColor, "no-color", false, "Suppress colored output.")
	f.Float64Var(&g.timeout, "timeout", 15, "Set the socket timeout in seconds.")
	f.IntVar(&g.retries, "retries", 5, "Maximum number of retries each connection should attempt.")
	f.StringVar(&g.proxy, "proxy", "", "Specify a proxy in the form scheme://[user:passwd@]proxy.server:port.")
	f.StringVar(&g.cert, "cert", "", "Path to PEM-encoded CA certificate bundle.")
	f.StringVar(&g.clientCert, "client-cert", "", "Path to SSL client certificate, a single file containing the private key and the certificate in PEM format.")
	f.StringArrayVar(&g.trustedHosts, "trusted-host", nil, "Mark this host or host:port pair as trusted, even though it does not have valid or any HTTPS.")
	f.StringVar(&g.log, "log", "", "Path to a log file that receives a copy of all output, appended.")
	f.BoolVar(&g.disableVersion, "disable-pip-version-check", false, "Accepted for pip compatibility; gopip never checks for new versions of itself.")

	root.AddCommand(
		newInstallCmd(g),
		newDownloadCmd(g),
		newUninstallCmd(g),
		newListCmd(g),
		newShowCmd(g),
		newFreezeCmd(g),
		newVersionCmd(g),
		newCacheCmd(g),
		newTrustCmd(g),
		newRepoCmd(g),
		newTUFConformanceCmd(g),
	)
	return root
}

func newVersionCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print gopip's version",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			_, err := io.WriteString(g.stdout, "gopip "+Version+"\n")
			return err
		},
	}
}
