"""Whole answers built in SQL: one statement per root field, JSON straight to the caller.

Executing a query field by field costs Python ~30 µs per field (graphql-core's completion
plus strawberry's resolver wrapping); a 100-item list with nested lists selects over a
thousand fields. So rooms may describe their types in SQL too: a ``SqlType`` maps a GraphQL
field to a ``Column`` (an SQL expression over the row), a ``Nested`` object built from the
same row, ``Related`` rows (a correlated subquery, one per relation, inside the same
statement), or ``Paged`` ones (a connection, its page bound per request). A root field with
an ``SqlRoot`` then answers a query whose every selected field has such a form with one
statement building the whole JSON, which the server sends as it comes (``SqlFirst``).

Anything else runs through the resolvers as before, which stay the reference: a field
without an SQL form, any directive, a field argument (but a ``Paged`` field's page, which
``connection.page`` checks), a root field whose ``SqlRoot``
declines (``None``: e.g. a malformed key, for the resolver to report), or a null answer
where the resolver may have more to say (``RootPlan.fall_back_on_null``: a former
matrikkelnummer, an error). ``tests/graphql/test_sqljson.py`` checks both paths answer alike;
``tests/graphql/test_sqlform_coverage.py`` asks every field of the schema both ways, and
``tests/graphql/sqlform_gaps.txt`` lists the fields without a form.

Access control (``grunndata.graphql.access``) holds on both paths, from the same rules: a
query selecting any field the request's principal may not read goes to the resolvers
(which answer null and the error); the limits (``limits.refusal``) are checked alike. Rows
of persons (a type with a ``PersonForm``) and of what names one (``linked_person``) carry a
mark in the statement's JSON, taken out before sending: the identifier the lookup log
records, whether the person's address is graded now, and the field groups read. A graded
person in an answer to a principal without ``folkeregister/adressebeskyttelse`` sends the
query to the resolvers (rare), which hide or refuse as the rules say; every other person
returned is logged as the resolvers log it. ``tests/access/test_sqlguard.py`` checks it.

"Graded now" is asked in the statement (a probe of ``felles.adressebeskyttelse`` per mark)
only for roots of ``answers.PROBED_SHAPES``; the other roots' marks leave it unasked, and it is
asked once for all the identifiers they name, only for a principal without the scope, in
the request's snapshot like every other statement (``gradering.any_graded_sql``; a graded
one sends the query to the resolvers). (It once rode on the lookup log's write to save the
round trip, but the log's connection sees a later state than the answer's snapshot.)
Measured in process on the benchmark data (docs/benchmarks.md): a list of 100 units with
owners has 400 marks naming 200 persons, whose probes cost ~0.27 ms of PostgreSQL's
execution against ~0.13 ms for the one statement more; a single entity has a handful of
marks, and the round trip cost more than its probes (``eiendom`` 0.35 → 0.50 ms an
answer), so ``Shape.ONE`` roots keep the probes.

The modules, one concept each: ``forms`` (what a register declares: ``SqlType``,
``Column``, ``Nested``, ``Related``, ``Paged``, ``ByKey``, ``Link``, ``PersonForm``,
``SqlRoot`` and its ``RootPlan``), ``marks`` (the access-control marks and taking them
out), ``selection`` (the operation and the fields a query selects), ``compiler`` (a root
field's statement), ``pages`` (a connection: edges, cursors, ``pageInfo``), ``answers``
(``SqlAnswers``: answering, and its caches) and ``asgi`` (``SqlFirst``, the entry in front
of the resolvers, and ``logged_answer``).
"""
