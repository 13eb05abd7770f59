// Package tags decides which wheels an interpreter can install, and which
// it prefers: PEP 425 compatibility tags, the manylinux (PEP 600) and
// musllinux (PEP 656) platform tags, and the file names of wheels and
// source distributions.
//
// # Tags and wheel file names
//
// A wheel's file name ends in a compressed tag set: each of its three
// parts (Python interpreter, ABI, platform) may list several values. The
// set is every combination:
//
//	w, err := tags.ParseWheelFilename("six-1.16.0-py2.py3-none-any.whl")
//	// w.Name "six", w.Version "1.16.0",
//	// w.Tags [py2-none-any py3-none-any]
//
// Errors are *FilenameError values that name the file and say what is
// wrong with it; ParseTag and ParseTagSet parse tags on their own.
// ParseSdistFilename and ParseSdistFilenameFor do the same for
// "name-version.tar.gz" source distributions. PipWheelName reads a wheel
// file name with pip 23.2's much looser wheel_file_re, for the places
// that must accept and name a wheel as that pip does.
//
// # What an interpreter supports
//
// The installer inspects the target interpreter once and fills an
// Interpreter (see testdata/interpreter_facts.py for the reference
// script). Supported turns those facts into the interpreter's supported
// tags, most preferred first, with no Python process started:
//
//	supported := tags.Supported(facts)
//	// cp311-cp311-manylinux_2_36_x86_64, … cp311-cp311-linux_x86_64,
//	// cp311-abi3-…, cp311-none-…, cp310-abi3-…, py311-none-…,
//	// cp311-none-any, py311-none-any, py3-none-any, …
//
// The list is the one pip builds (compatibility_tags.get_supported, on
// top of packaging's cpython_tags, generic_tags and compatible_tags),
// tag for tag and in the same order; the differential tests hold it to
// pip and packaging on every Python the test machine has. pip's
// --python-version, --implementation, --abi and --platform options map
// onto an Override for SupportedFor.
//
// # Choosing a wheel
//
// A Set indexes a supported-tag list. Rank gives a tag's preference (0
// is best), Best the best rank among a wheel's tags, which is how pip
// orders candidate wheels of one version, and Compatible says whether a
// wheel can be installed at all:
//
//	set := tags.NewSet(tags.Supported(facts))
//	if rank, ok := set.Best(w.Tags); ok {
//		// lower rank wins; break ties with CompareBuild
//	}
//
// # Which packaging
//
// The tag order follows the packaging release that pip 26 vendors
// (26.0 to 26.2): free-threaded "t" ABIs with abi3t in place of abi3,
// armv8l for 32-bit ARM on a 64-bit kernel, manylinux for loongarch64 and
// riscv64, iOS and Android platforms, and cp3X-none-any for CPython.
// Where the machine's older packaging (21.3 in pip 23.2) differs, the
// tests say so case by case. packaging 26.3, not yet in pip, puts
// linux_<arch> before manylinux and spells the macOS "fat32" format
// "fat3"; see platform.go to switch.
package tags
