"""Helpers for migrations: who the app role is, and granting it what it needs."""

from __future__ import annotations

from alembic import context, op


def app_role() -> str | None:
    """The role the server and loaders connect as; None when it is the owner itself."""
    role = context.config.attributes.get("app_role")
    owner = op.get_bind().exec_driver_sql("SELECT current_user").scalar()
    return None if role in (None, owner) else role


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def grant_app(statement: str) -> None:
    """Run ``statement`` with ``{app}`` replaced by the quoted app role (skipped when the
    app connects as the owner, where every grant is implied)."""
    role = app_role()
    if role is not None:
        op.execute(statement.format(app=quote_ident(role)))
