# gopip's interpreter inspection script.
#
# Run once per interpreter (the answer is cached by gopip), as
#     python -c BOOTSTRAP < inspect.py
# where BOOTSTRAP checks the version and executes this text, so that an
# interpreter too old to parse it still gives a clear answer.
#
# It prints one JSON object between two marker lines on stdout. Every value is
# computed the way pip 23.2 computes it (the function it mirrors is named in
# the comment above each part), so that gopip installs where pip would.
# Standard library only; Python 3.8 to 3.14.

import json
import locale
import os
import platform
import site
import struct
import sys
import sysconfig

HOME = "/__gopip_home__"
PREFIX = "/__gopip_prefix__"


def running_under_virtualenv():
    # pip._internal.utils.virtualenv.running_under_virtualenv
    return sys.prefix != getattr(sys, "base_prefix", sys.prefix) or hasattr(
        sys, "real_prefix"
    )


def virtualenv_no_global():
    # pip._internal.utils.virtualenv.virtualenv_no_global
    import re

    if sys.prefix != getattr(sys, "base_prefix", sys.prefix):
        try:
            with open(os.path.join(sys.prefix, "pyvenv.cfg"), encoding="utf-8") as f:
                lines = f.read().splitlines()
        except OSError:
            return True
        rx = re.compile(r"include-system-site-packages\s*=\s*(?P<value>true|false)")
        for line in lines:
            m = rx.match(line)
            if m is not None and m.group("value") == "false":
                return True
        return False
    if hasattr(sys, "real_prefix"):
        site_mod_dir = os.path.dirname(os.path.abspath(site.__file__))
        return os.path.exists(os.path.join(site_mod_dir, "no-global-site-packages.txt"))
    return False


def major_minor():
    return "{}.{}".format(*sys.version_info)


# ---- pip._internal.locations._sysconfig (Python 3.10+ unless the
# distributor sets sysconfig._PIP_USE_SYSCONFIG = False)

_AVAILABLE = set(sysconfig.get_scheme_names())
_PREFERRED = getattr(sysconfig, "get_preferred_scheme", None)


def is_osx_framework():
    return bool(sysconfig.get_config_var("PYTHONFRAMEWORK"))


class UserInstallationInvalid(Exception):
    pass


def _infer_prefix():
    if _PREFERRED:
        return _PREFERRED("prefix")
    if (
        "osx_framework_library" in _AVAILABLE
        and not running_under_virtualenv()
        and is_osx_framework()
    ):
        return "osx_framework_library"
    suffixed = "{}_{}".format(sys.implementation.name, os.name)
    if suffixed in _AVAILABLE:
        return suffixed
    if sys.implementation.name in _AVAILABLE:
        return sys.implementation.name
    suffixed = os.name + "_prefix"
    if suffixed in _AVAILABLE:
        return suffixed
    if os.name in _AVAILABLE:
        return os.name
    return "posix_prefix"


def _infer_user():
    if _PREFERRED:
        return _PREFERRED("user")
    if is_osx_framework() and not running_under_virtualenv():
        suffixed = "osx_framework_user"
    else:
        suffixed = os.name + "_user"
    if suffixed in _AVAILABLE:
        return suffixed
    if "posix_user" not in _AVAILABLE:
        raise UserInstallationInvalid()
    return "posix_user"


def _infer_home():
    if _PREFERRED:
        return _PREFERRED("home")
    suffixed = os.name + "_home"
    if suffixed in _AVAILABLE:
        return suffixed
    return "posix_home"


_HOME_KEYS = ["installed_base", "base", "installed_platbase", "platbase", "prefix", "exec_prefix"]
if sysconfig.get_config_var("userbase") is not None:
    _HOME_KEYS.append("userbase")


