package cmd

import (
	"context"
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/gopip/gopip/trust"
)

// tufConformanceOptions are the flags of the client protocol of the TUF
// conformance suite (theupdateframework/tuf-conformance, CLIENT-CLI.md).
type tufConformanceOptions struct {
	metadataDir   string
	metadataURL   string
	targetName    string
	targetBaseURL string
	targetDir     string
}

// newTUFConformanceCmd is the hidden command that lets the TUF
// conformance suite test gopip's TUF client:
//
//	gopip tuf-conformance --metadata-dir D init ROOT
//	gopip tuf-conformance --metadata-dir D --metadata-url U refresh
//	gopip tuf-conformance --metadata-dir D --metadata-url U --target-name P \
//	    --target-base-url T --target-dir X download
//
// with "gopip tuf-conformance" as the suite's client command. It goes
// through the code path installs use: a trust.Repository (go-tuf's updater
// behind gopip's fetcher and httpx client) over D, and gopip's Downloader.
// It exits 0 on success and 1 on any failure, security failures included,
// as the protocol asks.
func newTUFConformanceCmd(g *globalOptions) *cobra.Command {
	opts := &tufConformanceOptions{}
	c := &cobra.Command{
		Use:    "tuf-conformance [options] init <root>|refresh|download",
		Short:  "Speak the TUF conformance suite's client protocol",
		Hidden: true,
		Long: `Run gopip's TUF client under the protocol of the TUF conformance suite
(theupdateframework/tuf-conformance, CLIENT-CLI.md): init copies the trusted
root into the metadata folder, refresh runs the TUF client workflow, download
refreshes, then downloads and verifies one target into the target folder
(named after the target path, escaped). Exit code 0 on success, 1 otherwise.`,
		Args: func(c *cobra.Command, args []string) error {
			switch {
			case len(args) == 2 && args[0] == "init":
			case len(args) == 1 && (args[0] == "refresh" || args[0] == "download"):
			default:
				return usageErrorf(c, "want init <root>, refresh or download, got %q", args)
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			err := runTUFConformance(c.Context(), g, opts, args)
			if err == nil {
				return nil
			}
			// The protocol knows exit codes 0 and 1 only: report the
			// error as usual (SECURITY ERROR and all), then exit 1.
			g.report(c, err)
			return conformanceFailure{}
		},
	}
	f := c.Flags()
	f.StringVar(&opts.metadataDir, "metadata-dir", "", "The folder of the trusted metadata.")
	f.StringVar(&opts.metadataURL, "metadata-url", "", "The URL of the repository's TUF metadata.")
	f.StringVar(&opts.targetName, "target-name", "", "The target path to download.")
	f.StringVar(&opts.targetBaseURL, "target-base-url", "", "The base URL of the repository's targets.")
	f.StringVar(&opts.targetDir, "target-dir", "", "The folder to download targets into.")
	return c
}

// conformanceFailure is a failure already reported: exit code 1.
type conformanceFailure struct{}

func (conformanceFailure) Error() string { return "tuf-conformance failed" }
func (conformanceFailure) Silent() bool  { return true }

func runTUFConformance(ctx context.Context, g *globalOptions, opts *tufConformanceOptions, args []string) error {
	if opts.metadataDir == "" {
		return errors.New("--metadata-dir is required")
	}
	if args[0] == "init" {
		return tufConformanceInit(opts.metadataDir, args[1])
	}
	if opts.metadataURL == "" {
		return errors.New("--metadata-url is required")
	}
	cfg := trust.Config{Name: "conformance", IndexURL: opts.metadataURL, MetadataURL: opts.metadataURL, TargetsURL: opts.targetBaseURL}
	if args[0] == "download" {
		if opts.targetName == "" || opts.targetBaseURL == "" || opts.targetDir == "" {
			return errors.New("download needs --target-name, --target-base-url and --target-dir")
		}
	} else {
		cfg.TargetsURL = opts.metadataURL // unused by refresh
	}
	client, err := g.httpClient()
	if err != nil {
		return err
	}
	repo, err := trust.OpenRepository(cfg, opts.metadataDir, client)
	if err != nil {
		return err
	}
	if _, err := repo.Refresh(ctx); err != nil {
		return err
	}
	if args[0] == "refresh" {
		return nil
	}
	req, err := repo.TargetRequest(ctx, opts.targetName)
	if err != nil {
		return err
	}
	// One file per target path, whatever its characters; a file already
	// there with the trusted length and hashes is not downloaded again.
	req.Dest = filepath.Join(opts.targetDir, url.PathEscape(opts.targetName))
	if trust.CheckFile(req.Dest, req.Length, req.Hashes) == nil {
		return nil
	}
	_, err = trust.NewDownloader(client, trust.DownloaderOptions{Concurrency: 1}).Download(ctx, req)
	return err
}

// tufConformanceInit starts the metadata folder from a trusted root,
// copied as root.json with no check (the protocol asks for none; refresh
// verifies it) and nothing fetched.
func tufConformanceInit(dir, rootFile string) error {
	root, err := os.ReadFile(rootFile)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "root.json"), root, fs.FileMode(0o644))
}
