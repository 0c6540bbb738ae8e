"""Following Brønnøysund: the update lists of enheter and underenheter, and role events.

Units: page ``oppdateringer/{enheter,underenheter}`` by ``oppdateringsid`` (last + 1).
Every update but ``Fjernet`` means "fetch the unit as it is now"
(``/{kind}?organisasjonsnummer=a,b,…``; what that leaves out, such as deleted units, one by
one), merged by the ``lastned`` JSON format's own reader and writer. A unit that answers
410 is withdrawn (``Fjernet``): listed in ``enhetsregister.fjernet``, which every query
leaves out, until a batch finds it published again (append-only: that batch closes the
row, so a revert can undo either). The first run after a ``lastned`` load starts from
that load's time minus a safety margin (by ``dato``). Roles: page ``oppdateringer/roller``
(CloudEvents) by ``afterId`` and fetch ``/enheter/{orgnr}/roller`` for each unit named.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg

from grunndata.db.database import Database, connect
from grunndata.kilder import state
from grunndata.kilder.batch import Batch
from grunndata.kilder.follow import Fetched, StewardNeeded, read_json
from grunndata.kilder.http import SourceClient
from grunndata.kilder.settings import FollowSettings
from grunndata.loaders.formats import LoadContext
from grunndata.registers.enhetsregister.formats import EnheterJson, RollerJson

PAGE = 1000
LOOKUP = 100
#: How far before a lastned load's time the first run starts (updates seen twice are harmless).
MARGIN = timedelta(days=1)


def _since_load(database: Database, formats: tuple[str, ...]) -> datetime | None:
    with connect(database.app_url) as conn:
        row = conn.execute(
            "SELECT max(coalesce(extract_date, started_at)) FROM felles.load WHERE format = "
            "ANY(%s) AND status IN ('loaded', 'partial') AND kilde IS NULL",
            [list(formats)],
        ).fetchone()
    return row[0] - MARGIN if row and row[0] else None


class UnitFollower:
    def __init__(self, database: Database, client: SourceClient, underenhet: bool) -> None:
        self.database, self.client = database, client
        self.kind = "underenheter" if underenhet else "enheter"
        self.source = f"brreg-{self.kind}"
        self.member = "oppdaterteUnderenheter" if underenhet else "oppdaterteEnheter"
        self.fmt = EnheterJson(underenhet)

    def close(self) -> None:
        self.client.close()

    def position(self) -> str | None:
        with connect(self.database.app_url) as conn:
            return state.read(conn, self.source).posisjon

    def fetch(self, position: str | None) -> Fetched:
        params: dict[str, Any] = {"size": PAGE, "page": 0}
        if position is not None:
            params["oppdateringsid"] = int(position) + 1
        elif since := _since_load(
            self.database, (f"brreg-{self.kind}-json", f"brreg-{self.kind}-csv")
        ):
            params["dato"] = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        else:
            params["oppdateringsid"] = 1
        response = self.client.get(f"/oppdateringer/{self.kind}", params=params)
        what = f"the update page from {params.get('oppdateringsid') or params.get('dato')}"
        if response.status_code != 200:
            raise StewardNeeded(f"{self.source}: {what} answered HTTP {response.status_code}")
        body = read_json(response, self.source, what)
        updates = self._read(body, what)
        if not updates:
            return Fetched(lag=0)
        total = (body.get("page") or {}).get("totalElements")
        label = f"{self.source} oppdateringsid {updates[0][0]}-{updates[-1][0]}"
        lag = max(total - len(updates), 0) if isinstance(total, int) else None
        return Fetched(batch=self._batch(updates, position, label), lag=lag)

    def _read(self, body: Any, what: str) -> list[tuple[int, str, str]]:
        elements = ((body.get("_embedded") or {}).get(self.member, []) if isinstance(body, dict)
                    else None)  # fmt: skip
        if not isinstance(elements, list):
            raise StewardNeeded(f"{self.source}: {what} is malformed: no {self.member} list")
        out = []
        for index, u in enumerate(elements):
            ok = isinstance(u, dict) and isinstance(u.get("oppdateringsid"), int)
            if not ok or not isinstance(u.get("organisasjonsnummer"), str):
                raise StewardNeeded(
                    f"{self.source}: {what} is malformed: element {index} lacks oppdateringsid "
                    "or organisasjonsnummer; nothing written, the cursor is unchanged"
                )
            out.append((u["oppdateringsid"], u["organisasjonsnummer"], str(u.get("endringstype"))))
        return sorted(out)

    def _units(self, orgnrs: list[str]) -> tuple[list[dict[str, Any]], set[str], list[str]]:
        """The units as Brønnøysund answers them now, those withdrawn (410), those unknown."""
        found: dict[str, dict[str, Any]] = {}
        chunks = [orgnrs[i : i + LOOKUP] for i in range(0, len(orgnrs), LOOKUP)]
        for body in self.client.each(self._chunk, chunks):
            for unit in (body.get("_embedded") or {}).get(self.kind, []):
                found[str(unit.get("organisasjonsnummer"))] = unit
        withdrawn, unknown = set(), []
        missing = [o for o in orgnrs if o not in found]
        for orgnr, response in zip(missing, self.client.each(self._one, missing), strict=True):
            if response.status_code == 200:
                found[orgnr] = read_json(response, self.source, f"/{self.kind}/{orgnr}")
            elif response.status_code == 410:
                withdrawn.add(orgnr)
            else:
                unknown.append(orgnr)
        return [found[o] for o in orgnrs if o in found], withdrawn, unknown

    def _chunk(self, chunk: list[str]) -> Any:
        response = self.client.get(
            f"/{self.kind}", params={"organisasjonsnummer": ",".join(chunk), "size": LOOKUP}
        )
        return read_json(response, self.source, f"/{self.kind}?organisasjonsnummer=…")

    def _one(self, orgnr: str) -> httpx.Response:
        return self.client.get(f"/{self.kind}/{orgnr}")

    def _batch(self, updates: list[tuple[int, str, str]], fra: str | None, label: str) -> Batch:
        last: dict[str, int] = {}
        for oppdateringsid, orgnr, _ in updates:
            last[orgnr] = oppdateringsid
        units, withdrawn, unknown = self._units(list(last))
        present = [str(u.get("organisasjonsnummer")) for u in units]

        def after(conn: psycopg.Connection, context: LoadContext) -> None:
            conn.execute(
                "INSERT INTO enhetsregister.fjernet (organisasjonsnummer, load_id) "
                "SELECT unnest(%s::text[]), %s "
                "ON CONFLICT (organisasjonsnummer) WHERE opphevet IS NULL DO NOTHING",
                [sorted(withdrawn), context.load_id],
            )
            conn.execute(
                "UPDATE enhetsregister.fjernet SET opphevet = clock_timestamp(), opphevet_av = %s "
                "WHERE organisasjonsnummer = ANY(%s) AND opphevet IS NULL",
                [context.load_id, present],
            )

        return Batch(
            source=self.source, label=label, fmt=self.fmt,
            payload=json.dumps(units, ensure_ascii=False).encode(),
            fra=fra, til=str(updates[-1][0]), start=fra,
            locations=[f"oppdateringsid {last[o]}" for o in present],
            warnings=[(f"oppdateringsid {last[o]}", f"{o}: Brønnøysund does not know the unit")
                      for o in unknown],
            after=after,
        )  # fmt: skip


class RolleFollower:
    source = "brreg-roller"

    def __init__(self, database: Database, client: SourceClient) -> None:
        self.database, self.client = database, client
        self.fmt = RollerJson()

    def close(self) -> None:
        self.client.close()

    def position(self) -> str | None:
        with connect(self.database.app_url) as conn:
            return state.read(conn, self.source).posisjon

    def fetch(self, position: str | None) -> Fetched:
        params: dict[str, Any] = {"size": PAGE}
        if position is not None:
            params["afterId"] = position
        elif since := _since_load(self.database, ("brreg-roller-json",)):
            params["afterTime"] = since.astimezone(UTC).isoformat(timespec="milliseconds")
        else:
            params["afterId"] = 0
        response = self.client.get("/oppdateringer/roller", params=params)
        what = f"the role events after {params.get('afterId', params.get('afterTime'))}"
        if response.status_code != 200:
            raise StewardNeeded(f"{self.source}: {what} answered HTTP {response.status_code}")
        events = read_json(response, self.source, what)
        if not isinstance(events, list) or not all(
            isinstance(e, dict) and "id" in e and isinstance(e.get("data"), dict) for e in events
        ):
            raise StewardNeeded(
                f"{self.source}: {what} are malformed: not CloudEvents; nothing written"
            )
        if not events:
            return Fetched(lag=0)
        orgnrs: dict[str, str] = {}
        for event in events:
            orgnrs[str(event["data"].get("organisasjonsnummer"))] = str(event["id"])
        documents = [
            {**document, "organisasjonsnummer": orgnr}
            for orgnr, document in zip(orgnrs, self.client.each(self._roles, list(orgnrs)),
                                       strict=True)
        ]  # fmt: skip
        label = f"{self.source} events {events[0]['id']}-{events[-1]['id']}"
        return Fetched(batch=Batch(
            source=self.source, label=label, fmt=self.fmt,
            payload=json.dumps(documents, ensure_ascii=False).encode(),
            fra=position, til=str(events[-1]["id"]),
            locations=[f"event {event_id}" for event_id in orgnrs.values()], start=position,
        ))  # fmt: skip

    def _roles(self, orgnr: str) -> dict[str, Any]:
        response = self.client.get(f"/enheter/{orgnr}/roller")
        if response.status_code in (404, 410):
            return {"rollegrupper": []}  # no roles (any more)
        result: dict[str, Any] = read_json(response, self.source, f"/enheter/{orgnr}/roller")
        return result


def _client(name: str, settings: FollowSettings, stop: threading.Event) -> SourceClient:
    return SourceClient(name, settings.brreg_url, settings, stop=stop)


def enheter(
    database: Database, settings: FollowSettings, stop: threading.Event,
    echo: Callable[[str], None],
) -> UnitFollower:  # fmt: skip
    return UnitFollower(database, _client("brreg-enheter", settings, stop), underenhet=False)


def underenheter(
    database: Database, settings: FollowSettings, stop: threading.Event,
    echo: Callable[[str], None],
) -> UnitFollower:  # fmt: skip
    return UnitFollower(database, _client("brreg-underenheter", settings, stop), underenhet=True)


def roller(
    database: Database, settings: FollowSettings, stop: threading.Event,
    echo: Callable[[str], None],
) -> RolleFollower:  # fmt: skip
    return RolleFollower(database, _client("brreg-roller", settings, stop))


KILDER = {"brreg-enheter": enheter, "brreg-underenheter": underenheter, "brreg-roller": roller}
