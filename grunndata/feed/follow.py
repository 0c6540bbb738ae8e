"""A subscriber's stream of events: the ones after its cursor from the table, then the
new ones as the listener hands them out, with no gap and no repeat at the switch.

1. Read pages after the cursor until a page is short (the subscriber has caught up
   with what was committed then); nothing is buffered meanwhile, so a long catch-up
   never fills a buffer.
2. Join the listener's fan-out (``FeedListener.subscribe``): from its position ``P``
   on, every event the subscriber wants goes to its queue.
3. Read pages once more: this reaches at least ``P`` (``P`` was committed before the
   read began, and numbers are in commit order), so table and queue overlap.
4. Take the queue, skipping what step 1 or 3 already gave (numbers ≤ the last sent).
   Events whose field groups depend on the reader (``unplaced``: a graded person's
   address) are read again from the table, by the same statement as a page of the
   query. When the queue overflowed (the subscriber fell ``buffer`` events behind), it is
   drained and the stream goes back to step 1 from the last number sent.

Reads go to the primary (the listener's pool): a replica could be behind ``P``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass

from grunndata.feed import store
from grunndata.feed.listen import READ_WAIT_S, FeedListener

PAGE = 500


@dataclass(frozen=True)
class Filter:
    """What a subscriber asked for (None: all) and what its scopes hide
    (``grunndata.feed.access``: ``hidden`` and ``unplaced``)."""

    registers: Sequence[str] | None = None
    entities: Sequence[str] | None = None
    types: Sequence[str] | None = None
    hidden: Collection[tuple[str, str]] = ()
    unplaced: Sequence[tuple[str, str, tuple[str, ...]]] = ()

    def reread(self, events: list[store.Hendelse]) -> bool:
        """Whether ``events`` must be read again from the table for this reader."""
        pairs = {(register, entity) for register, entity, _ in self.unplaced}
        return any((e.register, e.entitet) in pairs for e in events)

    def wants(self, event: store.Hendelse) -> bool:
        return (
            (self.registers is None or event.register in self.registers)
            and (self.entities is None or event.entitet in self.entities)
            and (self.types is None or event.hendelsestype in self.types)
            and (event.register, event.entitet) not in self.hidden
        )


async def follow(
    listener: FeedListener, after: int, wanted: Filter
) -> AsyncIterator[store.Hendelse]:
    """Every event after ``after`` that ``wanted`` lets through, in order, forever."""
    last = after
    while True:
        async for event in _read(listener, last, wanted):
            last = event.sekvensnummer
            yield event
        subscriber = await listener.subscribe(wanted.wants)
        try:
            async for event in _read(listener, last, wanted):
                last = event.sekvensnummer
                yield event
            while not (subscriber.behind and subscriber.queue.empty()):
                batch = [await subscriber.queue.get()]
                while not subscriber.queue.empty():
                    batch.append(subscriber.queue.get_nowait())
                batch = [event for event in batch if event.sekvensnummer > last]
                if wanted.reread(batch):
                    batch = [event async for event in _read(listener, last, wanted)]
                for event in batch:
                    last = event.sekvensnummer
                    yield event
        finally:
            listener.unsubscribe(subscriber)


async def _read(
    listener: FeedListener, after: int, wanted: Filter
) -> AsyncIterator[store.Hendelse]:
    while True:
        async with listener.readers, listener.pool.connection(READ_WAIT_S) as conn:
            page = await store.aread_events(
                conn, after=after, limit=PAGE, registers=wanted.registers,
                entities=wanted.entities, types=wanted.types, hidden=list(wanted.hidden),
                unplaced=wanted.unplaced,
            )  # fmt: skip
        for event in page:
            yield event
        if len(page) < PAGE:
            return
        after = page[-1].sekvensnummer
