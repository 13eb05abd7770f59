"""Differential oracle: what pip's own parser and link evaluator make of pages.

Reads a JSON list of pages from stdin, each {"body", "content_type", "url",
"project"}, and writes, for each page, the links pip finds (collector.parse_links,
models.link.Link) and what pip's LinkEvaluator says of them. Wheel tags and
Requires-Python are target-dependent and not compared: every wheel is made
"supported" and Requires-Python is ignored.
"""
import json
import sys

from pip._vendor.packaging.utils import canonicalize_name
from pip._vendor.packaging.version import Version, InvalidVersion

from pip._internal.index.collector import IndexContent, parse_links
from pip._internal.index.package_finder import LinkEvaluator
from pip._internal.models.target_python import TargetPython
from pip._internal.models.wheel import Wheel

Wheel.supported = lambda self, tags: True

target = TargetPython(py_version_info=(3, 11, 0))
out = []
for page in json.load(sys.stdin):
    content = IndexContent(
        page["body"].encode("utf-8"),
        page["content_type"],
        encoding=None,
        url=page["url"],
        cache_link_parsing=False,
    )
    evaluator = LinkEvaluator(
        project_name=page["project"],
        canonical_name=canonicalize_name(page["project"]),
        formats=frozenset({"binary", "source"}),
        target_python=target,
        allow_yanked=True,
        ignore_requires_python=True,
    )
    links = []
    for link in parse_links(content):
        kind, detail = evaluator.evaluate_link(link)
        pep440 = None
        if kind.name == "candidate":
            try:
                Version(detail)
                pep440 = True
            except InvalidVersion:
                pep440 = False
        md = link.metadata_file_data
        links.append(
            {
                "url": link.url_without_fragment,
                "filename": link.filename,
                "hashes": link._hashes,
                "requires_python": link.requires_python,
                "yanked_reason": link.yanked_reason,
                "metadata": None if md is None else {"hashes": md.hashes},
                "kind": kind.name,
                "detail": detail,
                "pep440": pep440,
            }
        )
    out.append(links)
json.dump(out, sys.stdout, indent=1)
