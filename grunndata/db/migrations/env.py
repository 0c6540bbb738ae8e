"""Alembic environment: run on the connection ``grunndata.db.migrate.upgrade`` hands over."""

from alembic import context

connection = context.config.attributes["connection"]
# Only when missing: CREATE SCHEMA IF NOT EXISTS needs the privilege even when the schema
# exists, and an up-to-date database must start for a role that owns nothing (the app role).
if connection.exec_driver_sql("SELECT to_regnamespace('felles')").scalar() is None:
    connection.exec_driver_sql("CREATE SCHEMA felles")
context.configure(
    connection=connection,
    version_table_schema="felles",
    transaction_per_migration=False,
    target_metadata=None,
)
with context.begin_transaction():
    context.run_migrations()
