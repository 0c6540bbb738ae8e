"""From register files to versioned rows: the machinery every register's formats share.

- ``sources``: files, ``.gz``, ``.zip`` and directories, streamed, counted and hashed.
- ``formats``: the shape of a source format, and detection.
- ``report``: rejects and warnings, record by record, and the reject file.
- ``bulk``: COPY into a staging table.
- ``versioning``: the set-based merge of a snapshot into a table of versions.
- ``journal``: ``felles.load``, one row per file loaded.
- ``run``: a load or validation of many files, one transaction each, with exit codes.
"""
