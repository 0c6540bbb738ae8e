"""grunndata's own change feed: one event per entity a load, followed batch or revert
changed, in ``felles.hendelse``, written in the same transaction as the change.

- ``declare``: what a register publishes (``Register.hendelser``);
- ``staging``: the transaction's events, collected while it merges;
- ``publish``: numbering them (gap-free, in commit order) and ``NOTIFY``;
- ``store``: reading the feed; ``retention``: how long events are kept;
- ``access``: which events a consumer's scopes let it see;
- ``http`` and ``graphql``: the plain HTTP feed and the GraphQL fields.

No module here names a register: each declares its part in its room.
"""
