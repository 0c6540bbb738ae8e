"""Bounded memory with hostile files: a small ``.gz`` holding one huge line or value is
loaded by ``grunndata load`` in a child process whose peak resident memory is measured.
The files are made here, streamed (gzip members repeated), never committed."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from grunndata.db.database import Database

MiB = 1 << 20
PEAK_LIMIT = 300 * MiB
TESTS = Path(__file__).parent.parent
ADRESSER = TESTS / "matrikkel" / "data" / "matrikkelenAdresse_sample.csv"


def hostile_gz(path: Path, before: bytes, filler: bytes, size: int, after: bytes) -> Path:
    """A gzip file of ``before``, ``size`` bytes of ``filler`` and ``after``: one member
    of the filler, compressed once and repeated, so the file stays about 1 MB."""
    block = gzip.compress(filler * (MiB // len(filler)), compresslevel=9)
    with path.open("wb") as out:
        out.write(gzip.compress(before))
        for _ in range(size // MiB):
            out.write(block)
        out.write(gzip.compress(after))
    return path


def kartverket_line(path: Path) -> Path:
    header, *rows = ADRESSER.read_bytes().split(b"\n")
    return hostile_gz(
        path / "adresser.csv.gz", header + b"\n" + rows[0] + b"\n", b"x;", 1024 * MiB,
        b"\n" + b"\n".join(rows[1:]),
    )  # fmt: skip


def jsonl_line(path: Path) -> Path:
    return hostile_gz(
        path / "matrikkel.jsonl.gz", b'{"objekttype": "bygning", "x": "', b"x", 512 * MiB,
        b'"}\n{"objekttype": "bygning"}\n',
    )  # fmt: skip


def json_value(path: Path) -> Path:
    return hostile_gz(
        path / "personer.jsonl.gz",
        b'{"identifikasjonsnummer": [{"foedselsEllerDNummer": "1"}], "x": "', b"x",
        512 * MiB, b'"}\n{"identifikasjonsnummer": []}\n',
    )  # fmt: skip


#: Runs its arguments and prints their peak RSS. A process forked from a big one starts with
#: the big one's high-water mark (Linux carries it over fork and exec), so the loader is
#: started from this small process, not from the test's (an xdist worker of some 400 MiB).
_MEASURED = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[1:])\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "print(f'peak RSS KiB {usage.ru_maxrss}', flush=True)\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


@pytest.mark.parametrize(
    ("make", "location", "reason"),
    [
        (kartverket_line, "line 3", "1,073,741,824 bytes long, over the limit of 16 MiB"),
        (jsonl_line, "line 1", "over the limit of 16 MiB"),
        (json_value, "record 1", "over the limit of 64 MiB"),
    ],
    ids=["csv-1GB-line", "jsonl-512MB-line", "json-512MB-value"],
)
def test_a_huge_line_or_value_is_rejected_in_bounded_memory(
    fresh_database: Database,
    tmp_path: Path,
    make: Callable[[Path], Path],
    location: str,
    reason: str,
):
    source = make(tmp_path)
    assert source.stat().st_size < 2 * MiB
    rejects = tmp_path / "rejects.csv"
    env = {
        **os.environ,
        "GRUNNDATA_DATABASE_URL": fresh_database.app_url,
        "GRUNNDATA_OWNER_DATABASE_URL": fresh_database.owner_url,
    }
    command = [sys.executable, "-c", "from grunndata.cli import main; main()"]
    child = subprocess.run(
        [sys.executable, "-c", _MEASURED, *command, "load", "--no-migrate", "--reject-file",
         str(rejects), str(source)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False,
    )  # fmt: skip
    output, _, measured = child.stdout.decode().rpartition("peak RSS KiB ")
    peak = int(measured.strip()) * 1024
    print(f"{source.name}: peak RSS {peak / MiB:.0f} MiB")
    assert peak < PEAK_LIMIT, f"peak RSS {peak / MiB:.0f} MiB\n{output}"
    assert child.returncode == 1, output
    report = rejects.read_text(encoding="utf-8")
    assert location in report and reason in report, report
