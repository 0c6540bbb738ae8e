"""Address washing in bulk: the command on real files, and POST /adressevask over HTTP."""

from __future__ import annotations

import csv
import io
import os
from dataclasses import replace

import httpx
import orjson
import pytest

from grunndata.config import Settings
from grunndata.registers.matrikkel import vask_bulk, vask_http
from grunndata.server import create_app
from tests.conftest import LiveServer
from tests.test_cli import cli

CSV = (
    "id;adresse;merknad\n"
    "1;Tyrihansveien 38, 4638 Kristiansand S;første\n"
    "2;tyrihansvn. 18;\n"
    "3;Postboks 4, 4638 Kristiansand;\n"
    '4;Vardaasveien 110 B 4637;"a;b"\n'
    "5;;\n"
    "6;for få kolonner\n"
)


def rows(text: str, delimiter: str = ";") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


def check_washed(out: list[dict[str, str]]) -> None:
    assert [r["id"] for r in out] == ["1", "2", "3", "4", "5", "6"]
    assert [r["kategori"] for r in out] == ["A", "B", "", "B", "", ""]
    assert out[0]["adresseId"] == "219136687" and out[0]["merknad"] == "første"
    assert out[1]["adressetekst"] == "Tyrihansveien 18"
    assert out[1]["korreksjoner"] == "FORKORTELSE_SKREVET_UT"
    assert out[2]["begrunnelse"].startswith("POSTBOKS")
    assert out[3]["merknad"] == "a;b" and out[3]["adressetekst"] == "Vardåsveien 110B"
    assert out[4]["begrunnelse"].startswith("TOM_TEKST")
    assert out[5]["begrunnelse"].startswith("AVVIST: 2 kolonner")


@pytest.fixture
def env(cast_database):
    return {**os.environ, "GRUNNDATA_DATABASE_URL": cast_database.app_url}


def test_the_command_washes_a_csv_keeping_its_columns(tmp_path, env):
    source, target = tmp_path / "kunder.csv", tmp_path / "vasket.csv"
    source.write_text(CSV, encoding="utf-8")
    result = cli("adressevask", str(source), "--kolonne", "adresse", "--out", str(target), env=env)
    assert result.returncode == 0, result.stderr
    assert "6 rader: 1 A, 2 B, 0 C, 2 uten kandidat, 1 avvist" in result.stdout
    check_washed(rows(target.read_text(encoding="utf-8")))
    x, y = float(rows(target.read_text())[0]["x"]), float(rows(target.read_text())[0]["y"])
    assert (x, y) == (92406.38, 6466460.67)  # EPSG:25833 by default


