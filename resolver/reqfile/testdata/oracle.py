"""What pip's own code makes of requirements files: the oracle of
diff_test.go.

Reads a JSON list of cases on stdin, each {"dir", "main", "constraint",
"env"}, and prints a JSON list of results. For each case it does what
`pip install -c/-r FILE` does with the file before resolving: a
PackageFinder and PipSession that option lines change,
parse_requirements, install_req_from_parsed_requirement for each
requirement, the constraint checks of the resolver and the hash-checking
rule of RequirementCommand.get_requirements.
"""

import json
import logging
import optparse
import os
import sys

sys.argv[0] = "pip"  # optparse's program name in error messages
sys.setrecursionlimit(400)  # pip 23.2 has no cycle detection: fail fast

from pip._internal.cli import cmdoptions  # noqa: E402
from pip._internal.exceptions import PipError  # noqa: E402
from pip._internal.index.collector import LinkCollector  # noqa: E402
from pip._internal.index.package_finder import PackageFinder  # noqa: E402
from pip._internal.models.format_control import FormatControl  # noqa: E402
from pip._internal.models.search_scope import SearchScope  # noqa: E402
from pip._internal.models.selection_prefs import SelectionPreferences  # noqa: E402
from pip._internal.network.session import PipSession  # noqa: E402
from pip._internal.req.constructors import (  # noqa: E402
    install_req_from_parsed_requirement,
)
from pip._internal.req.req_file import parse_requirements  # noqa: E402
from pip._internal.req.req_install import check_invalid_constraint_type  # noqa: E402
from pip._internal.utils.misc import build_netloc  # noqa: E402
from pip._vendor.packaging.specifiers import LegacySpecifier  # noqa: E402


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record.getMessage())


collector = Collect()
logging.getLogger("pip").addHandler(collector)
logging.getLogger("pip").setLevel(logging.WARNING)
logging.getLogger("pip").propagate = False

import warnings  # noqa: E402

warnings.simplefilter("ignore")

session = PipSession()


def run(case):
    os.chdir(case["dir"])
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(case["env"])
    collector.records = []
    # --use-feature's default list is shared by every parser pip builds
    # (a functools.partial argument); start each case with it empty.
    cmdoptions.use_new_feature.keywords["default"].clear()
    session.pip_trusted_origins = []
    finder = PackageFinder.create(
        link_collector=LinkCollector(session, SearchScope([], [], False)),
        selection_prefs=SelectionPreferences(
            allow_yanked=True, format_control=FormatControl(set(), set())
        ),
    )
    options = optparse.Values({"require_hashes": False, "features_enabled": []})
    out = {"reqs": [], "error": None, "crash": None}
    ireqs = []
    try:
        for pr in parse_requirements(
            case["main"],
            session=session,
            finder=finder,
            options=options,
            constraint=case["constraint"],
        ):
            ireq = install_req_from_parsed_requirement(
                pr,
                isolated=False,
                user_supplied=True,
                config_settings=pr.options.get("config_settings")
                if pr.options
                else None,
            )
            ireqs.append(ireq)
            req = ireq.req
            out["reqs"].append(
                {
                    "requirement": pr.requirement,
                    "is_editable": pr.is_editable,
                    "constraint": pr.constraint,
                    "comes_from": pr.comes_from,
                    "line_source": pr.line_source,
                    "hashes": (pr.options or {}).get("hashes") or {},
                    "global_options": (pr.options or {}).get("global_options") or [],
                    "config_settings": (pr.options or {}).get("config_settings") or {},
                    "name": req.name if req else None,
                    "specifier": str(req.specifier) if req else "",
                    "url": req.url if req and req.url else "",
                    "extras": sorted(ireq.extras),
                    "link": ireq.link.url if ireq.link else "",
                    "marker": str(ireq.markers) if ireq.markers else "",
                    "legacy": bool(req)
                    and any(isinstance(sp, LegacySpecifier) for sp in req.specifier),
                }
            )
        for ireq in ireqs:
            if ireq.constraint:
                problem = check_invalid_constraint_type(ireq)
                if problem:
                    raise_problem(problem)
    except PipError as e:
        out["error"] = str(e)
    except RecursionError:
        out["crash"] = "RecursionError"
    except Exception as e:  # pip would print a traceback
        out["crash"] = f"{type(e).__name__}: {e}"
    finally:
        os.environ.clear()
        os.environ.update(saved)
    out["settings"] = {
        "index_urls": list(finder.index_urls),
        "no_index": finder.search_scope.no_index,
        "find_links": list(finder.find_links),
        "pre": finder.allow_all_prereleases,
        "prefer_binary": finder.prefer_binary,
        "no_binary": sorted(finder.format_control.no_binary),
        "only_binary": sorted(finder.format_control.only_binary),
        "trusted_hosts": [build_netloc(*hp) for hp in session.pip_trusted_origins],
        "require_hashes": bool(options.require_hashes),
        "features": list(options.features_enabled),
    }
    out["hash_mode"] = bool(options.require_hashes) or any(
        r.has_hash_options for r in ireqs
    )
    out["warnings"] = collector.records
    return out


def raise_problem(problem):
    from pip._internal.exceptions import InstallationError

    raise InstallationError(problem)


def main():
    cases = json.load(sys.stdin)
    results = [run(c) for c in cases]
    json.dump(results, sys.stdout)


main()
