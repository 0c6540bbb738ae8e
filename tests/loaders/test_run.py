"""The load machinery against a real PostGIS: journal, exit codes, rejects, atomicity,
idempotency, compression, directories, dry runs and concurrent loads."""

from __future__ import annotations

import csv
import gzip
import hashlib
import threading
import zipfile
from pathlib import Path

import pytest
from psycopg.conninfo import conninfo_to_dict

from grunndata.db.database import Database, connect
from grunndata.errors import SourceError
from grunndata.loaders.journal import journal
from grunndata.loaders.run import Mode, run
from grunndata.loaders.sources import expand
from tests.loaders.sample_formats import FORMATS, SCHEMA_SQL, NavnFormat


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def load(db: Database | None, *paths: Path, **kwargs):
    kwargs.setdefault("mode", Mode.LOAD if db else Mode.VALIDATE)
    return run(list(paths), formats=FORMATS, database=db, **kwargs)


def rows(db: Database, table: str = "navn") -> list[tuple]:
    with connect(db.app_url) as conn:
        return conn.execute(
            f"SELECT * FROM testregister.{table} ORDER BY 1, lower(registrert), 2"
        ).fetchall()


def current(db: Database) -> dict[int, str]:
    with connect(db.app_url) as conn:
        return dict(
            conn.execute("SELECT id, navn FROM testregister.navn WHERE upper_inf(registrert)")
        )


def test_a_clean_file_loads_and_is_journalled(db, tmp_path):
    source = write(tmp_path / "a.navn.csv", "# uttrekksdato: 2026-01-31T00:00:00+01:00",
                   "id;navn", "1;Oslo", "2;Bergen")  # fmt: skip
    outcome = load(db, source)
    assert outcome.exit_code == 0
    (file,) = outcome.files
    assert (file.counts.inserted, file.counts.unchanged, file.records) == (2, 0, 2)
    assert current(db) == {1: "Oslo", 2: "Bergen"}
    (entry,) = journal(db)
    assert entry.id == file.load_id
    assert (entry.status, entry.source, entry.format, entry.inserted) == (
        "loaded",
        str(source),
        "test-navn",
        2,
    )
    assert entry.extract_date.isoformat() == "2026-01-30T23:00:00+00:00"
    assert {row[3] for row in rows(db)} == {entry.id}, "every version records its load"


def test_loading_the_same_file_twice_changes_nothing(db, tmp_path):
    source = write(tmp_path / "a.navn.csv", "id;navn", "1;Oslo", "2;Bergen")
    load(db, source)
    before = rows(db)
    second = load(db, source).files[0]
    assert (second.counts.inserted, second.counts.superseded, second.counts.unchanged) == (0, 0, 2)
    assert rows(db) == before


def test_a_changed_record_supersedes_without_losing_the_old_version(db, tmp_path):
    load(db, write(tmp_path / "a.navn.csv", "id;navn", "1;Oslo", "2;Bergen"))
    second = load(db, write(tmp_path / "b.navn.csv", "id;navn", "1;Kristiania")).files[0]
    assert (second.counts.inserted, second.counts.superseded, second.counts.unchanged) == (1, 1, 0)
    assert current(db) == {1: "Kristiania", 2: "Bergen"}
    history = [(r[0], r[1], r[2].upper is None) for r in rows(db)]
    assert history == [(1, "Oslo", False), (1, "Kristiania", True), (2, "Bergen", True)]
    assert [entry.superseded for entry in journal(db)] == [1, 0]


def test_rejected_records_are_reported_and_the_rest_loads(db, tmp_path):
    source = write(tmp_path / "a.navn.csv", "id;navn", "1;Oslo", "x;Bergen", "3;", "4; Tromsø ",
                   "5;a;b")  # fmt: skip
    reject_file = tmp_path / "rejects.csv"
    outcome = load(db, source, reject_file=reject_file)
    assert outcome.exit_code == 1
    file = outcome.files[0]
    assert (file.status, file.rejected, file.warnings, file.counts.inserted) == ("partial", 3, 1, 2)
    assert current(db) == {1: "Oslo", 4: "Tromsø"}
    with reject_file.open(newline="", encoding="utf-8") as handle:
        report = list(csv.DictReader(handle))
    assert [(r["location"], r["severity"]) for r in report] == [
        ("line 3", "reject"), ("line 4", "reject"), ("line 5", "warning"), ("line 6", "reject"),
    ]  # fmt: skip
    assert report[0]["reason"] == "id 'x' is not a number"
    assert all(r["source"] == str(source) for r in report)
    assert journal(db)[0].status == "partial" and journal(db)[0].rejected == 3


