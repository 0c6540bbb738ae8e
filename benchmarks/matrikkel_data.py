"""Deterministic Matrikkelen data around the real Kartverket sample, in the real formats.

``python -m benchmarks.matrikkel_data tests/data/cast/matrikkel`` writes the test cast's files:

- ``adresser.csv``: the real sample rows plus generated addresses on streets around them,
  in Kartverket's 46-column format;
- ``teiger.geojson``: one teig per unit, the Voronoi cells of the unit's address points
  clipped to the area, so the teiger tile it and every address lies inside its own unit;
- ``matrikkel.jsonl``: the units (with owners from ``tests/data/cast/cast.md`` and former
  numbers from the 2020 merger into 4204 Kristiansand) and one building per unit.

``generate(n_streets, per_street)`` is also what ``benchmarks/matrikkel.py`` loads at scale.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import sys
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry import MultiPoint, Point, box, mapping

from grunndata.fixtures.names import street_name

SAMPLE = Path(__file__).parent.parent / "tests/matrikkel/data/matrikkelenAdresse_sample.csv"
KOMMUNE = "4204"

#: (adressenavn, adressekode, start east, start north, bearing in degrees, gardsnummer)
STREETS = (
    ("Østre Korsvikvei", 19001, 92600.0, 6466200.0, 10.0, 98),
    ("Vardåsgata", 19002, 91600.0, 6466800.0, 80.0, 99),
    ("Randesundsveien", 19003, 92600.0, 6465700.0, 100.0, 100),
    ("Bjørkelia", 19004, 91300.0, 6465700.0, 20.0, 101),
    ("Tyrihanskroken", 19005, 92150.0, 6467000.0, 60.0, 102),
    ("Korsvikfjordvegen", 19006, 93500.0, 6466000.0, 0.0, 103),
)

#: Owners of the sample's units as the test cast (tests/data/cast/cast.md) says, by matrikkelnummer.
OWNERS: dict[str, list[tuple[dict[str, str], tuple[int, int] | None]]] = {
    "4204-97/90": [({"identifikasjonsnummer": "14834806046", "navn": "Arne Korsvik"}, (1, 2)),
                   ({"identifikasjonsnummer": "02915116372", "navn": "Berit Korsvik"}, (1, 2))],
    "4204-58/48": [({"identifikasjonsnummer": "21867525758", "navn": "Camilla Strand"}, (1, 2)),
                   ({"identifikasjonsnummer": "09817748772", "navn": "David Strand"}, (1, 2))],
    "4204-97/81": [({"identifikasjonsnummer": "30880376205", "navn": "Emma Strand"}, (1, 1))],
    "4204-97/83": [({"identifikasjonsnummer": "17848244090", "navn": "Guro Lunde"}, (1, 2)),
                   ({"identifikasjonsnummer": "28898448780", "navn": "Halvor Bakke"}, (1, 2))],
    "4204-56/12": [({"identifikasjonsnummer": "04876045201", "navn": "Jon Vardås"}, (1, 1))],
    "4204-56/126": [({"identifikasjonsnummer": "23859045804", "navn": "Lars Eik"}, (1, 1))],
    "4204-56/133": [({"identifikasjonsnummer": "24926921505", "navn": "Nils Holm"}, (1, 1))],
    "4204-97/77": [({"identifikasjonsnummer": "31819940161", "navn": "Petter Holm"}, (1, 1))],
    "4204-58/205": [({"identifikasjonsnummer": "27828739757", "navn": "Tone Aas"}, (1, 2)),
                    ({"identifikasjonsnummer": "01909539311", "navn": "Ulrik Aas"}, (1, 2))],
    "4204-97/86": [({"identifikasjonsnummer": "12858938404", "navn": "Vera Kowalski"}, (1, 1))],
    "4204-56/131": [({"identifikasjonsnummer": "03899412256", "navn": "Wim de Vries"}, (1, 1))],
    "4204-97/84": [({"organisasjonsnummer": "315761697", "navn": "Strand Eiendom AS"}, (1, 1))],
    "4204-97/85": [({"organisasjonsnummer": "315761697", "navn": "Strand Eiendom AS"}, (1, 1))],
    "4204-60/32": [({"organisasjonsnummer": "318876630",
                     "navn": "Kristiansand Kommunale Bolig KF"}, (1, 1))],
    "4204-97/88": [({"organisasjonsnummer": "310911410", "navn": "Korsvik Bygg AS"}, (1, 1))],
}  # fmt: skip
NAME_ONLY = ("Dødsbo etter Ole Olsen", "Sameiet Korsvik", "Ukjent hjemmelshaver")
#: Former numbers: the sample's units kept gnr/bnr in the 2020 merger (1001 Kristiansand
#: → 4204); the generated Søgne units (gnr 103) were renumbered from 1018-12/…
SOEGNE_GNR = 103


@dataclass(frozen=True)
class Adresse:
    fields: dict[str, str]

    @property
    def point(self) -> Point:
        return Point(float(self.fields["Øst"]), float(self.fields["Nord"]))

    @property
    def unit(self) -> str:
        f = self.fields
        return f"{f['kommunenummer']}-{f['gardsnummer']}/{f['bruksnummer']}"


def sample_rows() -> tuple[list[str], list[Adresse]]:
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        return list(reader.fieldnames or []), [Adresse(dict(row)) for row in reader]


def generated(
    template: dict[str, str], n_streets: int, per_street: int, first_street: int = 0
) -> list[Adresse]:
    """The addresses of streets ``first_street`` up to ``n_streets`` (so a big set can be
    made a slice at a time)."""
    rows: list[Adresse] = []
    next_id = 900000001 + first_street * per_street
    for s in range(first_street, n_streets):
        base_name, code, east, north, bearing, gnr = STREETS[s % len(STREETS)]
        cycle = s // len(STREETS)
        name = base_name if cycle == 0 else street_name(s)
        east += (cycle % 40) * 900.0
        north += (cycle // 40) * 900.0
        dx, dy = math.sin(math.radians(bearing)), math.cos(math.radians(bearing))
        for i in range(per_street):
            nummer = i + 1
            side = 1 if nummer % 2 else -1
            along = (i // 2) * 22.0 + (11.0 if side < 0 else 0.0)
            x = east + dx * along + dy * 12.0 * side
            y = north + dy * along - dx * 12.0 * side
            bokstav = "A" if nummer % 7 == 0 else ""
            tekst = f"{name} {nummer}{bokstav}"
            fields = dict(template)
            fields.update({
                "lokalid": str(next_id), "adresseId": str(next_id),
                "uuidAdresse": str(uuid.uuid5(uuid.NAMESPACE_URL, f"grunndata:{next_id}")),
                "adressekode": str(code + 1000 * cycle) if cycle < 80 else str(100000 + s),
                "adressenavn": name,
                "nummer": str(nummer), "bokstav": bokstav,
                "gardsnummer": str(gnr + 10 * cycle), "bruksnummer": str(nummer),
                "adresseTekst": tekst, "adresseTekstUtenAdressetilleggsnavn": tekst,
                "Nord": f"{y:.2f}", "Øst": f"{x:.2f}",
                "postnummer": "4638" if s % 2 == 0 else "4637",
            })  # fmt: skip
            rows.append(Adresse(fields))
            next_id += 1
    return rows


def matrikkeladresser(template: dict[str, str]) -> list[Adresse]:
    """A few matrikkeladresser (no street): units on the outskirts, addressed by gnr/bnr."""
    rows = []
    for i, (x, y) in enumerate(((91250.0, 6466950.0), (93050.0, 6467150.0), (93150.0, 6465500.0))):
        ident = 900900001 + i
        fields = {k: "" for k in template}
        fields.update(
            {
                k: template[k]
                for k in (
                    "kommunenummer",
                    "kommunenavn",
                    "EPSG-kode",
                    "poststed",
                    "oppdateringsdato",
                    "datauttaksdato",
                )
            }
        )
        fields.update({
            "lokalid": str(ident), "adresseId": str(ident), "adressetype": "matrikkeladresse",
            "gardsnummer": "104", "bruksnummer": str(i + 1), "undernummer": "1",
            "adresseTekst": f"104/{i + 1}-1",
            "adresseTekstUtenAdressetilleggsnavn": f"104/{i + 1}-1",
            "Nord": f"{y:.2f}", "Øst": f"{x:.2f}", "postnummer": "4638",
            "uuidAdresse": str(uuid.uuid5(uuid.NAMESPACE_URL, f"grunndata:{ident}")),
        })  # fmt: skip
        rows.append(Adresse(fields))
    return rows


def teiger(adresser: list[Adresse], margin: float = 60.0) -> dict[str, shapely.Geometry]:
    """Each unit's teig: the union of its addresses' Voronoi cells, clipped to the area;
    coordinates rounded to the centimetre (shared borders keep identical vertices)."""
    points = MultiPoint([a.point for a in adresser])
    west, south, east, north = points.bounds
    area = box(west - margin, south - margin, east + margin, north + margin)
    cells = shapely.voronoi_polygons(points, extend_to=area)
    geoms = [cell.intersection(area) for cell in cells.geoms]
    tree = shapely.STRtree(geoms)
    parts: dict[str, list[shapely.Geometry]] = defaultdict(list)
    for a in adresser:
        for index in tree.query(a.point, predicate="intersects"):
            if geoms[index].contains(a.point):
                parts[a.unit].append(geoms[index])
    return {unit: shapely.set_precision(shapely.union_all(p), 0.01) for unit, p in parts.items()}


def units_jsonl(adresser: list[Adresse], teig: dict[str, shapely.Geometry]) -> list[str]:
    lines = []
    spare_orgnr = ("314400291", "317875347", "317787685", "310457175", "311475134")
    for i, unit in enumerate(dict.fromkeys(a.unit for a in adresser)):
        knr, rest = unit.split("-")
        gnr, bnr = (int(p) for p in rest.split("/"))
        record: dict[str, object] = {
            "objekttype": "matrikkelenhet",
            "matrikkelnummer": {"kommunenummer": knr, "gardsnummer": gnr, "bruksnummer": bnr,
                                "festenummer": 0, "seksjonsnummer": 0},
            "matrikkelenhetstype": "grunneiendom",
            "gyldigFra": "2020-01-01",
        }  # fmt: skip
        if gnr in (56, 58, 60, 97):
            record["tidligereMatrikkelnumre"] = [f"1001-{gnr}/{bnr}"]
        elif gnr == SOEGNE_GNR:
            record["tidligereMatrikkelnumre"] = [f"1018-12/{bnr}"]
        owners = OWNERS.get(unit)
        if owners is None:
            owners = (
                [({"organisasjonsnummer": spare_orgnr[(i // 5) % 5]}, (1, 1))] if i % 5 == 0
                else [({"navn": NAME_ONLY[i % 3]}, None)]
            )  # fmt: skip
        record["eierforhold"] = [
            {"eier": eier} | ({"andel": {"teller": a[0], "nevner": a[1]}} if a else {})
            for eier, a in owners
        ]
        lines.append(json.dumps(record, ensure_ascii=False))
        point = teig[unit].representative_point()
        building = {
            "objekttype": "bygning", "bygningsnummer": 300100001 + i,
            "bygningstypeKode": "111" if i % 4 else "121", "bygningsstatusKode": "TB",
            "representasjonspunkt": {"x": round(point.x, 2), "y": round(point.y, 2),
                                     "epsg": 25833},
            "matrikkelenheter": [unit], "gyldigFra": "2020-01-01",
        }  # fmt: skip
        lines.append(json.dumps(building, ensure_ascii=False))
    return lines


def teiger_geojson(teig: dict[str, shapely.Geometry]) -> dict[str, object]:
    return {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25833"}},
        "features": [
            {"type": "Feature", "properties": {"matrikkelnummer": unit},
             "geometry": mapping(geometry)}
            for unit, geometry in teig.items()
        ],
    }  # fmt: skip


def _one_feature_a_line(collection: dict[str, object]) -> str:
    """The FeatureCollection as JSON with one feature a line (readable diffs)."""
    features = collection["features"]
    head = {k: v for k, v in collection.items() if k != "features"}
    lines = [json.dumps(f, ensure_ascii=False) for f in features]  # type: ignore[attr-defined]
    return json.dumps(head)[:-1] + ', "features": [\n' + ",\n".join(lines) + "\n]}\n"


def generate(n_streets: int, per_street: int) -> tuple[str, str, str]:
    """The three files' contents: address CSV, teiger GeoJSON, units JSON Lines."""
    header, sample = sample_rows()
    adresser = sample + generated(sample[0].fields, n_streets, per_street)
    adresser += matrikkeladresser(sample[0].fields)
    out = io.StringIO()
    writer = csv.DictWriter(out, header, delimiter=";", lineterminator="\n")
    writer.writeheader()
    writer.writerows(a.fields for a in adresser)
    teig = teiger(adresser)
    return (
        out.getvalue(),
        _one_feature_a_line(teiger_geojson(teig)),
        "\n".join(units_jsonl(adresser, teig)) + "\n",
    )


def write(folder: Path, n_streets: int = 6, per_street: int = 45, gzipped: bool = False) -> None:
    """The three files in ``folder``; ``gzipped``: as ``.gz`` (about 5x smaller)."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = generate(n_streets, per_street)
    for name, text in zip(
        ("adresser.csv", "teiger.geojson", "matrikkel.jsonl"), texts, strict=True
    ):
        if gzipped:
            with gzip.open(folder / f"{name}.gz", "wt", encoding="utf-8", compresslevel=3) as out:
                out.write(text)
        else:
            (folder / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1] if len(sys.argv) > 1 else "tests/data/cast/matrikkel"))
