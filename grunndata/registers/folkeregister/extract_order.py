"""Extract order for Freg: a document older than what is stored for its person does not
overwrite newer facts.

Freg's extract time is ``ajourholdstidspunkt``, per element: a document's time is the
latest of its versions' (``PersonDocument.ajourholdt``), and a person's stored time the
latest of the versions earlier loads stored for it. A document older than its person's
stored time is a rejected record naming the person and both times (the shared wording of
``grunndata.loaders.extract_order``). With ``--historical`` its facts become history only:
each version it brings that is not stored is recorded as ended (``fjernet``) at the
person's stored time, so it answers for the recorded times before that and never as
current, and it ends none of the stored versions (``merge`` skips its removals). A version
that would replace a stored, held version of the same fact (the same
``gyldighetstidspunkt``, recorded at or after it) would end it, so it is left out.

Documents of one load are judged against what earlier loads stored, so a file's own
history (several documents of a person) merges as before. A document without any
``ajourholdstidspunkt`` cannot be placed and is taken.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import psycopg

from grunndata.loaders import extract_order
from grunndata.loaders.formats import LoadContext
from grunndata.registers.folkeregister.document import PersonDocument

#: Per staged person (``st_person``): the latest ajourholdstidspunkt of the versions that
#: earlier loads stored for it.
STORED = """
SELECT p.gruppe, p.person_id, max(v.ajourholdstidspunkt)
FROM st_person p JOIN folkeregister.versjon v USING (person_id)
WHERE v.load_id IS DISTINCT FROM %s AND v.tilbakefort_av IS NULL
GROUP BY p.gruppe, p.person_id
"""

#: The versions of history-only documents that would replace a held stored version.
DROP_REPLACING = """
DELETE FROM st_versjon s USING st_dok d, st_person p, folkeregister.versjon v
WHERE d.doc = s.doc AND d.grense IS NOT NULL AND p.gruppe = s.gruppe
  AND v.person_id = p.person_id AND v.element = s.element
  AND v.relasjon = coalesce(s.relasjon, '') AND v.fjernet IS NULL AND v.innhold <> s.innhold
  AND v.tilbakefort_av IS NULL
  AND coalesce(v.gyldighetstidspunkt, '-infinity') = coalesce(s.gyldighetstidspunkt, '-infinity')
  AND coalesce(v.ajourholdstidspunkt, '-infinity') <= coalesce(s.ajourholdstidspunkt, '-infinity')
"""


def judge(
    conn: psycopg.Connection,
    documents: Sequence[PersonDocument],
    groups: Sequence[int],
    context: LoadContext,
) -> tuple[list[PersonDocument], list[int], list[dt.datetime | None]]:
    """The documents to merge, their groups, and per document the stored time it is
    history before (None: an ordinary document). Older documents are rejected, or kept
    as history with ``--historical``."""
    stored = {
        group: (person_id, time)
        for group, person_id, time in conn.execute(STORED, [context.load_id]).fetchall()
    }
    historical = extract_order.historical(context)
    kept: list[PersonDocument] = []
    kept_groups: list[int] = []
    limits: list[dt.datetime | None] = []
    for document, group in zip(documents, groups, strict=True):
        person_id, time = stored.get(group, (None, None))
        own = document.ajourholdt
        older = time is not None and own is not None and own < time
        if older and not historical:
            assert time is not None and own is not None
            what = f"person {document.identifikasjonsnummer} (stored person {person_id})"
            context.report.reject(document.location, extract_order.older_reason(what, time, own))
            continue
        kept.append(document)
        kept_groups.append(group)
        limits.append(time if older else None)
    return kept, kept_groups, limits


def drop_replacing(conn: psycopg.Connection) -> None:
    """Leave out the history-only versions that would end a held stored version."""
    conn.execute(DROP_REPLACING)
