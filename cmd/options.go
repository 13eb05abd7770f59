package cmd

import (
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/gopip/gopip/internal/httpx"
	"github.com/gopip/gopip/internal/progress"
)

// installTargetOptions are pip's options that choose where an install or
// uninstall goes.
type installTargetOptions struct {
	target              string
	user                bool
	root                string
	prefix              string
	breakSystemPackages bool
}

func (o *installTargetOptions) addInstallFlags(f *pflag.FlagSet) {
	f.StringVarP(&o.target, "target", "t", "", "Install packages into <dir>. By default this will not replace existing files/folders in <dir>. Use --upgrade to replace existing packages in <dir> with new versions.")
	f.BoolVar(&o.user, "user", false, "Install to the Python user install directory for your platform. Typically ~/.local/.")
	f.StringVar(&o.root, "root", "", "Install everything relative to this alternate root directory.")
	f.StringVar(&o.prefix, "prefix", "", "Installation prefix where lib, bin and other top-level folders are placed.")
	addBreakSystemPackages(f, &o.breakSystemPackages)
}

func addBreakSystemPackages(f *pflag.FlagSet, p *bool) {
	f.BoolVar(p, "break-system-packages", false, "Allow gopip to modify an EXTERNALLY-MANAGED Python installation")
}

// progressOptions is pip's --progress-bar.
type progressOptions struct {
	progressBar string
}

func (o *progressOptions) addFlags(f *pflag.FlagSet) {
	f.StringVar(&o.progressBar, "progress-bar", "on", "Specify whether the progress bar should be used [on, off, raw] (default: on; gopip draws bars only on a terminal and prints one line per file elsewhere, and in CI)")
}

// renderer builds the progress renderer for a command's output on stderr.
func (g *globalOptions) renderer(o progressOptions) (*progress.Renderer, error) {
	mode, err := progress.ParseMode(o.progressBar)
	if err != nil {
		return nil, err
	}
	return progress.New(progress.Options{
		Mode:      mode,
		Quiet:     g.quiet > 0,
		Out:       g.stderr,
		LookupEnv: g.lookupEnv,
	}), nil
}

// lookupEnv is os.LookupEnv over the command's environment.
func (g *globalOptions) lookupEnv(key string) (string, bool) {
	for i := len(g.environ) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(g.environ[i], "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// httpClient builds the HTTP client from pip's network options.
func (g *globalOptions) httpClient() (*httpx.Client, error) {
	return g.httpClientWith(nil)
}

// httpClientWith builds the HTTP client with more trusted hosts than the
// command line's (those of requirements files).
func (g *globalOptions) httpClientWith(trustedHosts []string) (*httpx.Client, error) {
	opts := httpx.DefaultOptions()
	opts.UserAgent = httpx.UserAgent(Version)
	opts.Timeout = time.Duration(g.timeout * float64(time.Second))
	opts.Retries = g.retries
	opts.Proxy = g.proxy
	opts.Cert = g.cert
	opts.ClientCert = g.clientCert
	opts.TrustedHosts = append(append([]string(nil), g.trustedHosts...), trustedHosts...)
	opts.LookupEnv = g.lookupEnv
	return httpx.New(opts)
}
