"""The ``felles`` version branch: migrations of what belongs to no register
(``docs/migrations.md``)."""
