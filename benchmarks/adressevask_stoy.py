"""A labelled set for address washing: official addresses written the way people type them.

Each noise type makes one kind of mistake (``STOY``); ``merket`` makes ``n`` cases from
Kartverket-format rows, deterministically from a seed. Every text keeps the postnummer
and/or the poststed, as agencies' registers do (a street and number alone can be several
addresses in the country, and then no one could say which is right).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

ASCII = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "AE", "Ø": "O", "Å": "A"})
ASCII_DOBBEL = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})
FORKORT = (("veien", ("vn.", "v.", "vn", "vegen", "veg")), ("vegen", ("vn.", "veien", "v.")),
           ("gata", ("gt.", "g.", "gt", "gate", "gaten")), ("gate", ("gt.", "gata")))  # fmt: skip


@dataclass(frozen=True)
class Tilfelle:
    tekst: str
    adresse_id: str
    stoy: str
    #: The text fits another address as well as this one (``tvetydig``): the right
    #: answer is then category C, with this address among the candidates.
    tvetydig: bool = False


def tvetydig(tekst: str, row: dict[str, str]) -> bool:
    """Whether ``tekst`` cannot tell the row from a twin: another address with the same
    number and letter in the same poststed, on a street whose name differs only in
    spelling (``Xveien`` and ``Xvegen``; ``row["tvillinger"]``, from the database), when
    the text has not the row's postnummer nor the letters that tell the names apart.
    """
    twins = [t for t in row.get("tvillinger", "").split("|") if t]
    if not twins or row["postnummer"] in tekst:
        return False
    words = tekst.lower().replace(".", " ").replace(",", " ").split()
    name = row["adressenavn"].lower()
    for twin in twins:
        common = 0
        while common < min(len(name), len(twin)) and name[common] == twin.lower()[common]:
            common += 1
        tail = name[common:]
        if not tail or not any(word.endswith(tail) for word in words):
            return True
    return False


def _typo(rng: random.Random, navn: str, kind: str) -> str:
    """One letter of the name (not its first) swapped with the next, dropped or doubled."""
    letters = [i for i in range(1, len(navn) - 1) if navn[i].isalpha() and navn[i + 1].isalpha()]
    if not letters:
        return navn
    i = rng.choice(letters)
    if kind == "ombytting":
        return navn[:i] + navn[i + 1] + navn[i] + navn[i + 2 :]
    if kind == "manglende":
        return navn[:i] + navn[i + 1 :]
    return navn[:i] + navn[i] + navn[i:]


def _abbreviated(rng: random.Random, navn: str) -> str:
    for ending, short in FORKORT:
        if navn.lower().endswith(ending):
            return navn[: -len(ending)] + rng.choice(short)
    return navn


def _place(rng: random.Random, row: dict[str, str], comma: bool) -> str:
    post, sted = row["postnummer"], row["poststed"].title()
    sep = ", " if comma else " "
    return rng.choice([f"{post} {sted}", post, sted, f"{post}{sep}{sted}"])


def _compose(rng: random.Random, row: dict[str, str], navn: str, place: str | None = None) -> str:
    number = f"{row['nummer']}{rng.choice(['', ' '])}{row['bokstav']}".strip()
    comma = rng.random() < 0.5
    where = place if place is not None else _place(rng, row, comma)
    street = f"{navn} {number}"
    if rng.random() < 0.15:
        return f"{where}{', ' if comma else ' '}{street}"
    return f"{street}{', ' if comma else ' '}{where}"


def _wrong_postnummer(rng: random.Random, row: dict[str, str]) -> str:
    post = row["postnummer"]
    wrong = f"{(int(post) + rng.choice([-1, 1, 10])) % 10000:04d}"
    return f"{wrong} {row['poststed'].title()}"


Noise = Callable[[random.Random, dict[str, str]], str]
STOY: dict[str, Noise] = {
    "ren": lambda rng, r: _compose(rng, r, r["adressenavn"]),
    "små bokstaver": lambda rng, r: _compose(rng, r, r["adressenavn"]).lower(),
    "uten æøå": lambda rng, r: _compose(rng, r, r["adressenavn"].translate(ASCII)),
    "aa/oe/ae": lambda rng, r: _compose(rng, r, r["adressenavn"].translate(ASCII_DOBBEL)),
    "forkortelse": lambda rng, r: _compose(rng, r, _abbreviated(rng, r["adressenavn"])),
    "ombytting": lambda rng, r: _compose(rng, r, _typo(rng, r["adressenavn"], "ombytting")),
    "manglende bokstav": lambda rng, r: _compose(rng, r, _typo(rng, r["adressenavn"], "manglende")),
    "dobbel bokstav": lambda rng, r: _compose(rng, r, _typo(rng, r["adressenavn"], "dobbel")),
    "feil postnummer": lambda rng, r: _compose(rng, r, r["adressenavn"], _wrong_postnummer(rng, r)),
    "mellomrom og tegn": lambda rng, r: re.sub(
        " ", lambda _: rng.choice(["  ", " ", " . ", ",  "]), _compose(rng, r, r["adressenavn"])
    ),
    "blandet": lambda rng, r: _compose(
        rng, r, _typo(rng, _abbreviated(rng, r["adressenavn"].translate(ASCII)), "ombytting")
    ).lower(),
}  # fmt: skip


def merket(rows: Sequence[dict[str, str]], n: int, seed: int = 22) -> list[Tilfelle]:
    """``n`` cases per noise type from the vegadresser among ``rows`` (Kartverket's CSV
    columns, and ``tvillinger``), each naming the row's adresseId."""
    rng = random.Random(seed)
    veg = [r for r in rows if r["adressenavn"] and r["nummer"]]
    cases = []
    for name, noise in STOY.items():
        for row in rng.sample(veg, min(n, len(veg))):
            text = noise(rng, row)
            ident = row["adresseId"] or row["lokalid"]
            cases.append(Tilfelle(text, ident, name, tvetydig(text, row)))
    return cases
