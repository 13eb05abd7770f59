package cmd

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gopip/gopip/internal/cache"
)

// cacheOptions are pip cache's options.
type cacheOptions struct {
	format string
}

func newCacheCmd(g *globalOptions) *cobra.Command {
	opts := &cacheOptions{}
	c := &cobra.Command{
		Use:   "cache dir | info | list [<pattern>] [--format=[human, abspath]] | remove <pattern> | purge",
		Short: "Inspect and manage gopip's cache",
		Long: `Inspect and manage gopip's cache.

Subcommands:

- dir: Show the cache directory.
- info: Show information about the cache.
- list: List filenames of packages stored in the cache.
- remove: Remove one or more package from the cache.
- purge: Remove all items from the cache.

<pattern> can be a glob expression or a package name.

gopip's cache holds, besides pip's index page cache ("http") and locally
built wheels ("wheels"): the distribution files it downloaded and verified,
by their sha256 ("files"), and the wheels it installed, unpacked and
verified, which later installs link from ("unpacked"). list shows the
built wheels and the downloaded files; remove and purge also remove the
unpacked wheels of the files they match.`,
		RunE: func(c *cobra.Command, args []string) error {
			switch opts.format {
			case "human", "abspath":
			default:
				return usageErrorf(c, "option --format: invalid choice: '%s' (choose from 'human', 'abspath')", opts.format)
			}
			return runCache(g, opts, args)
		},
	}
	c.Flags().StringVar(&opts.format, "format", "human", "Select the output format among: human (default) or abspath")
	return c
}

// errCacheCommand is a pip cache error: printed as "ERROR: <message>",
// exit status 1.
type errCacheCommand string

func (e errCacheCommand) Error() string { return string(e) }

func runCache(g *globalOptions, opts *cacheOptions, args []string) error {
	c := g.cache()
	if c == nil {
		return errCacheCommand("gopip cache commands can not function since cache is disabled.")
	}
	handlers := map[string]func(*cache.Cache, *cacheOptions, []string) error{
		"dir":    g.cacheDirCmd,
		"info":   g.cacheInfo,
		"list":   g.cacheList,
		"remove": g.cacheRemove,
		"purge":  g.cachePurge,
	}
	if len(args) == 0 || handlers[args[0]] == nil {
		names := make([]string, 0, len(handlers))
		for n := range handlers {
			names = append(names, n)
		}
		sort.Strings(names)
		return errCacheCommand(fmt.Sprintf("Need an action (%s) to perform.", strings.Join(names, ", ")))
	}
	return handlers[args[0]](c, opts, args[1:])
}

const errTooManyArguments = errCacheCommand("Too many arguments")

func (g *globalOptions) cacheDirCmd(c *cache.Cache, _ *cacheOptions, args []string) error {
	if len(args) > 0 {
		return errTooManyArguments
	}
	g.info(c.Dir())
	return nil
}

func (g *globalOptions) cacheInfo(c *cache.Cache, _ *cacheOptions, args []string) error {
	if len(args) > 0 {
		return errTooManyArguments
	}
	http, err := c.HTTPFiles()
	if err != nil {
		return err
	}
	items, err := c.Packages("*")
	if err != nil {
		return err
	}
	count := map[string]int{}
	for _, it := range items {
		count[it.Layer]++
	}
	var b strings.Builder
	layer := func(what, plural, name string, n int) {
		dir := c.Layer(name)
		fmt.Fprintf(&b, "%s location: %s\n%s size: %s\nNumber of %s: %d\n", what, dir, what, cache.FormatSize(cache.DirSize(dir)), plural, n)
	}
	layer("Package index page cache", "HTTP files", cache.HTTPLayer, len(http))
	layer("Locally built wheels", "locally built wheels", cache.WheelsLayer, count[cache.WheelsLayer])
	layer("Downloaded files", "downloaded files", cache.FilesLayer, count[cache.FilesLayer])
	layer("Unpacked wheels", "unpacked wheels", cache.UnpackedLayer, count[cache.UnpackedLayer])
	g.info(strings.TrimSuffix(b.String(), "\n"))
	return nil
}

func (g *globalOptions) cacheList(c *cache.Cache, opts *cacheOptions, args []string) error {
	if len(args) > 1 {
		return errTooManyArguments
	}
	pattern := "*"
	if len(args) == 1 {
		pattern = args[0]
	}
	items, err := c.Packages(pattern)
	if err != nil {
		return err
	}
	var lines []string
	for _, it := range items {
		if it.Layer == cache.UnpackedLayer {
			continue // a copy of a file listed, not a package of its own
		}
		if opts.format == "abspath" {
			lines = append(lines, it.Path)
		} else {
			lines = append(lines, fmt.Sprintf(" - %s (%s)", it.Name, cache.FormatSize(cache.FileSize(it.Path))))
		}
	}
	sort.Strings(lines)
	switch {
	case opts.format == "abspath":
		if len(lines) > 0 {
			g.info(strings.Join(lines, "\n"))
		}
	case len(lines) == 0:
		g.info("No locally built wheels cached.")
	default:
		g.info("Cache contents:\n")
		g.info(strings.Join(lines, "\n"))
	}
	return nil
}

func (g *globalOptions) cacheRemove(c *cache.Cache, _ *cacheOptions, args []string) error {
	if len(args) > 1 {
		return errTooManyArguments
	}
	if len(args) == 0 {
		return errCacheCommand("Please provide a pattern")
	}
	items, err := c.Packages(args[0])
	if err != nil {
		return err
	}
	noMatch := "No matching packages"
	if args[0] == "*" {
		// Only the whole cache goes with the index pages.
		http, err := c.HTTPFiles()
		if err != nil {
			return err
		}
		items = append(items, http...)
	} else {
		noMatch += fmt.Sprintf(" for pattern %q", args[0])
	}
	if len(items) == 0 {
		g.warn(noMatch)
	}
	var errs []error
	removed := 0
	for _, it := range items {
		if err := cache.Remove(it); err != nil {
			errs = append(errs, err)
			continue
		}
		removed++
		g.verbosef("Removed %s", it.Path)
	}
	if args[0] == "*" {
		// What killed processes left half written.
		if _, err := c.RemoveTemporary(); err != nil {
			errs = append(errs, err)
		}
	}
	g.info(fmt.Sprintf("Files removed: %d", removed))
	return errors.Join(errs...)
}

func (g *globalOptions) cachePurge(c *cache.Cache, opts *cacheOptions, args []string) error {
	if len(args) > 0 {
		return errTooManyArguments
	}
	return g.cacheRemove(c, opts, []string{"*"})
}

// verbosef prints a line of -v output (pip's logger.verbose) on stdout.
func (g *globalOptions) verbosef(format string, args ...any) {
	if g.verbose < 1 || g.quiet > 0 {
		return
	}
	io.WriteString(g.stdout, fmt.Sprintf(format, args...)+"\n")
}
