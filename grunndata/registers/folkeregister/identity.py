"""Which person a document is of, and the documents that would merge two persons.

Identity is never merged silently. A document is of the person its identifiers already
belong to (stored, or a document earlier in the same batch), or of a new person. It is
rejected, naming both persons, when

- its identifiers belong to more than one person, or
- it shares an identifier with a person but names none of that person's current
  identifiers and brings identifiers the person never held: it would move the shared
  identifier (a D-nummer, say) from that person to another one.

Folkeregisteret records a change of identifier in the document itself: the old number
(``opphoert``) beside the new one. Such a document names the person's current identifier,
so it is taken. A document whose identifiers all belong to the person already (an older
document of the same person) is taken too; its age is judged by the extract order.

The batch is decided in document order after the register's load lock is taken, so a
concurrent load sees every person the other one stored and the rule holds across loads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import psycopg

from grunndata.registers.folkeregister.document import PersonDocument

#: Per stored person of the batch's identifiers: every identifier it holds, its current
#: ones (in use, still held by its newest document) and the time of its newest version.
STORED = """
SELECT p.person_id,
       array(SELECT identifikasjonsnummer FROM folkeregister.identifikator
             WHERE person_id = p.person_id),
       array(SELECT v.data->>'foedselsEllerDNummer' FROM folkeregister.versjon v
             WHERE v.person_id = p.person_id AND v.element = 'identifikasjonsnummer'
               AND v.fjernet IS NULL AND v.data->>'status' = 'iBruk'
               AND v.er_gjeldende IS NOT FALSE AND v.tilbakefort_av IS NULL),
       (SELECT max(ajourholdstidspunkt) FROM folkeregister.versjon
        WHERE person_id = p.person_id AND tilbakefort_av IS NULL)
FROM (SELECT DISTINCT person_id FROM folkeregister.identifikator
      WHERE identifikasjonsnummer = ANY(%s)) p
"""


@dataclass
class Person:
    """A person as the batch knows it: stored (``person_id``) or new in this batch."""

    person_id: int | None
    ids: set[str]
    current: set[str]
    time: dt.datetime | None
    label: str = field(default="")

    def named(self) -> str:
        shown = ", ".join(sorted(self.current or self.ids))
        return f"{self.label} (current identifier {shown})"


def stored_persons(conn: psycopg.Connection, numbers: Sequence[str]) -> dict[str, Person]:
    """The stored persons holding any of ``numbers``, by each identifier they hold."""
    by_number: dict[str, Person] = {}
    for person_id, ids, current, time in conn.execute(STORED, [list(numbers)]):
        person = Person(person_id, set(ids), set(current) or set(ids), time,
                        f"stored person {person_id}")  # fmt: skip
        for number in person.ids:
            by_number[number] = person
    return by_number


def conflict(document: PersonDocument, owners: list[Person]) -> str | None:
    """Why ``document`` may not be taken as the person(s) in ``owners``; None if it may."""
    if len(owners) > 1:
        shown = " and ".join(person.named() for person in owners)
        return f"its identifiers belong to different persons: {shown}"
    if not owners:
        return None
    person = owners[0]
    ids = set(document.identifikatorer)
    if person.current & ids or ids <= person.ids:
        return None
    shared = ", ".join(sorted(ids & person.ids))
    return (
        f"identifier {shared} belongs to {person.named()}, and this document of "
        f"{document.identifikasjonsnummer} names none of that person's current identifiers: "
        "it would move the identifier from one person to another (a change of identifier "
        "is recorded with the old number beside the new one)"
    )


def assign(
    documents: Sequence[PersonDocument],
    stored: dict[str, Person],
    reject: Callable[[PersonDocument, str], None],
) -> list[tuple[int, Person]]:
    """(document index, its person) for every document that may be taken; the others go
    to ``reject`` with the reason. Documents are decided in order: an earlier one of the
    batch counts as stored for a later one."""
    known = dict(stored)
    taken: list[tuple[int, Person]] = []
    for index, document in enumerate(documents):
        owners = list({id(known[n]): known[n] for n in document.identifikatorer if n in known}
                      .values())  # fmt: skip
        reason = conflict(document, owners)
        if reason is not None:
            reject(document, reason)
            continue
        if owners:
            person = owners[0]
        else:
            person = Person(None, set(), set(), None, f"the person of {document.location}")
        person.ids |= set(document.identifikatorer)
        time, newest = person.time, document.ajourholdt
        if not person.current or newest is None or time is None or newest >= time:
            person.current, person.time = {document.identifikasjonsnummer}, newest or time
        for number in document.identifikatorer:
            known[number] = person
        taken.append((index, person))
    return taken
