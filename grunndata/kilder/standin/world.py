"""The stand-ins' scripted world: a small Norway from the generator, then days of change.

The generator (``grunndata.fixtures.generate``) makes the persons, addresses, units and
roles; ``World.day()`` then applies one scripted day: births, moves, name changes,
marriages, deaths, emigration, arrivals with a D-nummer and a D-nummer replaced by a
fødselsnummer, a person becoming ``strengtFortrolig``; new, changed, deleted and
withdrawn units and board changes. Each change is an event in Folkeregisteret's feed or an
update in Brønnøysund's, as the sources publish them. The same seed gives the same world.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import uuid
from array import array
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from grunndata.fixtures.facts import Branch, Business, P, Roles
from grunndata.fixtures.generate import TODAY, Adresse, Block, Identifiers, Person
from grunndata.fixtures.generate import World as Generator
from grunndata.fixtures.names import ETTERNAVN, FORNAVN_KVINNE, FORNAVN_MANN
from grunndata.registers.enhetsregister.fixtures import enhet, roller, underenhet
from grunndata.registers.folkeregister.persondokument import persondokument
from grunndata.registers.folkeregister.tidsstempel import recorded, stamp


class _Identifiers(Identifiers):
    """The generator's identifiers, for births up to a year after its day."""

    def __init__(self) -> None:
        days = (TODAY - self.FIRST_DAY).days + 366
        self._next = {False: array("H", bytes(2 * days)), True: array("H", bytes(2 * days))}


class _Capture:
    """The generator's writers, keeping what concerns the followed registers (their units
    and roles, written as Enhetsregisteret's part of the generator writes them; the persons
    are kept as ``Block.persons``)."""

    def __init__(self) -> None:
        self.enheter: list[dict[str, Any]] = []
        self.underenheter: list[dict[str, Any]] = []
        self.roller: list[dict[str, Any]] = []

    def person(self, person: Person) -> None:
        pass

    def lot(self, lot: object) -> None:
        pass

    def business(self, business: Business) -> None:
        self.enheter.append(enhet(business))

    def branch(self, branch: Branch) -> None:
        self.underenheter.append(underenhet(branch))

    def roles(self, roles: Roles) -> None:
        self.roller.append(roller(roles))


@dataclass
class Freg:
    """Folkeregisteret's side: persons by every identifier they held, and the feed."""

    people: dict[str, Person] = field(default_factory=dict)
    alias: dict[str, str] = field(default_factory=dict)
    feed: list[dict[str, Any]] = field(default_factory=list)
    _docs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def current(self, ident: str) -> str | None:
        return self.alias.get(ident, ident if ident in self.people else None)

    def document(self, ident: str) -> dict[str, Any] | None:
        nummer = self.current(ident)
        if nummer is None:
            return None
        if nummer not in self._docs:
            self._docs[nummer] = persondokument(self.people[nummer].p)
        return self._docs[nummer]

    def event(self, nummer: str, hendelsetype: str, day: str) -> None:
        self._docs.pop(nummer, None)
        self.feed.append({
            "sekvensnummer": len(self.feed) + 1,
            "hendelse": {
                "folkeregisteridentifikator": nummer,
                "hendelsetype": hendelsetype,
                "hendelsesdokument": str(uuid.uuid4()),
                "persondokument": str(uuid.uuid4()),
                "ajourholdstidspunkt": stamp(recorded(day)),
            },
        })  # fmt: skip


@dataclass
class Brreg:
    """Brønnøysund's side: units, their roles, and the two update lists and role events."""

    units: dict[str, dict[str, Any]] = field(default_factory=dict)
    underenhet: set[str] = field(default_factory=set)
    roller: dict[str, dict[str, Any]] = field(default_factory=dict)
    withdrawn: set[str] = field(default_factory=set)
    updates: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {"enheter": [], "underenheter": []}
    )
    rolle_events: list[dict[str, Any]] = field(default_factory=list)

    def update(self, orgnr: str, endringstype: str) -> None:
        kind = "underenheter" if orgnr in self.underenhet else "enheter"
        entries = self.updates[kind]
        entries.append({
            "oppdateringsid": len(entries) + 1,
            "dato": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "organisasjonsnummer": orgnr,
            "endringstype": endringstype,
        })  # fmt: skip

    def rolle_event(self, orgnr: str) -> None:
        self.rolle_events.append({
            "specversion": "1.0",
            "id": str(len(self.rolle_events) + 1),
            "source": "https://data.brreg.no/enhetsregisteret/api/roller",
            "type": "no.brreg.enhetsregisteret.rolle.oppdatert",
            "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "datacontenttype": "application/json",
            "data": {"organisasjonsnummer": orgnr},
        })  # fmt: skip

    def visible(self, orgnr: str) -> dict[str, Any] | None:
        return None if orgnr in self.withdrawn else self.units.get(orgnr)


