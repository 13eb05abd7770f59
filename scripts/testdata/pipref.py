"""Reference answers from the pip installed with this Python, for the
differential tests in scripts/pip_test.go.

Usage: python3 pipref.py MODE < request.json > answer.json

MODE is one of:

parse       for each text: importlib.metadata's entry points (as pip 23.2
            reads entry_points.txt on Python 3.11+), importlib's
            module/attr/extras split, and distlib's get_export_entry of
            "name = value".
install     for each case: build a wheel, install it with pip's own
            install_wheel (sys.executable, sys.platform, sys.version_info
            and ENSUREPIP_OPTIONS patched to the case's values) and report
            every file pip left in the scripts directory, with its mode.
"""

import base64
import json
import os
import sys
import tempfile
import zipfile


def parse(texts):
    from importlib.metadata import EntryPoints

    from pip._vendor.distlib import DistlibException
    from pip._vendor.distlib.util import get_export_entry

    answers = []
    for text in texts:
        try:
            eps = list(EntryPoints._from_text(text))
        except Exception as e:  # pip fails on the same
            answers.append({"error": type(e).__name__})
            continue
        items = []
        for ep in eps:
            item = {"group": ep.group, "name": ep.name, "value": ep.value}
            m = ep.pattern.match(ep.value)
            if m is not None:
                item["module"] = ep.module
                item["attr"] = ep.attr or ""
                item["extras"] = ep.extras
            try:
                entry = get_export_entry("{} = {}".format(ep.name, ep.value))
            except DistlibException:
                item["export"] = "invalid"
            else:
                if entry is None:
                    item["export"] = "none"
                else:
                    item["export"] = {
                        "name": entry.name,
                        "prefix": entry.prefix,
                        "suffix": entry.suffix,
                        "flags": entry.flags,
                        "repr": repr(entry),
                    }
            items.append(item)
        answers.append({"entry_points": items})
    return answers


def build_wheel(path, entry_points, data_scripts):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(
            "demo-1.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n",
        )
        z.writestr(
            "demo-1.0.dist-info/WHEEL",
            "Wheel-Version: 1.0\nGenerator: gopip-test\n"
            "Root-Is-Purelib: true\nTag: py3-none-any\n",
        )
        if entry_points is not None:
            z.writestr(
                "demo-1.0.dist-info/entry_points.txt",
                base64.b64decode(entry_points),
            )
        for name, data in data_scripts:
            z.writestr("demo-1.0.data/scripts/" + name, base64.b64decode(data))
        z.writestr("demo-1.0.dist-info/RECORD", "")


def install(request):
    from pip._internal.metadata import select_backend
    from pip._internal.models.scheme import Scheme
    from pip._internal.operations.install.wheel import install_wheel

    select_backend()  # decide the metadata backend before version_info is patched
    os.umask(request["umask"])
    answers = []
    saved = (sys.executable, sys.platform, sys.version_info)
    saved_env = os.environ.pop("ENSUREPIP_OPTIONS", None)
    for case in request["cases"]:
        with tempfile.TemporaryDirectory() as tmp:
            wheel = os.path.join(tmp, "demo-1.0-py3-none-any.whl")
            build_wheel(wheel, case.get("entry_points"), case.get("data_scripts") or [])
            root = os.path.join(tmp, "env")
            scripts = os.path.join(root, "bin")
            lib = os.path.join(root, "lib")
            scheme = Scheme(
                platlib=lib,
                purelib=lib,
                headers=os.path.join(root, "include"),
                scripts=scripts,
                data=root,
            )
            if case.get("ensurepip") is not None:
                os.environ["ENSUREPIP_OPTIONS"] = case["ensurepip"]
            major, minor = case["version"]
            sys.executable = case["executable"]
            sys.platform = case["platform"]
            sys.version_info = (major, minor, 0, "final", 0)
            try:
                install_wheel(
                    "demo",
                    wheel,
                    scheme,
                    "demo",
                    pycompile=False,
                    warn_script_location=False,
                )
            except Exception as e:
                answers.append({"error": "{}: {}".format(type(e).__name__, e)})
                continue
            finally:
                sys.executable, sys.platform, sys.version_info = saved
                os.environ.pop("ENSUREPIP_OPTIONS", None)
            files = {}
            if os.path.isdir(scripts):
                for name in os.listdir(scripts):
                    path = os.path.join(scripts, name)
                    with open(path, "rb") as f:
                        data = f.read()
                    files[name] = {
                        "data": base64.b64encode(data).decode("ascii"),
                        "mode": os.stat(path).st_mode & 0o7777,
                    }
            answers.append({"files": files})
    if saved_env is not None:
        os.environ["ENSUREPIP_OPTIONS"] = saved_env
    return answers


def main():
    mode = sys.argv[1]
    request = json.load(sys.stdin)
    modes = {
        "parse": parse,
        "install": install,
    }
    answer = modes[mode](request)
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
