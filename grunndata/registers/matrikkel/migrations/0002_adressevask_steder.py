"""Address washing: the names of a place nearest a typed name, by index.

A name that neither exists nor is one edit from an existing one is compared with the
names of the place the text gives. Instead of measuring the similarity of every name
in the kommune (thousands in a city), the names come nearest first from a GiST index
over the place and the trigrams of the name (``btree_gist`` for the place's equality,
``pg_trgm`` for ``<->``), one per kind of place. The indexes they replace served the
comparison with every name (and a poststed prefix, which the kommune now covers).

Revision ID: matrikkel_0002
Revises: matrikkel_0001
Create Date: 2026-12-07
"""

from alembic import op

revision = "matrikkel_0002"
down_revision = "matrikkel_0001"
branch_labels = None
depends_on = None

PLACES = ("postnummer", "poststedform", "kommunenummer")
_OLD = {
    "postnummer": "adressenavn_sted_postnummer_idx",
    "poststedform": "adressenavn_sted_poststedform_idx",
    "kommunenummer": "adressenavn_sted_kommunenummer_idx",
}


def upgrade() -> None:
    for place in PLACES:
        op.execute(f"DROP INDEX matrikkel.{_OLD[place]}")
        op.execute(
            f"CREATE INDEX adressenavn_sted_{place}_knn ON matrikkel.adressenavn_sted "
            f"USING gist ({place}, sokenavn public.gist_trgm_ops)"
        )


def downgrade() -> None:
    for place in PLACES:
        op.execute(f"DROP INDEX matrikkel.adressenavn_sted_{place}_knn")
    op.execute("CREATE INDEX ON matrikkel.adressenavn_sted (postnummer)")
    op.execute("CREATE INDEX ON matrikkel.adressenavn_sted (kommunenummer)")
    op.execute("CREATE INDEX ON matrikkel.adressenavn_sted (poststedform text_pattern_ops)")
