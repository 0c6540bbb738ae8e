"""Extract order: per entity, the newest source extract time stored for it.

``felles.uttak`` holds, per register and entity key, the extract time of the newest
source that spoke for the entity (Kartverket's ``datauttaksdato``). A record from an
older extract than the one stored is rejected: it must not overwrite newer facts.
``felles.load.extract_time_kind`` says where a load's extract time comes from.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from alembic import op

from grunndata.db.migration_helpers import grant_app

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE felles.uttak (
            register  text NOT NULL,
            nokkel    text NOT NULL,
            uttatt    timestamptz NOT NULL,
            load_id   bigint NOT NULL REFERENCES felles.load (id),
            PRIMARY KEY (register, nokkel)
        );
        COMMENT ON TABLE felles.uttak IS
            'Per entity: the extract time of the newest source stored for it';
        """
    )
    grant_app("GRANT SELECT, INSERT, UPDATE ON felles.uttak TO {app}")
    op.execute(
        """
        ALTER TABLE felles.load ADD COLUMN extract_time_kind text
            CHECK (extract_time_kind IN ('file', 'given', 'modified', 'fetched'));
        COMMENT ON COLUMN felles.load.extract_time_kind IS
            'Where extract_date comes from: the file, --extract-time, the file''s mtime, '
            'or when a followed batch was fetched';
        """
    )


def downgrade() -> None:
    op.execute("ALTER TABLE felles.load DROP COLUMN extract_time_kind; DROP TABLE felles.uttak")
