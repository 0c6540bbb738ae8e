"""Norwegian address strings as people type them, taken apart.

Street name, number, letter, bruksenhetsnummer, postnummer and poststed (or kommune), in
any order, with or without commas, in any case; common abbreviations written out;
matrikkeladresser (``gnr 12 bnr 34``, ``12/34``); ``c/o`` lines set aside and a
``Postboks`` recognised (a post-office box is no Matrikkel address).

>>> tolk("Storgata 12 0150 Oslo")
Tolkning(gatenavn='Storgata', nummer=12, bokstav=None, postnummer='0150', sted='Oslo')
>>> tolk("0150 OSLO, storg. 12b")
Tolkning(gatenavn='storgata', nummer=12, bokstav='B', postnummer='0150', sted='OSLO')
>>> tolk("Tyrihansvn. 18 H0101").bruksenhetsnummer
'H0101'
>>> tolk("Tyrihansvn. 18 H0101").gatenavn
'Tyrihansveien'
>>> tolk("St. Olavs gt 3, Kristiansand S").gatenavn
'Sankt Olavs gate'
>>> t = tolk("gnr 97 bnr 90, 4204")
>>> (t.gardsnummer, t.bruksnummer, t.kommunenummer)
(97, 90, '4204')
>>> tolk("c/o Hansen, Postboks 123 Sentrum, 0150 Oslo").postboks
'123'
>>> tolk("0150 Oslo")
Tolkning(gatenavn=None, nummer=None, bokstav=None, postnummer='0150', sted='Oslo')
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass, field

from grunndata.registers.matrikkel.navneform import kompakt, sokeform
from grunndata.registers.matrikkel.strengavstand import avstand

_CO = re.compile(r"(?i)(?:^|(?<=[\s,;]))c\s*/\s*o\b[^,;\n]*")
_POSTBOKS = re.compile(r"(?i)\b(?:postboks|postb\.|pb\.?|p\.\s*b\.|boks)\s*(\d{1,6})\b")
_BRUKSENHET = re.compile(r"(?i)\b(?:leil(?:ighet)?\.?\s*(?:nr\.?\s*)?)?([HUKLB]\d{4})\b")
_GNR_BNR = re.compile(
    r"(?i)\bg(?:ards|årds)?nr\.?\s*(\d{1,5})\s*[,/]?\s*b(?:ruks)?nr\.?\s*(\d{1,4})"
    r"(?:\s*[,/]?\s*f(?:este)?nr\.?\s*(\d{1,4}))?"
)
_SKRASTREK = re.compile(r"(?<![\d/])\b(\d{1,5})\s*/\s*(\d{1,4})(?:\s*/\s*(\d{1,4}))?"
                        r"(?:\s*/\s*\d{1,4})?(?:\s*-\s*(\d{1,3}))?\b(?![\d/])")  # fmt: skip
#: Control characters (Unicode category Cc) but tab and line breaks.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SEGMENT = re.compile(r"[,;\n\r\t]+")
_TOKEN = re.compile(r"\d+[A-Za-zÆØÅæøåÄÖÜäöüÉé]?\.?|[^\W\d_][\w'.éÉ-]*", re.UNICODE)
_HUSNUMMER = re.compile(r"^(\d{1,5})([A-Za-zÆØÅæøå]?)$")
_LETTER = re.compile(r"^[A-Za-zÆØÅæøå]$")

#: Abbreviations as a whole word → what they stand for.
ORD: dict[str, str] = {
    "v.": "vei", "vn.": "vei", "vn": "vei", "gt.": "gate", "gt": "gate", "g.": "gate",
    "pl.": "plass", "br.": "brygge", "st.": "Sankt", "st": "Sankt", "sct.": "Sankt",
}  # fmt: skip
#: Abbreviations at the end of a compound (``Storg.``, ``Tyrihansvn.``) → the ending.
ENDELSER: tuple[tuple[str, str], ...] = (
    ("vn.", "veien"), ("vn", "veien"), ("v.", "veien"), ("gt.", "gata"), ("gt", "gata"),
    ("g.", "gata"), ("pl.", "plass"), ("br.", "brygge"),
)  # fmt: skip


@dataclass(frozen=True)
class Tolkning:
    """What a text says. ``sted`` is the words that name a place (poststed or kommune)."""

    gatenavn: str | None
    nummer: int | None
    bokstav: str | None
    postnummer: str | None
    sted: str | None
    bruksenhetsnummer: str | None = field(default=None, repr=False)
    kommunenummer: str | None = field(default=None, repr=False)
    gardsnummer: int | None = field(default=None, repr=False)
    bruksnummer: int | None = field(default=None, repr=False)
    festenummer: int | None = field(default=None, repr=False)
    undernummer: int | None = field(default=None, repr=False)
    postboks: str | None = field(default=None, repr=False)
    co: str | None = field(default=None, repr=False)
    forkortelser: tuple[str, ...] = field(default=(), repr=False)


def _strip(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" .,:;-/")


def _expand(words: list[str]) -> tuple[str | None, tuple[str, ...]]:
    """The street name with abbreviations written out, and the abbreviations it had."""
    out: list[str] = []
    used: list[str] = []
    for position, word in enumerate(words):
        low = word.lower()
        if low in ("st.", "st", "sct.") and (position > 0 or len(words) == 1):
            out.append(word)  # 'St.' is Sankt only in front of a name
            continue
        if low in ORD:
            out.append(ORD[low])
            used.append(word)
            continue
        for ending, full in ENDELSER:
            stem = word[: -len(ending)]
            if (
                low.endswith(ending)
                and len(stem) >= 3
                and (ending != "vn" or stem[-1] not in "aeAE")
            ):
                out.append(stem + full)
                used.append(word)
                break
        else:
            out.append(word if word[0].isdigit() else word.rstrip("."))
    name = _strip(" ".join(out))
    return name or None, tuple(used)


def _numbers(
    text: str,
) -> tuple[str, int | None, int | None, int | None, int | None, str | None]:
    """gnr/bnr/fnr/undernummer forms, taken out of ``text``."""
    for pattern in (_GNR_BNR, _SKRASTREK):
        match = pattern.search(text)
        if match:
            groups = [int(g) if g else None for g in match.groups()]
            while len(groups) < 4:
                groups.append(None)
            rest = text[: match.start()] + " " + text[match.end() :]
            return rest, groups[0], groups[1], groups[2], groups[3], match.group(0)
    return text, None, None, None, None, None


def tolk(tekst: str) -> Tolkning:
    """Take ``tekst`` apart (it never fails: what it cannot place is left out)."""
    text = unicodedata.normalize("NFC", tekst)
    text = _CONTROL.sub(" ", text)
    co, text = _co(text)
    boks = _POSTBOKS.search(text)
    text = _POSTBOKS.sub(" ", text)
    enhet = _BRUKSENHET.search(text)
    text = _BRUKSENHET.sub(" ", text)
    text, gnr, bnr, fnr, unr, _ = _numbers(text)
    text = re.sub(r"(?<=[^\W\d_]|\.)(?=\d)", " ", text)  # 'Storgata12', 'storg.12'
    tokens = [(t, n) for n, seg in enumerate(_SEGMENT.split(text)) for t in _tokens(seg)]
    taken: set[int] = set()
    nummer = bokstav = None
    street: list[int] = []
    at = None if gnr is not None else _house_number_at(tokens)
    if at is not None:
        match = _HUSNUMMER.match(tokens[at][0])
        assert match is not None
        nummer, bokstav = int(match[1]), match[2].upper() or None
        taken.add(at)
        if bokstav is None and at + 1 < len(tokens) and _LETTER.match(tokens[at + 1][0]):
            bokstav = tokens[at + 1][0].upper()
            taken.add(at + 1)
        street = _without_place(tokens, _run_before(tokens, at))
    elif gnr is None:
        street = _words_only_segment(tokens)
    taken.update(street)
    postnummer = None
    places: list[str] = []
    kommunenummer = None
    for i, (token, _) in enumerate(tokens):
        if i in taken:
            continue
        if re.fullmatch(r"\d{4}", token) and gnr is not None:
            kommunenummer = kommunenummer or token  # with a matrikkeladresse
        elif re.fullmatch(r"\d{4}", token) and postnummer is None:
            postnummer = token
        elif not token[0].isdigit():
            places.append(token)
    street_words = [tokens[i][0] for i in street]
    gatenavn, used = _expand(street_words)
    sted = _strip(" ".join(places)) or None
    return Tolkning(
        gatenavn=gatenavn, nummer=nummer, bokstav=bokstav, postnummer=postnummer, sted=sted,
        bruksenhetsnummer=enhet[1].upper() if enhet else None, kommunenummer=kommunenummer,
        gardsnummer=gnr, bruksnummer=bnr, festenummer=fnr, undernummer=unr,
        postboks=boks[1] if boks else None, co=co,
        forkortelser=used,
    )  # fmt: skip


#: First words that belong to a street name, not to a place before it.
_STREET_START = {
    "ovre", "nedre", "store", "lille", "gamle", "nye", "vestre", "ostre", "nordre", "sondre",
    "sankt", "st", "st.", "kong", "dronning", "prof.", "prof", "professor",
}  # fmt: skip


def _street_start(word: str) -> bool:
    """A word that begins a street name (``Øvre``), also as ``Oevre`` or one letter off
    (``Nedrre``) when it is long enough to tell."""
    form = kompakt(word)
    if sokeform(word) in _STREET_START or form in _STREET_START:
        return True
    return (
        len(form) >= 4
        and sokeform(word.rstrip(".")) not in _kommunenavn()  # Stord is no Store
        and any(len(start) >= 4 and avstand(form, start, 1) <= 1 for start in _STREET_START)
    )


@functools.cache
def _kommunenavn() -> frozenset[str]:
    from grunndata.identifiers import kommuner_gyldige

    return frozenset(sokeform(k.navn) for k in kommuner_gyldige(dt.date.today()) if k.navn)


def _is_word(token: str) -> bool:
    return not token[0].isdigit() or token.endswith(".")  # '7.' in '7. juni-plassen'


def _house_number_at(tokens: list[tuple[str, int]]) -> int | None:
    """The first number after a word, unless it is a postnummer (four digits with a
    leading zero, or after another number)."""
    seen_word = False
    for i, (token, _) in enumerate(tokens):
        match = _HUSNUMMER.match(token)
        if match and seen_word and not (len(match[1]) == 4 and match[1][0] == "0"):
            return i
        seen_word = seen_word or _is_word(token)
    return None


def _run_before(tokens: list[tuple[str, int]], at: int) -> list[int]:
    """The words just before the number, in its segment or else in the one before."""
    segment = tokens[at][1]
    run: list[int] = []
    i = at - 1
    while i >= 0 and _is_word(tokens[i][0]) and (tokens[i][1] == segment or not run):
        if tokens[i][1] != segment and run:
            break
        run.insert(0, i)
        segment = tokens[i][1]
        i -= 1
    if run and i >= 0 and tokens[i][1] != tokens[run[0]][1] and _street_start(tokens[i][0]):
        run.insert(0, i)  # 'Øvre, Storgata 12': the comma cut the name in two
    return run


def _without_place(tokens: list[tuple[str, int]], run: list[int]) -> list[int]:
    """``run`` without a place in front of the street (``0150 Oslo Storgata 12``,
    ``Kristiansand S Vardåsgata 30``): after a postnummer, or a kommune's name."""
    if len(run) < 2 or _street_start(tokens[run[0]][0]):
        return run
    after_postnummer = run[0] > 0 and re.fullmatch(r"\d{4}", tokens[run[0] - 1][0]) is not None
    if not after_postnummer and sokeform(tokens[run[0]][0].rstrip(".")) not in _kommunenavn():
        return run
    cut = 1 + (len(run) > 2 and _LETTER.match(tokens[run[1]][0]) is not None)
    return run[cut:] if run[cut:] else run


