"""Following Folkeregisteret: the event feed, bulk lookups and the complete extract.

Each feed page (``GET /v1/hendelser/feed?seq=last+1``, 1000 events) is one batch: its
events grouped per person, the persons' current documents fetched with
``POST /v1/personer/bulkoppslag`` (at most 1000 a call) and merged by the person format's
own reader and writer, exactly as a file of them would be. Every event type, known or
not, means "fetch the person again". A document that fails validation is rejected under
its event's sequence number; a gap in the sequence numbers is a warning.

The baseline (the complete extract) is ``uttrekk.baseline``.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from grunndata.db.database import Database, connect
from grunndata.errors import SetupError
from grunndata.kilder import state
from grunndata.kilder.batch import Batch
from grunndata.kilder.follow import Fetched, StewardNeeded, read_json
from grunndata.kilder.http import SourceClient
from grunndata.kilder.maskinporten import Maskinporten
from grunndata.kilder.settings import FollowSettings
from grunndata.registers.folkeregister.formats import FORMAT
from grunndata.registers.folkeregister.uttrekk import baseline

SOURCE = "freg"
BULK_MAX = 1000
log = logging.getLogger(__name__)


def read_page(response: httpx.Response, seq: int) -> list[tuple[int, str, str]]:
    """(sekvensnummer, folkeregisteridentifikator, hendelsetype) of a feed page, checked."""
    what = f"the feed page at seq {seq}"
    page = read_json(response, SOURCE, what)
    if not isinstance(page, list):
        raise StewardNeeded(f"{SOURCE}: {what} is malformed: not a JSON array; nothing written")
    events: list[tuple[int, str, str]] = []
    for index, element in enumerate(page):
        hendelse = element.get("hendelse") if isinstance(element, dict) else None
        number = element.get("sekvensnummer") if isinstance(element, dict) else None
        ident = hendelse.get("folkeregisteridentifikator") if isinstance(hendelse, dict) else None
        previous = events[-1][0] if events else seq - 1
        if not isinstance(number, int) or not isinstance(ident, str) or number <= previous:
            raise StewardNeeded(
                f"{SOURCE}: {what} is malformed: element {index} lacks an increasing "
                "sekvensnummer or a folkeregisteridentifikator; nothing from the page was "
                "written and the cursor is unchanged"
            )
        events.append((number, ident, str(hendelse.get("hendelsetype") or "")))
    return events


def read_documents(response: httpx.Response) -> list[dict[str, Any]]:
    """The documents of a bulk lookup: a JSON array, JSON Lines, or an object whose one
    list member holds them (or holds objects that each hold one)."""
    text = response.content.strip()
    try:
        body = json.loads(text) if text else []
    except ValueError:
        try:
            body = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError as exc:
            raise StewardNeeded(
                f"{SOURCE}: a bulkoppslag answer is malformed (neither JSON nor JSON Lines: "
                f"{exc}); nothing from the batch was written and the cursor is unchanged"
            ) from None
    if isinstance(body, dict):
        lists = [v for v in body.values() if isinstance(v, list)]
        body = lists[0] if len(lists) == 1 else [body]
    out = []
    for item in body:
        if isinstance(item, dict) and "identifikasjonsnummer" not in item and len(item) == 1:
            (item,) = item.values()
        out.append(item)
    return out


class FregFollower:
    source = SOURCE

    def __init__(
        self, database: Database, client: SourceClient, stop: threading.Event,
        echo: Callable[[str], None],
    ) -> None:  # fmt: skip
        self.database, self.client, self.stop, self.echo = database, client, stop, echo
        self._etag: tuple[int, str] | None = None

    def close(self) -> None:
        self.client.close()

    def _cursor(self) -> state.Kilde:
        with connect(self.database.app_url) as conn:
            return state.read(conn, SOURCE)

    def _documents(self, idents: list[str]) -> Iterator[dict[str, Any]]:
        for start in range(0, len(idents), BULK_MAX):
            chunk = idents[start : start + BULK_MAX]
            response = self.client.request(
                "POST", "/v1/personer/bulkoppslag", json={"foedselsEllerDNummer": chunk}
            )
            if response.status_code != 200:
                raise StewardNeeded(f"{SOURCE}: bulkoppslag answered HTTP {response.status_code}")
            yield from read_documents(response)

    def position(self) -> str | None:
        kilde = self._cursor()
        if kilde.baseline is not None or kilde.posisjon is None:
            raise StewardNeeded(
                f"{SOURCE} has no cursor yet"
                + (" (a baseline is unfinished)" if kilde.baseline else "")
                + ": run `grunndata follow freg --baseline` first"
            )
        return kilde.posisjon

    def fetch(self, position: str | None) -> Fetched:
        last = int(position or 0)
        headers = {"If-None-Match": self._etag[1]} if self._etag and self._etag[0] == last else {}
        response = self.client.get("/v1/hendelser/feed", params={"seq": last + 1}, headers=headers)
        if response.status_code == 304:
            return Fetched(lag=0)
        if response.status_code == 406:
            raise StewardNeeded(
                f"{SOURCE}: the cursor ({last}) is older than Folkeregisteret keeps events "
                "(HTTP 406): nothing was written. Take a new baseline: "
                "`grunndata follow freg --baseline`"
            )
        if response.status_code != 200:
            raise StewardNeeded(f"{SOURCE}: the feed answered HTTP {response.status_code}")
        events = read_page(response, last + 1)
        if not events:
            if etag := response.headers.get("ETag"):
                self._etag = (last, etag)
            return Fetched(lag=self._lag(last))
        return Fetched(batch=self._batch(events, last))

    @staticmethod
    def _label(events: list[tuple[int, str, str]]) -> str:
        return f"{SOURCE} feed {events[0][0]}-{events[-1][0]}"

    def _lag(self, last: int) -> int | None:
        response = self.client.get("/v1/hendelser/siste/sekvensnummer")
        text = response.text.strip().strip('"')
        return max(int(text) - last, 0) if response.status_code == 200 and text.isdigit() else None

    def _batch(self, events: list[tuple[int, str, str]], last: int) -> Batch:
        warnings = []
        expected = last + 1
        for number, _, _ in events:
            if number != expected:
                warnings.append((f"seq {expected}", f"gap: sequence numbers {expected}-"
                                 f"{number - 1} are not in the feed"))  # fmt: skip
            expected = number + 1
        seq_of: dict[str, int] = {}
        for number, ident, _ in events:
            seq_of[ident] = number  # the person's last event on the page names it
        documents, locations = [], []
        for document in self._documents(list(seq_of)):
            numbers = _numbers(document)
            seqs = [seq_of[n] for n in numbers if n in seq_of]
            locations.append(f"seq {max(seqs)}" if seqs else "seq ?")
            documents.append(document)
        found = {n for d in documents for n in _numbers(d)}
        for ident, number in seq_of.items():
            if ident not in found:
                warnings.append((f"seq {number}", f"{ident}: Folkeregisteret returned no document"))
        unknown = sorted({t for _, _, t in events if t not in KNOWN_TYPES})
        if unknown:
            log.info("%s: event types fetched again as any other: %s", SOURCE, ", ".join(unknown))
        return Batch(
            source=SOURCE, label=self._label(events), fmt=FORMAT,
            payload=json.dumps(documents, ensure_ascii=False).encode(),
            fra=str(events[0][0]), til=str(events[-1][0]), locations=locations, warnings=warnings,
            start=str(last),
        )  # fmt: skip

    def baseline(self) -> int | None:
        """Load the complete extract first (``uttrekk.baseline``)."""
        return baseline(self)

    def documents(self, idents: list[str]) -> list[dict[str, Any]]:
        return list(self._documents(idents))

    def save(self, posisjon: str | None, progress: dict[str, Any] | None) -> None:
        with connect(self.database.app_url) as conn, conn.transaction():
            state.advance(conn, SOURCE, posisjon, baseline=progress)

    def cursor(self) -> state.Kilde:
        return self._cursor()


def _numbers(document: Any) -> list[str]:
    if not isinstance(document, dict):
        return []
    return [
        str(i.get("foedselsEllerDNummer"))
        for i in document.get("identifikasjonsnummer") or []
        if isinstance(i, dict)
    ]


#: Event types of the 2.2.6 OpenAPI, as the wire spells them; any other is fetched again too.
KNOWN_TYPES = frozenset({
    "personErOpprettet", "personErBosatt", "personErDoed", "personErUtflyttet",
    "personErOpphoert", "personErReaktivert", "innflytting", "endringIBostedsadresse",
    "endringINavn", "endringISivilstand", "endringIFamilierelasjon", "endringIAdressebeskyttelse",
    "endringIIdentifikasjonsnummer", "endringIStatsborgerskap", "endringIUtflytting",
    "endringIStatus", "endringIDoedsfall", "endringIForeldreansvar", "endringIKjoenn",
})  # fmt: skip


def follower(
    database: Database, settings: FollowSettings, stop: threading.Event,
    echo: Callable[[str], None],
) -> FregFollower:  # fmt: skip
    """``grunndata follow freg``: GRUNNDATA_FREG_URL, with a Maskinporten token when
    GRUNNDATA_MASKINPORTEN_TOKEN_URL is set (else no Authorization header)."""
    if settings.freg_url is None:
        raise SetupError(
            "GRUNNDATA_FREG_URL is not set: the base URL up to and including the "
            "rettighetspakke's /api (e.g. …/folkeregisteret/offentlig-med-hjemmel/api)."
        )
    auth = None
    if settings.maskinporten.token_url:
        auth = Maskinporten(settings.maskinporten, timeout_s=settings.timeout_s).headers
    client = SourceClient(
        SOURCE, settings.freg_url, settings, auth=auth, retry_after_unit=0.001, stop=stop
    )
    return FregFollower(database, client, stop, echo)
