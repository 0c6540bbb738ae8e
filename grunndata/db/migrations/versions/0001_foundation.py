"""Foundation: one schema per register plus felles, and the load journal.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from alembic import op

from grunndata.db.migration_helpers import grant_app

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

REGISTER_SCHEMAS = ("folkeregister", "matrikkel", "enhetsregister")


def upgrade() -> None:
    for schema in REGISTER_SCHEMAS:
        op.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        grant_app(f"GRANT USAGE ON SCHEMA {schema} TO {{app}}")
        # Loaders write register data; what may never change is guarded per table.
        grant_app(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
            "GRANT SELECT, INSERT, UPDATE ON TABLES TO {app}"
        )
        grant_app(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
            "GRANT USAGE, SELECT ON SEQUENCES TO {app}"
        )
    op.execute("CREATE SCHEMA IF NOT EXISTS felles")
    grant_app("GRANT USAGE ON SCHEMA felles TO {app}")
    grant_app("GRANT SELECT ON felles.alembic_version TO {app}")
    op.execute(
        """
        CREATE TABLE felles.load (
            id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            started_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
            locked_at    timestamptz,
            finished_at  timestamptz,
            status       text NOT NULL DEFAULT 'running'
                         CHECK (status IN ('running', 'loaded', 'partial', 'failed')),
            source       text NOT NULL,
            format       text,
            register     text,
            sha256       text,
            extract_date timestamptz,
            inserted     bigint NOT NULL DEFAULT 0,
            superseded   bigint NOT NULL DEFAULT 0,
            unchanged    bigint NOT NULL DEFAULT 0,
            rejected     bigint NOT NULL DEFAULT 0,
            warnings     bigint NOT NULL DEFAULT 0,
            message      text,
            loaded_by    text NOT NULL DEFAULT current_user
        )
        """
    )
    op.execute(
        "COMMENT ON TABLE felles.load IS 'One row per source file loaded: what, when, counts'"
    )
    op.execute(
        "COMMENT ON COLUMN felles.load.extract_date IS "
        "'The source''s own extract date (uttrekksdato), when the file says it'"
    )
    op.execute(
        "COMMENT ON COLUMN felles.load.locked_at IS "
        "'When the load got its register''s lock: loads of a register commit in this order'"
    )
    grant_app("GRANT SELECT, INSERT, UPDATE ON felles.load TO {app}")


def downgrade() -> None:
    op.execute("DROP TABLE felles.load")
    for schema in REGISTER_SCHEMAS:
        op.execute(f"DROP SCHEMA {schema} CASCADE")
