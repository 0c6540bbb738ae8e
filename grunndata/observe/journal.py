"""Metrics read from the database at scrape time: loads and followed batches (the load
journal, ``felles.load``) and the followed sources (``felles.kilde``).

Loads and followers run in processes of their own (``grunndata load``, ``grunndata
follow``), so the server reads what they journalled whenever it is scraped: a few
aggregate queries on one short connection (at Prometheus's usual interval of 15 s, a
negligible cost). A followed batch is a load with a ``kilde``; ``kind`` tells them apart.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import psycopg
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    SummaryMetricFamily,
)
from prometheus_client.registry import Collector

from grunndata.db.database import connect
from grunndata.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

LOADS_SQL = """
SELECT coalesce(register, ''), CASE WHEN kilde IS NULL THEN 'load' ELSE 'follow' END, status,
       count(*), sum(inserted), sum(superseded), sum(unchanged), sum(rejected),
       count(finished_at),
       coalesce(sum(extract(epoch FROM finished_at - coalesce(locked_at, started_at))), 0),
       max(extract(epoch FROM finished_at))
FROM felles.load GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"""
KILDER_SQL = """
SELECT navn, etterslep, avvist, extract(epoch FROM sist_ok), extract(epoch FROM sist_feil),
       baseline IS NOT NULL
FROM felles.kilde ORDER BY navn"""
OUTCOMES = ("inserted", "superseded", "unchanged", "rejected")


class JournalCollector(Collector):
    """Loads, followed batches and feeds, read from ``url``'s journal at each scrape."""

    def __init__(self, url: str) -> None:
        self.url = url

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily(
            "grunndata_journal_up", "1 when the scrape could read the load journal."
        )
        try:
            with connect(self.url, autocommit=True, timeout=5) as conn:
                loads = conn.execute(LOADS_SQL).fetchall()
                kilder = (
                    conn.execute(KILDER_SQL).fetchall()
                    if conn.execute("SELECT to_regclass('felles.kilde')").fetchone() != (None,)
                    else []
                )
        except (DatabaseUnavailable, psycopg.Error) as exc:
            log.warning("metrics: the load journal could not be read: %s", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from _loads(loads)
        yield from _kilder(kilder)

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())  # read at scrape time only: registering must not query


def _loads(rows: list[tuple]) -> Iterator[GaugeMetricFamily]:
    labels = ["register", "kind"]
    total = CounterMetricFamily(
        "grunndata_loads", "Loads and followed batches in the journal, by status.",
        labels=[*labels, "status"],
    )  # fmt: skip
    running = GaugeMetricFamily(
        "grunndata_loads_running", "Loads and followed batches running now.", labels=labels
    )
    records = CounterMetricFamily(
        "grunndata_load_records", "Records of finished loads and followed batches, by outcome.",
        labels=[*labels, "outcome"],
    )  # fmt: skip
    duration = SummaryMetricFamily(
        "grunndata_load_duration_seconds",
        "How long finished loads and followed batches took (from taking the load lock).",
        labels=labels,
    )
    last = GaugeMetricFamily(
        "grunndata_load_last_finished_timestamp_seconds",
        "When the last load or followed batch finished (Unix time).", labels=labels,
    )  # fmt: skip
    per_kind: dict[tuple[str, str], list[float]] = {}
    for register, kind, status, count, *outcomes, finished, seconds, last_at in rows:
        total.add_metric([register, kind, status], count)
        if status == "running":
            running.add_metric([register, kind], count)
        sums = per_kind.setdefault((register, kind), [0.0] * 7)
        for i, value in enumerate([*outcomes, finished, seconds]):
            sums[i] += float(value or 0)
        if last_at is not None:
            sums[6] = max(sums[6], float(last_at))
    for (register, kind), sums in per_kind.items():
        for outcome, value in zip(OUTCOMES, sums[:4], strict=True):
            records.add_metric([register, kind, outcome], value)
        duration.add_metric([register, kind], count_value=sums[4], sum_value=sums[5])
        if sums[6]:
            last.add_metric([register, kind], sums[6])
    yield from (total, running, records, duration, last)


def _kilder(rows: list[tuple]) -> Iterator[GaugeMetricFamily]:
    lag = GaugeMetricFamily(
        "grunndata_feed_lag", "How far a followed source is behind (events or records the "
        "source reports beyond the cursor; absent when it does not say).", labels=["kilde"],
    )  # fmt: skip
    rejected = CounterMetricFamily(
        "grunndata_feed_rejected", "Records of a followed source rejected.", labels=["kilde"]
    )
    ok = GaugeMetricFamily(
        "grunndata_feed_last_success_timestamp_seconds",
        "When a followed source was last read without error (Unix time).", labels=["kilde"],
    )  # fmt: skip
    failed = GaugeMetricFamily(
        "grunndata_feed_last_error_timestamp_seconds",
        "When reading a followed source last failed (Unix time).", labels=["kilde"],
    )  # fmt: skip
    baseline = GaugeMetricFamily(
        "grunndata_feed_baseline_in_progress",
        "1 while a followed source's baseline (full first load) is in progress.",
        labels=["kilde"],
    )
    for navn, etterslep, avvist, sist_ok, sist_feil, in_baseline in rows:
        if etterslep is not None:
            lag.add_metric([navn], etterslep)
        rejected.add_metric([navn], avvist)
        if sist_ok is not None:
            ok.add_metric([navn], float(sist_ok))
        if sist_feil is not None:
            failed.add_metric([navn], float(sist_feil))
        baseline.add_metric([navn], 1 if in_baseline else 0)
    yield from (lag, rejected, ok, failed, baseline)
