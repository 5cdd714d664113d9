"""Manifest (sha256, sizes, byte-stable JSON), the one stable zip writer, the PII scanner."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from distretti_survey.errors import InputError
from distretti_survey.manifest import (
    build_manifest,
    manifest_text,
    scan_for_strings,
    sha256_file,
    write_manifest,
)
from distretti_survey.outputs.deck import QuotesSlide, build_deck
from distretti_survey.outputs.html import Section, render_report, write_report
from distretti_survey.outputs.tables import Table, write_tables_xlsx
from distretti_survey.stable import FIXED_CORE_TIME, stable_zip

PII = ["Mario Rossi", "mario.rossi@comune.example.it", "+39 0382 123456", "Anna D'Angelo"]


def test_sha256_of_published_vector(tmp_path):
    # FIPS 180-2, appendix B.1: SHA-256("abc").
    (tmp_path / "abc.txt").write_bytes(b"abc")
    expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert sha256_file(tmp_path / "abc.txt") == expected


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "progetto"
    (root / "data" / "raw").mkdir(parents=True)
    (root / "reports").mkdir()
    (root / "data" / "raw" / "b.xlsx").write_bytes(b"bb")
    (root / "data" / "raw" / "a.xlsx").write_bytes(b"abc")
    (root / "reports" / "tabelle.xlsx").write_bytes(b"")
    return root


def _manifest(root: Path) -> dict:
    return build_manifest(
        [root / "data" / "raw" / "b.xlsx", Path("data/raw/a.xlsx")],
        [root / "reports" / "tabelle.xlsx"],
        row_counts={"interviews": 18, "interventions": 40},
        questionnaire_version="2011.1",
        package_version="0.1.0",
        parameters={"wave": 2011, "out": root / "reports", "themes": {"training", "governance"}},
        root=root,
    )


def test_manifest_paths_relative_sorted_with_hashes(tmp_path):
    root = _tree(tmp_path)
    manifest = _manifest(root)
    assert manifest["inputs"] == [
        {
            "path": "data/raw/a.xlsx",
            "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "bytes": 3,
        },
        {"path": "data/raw/b.xlsx", "sha256": sha256_file(root / "data/raw/b.xlsx"), "bytes": 2},
    ]
    # SHA-256 of the empty string (FIPS 180-2 test vectors).
    empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert manifest["outputs"] == [{"path": "reports/tabelle.xlsx", "sha256": empty, "bytes": 0}]
    assert manifest["row_counts"] == {"interviews": 18, "interventions": 40}
    assert manifest["questionnaire_version"] == "2011.1"
    assert manifest["parameters"]["themes"] == ["governance", "training"]
    assert manifest["parameters"]["out"] == (root / "reports").as_posix()


def test_manifest_has_no_timestamps_and_is_byte_stable(tmp_path):
    root = _tree(tmp_path)
    first = write_manifest(_manifest(root), tmp_path / "m1.json").read_bytes()
    second = write_manifest(_manifest(root), tmp_path / "m2.json").read_bytes()
    assert first == second
    text = first.decode("utf-8")
    assert text.endswith("}\n") and text.startswith('{\n  "inputs"')  # sorted keys, indent 2
    assert json.loads(text) == json.loads(manifest_text(_manifest(root)))
    assert set(json.loads(text)) == {
        "inputs",
        "manifest_version",
        "outputs",
        "package_version",
        "parameters",
        "questionnaire_version",
        "row_counts",
    }
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)  # no date anywhere


def test_manifest_rejects_missing_and_outside_files(tmp_path):
    root = _tree(tmp_path)
    outside = tmp_path / "altrove.txt"
    outside.write_text("x")
    kwargs = dict(
        row_counts={}, questionnaire_version="1", package_version="1", parameters={}, root=root
    )
    with pytest.raises(InputError, match="non è dentro"):
        build_manifest([outside], [], **kwargs)
    with pytest.raises(InputError, match="non esiste"):
        build_manifest([root / "manca.xlsx"], [], **kwargs)


def _zip_with_date(date: tuple[int, ...], core_time: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        core = (
            '<cp:coreProperties xmlns:dcterms="http://purl.org/dc/terms/">'
            f"<dcterms:created>{core_time}</dcterms:created>"
            f"<dcterms:modified>{core_time}</dcterms:modified></cp:coreProperties>"
        )
        archive.writestr(zipfile.ZipInfo("docProps/core.xml", date_time=date), core)
        archive.writestr(zipfile.ZipInfo("a.xml", date_time=date), "<a/>")
    return buffer.getvalue()


def test_stable_zip_removes_dates():
    first = stable_zip(_zip_with_date((2024, 5, 6, 7, 8, 10), "2024-05-06T07:08:10Z"))
    second = stable_zip(_zip_with_date((2025, 1, 2, 3, 4, 6), "2025-01-02T03:04:06Z"))
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert archive.namelist() == ["docProps/core.xml", "a.xml"]
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert core.count(FIXED_CORE_TIME) == 2 and "2024" not in core


def test_scanner_finds_planted_strings_in_xlsx_pptx_html(tmp_path):
    frame = pd.DataFrame({"referente": ["Mario Rossi"], "n": [1]})
    xlsx = write_tables_xlsx([Table("T", "Titolo", frame)], tmp_path / "t.xlsx", synthetic=True)
    pptx = build_deck(
        [QuotesSlide("Citazioni", [("Lo dice mario.rossi@comune.example.it", "un distretto")])],
        tmp_path / "d.pptx",
        title="Titolo",
        subtitle="",
        synthetic=True,
    )
    page = render_report(
        [Section("S", text="Intervista ad Anna D'Angelo")],
        title="R",
        synthetic=True,
        method_note="",
        findings_summary="",
    )
    assert "D&#x27;Angelo" in page  # escaped in the file, still found by the scanner
    html_path = write_report(page, tmp_path / "r.html")
    plain = tmp_path / "note.txt"
    plain.write_text("telefono: +39 0382 123456\n", encoding="utf-8")

    hits = scan_for_strings([xlsx, pptx, html_path, plain], PII)
    assert hits == sorted(
        [
            (xlsx, "Mario Rossi"),
            (pptx, "mario.rossi@comune.example.it"),
            (html_path, "Anna D'Angelo"),
            (plain, "+39 0382 123456"),
        ],
        key=lambda hit: (str(hit[0]), hit[1]),
    )


def test_scanner_ignores_case_and_empty_strings(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("MARIO ROSSI", encoding="utf-8")
    assert scan_for_strings([path], ["mario rossi", "", "   "]) == [(path, "mario rossi")]


def test_outputs_without_pii_contain_none(tmp_path):
    """Outputs built from data that carry no contact fields contain no PII string."""
    frame = pd.DataFrame({"distretto": ["D01", "D02"], "quota": [0.5, 0.25]})
    table = Table("Quote", "Quote", frame, "Base: 2 distretti.", {"quota": "0.0%"})
    xlsx = write_tables_xlsx([table], tmp_path / "t.xlsx", synthetic=True)
    pptx = build_deck(
        [QuotesSlide("Voci", [("Serve più coordinamento.", "un distretto DID")])],
        tmp_path / "d.pptx",
        title="Distretti",
        subtitle="2011",
        synthetic=True,
    )
    html_path = write_report(
        render_report(
            [Section("Quote", "Testo.", tables=[table])],
            title="Distretti",
            synthetic=True,
            method_note="Metodo.",
            findings_summary="Sintesi.",
        ),
        tmp_path / "r.html",
    )
    manifest = write_manifest(
        build_manifest(
            [],
            [xlsx, pptx, html_path],
            row_counts={"interviews": 2},
            questionnaire_version="2011.1",
            package_version="0.1.0",
            parameters={"wave": 2011},
            root=tmp_path,
        ),
        tmp_path / "manifest.json",
    )
    assert scan_for_strings([xlsx, pptx, html_path, manifest], PII) == []
