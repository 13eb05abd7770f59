package tags

// Interpreter holds the facts about a Python interpreter that decide which
// wheel tags it supports. The target interpreter reports them once (see
// package installer, whose inspection script fills every field with the
// Python expression named in the field's comment), so that computing the
// supported tags starts no Python process.
//
// The JSON field names are part of the contract with that script and with
// the on-disk inspection cache; change them together.
type Interpreter struct {
	// Implementation is sys.implementation.name: "cpython", "pypy", ...
	Implementation string `json:"implementation"`
	// PythonVersion is list(sys.version_info[:2]), e.g. [3, 11].
	PythonVersion []int `json:"python_version"`
	// Platform is sysconfig.get_platform(), e.g. "linux-x86_64",
	// "macosx-11.0-arm64", "win-amd64".
	Platform string `json:"platform"`
	// Machine is platform.machine(), e.g. "x86_64", "aarch64", "arm64".
	Machine string `json:"machine"`
	// Is32Bit is sys.maxsize <= 2**32 (a 32-bit interpreter on a 64-bit
	// kernel reports linux-x86_64 but runs i686 code).
	Is32Bit bool `json:"is_32bit"`
	// Glibc is the glibc version the interpreter runs with, e.g. "2.36"
	// (os.confstr("CS_GNU_LIBC_VERSION") without the "glibc " prefix), or ""
	// when it does not use glibc.
	Glibc string `json:"glibc"`
	// Musl is the musl libc version, e.g. "1.2", read from the dynamic
	// loader named in the interpreter's ELF header, or "" when it does not
	// use musl.
	Musl string `json:"musl"`
	// MacVersion is platform.mac_ver()[0] on macOS, e.g. "14.2"; "" elsewhere.
	// An interpreter built against an old SDK reports "10.16" for every
	// macOS 11 and later; packaging then asks again in a child process
	// with SYSTEM_VERSION_COMPAT=0 in its environment, and so should the
	// inspection script.
	MacVersion string `json:"mac_version"`
	// Config holds the sysconfig.get_config_var values that decide ABI
	// tags, as strings ("" for None, str(v) otherwise, so 0 is "0"):
	// SOABI, EXT_SUFFIX, Py_DEBUG, WITH_PYMALLOC, Py_GIL_DISABLED,
	// py_version_nodot, and PYEMSCRIPTEN_PLATFORM_VERSION (set only by
	// Emscripten builds; optional).
	Config map[string]string `json:"config"`
}