def test_a_file_that_breaks_midway_writes_nothing(db, tmp_path):
    good = write(tmp_path / "a.navn.csv", "id;navn", "1;Oslo")
    load(db, good)
    before = rows(db)
    broken = tmp_path / "b.navn.csv"
    broken.write_bytes(b"id;navn\n1;Kristiania\n2;Bergen\n3;\xff\xfe\n")
    outcome = load(db, broken)
    assert outcome.exit_code == 2
    assert outcome.files[0].message == f"{broken}: line 4 is not UTF-8"
    assert rows(db) == before, "a failed load leaves the database as it was"
    failed = journal(db)[0]
    assert (failed.status, failed.inserted, failed.message) == (
        "failed",
        0,
        f"{broken}: line 4 is not UTF-8",
    )


def test_wrong_header_fails_the_file(db, tmp_path):
    outcome = load(db, write(tmp_path / "a.navn.csv", "id;name", "1;Oslo"))
    assert outcome.exit_code == 2
    assert "header 'id;name', expected 'id;navn'" in outcome.files[0].message


def test_gzip_and_zip_load_like_plain_files(db, tmp_path):
    plain = "id;navn\n1;Oslo\n2;Bergen\n"
    gz = tmp_path / "a.navn.csv.gz"
    gz.write_bytes(gzip.compress(plain.encode()))
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("inner/b.navn.csv", "id;navn\n3;Trondheim\n")
        z.writestr("inner/c.kobling.csv", "navn_id;merknad\n3;hei\n")
    outcome = load(db, gz, archive)
    assert outcome.exit_code == 0
    assert [f.format for f in outcome.files] == ["test-navn", "test-navn", "test-kobling"]
    assert outcome.files[1].source == f"{archive}!inner/b.navn.csv"
    assert current(db) == {1: "Oslo", 2: "Bergen", 3: "Trondheim"}


