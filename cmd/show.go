package cmd

import (
	"errors"

	"github.com/spf13/cobra"
)

// Placeholder until the show command lands in this session.
func newShowCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:  "show",
		RunE: func(c *cobra.Command, args []string) error { return errors.New("show: not implemented yet") },
	}
}
