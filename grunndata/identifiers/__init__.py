"""Norwegian identifier rules, in the style of python-stdnum.

One module per identifier; each parser returns a frozen dataclass or raises
:class:`InvalidIdentifier` (a ``ValueError``) whose ``reason`` names the failed check:

- :mod:`~grunndata.identifiers.fodselsnummer`: fødselsnummer, D-, H-, FH-nummer and
  synthetic test numbers, under the 1964 and the 2032 control-digit rules;
- :mod:`~grunndata.identifiers.orgnr`: organisasjonsnummer and MVA-nummer;
- :mod:`~grunndata.identifiers.kommunenummer`: kommunenummer and fylkesnummer with their
  history (SSB Klass 131 and 104);
- :mod:`~grunndata.identifiers.matrikkelnummer`: ``knr-gnr/bnr/fnr/snr``.

>>> parse_person_id("088717 48471").birth_date
datetime.date(1917, 7, 8)
>>> parse_orgnr("NO 974 760 673 MVA").value
'974760673'
>>> str(parse_matrikkelnummer("0301-42/1"))
'0301-42/1/0/0'
>>> [k.value for k in parse_kommunenummer("3024").erstattet_av]
['3201']
>>> try:
...     parse_orgnr("112233445")
... except InvalidIdentifier as exc:
...     print(exc.reason)
112233445 is never issued: its check digit computes to 10
"""

from grunndata.identifiers._errors import InvalidIdentifier
from grunndata.identifiers.fodselsnummer import PersonId, parse_person_id
from grunndata.identifiers.kommunenummer import (
    Fylke,
    Kommune,
    Kommuneendring,
    Periode,
    fylke,
    fylker_gyldige,
    kommuneendringer,
    kommuner_gyldige,
    parse_kommunenummer,
)
from grunndata.identifiers.matrikkelnummer import Matrikkelnummer, parse_matrikkelnummer
from grunndata.identifiers.orgnr import Orgnr, parse_mva_nummer, parse_orgnr

__all__ = [
    "Fylke",
    "InvalidIdentifier",
    "Kommune",
    "Kommuneendring",
    "Matrikkelnummer",
    "Orgnr",
    "Periode",
    "PersonId",
    "fylke",
    "fylker_gyldige",
    "kommuneendringer",
    "kommuner_gyldige",
    "parse_kommunenummer",
    "parse_matrikkelnummer",
    "parse_mva_nummer",
    "parse_orgnr",
    "parse_person_id",
]
