"""Misbehaviour on cue: the next request(s) to a path get a 429, a 5xx, a slow answer, a
truncated page, a gap, an unknown event type, an invalid document, or a job that is gone (410)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

KINDS = ("429", "500", "503", "slow", "truncated", "gap", "unknown", "gone", "invalid")


@dataclass
class Cue:
    kind: str
    path: str = ""
    """Applies to requests whose path contains this (empty: any)."""
    times: int = 1
    seconds: float = 1.0
    """How slow (``slow``), or the ``Retry-After`` (``429``, ``503``)."""


class Faults:
    def __init__(self) -> None:
        self._cues: list[Cue] = []
        self._lock = threading.Lock()
        self.served: dict[str, int] = {}

    def add(self, kind: str, path: str = "", times: int = 1, seconds: float = 1.0) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown fault {kind!r}: one of {', '.join(KINDS)}")
        with self._lock:
            self._cues.append(Cue(kind, path, times, seconds))

    def take(self, path: str, kinds: tuple[str, ...] = KINDS) -> Cue | None:
        """The first cue for ``path`` among ``kinds``, counted down."""
        with self._lock:
            for cue in self._cues:
                if cue.kind in kinds and cue.path in path:
                    cue.times -= 1
                    if cue.times <= 0:
                        self._cues.remove(cue)
                    self.served[cue.kind] = self.served.get(cue.kind, 0) + 1
                    return cue
        return None

    def clear(self) -> None:
        with self._lock:
            self._cues.clear()
