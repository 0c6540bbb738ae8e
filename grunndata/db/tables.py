"""The tables of schema ``felles`` (what belongs to no register), declared once.

``versioned`` and ``CURRENT`` serve every room's versioned tables. The ``felles``
migrations (``docs/migrations.md``) make them; ``tests/db/test_tables.py``
checks that they make exactly these. Loaders and queries use psycopg and SQL directly.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TIMESTAMP, TSTZMULTIRANGE, TSTZRANGE

METADATA = MetaData()

#: An index's predicate over the current registrations of a versioned table.
CURRENT = text("upper_inf(registrert)")


def versioned(table: str, *, revertible: bool = False) -> list[Column[Any] | CheckConstraint]:
    """What every versioned (bitemporal) table of a register has: valid time ``gyldig``,
    recorded time ``registrert`` (neither empty) and the load that wrote the version
    (``grunndata.loaders.versioning``). A table merged by ``merge_snapshot`` is
    ``revertible``: it also has ``ersatt_av`` and ``tilbakefort``, and a version a revert
    took out has an empty ``registrert`` (``grunndata.loaders.revert``)."""
    if not revertible:
        return [
            Column("gyldig", TSTZRANGE, nullable=False),
            Column("registrert", TSTZRANGE, nullable=False),
            Column("load_id", BigInteger, ForeignKey("felles.load.id"), nullable=False),
            CheckConstraint("NOT isempty(gyldig)", name=f"{table}_gyldig_check"),
            CheckConstraint("NOT isempty(registrert)", name=f"{table}_registrert_check"),
        ]
    return [
        Column("gyldig", TSTZRANGE, nullable=False),
        Column("registrert", TSTZRANGE, nullable=False),
        Column("load_id", BigInteger, ForeignKey("felles.load.id"), nullable=False),
        Column(
            "ersatt_av",
            BigInteger,
            comment="The load that closed its recorded time (or the revert that took it out)",
        ),
        Column("tilbakefort", TSTZRANGE, comment="Its recorded time before a revert took it out"),
        CheckConstraint("NOT isempty(gyldig)", name=f"{table}_gyldig_check"),
        CheckConstraint(
            "NOT isempty(registrert) OR tilbakefort IS NOT NULL",
            name=f"{table}_registrert_check",
        ),
    ]


Table(
    "adressebeskyttelse",
    METADATA,
    Column("identifikasjonsnummer", Text, primary_key=True),
    Column("person_id", BigInteger, nullable=False),
    Column(
        "gradert",
        TSTZMULTIRANGE,
        nullable=False,
        comment=(
            "Valid times in which the address is graded (fortrolig, strengtFortrolig, ...): graded "
            "now is gradert @> now()"
        ),
    ),
    CheckConstraint("NOT isempty(gradert)", name="adressebeskyttelse_gradert_check"),
    Index("adressebeskyttelse_person", "person_id"),
    schema="felles",
    comment=(
        "Every identifier of a person whose address is graded now or later, by Folkeregisteret's "
        "current registrations: readable by every register's process. Kept by "
        "folkeregister.oppdater_adressebeskyttelse"
    ),
)

Table(
    "kilde",
    METADATA,
    Column("navn", Text, primary_key=True),
    Column("posisjon", Text),
    Column("baseline", JSONB),
    Column("sist_ok", TIMESTAMP(timezone=True)),
    Column("sist_feil", TIMESTAMP(timezone=True)),
    Column("feil", Text),
    Column("etterslep", BigInteger),
    Column("avvist", BigInteger, nullable=False, server_default=text("0")),
    Column(
        "endret", TIMESTAMP(timezone=True), nullable=False, server_default=text("clock_timestamp()")
    ),
    schema="felles",
    comment=(
        "One row per followed source: its cursor (committed with the data it covers), the baseline "
        "in progress, last success and error, lag and rejects"
    ),
)

Table(
    "load",
    METADATA,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column(
        "started_at",
        TIMESTAMP(timezone=True),
        nullable=False,
        server_default=text("clock_timestamp()"),
    ),
    Column(
        "locked_at",
        TIMESTAMP(timezone=True),
        comment="When the load got its register's lock: loads of a register commit in this order",
    ),
    Column("finished_at", TIMESTAMP(timezone=True)),
    Column("status", Text, nullable=False, server_default=text("'running'::text")),
    Column("source", Text, nullable=False),
    Column("format", Text),
    Column("register", Text),
    Column("sha256", Text),
    Column(
        "extract_date",
        TIMESTAMP(timezone=True),
        comment="The source's own extract date (uttrekksdato), when the file says it",
    ),
    Column("inserted", BigInteger, nullable=False, server_default=text("0")),
    Column("superseded", BigInteger, nullable=False, server_default=text("0")),
    Column("unchanged", BigInteger, nullable=False, server_default=text("0")),
    Column("rejected", BigInteger, nullable=False, server_default=text("0")),
    Column("warnings", BigInteger, nullable=False, server_default=text("0")),
    Column("message", Text),
    Column("loaded_by", Text, nullable=False, server_default=text("CURRENT_USER")),
    Column(
        "kilde",
        Text,
        comment="For a followed batch: its source (kilde_fra..kilde_til: its cursor range)",
    ),
    Column("kilde_fra", Text),
    Column("kilde_til", Text),
    Column(
        "extract_time_kind",
        Text,
        comment=(
            "Where extract_date comes from: the file, --extract-time, the file's mtime, or when a "
            "followed batch was fetched"
        ),
    ),
    Column(
        "backend_pid",
        Integer,
        comment=(
            "The PostgreSQL backend holding the load's advisory lock (pg_advisory_lock(1734633068, "
            "id)) while it runs"
        ),
    ),
    Column("process", Text, comment="The loading process: host and pid"),
    Column(
        "reverts",
        BigInteger,
        ForeignKey("felles.load.id"),
        comment="For a revert: the load it reverted",
    ),
    Column(
        "reverted_by",
        BigInteger,
        ForeignKey("felles.load.id"),
        comment="The revert that reverted this load",
    ),
    Column("os_user", Text, comment="Who ran it (the operating-system user)"),
    Column(
        "kilde_for",
        JSONB,
        comment="For a followed batch: its source's cursor (posisjon, baseline) before it",
    ),
    Index("load_reverts", "reverts", unique=True),
    Column(
        "ended",
        Integer,
        nullable=False,
        server_default=text("0"),
        comment="Entities a complete extract lacked, whose valid time it ended",
    ),
    CheckConstraint(
        (
            "extract_time_kind = ANY (ARRAY['file'::text, 'given'::text, 'modified'::text, "
            "'fetched'::text])"
        ),
        name="load_extract_time_kind_check",
    ),
    CheckConstraint(
        (
            "status = ANY (ARRAY['running'::text, 'loaded'::text, 'partial'::text, 'failed'::text, "
            "'aborted'::text])"
        ),
        name="load_status_check",
    ),
    Index("load_running", "id", postgresql_where=text("(status = 'running'::text)")),
    schema="felles",
    comment="One row per source file loaded: what, when, counts",
)

Table(
    "oppslagslogg",
    METADATA,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column(
        "tidspunkt",
        TIMESTAMP(timezone=True),
        primary_key=True,
        nullable=False,
        server_default=text("now()"),
    ),
    Column(
        "konsument",
        Text,
        comment="The consumer's organisasjonsnummer (from the token's consumer.ID 0192:<orgnr>)",
    ),
    Column("scopes", ARRAY(Text), nullable=False, server_default=text("'{}'::text[]")),
    Column("pid", Text),
    Column("feltgrupper", ARRAY(Text), nullable=False, server_default=text("'{}'::text[]")),
    Column(
        "identifikasjonsnumre",
        ARRAY(Text),
        nullable=False,
        comment=(
            "The persons returned with these field groups (GIN: identifikasjonsnumre @> ARRAY[x])"
        ),
    ),
    Column("operasjon", Text),
    Column("request_id", Text, nullable=False),
    Column("behandlingsgrunnlag", Text),
    Index("oppslagslogg_personer", "identifikasjonsnumre", postgresql_using="gin"),
    schema="felles",
    comment=(
        "Who looked up which persons (one row per request and field-group set), when, why and "
        "which field groups they got: append-only"
    ),
    postgresql_partition_by="RANGE (tidspunkt)",
)

#: The lookup log's partitions, made at run time (``felles.oppslagslogg_partisjoner``):
#: one per month, named by it, and the default. Declared by their parent, not here.
LOG_PARTITION = re.compile(r"^oppslagslogg_(y\d{4}m\d{2}|standard)$")
#: A monthly partition's name (in its indexes' and constraints' names too).
LOG_MONTH = re.compile(r"oppslagslogg_y\d{4}m\d{2}")

Table(
    "oppslagslogg_sletting",
    METADATA,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column(
        "tidspunkt",
        TIMESTAMP(timezone=True),
        nullable=False,
        server_default=text("clock_timestamp()"),
    ),
    Column("utfort_av", Text, nullable=False, server_default=text("SESSION_USER")),
    Column("partisjon", Text, nullable=False),
    Column("fra", TIMESTAMP(timezone=True), nullable=False),
    Column("til", TIMESTAMP(timezone=True), nullable=False),
    Column("rader", BigInteger, nullable=False),
    Column("eldre_enn", TIMESTAMP(timezone=True), nullable=False),
    schema="felles",
    comment=(
        "Months of the lookup log dropped past retention (grunndata db prune-log): when, by "
        "whom, how many rows"
    ),
)

Table(
    "load_avvist",
    METADATA,
    Column("load_id", BigInteger, ForeignKey("felles.load.id"), primary_key=True),
    Column("nr", Integer, primary_key=True),
    Column("location", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column(
        "sekvensnummer",
        BigInteger,
        comment="For a followed batch: the rejected event's sequence number in its source",
    ),
    schema="felles",
    comment="The records each load rejected (at most its first 10 000), in the order found",
)

Table(
    "uttak",
    METADATA,
    Column("register", Text, primary_key=True),
    Column("nokkel", Text, primary_key=True),
    Column("uttatt", TIMESTAMP(timezone=True), nullable=False),
    Column("load_id", BigInteger, ForeignKey("felles.load.id"), nullable=False),
    schema="felles",
    comment="Per entity: the extract time of the newest source stored for it",
)

Table(
    "uttak_endret",
    METADATA,
    Column("load_id", BigInteger, nullable=False),
    Column("register", Text, nullable=False),
    Column("nokkel", Text, nullable=False),
    Column("uttatt", TIMESTAMP(timezone=True)),
    Column("forrige_load_id", BigInteger),
    Index("uttak_endret_load_id_idx", "load_id"),
    schema="felles",
    comment="What each load overwrote in felles.uttak (uttatt NULL: nothing was stored)",
)

Table(
    "tilbakefort",
    METADATA,
    Column("revert_id", BigInteger, ForeignKey("felles.load.id"), nullable=False),
    Column("load_id", BigInteger, ForeignKey("felles.load.id"), nullable=False),
    Column("register", Text, nullable=False),
    Column("tabell", Text, nullable=False),
    Column("nokkel", Text, nullable=False),
    Index("tilbakefort_revert_id_idx", "revert_id"),
    schema="felles",
    comment="The entities each revert touched (by table and key)",
)

Table(
    "hendelse",
    METADATA,
    Column("sekvensnummer", BigInteger, primary_key=True, autoincrement=False),
    Column("last_id", BigInteger, nullable=False, comment="The load or followed batch"),
    Column("tidspunkt", TIMESTAMP(timezone=True), nullable=False),
    Column("register", Text, nullable=False),
    Column("entitet", Text, nullable=False),
    Column("noekkel", Text, nullable=False),
    Column("hendelsestype", Text, nullable=False),
    Column("feltgrupper", ARRAY(Text), nullable=False),
    CheckConstraint(
        "hendelsestype = ANY (ARRAY['opprettet'::text, 'endret'::text, 'opphoert'::text, "
        "'slettet'::text, 'tilbakefoert'::text])",
        name="hendelse_hendelsestype_check",
    ),
    Index("hendelse_tidspunkt_brin", "tidspunkt", postgresql_using="brin"),
    schema="felles",
    comment="The change feed: one event per entity a load changed, numbered in commit order",
)
