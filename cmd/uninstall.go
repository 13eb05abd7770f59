package cmd

import (
	"errors"

	"github.com/spf13/cobra"
)

// Placeholder until the uninstall command lands in this session.
func newUninstallCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:  "uninstall",
		RunE: func(c *cobra.Command, args []string) error { return errors.New("uninstall: not implemented yet") },
	}
}
