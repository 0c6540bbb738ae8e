"""Several PostgreSQL majors installed (issue 20, point 7): the embedded cluster keeps its
own major's binaries and says so; a cluster whose major is gone is refused with the way
out. A fake Debian layout (``<root>/<major>/bin``) stands in for the other majors, since
only PostgreSQL 15 can be installed here."""

from __future__ import annotations

from pathlib import Path

import pytest

from grunndata.config import Settings
from grunndata.db import binaries, versions
from grunndata.db.database import embedded_cluster
from grunndata.errors import SetupError


def _fake_major(root: Path, major: int) -> Path:
    bindir = root / str(major) / "bin"
    bindir.mkdir(parents=True)
    for tool in ("initdb", "pg_ctl", "postgres"):
        script = bindir / tool
        script.write_text(f"#!/bin/sh\necho '{tool} (PostgreSQL) {major}.2'\n")
        script.chmod(0o755)
    return bindir


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PostgreSQL 15 and 17 in a fake root, and nothing on PATH or from pg_config."""
    root = tmp_path / "postgresql"
    _fake_major(root, 15)
    _fake_major(root, 17)
    monkeypatch.setattr(binaries, "VERSIONED_ROOT", root)
    monkeypatch.setattr(binaries.shutil, "which", lambda name: None)
    return root


def _data_dir(tmp_path: Path, major: int | None) -> Path:
    data_dir = tmp_path / "data"
    (data_dir / "pgdata").mkdir(parents=True)
    if major is not None:
        (data_dir / "pgdata" / "PG_VERSION").write_text(f"{major}\n")
    return data_dir


def test_a_cluster_keeps_its_own_major_when_a_newer_one_is_installed(layout, tmp_path):
    cluster = embedded_cluster(Settings(data_dir=_data_dir(tmp_path, 15)))
    assert (cluster.binaries.major, cluster.binaries.bindir) == (15, layout / "15" / "bin")
    note = versions.binaries_note(cluster)
    assert f"binaries: PostgreSQL 15 in {layout / '15' / 'bin'}" in note
    assert "PostgreSQL 17 is installed too, and the cluster keeps using 15" in note


def test_a_new_cluster_takes_the_newest(layout, tmp_path):
    cluster = embedded_cluster(Settings(data_dir=_data_dir(tmp_path, None)))
    assert cluster.binaries.major == 17
    assert "installed too" not in versions.binaries_note(cluster)


def test_a_cluster_whose_major_is_not_installed_is_refused_with_the_way_out(layout, tmp_path):
    with pytest.raises(SetupError) as refused:
        embedded_cluster(Settings(data_dir=_data_dir(tmp_path, 14)))
    assert "made by PostgreSQL 14" in refused.value.message
    assert "(found: PostgreSQL 17, 15)" in refused.value.message
    assert "pg_upgrade" in (refused.value.hint or "")


def test_the_installed_majors_newest_first(layout):
    assert binaries.installed_majors() == [17, 15]
