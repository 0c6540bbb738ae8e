"""Warnings that mean something: counted by kind in the summary, every one in the reject
file, and none about the demo's own fixtures."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from grunndata.cli import FIXTURES_DIR, formats
from grunndata.loaders.report import RejectWriter, Report
from grunndata.loaders.run import run

GRUNNDATA = str(Path(sys.executable).parent / "grunndata")


def test_findings_are_counted_by_kind_and_the_reject_file_keeps_every_one():
    handle = io.StringIO()
    report = Report("f.json", RejectWriter(handle))
    for number in range(30):
        report.warn(f"record {number}", f"organisasjonsnummer 1{number:08d}: odd", "orgnr digit")
        report.warn(f"record {number}", f"overordnetEnhet 9{number:08d} is not in the register")
    report.reject("record 31", "navn is missing")
    groups = [(g.severity, g.kind, g.count) for g in report.groups]
    assert groups == [
        ("reject", "navn is missing", 1),
        ("warning", "orgnr digit", 30),
        ("warning", "overordnetEnhet … is not in the register", 30),
    ]
    assert len(list(csv.reader(io.StringIO(handle.getvalue())))) == 1 + 61


def test_the_summary_prints_one_line_per_kind(tmp_path):
    units = ",".join(
        f'{{"organisasjonsnummer": "{n}", "navn": "A{n}", "organisasjonsform": {{"kode": "AS"}}}}'
        for n in ("123456785", "100000008", "974760673")
    )
    source = tmp_path / "enheter.json"
    source.write_text(f"[{units}]", encoding="utf-8")
    reject_file = tmp_path / "rejects.csv"
    env = {**os.environ, "GRUNNDATA_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    result = subprocess.run(
        [GRUNNDATA, "validate", str(source), "--reject-file", str(reject_file)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 × warning: organisasjonsnummer: unusual first digit (first at record 1:" in (
        result.stdout
    )
    assert result.stdout.count("first digit is") == 1, "one line for the kind, not one each"
    assert len(reject_file.read_text().splitlines()) == 1 + 2


def test_the_demo_loads_its_fixtures_without_a_warning(fresh_database):
    outcome = run([FIXTURES_DIR], formats=formats(), database=fresh_database)
    assert outcome.exit_code == 0
    findings = [str(f) for file in outcome.files for f in file.findings]
    assert sum(file.warnings for file in outcome.files) == 0, findings[:10]
