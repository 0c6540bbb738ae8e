"""Street names folded for comparison: the search form (as ``matrikkel.sokeform`` in SQL),
and the compact forms typo distance is measured on."""

from __future__ import annotations

import functools
import re
import unicodedata

_FOLD = str.maketrans({"ø": "o", "æ": "ae", "đ": "d", "ß": "ss", "ł": "l"})


@functools.lru_cache(maxsize=65536)
def sokeform(tekst: str) -> str:
    """The search form, as ``matrikkel.sokeform`` in SQL: lower case, no diacritics,
    vei/veg/veien/vegen and gate/gata/gaten folded.

    >>> sokeform("Østre  Korsvikvegen")
    'ostre korsvikvei'
    >>> sokeform("Vardåsgata")
    'vardasgate'
    """
    low = unicodedata.normalize("NFKD", tekst.lower().translate(_FOLD))
    return typeform("".join(c for c in low if not unicodedata.combining(c)))


_VEI = re.compile(r"(vei|veg)(en)?\b")
_GATE = re.compile(r"gat(a|e|en)\b")
_SPACES = re.compile(r"\s+")


def typeform(low: str) -> str:
    """The last step of ``sokeform``, for a text already in lower case without diacritics:
    the street types folded, the spaces made single.

    >>> typeform("storgaten  12")
    'storgate 12'
    """
    return _SPACES.sub(" ", _GATE.sub("gate", _VEI.sub("vei", low))).strip()


@functools.lru_cache(maxsize=65536)
def kompakt(tekst: str) -> str:
    """The search form without spaces or punctuation, and ASCII spellings (aa, oe) as
    the letter they stand for: what typo distance is measured on.

    >>> kompakt("Bjoerbjoer-veien") == kompakt("Bjørbjørveien")
    True
    >>> kompakt("Vardaasveien") == kompakt("Vardåsveien")
    True
    """
    form = sokeform(tekst).replace("aa", "a").replace("oe", "o")
    return re.sub(r"[^a-z0-9]", "", form)


@functools.lru_cache(maxsize=65536)
def bokstavform(tekst: str) -> str:
    """As ``kompakt``, but with the street type as written (``veien`` stays ``veien``): a
    typo in the ending is one letter off here, where the folded form may be three.

    >>> bokstavform("Tyrihans-Veien")
    'tyrihansveien'
    """
    low = unicodedata.normalize("NFKD", tekst.lower().translate(_FOLD))
    low = "".join(c for c in low if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]", "", low.replace("aa", "a").replace("oe", "o"))
