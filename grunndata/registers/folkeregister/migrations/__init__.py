"""The ``folkeregister`` version branch: this register's migrations (``docs/migrations.md``)."""