def test_truncated_gzip_fails_clearly(db, tmp_path):
    data = gzip.compress(("id;navn\n" + "".join(f"{i};n{i}\n" for i in range(5000))).encode())
    truncated = tmp_path / "a.navn.csv.gz"
    truncated.write_bytes(data[: len(data) // 2])
    outcome = load(db, truncated)
    assert outcome.exit_code == 2
    assert "looks truncated: the compressed data ends early" in outcome.files[0].message
    assert rows(db) == []


def test_a_directory_loads_in_reference_order_and_leaves_out_documentation(db, tmp_path):
    folder = tmp_path / "bundle"
    folder.mkdir()
    write(folder / "a.kobling.csv", "navn_id;merknad", "1;første")
    write(folder / "b.navn.csv", "id;navn", "1;Oslo")
    write(folder / "README.md", "# not data")
    write(folder / ".hidden.navn.csv", "id;navn", "9;Skjult")
    outcome = load(db, folder)
    assert [f.format for f in outcome.files] == ["test-navn", "test-kobling"]
    assert outcome.files[1].warnings == 0, "kobling loaded after the navn it refers to"
    assert outcome.skipped == [], "*.md is documentation, left out by name"
    assert outcome.exit_code == 0
    assert current(db) == {1: "Oslo"}


def test_directory_exit_code_is_the_worst_and_files_commit_one_by_one(db, tmp_path):
    folder = tmp_path / "bundle"
    folder.mkdir()
    write(folder / "a.navn.csv", "id;navn", "1;Oslo")
    (folder / "b.navn.csv").write_bytes(b"id;navn\n2;\xff\n")
    write(folder / "c.navn.csv", "id;navn", "3;Bergen", "x;bad")
    outcome = load(db, folder)
    assert [f.exit_code for f in outcome.files] == [0, 2, 1]
    assert outcome.exit_code == 2
    assert current(db) == {1: "Oslo", 3: "Bergen"}


def test_dry_run_counts_but_keeps_nothing(db, tmp_path):
    outcome = load(db, write(tmp_path / "a.navn.csv", "id;navn", "1;Oslo"), mode=Mode.DRY_RUN)
    assert outcome.exit_code == 0
    assert (outcome.files[0].status, outcome.files[0].counts.inserted) == ("dry-run", 1)
    assert rows(db) == [] and journal(db) == []


def test_validate_needs_no_database(tmp_path):
    good = write(tmp_path / "a.navn.csv", "id;navn", "1;Oslo")
    bad = write(tmp_path / "b.navn.csv", "id;navn", "x;Oslo")
    outcome = load(None, good, bad)
    assert [(f.status, f.exit_code, f.records) for f in outcome.files] == [
        ("valid", 0, 1), ("valid", 1, 0)
    ]  # fmt: skip
    assert not any(f.checked_database for f in outcome.files)


def test_unknown_files_and_formats_are_usage_errors(db, tmp_path):
    unknown = write(tmp_path / "notes.txt", "hello")
    outcome = load(db, unknown)
    assert outcome.exit_code == 2
    assert (
        "not a format grunndata knows (known: test-kobling, test-navn)" in outcome.files[0].message
    )
    with pytest.raises(SourceError, match="no such file or directory"):
        load(db, tmp_path / "missing.csv")
    with pytest.raises(SourceError, match="unknown format 'nope'"):
        load(db, unknown, format_name="nope")
    forced = load(db, write(tmp_path / "data.txt", "id;navn", "1;Oslo"), format_name="test-navn")
    assert forced.exit_code == 0


def test_concurrent_overlapping_loads_equal_sequential_loads(db, clones, tmp_path):
    def lines(i: int) -> list[str]:
        return [f"{n};v{i}-{n % 3}" for n in range(i, 400, 2)]

    files = [write(tmp_path / f"{i}.navn.csv", "id;navn", *lines(i)) for i in range(4)]
    threads = [threading.Thread(target=load, args=(db, f)) for f in files for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    order = journal(db)
    sequential = clones.make()
    app = conninfo_to_dict(sequential.app_url)["user"]
    with connect(sequential.owner_url) as conn:
        conn.execute(SCHEMA_SQL.format(app=app))  # type: ignore[arg-type]
    # The same loads one after the other, in the order the concurrent ones held the lock.
    for entry in sorted(order, key=lambda e: e.locked_at):
        load(sequential, Path(entry.source))
    assert current(db) == current(sequential)

    def history(database: Database) -> list[tuple]:
        return sorted((r[0], r[1], r[2].upper is None) for r in rows(database))

    assert history(db) == history(sequential), "the same versions, superseded the same way"
    assert all(entry.status == "loaded" for entry in order)


def test_a_reader_bug_fails_only_its_file_and_is_journalled(db, tmp_path):
    folder = tmp_path / "bundle"
    folder.mkdir()
    # The sample reader parses the extract date with fromisoformat: this one makes it raise.
    write(folder / "a.navn.csv", "# uttrekksdato: 31.01.2026", "id;navn", "1;Oslo")
    write(folder / "b.navn.csv", "id;navn", "2;Bergen")
    outcome = load(db, folder)
    assert [f.exit_code for f in outcome.files] == [2, 0]
    assert "loading it as test-navn failed unexpectedly (ValueError" in outcome.files[0].message
    assert current(db) == {2: "Bergen"}
    assert [e.status for e in journal(db)] == ["loaded", "failed"]


def test_zip_members_report_progress_and_hash_of_their_content(tmp_path):
    content = b"id;navn\n" + b"".join(f"{i};n{i}\n".encode() for i in range(2000))
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.navn.csv", content)
    (member,) = expand([archive])[0]
    assert member.size == len(content)
    with member.open() as (stream, counter):
        assert stream.read() == content
    assert counter.bytes_read == len(content)
    assert counter.sha256 == hashlib.sha256(content).hexdigest()


def test_an_error_of_the_caller_is_not_reported_as_an_unreadable_source(tmp_path):
    source = expand([write(tmp_path / "a.navn.csv", "id;navn")])[0][0]
    with pytest.raises(PermissionError), source.open():
        raise PermissionError("the reject file's disk, not the source")


def test_a_broken_zip_in_a_directory_fails_alone(db, tmp_path):
    folder = tmp_path / "bundle"
    folder.mkdir()
    (folder / "a.zip").write_bytes(b"PK\x03\x04 this is not really a zip archive")
    write(folder / "b.navn.csv", "id;navn", "1;Oslo")
    outcome = load(db, folder)
    assert [f.exit_code for f in outcome.files] == [2, 0]
    assert outcome.files[0].message.startswith(
        f"{folder / 'a.zip'}: the file looks truncated: it starts as a zip archive but"
    )
    assert current(db) == {1: "Oslo"}


def test_an_interrupted_load_is_journalled_as_failed_with_its_counts(db, tmp_path):
    class Interrupted(NavnFormat):
        def read(self, stream, context):
            context.report.reject("line 2", "bad")
            raise KeyboardInterrupt

    source = write(tmp_path / "a.navn.csv", "id;navn", "x;Oslo")
    with pytest.raises(KeyboardInterrupt):
        run([source], formats=[Interrupted()], database=db)
    (entry,) = journal(db)
    assert (entry.status, entry.rejected, entry.inserted) == ("failed", 1, 0)
    assert entry.message == f"{source}: interrupted; nothing from it was written"
    assert rows(db) == []


def test_a_directory_with_nothing_loadable_is_not_a_success(db, tmp_path):
    folder = tmp_path / "bundle"
    folder.mkdir()
    write(folder / "README.md", "# not data")
    write(folder / "notes.txt", "not data either")
    outcome = load(db, folder, skip_unknown=True)
    assert (outcome.files, outcome.exit_code) == ([], 2)
    assert outcome.skipped == [str(folder / "notes.txt")]
