"""Units known from the map only: a teig whose matrikkelenhet no unit file has named.

Kartverket publishes teiger without a separate unit file. A teig whose unit is not stored
creates the unit from the teig's own matrikkelnummer, ``kun_fra_kart``, with its type and
status unknown (NULL); a later unit file completes it (a new version).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE matrikkel.matrikkelenhet
            ALTER COLUMN matrikkelenhetstype DROP NOT NULL,
            ALTER COLUMN status DROP NOT NULL,
            ADD COLUMN kun_fra_kart boolean NOT NULL DEFAULT false;
        COMMENT ON COLUMN matrikkel.matrikkelenhet.kun_fra_kart IS
            'Known from a teig only (no unit file named it yet): type and status unknown';
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DELETE FROM matrikkel.matrikkelenhet WHERE kun_fra_kart;
        ALTER TABLE matrikkel.matrikkelenhet
            DROP COLUMN kun_fra_kart,
            ALTER COLUMN status SET NOT NULL,
            ALTER COLUMN matrikkelenhetstype SET NOT NULL;
        """
    )
