"""Following the sources' change feeds (``grunndata follow``): see docs/follow.md.

- ``settings``: the sources' URLs and the follower's retry and batch settings;
- ``http``: one source's HTTP client, with retries, backoff, jitter and ``Retry-After``;
- ``maskinporten``: the JWT-bearer grant (RFC 7523) for Folkeregisteret's token;
- ``state``: ``felles.kilde``, the cursor and status of each source, and its lock;
- ``batch``: one followed batch applied through a register's own source format, its
  cursor moved in the same transaction, journalled as a load;
- ``follow``: the loop (``--once``, ``--interval``, SIGTERM) around a source's follower;
- ``standin``: stand-ins of the sources for tests, demos and benchmarks.

The followers themselves live in the registers' rooms (``registers/*/kilde.py``); the
commands in ``grunndata.cli.follow``.
"""
