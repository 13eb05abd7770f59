"""Print the tags.Interpreter facts of the running Python as JSON.

This is the reference for the field documentation in
resolver/tags/interpreter.go: every value is computed with the Python
expression that file names, so that the installer's inspection script can
be compared with it. It runs on Python 3.7 and later and imports nothing
outside the standard library.
"""

import json
import os
import platform
import struct
import subprocess
import sys
import sysconfig

CONFIG_VARS = (
    "SOABI",
    "EXT_SUFFIX",
    "Py_DEBUG",
    "WITH_PYMALLOC",
    "Py_GIL_DISABLED",
    "py_version_nodot",
    # Optional: only Emscripten builds define it.
    "PYEMSCRIPTEN_PLATFORM_VERSION",
)


def glibc_version():
    # os.confstr("CS_GNU_LIBC_VERSION") is "glibc 2.36"; keep "2.36".
    try:
        _, version = os.confstr("CS_GNU_LIBC_VERSION").split()
    except (AttributeError, OSError, ValueError):
        return ""
    return version


def elf_interpreter(path):
    """The PT_INTERP program header of an ELF file, or None."""
    try:
        with open(path, "rb") as f:
            ident = f.read(16)
            if ident[:4] != b"\x7fELF" or ident[4] not in (1, 2):
                return None
            end = "<" if ident[5] == 1 else ">"
            if ident[4] == 1:  # 32-bit
                ehdr, phdr = end + "HHIIIIIHHH", end + "IIIIIIII"
                idx = (0, 1, 4)
            else:
                ehdr, phdr = end + "HHIQQQIHHH", end + "IIQQQQQQ"
                idx = (0, 2, 5)
            fields = struct.unpack(ehdr, f.read(struct.calcsize(ehdr)))
            phoff, phentsize, phnum = fields[4], fields[8], fields[9]
            for i in range(phnum):
                f.seek(phoff + phentsize * i)
                p = struct.unpack(phdr, f.read(struct.calcsize(phdr)))
                p_type, p_offset, p_filesz = p[idx[0]], p[idx[1]], p[idx[2]]
                if p_type == 3:  # PT_INTERP
                    f.seek(p_offset)
                    return os.fsdecode(f.read(p_filesz)).strip("\0")
    except (OSError, struct.error):
        return None
    return None


def musl_version():
    # The dynamic loader named in the interpreter's ELF header; when it is
    # musl's, running it prints "musl libc (x86_64)\nVersion 1.2.4\n...".
    ld = elf_interpreter(sys.executable)
    if not ld or "musl" not in ld:
        return ""
    try:
        out = subprocess.run([ld], stderr=subprocess.PIPE, universal_newlines=True).stderr
    except OSError:
        return ""
    lines = [line.strip() for line in out.splitlines() if line.strip()]
    if len(lines) < 2 or not lines[0].startswith("musl") or not lines[1].startswith("Version "):
        return ""
    parts = lines[1][len("Version "):].split(".")
    if len(parts) < 2 or not parts[0].isdigit() or not parts[1].isdigit():
        return ""
    return parts[0] + "." + parts[1]


def mac_version():
    if sys.platform != "darwin":
        return ""
    version = platform.mac_ver()[0]
    if version.split(".")[:2] == ["10", "16"]:
        # Built against an old SDK, Python reports 10.16 for any macOS 11+;
        # packaging asks again with SYSTEM_VERSION_COMPAT=0.
        version = subprocess.run(
            [sys.executable, "-sS", "-c", "import platform; print(platform.mac_ver()[0])"],
            check=True,
            env={"SYSTEM_VERSION_COMPAT": "0"},
            stdout=subprocess.PIPE,
            universal_newlines=True,
        ).stdout.strip()
    return version


def config_value(name):
    value = sysconfig.get_config_var(name)
    return "" if value is None else str(value)


facts = {
    "implementation": sys.implementation.name,
    "python_version": list(sys.version_info[:2]),
    "platform": sysconfig.get_platform(),
    "machine": platform.machine(),
    "is_32bit": sys.maxsize <= 2**32,
    "glibc": glibc_version(),
    "musl": musl_version(),
    "mac_version": mac_version(),
    "config": {name: config_value(name) for name in CONFIG_VARS},
}
json.dump(facts, sys.stdout, indent=1, sort_keys=True)
print()
