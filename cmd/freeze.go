package cmd

import (
	"errors"

	"github.com/spf13/cobra"
)

// Placeholder until the freeze command lands in this session.
func newFreezeCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:  "freeze",
		RunE: func(c *cobra.Command, args []string) error { return errors.New("freeze: not implemented yet") },
	}
}
