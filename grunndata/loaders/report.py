"""What a load found wrong, record by record: rejects (not written) and warnings (written).

Findings stream to the reject file as they come, so a file with millions of bad records
never holds them in memory; the first few are kept, and every finding is counted by its
kind, for the summary on screen ("21 307 × organisasjonsnummer: unusual first digit").
A finding's kind is what its reporter says, else its reason with the values taken out
(runs of two or more digits and quoted values become ``…``).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from typing import Literal, TextIO

Severity = Literal["reject", "warning"]
KEPT_FOR_SUMMARY = 20
#: Rejects kept per file for the journal's reject list (``felles.load_avvist``).
KEPT_FOR_JOURNAL = 10_000
#: Distinct kinds counted per file; further kinds are counted together as "other".
MAX_KINDS = 100
_VALUES = re.compile(r"\d{2,}|'[^']*'|\"[^\"]*\"|`[^`]*`")


@dataclass(frozen=True)
class Finding:
    source: str
    location: str
    severity: Severity
    reason: str

    def __str__(self) -> str:
        return f"{self.source}, {self.location}: {self.severity}: {self.reason}"


def kind_of(reason: str) -> str:
    """A reason without its values, so that findings of one rule count together.

    >>> kind_of("organisasjonsnummer 310000000 comes again later in the file")
    'organisasjonsnummer … comes again later in the file'
    """
    return _VALUES.sub("…", reason)


@dataclass
class Group:
    """The findings of one severity and kind in a file: how many, and the first."""

    severity: Severity
    kind: str
    count: int
    first: Finding


class RejectWriter:
    """The ``--reject-file``: CSV with columns source, location, severity, reason."""

    HEADER = ("source", "location", "severity", "reason")

    def __init__(self, handle: TextIO) -> None:
        self._writer = csv.writer(handle)
        self._writer.writerow(self.HEADER)

    def write(self, finding: Finding) -> None:
        self._writer.writerow((finding.source, finding.location, finding.severity, finding.reason))


class Report:
    """Findings for one source file."""

    def __init__(self, source: str, writer: RejectWriter | None = None) -> None:
        self.source = source
        self.rejected = 0
        self.warnings = 0
        self.first: list[Finding] = []
        self.journalled: list[tuple[str, str, int | None]] = []
        """The first rejects, for the journal: (location, reason, sequence number)."""
        self._groups: dict[tuple[Severity, str], Group] = {}
        self._writer = writer

    def reject(
        self, location: str, reason: str, kind: str | None = None, sequence: int | None = None
    ) -> None:
        """A rejected record; ``sequence``: a followed event's number in its source."""
        self.rejected += 1
        if len(self.journalled) < KEPT_FOR_JOURNAL:
            self.journalled.append((location, reason, sequence))
        self._add(Finding(self.source, location, "reject", reason), kind)

    def warn(self, location: str, reason: str, kind: str | None = None) -> None:
        self.warnings += 1
        self._add(Finding(self.source, location, "warning", reason), kind)

    @property
    def groups(self) -> list[Group]:
        """Rejects first, then warnings; the commonest kind first within each."""
        return sorted(self._groups.values(), key=lambda g: (g.severity != "reject", -g.count))

    def _add(self, finding: Finding, kind: str | None) -> None:
        if len(self.first) < KEPT_FOR_SUMMARY:
            self.first.append(finding)
        key = (finding.severity, kind or kind_of(finding.reason))
        if key not in self._groups and len(self._groups) >= MAX_KINDS:
            key = (finding.severity, "other")
        group = self._groups.get(key)
        if group is None:
            self._groups[key] = Group(finding.severity, key[1], 1, finding)
        else:
            group.count += 1
        if self._writer is not None:
            self._writer.write(finding)
