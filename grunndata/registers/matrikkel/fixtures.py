"""Matrikkelen's part of ``grunndata fixtures generate``: each generated lot as a teig
(GeoJSON, EPSG:25833, ``matrikkel/teiger.geojson``), its addresses (Kartverket CSV,
``matrikkel/adresser.csv``), and its unit with owners and its building (our JSON Lines,
``matrikkel/matrikkel.jsonl``)."""

from __future__ import annotations

import uuid
from typing import Any

from grunndata.fixtures.facts import Adresse, Lot
from grunndata.fixtures.hooks import FixtureFiles, compact
from grunndata.registers.matrikkel.adresse_csv import HEADER


class MatrikkelFixtures:
    def __init__(self, files: FixtureFiles) -> None:
        self.datauttak = f"{files.today:%d.%m.%Y} 05:00:00"
        self.adresser = files.open("matrikkel/adresser.csv")
        self.adresser.write(";".join(HEADER) + "\n")
        self.teiger = files.open("matrikkel/teiger.geojson")
        self.teiger.write(
            '{"type":"FeatureCollection","crs":{"type":"name","properties":'
            '{"name":"urn:ogc:def:crs:EPSG::25833"}},"features":['
        )
        self.teig_count = 0
        self.matrikkel = files.open("matrikkel/matrikkel.jsonl")

    def lot(self, lot: Lot) -> None:
        self._teig(lot)
        for adresse in lot.adresser:
            self._adresse(adresse)
        self.matrikkel.write(compact(self._unit(lot)) + "\n" + compact(self._building(lot)) + "\n")

    def close(self) -> str:
        self.teiger.write("\n]}\n")
        return ""

    def _teig(self, lot: Lot) -> None:
        ring = [[round(x, 2), round(y, 2)] for x, y in lot.polygon]
        feature = {
            "type": "Feature",
            "properties": {"matrikkelnummer": f"{lot.kommunenummer}-{lot.gnr}/{lot.bnr}"},
            "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
        }
        self.teiger.write(("," if self.teig_count else "") + "\n" + compact(feature))
        self.teig_count += 1

    def _adresse(self, a: Adresse) -> None:
        row = dict.fromkeys(HEADER, "")
        row.update({
            "lokalid": a.adresse_id, "kommunenummer": a.kommunenummer,
            "kommunenavn": a.kommunenavn, "adressetype": "vegadresse",
            "adressekode": a.adressekode, "adressenavn": a.adressenavn,
            "nummer": str(a.nummer), "bokstav": a.bokstav,
            "gardsnummer": str(a.gnr), "bruksnummer": str(a.bnr),
            "adresseTekst": a.tekst, "adresseTekstUtenAdressetilleggsnavn": a.tekst,
            "EPSG-kode": "25833", "Nord": f"{a.north:.2f}", "Øst": f"{a.east:.2f}",
            "postnummer": a.postnummer, "poststed": a.poststed,
            "oppdateringsdato": "15.06.2020 17:37:59", "datauttaksdato": self.datauttak,
            "adresseId": a.adresse_id,
            "uuidAdresse": str(uuid.uuid5(uuid.NAMESPACE_URL, f"grunndata:{a.adresse_id}")),
        })  # fmt: skip
        self.adresser.write(";".join(row.values()) + "\n")

    @staticmethod
    def _unit(lot: Lot) -> dict[str, Any]:
        former = lot.former_kommunenummer
        return {
            "objekttype": "matrikkelenhet",
            "matrikkelnummer": {"kommunenummer": lot.kommunenummer, "gardsnummer": lot.gnr,
                                "bruksnummer": lot.bnr, "festenummer": 0, "seksjonsnummer": 0},
            "matrikkelenhetstype": "grunneiendom",
            "gyldigFra": "2020-01-01",
            **({"tidligereMatrikkelnumre": [f"{former}-{lot.gnr}/{lot.bnr}"]} if former else {}),
            "eierforhold": [
                {"eier": eier} | ({"andel": {"teller": a[0], "nevner": a[1]}} if a else {})
                for eier, a in lot.owners
            ],
        }  # fmt: skip

    @staticmethod
    def _building(lot: Lot) -> dict[str, Any]:
        xs = [x for x, _ in lot.polygon]
        ys = [y for _, y in lot.polygon]
        return {
            "objekttype": "bygning", "bygningsnummer": lot.bygningsnummer,
            "bygningstypeKode": "111" if len(lot.adresser) == 1 else "121",
            "bygningsstatusKode": "TB",
            "representasjonspunkt": {"x": round((min(xs) + max(xs)) / 2, 2),
                                     "y": round((min(ys) + max(ys)) / 2, 2), "epsg": 25833},
            "matrikkelenheter": [f"{lot.kommunenummer}-{lot.gnr}/{lot.bnr}"],
            "gyldigFra": "2020-01-01",
        }  # fmt: skip


def fixtures(files: FixtureFiles) -> MatrikkelFixtures:
    """``Register.fixtures``: the factory the generator calls."""
    return MatrikkelFixtures(files)
