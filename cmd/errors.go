package cmd

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes. 1 and 2 are pip's (error, usage error); the others are
// gopip's own so that scripts can tell a refused verification apart.
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitSecurity    = 13
	exitInterrupted = 130
)

// usageError is a mistake on the command line.
type usageError struct {
	err error
	cmd string
}

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usageErrorf(c *cobra.Command, format string, args ...any) error {
	return usageError{err: fmt.Errorf(format, args...), cmd: c.CommandPath()}
}

// securityFailure is implemented by verification errors (package trust):
// a file or metadata that failed verification. They are reported with a
// fixed banner and their own exit code, and are never downgraded.
type securityFailure interface {
	error
	SecurityFailure() bool
}

// silentFailure is implemented by errors whose message was already
// printed (pip's show prints a warning and exits 1 with nothing more).
type silentFailure interface {
	Silent() bool
}

// hinter is implemented by errors that carry a remedy for the user.
type hinter interface {
	Hint() string
}

// diagnostic is implemented by errors that pip reports in its "error:
// <reference>" form (for example externally-managed-environment).
type diagnostic interface {
	error
	Reference() string
	Note() string
}

// report prints err the way pip does and returns the exit code. It is the
// one place that maps errors to exit codes.
func (g *globalOptions) report(c *cobra.Command, err error) int {
	if err == nil {
		return exitOK
	}
	var silent silentFailure
	if errors.As(err, &silent) && silent.Silent() {
		return exitError
	}
	var (
		ue usageError
		sf securityFailure
		dg diagnostic
		h  hinter
	)
	switch {
	case errors.As(err, &sf) && sf.SecurityFailure():
		fmt.Fprintf(g.stderr, "SECURITY ERROR\n%s\n\nWhat the repository served does not match its signed metadata; gopip refused it and changed nothing.\n", err)
		return exitSecurity
	case errors.As(err, &ue):
		fmt.Fprintf(g.stderr, "ERROR: %s\n", ue.err)
		name := ue.cmd
		if name == "" && c != nil {
			name = c.CommandPath()
		}
		fmt.Fprintf(g.stderr, "See '%s --help'.\n", name)
		return exitUsage
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(g.stderr, "ERROR: Operation cancelled by user")
		return exitInterrupted
	case errors.As(err, &dg):
		fmt.Fprintf(g.stderr, "error: %s\n\n%s\n", dg.Reference(), indentDiagnostic(dg.Error()))
		if note := dg.Note(); note != "" {
			fmt.Fprintf(g.stderr, "\nnote: %s\n", note)
		}
		if errors.As(err, &h) && h.Hint() != "" {
			fmt.Fprintf(g.stderr, "hint: %s\n", h.Hint())
		}
		return exitError
	}
	msg := err.Error()
	if c != nil && strings.HasPrefix(msg, "unknown command") {
		fmt.Fprintf(g.stderr, "ERROR: %s\n", msg)
		return exitUsage
	}
	fmt.Fprintf(g.stderr, "ERROR: %s\n", msg)
	if errors.As(err, &h) && h.Hint() != "" {
		fmt.Fprintf(g.stderr, "hint: %s\n", h.Hint())
	}
	return exitError
}

// indentDiagnostic lays out a diagnostic's message under pip's "×" and
// "╰─>" markers: the first line is the summary, the rest the context.
func indentDiagnostic(msg string) string {
	summary, context, _ := strings.Cut(msg, "\n")
	var b strings.Builder
	fmt.Fprintf(&b, "× %s\n", summary)
	lines := strings.Split(strings.TrimRight(context, "\n"), "\n")
	for i, l := range lines {
		if i == 0 {
			fmt.Fprintf(&b, "╰─> %s\n", l)
		} else if l == "" {
			b.WriteString("\n")
		} else {
			fmt.Fprintf(&b, "    %s\n", l)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}
