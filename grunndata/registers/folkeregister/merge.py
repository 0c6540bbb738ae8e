"""Freg's bitemporal merge: documents' versions into ``versjon``, registrations into ``fakta``.

Recorded times come from the documents (``ajourholdstidspunkt``), not from the load
clock, so the registrations are derived from the versions by the time rules:

- a version's valid time is [gyldighetstidspunkt, opphoerstidspunkt); without an
  opphoerstidspunkt it ends where the next version of the fact (the same relation, for a
  multi-valued fact) begins, as the register knew it at that recorded time; a
  missing gyldighetstidspunkt is "since always"; a next version that begins before a
  given opphoerstidspunkt ends the valid time there;
- a version's recorded time starts at ajourholdstidspunkt (missing: since always) and
  ends when a version that replaces it is recorded (one with the same
  gyldighetstidspunkt, recorded later) or at ``fjernet`` (a newer document holding the
  element no longer holds the version). ``erGjeldende`` does not end it.

Everything is set-based: staging tables filled by COPY, then a few statements per batch.
The last one refreshes the batch's persons in ``felles.adressebeskyttelse`` (graded persons,
by identifier), in the batch's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg

from grunndata.errors import SourceError
from grunndata.loaders import statistics
from grunndata.loaders.bulk import copy_rows
from grunndata.loaders.formats import LoadContext, WriteCounts
from grunndata.loaders.run import register_lock_key
from grunndata.registers.folkeregister import extract_order, identity
from grunndata.registers.folkeregister.document import PersonDocument
from grunndata.registers.folkeregister.hendelser import CHANGED

NAME = "folkeregister"

STAGING = (
    """
CREATE TEMP TABLE IF NOT EXISTS st_dok (doc int, gruppe int, ajourholdt timestamptz,
    location text, grense timestamptz) ON COMMIT DROP;
CREATE TEMP TABLE IF NOT EXISTS st_ident (gruppe int, identifikasjonsnummer text) ON COMMIT DROP;
CREATE TEMP TABLE IF NOT EXISTS st_versjon (doc int, gruppe int, element text, relasjon text,
    gyldighetstidspunkt timestamptz, opphoerstidspunkt timestamptz,
    ajourholdstidspunkt timestamptz, er_gjeldende boolean, kilde text, aarsak text,
    data jsonb, innhold text) ON COMMIT DROP;
CREATE TEMP TABLE IF NOT EXISTS st_person (gruppe int PRIMARY KEY, person_id bigint) ON COMMIT DROP;
CREATE TEMP TABLE IF NOT EXISTS st_berort (person_id bigint PRIMARY KEY) ON COMMIT DROP;
TRUNCATE st_dok, st_ident, st_versjon, st_person, st_berort;
"""
    + CHANGED
)

#: Registrations of the versions of the persons in ``st_berort``, by the time rules.
DERIVE = """
WITH v AS (
    SELECT v.id, v.person_id, v.element, v.relasjon,
           coalesce(v.gyldighetstidspunkt, '-infinity') AS g,
           v.opphoerstidspunkt AS o,
           coalesce(v.ajourholdstidspunkt, '-infinity') AS a,
           least(v.fjernet, lead(coalesce(v.ajourholdstidspunkt, '-infinity')) OVER (
               PARTITION BY v.person_id, v.element, v.relasjon,
                            coalesce(v.gyldighetstidspunkt, '-infinity')
               ORDER BY coalesce(v.ajourholdstidspunkt, '-infinity'), v.id)) AS slutt
    FROM folkeregister.versjon v JOIN st_berort USING (person_id)
    WHERE v.tilbakefort_av IS NULL
), live AS (
    SELECT * FROM v WHERE slutt IS NULL OR slutt > a
), grenser AS (
    SELECT DISTINCT person_id, element, relasjon, t
    FROM live CROSS JOIN LATERAL (VALUES (a), (slutt)) AS x (t) WHERE t IS NOT NULL
), intervall AS (
    SELECT person_id, element, relasjon, t AS fra, lead(t) OVER w AS til, row_number() OVER w AS i
    FROM grenser WINDOW w AS (PARTITION BY person_id, element, relasjon ORDER BY t)
), sett AS (
    SELECT l.id, l.person_id, l.element, l.relasjon, n.i, n.fra, n.til, l.g,
           least(l.o, lead(l.g) OVER (PARTITION BY l.person_id, l.element, l.relasjon, n.i
                                      ORDER BY l.g)) AS gslutt
    FROM live l JOIN intervall n USING (person_id, element, relasjon)
    WHERE l.a <= n.fra AND (l.slutt IS NULL OR l.slutt >= n.til)
), oyer AS (
    SELECT *, i - row_number() OVER (PARTITION BY id, gslutt ORDER BY i) AS oy
    FROM sett WHERE gslutt IS NULL OR gslutt > g
)
SELECT id AS versjon_id, person_id, element, relasjon,
       tstzrange(nullif(g, '-infinity'), gslutt) AS gyldig,
       tstzrange(nullif(min(fra), '-infinity'),
                 CASE WHEN bool_or(til IS NULL) THEN NULL ELSE max(til) END) AS registrert
