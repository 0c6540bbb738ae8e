"""What Folkeregisteret exports (``grunndata export folkeregister``): every person as the
API answers a token with the export's scopes (``--scope``, ``--orgnr``), logged."""

from grunndata.export.declare import Eksport, Records

_POSTSTED = "poststed { postnummer poststedsnavn }"
_VEGADRESSE = (
    "vegadresse { adressenavn adressenummer { husnummer husbokstav } adressekode "
    f"kommunenummer bruksenhetsnummer adressetilleggsnavn coAdressenavn {_POSTSTED} }}"
)
_VERSJON = "gyldighetstidspunkt opphoerstidspunkt ajourholdstidspunkt erGjeldende kilde aarsak"

PERSON = Records(
    entitet="Person",
    # one identifier per person: the API answers with the one in use now
    keys="SELECT DISTINCT ON (i.person_id) i.identifikasjonsnummer "
    "FROM folkeregister.identifikator i ORDER BY i.person_id, i.identifikasjonsnummer",
    versioned=(),
    root="personer",
    argument="identifikasjonsnummer",
    batch=True,
    key="identifikasjonsnummer",
    persons=True,
    selection="identifikasjonsnummer identifikatortype navn { fornavn mellomnavn etternavn } "
    "foedselsdato foedselsaar kjoenn status doedsdato adressebeskyttelse statsborgerskap "
    f"sivilstand {{ {_VERSJON} sivilstand sivilstandsdato relatertVedSivilstand }} "
    f"bostedsadresse {{ {_VERSJON} {_VEGADRESSE} matrikkeladresse {{ matrikkelnummer {{ "
    "kommunenummer gaardsnummer bruksnummer festenummer } undernummer bruksenhetsnummer "
    f"adressetilleggsnavn {_POSTSTED} }} ukjentBosted {{ bostedskommune }} "
    "adresseIdentifikatorFraMatrikkelen adressegradering flyttedato } "
    f"postadresse {{ {_VERSJON} {_VEGADRESSE} postboksadresse {{ postbokseier postboks "
    f"{_POSTSTED} }} postadresseIFrittFormat {{ adresselinje {_POSTSTED} }} adressegradering }}",
)

EKSPORT = Eksport(records=(PERSON,))
