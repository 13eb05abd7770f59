// Command mkwheel writes a small wheel from files on the command line (a
// thin front end to internal/testwheel), for the demo and for trying gopip
// on a machine with no index and no build backend.
//
//	go run ./tools/mkwheel -o dist -name greet -version 1.0 \
//	    -requires 'colorful>=1.0' -script greet=greet:main \
//	    greet/__init__.py=src/greet/__init__.py
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/gopip/gopip/internal/testwheel"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	out := flag.String("o", ".", "directory to write the wheel into")
	name := flag.String("name", "", "distribution name")
	version := flag.String("version", "", "version")
	summary := flag.String("summary", "", "one-line summary")
	var requires, scripts list
	flag.Var(&requires, "requires", "a Requires-Dist entry (repeatable)")
	flag.Var(&scripts, "script", "a console script NAME=module:function (repeatable)")
	flag.Parse()
	if *name == "" || *version == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: mkwheel -name NAME -version V [-o DIR] [-requires REQ]... [-script NAME=mod:fn]... PATH-IN-WHEEL=FILE...")
		os.Exit(2)
	}
	spec := testwheel.Spec{Name: *name, Version: *version, ConsoleScripts: map[string]string{}}
	if *summary != "" {
		spec.Metadata = append(spec.Metadata, "Summary: "+*summary)
	}
	for _, r := range requires {
		spec.Metadata = append(spec.Metadata, "Requires-Dist: "+r)
	}
	for _, s := range scripts {
		n, target, ok := strings.Cut(s, "=")
		if !ok {
			fmt.Fprintf(os.Stderr, "mkwheel: -script %q: want NAME=module:function\n", s)
			os.Exit(2)
		}
		spec.ConsoleScripts[n] = target
	}
	for _, arg := range flag.Args() {
		inWheel, file, ok := strings.Cut(arg, "=")
		if !ok {
			fmt.Fprintf(os.Stderr, "mkwheel: %q: want PATH-IN-WHEEL=FILE\n", arg)
			os.Exit(2)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintln(os.Stderr, "mkwheel:", err)
			os.Exit(1)
		}
		spec.Files = append(spec.Files, testwheel.File{Path: inWheel, Data: string(data)})
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "mkwheel:", err)
		os.Exit(1)
	}
	path, err := testwheel.Build(*out, spec)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkwheel:", err)
		os.Exit(1)
	}
	fmt.Println(path)
}
