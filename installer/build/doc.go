// Package build turns source distributions and project directories into
// wheels the way pip 23.2 does: through the project's own PEP 517 build
// backend (PEP 660 for editable installs), run by the target interpreter in
// an isolated build environment whose requirements gopip installs itself.
//
// # A Builder
//
// A Builder needs the target interpreter (installer.Inspect) and something
// that installs build requirements into a fresh prefix, an EnvInstaller.
// cmd implements that with the same resolver, verified downloads and
// installer as the install that needs the build, so build requirements
// come through the same trust chain as everything else:
//
//	b, err := build.New(build.Options{
//		Interpreter:    interp,
//		Installer:      envInstaller, // resolve + verify + installer.Install into --prefix
//		ConfigSettings: configSettings, // -C/--config-settings
//		CacheDir:       filepath.Join(xdg.CacheHome, "gopip", "wheels"),
//		Reporter:       reporter,     // pip's "Building wheel for …" lines
//	})
//	if err != nil {
//		return err
//	}
//	defer b.Close()
//
// # Metadata, then a wheel
//
// The resolver asks for metadata; the installer needs a wheel. Both take an
// sdist archive (already verified: hashes, TUF) or a project directory:
//
//	md, err := b.Metadata(ctx, "/downloads/demo-1.0.tar.gz")
//	// md.GetAll("Requires-Dist") …
//	res, err := b.Wheel(ctx, "/downloads/demo-1.0.tar.gz", wheelDir)
//	// res.Path is wheelDir/demo-1.0-py3-none-any.whl; res.Cached says
//	// whether it came from the cache
//
// Metadata builds as little as it can: an sdist whose PKG-INFO is
// Metadata-Version 2.2 or later with no dynamic dependency fields (PEP 643)
// answers with nothing unpacked or run; then a cached wheel of the same
// sdist; then the backend's prepare_metadata_for_build_wheel; and, for a
// backend without that hook, a full build whose wheel Wheel then hands out.
// The Builder keeps each source it prepared until Close, so Metadata followed
// by Wheel installs the build requirements once and builds once.
//
// Editable installs (gopip install -e DIR) use Editable, which calls the
// PEP 660 hooks; there is no "setup.py develop" fallback.
//
// # What a build does
//
// For one source, as pip 23.2 does for one requirement
// (pip/_internal/distributions/sdist.py, build_env.py, pyproject.py):
//
//  1. An archive is unpacked into a temporary directory, safely (see
//     ArchiveError): no entry may land or link outside it, no device files,
//     bounded sizes. A directory is built in place, like pip's in-tree
//     builds.
//  2. pyproject.toml's [build-system] is read (LoadBuildSystem), with pip's
//     defaults: no table means "setuptools>=40.8.0" and "wheel" with
//     setuptools.build_meta:__legacy__.
//  3. A build environment is made (pip's BuildEnvironment): two prefixes,
//     "overlay" receiving build-system.requires and "normal" receiving what
//     get_requires_for_build_wheel adds beyond them. Every hook process gets
//     PYTHONPATH pointing at a sitecustomize.py that removes the
//     interpreter's site-packages from sys.path and adds the prefixes',
//     PYTHONNOUSERSITE=1, and the prefixes' bin directories first on PATH:
//     the backend sees the standard library and its build requirements, not
//     what is installed in the target environment, nor the user's
//     PYTHONPATH or site-packages. With NoIsolation (--no-build-isolation),
//     none of this happens: the hooks run in the target environment as it is
//     and nothing is installed.
//  4. The hooks run one process each, with the target interpreter, in the
//     source tree, through a small hook runner embedded in gopip
//     (hookrunner.py, standard library only, Python 3.8+), which imports
//     the backend (from backend-path for an in-tree backend, checking that
//     the module really comes from there), calls the hook with JSON input and
//     output through files, and tells a missing optional hook from a
//     failure. The config settings go to every hook.
//  5. The wheel's file name and METADATA must match the sdist's name and
//     version.
//
// Everything the backend prints is captured. A failure is a *HookError that
// names the project and the hook and carries the last 20 lines of output (all
// of it with Options.Verbose); Options.Output receives the output live.
//
// # The wheel cache
//
// With Options.CacheDir, wheels built from sdist archives are kept, keyed by
// the sdist's sha256, the interpreter's implementation and version, build
// isolation and the config settings; a lookup picks the cached wheel whose
// tags the interpreter supports best. Entries are written atomically
// (temporary file, then rename), so concurrent gopips at worst both build.
// A second install of the same sdist builds nothing: Wheel returns the
// cached wheel with Result.Cached set and reports EventCacheHit. Wheels
// built from directories (which change without their path changing) and
// editable wheels are never cached.
//
// # Where gopip differs from pip
//
//   - Always PEP 517: a setup.py project without pyproject.toml is built
//     through setuptools.build_meta:__legacy__ (pip's --use-pep517); there
//     is no "setup.py install" or "setup.py develop" path.
//   - PEP 643: pip 23.2 always runs prepare_metadata_for_build_wheel; gopip
//     first trusts an sdist's static metadata.
//   - Wheel does not call prepare_metadata_for_build_wheel unless Metadata
//     was asked first (pip always prepares metadata before building).
//   - Archives: symbolic links must resolve inside the tree and hard links
//     name earlier files; device files and names with backslashes are
//     refused; sizes are bounded. pip 23.2 extracts links as tarfile does.
//   - The cache key is the sdist's content, not its URL, and includes the
//     config settings.
package build
