"""What the maps and the OGC API read per feature, stored once, and the indexes they need
(``grunndata.ogc`` over Matrikkelen's collections).

- ``teig.areal_m2``: the teig's true (ellipsoidal) area, computed when the teig is
  written instead of on every read (about as costly as the rest of a feature together);
- ``teig.nokkel``: a teig has no id of its own, so its feature id and the keyset of the
  ``teiger`` pages are its matrikkelnummer and the start of the md5 of its shape, and
  ``teig_nokkel`` walks them in that order: a page inside a large ``bbox`` reads its
  1 000 rows and stops instead of hashing every teig in the box before sorting;
- buildings by place (GiST on ``bygning.punkt``): a vector tile from zoom 15 and a
  ``bbox`` on ``bygninger`` read the buildings in a small area, not the whole table.

Revision ID: matrikkel_0003
Revises: matrikkel_0002
Create Date: 2026-12-07
"""

from alembic import op

revision = "matrikkel_0003"
down_revision = "matrikkel_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE matrikkel.teig
            ADD COLUMN areal_m2 double precision
                GENERATED ALWAYS AS (ST_Area(ST_Transform(geometri, 4326)::geography)) STORED,
            ADD COLUMN nokkel text
                GENERATED ALWAYS AS (left(md5(ST_AsBinary(geometri)), 10)) STORED;
        COMMENT ON COLUMN matrikkel.teig.areal_m2 IS
            'True (ellipsoidal) area in square metres, kept from geometri';
        COMMENT ON COLUMN matrikkel.teig.nokkel IS
            'The teig among its unit''s teiger: the start of the md5 of geometri (WKB)';
        CREATE INDEX teig_nokkel ON matrikkel.teig (matrikkelnummer, nokkel)
            WHERE upper_inf(registrert);
        CREATE INDEX bygning_punkt ON matrikkel.bygning USING gist (punkt)
            WHERE upper_inf(registrert);
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP INDEX matrikkel.bygning_punkt;
        DROP INDEX matrikkel.teig_nokkel;
        ALTER TABLE matrikkel.teig DROP COLUMN nokkel, DROP COLUMN areal_m2;
        """
    )
