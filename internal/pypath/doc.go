// Package pypath reproduces Python's os.path functions that more than one
// gopip package needs, where the result shows in what gopip decides or
// prints as pip does.
//
// pip compares installation paths after os.path.realpath, for example to
// tell whether a distribution lies inside the active environment (pip list
// --local, pip uninstall) or in the user site (--user). gopip compares the
// same strings:
//
//	if strings.HasPrefix(pypath.RealPath(d.Location), pypath.RealPath(prefix)) { ... }
//
// Paths pip builds with os.path.join keep what filepath.Join would clean
// away ("a//b", ".."), and show so in its messages and listings:
//
//	pypath.Join("site-packages/", "pkg", "../x") // "site-packages/pkg/../x"
//
// Path helpers only one package needs (pathlib's normalisation for the
// installed-distribution database, say) stay in that package.
package pypath