def sysconfig_scheme(user=False, home=None, prefix=None):
    # pip._internal.locations._sysconfig.get_scheme, without dist_name and
    # root: "include" is the directory the headers path joins the
    # distribution name to, and gopip applies change_root itself.
    if home is not None:
        scheme_name = _infer_home()
    elif user:
        scheme_name = _infer_user()
    else:
        scheme_name = _infer_prefix()
    if prefix is not None and scheme_name == "osx_framework_library":
        scheme_name = "posix_prefix"
    if home is not None:
        variables = {k: home for k in _HOME_KEYS}
    elif prefix is not None:
        variables = {k: prefix for k in _HOME_KEYS}
    else:
        variables = {}
    paths = sysconfig.get_paths(scheme=scheme_name, vars=variables)
    if running_under_virtualenv():
        if user:
            base = variables.get("userbase", sys.prefix)
        else:
            base = variables.get("base", sys.prefix)
        paths["include"] = os.path.join(base, "include", "site", "python" + major_minor())
    return {
        "name": scheme_name,
        "purelib": paths["purelib"],
        "platlib": paths["platlib"],
        "include": paths["include"],
        "scripts": paths["scripts"],
        "data": paths["data"],
    }


# ---- pip._internal.locations._distutils (Python < 3.10, or when the
# distributor opts out of sysconfig). Configuration files (setup.cfg in the
# working directory, ~/.pydistutils.cfg) are ignored.


def distutils_scheme(user=False, home=None, prefix=None):
    try:
        __import__("_distutils_hack").remove_shim()
    except (ImportError, AttributeError):
        pass
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from distutils.command.install import install as install_command
        from distutils.dist import Distribution

    d = Distribution({"name": "UNKNOWN"})
    i = d.get_command_obj("install", create=True)
    i.user = user or i.user
    if user or home:
        i.prefix = ""
    i.prefix = prefix or i.prefix
    i.home = home or i.home
    i.finalize_options()
    scheme = {
        "name": "distutils",
        "purelib": i.install_purelib,
        "platlib": i.install_platlib,
        "scripts": i.install_scripts,
        "data": i.install_data,
        # headers = <include>/<dist name>: distutils' install_headers is
        # ".../include/pythonX.Y/UNKNOWN"; drop the name.
        "include": os.path.dirname(i.install_headers),
    }
    if running_under_virtualenv():
        if home:
            p = home
        elif user:
            p = i.install_userbase
        else:
            p = i.prefix
        scheme["include"] = os.path.join(p, "include", "site", "python" + major_minor())
    return scheme


def use_sysconfig():
    # pip._internal.locations._should_use_sysconfig
    return bool(getattr(sysconfig, "_PIP_USE_SYSCONFIG", sys.version_info >= (3, 10)))


def schemes():
    fn = sysconfig_scheme if use_sysconfig() else distutils_scheme
    out = {}
    for kind, kwargs in (
        ("default", {}),
        ("user", {"user": True}),
        ("home", {"home": HOME}),
        ("prefix", {"prefix": PREFIX}),
    ):
        try:
            out[kind] = fn(**kwargs)
        except UserInstallationInvalid:
            out[kind] = {"error": "User base directory is not specified"}
        except Exception as e:  # a broken distributor patch: say so, per scheme
            out[kind] = {"error": "{}: {}".format(type(e).__name__, e)}
    return out


# ---- PEP 668: pip._internal.utils.misc.check_externally_managed and
# pip._internal.exceptions.ExternallyManagedEnvironment.from_config

DEFAULT_EXTERNALLY_MANAGED_ERROR = """\
The Python environment under {} is managed externally, and may not be
manipulated by the user. Please use specific tooling from the distributor of
the Python installation to interact with this environment instead.
"""


