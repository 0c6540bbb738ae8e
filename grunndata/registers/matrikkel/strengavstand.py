"""Damerau–Levenshtein distance (optimal string alignment): a letter dropped, added,
changed, or two neighbours swapped each count one.

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

import functools


@functools.lru_cache(maxsize=131072)
def avstand(a: str, b: str, grense: int = 99) -> int:
    """The distance, or ``grense + 1`` as soon as it is sure to exceed ``grense``."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) > grense:
        return grense + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        best = i
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            best = min(best, value)
        if best > grense:
            return grense + 1
        previous2, previous = previous, current
    return min(previous[-1], grense + 1)
