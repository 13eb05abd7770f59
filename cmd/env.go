package cmd

import (
	"context"
	"errors"
	"path/filepath"

	"github.com/adrg/xdg"

	"github.com/gopip/gopip/installer"
	"github.com/gopip/gopip/internal/cache"
)

// errNoVirtualenv is pip's --require-virtualenv refusal.
var errNoVirtualenv = errors.New("Could not find an activated virtualenv (required).")

// cacheHome returns gopip's cache directory: --cache-dir, else
// $XDG_CACHE_HOME/gopip (~/.cache/gopip), or "" with --no-cache-dir.
func (g *globalOptions) cacheHome() string {
	switch {
	case g.noCacheDir:
		return ""
	case g.cacheDir != "":
		return g.expandUser(g.cacheDir)
	case g.getenv("XDG_CACHE_HOME") != "":
		return filepath.Join(g.getenv("XDG_CACHE_HOME"), "gopip")
	case g.getenv("HOME") != "":
		return filepath.Join(g.getenv("HOME"), ".cache", "gopip")
	}
	return filepath.Join(xdg.CacheHome, "gopip")
}

// cache returns gopip's cache, or nil with --no-cache-dir (or
// PIP_NO_CACHE_DIR): then nothing is read from or written to it.
func (g *globalOptions) cache() *cache.Cache {
	return cache.New(g.cacheHome())
}

// interpreter finds and inspects the target interpreter (--python, the
// active virtualenv, or python3 on PATH), once per run; the answer is
// cached on disk so later runs start no Python.
func (g *globalOptions) interpreter(ctx context.Context) (*installer.Interpreter, error) {
	if g.interp != nil {
		return g.interp, nil
	}
	python, err := installer.FindPython(g.python, g.getenv)
	if err != nil {
		return nil, err
	}
	cache := g.cacheHome()
	if cache != "" {
		cache = filepath.Join(cache, "interpreters")
	}
	in, err := installer.Inspect(ctx, python, cache)
	if err != nil {
		return nil, err
	}
	if g.requireVirtualenv && !in.InVirtualenv {
		return nil, errNoVirtualenv
	}
	g.interp = in
	return in, nil
}

// sitePaths returns the directories whose distributions count as installed
// for the target interpreter: its sys.path, and its user site directory.
func (g *globalOptions) sitePaths(ctx context.Context) (paths []string, userSite string, err error) {
	in, err := g.interpreter(ctx)
	if err != nil {
		return nil, "", err
	}
	return in.SysPath, in.UserSite, nil
}
