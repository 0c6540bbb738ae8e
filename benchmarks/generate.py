"""How fast ``grunndata fixtures generate`` writes, and that its memory stays flat.

Each size runs in a fresh process (so that its peak RSS is its own) and writes into a
temporary folder that is removed afterwards:

    .venv/bin/python -m benchmarks.generate --persons 10000 100000

prints, per size: persons/s, MB written, MB/s and peak RSS (``--gzip``: gzip'ed files).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def one(persons: int, seed: int, gzipped: bool) -> dict[str, float]:
    """Generate ``persons`` in this process; the figures as a dict."""
    from grunndata.fixtures.generate import generate

    with tempfile.TemporaryDirectory(prefix="grunndata-generate-") as folder:
        started = time.perf_counter()
        summary = generate(persons, seed, Path(folder), gzipped=gzipped)
        seconds = time.perf_counter() - started
        written = sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())
    return {
        "persons": summary.persons,
        "adresser": summary.adresser,
        "enheter": summary.enheter + summary.underenheter,
        "seconds": seconds,
        "mb": written / 1e6,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--gzip", action="store_true", help="write gzip'ed files")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.seed, args.gzip)))
        return
    print(f"{'persons':>10} {'addresses':>10} {'units':>8} {'seconds':>8} {'persons/s':>10} "
          f"{'MB':>8} {'MB/s':>6} {'peak RSS MB':>12}")  # fmt: skip
    for persons in args.persons:
        result = subprocess.run(
            [sys.executable, "-m", "benchmarks.generate", "--one", str(persons),
             "--seed", str(args.seed), *(["--gzip"] if args.gzip else [])],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        r = json.loads(result.stdout)
        print(
            f"{r['persons']:>10,.0f} {r['adresser']:>10,.0f} {r['enheter']:>8,.0f} "
            f"{r['seconds']:>8.1f} {r['persons'] / r['seconds']:>10,.0f} {r['mb']:>8.1f} "
            f"{r['mb'] / r['seconds']:>6.1f} {r['peak_rss_mb']:>12.1f}"
        )


if __name__ == "__main__":
    main()
