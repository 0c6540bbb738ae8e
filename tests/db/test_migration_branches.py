"""The migrations' tree: the shared trunk ``0001``..``0014``, then one version branch per
register (in its room) and ``felles``; databases at an old linear head upgrade in place
into the branches and end with the schema a fresh database gets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import Script, ScriptDirectory
from psycopg import sql

from grunndata.db import migrate
from grunndata.db.database import Database, bootstrap, connect
from grunndata.registers import REGISTERS
from tests.conftest import TEST_ROLES, scratch_name
from tests.db.catalog import snapshot

TRUNK = [f"{n:04d}" for n in range(1, 15)]
FELLES = Path(migrate.__file__).parent / "migrations" / "felles"
BRANCHES = {"felles": FELLES} | {r.name: r.migrations for r in REGISTERS}


def scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(migrate._config(Database("", "")))


def in_directory(directory: Path) -> list[Script]:
    return [s for s in scripts().walk_revisions() if Path(s.path).parent == directory]


def test_the_trunk_is_the_applied_linear_history_and_carries_no_label():
    trunk = [s for s in scripts().walk_revisions() if s.revision in TRUNK]
    assert sorted(s.revision for s in trunk) == TRUNK
    for script in trunk:
        assert script.module.branch_labels is None, script.revision
        number = TRUNK.index(script.revision)
        assert script.down_revision == (TRUNK[number - 1] if number else None)


@pytest.mark.parametrize("register", REGISTERS, ids=lambda r: r.name)
def test_every_register_declares_its_branch_in_its_room(register):
    assert register.migrations is not None
    room = Path(register.query.__module__.replace(".", "/")).parts[:3]  # grunndata/registers/x
    assert register.migrations.parts[-4:] == (*room, "migrations")
    assert register.migrations.is_dir()
    assert register.migrations in migrate.version_locations()  # found there by path


@pytest.mark.parametrize("label", sorted(BRANCHES))
def test_a_branch_is_one_line_from_the_trunk_labelled_with_its_name(label):
    directory = BRANCHES[label]
    revisions = in_directory(directory)
    assert revisions, f"no revision in {directory}"
    roots = [s for s in revisions if s.down_revision == TRUNK[-1]]
    assert [s.module.branch_labels for s in roots] == [(label,)]
    for script in revisions:
        assert script.revision.startswith(f"{label}_"), script.path
        assert script.branch_labels == {label}, script.path
        if script is not roots[0]:
            assert script.module.branch_labels is None, script.path
            assert script.down_revision in {s.revision for s in revisions}, script.path
    heads = [s.revision for s in revisions if s.is_head]
    assert heads == [scripts().get_revision(f"{label}@head").revision]


def test_the_heads_are_the_branches_heads_and_nothing_else_is_a_head():
    heads = set(scripts().get_heads())
    assert {h.partition("_")[0] for h in heads} == set(BRANCHES)
    assert len(heads) == len(BRANCHES)
    assert migrate.head_revision() == ", ".join(sorted(heads))


@pytest.fixture
def scratch(admin_url: str) -> Iterator[Database]:
    name = scratch_name("branches")
    database = bootstrap(admin_url, name, TEST_ROLES)
    try:
        yield database
    finally:
        with connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.mark.parametrize("old_head", ["0014", "0009"])
def test_a_database_at_an_old_linear_head_upgrades_in_place_into_the_branches(
    scratch, database, old_head
):
    migrate.upgrade(scratch, old_head)
    assert migrate.current_heads(scratch) == [old_head]
    assert migrate.upgrade(scratch) == migrate.head_revision()
    assert sorted(migrate.current_heads(scratch)) == sorted(scripts().get_heads())
    fresh = snapshot(database)  # `database`: migrated from nothing
    assert len(fresh["columns"]) > 100 and fresh["triggers"] and fresh["functions"]
    assert snapshot(scratch) == fresh


NEW_BRANCH = """
from alembic import op
revision = "proeve_0001"
down_revision = "0014"
branch_labels = ("proeve",)
depends_on = None
def upgrade() -> None:
    op.execute("CREATE SCHEMA proeve")
    op.execute("CREATE TABLE proeve.t (x int)")
def downgrade() -> None:
    op.execute("DROP SCHEMA proeve CASCADE")
"""


def test_a_new_registers_branch_joins_a_database_already_at_the_heads(
    fresh_database, tmp_path, monkeypatch
):
    (tmp_path / "0001_branch.py").write_text(NEW_BRANCH)
    locations = migrate.version_locations()
    monkeypatch.setattr(migrate, "version_locations", lambda: [*locations, tmp_path])
    before = migrate.current_heads(fresh_database)
    migrate.upgrade(fresh_database)
    assert sorted(migrate.current_heads(fresh_database)) == sorted([*before, "proeve_0001"])
    with connect(fresh_database.owner_url) as conn:
        assert conn.execute("SELECT to_regclass('proeve.t') IS NOT NULL").fetchone() == (True,)
