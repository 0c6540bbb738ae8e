"""The committed SDL is the schema the code builds, and every breaking change since the last
release is listed for integrators in CHANGELOG.md (docs/api.md: "Changing the schema").

- ``schema.graphql``: the schema as it is, made by ``grunndata schema > schema.graphql``.
- ``docs/released-schema.graphql``: the schema of the last release (replaced at a release).
- ``CHANGELOG.md``: its ``## Unreleased`` section names each breaking change between the
  two with graphql-core's own description (``Field Query.x was removed.``), and each
  dangerous one that can change what a working client gets (``find_dangerous_changes``: an
  enum value or a union member added, an argument's default changed); a plain addition (a
  type, a field, an optional argument) needs no entry.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from graphql import DangerousChangeType, find_breaking_changes, find_dangerous_changes
from graphql import build_schema as parse_sdl

from grunndata.graphql.schema import build_schema

ROOT = Path(__file__).parent.parent
CURRENT = ROOT / "schema.graphql"
RELEASED = ROOT / "docs" / "released-schema.graphql"
CHANGELOG = ROOT / "CHANGELOG.md"
REGENERATE = ".venv/bin/grunndata schema > schema.graphql"
UNRELEASED = "## Unreleased"


def unreleased(changelog: str) -> str:
    """The ``## Unreleased`` section of ``changelog``, without markdown's backticks."""
    _, heading, rest = changelog.partition(f"\n{UNRELEASED}\n")
    assert heading, f"CHANGELOG.md has no '{UNRELEASED}' section"
    return rest.split("\n## ", 1)[0].replace("`", "")


#: Dangerous changes (graphql-core's word) that only add what no client asked for yet.
ADDITIONS = {DangerousChangeType.OPTIONAL_ARG_ADDED, DangerousChangeType.OPTIONAL_INPUT_FIELD_ADDED}


def unlisted_breaking_changes(released: str, current: str, changelog: str) -> list[str]:
    """graphql-core's description of each breaking change, and of each dangerous one that
    is more than an addition, from the ``released`` SDL to the ``current`` one that
    ``changelog``'s Unreleased section does not contain."""
    listed = unreleased(changelog)
    old, new = parse_sdl(released), parse_sdl(current)
    changes = [
        *find_breaking_changes(old, new),
        *(c for c in find_dangerous_changes(old, new) if c.type not in ADDITIONS),
    ]
    return [change.description for change in changes if change.description not in listed]


def test_the_committed_sdl_is_the_schema_the_code_builds():
    built = build_schema().as_str() + "\n"
    committed = CURRENT.read_text(encoding="utf-8")
    if committed != built:
        diff = difflib.unified_diff(
            committed.splitlines(keepends=True), built.splitlines(keepends=True),
            "schema.graphql (committed)", "the schema the code builds",
        )  # fmt: skip
        pytest.fail(
            f"schema.graphql is not the schema the code builds. Regenerate it with\n"
            f"    {REGENERATE}\n"
            "and commit it in the same change; a breaking change must also be listed in "
            f"CHANGELOG.md (docs/api.md: Changing the schema).\n{''.join(diff)}",
            pytrace=False,
        )


def test_every_breaking_change_since_the_release_is_in_the_changelog():
    missing = unlisted_breaking_changes(
        RELEASED.read_text(encoding="utf-8"),
        build_schema().as_str(),
        CHANGELOG.read_text(encoding="utf-8"),
    )
    lines = "\n".join(f"- {description} <what integrators do instead>" for description in missing)
    assert not missing, (
        f"Breaking changes since the released schema (docs/released-schema.graphql) that "
        f"CHANGELOG.md's '{UNRELEASED}' section does not list. Add them there, for "
        f"integrators, e.g.:\n{lines}\nand regenerate the SDL: {REGENERATE}"
    )


# -- the check itself ---------------------------------------------------------------------

RELEASED_SDL = "type Query { a: Int b(x: Int): String c: E }\nenum E { X Y }"
CHANGED_SDL = "type Query { a: Int b(x: Int!): String c: E d: Int }\nenum E { X }"


def changelog(unreleased_lines: str, older: str = "") -> str:
    return f"# Changelog\n\n{UNRELEASED}\n\n{unreleased_lines}\n\n## 0.1.0\n\n{older}\n"


def test_a_breaking_change_not_in_the_changelog_is_reported():
    assert unlisted_breaking_changes(RELEASED_SDL, CHANGED_SDL, changelog("")) == [
        "Argument Query.b(x:) has changed type from Int to Int!.",
        "Enum value E.Y was removed.",
    ]


def test_a_breaking_change_listed_only_under_an_old_release_is_reported():
    old = "- Enum value E.Y was removed.\n- Argument Query.b(x:) has changed type from Int to Int!."
    assert len(unlisted_breaking_changes(RELEASED_SDL, CHANGED_SDL, changelog("", old))) == 2


def test_breaking_changes_listed_under_unreleased_pass_backticks_or_not():
    listed = (
        "- Enum value `E.Y` was removed. Ask for `X` instead.\n"
        "- Argument Query.b(x:) has changed type from Int to Int!. `x` is required now."
    )
    assert unlisted_breaking_changes(RELEASED_SDL, CHANGED_SDL, changelog(listed)) == []


def test_additions_are_not_breaking():
    added = "type Query { a: Int b(x: Int, y: Int): String c: E d: Int }\nenum E { X Y }"
    assert unlisted_breaking_changes(RELEASED_SDL, added, changelog("")) == []


def test_a_dangerous_change_not_in_the_changelog_is_reported():
    """An enum value added (a client's exhaustive switch meets it) and a default changed
    (a query that worked gets another answer) are listed as breaks are."""
    released = "type Query { b(x: Int = 1): String c: E }\nenum E { X Y }"
    changed = "type Query { b(x: Int = 2): String c: E }\nenum E { X Y Z }"
    assert unlisted_breaking_changes(released, changed, changelog("")) == [
        "Query.b(x:) has changed defaultValue from 1 to 2.",
        "Enum value E.Z was added.",
    ]
    listed = "- Enum value `E.Z` was added.\n- Query.b(x:) has changed defaultValue from 1 to 2."
    assert unlisted_breaking_changes(released, changed, changelog(listed)) == []


def test_a_changelog_without_an_unreleased_section_is_an_error():
    with pytest.raises(AssertionError, match="no '## Unreleased' section"):
        unlisted_breaking_changes(RELEASED_SDL, CHANGED_SDL, "# Changelog\n\n## 0.1.0\n")
