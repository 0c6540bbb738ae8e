"""The register's tables (schema ``enhetsregister``, made by migration 0004)."""

from __future__ import annotations

from grunndata.loaders.versioning import VersionedTable
from grunndata.registers.enhetsregister.fields import CONTENT_COLUMNS

ENHET = VersionedTable(
    "enhetsregister.enhet", key=("organisasjonsnummer",), content=CONTENT_COLUMNS
)

ROLLE_CONTENT: tuple[str, ...] = (
    "rollegruppe_kode",
    "rollegruppe_beskrivelse",
    "sist_endret",
    "rolletype_kode",
    "rolletype_beskrivelse",
    "person_fodselsnummer",
    "person_fodselsdato",
    "person_fornavn",
    "person_mellomnavn",
    "person_etternavn",
    "person_er_doed",
    "enhet_organisasjonsnummer",
    "enhet_navn",
    "enhet_organisasjonsform_kode",
    "enhet_er_slettet",
    "valgt_av_kode",
    "valgt_av_beskrivelse",
    "ansvarsandel",
    "fratraadt",
    "rekkefolge",
)
#: One role group of one unit is one entity: it changes as a whole, from its sistEndret.
ROLLE = VersionedTable(
    "enhetsregister.rolle",
    key=("organisasjonsnummer", "rollegruppe_kode"),
    content=tuple(c for c in ROLLE_CONTENT if c != "rollegruppe_kode"),
)
