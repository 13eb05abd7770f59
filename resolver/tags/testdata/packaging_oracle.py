"""Differential-test oracle for package tags: what packaging and pip say.

Usage:
  python3 packaging_oracle.py real
      Prints {"packaging": version, "sys_tags": [...], "get_supported": [...]}
      for the running interpreter, from pip's vendored packaging.

  python3 packaging_oracle.py filenames [PACKAGING_PARENT_DIR] < names.json
      names.json is a list of file names; prints for each the result of
      packaging.utils.parse_wheel_filename (for names ending in .whl) or
      parse_sdist_filename: {"name", "version", "build": [n, "rest"] or [],
      "tags": sorted strings} or {"error": message}.

  python3 packaging_oracle.py synthetic [PACKAGING_PARENT_DIR] < cases.json
      cases.json is a list of {"facts": <tags.Interpreter JSON>,
      "override": {"python_version": [3, 8], "implementation": "cp",
      "abis": [...], "platforms": [...]} or null}. For each case the
      packaging module is monkeypatched to answer as an interpreter with
      those facts would, and the output is a list of
      {"sys_tags": [...], "get_supported": [...], "pip_get_supported": [...]}:
      sys_tags() (null with an override), the get_supported() of
      current pip (replicated below on top of the chosen packaging) and,
      when the packaging is pip's own vendored copy, the real pip's
      get_supported() (else null).
      With PACKAGING_PARENT_DIR, "import packaging" from that directory
      instead of using pip._vendor.packaging.
"""

import json
import re
import sys
import types


def load(parent):
    if parent:
        sys.path.insert(0, parent)
        import packaging
        from packaging import _manylinux, _musllinux, tags
        return packaging, tags, _manylinux, _musllinux, None
    from pip._vendor import packaging
    from pip._vendor.packaging import _manylinux, _musllinux, tags
    try:
        from pip._internal.utils import compatibility_tags
    except ImportError:
        compatibility_tags = None
    return packaging, tags, _manylinux, _musllinux, compatibility_tags


def version_of(packaging):
    v = getattr(packaging, "__version__", None)
    if v is None:
        from pip._vendor.packaging import __about__
        v = __about__.__version__
    return v


# --- a replica of current pip's compatibility_tags.get_supported ---------

_apple_arch_pat = re.compile(r"(.+)_(\d+)_(\d+)_(.+)")


def _apple_platforms(tags, arch, prefix, func):
    match = _apple_arch_pat.match(arch)
    if not match:
        return [arch]
    name, major, minor, actual = match.groups()
    return ["{}_{}".format(name, a[len(prefix):]) for a in func((int(major), int(minor)), actual)]


def _custom_manylinux_platforms(arch):
    arches = [arch]
    prefix, sep, suffix = arch.partition("_")
    if prefix == "manylinux2014":
        if suffix in {"i686", "x86_64"}:
            arches.append("manylinux2010" + sep + suffix)
            arches.append("manylinux1" + sep + suffix)
    elif prefix == "manylinux2010":
        arches.append("manylinux1" + sep + suffix)
    return arches


def _get_custom_platforms(tags, arch):
    prefix, _, _ = arch.partition("_")
    if arch.startswith("macosx"):
        return _apple_platforms(tags, arch, "macosx_", tags.mac_platforms)
    if arch.startswith("ios") and hasattr(tags, "ios_platforms"):
        return _apple_platforms(tags, arch, "ios_", tags.ios_platforms)
    if prefix in ("manylinux2014", "manylinux2010"):
        return _custom_manylinux_platforms(arch)
    return [arch]


def _expand_allowed_platforms(tags, platforms):
    if not platforms:
        return None
    seen, result = set(), []
    for p in platforms:
        if p in seen:
            continue
        additions = [c for c in _get_custom_platforms(tags, p) if c not in seen]
        seen.update(additions)
        result.extend(additions)
    return result


def replica_get_supported(tags, version=None, platforms=None, impl=None, abis=None):
    python_version = None
    if version is not None:
        python_version = (int(version[0]), int(version[1:])) if len(version) > 1 else (int(version[0]),)
    interpreter = (impl or tags.interpreter_name()) + (version or tags.interpreter_version())
    platforms = _expand_allowed_platforms(tags, platforms)
    if (impl or tags.interpreter_name()) == "cp":
        supported = list(tags.cpython_tags(python_version=python_version, abis=abis, platforms=platforms))
    else:
        supported = list(tags.generic_tags(interpreter=interpreter, abis=abis, platforms=platforms))
    supported += tags.compatible_tags(python_version=python_version, interpreter=interpreter, platforms=platforms)
    return supported


# --- monkeypatching packaging to answer for synthetic facts ---------------

INT_VARS = {"Py_DEBUG", "WITH_PYMALLOC", "Py_GIL_DISABLED", "Py_UNICODE_SIZE"}


