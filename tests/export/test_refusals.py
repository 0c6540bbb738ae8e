"""Bad input: one clear line on stderr, a non-zero exit, and no file left behind."""

from __future__ import annotations

import pytest

from tests.export.conftest import grunndata


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("nosuch", "--format", "jsonl"), "unknown register 'nosuch'"),
        (("matrikkel", "--format", "xlsx"), "unknown format 'xlsx'"),
        (("enhetsregister", "--format", "gpkg"), "enhetsregister cannot give gpkg"),
        (("matrikkel", "--format", "geojson"), "holds one kind of entity"),
        (("matrikkel", "--format", "gpkg", "--del", "veier"), "has no 'veier'"),
        (("matrikkel", "--format", "gpkg", "--kommune", "9999"), "--kommune '9999'"),
        (("enhetsregister", "--format", "jsonl", "--kommune", "0301"), "cannot be filtered"),
        (("matrikkel", "--format", "gpkg", "--epsg", "4230"), "EPSG:4230 is not supported"),
        (("matrikkel", "--format", "jsonl", "--epsg", "25833"), "--epsg applies to"),
    ],
    ids=["register", "format", "format-of-register", "one-layer", "layer", "kommune",
         "no-kommune", "epsg", "epsg-of-records"],
)  # fmt: skip
def test_bad_input_is_one_clear_line_and_no_file(loaded, tmp_path, args, says):
    out = tmp_path / "out.file"
    register, *rest = args
    done = grunndata(loaded, "export", register, "--out", str(out), *rest)
    assert done.returncode != 0
    assert done.stderr.startswith("error:") and says in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_path_is_refused_before_anything_is_read(loaded, tmp_path):
    for out in (tmp_path / "missing" / "x.gpkg", tmp_path):
        done = grunndata(loaded, "export", "matrikkel", "--out", str(out), "--format", "gpkg")
        assert done.returncode != 0
        assert done.stderr.startswith(f"error: cannot write {out}"), done.stderr
    assert list(tmp_path.iterdir()) == []
