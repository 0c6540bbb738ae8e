"""What Kontakt- og reservasjonsregisteret exports (``grunndata export kontaktregister``):
every person's entry as the API answers a token with the export's scopes (``--scope``,
``--orgnr``), logged as any answer. Only what the entry's events cover: not
``varslingsstatus``, ``Kanal.brukbar`` or ``Sertifikat.gyldig``, which the 18-month rule
and the certificate's dates change as time passes, without an event (read them from the
API at the moment you need them)."""

from grunndata.export.declare import Eksport, Records

_KANAL = "verdi oppdatert sistVerifisert"

KONTAKTINFORMASJON = Records(
    entitet="Kontaktinformasjon",
    keys="SELECT k.personidentifikator FROM kontaktregister.kontakt k WHERE {as_of_k} ORDER BY 1",
    versioned=("k",),
    root="kontaktinformasjoner",
    argument="identifikasjonsnummer",
    batch=True,
    key="personidentifikator",
    persons=True,
    selection=f"personidentifikator status reservasjon reservasjonstidspunkt "
    f"epost {{ {_KANAL} }} mobil {{ {_KANAL} }} spraak digitalPostkasse {{ postkasseadresse "
    "leverandoeradresse sertifikat { subject issuer serienummer gyldigFra gyldigTil der } }",
)

EKSPORT = Eksport(records=(KONTAKTINFORMASJON,))
