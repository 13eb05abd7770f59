// Command gopip is a pip-compatible Python package installer whose downloads
// are verified through The Update Framework (PEP 458).
package main

import (
	"os"

	"github.com/gopip/gopip/cmd"
)

func main() {
	os.Exit(cmd.Main())
}
