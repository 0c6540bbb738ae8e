"""Each fault of the stand-ins' list, followed over real HTTP."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from grunndata.db.database import Database, connect
from grunndata.kilder import state
from grunndata.kilder.batch import BatchFailed
from grunndata.kilder.follow import StewardNeeded
from grunndata.kilder.http import SourceUnavailable
from grunndata.kilder.settings import MaskinportenSettings
from grunndata.loaders import journal
from grunndata.server import create_app
from tests.conftest import LiveServer
from tests.kilder.conftest import Sources, cursor, load_files, rows, run_follower
from tests.kilder.test_kill import _command, grunndata
from tests.kilder.test_week import _brreg_files


def _start_at(database: Database, seq: int) -> None:
    with connect(database.app_url) as conn, conn.transaction():
        state.advance(conn, "freg", str(seq))


def _persons(database: Database) -> int:
    return rows(database, "SELECT count(*) FROM folkeregister.person")[0][0]


@pytest.mark.parametrize("kind", ["429", "500", "503", "slow"])
def test_a_passing_fault_is_tried_again(
    sources_: Sources, fresh_database: Database, kind: str
) -> None:
    _start_at(fresh_database, 0)
    sources_.standin.faults.add(kind, "/feed", times=2, seconds=0.05 if kind != "slow" else 3)
    assert run_follower(fresh_database, "freg", sources_.settings) == 0
    assert sources_.standin.faults.served[kind] == 2
    assert cursor(fresh_database, "freg").posisjon == str(len(sources_.world.freg.feed))


def test_a_source_that_keeps_failing_stops_once_with_the_cursor_unchanged(
    sources_: Sources, fresh_database: Database
) -> None:
    _start_at(fresh_database, 0)
    sources_.standin.faults.add("500", "/bulkoppslag", times=10)
    with pytest.raises(SourceUnavailable, match="cursor is unchanged"):
        run_follower(fresh_database, "freg", sources_.settings)
    assert cursor(fresh_database, "freg").posisjon == "0"
    assert cursor(fresh_database, "freg").feil is not None
    assert _persons(fresh_database) == 0
    assert rows(fresh_database, "SELECT status FROM felles.load") == []


def test_a_truncated_page_writes_nothing(sources_: Sources, fresh_database: Database) -> None:
    _start_at(fresh_database, 0)
    sources_.standin.faults.add("truncated", "/feed")
    with pytest.raises(StewardNeeded, match="page at seq 1 is malformed"):
        run_follower(fresh_database, "freg", sources_.settings)
    assert cursor(fresh_database, "freg").posisjon == "0"
    assert _persons(fresh_database) == 0


def test_a_truncated_brreg_page_writes_nothing(sources_: Sources, fresh_database: Database) -> None:
    sources_.standin.faults.add("truncated", "/oppdateringer/enheter")
    with pytest.raises(StewardNeeded, match="malformed"):
        run_follower(fresh_database, "brreg-enheter", sources_.settings)
    assert cursor(fresh_database, "brreg-enheter").posisjon is None
    assert rows(fresh_database, "SELECT count(*) FROM enhetsregister.enhet") == [(0,)]


def test_a_gap_is_a_warning_in_the_journal(sources_: Sources, fresh_database: Database) -> None:
    _start_at(fresh_database, 0)
    sources_.standin.faults.add("gap", "/feed")
    assert run_follower(fresh_database, "freg", sources_.settings) == 0
    (warnings,) = rows(fresh_database, "SELECT warnings FROM felles.load WHERE kilde = 'freg'")
    assert warnings[0] >= 1
    assert cursor(fresh_database, "freg").posisjon == str(len(sources_.world.freg.feed))


def test_unknown_event_types_fetch_the_person_again(
    sources_: Sources, fresh_database: Database
) -> None:
    _start_at(fresh_database, 0)
    sources_.standin.faults.add("unknown", "/feed")
    assert run_follower(fresh_database, "freg", sources_.settings) == 0
    assert _persons(fresh_database) == len(sources_.world.freg.people)


def test_an_expired_cursor_asks_for_a_new_baseline(
    sources_: Sources, fresh_database: Database
) -> None:
    _start_at(fresh_database, 3)
    sources_.standin.oldest = 10
    with pytest.raises(StewardNeeded, match=r"HTTP 406.*--baseline"):
        run_follower(fresh_database, "freg", sources_.settings)
    assert cursor(fresh_database, "freg").posisjon == "3"


def test_an_invalid_document_is_rejected_with_its_sequence_number(
    sources_: Sources, fresh_database: Database
) -> None:
    _start_at(fresh_database, 0)
    sources_.standin.faults.add("invalid", "/bulkoppslag")
    log: list[str] = []
    assert run_follower(fresh_database, "freg", sources_.settings, echo=log) == 1
    kilde = cursor(fresh_database, "freg")
    assert kilde.posisjon == str(len(sources_.world.freg.feed)) and kilde.avvist == 1
    assert _persons(fresh_database) == len(sources_.world.freg.people) - 1
    ((rejected, status, message),) = rows(
        fresh_database, "SELECT rejected, status, message FROM felles.load"
    )
    assert (rejected, status) == (1, "partial")
    assert re.search(r"seq \d+, record \d+ \(\d{11}\): reject: .*ajourholdstidspunkt", message)
    assert any(message in line for line in log)
    # The journal's reject list holds it with the event's sequence number.
    ((load_id,),) = rows(fresh_database, "SELECT id FROM felles.load")
    ((location, reason, seq),) = journal.rejects(fresh_database, load_id)
    assert location.startswith(f"seq {seq}, record ") and "ajourholdstidspunkt" in reason
    event = sources_.world.freg.feed[seq - 1]
    assert event["sekvensnummer"] == seq
    assert event["hendelse"]["folkeregisteridentifikator"] in location
    # follow --status and /healthz count it.
    env = {**_command.env(fresh_database, sources_), "COLUMNS": "200"}
    status = subprocess.run(
        [grunndata(), "follow", "--status"], env=env, capture_output=True, text=True, timeout=120
    )
    assert status.returncode == 0, status.stderr
    (cells,) = [
        cells
        for line in status.stdout.splitlines()
        if (cells := [c.strip() for c in re.split(r"[│┃|]", line) if c.strip()])[:1] == ["freg"]
    ]
    assert cells[-1] == "1", status.stdout
    with LiveServer(create_app(fresh_database.app_url)) as base:
        health = httpx.get(f"{base}/healthz").json()
    assert [k["avvist"] for k in health["kilder"] if k["kilde"] == "freg"] == [1]


def test_a_gone_extract_exits_saying_so(sources_: Sources, fresh_database: Database) -> None:
    sources_.standin.faults.add("gone", "/batch/")
    with pytest.raises(StewardNeeded, match="gone \\(HTTP 410\\)"):
        run_follower(fresh_database, "freg", sources_.settings, baseline=True)
    assert cursor(fresh_database, "freg").posisjon is None


def test_the_baseline_waits_for_its_extract(sources_: Sources, fresh_database: Database) -> None:
    sources_.standin.extract_not_ready = 2
    sources_.standin.extract_batch = 25
    log: list[str] = []
    assert run_follower(fresh_database, "freg", sources_.settings, baseline=True, echo=log) == 0
    assert sum("not ready" in line for line in log) == 2
    assert _persons(fresh_database) == len(sources_.world.freg.people)


@pytest.mark.parametrize("shape", ["jsonl", "object", "wrapped"])
def test_bulk_answers_in_each_shape(
    sources_: Sources, fresh_database: Database, shape: str
) -> None:
    _start_at(fresh_database, 0)
    sources_.standin.bulk_shape = shape
    assert run_follower(fresh_database, "freg", sources_.settings) == 0
    assert _persons(fresh_database) == len(sources_.world.freg.people)


def test_a_second_follower_exits_at_once(sources_: Sources, fresh_database: Database) -> None:
    _start_at(fresh_database, 0)
    with (
        state.source_lock(fresh_database, "freg"),
        pytest.raises(state.FollowerBusy, match="another follower of freg"),
    ):
        run_follower(fresh_database, "freg", sources_.settings)
    assert _persons(fresh_database) == 0


def _key_file(tmp_path: Path, kind: str) -> tuple[Path, object]:
    """A client key as a PEM file (RSA) or a JWK file (EC), and its public key."""
    if kind == "pem":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        path = tmp_path / "key.pem"
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return path, key.public_key()
    ec_key = ec.generate_private_key(ec.SECP256R1())
    path = tmp_path / "key.jwk"
    path.write_text(jwt.algorithms.ECAlgorithm.to_jwk(ec_key), encoding="utf-8")
    return path, ec_key.public_key()


@pytest.mark.parametrize("kind", ["pem", "jwk"])
def test_maskinporten_token_is_granted_once_and_required(
    sources_: Sources, fresh_database: Database, tmp_path: Path, kind: str
) -> None:
    path, public = _key_file(tmp_path, kind)
    sources_.standin.client_key, sources_.standin.client_id = public, "klient"
    _start_at(fresh_database, 0)
    with pytest.raises(StewardNeeded, match="HTTP 401"):  # no token URL: no Authorization
        run_follower(fresh_database, "freg", sources_.settings)
    mp = MaskinportenSettings(
        token_url=f"{sources_.base}/maskinporten/token", client_id="klient", key=path,
        kid="k1", scope="folkeregister:deling/offentligmedhjemmel",
    )  # fmt: skip
    log: list[str] = []
    settings = replace(sources_.settings, maskinporten=mp)
    assert run_follower(fresh_database, "freg", settings, echo=log) == 0
    assert sources_.standin.grants == 1
    assert _persons(fresh_database) == len(sources_.world.freg.people)
    (token,) = sources_.standin.tokens
    assert not any(token in line for line in log)
    journal = json.dumps(rows(fresh_database, "SELECT * FROM felles.load"), default=str)
    assert token not in journal


def test_a_batch_that_fails_at_its_end_writes_nothing_and_keeps_the_cursor(
    sources_: Sources, fresh_database: Database
) -> None:
    """The cursor and the data commit together: a failure when the cursor moves (after the
    merge) leaves neither."""
    _start_at(fresh_database, 0)
    with connect(fresh_database.owner_url, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION felles.boom() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'power cut'; END $$; "
            "CREATE TRIGGER boom BEFORE UPDATE ON felles.kilde FOR EACH ROW "
            "WHEN (NEW.posisjon IS DISTINCT FROM OLD.posisjon) EXECUTE FUNCTION felles.boom()"
        )
    with pytest.raises(BatchFailed, match="power cut; nothing written"):
        run_follower(fresh_database, "freg", sources_.settings)
    assert cursor(fresh_database, "freg").posisjon == "0"
    assert _persons(fresh_database) == 0
    assert rows(fresh_database, "SELECT status FROM felles.load") == [("failed",)]
    with connect(fresh_database.owner_url, autocommit=True) as conn:
        conn.execute("DROP TRIGGER boom ON felles.kilde")
    assert run_follower(fresh_database, "freg", sources_.settings) == 0
    assert _persons(fresh_database) == len(sources_.world.freg.people)


def test_the_first_brreg_run_after_a_lastned_load_starts_from_its_time(
    sources_: Sources, fresh_database: Database, tmp_path: Path
) -> None:
    """From the load's time minus the margin, by ``dato``: an update older than that is
    not read again (the file already held it)."""
    load_files(fresh_database, _brreg_files(sources_, tmp_path / "start"))
    updates = sources_.world.brreg.updates["enheter"]
    old = updates[0]
    old["dato"] = "2001-01-01T00:00:00.000Z"
    unit = sources_.world.brreg.units[old["organisasjonsnummer"]]
    before, unit["navn"] = unit["navn"], "ENDRET UTEN NY OPPDATERING AS"
    assert run_follower(fresh_database, "brreg-enheter", sources_.settings) == 0
    assert cursor(fresh_database, "brreg-enheter").posisjon == str(len(updates))
    (navn,) = rows(
        fresh_database,
        "SELECT navn FROM enhetsregister.enhet WHERE organisasjonsnummer = %s "
        "AND upper_inf(registrert)",
        [old["organisasjonsnummer"]],
    )
    assert navn == (before,)
