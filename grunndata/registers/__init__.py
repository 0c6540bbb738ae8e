"""The registers grunndata holds. Each room exports ``REGISTER`` (see ``base.Register``).

``ROOMS`` is the registry: one line per register, its room's name. The rooms themselves
(GraphQL types, tables, loaders) are imported on first use of ``REGISTERS``, so that a
command that needs none of them (``grunndata --help``, ``grunndata db status``) starts
without them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from grunndata.registers.base import Register  # the declaration alone: no room, no framework

if TYPE_CHECKING:
    REGISTERS: tuple[Register, ...]

ROOMS: tuple[str, ...] = (
    "folkeregister",
    "matrikkel",
    "enhetsregister",
    "kontaktregister",
)

__all__ = ["REGISTERS", "ROOMS", "Register"]


def __getattr__(name: str) -> object:
    if name == "REGISTERS":
        registers = tuple(import_module(f"{__name__}.{room}").REGISTER for room in ROOMS)
        globals()["REGISTERS"] = registers
        return registers
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
