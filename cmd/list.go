package cmd

import (
	"errors"

	"github.com/spf13/cobra"
)

// Placeholder until the list command lands in this session.
func newListCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:  "list",
		RunE: func(c *cobra.Command, args []string) error { return errors.New("list: not implemented yet") },
	}
}
