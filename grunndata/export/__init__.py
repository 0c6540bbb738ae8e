"""``grunndata export``: a register's current state from one snapshot, stamped with the
change feed's sequence number (``docs/feed.md``), and Matrikkelen's GeoPackage per kommune
over HTTP."""
