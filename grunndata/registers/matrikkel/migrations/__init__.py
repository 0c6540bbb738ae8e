"""The ``matrikkel`` version branch: this register's migrations (``docs/migrations.md``)."""
