"""gopip's PEP 517 / PEP 660 hook runner.

gopip embeds this file and runs it with the target interpreter, one process
per hook, the way pip runs pyproject_hooks' _in_process.py:

    python hookrunner.py HOOK CONTROL_DIR

with the project's source tree as the working directory and

    GOPIP_BUILD_BACKEND  the backend, "module" or "module:object.attr"
    GOPIP_BACKEND_PATH   the in-tree backend-path directories (absolute,
                         separated by os.pathsep), or unset

CONTROL_DIR/input.json holds {"kwargs": {...}}, the hook's keyword
arguments. The runner writes CONTROL_DIR/output.json:

    {"return_val": ...}                           the hook returned
    {"hook_missing": true, "missing_hook_name": N} an optional hook is absent
    {"no_backend": true, "traceback": T}          the backend cannot be imported
    {"backend_invalid": true, "backend_error": M} backend-path does not hold it
    {"hook_failed": true, "exception": E, "exit_code": C}  the hook raised

A hook that raises also prints its traceback on stderr and the runner exits
with status 1 (or the code of the hook's SystemExit). Everything the backend
prints goes to the runner's stdout and stderr, which gopip captures; nothing
the runner itself reports goes there. The runner uses only the standard
library and runs on Python 3.8 and later. Unlike pyproject_hooks, it has no
fallbacks: prepare_metadata_for_build_wheel without the hook is reported as
missing and gopip decides what to do.
"""
import json
import os
import sys
import traceback
from importlib import import_module

OPTIONAL_HOOKS = (
    "get_requires_for_build_wheel",
    "prepare_metadata_for_build_wheel",
    "get_requires_for_build_editable",
    "prepare_metadata_for_build_editable",
    "build_editable",
)
MANDATORY_HOOKS = ("build_wheel",)


class BackendUnavailable(Exception):
    def __init__(self, tb):
        Exception.__init__(self, tb)
        self.traceback = tb


class BackendInvalid(Exception):
    def __init__(self, message):
        Exception.__init__(self, message)
        self.message = message


class HookMissing(Exception):
    def __init__(self, name):
        Exception.__init__(self, name)
        self.hook_name = name


def contained_in(filename, directory):
    """Whether filename lies inside directory, symbolic links resolved."""
    filename = os.path.normcase(os.path.realpath(filename))
    directory = os.path.normcase(os.path.realpath(directory))
    try:
        return os.path.commonpath([filename, directory]) == directory
    except ValueError:  # different drives
        return False


def load_backend():
    backend_path = os.environ.get("GOPIP_BACKEND_PATH")
    extra = backend_path.split(os.pathsep) if backend_path else []
    if extra:
        sys.path[:0] = extra
    spec = os.environ["GOPIP_BUILD_BACKEND"]
    mod_path, _, obj_path = spec.partition(":")
    try:
        obj = import_module(mod_path)
    except ImportError:
        raise BackendUnavailable(traceback.format_exc())
    if extra:
        filename = getattr(obj, "__file__", None)
        if not filename or not any(contained_in(filename, p) for p in extra):
            raise BackendInvalid(
                "backend %r was loaded from %s, not from backend-path %s"
                % (mod_path, filename or "a namespace package", os.pathsep.join(extra))
            )
    if obj_path:
        for part in obj_path.split("."):
            try:
                obj = getattr(obj, part)
            except AttributeError:
                raise BackendUnavailable(traceback.format_exc())
    return obj


def call(backend, hook_name, kwargs):
    if hook_name == "_supported_features":
        return [h for h in OPTIONAL_HOOKS + MANDATORY_HOOKS if hasattr(backend, h)]
    hook = getattr(backend, hook_name, None)
    if hook is None:
        raise HookMissing(hook_name)
    return hook(**kwargs)


def write_json(obj, path):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f)
    os.replace(tmp, path)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: hookrunner.py HOOK CONTROL_DIR")
    hook_name, control_dir = sys.argv[1], sys.argv[2]
    if hook_name not in OPTIONAL_HOOKS + MANDATORY_HOOKS + ("_supported_features",):
        sys.exit("unknown hook: %s" % hook_name)
    with open(os.path.join(control_dir, "input.json"), encoding="utf-8") as f:
        kwargs = json.load(f)["kwargs"]
    out_path = os.path.join(control_dir, "output.json")

    code = 0
    try:
        out = {"return_val": call(load_backend(), hook_name, kwargs)}
    except BackendUnavailable as e:
        out = {"no_backend": True, "traceback": e.traceback}
    except BackendInvalid as e:
        out = {"backend_invalid": True, "backend_error": e.message}
    except HookMissing as e:
        out = {"hook_missing": True, "missing_hook_name": e.hook_name}
    except SystemExit as e:
        # setuptools reports errors ("invalid command 'bdist_wheel'") by
        # raising SystemExit with a message.
        if e.code is None or isinstance(e.code, int):
            code = e.code or 1
            message = "SystemExit(%r)" % (e.code,)
        else:
            code = 1
            text = str(e.code)
            print(text, file=sys.stderr)
            lines = [l for l in text.splitlines() if l.strip()]
            message = "SystemExit: " + (lines[-1].strip() if lines else "")
        out = {"hook_failed": True, "exception": message, "exit_code": code}
    except BaseException as e:  # noqa: B902 - KeyboardInterrupt included
        traceback.print_exc()
        code = 1
        out = {
            "hook_failed": True,
            "exception": "".join(traceback.format_exception_only(type(e), e)).strip(),
            "exit_code": code,
        }
    sys.stdout.flush()
    sys.stderr.flush()
    write_json(out, out_path)
    return code


if __name__ == "__main__":
    sys.exit(main())
