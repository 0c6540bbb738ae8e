"""Revert a load (``grunndata.loaders.revert``): the journal's side.

``felles.load`` gets ``reverts`` (a revert's load), ``reverted_by``, ``os_user`` and, for a
followed batch, ``kilde_for`` (its source's cursor before the batch).
``felles.uttak_endret`` holds what each load overwrote in ``felles.uttak`` (uttatt NULL:
nothing was stored), and ``felles.tilbakefort`` the entities each revert touched.

Revision ID: felles_0002
Revises: felles_0001
Create Date: 2026-12-07
"""

from alembic import op

from grunndata.db.migration_helpers import grant_app

revision = "felles_0002"
down_revision = "felles_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE felles.load ADD COLUMN reverts bigint REFERENCES felles.load (id),
            ADD COLUMN reverted_by bigint REFERENCES felles.load (id),
            ADD COLUMN os_user text, ADD COLUMN kilde_for jsonb;
        CREATE UNIQUE INDEX load_reverts ON felles.load (reverts);
        COMMENT ON COLUMN felles.load.reverts IS 'For a revert: the load it reverted';
        COMMENT ON COLUMN felles.load.reverted_by IS 'The revert that reverted this load';
        COMMENT ON COLUMN felles.load.os_user IS 'Who ran it (the operating-system user)';
        COMMENT ON COLUMN felles.load.kilde_for IS
            'For a followed batch: its source''s cursor (posisjon, baseline) before it';
        CREATE TABLE felles.uttak_endret (
            load_id   bigint NOT NULL,
            register  text NOT NULL,
            nokkel    text NOT NULL,
            uttatt    timestamptz,
            forrige_load_id bigint
        );
        CREATE INDEX uttak_endret_load_id_idx ON felles.uttak_endret (load_id);
        COMMENT ON TABLE felles.uttak_endret IS
            'What each load overwrote in felles.uttak (uttatt NULL: nothing was stored)';
        CREATE TABLE felles.tilbakefort (
            revert_id bigint NOT NULL REFERENCES felles.load (id),
            load_id   bigint NOT NULL REFERENCES felles.load (id),
            register  text NOT NULL,
            tabell    text NOT NULL,
            nokkel    text NOT NULL
        );
        CREATE INDEX tilbakefort_revert_id_idx ON felles.tilbakefort (revert_id);
        COMMENT ON TABLE felles.tilbakefort IS
            'The entities each revert touched (by table and key)';
        """
    )
    grant_app("GRANT SELECT, INSERT ON felles.uttak_endret, felles.tilbakefort TO {app}")
    grant_app("GRANT DELETE ON felles.uttak TO {app}")


def downgrade() -> None:
    op.execute(
        """
        DROP TABLE felles.tilbakefort, felles.uttak_endret;
        ALTER TABLE felles.load DROP COLUMN reverts, DROP COLUMN reverted_by,
            DROP COLUMN os_user, DROP COLUMN kilde_for;
        """
    )
