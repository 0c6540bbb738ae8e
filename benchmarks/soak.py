"""A soak: a mixed load at 80 % of the measured peak for N minutes, with a load of the
registers every few minutes and one database restart half way.

    .venv/bin/python -m benchmarks.soak --minutes 30

Everything runs on a private cluster and its own servers (``benchmarks/soak_stack.py``):
the single process and, through Hive Gateway, the three subgraphs. The mix: persons,
properties, address searches, units with their roles, and both of the first and last
through the gateway. The peak is the best throughput of a closed loop at a few
concurrencies; the soak then sends at 80 % of it on a fixed schedule (an open loop: a slow
answer does not slow the sender). It prints, per minute: requests, throughput, p50/p99,
errors, each server's RSS and the load average; then errors by code (within the restart
window and outside it), 5xx, and how much each server's RSS moved after the warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

from benchmarks.soak_stack import Stack, rss_mb, stack
from grunndata.db.database import connect

PEAK_CONCURRENCIES = (2, 4, 8, 16)
MAX_OUTSTANDING = 500  # requests in flight before the sender counts a backlog
RESTART_GRACE_S = 10.0  # errors this long after the database is back count as the restart's


@dataclass
class Sample:
    at: float
    kind: str
    seconds: float
    error: str | None


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    restart: tuple[float, float] | None = None  # (stopped, back) on the monotonic clock
    loads: list[tuple[float, float, int]] = field(default_factory=list)  # at, seconds, exit
    rss: list[tuple[float, dict[str, float]]] = field(default_factory=list)


def ids(stack: Stack) -> dict[str, list[str]]:
    """Keys of the generated data to ask for."""
    queries = {
        "person": "SELECT identifikasjonsnummer FROM folkeregister.identifikator",
        "eiendom": "SELECT DISTINCT matrikkelnummer FROM matrikkel.matrikkelenhet",
        "sok": "SELECT DISTINCT adressenavn || ' ' || nummer FROM matrikkel.adresse "
        "WHERE adressenavn IS NOT NULL AND nummer IS NOT NULL",
        "enhet": "SELECT organisasjonsnummer FROM enhetsregister.enhet",
    }
    with connect(stack.database.app_url) as conn:
        found = {k: [r[0] for r in conn.execute(f"{q} LIMIT 2000")] for k, q in queries.items()}
    for kind, values in found.items():
        if not values:
            raise SystemExit(f"the generated data has no {kind}")
    return found


def q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


#: (kind, weight, endpoint, query of a key)
MIX = [
    ("person", 25, "single", lambda k: f"{{ person(identifikasjonsnummer: {q(k)}) {{ navn {{ "
     "fornavn etternavn } bostedsadresse { vegadresse { adressenavn } } } }"),
    ("eiendom", 20, "single", lambda k: f"{{ eiendom(matrikkelnummer: {q(k)}) {{ "
     "matrikkelnummer hjemmelshavere { navn } } }"),
    ("sok", 20, "single", lambda k: f"{{ adresser(sok: {q(k)}, first: 5) {{ totalCount "
     "edges { node { adressetekst } } } }"),
    ("enhet", 15, "single", lambda k: f"{{ enhet(organisasjonsnummer: {q(k)}) {{ navn "
     "roller { type { beskrivelse } innehaver { navn } } } }"),
    ("person", 10, "gateway", lambda k: f"{{ person(identifikasjonsnummer: {q(k)}) {{ navn {{ "
     "fornavn } bostedsadresse { adresseIMatrikkelen { adressetekst } } } }"),
    ("enhet", 10, "gateway", lambda k: f"{{ enhet(organisasjonsnummer: {q(k)}) {{ navn "
     "roller { innehaver { person { navn { fornavn } } } } } }"),
]  # fmt: skip


class Driver:
    def __init__(self, stack: Stack, keys: dict[str, list[str]], client: httpx.AsyncClient) -> None:
        self.stack, self.keys, self.client = stack, keys, client
        self.bases = {"single": stack.single, "gateway": stack.gateway}
        self.rng = random.Random(1)
        self.weights = [w for _, w, _, _ in MIX]

    async def one(self, into: list[Sample]) -> None:
        kind, _, endpoint, make = self.rng.choices(MIX, self.weights)[0]
        query = make(self.rng.choice(self.keys[kind]))
        started = time.monotonic()
        error = await self._ask(self.bases[endpoint], query)
        into.append(Sample(started, f"{endpoint}:{kind}", time.monotonic() - started, error))

    async def _ask(self, base: str, query: str) -> str | None:
        headers = {"Authorization": f"Bearer {self.stack.token}"}
        try:
            response = await self.client.post(f"{base}/graphql", json={"query": query},
                                              headers=headers, timeout=60)  # fmt: skip
        except httpx.HTTPError as exc:
            return f"transport {type(exc).__name__}"
        try:
            body = response.json()
        except ValueError:
            return f"HTTP {response.status_code} not JSON"
        codes = sorted({str((e.get("extensions") or {}).get("code", "uncoded"))
                        for e in body.get("errors") or []})  # fmt: skip
        if response.status_code != 200 or codes:
            return f"HTTP {response.status_code} {'+'.join(codes) or '-'}"
        return None


async def peak(driver: Driver, seconds: float) -> float:
    """The best throughput of a closed loop at ``PEAK_CONCURRENCIES``, after a warm-up."""
    best = 0.0
    for step, concurrency in enumerate((PEAK_CONCURRENCIES[0], *PEAK_CONCURRENCIES)):
        samples: list[Sample] = []
        deadline = time.monotonic() + seconds

        async def worker(into: list[Sample] = samples, until: float = deadline) -> None:
            while time.monotonic() < until:
                await driver.one(into)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        rate = len(samples) / seconds
        errors = sum(s.error is not None for s in samples)
        what = "warm-up" if step == 0 else "peak"
        print(f"  {what}: {concurrency:2} at once: {rate:6.1f} req/s, {errors} errors", flush=True)
        if step > 0:
            best = max(best, rate)
    return best


async def soak(driver: Driver, rate: float, minutes: float, load_every: float, run: Run) -> None:
    started = time.monotonic()
    end = started + minutes * 60
    restart_at = started + minutes * 30
    next_load = started + load_every * 60
    tasks: set[asyncio.Task[None]] = set()
    background: list[threading.Thread] = []
    backlog = 0
    sent = 0
    while (now := time.monotonic()) < end:
        due = started + sent / rate
        if due > now:
            await asyncio.sleep(due - now)
        sent += 1
        if len(tasks) >= MAX_OUTSTANDING:
            backlog += 1
            continue
        task = asyncio.create_task(driver.one(run.samples))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        if now >= restart_at and run.restart is None:
            run.restart = (now, now)
            background.append(_in_thread(lambda: _restart(driver.stack, run)))
        if now >= next_load:
            next_load += load_every * 60
            background.append(_in_thread(lambda: _load(driver.stack, run)))
    await asyncio.gather(*tasks)
    for thread in background:
        await asyncio.to_thread(thread.join)
    if backlog:
        print(f"the sender skipped {backlog} requests: {MAX_OUTSTANDING} were in flight")


def _in_thread(work: object) -> threading.Thread:
    thread = threading.Thread(target=work, daemon=True)  # type: ignore[arg-type]
    thread.start()
    return thread


#: A load and the restart never overlap (the restart waits for a running load).
EXCLUSIVE = threading.Lock()


def _restart(stack: Stack, run: Run) -> None:
    with EXCLUSIVE:
        stopped = time.monotonic()
        seconds = stack.restart_database()
    run.restart = (stopped, stopped + seconds)
    print(f"  database restarted: back after {seconds:.1f} s", flush=True)


def _load(stack: Stack, run: Run) -> None:
    with EXCLUSIVE:
        at = time.monotonic()
        seconds, code = stack.load()
    run.loads.append((at, seconds, code))
    print(f"  a load ran: {seconds:.1f} s, exit {code}", flush=True)


def sample_rss(stack: Stack, run: Run, stop: threading.Event, every: float) -> None:
    while not stop.wait(every):
        run.rss.append((time.monotonic(), {n: rss_mb(p.pid) for n, p in stack.processes.items()}))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000 if ordered else 0.0


def report(run: Run, started: float, minutes: float, warm_up: float) -> None:
    names = list(run.rss[0][1]) if run.rss else []
    print(f"\n{'min':>4} {'req':>6} {'req/s':>6} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}  "
          + " ".join(f"{n[:8]:>8}" for n in names) + "  load avg")  # fmt: skip
    for minute in range(int(minutes + 0.999)):
        lo, hi = started + minute * 60, started + (minute + 1) * 60
        part = [s for s in run.samples if lo <= s.at < hi]
        rss = [r for at, r in run.rss if lo <= at < hi]
        last = rss[-1] if rss else dict.fromkeys(names, 0.0)
        loads = [f"{la:.1f}" for at, la in LOADAVG if lo <= at < hi][-1:]
        seconds = [s.seconds for s in part]
        marks = ["load"] * any(at < hi and at + took > lo for at, took, _ in run.loads)
        if run.restart and run.restart[0] < hi and run.restart[1] > lo:
            marks.append("restart")
        loads += marks
        print(f"{minute + 1:4} {len(part):6} {len(part) / 60:6.1f} {percentile(seconds, 0.5):7.1f} "
              f"{percentile(seconds, 0.99):7.1f} {sum(s.error is not None for s in part):6}  "
              + " ".join(f"{last[n]:7.0f}M" for n in names) + "  " + " ".join(loads))  # fmt: skip
    seconds = [s.seconds for s in run.samples]
    print(
        f"\nrequests {len(run.samples)}, {len(run.samples) / (minutes * 60):.1f} req/s, "
        f"p50 {percentile(seconds, 0.5):.1f} ms, p99 {percentile(seconds, 0.99):.1f} ms"
    )
    lo, hi = run.restart or (0.0, 0.0)
    during = Counter(
        s.error for s in run.samples if s.error and lo - 1 <= s.at <= hi + RESTART_GRACE_S
    )
    outside = Counter(s.error for s in run.samples if s.error) - during
    fives = sum(n for e, n in (during + outside).items() if e.startswith("HTTP 5"))
    print(
        f"database restart: {hi - lo:.1f} s; errors within it (+{RESTART_GRACE_S:.0f} s): "
        f"{dict(during) or 'none'}"
    )
    print(f"errors outside the restart: {dict(outside) or 'none'}; 5xx in all: {fives}")
    print("loads: " + ", ".join(f"{s:.0f} s (exit {c})" for _, s, c in run.loads))
    by_kind = {}
    for s in run.samples:
        by_kind.setdefault(s.kind, []).append(s.seconds)
    for kind, values in sorted(by_kind.items()):
        print(
            f"  {kind:18} {len(values):7} p50 {percentile(values, 0.5):7.1f} ms "
            f"p99 {percentile(values, 0.99):7.1f} ms"
        )
    after = [r for at, r in run.rss if at >= started + warm_up * 60]
    for name in names:
        values = [r[name] for r in after if r[name] > 0]
        if values:
            spread = (max(values) - min(values)) / min(values) * 100
            print(
                f"RSS {name} after {warm_up:.0f} min warm-up: {min(values):.0f}–"
                f"{max(values):.0f} MB ({spread:.1f} %), first {values[0]:.0f}, last "
                f"{values[-1]:.0f}"
            )


LOADAVG: list[tuple[float, float]] = []


def sample_load(stop: threading.Event, every: float) -> None:
    while not stop.wait(every):
        LOADAVG.append((time.monotonic(), os.getloadavg()[0]))


async def main_async(args: argparse.Namespace) -> None:
    with stack(args.persons) as running:
        keys = ids(running)
        print(
            f"stack up: single {running.single}, gateway {running.gateway}; keys: "
            + ", ".join(f"{len(v)} {k}" for k, v in keys.items()),
            flush=True,
        )
        limits = httpx.Limits(max_connections=MAX_OUTSTANDING, max_keepalive_connections=64)
        async with httpx.AsyncClient(limits=limits) as client:
            driver = Driver(running, keys, client)
            best = await peak(driver, args.peak_seconds)
            rate = best * args.share
            print(
                f"peak {best:.1f} req/s; soaking at {rate:.1f} req/s for {args.minutes} "
                f"min (load average {os.getloadavg()[0]:.1f})",
                flush=True,
            )
            run = Run()
            stop = threading.Event()
            threads = [threading.Thread(target=sample_rss, args=(running, run, stop, 10.0)),
                       threading.Thread(target=sample_load, args=(stop, 10.0))]  # fmt: skip
            for thread in threads:
                thread.start()
            started = time.monotonic()
            try:
                await soak(driver, rate, args.minutes, args.load_every, run)
            finally:
                stop.set()
                for thread in threads:
                    thread.join()
            report(run, started, args.minutes, args.warm_up)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--persons", type=int, default=1000, help="generated persons")
    parser.add_argument("--peak-seconds", type=float, default=20.0, help="per concurrency")
    parser.add_argument("--share", type=float, default=0.8, help="of the peak to send")
    parser.add_argument("--load-every", type=float, default=6.0, help="minutes between loads")
    parser.add_argument("--warm-up", type=float, default=5.0, help="minutes before RSS counts")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
