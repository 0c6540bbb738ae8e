"""Finding the machine's PostgreSQL server binaries, and whether PostGIS is installed."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from grunndata.errors import SetupError


def install_hint(major: int | None = None) -> str:
    package = f"postgresql-{major}-postgis-3" if major else "postgresql-<major>-postgis-3"
    return (
        "Install it:\n"
        f"  Debian/Ubuntu:  apt-get install {package}\n"
        "  macOS:          brew install postgis\n"
        "  or use Docker:  docker compose up db, then set GRUNNDATA_DATABASE_URL"
    )


@dataclass(frozen=True)
class PgBinaries:
    bindir: Path
    major: int

    def tool(self, name: str) -> str:
        return str(self.bindir / name)


def _major_of(bindir: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else None


#: Where Debian and Ubuntu install each PostgreSQL major: ``<root>/<major>/bin``.
VERSIONED_ROOT = Path("/usr/lib/postgresql")


def _candidate_bindirs(preferred: Path | None) -> Iterator[Path]:
    if preferred is not None:
        yield preferred
        return
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.CalledProcessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, check=True
            ).stdout.strip()
            yield Path(out)
    versioned = sorted(
        VERSIONED_ROOT.glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    yield from versioned
    initdb = shutil.which("initdb")
    if initdb:
        yield Path(initdb).resolve().parent


def _all_binaries(preferred: Path | None) -> Iterator[PgBinaries]:
    for bindir in _candidate_bindirs(preferred):
        if all((bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            major = _major_of(bindir)
            if major is not None:
                yield PgBinaries(bindir, major)


def installed_majors() -> list[int]:
    """Every PostgreSQL major whose server binaries are found, newest first."""
    return sorted({b.major for b in _all_binaries(None)}, reverse=True)


def find_pg_binaries(preferred: Path | None = None, *, major: int | None = None) -> PgBinaries:
    """The first directory holding initdb, pg_ctl and postgres (of PostgreSQL ``major``,
    when given: a cluster runs only with its own major's binaries): ``preferred``
    (``GRUNNDATA_PG_BINDIR``), ``pg_config --bindir``, ``/usr/lib/postgresql/*/bin``
    (newest first), then PATH."""
    found = [b for b in _all_binaries(preferred) if major is None or b.major == major]
    if found:
        return found[0]
    where = f" in {preferred}" if preferred else ""
    if major is not None:
        others = sorted({b.major for b in _all_binaries(preferred)}, reverse=True)
        raise SetupError(
            f"The embedded cluster was made by PostgreSQL {major}, whose server binaries were "
            f"not found{where}"
            + (f" (found: PostgreSQL {', '.join(map(str, others))})." if others else "."),
            hint=f"Install PostgreSQL {major} beside the newer one (the cluster keeps using "
            "its own major), or upgrade the cluster with pg_upgrade: docs/operations.md.",
        )
    raise SetupError(
        f"PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found{where}.",
        hint=install_hint(),
    )


def postgis_installed(binaries: PgBinaries) -> bool | None:
    """True/False when the share directory can be found, None when it cannot be told."""
    pg_config = binaries.bindir / "pg_config"
    if not pg_config.is_file():
        return None
    try:
        sharedir = subprocess.run(
            [str(pg_config), "--sharedir"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return (Path(sharedir) / "extension" / "postgis.control").is_file()
