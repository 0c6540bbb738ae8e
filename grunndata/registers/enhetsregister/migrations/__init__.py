"""The ``enhetsregister`` version branch: this register's migrations (``docs/migrations.md``)."""
