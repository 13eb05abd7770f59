// Command repack turns distributions installed in a site-packages
// directory back into wheel files (internal/testwheel.Repack), to give the
// benchmarks a corpus of real-world wheels on a machine with no index.
//
//	go run ./tools/repack -site $(python3 -c 'import sysconfig; print(sysconfig.get_path("purelib"))') -o /tmp/wheels click flask markupsafe
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/gopip/gopip/internal/testwheel"
)

func main() {
	site := flag.String("site", "", "site-packages directory holding the distributions")
	out := flag.String("o", ".", "directory to write the wheels into")
	flag.Parse()
	if *site == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: repack -site DIR [-o DIR] NAME...")
		os.Exit(2)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	failed := false
	for _, name := range flag.Args() {
		path, err := testwheel.Repack(*out, *site, name)
		if err != nil {
			fmt.Fprintf(os.Stderr, "repack %s: %v\n", name, err)
			failed = true
			continue
		}
		fmt.Println(path)
	}
	if failed {
		os.Exit(1)
	}
}
