"""What a load found wrong, record by record: rejects (not written) and warnings (written).

Findings stream to the reject file as they come, so a file with millions of bad records
never holds them in memory; the first few are kept for the summary on screen.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Literal, TextIO

Severity = Literal["reject", "warning"]
KEPT_FOR_SUMMARY = 20


@dataclass(frozen=True)
class Finding:
    source: str
    location: str
    severity: Severity
    reason: str

    def __str__(self) -> str:
        return f"{self.source}, {self.location}: {self.severity}: {self.reason}"


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
        self._writer = writer

    def reject(self, location: str, reason: str) -> None:
        self.rejected += 1
        self._add(Finding(self.source, location, "reject", reason))

    def warn(self, location: str, reason: str) -> None:
        self.warnings += 1
        self._add(Finding(self.source, location, "warning", reason))

    def _add(self, finding: Finding) -> None:
        if len(self.first) < KEPT_FOR_SUMMARY:
            self.first.append(finding)
        if self._writer is not None:
            self._writer.write(finding)
