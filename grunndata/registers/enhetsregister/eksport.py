"""What Enhetsregisteret exports (``grunndata export enhetsregister``): every hovedenhet
(Enhet) and underenhet as the API answers them, with their roles. Only the unit's own
fields: ``overordnetEnhet`` is a link, answered through the parent (null while the parent
is withdrawn), which the unit's events do not cover."""

from grunndata.export.declare import Eksport, Records
from grunndata.registers.enhetsregister.fields import FIELDS, Kind

_ADRESSE = "adresse postnummer poststed kommune kommunenummer land landkode"
_KODE = "kode beskrivelse"


def _field(name: str, kind: Kind) -> str:
    if kind is Kind.CODE:
        return f"{name} {{ {_KODE} }}"
    if kind is Kind.ADDRESS:
        return f"{name} {{ {_ADRESSE} }}"
    return name


_SELECTION = " ".join(
    [
        "organisasjonsnummer erUnderenhet mvaNummer erSlettet",
        f"naeringskoder {{ {_KODE} }}",
        *(_field(f.name, f.kind) for f in FIELDS if f.name != "overordnetEnhet"),
        f"roller {{ type {{ {_KODE} }} rollegruppe {{ {_KODE} }} fratraadt rekkefolge "
        f"ansvarsandel valgtAv {{ {_KODE} }} sistEndret innehaver {{ navn fornavn mellomnavn "
        "etternavn foedselsdato erDoed organisasjonsnummer } }",
    ]
)


def _units(underenhet: bool) -> Records:
    return Records(
        entitet="Underenhet" if underenhet else "Enhet",
        keys="SELECT e.organisasjonsnummer FROM enhetsregister.enhet e "
        f"WHERE {{as_of_e}} AND {'' if underenhet else 'NOT '}e.er_underenhet ORDER BY 1",
        versioned=("e",),
        root="enhet",
        argument="organisasjonsnummer",
        key="organisasjonsnummer",
        selection=_SELECTION,
    )


EKSPORT = Eksport(records=(_units(False), _units(True)))