def test_windows_1252_columns_joined_and_epsg(tmp_path, env):
    source, target = tmp_path / "k.csv", tmp_path / "v.csv"
    source.write_bytes("nr,gate,husnr,post\n1,Vardåsveien,110 B,4637\n".encode("cp1252"))
    result = cli("adressevask", str(source), "--kolonner", "gate,husnr,post", "--out",
                 str(target), "--epsg", "4326", env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Windows-1252" in result.stderr
    (row,) = rows(target.read_text(encoding="utf-8"), ",")
    assert (row["gate"], row["adressetekst"], row["kategori"]) == (
        "Vardåsveien",
        "Vardåsveien 110B",
        "A",
    )
    assert abs(float(row["x"]) - 8.0569) < 0.001 and abs(float(row["y"]) - 58.1485) < 0.001


def test_json_lines_keep_their_fields(tmp_path, env):
    source, target = tmp_path / "k.jsonl", tmp_path / "v.jsonl"
    source.write_text('{"id": 1, "a": "Tyrihansveien 38 4638"}\nnot json\n{"id": 3}\n')
    result = cli("adressevask", str(source), "--kolonne", "a", "--out", str(target), env=env)
    assert result.returncode == 0, result.stderr
    out = [orjson.loads(line) for line in target.read_text().splitlines()]
    assert out[0]["id"] == 1 and out[0]["adresseId"] == 219136687 and out[0]["kategori"] == "A"
    assert out[1]["begrunnelse"].startswith("AVVIST: ikke gyldig JSON")
    assert out[2]["begrunnelse"] == "AVVIST: mangler a"


def test_a_missing_column_fails_the_file_and_writes_nothing(tmp_path, env):
    source, target = tmp_path / "kunder.csv", tmp_path / "vasket.csv"
    source.write_text(CSV, encoding="utf-8")
    result = cli("adressevask", str(source), "--kolonne", "adr", "--out", str(target), env=env)
    assert result.returncode == 2
    assert "kunder.csv: no column adr in the header" in result.stderr
    assert "Traceback" not in result.stderr
    assert not target.exists() and not list(tmp_path.glob("*.part"))


def test_an_over_long_line_is_a_rejected_row_not_a_failure():
    splitter = vask_bulk.LineSplitter()
    out = splitter.feed(b"id;adresse\n1;" + b"x" * (vask_bulk.MAX_LINE + 10))
    out += splitter.feed(b"y" * vask_bulk.MAX_LINE * 3)  # still the same line: never held
    assert len(splitter.buffer) <= vask_bulk.MAX_LINE
    out += splitter.feed(b"\n2;Tyrihansveien 38\n") + splitter.end()
    assert out == [b"id;adresse", None, b"2;Tyrihansveien 38"]


def post(server: str, body: bytes, content_type: str = "text/csv", **params: str) -> httpx.Response:
    return httpx.post(f"{server}{vask_http.PATH}", content=body, params=params,
                      headers={"content-type": content_type}, timeout=60)  # fmt: skip


def test_http_streams_the_washed_csv(server):
    response = post(server, CSV.encode(), kolonne="adresse")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    check_washed(rows(response.text))


def test_http_json_lines(server):
    body = b'{"id": 1, "a": "Tyrihansveien 38 4638"}\n{"id": 2, "a": "Postboks 3"}\n'
    response = post(server, body, "application/x-ndjson", kolonne="a", epsg="4326")
    assert response.status_code == 200, response.text
    out = [orjson.loads(line) for line in response.text.splitlines()]
    assert out[0]["adressetekst"] == "Tyrihansveien 38" and 7 < out[0]["x"] < 9
    assert out[1]["begrunnelse"].startswith("POSTBOKS")


@pytest.mark.parametrize(
    ("body", "params", "status", "message"),
    [
        (CSV.encode(), {"kolonne": "adr"}, 400, "no column adr"),
        (CSV.encode(), {}, 400, "exactly one of"),
        (CSV.encode(), {"kolonne": "adresse", "epsg": "x"}, 400, "epsg"),
        (CSV.encode(), {"kolonne": "adresse", "epsg": "1"}, 400, "EPSG code"),
        (b"", {"kolonne": "adresse"}, 400, "empty"),
        (b"id;adresse\n" + b"1;Tyrihansveien 38\n" * (vask_http.MAX_ROWS + 1),
         {"kolonne": "adresse"}, 413, "at most"),
        (b"id;adresse\n1;" + b"x" * (vask_http.MAX_BYTES + 1), {"kolonne": "adresse"}, 413,
         "at most"),
    ],
)  # fmt: skip
def test_http_bad_input_is_a_clear_4xx(server, body, params, status, message):
    response = post(server, body, **params)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert message in error["message"] and error["code"]


def test_the_command_rejects_an_over_long_line_and_washes_the_rest(tmp_path, env):
    source, target = tmp_path / "k.csv", tmp_path / "v.csv"
    with source.open("wb") as handle:
        handle.write(b"id;adresse\n1;" + b"x" * (vask_bulk.MAX_LINE * 4) + b"\n")
        handle.write(b"2;Tyrihansveien 38 4638\n")
    result = cli("adressevask", str(source), "--kolonne", "adresse", "--out", str(target), env=env)
    assert result.returncode == 0, result.stderr
    out = rows(target.read_text(encoding="utf-8"))
    assert out[0]["begrunnelse"] == f"AVVIST: linjen er over {vask_bulk.MAX_LINE} byte"
    assert (out[1]["id"], out[1]["kategori"]) == ("2", "A")


def test_http_is_open_but_under_the_per_client_rate_limit_of_graphql(cast_database):
    """No token needed; the same buckets as /graphql: a client's GraphQL requests and its
    washes draw on one allowance, and the next is 429 with Retry-After."""
    security = replace(Settings.from_env().security, rate_limit_per_minute=6,
                       rate_limit_burst=3)  # fmt: skip
    body = b"id;adresse\n1;Tyrihansveien 38\n"
    with LiveServer(create_app(cast_database.app_url, security=security), token=None) as base:
        washed = [post(base, body, kolonne="adresse") for _ in range(2)]
        asked = httpx.post(f"{base}/graphql", json={"query": "{ serverInfo { version } }"})
        refused = post(base, body, kolonne="adresse")
    assert [r.status_code for r in washed] == [200, 200], washed[0].text
    assert rows(washed[0].text)[0]["adressetekst"] == "Tyrihansveien 38"
    assert asked.status_code == 200, asked.text
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "RATE_LIMITED"
    assert 1 <= int(refused.headers["retry-after"]) <= 10  # one request per 10 s
