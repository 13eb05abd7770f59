// Package scripts writes what pip writes into an environment's scripts
// directory (bin/): launchers for a distribution's console_scripts and
// gui_scripts entry points, and copies of the wheel's .data/scripts files
// with their "#!python" line pointed at the interpreter. The output is byte
// for byte what pip 23.2 writes on Linux and macOS for the same interpreter
// path; Windows, where pip writes .exe launchers, is refused with
// ErrUnsupportedOS.
//
// # Launchers
//
// Read the entry points from the wheel's .dist-info/entry_points.txt, then
// ask a Target (the interpreter the launchers are for) which files to
// write:
//
//	eps, err := scripts.ParseEntryPoints(data)
//	if err != nil {
//		return err // a line pip would fail on, e.g. one without "="
//	}
//	t := scripts.Target{Python: "/usr/bin/python3", Major: 3, Minor: 11}
//	list, err := t.Scripts(eps)
//	if err != nil {
//		return err // e.g. "foo = pkg" without ":func", which pip refuses
//	}
//	for _, s := range list {
//		// Remove any existing file, create filepath.Join(bin, s.Name)
//		// with s.Data, chmod to scripts.LauncherMode(umask), and list it
//		// in RECORD. A later Script with the same Name replaces an
//		// earlier one.
//	}
//
// For a distribution declaring
//
//	[console_scripts]
//	hello = hello.cli:main
//
// the file bin/hello is
//
//	#!/usr/bin/python3
//	# -*- coding: utf-8 -*-
//	import re
//	import sys
//	from hello.cli import main
//	if __name__ == '__main__':
//	    sys.argv[0] = re.sub(r'(-script\.pyw|\.exe)?$', '', sys.argv[0])
//	    sys.exit(main())
//
// An interpreter path with a space, or one too long for the kernel's
// shebang limit, gets the "#!/bin/sh" form described at Target.Shebang.
// The "pip" entry point also gets versioned copies (pip3, pip3.11), named
// after Target.Major and Target.Minor; see Target.Scripts.
//
// # Scripts shipped in the wheel
//
// Files under <name>.data/scripts/ are installed into the same directory,
// except those IsEntryPointWrapper recognises as setuptools wrappers, and
// each one goes through RewriteShebang:
//
//	data, changed := scripts.RewriteShebang(data, "/usr/bin/python3")
//	// changed: the file's RECORD hash and size must be recomputed.
//
// # Which pip
//
// The rules come from pip 23.2 (the pip on the machines gopip is tested
// on) and the distlib 0.3.6 it vendors: get_entrypoints,
// get_console_script_specs, fix_script, PipScriptMaker and _install_wheel
// in pip/_internal/operations/install/wheel.py; ScriptMaker and
// enquote_executable in pip/_vendor/distlib/scripts.py; get_export_entry in
// pip/_vendor/distlib/util.py; and, for entry_points.txt, the
// importlib.metadata reader pip uses on Python 3.11+. Newer pips write a
// different launcher body; the differences are listed at scriptTemplate in
// launcher.go. The tests compare every rule against the pip installed on
// the machine by running pip's own install_wheel.
package scripts
