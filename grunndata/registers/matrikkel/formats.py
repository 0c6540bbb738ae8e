"""Matrikkelen's source formats, in load order within a directory."""

from grunndata.registers.matrikkel.adresse_csv import AdresseCsv
from grunndata.registers.matrikkel.matrikkel_jsonl import MatrikkelJsonl
from grunndata.registers.matrikkel.teig_geojson import TeigGeojson

FORMATS = (MatrikkelJsonl(), TeigGeojson(), AdresseCsv())
