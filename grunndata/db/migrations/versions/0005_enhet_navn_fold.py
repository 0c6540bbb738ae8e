"""Enhetsregisteret: name search folds case the same way on both sides, in any locale.

``lower()`` follows the database's locale: in a C locale (the embedded cluster's) it
leaves Æ, Ø, Å, É, ... as they are, so ``lower('VARDÅS KAFÉ')`` never equals the
``vardås kafé`` a caller types, and exact and prefix matches ranked wrongly.
``enhetsregister.navn_fold`` lowers those letters too.

Folding costs (``translate`` over multibyte text is some microseconds a name), so it is
done once, when a version is written: ``navn_sok`` is the folded name, a stored generated
column. Search matches and ranks on it, through a GIN trigram index (``<%``, ``LIKE``) on
the present versions. Exact and prefix matches need no index of their own: a name that
starts with the words asked for has word similarity 1, so the trigram index finds it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UPPER = "ÆØÅÄÖÜÉÈÊËÁÀÂÓÒÔÚÙÛÍÌÎÏÇÑ"
NOW = "WHERE upper_inf(registrert) AND upper_inf(gyldig)"


def upgrade() -> None:
    op.execute(
        "CREATE FUNCTION enhetsregister.navn_fold(navn text) RETURNS text "
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE "
        f"AS $$ SELECT translate(lower(navn), '{UPPER}', '{UPPER.lower()}') $$"
    )
    op.execute(
        "COMMENT ON FUNCTION enhetsregister.navn_fold(text) IS 'A name lowered for search, "
        "Norwegian and accented letters too, whatever the database locale'"
    )
    op.execute(
        "ALTER TABLE enhetsregister.enhet ADD COLUMN navn_sok text "
        "GENERATED ALWAYS AS (enhetsregister.navn_fold(navn)) STORED"
    )
    op.execute(
        "COMMENT ON COLUMN enhetsregister.enhet.navn_sok IS 'navn folded for search "
        "(navn_fold), computed once when the version is written'"
    )
    op.execute("DROP INDEX enhetsregister.enhet_navn_trgm")
    op.execute(
        "CREATE INDEX enhet_navn_trgm ON enhetsregister.enhet "
        f"USING gin (navn_sok gin_trgm_ops) {NOW}"
    )


def downgrade() -> None:
    op.execute("DROP INDEX enhetsregister.enhet_navn_trgm")
    op.execute("ALTER TABLE enhetsregister.enhet DROP COLUMN navn_sok")
    op.execute(
        "CREATE INDEX enhet_navn_trgm ON enhetsregister.enhet "
        f"USING gin (lower(navn) gin_trgm_ops) {NOW}"
    )
    op.execute("DROP FUNCTION enhetsregister.navn_fold(text)")
