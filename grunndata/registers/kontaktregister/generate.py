"""KRR's part of ``grunndata fixtures generate``: an entry for each generated person that
agrees with the person's life events (as Folkeregisteret's document does), written as
KRR's lookup answers (JSON Lines, up to 1 000 persons an answer) to
``kontaktregister/kontaktinformasjon.jsonl``.

- the dead are ``SLETTET`` (KRR deletes their details); children under 13 have no entry
  (``IKKE_REGISTRERT``);
- an emigrated person's details were last updated before they left;
- of the others, about one in ten is reserved, one in six has details older than 18
  months (``KAN_IKKE_VARSLES``), two in five have a digital mailbox, and one mailbox in
  ten has a certificate that has expired.

Its random numbers are its own (seeded by the seed), so the other registers' files are
the same bytes with or without it.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from grunndata.fixtures.facts import Person
from grunndata.fixtures.hooks import FixtureFiles
from grunndata.registers.kontaktregister import sertifikater

OSLO = ZoneInfo("Europe/Oslo")
ANSWER = 1000
FILE = "kontaktregister/kontaktinformasjon.jsonl"
PROVIDERS = (
    ("digipost", "digitalpost.digipost.no", sertifikater.DIGIPOST),
    ("eboks", "digitalpost.e-boks.no", sertifikater.EBOKS),
)


class KrrFixtures:
    def __init__(self, files: FixtureFiles) -> None:
        self.out: TextIO = files.open(FILE)
        self.rng = random.Random(f"kontaktregister:{files.seed}")
        self.today = dt.datetime.combine(files.today, dt.time(6), OSLO)
        self.in_answer = 0
        self.counts = {"entries": 0, "slettet": 0, "reservert": 0, "utdatert": 0, "utlopt": 0}

    def person(self, person: Person) -> None:
        entry = self._entry(person)
        if entry is None:
            return
        self.counts["entries"] += 1
        self.out.write(('{"personer": [' if not self.in_answer else ", ") + json.dumps(
            entry, ensure_ascii=False))  # fmt: skip
        self.in_answer += 1
        if self.in_answer == ANSWER:
            self._flush()

    def close(self) -> str:
        self._flush()
        c = self.counts
        return (
            f"Kontakt- og reservasjonsregisteret ({FILE}): {c['entries']} entries, "
            f"{c['slettet']} of dead persons (SLETTET), {c['reservert']} reserved, "
            f"{c['utdatert']} with details older than 18 months, {c['utlopt']} mailboxes "
            "with an expired certificate."
        )

    def _flush(self) -> None:
        """End the answer being written (streamed: one entry at a time in memory)."""
        if self.in_answer:
            self.out.write("]}\n")
            self.in_answer = 0

    def _stamp(self, days_ago: int) -> str:
        moment = self.today - dt.timedelta(days=days_ago, minutes=self.rng.randint(0, 600))
        return moment.isoformat()

    def _entry(self, person: Person) -> dict[str, Any] | None:
        p = person.p
        if (self.today.date() - dt.date.fromisoformat(p.born)).days < 13 * 365:
            return None
        entry: dict[str, Any] = {"personidentifikator": p.nummer}
        rng = self.rng
        if p.doed:
            self.counts["slettet"] += 1
            return entry | {"status": "SLETTET", "reservasjon": "NEI"}
        left = dt.date.fromisoformat(p.utflyttet[0]) if p.utflyttet else None
        gone = (self.today.date() - left).days if left else 0
        stale = gone > 0 or rng.random() < 0.17
        days = gone + rng.randint(10, 900) if gone else rng.randint(560, 2500) if stale else None
        oppdatert = days if days is not None else rng.randint(30, 1500)
        verifisert = None if stale else rng.randint(1, min(oppdatert, 500))
        self.counts["utdatert"] += (
            stale and oppdatert > 548 and (verifisert is None or verifisert > 548)
        )
        kontakt = {
            "epostadresse": f"person{entry['personidentifikator'][-5:]}@eksempel.no",
            "epostadresse_oppdatert": self._stamp(oppdatert),
            "mobiltelefonnummer": f"+479{rng.randint(1000000, 9999999)}",
            "mobiltelefonnummer_oppdatert": self._stamp(oppdatert + rng.randint(0, 40)),
        }
        if verifisert is not None:
            kontakt["epostadresse_sist_verifisert"] = self._stamp(verifisert)
            kontakt["mobiltelefonnummer_sist_verifisert"] = self._stamp(verifisert)
        reservert = not stale and rng.random() < 0.1
        self.counts["reservert"] += reservert
        entry |= {"status": "AKTIV", "reservasjon": "JA" if reservert else "NEI"}
        entry["reservasjon_oppdatert"] = self._stamp(rng.randint(oppdatert, oppdatert + 300))
        if reservert:
            entry["reservasjonstidspunkt"] = entry["reservasjon_oppdatert"]
        entry["kontaktinformasjon"] = kontakt
        if not reservert and rng.random() < 0.4:
            name, address, certificate = rng.choice(PROVIDERS)
            if name == "digipost" and rng.random() < 0.1:
                certificate = sertifikater.DIGIPOST_UTLOPT
                self.counts["utlopt"] += 1
            entry["postkasseadresse"] = f"{name}#{entry['personidentifikator'][-6:]}"
            entry["postkasseleverandoeradresse"] = address
            entry["sertifikat"] = certificate
        spraak = rng.choices(("nb", "nn", "en", "se"), (85, 10, 4, 1))[0]
        entry |= {"spraak": spraak, "spraak_oppdatert": self._stamp(oppdatert)}
        return entry


def fixtures(files: FixtureFiles) -> KrrFixtures:
    """``Register.fixtures``: the factory the generator calls."""
    return KrrFixtures(files)
