// Package installer puts wheels into Python environments the way pip 23.2
// does, and takes them out again, atomically.
//
// # From an interpreter to an environment
//
// Everything starts from the target interpreter. FindPython chooses it as
// pip does (--python, else the active virtual environment, else python3 on
// PATH); Inspect asks it, once, everything gopip needs to know: its
// install schemes, sys.path, user site, marker environment, wheel-tag
// facts, byte-code tag and PEP 668 status. The answer is cached, so the
// next run starts no Python at all:
//
//	python, err := installer.FindPython(pythonFlag, os.Getenv)
//	if err != nil {
//		return err
//	}
//	interp, err := installer.Inspect(ctx, python, filepath.Join(xdg.CacheHome, "gopip", "interpreters"))
//	if err != nil {
//		return err // names the interpreter and what failed
//	}
//
// An Environment is the interpreter plus pip's scheme options (--user,
// --target, --prefix, --root, -U). NewEnvironment computes the directories
// exactly as pip's get_scheme does, and refuses the combinations pip
// refuses, with pip's messages:
//
//	env, err := installer.NewEnvironment(interp, installer.SchemeOptions{Target: target, Upgrade: upgrade})
//
// PEP 668 is the caller's to check, because which commands and flags skip
// it is a command-line matter (see Environment.CheckExternallyManaged):
//
//	if root == "" && target == "" && prefix == "" && !(dryRun && report != "") && !breakSystemPackages {
//		if err := env.CheckExternallyManaged(); err != nil {
//			return err // *ExternallyManagedError, with Reference, Note and Hint
//		}
//	}
//
// # Installing
//
// Install takes local, already verified wheel files:
//
//	res, err := installer.Install(ctx, env, []installer.Wheel{
//		{Path: "/cache/a-1.0-py3-none-any.whl", URL: "./a-1.0-py3-none-any.whl", Requested: true},
//		{Path: "/cache/b-2.0-py3-none-any.whl"}, // a dependency, by name: no direct_url.json
//	}, installer.InstallOptions{Compile: true, Reporter: reporter})
//
// The result, and the events sent to the Reporter while Install runs,
// carry what pip prints: "Installing collected packages: a, b",
// "Attempting uninstall: a", "Found existing installation: a 0.9",
// "Uninstalling a-0.9:", "Successfully uninstalled a-0.9", and the names
// and versions for "Successfully installed a-1.0 b-2.0". The package
// itself prints nothing.
//
// What lands on disk is what pip 23.2 writes for the same wheels, file for
// file and byte for byte (the tests compare whole trees with pip's): the
// root of the wheel in purelib or platlib (Root-Is-Purelib), the .data
// directories in their schemes, #!python scripts pointed at the
// interpreter, console_scripts and gui_scripts launchers (package
// scripts), pip's file modes, byte-code compiled by the target interpreter
// (in parallel, by a few long-lived worker processes that start on a
// wheel's files as soon as it is staged), a RECORD with pip's
// rows in pip's order, INSTALLER ("gopip"), REQUESTED, and PEP 610
// direct_url.json for wheels given by URL or path. The exceptions are
// INSTALLER's content, and byte-code that records its final path (pip,
// with --target, records the path of its temporary directory; byte-code
// linked from the unpacked-wheel cache records the path of the
// environment it was first compiled for, which imports correct: see
// pyccache.go).
//
// # Safety
//
// A wheel is checked before anything touches the environment: its tags
// against the interpreter, its entry names (absolute paths, ".." escapes,
// symbolic links and duplicates are refused), its .dist-info directory,
// WHEEL's Wheel-Version, METADATA against the file name, and RECORD, which
// must list every file with a sha256 or stronger hash. While extracting,
// every file is hashed and measured against RECORD and never read beyond
// the size its zip header declares. Errors are *WheelError values that
// name the wheel and the entry.
//
// # Atomicity, interruption and locking
//
// Install and Uninstall change an environment in one transaction (see
// txn.go): new files are staged next to their destinations (same file
// system), verified, and moved into place by renames listed first in a
// journal; replaced files are moved aside and deleted only after the
// commit. A failure or a cancelled ctx (cmd turns SIGINT and SIGTERM into
// cancellation) rolls everything back, restoring a replaced version. A
// process killed with SIGKILL leaves the journal, and the next gopip that
// locks the environment (Install, Uninstall, or Recover) rolls back, or
// completes a committed transaction, and removes the staging files.
//
// The lock is an flock(2) on the environment's lock directory itself
// (Environment.LockDir: site-packages, or the --target directory), held
// for the whole run; a second gopip waits (reporting EventWaitingForLock)
// until the first is done. No lock file is created: after a run,
// successful or not, nothing of gopip's is left in the environment. The
// only exception is a process killed mid-run: its journal and staging
// directories (".gopip-journal", ".gopip-staging-*") stay until the next
// run recovers them.
//
// # Where gopip differs from pip
//
//   - Hashes and sizes in a wheel's RECORD are verified (pip does not);
//     a wheel with an unlisted file, a weak hash or a lying zip header is
//     refused.
//   - Many wheels are installed as one transaction; pip installs and
//     commits them one by one. Uninstall likewise removes all the named
//     distributions or none.
//   - With --prefix and --root, pip looks installed distributions up in
//     sys.path and would uninstall the running environment's copy of a
//     distribution it installs elsewhere. gopip looks in the target's
//     directories and sys.path (so the same version is "already
//     installed", as with pip), but never uninstalls outside the target.
//   - A wildcard removal that would move a scheme directory itself (a
//     site-packages holding only the distribution being removed) removes
//     its files one by one instead.
//   - The .dist-info directory must be named after the project, not
//     merely start with its normalised name.
//   - Byte-code records the file's final path even with --target.
//   - POSIX only (Linux, macOS): package scripts does not write Windows
//     launchers.
package installer
