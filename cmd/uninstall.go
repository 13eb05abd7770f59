package cmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gopip/gopip/installer"
	"github.com/gopip/gopip/internal/pystr"
	"github.com/gopip/gopip/resolver/pep508"
)

// uninstallOptions are pip uninstall's options.
type uninstallOptions struct {
	requirements        []string
	yes                 bool
	rootUserAction      string
	breakSystemPackages bool
}

func newUninstallCmd(g *globalOptions) *cobra.Command {
	opts := &uninstallOptions{}
	c := &cobra.Command{
		Use:   "uninstall [options] <package> ...",
		Short: "Uninstall packages",
		Long: `Uninstall packages by the files their RECORD lists.

Distributions without a RECORD (installed by a system package manager or by
"setup.py install") are refused, as pip refuses them. Everything named is
removed at once: a failure or an interrupt leaves every package installed.`,
		RunE: func(c *cobra.Command, args []string) error {
			return runUninstall(c.Context(), g, opts, args)
		},
	}
	f := c.Flags()
	f.StringArrayVarP(&opts.requirements, "requirement", "r", nil, "Uninstall all the packages listed in the given requirements file.  This option can be used multiple times.")
	f.BoolVarP(&opts.yes, "yes", "y", false, "Don't ask for confirmation of uninstall deletions.")
	f.StringVar(&opts.rootUserAction, "root-user-action", "ignore", "Action if gopip is run as a root user [warn, ignore].")
	addBreakSystemPackages(f, &opts.breakSystemPackages)
	return c
}

func runUninstall(ctx context.Context, g *globalOptions, opts *uninstallOptions, args []string) error {
	var names []string
	for _, a := range args {
		req, err := pep508.ParseRequirement(a)
		if err != nil {
			g.warn(fmt.Sprintf("Invalid requirement: %s ignored - the uninstall command expects named requirements.", pystr.Repr(a)))
			continue
		}
		names = append(names, req.Name)
	}
	for _, file := range opts.requirements {
		fromFile, err := requirementNames(file)
		if err != nil {
			return err
		}
		names = append(names, fromFile...)
	}
	if len(names) == 0 {
		return errors.New(`You must give at least one requirement to uninstall (see "gopip help uninstall")`)
	}
	in, err := g.interpreter(ctx)
	if err != nil {
		return err
	}
	env, err := installer.NewEnvironment(in, installer.SchemeOptions{NoUser: true})
	if err != nil {
		return err
	}
	if !opts.breakSystemPackages {
		if err := env.CheckExternallyManaged(); err != nil {
			return err
		}
	}
	uo := installer.UninstallOptions{Reporter: g.uninstallReporter(!opts.yes)}
	var askErr error
	if !opts.yes {
		stdin := bufio.NewReader(g.stdin)
		uo.Confirm = func(p installer.UninstallPlan) bool {
			// pip announces the removal before listing it.
			g.info("Uninstalling " + p.Name + "-" + p.Version + ":")
			g.showUninstallPlan(p)
			answer, err := g.ask(stdin, "Proceed (Y/n)? ", []string{"y", "n", ""})
			if err != nil {
				askErr = err
				return false
			}
			return answer != "n"
		}
	}
	_, err = installer.Uninstall(ctx, env, names, uo)
	if err == nil {
		err = askErr
	}
	if err == nil {
		g.warnRoot(opts.rootUserAction, in)
	}
	return err
}

// showUninstallPlan prints pip's listing before its confirmation prompt.
func (g *globalOptions) showUninstallPlan(p installer.UninstallPlan) {
	show := func(title string, paths []string) {
		if len(paths) == 0 {
			return
		}
		g.info("  " + title)
		sorted := append([]string(nil), paths...)
		sort.Strings(sorted)
		for _, path := range sorted {
			g.info("    " + path)
		}
	}
	if g.verbose > 0 {
		show("Would remove:", p.Paths)
	} else {
		show("Would remove:", p.Remove)
		show("Would not remove (might be manually added):", p.Skip)
	}
	show("Would not remove (outside of prefix):", p.Refused)
}

// ask is pip's ask(): it prompts until the answer is one of options.
// Like pip, it refuses to ask when input is disabled.
func (g *globalOptions) ask(r *bufio.Reader, prompt string, options []string) (string, error) {
	for {
		if g.noInput || g.getenv("PIP_NO_INPUT") != "" {
			return "", fmt.Errorf("No input was expected ($PIP_NO_INPUT set); question: %s", prompt)
		}
		io.WriteString(g.stdout, prompt)
		line, err := r.ReadString('\n')
		if err != nil && (line == "" || !errors.Is(err, io.EOF)) {
			if errors.Is(err, io.EOF) {
				return "", fmt.Errorf("no answer to %q: standard input is closed (use -y to uninstall without asking)", strings.TrimSpace(prompt))
			}
			return "", err
		}
		answer := strings.ToLower(strings.TrimSpace(line))
		for _, o := range options {
			if answer == o {
				return answer, nil
			}
		}
		fmt.Fprintf(g.stdout, "Your response (%s) was not one of the expected responses: %s\n", pystr.Repr(answer), strings.Join(options, ", "))
	}
}

// uninstallReporter prints the uninstaller's events as pip's uninstall
// command prints them. When confirming, the "Uninstalling" line was
// already printed with the confirmation prompt.
func (g *globalOptions) uninstallReporter(confirming bool) installer.Reporter {
	return installer.ReporterFunc(func(e installer.Event) {
		switch e.Kind {
		case installer.EventWarning:
			g.warn(e.Message)
		case installer.EventWaitingForLock:
			g.info("Waiting for another gopip process to finish with " + e.Path)
		case installer.EventRecovered:
			g.warn("Recovered an interrupted gopip run (" + e.Path + ")")
		case installer.EventFoundExisting:
			g.info("Found existing installation: " + e.Name + " " + e.Version)
		case installer.EventUninstalling:
			if !confirming {
				g.info("Uninstalling " + e.Name + "-" + e.Version + ":")
			}
		case installer.EventUninstalled:
			g.info("  Successfully uninstalled " + e.Name + "-" + e.Version)
		case installer.EventNotUninstalling:
			g.info(e.Message)
		}
	})
}

// requirementNames reads the project names from a requirements file for
// uninstall -r: one requirement per line, comments and option lines
// skipped.
func requirementNames(file string) ([]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("Could not open requirements file: %w", err)
	}
	var names []string
	for i, line := range strings.Split(string(data), "\n") {
		if j := strings.Index(line, " #"); j >= 0 {
			line = line[:j]
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "-") {
			continue
		}
		req, err := pep508.ParseRequirement(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", file, i+1, err)
		}
		names = append(names, req.Name)
	}
	return names, nil
}