def externally_managed(stdlib):
    marker = os.path.join(stdlib, "EXTERNALLY-MANAGED")
    if running_under_virtualenv() or not os.path.isfile(marker):
        return None
    import configparser

    try:
        locale.setlocale(locale.LC_ALL, "")
    except Exception:
        pass

    def keys():
        try:
            category = locale.LC_MESSAGES
        except AttributeError:
            lang = None
        else:
            try:
                lang, _ = locale.getlocale(category)
            except ValueError:
                lang = None
        if lang is not None:
            yield "Error-" + lang
            for sep in ("-", "_"):
                before, found, _ = lang.partition(sep)
                if not found:
                    continue
                yield "Error-" + before
        yield "Error"

    message = None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(marker, encoding="utf-8")
        section = parser["externally-managed"]
        for key in keys():
            if key in section:
                message = section[key]
                break
    except KeyError:
        pass
    except (OSError, UnicodeDecodeError, configparser.ParsingError):
        pass
    if message is None:
        message = DEFAULT_EXTERNALLY_MANAGED_ERROR.format(sys.prefix)
    return {"path": marker, "message": message}


# ---- packaging.markers.default_environment


def format_full_version(info):
    version = "{0.major}.{0.minor}.{0.micro}".format(info)
    kind = info.releaselevel
    if kind != "final":
        version += kind[0] + str(info.serial)
    return version


def marker_environment():
    return {
        "implementation_name": sys.implementation.name,
        "implementation_version": format_full_version(sys.implementation.version),
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    }


# ---- tag facts: the contract is resolver/tags/interpreter.go


def glibc_version():
    # os.confstr("CS_GNU_LIBC_VERSION") is "glibc 2.36"; keep "2.36".
    try:
        _, version = os.confstr("CS_GNU_LIBC_VERSION").split()
    except (AttributeError, OSError, ValueError):
        return ""
    return version


def mac_version():
    if sys.platform != "darwin":
        return ""
    version = platform.mac_ver()[0]
    if version.split(".")[:2] == ["10", "16"]:
        # Built against an old SDK, Python reports 10.16 for any macOS 11+;
        # packaging asks again with SYSTEM_VERSION_COMPAT=0.
        import subprocess

        version = subprocess.run(
            [sys.executable, "-sS", "-c", "import platform; print(platform.mac_ver()[0])"],
            check=True,
            env={"SYSTEM_VERSION_COMPAT": "0"},
            stdout=subprocess.PIPE,
            universal_newlines=True,
        ).stdout.strip()
    return version


def musl_version():
    # packaging._musllinux._get_musl_version(sys.executable)
    import re
    import subprocess

    def unpack(f, fmt):
        return struct.unpack(fmt, f.read(struct.calcsize(fmt)))

    try:
        f = open(sys.executable, "rb")
    except OSError:
        return ""
    with f:
        try:
            ident = unpack(f, "16B")
        except struct.error:
            return ""
        if ident[:4] != tuple(b"\x7fELF"):
            return ""
        f.seek(struct.calcsize("HHI"), 1)
        formats = {
            1: ("IIIIHHH", "IIIIIIII", (0, 1, 4)),
            2: ("QQQIHHH", "IIQQQQQQ", (0, 2, 5)),
        }
        if ident[4] not in formats:
            return ""
        e_fmt, p_fmt, p_idx = formats[ident[4]]
        try:
            _, e_phoff, _, _, _, e_phentsize, e_phnum = unpack(f, e_fmt)
        except struct.error:
            return ""
        ld = None
        for i in range(e_phnum + 1):
            f.seek(e_phoff + e_phentsize * i)
            try:
                fields = unpack(f, p_fmt)
            except struct.error:
                return ""
            p_type, p_offset, p_filesz = (fields[j] for j in p_idx)
            if p_type != 3:
                continue
            f.seek(p_offset)
            interpreter = os.fsdecode(f.read(p_filesz)).strip("\0")
            if "musl" in interpreter:
                ld = interpreter
            break
    if not ld:
        return ""
    try:
        proc = subprocess.run([ld], stderr=subprocess.PIPE, universal_newlines=True)
    except OSError:
        return ""
    lines = [n for n in (n.strip() for n in proc.stderr.splitlines()) if n]
    if len(lines) < 2 or lines[0][:4] != "musl":
        return ""
    m = re.match(r"Version (\d+)\.(\d+)", lines[1])
    if not m:
        return ""
    return "{}.{}".format(m.group(1), m.group(2))


