package cmd

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopip/gopip/internal/testcorpus"
)

// TestListOutdatedMatchesPip installs the oldest release of each of the
// corpus's 93 projects with gopip into a virtual environment that has pip,
// publishes newer releases (testcorpus.Newer: newer wheels, a release that is
// a source distribution only, a newer release whose wheels are all for
// Python 3.12 beside its sdist, pre-releases, yanked newest releases,
// releases for Python 3.12 only), and requires gopip list -o to print
// exactly what pip list -o prints, in columns and in JSON, with and
// without --pre; list -u (the up-to-date ones) too.
func TestListOutdatedMatchesPip(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs pip: skipped with -short")
	}
	e := newCorpusEnv(t, true)
	venv := filepath.Join(e.dir, "venv")
	if out, err := exec.Command(e.python, "-m", "venv", venv).CombinedOutput(); err != nil {
		t.Fatalf("python -m venv: %v\n%s", err, out)
	}
	python := filepath.Join(venv, "bin", "python")
	if out, _, err := e.pip("--python-exe", python, "--version"); err != nil || !strings.HasPrefix(out, "pip 23.2") {
		t.Skipf("the virtual environment's pip is not 23.2: %q %v", out, err)
	}
	pins := testcorpus.OldestPins(testcorpus.MustParse(testcorpus.Graph))
	if len(pins) < 50 {
		t.Fatalf("only %d distributions to install", len(pins))
	}
	args := append([]string{"--python", python, "install", "-q", "--no-deps", "--no-compile", "-i", e.index}, pins...)
	if code, _, stderr := e.gopip(args...); code != 0 {
		t.Fatalf("gopip install: exit %d\n%s", code, stderr)
	}
	if err := testcorpus.Add(context.Background(), e.repo, filepath.Join(e.dir, "dist-newer"), testcorpus.MustParse(testcorpus.Newer)); err != nil {
		t.Fatal(err)
	}

	for _, c := range [][]string{
		{"-o"},
		{"-o", "--format", "json"},
		{"-o", "--pre"},
		{"-o", "--pre", "--format", "json"},
		{"-u"},
	} {
		name := strings.Join(c, " ")
		want, stderr, err := e.pip(append([]string{"--python-exe", python, "list", "--index-url", e.index}, c...)...)
		if err != nil {
			t.Fatalf("pip list %s: %v\n%s", name, err, stderr)
		}
		code, got, gotStderr := e.gopip(append([]string{"--python", python, "list", "--index-url", e.index}, c...)...)
		if code != 0 {
			t.Fatalf("gopip list %s: exit %d\n%s", name, code, gotStderr)
		}
		if got != want {
			t.Errorf("list %s:\npip:\n%s\ngopip:\n%s", name, want, got)
		}
		if name == "-o" {
			t.Logf("list %s (%d distributions installed, %d outdated):\n%s", name, len(pins), strings.Count(want, "\n")-2, want)
		}
	}
}
