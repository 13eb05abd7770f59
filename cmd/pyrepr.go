package cmd

import "github.com/gopip/gopip/internal/pystr"

// pyRepr is Python's repr() of a str, [pystr.Repr], under the name
// uninstall.go calls it by.
func pyRepr(s string) string { return pystr.Repr(s) }
