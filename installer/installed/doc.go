// Package installed is the database of installed distributions: what pip
// calls the environment's metadata, read the way pip 23.2 reads it on
// Python 3.11 (importlib.metadata backend), so that gopip's list, show and
// freeze print exactly what pip prints, and so that upgrades and uninstall
// remove exactly what pip would.
//
// Scan a target's import path (sys.path, or the directories given with
// --path) to see every distribution, in pip's order, the first of a name
// winning:
//
//	dists, err := installed.Scan(sysPath)
//	var w *installed.Warnings
//	if errors.As(err, &w) {
//		for _, m := range w.Messages {
//			fmt.Fprintln(os.Stderr, "WARNING: "+m)
//		}
//	}
//	for _, d := range dists {
//		v, _ := d.DisplayVersion()
//		fmt.Println(d.Name, v, d.Location)
//	}
//
// Find looks one project up by name (PEP 503-normalised); it returns nil,
// nil when the project is not installed.
//
// A Distribution gives access to its metadata (Metadata, parsed exactly as
// Python's email parser does), INSTALLER (Installer), REQUESTED (Requested),
// direct_url.json (DirectURL, with EditableLocation computed as pip does),
// requirements (Requires, and Dependencies with markers evaluated), the
// files it declares (Files, in RECORD order; Record for hashes and sizes),
// and UninstallPaths, the files pip's uninstall would remove. A
// distribution without RECORD is reported with ErrNoRecord: gopip, like
// pip, never removes files it cannot attribute.
//
// DirectURL reads and writes PEP 610 direct_url.json: ParseDirectURL
// validates like pip, JSON writes the bytes pip writes, and
// FreezeRequirement gives the "name @ url" line of pip freeze.
//
// Not handled: distributions inside zip files on sys.path, and easy_install
// ".egg" directories or files (pip 23.2 reads them through pkg_resources
// and has deprecated them).
package installed