FROM oyer GROUP BY id, person_id, element, relasjon, g, gslutt, oy
"""

#: The batch's persons' rows of felles.adressebeskyttelse (graded persons, read by every
#: register's access control) brought in line with their facts, by the rule written once in
#: migration 0008.
REFRESH_GRADED = (
    "SELECT folkeregister.oppdater_adressebeskyttelse(array(SELECT person_id FROM st_person))"
)

_FAKTA_COLUMNS = (
    "f.versjon_id, f.person_id, f.element, f.relasjon, f.gyldig, f.registrert, f.load_id"
)

#: The tables whose row estimates the merge's plans depend on.
TARGETS = (
    "folkeregister.person",
    "folkeregister.identifikator",
    "folkeregister.versjon",
    "folkeregister.fakta",
)

_SAME = "n.versjon_id = f.versjon_id AND n.gyldig = f.gyldig"
_SAME_START = f"{_SAME} AND lower(n.registrert) IS NOT DISTINCT FROM lower(f.registrert)"


def write_batch(
    conn: psycopg.Connection, documents: Sequence[PersonDocument], context: LoadContext
) -> WriteCounts:
    """Merge one batch of documents (one transaction is the caller's)."""
    load_id = context.load_id
    conn.execute(STAGING)
    # The load's earlier batches are invisible to autovacuum, which may have taken the
    # growing tables for empty (a retry after a killed load): their plans would crawl.
    statistics.refresh_if_stale(conn, *TARGETS)
    documents, groups = _resolve_persons(conn, documents, context)
    # grense: a document older than its person's stored facts is history before that time
    documents, groups, limits = extract_order.judge(conn, documents, groups, context)
    copy_rows(
        conn,
        "st_dok",
        ("doc", "gruppe", "ajourholdt", "location", "grense"),
        ((i, groups[i], d.ajourholdt, d.location, limits[i]) for i, d in enumerate(documents)),
    )
    copy_rows(
        conn,
        "st_ident",
        ("gruppe", "identifikasjonsnummer"),
        ((groups[i], n) for i, d in enumerate(documents) for n in d.identifikatorer),
    )
    columns = (
        "doc",
        "gruppe",
        "element",
        "relasjon",
        "gyldighetstidspunkt",
        "opphoerstidspunkt",
        "ajourholdstidspunkt",
        "er_gjeldende",
        "kilde",
        "aarsak",
        "data",
        "innhold",
    )
    copy_rows(
        conn,
        "st_versjon",
        columns,
        (
            (
                i,
                groups[i],
                v.element,
                v.relasjon,
                v.gyldighetstidspunkt,
                v.opphoerstidspunkt,
                v.ajourholdstidspunkt,
                v.er_gjeldende,
                v.kilde,
                v.aarsak,
                v.data_json,  # JSON text: COPY hands it to jsonb as it is
                v.innhold,
            )
            for i, d in enumerate(documents)
            for v in d.versions
        ),
    )
    # Temporary tables have no statistics until analysed: without them the planner
    # picks nested loops that grow quadratically with the batch.
    conn.execute("ANALYZE st_dok, st_ident, st_versjon, st_person")
    extract_order.drop_replacing(conn)
    conn.execute(
        """INSERT INTO folkeregister.person (id, load_id) SELECT person_id, %s FROM st_person
           WHERE person_id NOT IN (SELECT id FROM folkeregister.person)""",
        [load_id],
    )
    conn.execute(
        """INSERT INTO folkeregister.identifikator (identifikasjonsnummer, person_id, load_id)
           SELECT DISTINCT s.identifikasjonsnummer, p.person_id, %s
           FROM st_ident s JOIN st_person p USING (gruppe)
           ON CONFLICT (identifikasjonsnummer) DO NOTHING""",
        [load_id],
    )
    _check_owners(conn)
    inserted = conn.execute(
        """WITH ny AS (
               INSERT INTO folkeregister.versjon (person_id, element, relasjon, gyldighetstidspunkt,
                   opphoerstidspunkt, ajourholdstidspunkt, er_gjeldende, kilde, aarsak, data,
                   innhold, sist_sett, load_id, fjernet)
               SELECT DISTINCT ON (p.person_id, s.innhold) p.person_id, s.element, s.relasjon,
                   s.gyldighetstidspunkt, s.opphoerstidspunkt, s.ajourholdstidspunkt,
                   s.er_gjeldende, s.kilde, s.aarsak, s.data, s.innhold, d.ajourholdt, %s,
                   d.grense
               FROM st_versjon s JOIN st_dok d USING (doc) JOIN st_person p ON p.gruppe = s.gruppe
               ORDER BY p.person_id, s.innhold, d.ajourholdt DESC NULLS LAST
               ON CONFLICT (person_id, innhold) WHERE tilbakefort_av IS NULL DO NOTHING
               RETURNING person_id, element),
           berort AS (INSERT INTO st_berort SELECT DISTINCT person_id FROM ny),
           hendelse AS (INSERT INTO st_endret SELECT DISTINCT person_id, element FROM ny)
           SELECT count(*) FROM ny""",
        [load_id],
    ).fetchone()[0]
    # The newest document holding a version says whether it is erGjeldende. What this and
    # the next statement overwrite is journalled (``versjon_endret``) for a revert.
    conn.execute(
        """WITH s AS (SELECT DISTINCT ON (p.person_id, s.innhold) p.person_id, s.innhold,
                        s.er_gjeldende, d.ajourholdt
                 FROM st_versjon s JOIN st_dok d USING (doc) JOIN st_person p ON p.gruppe = s.gruppe
                 ORDER BY p.person_id, s.innhold, d.ajourholdt DESC NULLS LAST),
           endres AS (SELECT v.id, v.er_gjeldende, v.sist_sett, v.fjernet,
                             s.er_gjeldende AS ny, s.ajourholdt
                      FROM folkeregister.versjon v JOIN s USING (person_id, innhold)
                      WHERE v.tilbakefort_av IS NULL
                        AND s.ajourholdt >= coalesce(v.sist_sett, '-infinity')
                        AND v.er_gjeldende IS DISTINCT FROM s.er_gjeldende),
           was AS (INSERT INTO folkeregister.versjon_endret
                       (load_id, versjon_id, er_gjeldende, sist_sett, fjernet)
                   SELECT %s, id, er_gjeldende, sist_sett, fjernet FROM endres),
           endret AS (UPDATE folkeregister.versjon v
               SET er_gjeldende = e.ny, sist_sett = e.ajourholdt
               FROM endres e WHERE v.id = e.id RETURNING v.person_id, v.element)
           INSERT INTO st_endret SELECT DISTINCT person_id, element FROM endret""",
        [load_id],
    )
    # A newer document that holds an element but no longer a version of it: removed then.
    conn.execute(
        """WITH borte AS (
               SELECT v.id, min(d.ajourholdt) AS t
               FROM st_dok d JOIN st_person p USING (gruppe)
               JOIN folkeregister.versjon v ON v.person_id = p.person_id
               WHERE v.tilbakefort_av IS NULL
                 AND coalesce(v.ajourholdstidspunkt, '-infinity') < d.ajourholdt
                 AND d.grense IS NULL
                 AND EXISTS (SELECT 1 FROM st_versjon s
                             WHERE s.doc = d.doc AND s.element = v.element)
                 AND NOT EXISTS (SELECT 1 FROM st_versjon s
                                 WHERE s.doc = d.doc AND s.innhold = v.innhold)
               GROUP BY v.id), endres AS (
               SELECT v.id, v.person_id, v.er_gjeldende, v.sist_sett, v.fjernet, borte.t
               FROM folkeregister.versjon v JOIN borte USING (id)
               WHERE v.fjernet IS NULL OR v.fjernet > borte.t), was AS (
               INSERT INTO folkeregister.versjon_endret
                   (load_id, versjon_id, er_gjeldende, sist_sett, fjernet)
               SELECT %s, id, er_gjeldende, sist_sett, fjernet FROM endres), endret AS (
               UPDATE folkeregister.versjon v SET fjernet = e.t FROM endres e
               WHERE v.id = e.id RETURNING v.person_id, v.element), hendelse AS (
               INSERT INTO st_endret SELECT DISTINCT person_id, element FROM endret)
           INSERT INTO st_berort SELECT DISTINCT person_id FROM endret ON CONFLICT DO NOTHING""",
        [load_id],
    )
    conn.execute("ANALYZE st_berort")
    statistics.refresh_if_stale(conn, "folkeregister.versjon", "folkeregister.fakta")
    closed = rederive(conn, load_id)
    conn.execute(REFRESH_GRADED)
    held = sum(len(d.versions) for d in documents)
    return WriteCounts(inserted=inserted, superseded=closed, unchanged=max(held - inserted, 0))


def _resolve_persons(
    conn: psycopg.Connection, documents: Sequence[PersonDocument], context: LoadContext
) -> tuple[list[PersonDocument], list[int]]:
    """The documents that may be taken, each with its group (one per person), and
    ``st_person`` filled: each group's stored person, or a new one. The others are
    rejected by the identity rules (``identity``), after the register's lock is taken."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [register_lock_key(NAME)])
    numbers = sorted({n for d in documents for n in d.identifikatorer})
    stored = identity.stored_persons(conn, numbers)
    taken = identity.assign(
        documents, stored, lambda document, reason: context.report.reject(document.location, reason)
    )
    group_of: dict[int, int] = {}
    for _, person in taken:
        group_of.setdefault(id(person), len(group_of))
    people = {id(person): person for _, person in taken}
    copy_rows(
        conn,
        "st_person",
        ("gruppe", "person_id"),
        ((group, people[key].person_id) for key, group in group_of.items()),
    )
    conn.execute(
        "UPDATE st_person SET person_id = "
        "nextval(pg_get_serial_sequence('folkeregister.person', 'id')) WHERE person_id IS NULL"
    )
    return [documents[i] for i, _ in taken], [group_of[id(person)] for _, person in taken]


def _check_owners(conn: psycopg.Connection) -> None:
    """Every staged identifier is its group's person's: a writer that did not take the
    register's lock cannot have given one to another person meanwhile."""
    moved = conn.execute(
        """SELECT s.identifikasjonsnummer, i.person_id, p.person_id
           FROM st_ident s JOIN st_person p USING (gruppe)
           JOIN folkeregister.identifikator i USING (identifikasjonsnummer)
           WHERE i.person_id <> p.person_id LIMIT 1"""
    ).fetchone()
    if moved:
        number, owner, other = moved
        raise SourceError(
            f"identifier {number} was given to stored person {owner} while this load gave it "
            f"to person {other}: nothing from this file was written"
        )


def rederive(conn: psycopg.Connection, load_id: int | None) -> int:
    """Bring the affected persons' registrations in line with their versions: close
    what a newer version ended, add what is new. Returns how many were closed."""
    conn.execute(f"CREATE TEMP TABLE st_fakta ON COMMIT DROP AS {DERIVE}")
    conn.execute("ANALYZE st_fakta")
    # Every row removed or rewritten is journalled as it was (``fakta_endret``).
    conn.execute(
        f"""WITH borte AS (DELETE FROM folkeregister.fakta f USING st_berort b
                WHERE f.person_id = b.person_id
                  AND NOT EXISTS (SELECT 1 FROM st_fakta n WHERE {_SAME_START})
                RETURNING f.*)
            INSERT INTO folkeregister.fakta_endret SELECT %s, {_FAKTA_COLUMNS} FROM borte f""",
        [load_id],
    )
    closed = conn.execute(
        f"""WITH was AS (INSERT INTO folkeregister.fakta_endret
                SELECT %(load)s, {_FAKTA_COLUMNS}
                FROM folkeregister.fakta f JOIN st_fakta n ON {_SAME_START}
                WHERE n.registrert <> f.registrert)
            UPDATE folkeregister.fakta f SET registrert = n.registrert, load_id = %(load)s
            FROM st_fakta n WHERE {_SAME_START} AND n.registrert <> f.registrert""",
        {"load": load_id},
    ).rowcount
    conn.execute(
        f"""INSERT INTO folkeregister.fakta
                (versjon_id, person_id, element, relasjon, gyldig, registrert, load_id)
            SELECT n.versjon_id, n.person_id, n.element, n.relasjon, n.gyldig, n.registrert, %s
            FROM st_fakta n
            WHERE NOT EXISTS (SELECT 1 FROM folkeregister.fakta f
                              WHERE {_SAME} AND f.registrert = n.registrert)
            ORDER BY n.person_id, n.element, n.relasjon""",
        [load_id],
    )
    conn.execute("DROP TABLE st_fakta")
    return closed
