"""Withdrawn units (``enhetsregister.fjernet``) append-only in grunndata's transaction time,
so a revert can restore them (``grunndata.loaders.revert``).

A row is one withdrawal while it was in force: ``fjernet`` (when grunndata recorded it) and
``load_id`` (the followed batch that withdrew the unit) to ``opphevet`` and
``opphevet_av`` (the batch in which Brønnøysund published the unit again, or the revert
that took the withdrawal out). A revert that undoes a re-publication adds the withdrawal
again as a new row (``gjenopprettet_av``: the revert; ``load_id`` stays the batch that
withdrew it). Rows are never deleted or changed but to close them. Queries see the rows
not closed (``opphevet IS NULL``): at most one per unit.

Revision ID: enhetsregister_0003
Revises: enhetsregister_0002
Create Date: 2026-12-07
"""

from alembic import op

from grunndata.db.migration_helpers import grant_app

revision = "enhetsregister_0003"
down_revision = "enhetsregister_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE enhetsregister.fjernet DROP CONSTRAINT fjernet_pkey, "
        "ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
        "ADD COLUMN opphevet timestamptz, "
        "ADD COLUMN opphevet_av bigint REFERENCES felles.load (id), "
        "ADD COLUMN gjenopprettet_av bigint REFERENCES felles.load (id), "
        "ADD CONSTRAINT fjernet_opphevet_check CHECK ((opphevet IS NULL) = (opphevet_av IS NULL))"
    )
    op.execute(
        "CREATE UNIQUE INDEX fjernet_gjeldende ON enhetsregister.fjernet (organisasjonsnummer) "
        "WHERE opphevet IS NULL"
    )
    op.execute(
        "COMMENT ON TABLE enhetsregister.fjernet IS 'Units withdrawn from open data (Fjernet: "
        "HTTP 410), one row per withdrawal while in force (append-only): rows with no opphevet "
        "are in force, and no query shows their units'"
    )
    for column, comment in (
        ("fjernet", "When grunndata recorded the withdrawal (or its restoration by a revert)"),
        ("load_id", "The followed batch that withdrew the unit"),
        ("opphevet", "When the withdrawal stopped being in force (grunndata's transaction time)"),
        ("opphevet_av", "The batch that found the unit published again, or the revert that "
         "took the withdrawal out"),
        ("gjenopprettet_av", "The revert that put back this withdrawal, which a reverted batch "
         "had ended"),
    ):  # fmt: skip
        quoted = comment.replace("'", "''")
        op.execute(f"COMMENT ON COLUMN enhetsregister.fjernet.{column} IS '{quoted}'")
    grant_app("REVOKE DELETE, UPDATE ON enhetsregister.fjernet FROM {app}")
    grant_app("GRANT UPDATE (opphevet, opphevet_av) ON enhetsregister.fjernet TO {app}")


def downgrade() -> None:
    grant_app("REVOKE UPDATE (opphevet, opphevet_av) ON enhetsregister.fjernet FROM {app}")
    grant_app("GRANT DELETE, UPDATE ON enhetsregister.fjernet TO {app}")
    op.execute("DELETE FROM enhetsregister.fjernet WHERE opphevet IS NOT NULL")
    op.execute(
        "COMMENT ON TABLE enhetsregister.fjernet IS 'Units withdrawn from open data (Fjernet: "
        "HTTP 410): rows stay, no query shows them'"
    )
    for column in ("fjernet", "load_id"):
        op.execute(f"COMMENT ON COLUMN enhetsregister.fjernet.{column} IS NULL")
    op.execute("DROP INDEX enhetsregister.fjernet_gjeldende")
    op.execute(
        "ALTER TABLE enhetsregister.fjernet DROP COLUMN gjenopprettet_av, "
        "DROP COLUMN opphevet_av, DROP COLUMN opphevet, DROP COLUMN id, "
        "ADD PRIMARY KEY (organisasjonsnummer)"
    )
