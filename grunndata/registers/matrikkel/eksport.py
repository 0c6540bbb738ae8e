"""What Matrikkelen exports (``grunndata export matrikkel``): Eiendom and Adresse as the
API answers them and Bygning as the OGC API does (jsonl, csv), and teiger, adresser and
bygninger as map layers (geojson, gpkg; also ``/eksport/matrikkel/<kommunenummer>.gpkg``)."""

from grunndata.export.declare import Eksport, Features, Layer, Records
from grunndata.registers.matrikkel.samlinger import ADRESSER, BYGNINGER, TEIGER

_IN_KOMMUNE = "left(k.matrikkelnummer, 4) = ANY(%(kommuner)s)"

#: Only the entity's own fields: what its events cover (its addresses and buildings are
#: entities of their own, with events of their own).
EIENDOM = Records(
    entitet="Eiendom",
    # units named by a unit file, and those known from a teig only (kunFraKart)
    keys="SELECT m.matrikkelnummer FROM matrikkel.matrikkelenhet m WHERE {as_of_m} "
    "UNION SELECT t.matrikkelnummer FROM matrikkel.teig t WHERE {as_of_t} ORDER BY 1",
    versioned=("m", "t"),
    root="eiendom",
    argument="matrikkelnummer",
    key="matrikkelnummer",
    selection="matrikkelnummer kommunenummer gardsnummer bruksnummer festenummer "
    "seksjonsnummer type status bruksnavn gyldigFra kunFraKart arealM2 "
    "teiger { arealM2 } hjemmelshavere { andel { teller nevner } navn organisasjonsnummer } "
    "tidligereMatrikkelnumre",
    kommune=_IN_KOMMUNE,
)

ADRESSE = Records(
    entitet="Adresse",
    keys="SELECT a.adresse_id::text AS adresse_id, a.kommunenummer "
    "FROM matrikkel.adresse a WHERE {as_of_a} ORDER BY a.adresse_id",
    versioned=("a",),
    root="adresse",
    argument="adresseId",
    key="adresseId",
    selection="adresseId adressetype adressekode adressenavn nummer bokstav undernummer "
    "adressetekst adressetilleggsnavn postnummer poststed kommunenummer matrikkelnummer "
    "representasjonspunkt(epsg: 25833)",
    kommune="k.kommunenummer = ANY(%(kommuner)s)",
)

_BYGNINGER = Layer(
    BYGNINGER,
    "EXISTS (SELECT 1 FROM unnest(b.matrikkelnumre) AS n WHERE left(n, 4) = ANY(%(kommuner)s))",
)

#: The API has no root field for a building: its records are the OGC collection's features.
BYGNING = Features("Bygning", _BYGNINGER)

EKSPORT = Eksport(
    records=(EIENDOM, ADRESSE, BYGNING),
    layers=(
        Layer(TEIGER, "left(t.matrikkelnummer, 4) = ANY(%(kommuner)s)"),
        Layer(ADRESSER, "a.kommunenummer = ANY(%(kommuner)s)"),
        _BYGNINGER,
    ),
    nedlasting=True,
)
