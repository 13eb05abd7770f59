package cmd

import (
	"errors"

	"github.com/spf13/cobra"
)

// Placeholder until the install command lands in this session.
func newInstallCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:  "install",
		RunE: func(c *cobra.Command, args []string) error { return errors.New("install: not implemented yet") },
	}
}
