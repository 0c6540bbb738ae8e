"""Marks: what a person's row (or a row naming one) tells access control and the lookup
log from inside the statement's JSON, and how they are taken out before sending."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import orjson

from grunndata.graphql.sql.forms import Unsupported

#: The key of a mark in the statement's JSON (no caller's key may start with "__").
MARK = "__m"
#: A mark's value is one string, ``<logged><graded>|<field groups>|<identifier>``: logged
#: ``+`` (a person's own row, or a row naming a person and showing a guarded field group:
#: the identifier goes to the lookup log) or ``-`` (a row naming a person, only to know if
#: they are graded); graded now ``t``, ``f`` or ``n`` (not asked in the statement,
#: ``answers.PROBED_SHAPES``); the field groups read, comma-separated; the identifier, empty when
#: there is none. So an owner's mark and their person's are the same string, noted once.
#: Text concatenation, where a ``json_build_array`` per mark had cost PostgreSQL about 1 ms
#: on a 100-item list (docs/benchmarks.md).
LOGGED = "+"
NOT_LOGGED = "-"
#: A mark as PostgreSQL's ``json_build_object`` writes it: the last pair of its object
#: (``, "__m" : "…"}``). It cannot be matched inside a string: there every ``"`` is escaped,
#: so no ``"`` follows a space; nor in jsonb (written ``"key": value``) or in a caller's key
#: (``selection.response_fields``). A mark whose identifier JSON had to escape is not
#: matched (``MARK_LEFT``).
MARK_TEXT = re.compile(r', "__m" : "([^"\\]*)"(?=\})')
#: A mark left after ``MARK_TEXT`` took the marks out (written in another form).
MARK_LEFT = '"__m" : '
#: Any mark, its string as JSON wrote it, escapes and all.
MARK_ESCAPED = re.compile(r', "__m" : "((?:[^"\\]|\\.)*)"(?=\})')


def mark_sql(logged: str, identifier: str, graded: str | None, groups: str) -> str:
    """SQL building a mark's value: ``logged`` (``LOGGED`` or ``NOT_LOGGED``),
    ``identifier`` (SQL, may be null), ``graded`` (SQL, a boolean; None: not asked),
    ``groups`` (field group names, comma-separated, sorted)."""
    flag = "'n'" if graded is None else (
        f"CASE ({graded}) WHEN true THEN 't' WHEN false THEN 'f' ELSE 'n' END")  # fmt: skip
    return f"'{logged}' || {flag} || '|{groups}|' || coalesce(({identifier})::text, '')"


@dataclass
class Seen:
    """The persons an answer's marks show, the marks taken out."""

    #: identifier → the field groups of its marks, as the marks write them ("a,b")
    groups: dict[str, str] = field(default_factory=dict)
    graded: bool = False  # a mark said graded
    unchecked: set[str] = field(default_factory=set)  # identifiers marked without a flag

    def unmarked_text(self, text: str) -> str:
        """PostgreSQL's JSON ``text`` without its marks, noted: found in the text
        (``MARK_TEXT``), without parsing the answer; a mark whose string JSON escaped, by a
        slower pattern (``MARK_ESCAPED``), and decoded."""
        parts = MARK_TEXT.split(text)  # text, mark, text, mark, ..., text
        self.note(set(parts[1::2]))  # a list's rows often name the same person
        kept = "".join(parts[::2])
        if MARK_LEFT in kept:  # rare: an identifier JSON had to escape
            parts = MARK_ESCAPED.split(kept)
            self.note(orjson.loads(f'"{mark}"') for mark in parts[1::2])
            kept = "".join(parts[::2])
            if MARK_LEFT in kept:
                raise Unsupported("a mark in a form neither pattern knows")
        return kept

    def note(self, marks: Iterable[str]) -> None:
        """Marks (``mark_sql``): the logged ones' identifiers go to the log with their field
        groups; graded ``n``: asked after, for the whole answer. (A list's answer has
        hundreds of marks: one plain loop.)"""
        groups_of, unchecked = self.groups, self.unchecked
        for mark in marks:
            head, names, number = mark.split("|", 2)
            flag = head[1:]
            if flag == "t":
                self.graded = True
            if not number:
                continue
            if flag == "n":
                unchecked.add(number)
            if head[0] == LOGGED:
                known = groups_of.get(number)
                groups_of[number] = names if known is None else _merged(known, names)

    def found(self) -> list[tuple[str, list[str]]]:
        """(identifier, sorted field groups) of each person to log: each distinct group
        list split once (a list's persons mostly share one)."""
        split = {names: _group_names(names) for names in set(self.groups.values())}
        return [(number, list(split[names])) for number, names in self.groups.items()]


@lru_cache(maxsize=256)
def _group_names(written: str) -> tuple[str, ...]:
    """The field groups of a mark's ``written`` list ("a,b"), once each."""
    return tuple(name for name in written.split(",") if name)


def _merged(one: str, other: str) -> str:
    """Two marks' field group lists as one, sorted."""
    if one == other:
        return one
    return ",".join(sorted({*_group_names(one), *_group_names(other)}))
