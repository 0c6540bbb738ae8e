"""Each register alone as an Apollo Federation v2 subgraph (``grunndata serve --subgraph``).

A subgraph is built from the same room classes as the single-process schema; only the
schema build differs, and only for that build (nothing global changes, so any number of
schemas can be built in one process):

- the entity types the register owns get their ``@key`` directives;
- another register's entity type, wherever the register's fields reach it (a lazy
  annotation on a field of its own type), becomes a *stub*: its key fields only,
  plus the fields this register contributes to it (``Register.extensions``), which the
  gateway resolves here through ``_entities``;
- ``Context.entity`` for a type the register does not own answers a stub reference (its
  key, nothing loaded), which the owning subgraph resolves: no subgraph reads another
  register's tables. A stub has one key (see ``stubs.reference_key``); by any other key
  ``Context.entity`` answers None;
- shared machinery types (``PageInfo``, ...) are ``@shareable``.

The swap happens in the schema converter, where every type of the schema passes once:
``build._SubgraphConverter.from_object`` turns a room's definition into the subgraph's.

The modules: ``keys`` (entity keys and representations), ``stubs`` (other registers'
entities), ``entities`` (``Query._entities``), ``build`` (``build_subgraph_schema``, what
serving imports) and ``composition`` (the supergraph, by Node: for the CLI and the tests,
never on the serving path).
"""
