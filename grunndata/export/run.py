"""``grunndata export``: one snapshot, one file, stamped with the feed's sequence number.

The file is written in a fresh directory beside ``out`` and renamed into place only when
it is whole: a refused or failed export leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from grunndata.config import SecuritySettings
from grunndata.export import geo, layers, records, text
from grunndata.export.check import Ask, ExportRefused, Plan, persons_allowed, plan
from grunndata.export.declare import Features, Records
from grunndata.export.snapshot import Snapshot, Stamp, imported, snapshot
from grunndata.graphql.auth import Principal


@dataclass(frozen=True)
class Exported:
    stamp: Stamp
    counts: dict[str, int]


def export(database_url: str, ask: Ask, *, log_url: str | None = None) -> Exported:
    """Write ``ask``'s export; refuse (``ExportRefused``) before reading anything when it
    cannot be made. ``log_url``: the lookup log's database (default: the database)."""
    checked = plan(ask)
    if checked.persons:
        from grunndata.graphql.access import policy

        persons_allowed(checked, policy().scopes)
    with _replacing(ask.out) as path, snapshot(database_url) as snap:
        stamp = Stamp(
            ask.register, snap.sekvensnummer, snap.naa, ask.format, checked.epsg,
            checked.kommuner, ask.scopes if checked.persons else (),
        )  # fmt: skip
        if ask.format == "gpkg":
            counts = _gpkg(path, checked, snap, stamp)
        elif ask.format == "geojson":
            counts = _geojson(path, checked, snap, stamp)
        else:
            counts = asyncio.run(_records(path, checked, snap, stamp, database_url, log_url))
    return Exported(stamp, counts)


@contextmanager
def _replacing(out: Path) -> Iterator[Path]:
    """A path to write to, renamed to ``out`` when the block ends well."""
    if out.is_dir():
        raise ExportRefused(f"cannot write {out}: it is a directory")
    try:
        work = Path(tempfile.mkdtemp(prefix=".grunndata-eksport-", dir=out.parent))
    except OSError as exc:
        raise ExportRefused(f"cannot write {out}: {exc.strerror or exc}") from None
    try:
        path = work / out.name
        yield path
        path.replace(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _gpkg(path: Path, checked: Plan, snap: Snapshot, stamp: Stamp) -> dict[str, int]:
    assert checked.epsg is not None
    chunks = (
        (layer, layers.feature_rows(snap.conn, layer, checked.epsg, snap.naa, checked.kommuner))
        for layer in checked.layers
    )
    return geo.write_gpkg(path, stamp, chunks)


def _geojson(path: Path, checked: Plan, snap: Snapshot, stamp: Stamp) -> dict[str, int]:
    assert checked.epsg is not None
    (layer,) = checked.layers
    features = layers.features_json(snap.conn, layer, checked.epsg, snap.naa, checked.kommuner)
    with path.open("wb") as out:
        return {layer.name: geo.write_geojson(out, stamp, layer, features)}


async def _records(
    path: Path, checked: Plan, snap: Snapshot, stamp: Stamp, database_url: str,
    log_url: str | None,
) -> dict[str, int]:  # fmt: skip
    from grunndata.db import pools
    from grunndata.graphql.oppslagslogg import LookupLogWriter
    from grunndata.graphql.schema import build_schema

    limits = replace(SecuritySettings(), max_aliases=records.ALIASED, max_tokens=10**8,
                     max_cost=10**12, max_first=records.BATCH)  # fmt: skip
    schema = build_schema(security=limits)
    principal = Principal(
        frozenset(checked.ask.scopes), checked.ask.orgnr, authenticated=bool(checked.ask.scopes)
    )
    log_pool = pools.pool(log_url or database_url, name="grunndata-eksport", max_size=1,
                          timeout=30)  # fmt: skip
    await log_pool.open()
    log = LookupLogWriter(log_pool)
    counts: dict[str, int] = {}
    try:
        async with imported(database_url, snap.id) as view:

            def read(declared: Records | Features) -> AsyncIterator[records.Record]:
                if isinstance(declared, Features):
                    return records.features(snap.conn, declared, snap.naa, checked.kommuner)
                batches = records.keys(snap.conn, declared, snap.naa, checked.kommuner)
                return records.read(schema, view, declared, batches, principal=principal,
                                    naa=snap.naa, log=log)  # fmt: skip

            with path.open("wb") as out:
                if checked.ask.format == "csv":
                    (declared,) = checked.records
                    counts[declared.entitet] = await text.write_csv(
                        out, stamp, declared, read(declared)
                    )
                else:
                    out.write(text.stamp_line(stamp))
                    for declared in checked.records:
                        counts[declared.entitet] = await text.write_records(out, read(declared))
    finally:
        await log.close()
        await log_pool.close()
    return counts
