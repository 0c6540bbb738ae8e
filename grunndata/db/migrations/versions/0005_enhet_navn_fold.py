"""Enhetsregisteret: name search folds case the same way on both sides, in any locale.

``lower()`` follows the database's locale: in a C locale (the embedded cluster's) it
leaves Æ, Ø, Å, É, ... as they are, so ``lower('VARDÅS KAFÉ')`` never equals the
``vardås kafé`` a caller types, and exact and prefix matches ranked wrongly.
``enhetsregister.navn_fold`` lowers those letters too; the trigram index is on it.

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
    op.execute("DROP INDEX enhetsregister.enhet_navn_trgm")
    op.execute(
        "CREATE INDEX enhet_navn_trgm ON enhetsregister.enhet "
        f"USING gin (enhetsregister.navn_fold(navn) gin_trgm_ops) {NOW}"
    )


def downgrade() -> None:
    op.execute("DROP INDEX enhetsregister.enhet_navn_trgm")
    op.execute(
        "CREATE INDEX enhet_navn_trgm ON enhetsregister.enhet "
        f"USING gin (lower(navn) gin_trgm_ops) {NOW}"
    )
    op.execute("DROP FUNCTION enhetsregister.navn_fold(text)")
