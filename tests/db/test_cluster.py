"""The embedded cluster: lifecycle as root and as a normal user, and every refusal."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from grunndata.db.binaries import find_pg_binaries
from grunndata.db.cluster import EmbeddedCluster
from grunndata.db.database import connect
from grunndata.errors import SetupError
from tests.conftest import suite_cluster

IS_ROOT = os.geteuid() == 0
GRUNNDATA = str(Path(sys.executable).parent / "grunndata")


def postgres_processes_on(pgdata: Path) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if b"postgres" in cmdline and str(pgdata).encode() in cmdline:
                found.append(int(proc.name))
    return found


def uid_of(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])


def test_lifecycle_start_status_stop_leaves_nothing_running(cluster_dir, admin_url):
    cluster = EmbeddedCluster(cluster_dir)
    assert not cluster.status().initialised
    assert cluster.start() is True
    status = cluster.status()
    assert status.running and status.initialised and status.major == find_pg_binaries().major
    assert cluster.start() is False, "starting a running cluster is a no-op"
    with connect(cluster.url()) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone() == ("",)
    if IS_ROOT:
        assert uid_of(status.pid) == pwd.getpwnam("grunndata").pw_uid != 0
        assert cluster_dir.stat().st_mode & 0o777 == 0o700
    assert cluster.stop() is True
    assert postgres_processes_on(cluster.pgdata) == []
    assert not cluster.status().running
    assert cluster.stop() is False

    # A postmaster.pid left by a crash, whose PID now belongs to another process (even
    # another cluster's postgres), is stale: never reported as ours, never signalled.
    others: list[object] = [os.getpid(), "garbage"]
    on_suite_cluster = not os.environ.get("GRUNNDATA_TEST_DATABASE_URL")
    if on_suite_cluster:
        others.append(suite_cluster().status().pid)
    for other in others:
        (cluster.pgdata / "postmaster.pid").write_text(f"{other}\n{cluster.pgdata}\n")
        assert not cluster.status().running
        assert cluster.stop() is False
        assert cluster.start() is True
        assert cluster.stop() is True
        assert postgres_processes_on(cluster.pgdata) == []
    if on_suite_cluster:
        assert suite_cluster().status().running, "the other cluster was left alone"


def test_an_occupied_data_directory_is_refused(cluster_dir):
    occupied = cluster_dir
    occupied.mkdir(parents=True)
    (occupied / "thesis.tex").write_text("mine")
    with pytest.raises(SetupError, match=r"is occupied: it holds thesis\.tex"):
        EmbeddedCluster(occupied).start()
    assert sorted(p.name for p in occupied.iterdir()) == ["thesis.tex"], "nothing is added"


@pytest.mark.skipif(not IS_ROOT, reason="only root runs the cluster as another user")
def test_a_directory_the_cluster_user_cannot_reach_is_refused():
    target = Path("/root") / f"grunndata-{uuid.uuid4().hex[:8]}"
    with pytest.raises(SetupError, match=r"cannot reach .*: /root is closed to other users"):
        EmbeddedCluster(target).start()
    assert not target.exists(), "nothing is created when the directory is refused"


def fake_postgres(bindir: Path, sharedir: Path) -> None:
    """PostgreSQL 15 binaries without PostGIS: enough for the checks before initdb."""
    bindir.mkdir(parents=True)
    (sharedir / "extension").mkdir(parents=True)
    scripts = {
        "postgres": 'echo "postgres (PostgreSQL) 15.4"',
        "initdb": "exit 1",
        "pg_ctl": "exit 1",
        "pg_config": f'echo "{sharedir}"',
    }
    for name, body in scripts.items():
        (bindir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bindir / name).chmod(0o755)


def run_cli(
    *args: str, env: dict[str, str], user: str | None = None
) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8"}
    return subprocess.run(
        [GRUNNDATA, *args], env=base | env, capture_output=True, text=True, timeout=120, user=user
    )


def test_missing_postgis_says_what_to_install(tmp_path, cluster_dir):
    fake_postgres(tmp_path / "bin", tmp_path / "share")
    env = {"GRUNNDATA_PG_BINDIR": str(tmp_path / "bin"), "GRUNNDATA_DATA_DIR": str(cluster_dir)}
    result = run_cli("db", "start", env=env)
    assert result.returncode == 2
    assert "PostGIS is not installed for PostgreSQL 15" in result.stderr
    assert "apt-get install postgresql-15-postgis-3\n" in result.stderr
    assert "brew install postgis" in result.stderr and "docker compose up" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (cluster_dir / "pgdata").exists(), "no half-initialised cluster is left"


def test_missing_postgresql_says_what_to_install(tmp_path):
    env = {"GRUNNDATA_PG_BINDIR": str(tmp_path / "nothing"), "GRUNNDATA_DATA_DIR": str(tmp_path)}
    result = run_cli("db", "status", env=env)
    assert result.returncode == 2
    assert "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found" in result.stderr
    assert "apt-get install postgresql-<major>-postgis-3" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreachable_database_url_is_one_clear_sentence(tmp_path):
    env = {"GRUNNDATA_DATABASE_URL": f"postgresql://someone@/nowhere?host={tmp_path}"}
    for command in (["db", "upgrade"], ["loads"], ["serve", "--port", "1"]):
        result = run_cli(*command, env=env)
        assert result.returncode == 2, command
        assert f"Cannot reach database 'nowhere' as 'someone' on {tmp_path}:5432" in result.stderr
        assert "Traceback" not in result.stderr


def as_user(user: pwd.struct_passwd, action: Callable[[], object]) -> object:
    """Run ``action`` in a forked child that has dropped root for ``user``; its result (or
    the repr of its exception) comes back as JSON. Used instead of running the CLI as that
    user, whose Python may live where the user cannot read (pyenv under /root)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_end)
        try:
            os.setgroups([])
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)
            payload = {"result": action()}
        except BaseException as exc:
            payload = {"error": repr(exc)}
        os.write(write_end, json.dumps(payload, default=str).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        payload = json.loads(pipe.read() or '{"error": "child died"}')
    os.waitpid(pid, 0)
    assert "error" not in payload, payload["error"]
    return payload["result"]


@pytest.mark.skipif(not IS_ROOT, reason="needs root to act as another user")
def test_the_cluster_runs_as_a_normal_user(cluster_dir):
    cluster_dir.mkdir(parents=True)
    nobody = pwd.getpwnam("nobody")
    os.chown(cluster_dir, nobody.pw_uid, nobody.pw_gid)
    cluster = EmbeddedCluster(cluster_dir, binaries=find_pg_binaries())
    try:
        assert as_user(nobody, cluster.start) is True
        assert as_user(nobody, lambda: cluster.status().running) is True
        pids = postgres_processes_on(cluster.pgdata)
        assert pids and all(uid_of(pid) == nobody.pw_uid for pid in pids)
        assert (cluster.pgdata / "PG_VERSION").stat().st_uid == nobody.pw_uid
    finally:
        stopped = as_user(nobody, cluster.stop)
    assert stopped is True
    assert postgres_processes_on(cluster.pgdata) == []


def test_a_data_directory_with_spaces_and_quotes_works(cluster_dir):
    # macOS's default is ~/Library/Application Support/grunndata. Kept short: a socket
    # path has room for about 100 bytes.
    base = cluster_dir.parent if IS_ROOT else Path(tempfile.mkdtemp(dir="/tmp"))
    odd = base / f"{cluster_dir.name[:4]} App Support 'x'"
    cluster = EmbeddedCluster(odd)
    try:
        assert cluster.start() is True
        with connect(cluster.url()) as conn:
            assert conn.execute("SHOW unix_socket_directories").fetchone() == (str(odd),)
    finally:
        cluster.stop()
        shutil.rmtree(odd if IS_ROOT else base, ignore_errors=True)
