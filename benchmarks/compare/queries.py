"""The six queries of the comparison (issue 21), by the name the command line uses."""

from __future__ import annotations

from benchmarks.compare.eiendom import EIENDOM, LIST
from benchmarks.compare.enhet import ENHET, ENHETER
from benchmarks.compare.kjede import KJEDE
from benchmarks.compare.person import PERSON
from benchmarks.compare.query import Query

QUERIES: dict[str, Query] = {
    "person": PERSON,  # (a)
    "eiendom": EIENDOM,  # (b)
    "list": LIST,  # (c)
    "enhet": ENHET,  # (d)
    "enheter": ENHETER,  # (e)
    "kjede": KJEDE,  # (f)
}
