"""Alembic environment: run on the connection ``grunndata.db.migrate.upgrade`` hands over."""

from alembic import context

connection = context.config.attributes["connection"]
connection.exec_driver_sql("CREATE SCHEMA IF NOT EXISTS felles")
context.configure(
    connection=connection,
    version_table_schema="felles",
    transaction_per_migration=False,
    target_metadata=None,
)
with context.begin_transaction():
    context.run_migrations()