def config_string(name):
    value = sysconfig.get_config_var(name)
    return "" if value is None else str(value)


def tag_facts():
    return {
        "implementation": sys.implementation.name,
        "python_version": list(sys.version_info[:2]),
        "platform": sysconfig.get_platform(),
        "machine": platform.machine(),
        "is_32bit": sys.maxsize <= 2**32,
        "glibc": glibc_version(),
        "musl": musl_version(),
        "mac_version": mac_version(),
        "config": {
            name: config_string(name)
            for name in (
                "SOABI",
                "EXT_SUFFIX",
                "Py_DEBUG",
                "WITH_PYMALLOC",
                "Py_GIL_DISABLED",
                "py_version_nodot",
                # Only Emscripten builds define it.
                "PYEMSCRIPTEN_PLATFORM_VERSION",
            )
        },
    }


def user_site():
    # pip._internal.locations.base.user_site
    try:
        return site.getusersitepackages()
    except AttributeError:
        return getattr(site, "USER_SITE", None)


def site_dirs():
    # The directories whose .pth files shaped sys.path (site.main), so gopip
    # can tell when a cached sys.path is stale.
    dirs = []
    try:
        dirs.extend(site.getsitepackages())
    except AttributeError:
        pass
    us = user_site()
    if us and getattr(site, "ENABLE_USER_SITE", False):
        dirs.append(us)
    return dirs


def main():
    in_venv = running_under_virtualenv()
    # The bootstrap removed the working directory "python -c" puts first;
    # it is not part of the environment.
    path = list(sys.path)
    stdlib = sysconfig.get_path("stdlib")
    try:
        user_base = site.getuserbase()
    except AttributeError:
        user_base = getattr(site, "USER_BASE", None)
    pyvenv_cfg = os.path.join(sys.prefix, "pyvenv.cfg")
    import importlib.util

    out = {
        "executable": sys.executable,
        "version": platform.python_version(),
        "version_info": list(sys.version_info[:3]),
        "implementation": sys.implementation.name,
        "cache_tag": sys.implementation.cache_tag or "",
        "pyc_suffix": os.path.basename(importlib.util.cache_from_source("x.py"))[1:],
        "magic_number": importlib.util.MAGIC_NUMBER.hex(),
        "optimize": sys.flags.optimize,
        "pycache_prefix": getattr(sys, "pycache_prefix", None) or "",
        "prefix": sys.prefix,
        "base_prefix": getattr(sys, "base_prefix", sys.prefix),
        "exec_prefix": sys.exec_prefix,
        "base_exec_prefix": getattr(sys, "base_exec_prefix", sys.exec_prefix),
        "in_virtualenv": in_venv,
        "virtualenv_no_global": virtualenv_no_global(),
        "sys_path": path,
        "user_site": user_site(),
        "user_base": user_base,
        "enable_user_site": getattr(site, "ENABLE_USER_SITE", None),
        "stdlib": stdlib,
        "platstdlib": sysconfig.get_path("platstdlib"),
        "use_sysconfig": use_sysconfig(),
        "schemes": schemes(),
        "home_sentinel": HOME,
        "prefix_sentinel": PREFIX,
        "marker_environment": marker_environment(),
        "tags": tag_facts(),
        "externally_managed": externally_managed(stdlib),
        "site_dirs": site_dirs(),
        "watch": [pyvenv_cfg, os.path.join(stdlib, "EXTERNALLY-MANAGED")],
        "os_sep": os.sep,
    }
    sys.stdout.write("\n--gopip-inspect-begin--\n")
    sys.stdout.write(json.dumps(out, sort_keys=True))
    sys.stdout.write("\n--gopip-inspect-end--\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
