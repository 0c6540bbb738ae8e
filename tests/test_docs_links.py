"""Docs that are true: every relative link and every file the README and docs/ name
exists in the repository.

Checked: the target of every Markdown link that is not a web address (its ``#anchor``
left aside), and every name in backticks that is a path in the repository (has a ``/``)
or a Markdown or Python file. Names of the user's own files in examples (``rejects.csv``,
``enheter.json.gz``) have neither, and are not checked.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CODE = re.compile(r"`([^`\s]+)`")
FILE_LIKE = re.compile(r"^[\w./-]+\.(md|py|csv|json|jsonl|geojson|yml|yaml|toml|mako|lock|sh)$")
#: Names that are globs or placeholders, not files.
PLACEHOLDER = re.compile(r"[*{}<>…]|NN|/\.\.\.")


def _tracked() -> set[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    names = set(listed.stdout.split()) if listed.returncode == 0 else set()
    return names or {str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file()}


TRACKED = _tracked()
BASENAMES = {Path(name).name for name in TRACKED}


def _exists(doc: Path, target: str) -> bool:
    """At the path, from the doc or the repository's root; or, for a path written from
    inside a package or folder (``registers/matrikkel/lenker.py``), at its end."""
    for base in (doc.parent, ROOT):
        path = (base / target).resolve()
        if path.is_relative_to(ROOT.resolve()) and path.exists():
            return True
    inner = target.strip("/")
    return "/" in inner and any(name.endswith("/" + inner) for name in TRACKED)


def _links(doc: Path) -> list[str]:
    targets = [t.split("#", 1)[0] for t in LINK.findall(doc.read_text(encoding="utf-8"))]
    return [t for t in targets if t and not re.match(r"^[a-z]+:", t)]


def _file_names(doc: Path) -> list[str]:
    names = CODE.findall(doc.read_text(encoding="utf-8"))
    return [n.lstrip("./") if n.startswith("./") else n for n in names
            if FILE_LIKE.match(n) and not PLACEHOLDER.search(n) and not _elsewhere(n)
            and ("/" in n.strip("/") or n.endswith((".md", ".py")))]  # fmt: skip


def _elsewhere(name: str) -> bool:
    """A name that cannot be a file of the repository: a URL path on the server
    (``/tiles/…/tilejson.json``) or one climbing out of a folder (``../x.csv``, a hostile
    zip member's name in an example)."""
    return name.startswith("/") or name.startswith("../")


def test_the_docs_are_found():
    assert len(DOCS) > 10 and all(doc.exists() for doc in DOCS)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_relative_link_exists(doc: Path):
    missing = [t for t in _links(doc) if not _exists(doc, t)]
    assert not missing, f"{doc.name} links to files not in the repository: {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_file_named_exists(doc: Path):
    missing = [
        name for name in _file_names(doc)
        if not _exists(doc, name) and not ("/" not in name and name in BASENAMES)
    ]  # fmt: skip
    assert not missing, f"{doc.name} names files not in the repository: {missing}"
