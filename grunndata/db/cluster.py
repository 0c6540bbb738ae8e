"""The embedded PostgreSQL/PostGIS cluster grunndata runs when no database URL is set.

It lives in a data directory grunndata owns (``Settings.data_dir``)::

    <data_dir>/grunndata-cluster.json   marker: this directory is ours
    <data_dir>/pgdata/                  PGDATA (initdb'd into a temporary folder, then renamed)
    <data_dir>/.s.PGSQL.<port>          the Unix socket (no TCP: listen_addresses = '')
    <data_dir>/postgresql.log           the server log
    <data_dir>/.lock                    serialises start/stop between grunndata processes

PostgreSQL refuses to run as root, so when grunndata runs as root the cluster runs as an
unprivileged system user (``grunndata`` by default, created on first use) that owns the data
directory. Local connections use ``trust`` authentication; only the cluster user and root can
reach the socket, because the directory is mode 0700.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pwd
import shutil
import stat
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from grunndata.config import running_as_root
from grunndata.db.binaries import PgBinaries, find_pg_binaries, install_hint, postgis_installed
from grunndata.db.urls import socket_url
from grunndata.errors import SetupError

PORT = 5432
SUPERUSER = "postgres"
_MARKER = "grunndata-cluster.json"
_SOCKET_PATH_LIMIT = 100  # sun_path holds 107 bytes; keep a margin for ".s.PGSQL.5432"


@dataclass(frozen=True)
class ClusterStatus:
    data_dir: Path
    initialised: bool
    running: bool
    pid: int | None
    major: int | None
    socket_dir: Path


def cluster_major(data_dir: Path) -> int | None:
    """The PostgreSQL major that made the cluster in ``data_dir`` (None: not made yet)."""
    version_file = data_dir / "pgdata" / "PG_VERSION"
    try:
        return int(version_file.read_text().strip())
    except (OSError, ValueError):
        return None


class EmbeddedCluster:
    """A private PostgreSQL cluster in ``data_dir``; see the module docstring."""

    def __init__(
        self,
        data_dir: Path,
        *,
        binaries: PgBinaries | None = None,
        cluster_user: str = "grunndata",
        port: int = PORT,
    ) -> None:
        self.data_dir = data_dir
        self.pgdata = data_dir / "pgdata"
        self.log_file = data_dir / "postgresql.log"
        self.port = port
        self._binaries = binaries
        self._cluster_user_name = cluster_user
        self._user: pwd.struct_passwd | None = None

    # -- facts --------------------------------------------------------------------------

    @property
    def binaries(self) -> PgBinaries:
        if self._binaries is None:
            self._binaries = find_pg_binaries(major=cluster_major(self.data_dir))
        return self._binaries

    @property
    def socket_dir(self) -> Path:
        return self.data_dir

    def url(self, role: str = SUPERUSER, database: str = "postgres") -> str:
        """A libpq URL that reaches the cluster over its Unix socket."""
        return socket_url(str(self.socket_dir), user=role, dbname=database, port=self.port)

    def status(self) -> ClusterStatus:
        major = cluster_major(self.data_dir)
        pid = self._live_postmaster_pid()
        return ClusterStatus(
            data_dir=self.data_dir,
            initialised=major is not None,
            running=pid is not None,
            pid=pid,
            major=major,
            socket_dir=self.socket_dir,
        )

    # -- start / stop -------------------------------------------------------------------

    def start(self) -> bool:
        """Initialise the cluster on first use and start it. True if this call started it,
        False if it was already running. Idempotent and safe to call from several processes."""
        # Everything that can refuse is checked before anything is created.
        binaries = self.binaries
        if postgis_installed(binaries) is False:
            raise SetupError(
                f"PostGIS is not installed for PostgreSQL {binaries.major}.",
                hint=install_hint(binaries.major),
            )
        self._check_not_occupied()
        user = self._cluster_user()
        if user is not None:
            blocked = _first_unsearchable_ancestor(self.data_dir, user)
            if blocked is not None:
                raise SetupError(
                    f"The cluster user {user.pw_name!r} cannot reach {self.data_dir}: "
                    f"{blocked} is closed to other users.",
                    hint="Set GRUNNDATA_DATA_DIR to a place it can reach, e.g. /var/lib/grunndata.",
                )
        with self._lock():
            if self._live_postmaster_pid() is not None:
                return False
            self._prepare_data_dir()
            if not (self.pgdata / "PG_VERSION").is_file():
                self._initdb()
            self._check_version()
            self._remove_stale_pid_file()
            result = self._pg_ctl("start", "-l", str(self.log_file), "-w", "-t", "60", "-s")
            if result.returncode != 0:
                # pg_ctl gives up waiting after 60 s but may leave a server starting: stop it.
                self._pg_ctl("stop", "-m", "immediate")
                raise SetupError(
                    f"The embedded PostgreSQL in {self.data_dir} did not start "
                    f"(pg_ctl exit {result.returncode}). Last lines of {self.log_file}:\n"
                    + self._log_tail(),
                )
            return True

    def stop(self) -> bool:
        """Stop the cluster and wait until no server process is left. True if it was running."""
        with self._lock():
            pid = self._live_postmaster_pid()
            if pid is None:
                return False
            result = self._pg_ctl("stop", "-m", "fast", "-w", "-t", "60", "-s")
            if result.returncode != 0 and self._live_postmaster_pid() is not None:
                raise SetupError(
                    f"The embedded PostgreSQL (PID {pid}) did not stop: {result.stderr.strip()}"
                )
            return True

    # -- internals ----------------------------------------------------------------------

    def _cluster_user(self) -> pwd.struct_passwd | None:
        """The system user the cluster runs as: None means 'this process's user'."""
        if not running_as_root():
            return None
        if self._user is None:
            self._user = _system_user(self._cluster_user_name)
        return self._user

    def _check_not_occupied(self) -> None:
        marker = self.data_dir / _MARKER
        if self.data_dir.is_dir() and not marker.exists():
            foreign = [p.name for p in self.data_dir.iterdir() if p.name != ".lock"]
            if foreign:
                raise SetupError(
                    f"The data directory {self.data_dir} is occupied: it holds "
                    f"{', '.join(sorted(foreign)[:5])} and is not a grunndata data directory.",
                    hint="Set GRUNNDATA_DATA_DIR to an empty or new directory.",
                )

    def _prepare_data_dir(self) -> None:
        if len(str(self.socket_dir / f".s.PGSQL.{self.port}")) > _SOCKET_PATH_LIMIT:
            raise SetupError(
                f"The data directory path {self.data_dir} is too long for a Unix socket.",
                hint="Choose a shorter GRUNNDATA_DATA_DIR.",
            )
        self._check_not_occupied()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        user = self._cluster_user()
        if user is not None:
            os.chown(self.data_dir, user.pw_uid, user.pw_gid)
        self.data_dir.chmod(0o700)
        marker = self.data_dir / _MARKER
        if not marker.exists():
            marker.write_text(json.dumps({"kind": "grunndata embedded cluster", "port": self.port}))

    def _initdb(self) -> None:
        """initdb into a temporary folder, configure it, then rename: a failure never leaves
        a half-initialised cluster where the next start would find it."""
        staging = self.data_dir / "pgdata.initdb"
        shutil.rmtree(staging, ignore_errors=True)
        result = self._run_as_cluster_user(
            [self.binaries.tool("initdb"), "-D", str(staging), "-U", SUPERUSER,
             "--auth=trust", "--encoding=UTF8", "--no-locale"]
        )  # fmt: skip
        if result.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            raise SetupError(f"initdb failed in {self.data_dir}: {result.stderr.strip()}")
        with (staging / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# grunndata embedded cluster\n"
                "listen_addresses = ''\n"
                f"unix_socket_directories = '{_conf_quote(self.socket_dir)}'\n"
                f"port = {self.port}\n"
                "max_connections = 200\n"
                "shared_buffers = 256MB\n"
                "unix_socket_permissions = 0700\n"
            )
        staging.rename(self.pgdata)

    def _check_version(self) -> None:
        made_by = int((self.pgdata / "PG_VERSION").read_text().strip())
        if made_by != self.binaries.major:
            raise SetupError(
                f"The cluster in {self.pgdata} was made by PostgreSQL {made_by}, but this "
                f"machine's PostgreSQL is {self.binaries.major}.",
                hint=f"Install PostgreSQL {made_by}, upgrade the cluster with pg_upgrade, or "
                "move the data directory away to start afresh.",
            )

    def _postmaster_pid_from_file(self) -> int | None:
        pid_file = self.pgdata / "postmaster.pid"
        try:
            first_line = pid_file.read_text().splitlines()[0]
        except (OSError, IndexError):
            return None
        return int(first_line) if first_line.strip().isdigit() else None

    def _live_postmaster_pid(self) -> int | None:
        """The postmaster's PID if one is running on our pgdata (a postmaster.pid whose
        process is gone, or is something else since the PID was reused, is stale)."""
        pid = self._postmaster_pid_from_file()
        if pid is None:
            return None
        proc = Path(f"/proc/{pid}")
        if Path("/proc/self").exists():
            # The postmaster runs in its data directory: a reused PID, even another
            # cluster's postgres, has another working directory (or one we may not read).
            try:
                return pid if (proc / "cwd").resolve(strict=True) == self.pgdata.resolve() else None
            except OSError:
                return None
        # Without /proc: a live PID counts only if our socket is there too.
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return pid if (self.socket_dir / f".s.PGSQL.{self.port}").exists() else None

    def _remove_stale_pid_file(self) -> None:
        # Any postmaster.pid without a live postmaster of ours is stale: one left by a crash,
        # one whose PID was reused, and one whose content is garbage.
        if (self.pgdata / "postmaster.pid").exists() and self._live_postmaster_pid() is None:
            (self.pgdata / "postmaster.pid").unlink(missing_ok=True)
            (self.socket_dir / f".s.PGSQL.{self.port}.lock").unlink(missing_ok=True)
            (self.socket_dir / f".s.PGSQL.{self.port}").unlink(missing_ok=True)

    def _pg_ctl(self, action: str, *options: str) -> subprocess.CompletedProcess[str]:
        return self._run_as_cluster_user(
            [self.binaries.tool("pg_ctl"), action, "-D", str(self.pgdata), *options]
        )

    def _run_as_cluster_user(self, argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
        user = self._cluster_user()
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        if user is None:
            return subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
        env.update(HOME=str(self.data_dir), USER=user.pw_name, LOGNAME=user.pw_name)
        return subprocess.run(
            argv, capture_output=True, text=True, env=env, check=False, cwd=self.data_dir,
            user=user.pw_uid, group=user.pw_gid, extra_groups=[],
        )  # fmt: skip

    def _log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with (self.data_dir / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _conf_quote(path: Path) -> str:
    """A path inside a single-quoted postgresql.conf value."""
    return str(path).replace("\\", "\\\\").replace("'", "''")


def _system_user(name: str) -> pwd.struct_passwd:
    """The unprivileged system user ``name``, created if missing (by another process at
    the same time, too)."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    useradd = shutil.which("useradd")
    if useradd is None:
        raise SetupError(
            f"grunndata runs as root, and PostgreSQL refuses to; the system user {name!r} "
            "that should run the cluster does not exist and `useradd` is not available.",
            hint=f"Create an unprivileged user {name!r}, or run grunndata as a normal user.",
        )
    result = subprocess.run(
        [useradd, "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
         "--shell", "/usr/sbin/nologin", name],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    try:
        return pwd.getpwnam(name)  # exit 9 (already exists) when another process won the race
    except KeyError:
        raise SetupError(
            f"Could not create the system user {name!r} to run the cluster: "
            f"{result.stderr.strip() or f'useradd exit {result.returncode}'}"
        ) from None


def _first_unsearchable_ancestor(path: Path, user: pwd.struct_passwd) -> Path | None:
    """The first existing directory above ``path`` that ``user`` may not enter, if any."""
    for directory in reversed(path.parents):
        if not directory.exists():
            return None
        mode = directory.stat()
        if mode.st_uid == user.pw_uid:
            allowed = mode.st_mode & stat.S_IXUSR
        elif mode.st_gid == user.pw_gid:
            allowed = mode.st_mode & stat.S_IXGRP
        else:
            allowed = mode.st_mode & stat.S_IXOTH
        if not allowed:
            return directory
    return None