def system_of(plat):
    for prefix, name in (("linux", "Linux"), ("macosx", "Darwin"), ("ios", "iOS"),
                         ("android", "Android"), ("emscripten", "Emscripten")):
        if plat.startswith(prefix):
            return name
    return "Windows" if plat.startswith("win") else "Other"


def patch(tags, manylinux, musllinux, facts):
    config = facts.get("config") or {}

    def get_config_var(name):
        v = config.get(name, "")
        if v == "":
            return None
        return int(v) if name in INT_VARS else v

    tags.sysconfig = types.SimpleNamespace(
        get_platform=lambda: facts["platform"], get_config_var=get_config_var)
    plat = facts["platform"]
    multiarch = ""
    release = ""
    if plat.startswith("ios-"):
        _, release, multiarch = plat.split("-", 2)
    tags.platform = types.SimpleNamespace(
        system=lambda: system_of(plat),
        mac_ver=lambda: (facts.get("mac_version", ""), ("", "", ""), facts.get("machine", "")),
        ios_ver=lambda: ("iOS", release, "iPhone", False),
    )
    version = tuple(facts["python_version"])
    tags.sys = types.SimpleNamespace(
        version_info=version + (0, "final", 0),
        implementation=types.SimpleNamespace(name=facts["implementation"], _multiarch=multiarch),
        maxunicode=0x10FFFF,
        executable="/nonexistent/python",
    )
    ext = config.get("EXT_SUFFIX", "")
    tags.EXTENSION_SUFFIXES = [ext, "_d.pyd" if ext.startswith("_d.") else ".pyd"]
    is32 = bool(facts.get("is_32bit"))
    tags._32_BIT_INTERPRETER = is32
    tags._linux_platforms.__defaults__ = (is32,)
    tags._mac_arch.__defaults__ = (is32,)

    m = re.match(r"([0-9]+)\.([0-9]+)", facts.get("glibc", ""))
    glibc = (int(m.group(1)), int(m.group(2))) if m else (-1, -1)
    manylinux._get_glibc_version = lambda: manylinux._GLibCVersion(*glibc)
    # The ELF checks for armv7l (hard float) and i686 (32-bit x86) read
    # sys.executable; the facts carry no ELF header: assume they pass.
    # No distribution _manylinux module (PEP 600) vetoes tags; None in
    # sys.modules makes the failing import cheap.
    sys.modules["_manylinux"] = None
    manylinux._is_linux_armhf = lambda *a: True
    manylinux._is_linux_i686 = lambda *a: True
    m = re.match(r"([0-9]+)\.([0-9]+)", facts.get("musl", ""))
    musl = musllinux._MuslVersion(int(m.group(1)), int(m.group(2))) if m else None
    musllinux._get_musl_version = lambda *a: musl


def strs(tags_):
    return [str(t) for t in tags_]


def main():
    mode = sys.argv[1]
    parent = sys.argv[2] if len(sys.argv) > 2 else ""
    packaging, tags, manylinux, musllinux, compat = load(parent)
    if mode == "real":
        out = {
            "packaging": version_of(packaging),
            "sys_tags": strs(tags.sys_tags()),
            "get_supported": strs(compat.get_supported()) if compat else None,
        }
        json.dump(out, sys.stdout)
        return
    if mode == "filenames":
        from importlib import import_module
        utils = import_module(packaging.__name__ + ".utils")
        results = []
        for name in json.load(sys.stdin):
            try:
                if name.endswith(".whl"):
                    n, v, b, t = utils.parse_wheel_filename(name)
                    results.append({"name": n, "version": str(v), "build": list(b), "tags": sorted(strs(t))})
                else:
                    n, v = utils.parse_sdist_filename(name)
                    results.append({"name": n, "version": str(v)})
            except Exception as e:  # InvalidWheelFilename, InvalidVersion, ValueError ...
                results.append({"error": "%s: %s" % (type(e).__name__, e)})
        json.dump({"packaging": version_of(packaging), "results": results}, sys.stdout)
        return
    cases = json.load(sys.stdin)
    results = []
    for case in cases:
        patch(tags, manylinux, musllinux, case["facts"])
        o = case.get("override") or {}
        kw = {}
        if o.get("python_version"):
            kw["version"] = "".join(str(n) for n in o["python_version"][:2])
        if o.get("platforms"):
            kw["platforms"] = o["platforms"]
        if o.get("implementation"):
            kw["impl"] = o["implementation"]
        if o.get("abis") is not None:
            kw["abis"] = o["abis"]
        res = {"sys_tags": None if kw else strs(tags.sys_tags()),
               "get_supported": strs(replica_get_supported(tags, **kw)),
               "pip_get_supported": strs(compat.get_supported(**kw)) if compat else None}
        results.append(res)
    json.dump({"packaging": version_of(packaging), "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
