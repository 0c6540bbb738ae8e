"""Address washing: the street names per place, and nearest-name search.

- ``matrikkel.adressenavn_sted``: each street name (search form) with the kommune,
  postnummer and poststed it has addresses in, so a typed postnummer or poststed narrows
  the names to compare with a typo to the few of that place;
- a GiST trigram index on ``matrikkel.adressenavn``, so the nearest names to a text come
  by index order (``<->``) whatever their similarity.

Both need only pg_trgm and unaccent, which every database already has.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from alembic import op

from grunndata.db.migration_helpers import grant_app

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

#: What the address loader runs after each load too (``adresse_csv``).
FILL = """
INSERT INTO matrikkel.adressenavn_sted (sokenavn, kommunenummer, postnummer, poststed,
                                        poststedform)
SELECT DISTINCT matrikkel.sokeform(adressenavn), kommunenummer, postnummer, poststed,
       matrikkel.sokeform(poststed)
FROM matrikkel.adresse WHERE adressenavn IS NOT NULL AND upper_inf(registrert)
ON CONFLICT DO NOTHING
"""


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE matrikkel.adressenavn_sted (
            sokenavn      text NOT NULL,
            kommunenummer text NOT NULL,
            postnummer    text,
            poststed      text,
            poststedform  text,
            UNIQUE NULLS NOT DISTINCT (sokenavn, kommunenummer, postnummer, poststed)
        )
        """
    )
    op.execute("CREATE INDEX ON matrikkel.adressenavn_sted (postnummer)")
    op.execute("CREATE INDEX ON matrikkel.adressenavn_sted (kommunenummer)")
    op.execute("CREATE INDEX ON matrikkel.adressenavn_sted (poststedform text_pattern_ops)")
    op.execute(
        "CREATE INDEX adressenavn_knn ON matrikkel.adressenavn "
        "USING gist (sokenavn public.gist_trgm_ops)"
    )
    op.execute(FILL)
    op.execute(
        "COMMENT ON TABLE matrikkel.adressenavn_sted IS "
        "'Street names (search form) per kommune, postnummer and poststed (address washing)'"
    )
    grant_app("GRANT SELECT, INSERT, UPDATE ON matrikkel.adressenavn_sted TO {app}")


def downgrade() -> None:
    op.execute("DROP INDEX matrikkel.adressenavn_knn")
    op.execute("DROP TABLE matrikkel.adressenavn_sted")
