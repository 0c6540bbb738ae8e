"""Damerau–Levenshtein distance (optimal string alignment): a letter dropped, added,
changed, or two neighbours swapped each count one (RapidFuzz's ``OSA``, in C++).

>>> avstand("storgata", "stroggata")
2
>>> avstand("tyrihansveien", "tyrihnasveien")
1
>>> avstand("abc", "abc")
0
>>> avstand("kort", "en helt annen tekst", grense=3)
4
"""

from __future__ import annotations

from rapidfuzz.distance import OSA


def avstand(a: str, b: str, grense: int = 99) -> int:
    """The distance, or ``grense + 1`` when it is over ``grense``."""
    return OSA.distance(a, b, score_cutoff=grense)
