package cmd

import (
	"context"
	"fmt"
	"maps"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/gopip/gopip/internal/pythontest"
)

// TestVerifiedScripts runs the scripts in testdata/verified: verified
// installs from a repository that `gopip repo serve` serves as a real
// background process, across the repository's life. They run in the
// environment of TestScripts, with its commands plus:
//
//	freeport VAR    sets $VAR to a loopback port nothing listens on
//	waithttp URL    waits (up to 30 s) until URL answers 200
func TestVerifiedScripts(t *testing.T) {
	python := pythontest.Python(t)
	cmds := maps.Clone(scriptCmds)
	cmds["freeport"] = cmdFreeport
	cmds["waithttp"] = cmdWaitHTTP
	testscript.Run(t, testscript.Params{
		Dir:  filepath.Join("testdata", "verified"),
		Cmds: cmds,
		Setup: func(e *testscript.Env) error {
			home := filepath.Join(e.WorkDir, "home")
			e.Setenv("HOME", home)
			e.Setenv("XDG_DATA_HOME", filepath.Join(home, ".local", "share"))
			e.Setenv("XDG_CACHE_HOME", filepath.Join(home, ".cache"))
			e.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
			e.Setenv("XDG_CONFIG_DIRS", filepath.Join(e.WorkDir, "etc-xdg"))
			e.Setenv("PYTHON", python)
			e.Setenv("PYTHONDONTWRITEBYTECODE", "1")
			e.Setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple/")
			return nil
		},
	})
}

// freeport VAR sets $VAR to a free loopback TCP port, for a server the
// script starts itself (another process could take it meanwhile; the
// server then fails to listen and the script says so).
func cmdFreeport(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: freeport VAR")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ts.Fatalf("freeport: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	ts.Setenv(args[0], strconv.Itoa(port))
}

// waithttp URL waits until a GET of URL answers 200 OK, polling for up to
// 30 seconds.
func cmdWaitHTTP(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waithttp URL")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var last error
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, args[0], nil)
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			err = fmt.Errorf("%s", resp.Status)
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	ts.Fatalf("waithttp %s: %v", args[0], last)
}