class World:
    """Both sources' state; ``day()`` applies the next scripted day of change."""

    def __init__(self, persons: int, seed: int = 0, *, changes_per_day: int = 20) -> None:
        self.seed, self.changes = seed, changes_per_day
        self.generator = Generator(seed)
        self.generator.ids = _Identifiers()
        self.freg, self.brreg = Freg(), Brreg()
        self.adresser: list[Adresse] = []
        self.today = TODAY
        self.days = 0
        capture, made, number = _Capture(), 0, 0
        while made < persons:
            block = Block(self.generator, number, random.Random(f"{seed}/{number}"), capture)
            made += block.make(persons - made)
            self.adresser += [a for lot in block.lots for a in lot.adresser]
            for person in block.persons:
                self.freg.people[person.p.nummer] = person
                if person.p.dnummer:
                    self.freg.alias[person.p.dnummer[0]] = person.p.nummer
            number += 1
        for person in self.freg.people.values():
            self.freg.event(person.p.nummer, "personErOpprettet", person.p.born)
        for record in capture.enheter:
            self._add_unit(record, False)
        for record in capture.underenheter:
            self._add_unit(record, True)
        for document in capture.roller:
            self.brreg.roller[document["organisasjonsnummer"]] = _roller_doc(document)
            self.brreg.rolle_event(document["organisasjonsnummer"])

    def _add_unit(self, record: dict[str, Any], underenhet: bool) -> None:
        orgnr = record["organisasjonsnummer"]
        self.brreg.units[orgnr] = record
        if underenhet:
            self.brreg.underenhet.add(orgnr)
        self.brreg.update(orgnr, "Ny")

    # -- a day -----------------------------------------------------------------------------
    def day(self, unknown_types: int = 2) -> None:
        """One scripted day: ``changes_per_day`` changes of each register, a few events
        of a type newer than the OpenAPI (``personErOppdatert``) among them."""
        self.days += 1
        self.today = TODAY + dt.timedelta(days=self.days)
        rng = random.Random(f"{self.seed}/day/{self.days}")
        freg = (self._birth, self._move, self._name, self._marriage, self._death,
                self._emigration, self._arrival, self._fnr, self._graded)  # fmt: skip
        for i in range(self.changes):
            freg[i % len(freg)](rng)
        everyone = sorted(self.freg.people)
        for _ in range(unknown_types):
            self.freg.event(rng.choice(everyone), "personErOppdatert", self.today.isoformat())
        brreg = (self._new_unit, self._changed_unit, self._deleted_unit, self._withdrawn_unit,
                 self._board)  # fmt: skip
        for i in range(self.changes):
            brreg[i % len(brreg)](rng)

    @property
    def _day(self) -> str:
        return self.today.isoformat()

    def _living(self, rng: random.Random, test: Any = None) -> Person | None:
        candidates = [
            p for p in self.freg.people.values()
            if p.alive_here and p.current is not None and (test is None or test(p))
        ]  # fmt: skip
        return rng.choice(candidates) if candidates else None

    def _adult(self, p: Person) -> bool:
        return int(p.p.born[:4]) <= self.today.year - 20

    def _new_person(self, rng: random.Random, born: dt.date, d_nummer: bool = False) -> Person:
        nummer, _ = self.generator.ids.allocate(born, d_nummer=d_nummer)
        kjoenn = rng.choice(("kvinne", "mann"))
        fornavn = rng.choice(FORNAVN_KVINNE if kjoenn == "kvinne" else FORNAVN_MANN)
        person = Person(P(nummer, born.isoformat(), fornavn, rng.choice(ETTERNAVN), kjoenn))
        self.freg.people[nummer] = person
        return person

    def _settle(self, person: Person, adresse: Adresse) -> None:
        person.p.moves.append((self._day, adresse.bosted()))
        person.current = adresse

    def _birth(self, rng: random.Random) -> None:
        mother = self._living(rng, lambda p: p.p.kjoenn == "kvinne" and self._adult(p))
        if mother is None or mother.current is None:
            return
        child = self._new_person(rng, self.today)
        child.p.parents = [("mor", mother.p.nummer)]
        child.p.foedekommune = mother.current.kommunenummer
        self._settle(child, mother.current)
        mother.p.children.append((child.p.nummer, self._day, "mor"))
        self.freg.event(child.p.nummer, "personErOpprettet", self._day)
        self.freg.event(mother.p.nummer, "endringIFamilierelasjon", self._day)

    def _move(self, rng: random.Random) -> None:
        if (person := self._living(rng)) is not None:
            self._settle(person, rng.choice(self.adresser))
            self.freg.event(person.p.nummer, "endringIBostedsadresse", self._day)

    def _name(self, rng: random.Random) -> None:
        if (person := self._living(rng, self._adult)) is not None:
            person.p.names.append((self._day, rng.choice(ETTERNAVN)))
            self.freg.event(person.p.nummer, "endringINavn", self._day)

    def _unmarried(self, p: Person) -> bool:
        last = p.p.sivilstand[-1][1] if p.p.sivilstand else "ugift"
        return self._adult(p) and last == "ugift"

    def _marriage(self, rng: random.Random) -> None:
        one = self._living(rng, lambda p: self._unmarried(p) and p.p.kjoenn == "kvinne")
        other = self._living(rng, lambda p: self._unmarried(p) and p.p.kjoenn == "mann")
        if one is None or other is None:
            return
        for a, b in ((one, other), (other, one)):
            a.p.sivilstand.append((self._day, "gift", b.p.nummer))
            a.p.spouses.append((b.p.nummer, self._day, None))
            self.freg.event(a.p.nummer, "endringISivilstand", self._day)

    def _death(self, rng: random.Random) -> None:
        if (person := self._living(rng, self._adult)) is None:
            return
        person.p.doed, person.alive_here = self._day, False
        for nummer, _, end in person.p.spouses:
            spouse = self.freg.people.get(self.freg.current(nummer) or "")
            if end is None and spouse is not None and not spouse.p.doed:
                spouse.p.sivilstand.append((self._day, "enkeEllerEnkemann", None))
                self.freg.event(spouse.p.nummer, "endringISivilstand", self._day)
        self.freg.event(person.p.nummer, "personErDoed", self._day)

    def _emigration(self, rng: random.Random) -> None:
        if (person := self._living(rng, self._adult)) is not None:
            person.p.utflyttet, person.alive_here = (self._day, "SWE"), False
            self.freg.event(person.p.nummer, "personErUtflyttet", self._day)

    def _arrival(self, rng: random.Random) -> None:
        born = self.today - dt.timedelta(days=365 * rng.randint(20, 40))
        person = self._new_person(rng, born, d_nummer=True)
        person.p.foedeland = "POL"
        person.p.statsborgerskap = [(born.isoformat(), "POL")]
        self._settle(person, rng.choice(self.adresser))
        self.freg.event(person.p.nummer, "innflytting", self._day)

    def _fnr(self, rng: random.Random) -> None:
        """A D-nummer replaced by a fødselsnummer (from the day's arrivals and earlier)."""
        person = self._living(rng, lambda p: p.p.nummer[0] in "4567" and not p.p.dnummer)
        if person is None:
            return
        dnr = person.p.nummer
        arrived = person.p.moves[0][0]
        fnr, _ = self.generator.ids.allocate(dt.date.fromisoformat(person.p.born))
        person.p.dnummer, person.p.nummer = (dnr, arrived, self._day), fnr
        del self.freg.people[dnr]
        self.freg._docs.pop(dnr, None)
        self.freg.people[fnr] = person
        self.freg.alias[dnr] = fnr
        self.freg.event(fnr, "endringIIdentifikasjonsnummer", self._day)

    def _graded(self, rng: random.Random) -> None:
        if (person := self._living(rng, self._adult)) is not None:
            person.p.gradering = (self._day, "strengtFortrolig")
            person.p.moves.append((self._day, "strengtFortrolig"))
            person.current, person.alive_here = None, False
            self.freg.event(person.p.nummer, "endringIAdressebeskyttelse", self._day)

    # -- Brønnøysund ------------------------------------------------------------------------
    def _units(self, rng: random.Random, underenhet: bool | None = None) -> str | None:
        b = self.brreg
        candidates = sorted(
            o for o, r in b.units.items()
            if o not in b.withdrawn and not r.get("slettedato")
            and (underenhet is None or (o in b.underenhet) == underenhet)
        )  # fmt: skip
        return rng.choice(candidates) if candidates else None

    def _new_unit(self, rng: random.Random) -> None:
        model = self._units(rng, underenhet=rng.random() < 0.3)
        if model is None:
            return
        record = copy.deepcopy(self.brreg.units[model])
        orgnr = next(self.generator.orgnr)
        record |= {"organisasjonsnummer": orgnr, "navn": f"NY {rng.randint(1, 99999)} AS",
                   "registreringsdatoEnhetsregisteret": self._day}  # fmt: skip
        record["_links"] = {"self": {"href": f"https://data.brreg.no/x/{orgnr}"}}
        self._add_unit(record, model in self.brreg.underenhet)
        if model not in self.brreg.underenhet:
            holder = self._living(rng, self._adult)
            if holder is not None:
                self.brreg.roller[orgnr] = _board(orgnr, holder, self._day)
                self.brreg.rolle_event(orgnr)

    def _changed_unit(self, rng: random.Random) -> None:
        if (orgnr := self._units(rng)) is not None:
            record = self.brreg.units[orgnr]
            record["antallAnsatte"] = rng.randint(0, 500)
            record["navn"] = f"{record['navn'].split(' ENDRET')[0]} ENDRET {self.days}"
            self.brreg.update(orgnr, "Endring")

    def _deleted_unit(self, rng: random.Random) -> None:
        if (orgnr := self._units(rng)) is not None:
            self.brreg.units[orgnr]["slettedato"] = self._day
            self.brreg.update(orgnr, "Sletting")

    def _withdrawn_unit(self, rng: random.Random) -> None:
        if (orgnr := self._units(rng)) is not None:
            self.brreg.withdrawn.add(orgnr)
            self.brreg.update(orgnr, "Fjernet")

    def _board(self, rng: random.Random) -> None:
        orgnrs = sorted(o for o in self.brreg.roller if o not in self.brreg.withdrawn)
        holder = self._living(rng, self._adult)
        if orgnrs and holder is not None:
            orgnr = rng.choice(orgnrs)
            self.brreg.roller[orgnr] = _board(orgnr, holder, self._day)
            self.brreg.rolle_event(orgnr)


def _roller_doc(document: dict[str, Any]) -> dict[str, Any]:
    """A roller document as ``/enheter/{orgnr}/roller`` answers it."""
    orgnr = document["organisasjonsnummer"]
    return {
        "rollegrupper": document["rollegrupper"],
        "_links": {
            "enhet": {"href": f"https://data.brreg.no/enhetsregisteret/api/enheter/{orgnr}"}
        },
    }


def _board(orgnr: str, leder: Person, day: str) -> dict[str, Any]:
    fornavn, etternavn = leder.navn
    role = {
        "type": {"kode": "LEDE", "beskrivelse": "Styrets leder"},
        "person": {"fodselsnummer": leder.p.nummer, "fodselsdato": leder.p.born,
                   "navn": {"fornavn": fornavn, "etternavn": etternavn}, "erDoed": False},
        "fratraadt": False,
        "rekkefolge": 0,
    }  # fmt: skip
    group = {"type": {"kode": "STYR", "beskrivelse": "Styre"}, "sistEndret": day,
             "roller": [role]}  # fmt: skip
    return _roller_doc({"organisasjonsnummer": orgnr, "rollegrupper": [group]})