def _words_only_segment(tokens: list[tuple[str, int]]) -> list[int]:
    """Without a number, the street is the first segment of words alone."""
    segments: dict[int, list[int]] = {}
    for i, (_, segment) in enumerate(tokens):
        segments.setdefault(segment, []).append(i)
    for indices in segments.values():
        if all(_is_word(tokens[i][0]) for i in indices):
            return indices
    return []


def _co(text: str) -> tuple[str | None, str]:
    """The ``c/o`` name, and the text without it. On a line of its own it is the whole
    line; followed by the street on the same line, the name's one or two words."""
    match = _CO.search(text)
    if match is None:
        return None, text
    line = match.group(0)
    words = line.split()[1:]
    at_number = next((i for i, w in enumerate(words) if w[0].isdigit()), None)
    if at_number is not None and at_number >= 2:
        keep = min(2, at_number - 1)
        line = " ".join(line.split()[: 1 + keep])
    rest = text[: match.start()] + " " + text[match.start() + len(line) :]
    return _strip(line), rest


def _tokens(segment: str) -> list[str]:
    """Words and numbers; a dot after a number is punctuation unless a word follows it
    (``7. juni-plassen`` is a name, ``Storgata 12.`` a number)."""
    tokens = [m.group(0) for m in _TOKEN.finditer(segment)]
    for i, token in enumerate(tokens):
        follows = tokens[i + 1] if i + 1 < len(tokens) else None
        if (
            token[0].isdigit()
            and token.endswith(".")
            and (follows is None or follows[0].isdigit() or _LETTER.match(follows))
        ):
            tokens[i] = token[:-1]
    return tokens


def _postnummer_before(tokens: list[str], index: int) -> bool:
    """A four-digit number is the postnummer when a house number comes before it."""
    return any(_HUSNUMMER.match(t) for t in tokens[1:index])
