"""The talk of a demo wave end to end: files, byte-identical reruns, PII scan, comparison."""

from __future__ import annotations

import hashlib
import zipfile

import pandas as pd
import pytest

from distretti_survey.manifest import scan_for_strings
from distretti_survey.pipeline import prepare_wave
from distretti_survey.report.build import build_report
from distretti_survey.report.compare import ALL, PANEL, compare

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def wave_2011(demo_project):
    return prepare_wave(demo_project / "data/raw/demo/2011")


@pytest.fixture(scope="module")
def wave_2012(demo_project):
    return prepare_wave(demo_project / "data/raw/demo/2012")


@pytest.fixture(scope="module")
def report(wave_2011, tmp_path_factory):
    return build_report(wave_2011, tmp_path_factory.mktemp("r") / "2011", jobs=2)


def digests(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_report_writes_every_output(report):
    names = sorted(p.relative_to(report.out_dir).as_posix() for p in report.outputs)
    # 9 charts and 2 maps, each as PNG and SVG
    assert len([n for n in names if n.endswith(".png")]) == 11
    assert len([n for n in names if n.endswith(".svg")]) == 11
    assert {"figure/mappa_distretti.png", "figure/mappa_completamento.png"} <= set(names)
    assert {"tabelle.xlsx", "presentazione.pptx", "report.html", "indicatori.csv"} <= set(names)
    assert report.manifest.name == "manifest.json"


def test_rerun_is_byte_identical_whatever_the_jobs(report, wave_2011):
    before = digests(report.out_dir)
    build_report(wave_2011, report.out_dir, jobs=1)
    assert digests(report.out_dir) == before


def test_no_pii_value_reaches_any_output(report, wave_2011):
    contacts = wave_2011.ingest.data.contacts
    pii = [
        v
        for c in contacts.columns
        if c.startswith("referent_")
        for v in contacts[c].dropna().astype(str)
        if v.strip()
    ]
    assert len(pii) >= 18 * 2  # the demo has names, e-mails and phones to look for
    files = [*report.out_dir.rglob("*")]
    assert scan_for_strings([f for f in files if f.is_file()], pii) == []


def test_every_output_says_the_data_are_synthetic(report):
    html = (report.out_dir / "report.html").read_text(encoding="utf-8")
    assert "DATI DIMOSTRATIVI" in html
    with zipfile.ZipFile(report.out_dir / "presentazione.pptx") as deck:
        slides = [n for n in deck.namelist() if n.startswith("ppt/slides/slide")]
        assert all(b"DATI DIMOSTRATIVI" in deck.read(n) for n in slides)
    with zipfile.ZipFile(report.out_dir / "tabelle.xlsx") as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
        assert all(b"DATI DIMOSTRATIVI" in book.read(n) for n in sheets)
        assert not any(b"<f>" in book.read(n) for n in sheets)  # no formula anywhere


def test_manifest_records_inputs_and_counts(report, wave_2011):
    import json

    manifest = json.loads(report.manifest.read_text(encoding="utf-8"))
    inputs = [entry["path"] for entry in manifest["inputs"]]
    assert sum(p.endswith("_2011.xlsx") for p in inputs) == 18
    assert any(p.endswith("registry.csv") for p in inputs)
    assert manifest["row_counts"]["interviews"] == 18
    assert manifest["row_counts"]["interventions"] == len(wave_2011.ingest.data.interventions)
    assert manifest["parameters"]["synthetic"] is True
    assert len(manifest["outputs"]) == len(report.outputs)


def test_key_figures_match_the_tidy_tables(report, wave_2011):
    interventions = wave_2011.ingest.data.interventions
    figures = report.analysis.key_figures
    assert figures["n_interventions"] == len(interventions)
    assert figures["n_completed"] == int((interventions["status"] == "completato").sum())


def test_comparison_handles_the_crosswalk(wave_2011, wave_2012):
    comparison = compare([wave_2012, wave_2011], allow_unreviewed=True)  # sorted by wave
    assert comparison.waves == (2011, 2012)
    values = comparison.values
    # The renamed question is compared under its 2011 id, with values in both waves.
    renamed = values[(values["item"] == "training_awareness") & (values["district_id"] == PANEL)]
    assert renamed[[2011, 2012]].notna().all(axis=None)
    assert "training_awareness_operators" not in set(values["item"])
    # The reworded question and the added option are left out, with the reason.
    excluded = comparison.excluded.set_index("item")["reason"]
    assert "non comparabile" in excluded["gov_manager"]
    assert "aggiunta" in excluded["temi_formazione/sostenibilita_ambientale"]
    assert not {"gov_manager", "sostenibilita_ambientale"} & set(values["item"])
    # The new district is new in the registry, not a district "not interviewed in 2011".
    presence = comparison.presence.set_index("district_id")
    assert presence.loc["D19", "note"] == "distretto nuovo dall'ondata 2012"
    assert presence.loc["D19", "status"] == "nuovo"
    assert (presence.drop(index="D19")["status"] == "panel").all()


def test_comparison_change_per_district_from_the_raw_tables(wave_2011, wave_2012):
    comparison = compare([wave_2011, wave_2012], allow_unreviewed=True)
    values = comparison.values.set_index(["indicator", "district_id"])
    for wave in (wave_2011, wave_2012):
        table = wave.ingest.data.interventions
        table = table[table["district_id"] == "D07"]
        share = (table["status"] == "completato").mean()
        assert values.loc[("completamento", "D07"), wave.instrument.wave] == pytest.approx(share)
    row = values.loc[("completamento", "D07")]
    assert row["change"] == pytest.approx(row[2012] - row[2011])
    assert pd.isna(values.loc[("completamento", "D19"), 2011])


def test_comparison_is_on_the_panel_with_its_bases_stated(wave_2011, wave_2012):
    """Recomputed here: completion of the districts interviewed in both waves, and of all."""
    comparison = compare([wave_2011, wave_2012], allow_unreviewed=True)
    values = comparison.values.set_index(["indicator", "item", "district_id"])
    both = set(wave_2011.ingest.data.interviews["district_id"]) & set(
        wave_2012.ingest.data.interviews["district_id"]
    )
    for wave in (wave_2011, wave_2012):
        table = wave.ingest.data.interventions
        panel = table[table["district_id"].isin(both)]
        year = wave.instrument.wave
        assert values.loc[("completamento", "", PANEL), year] == pytest.approx(
            (panel["status"] == "completato").mean()
        )
        assert values.loc[("completamento", "", ALL), year] == pytest.approx(
            (table["status"] == "completato").mean()
        )
    n_2011 = wave_2011.ingest.data.interviews["district_id"].nunique()
    n_2012 = wave_2012.ingest.data.interviews["district_id"].nunique()
    assert values.loc[("completamento", "", ALL), "bases"] == f"{n_2011} -> {n_2012} distretti"
    assert values.loc[("completamento", "", PANEL), "bases"] == (
        f"{len(both)} -> {len(both)} distretti"
    )
    d07 = [
        len(w.ingest.data.interventions.query("district_id == 'D07'"))
        for w in (wave_2011, wave_2012)
    ]
    assert values.loc[("completamento", "", "D07"), "bases"] == f"{d07[0]} -> {d07[1]} interventi"
    assert {2011, 2012} == set(comparison.coding)


def test_comparison_refuses_unreviewed_codes_unless_allowed(wave_2011, wave_2012):
    from distretti_survey.errors import ConfigError
    from distretti_survey.report.coding_status import CodingStatus

    # 2011 as for a wave without decisions; 2012 reviewed by two coders.
    status = {2011: CodingStatus("unreviewed", 10, 10), 2012: CodingStatus("reviewed", 10)}
    with pytest.raises(ConfigError, match=r"Ondata 2011: .* non rivisti"):
        compare([wave_2011, wave_2012], coding=status)
    used = compare([wave_2011, wave_2012], coding=status, allow_unreviewed=True).coding
    assert {w: s.kind for w, s in used.items()} == {2011: "unreviewed", 2012: "reviewed"}


def test_comparison_tables_write_changes_in_percentage_points(wave_2011, wave_2012):
    from distretti_survey.report.compare_outputs import comparison_labels, comparison_tables

    comparison = compare([wave_2011, wave_2012], allow_unreviewed=True)
    table = comparison_tables(comparison, comparison_labels([wave_2011, wave_2012]))[0]
    # the base column is named for districts; a district's own row counts its interventions
    changes = table.frame["Variazione 2011-2012"].dropna()
    assert changes.str.fullmatch(r"[+-]\d+,\d p\.p\.|n\.d\.").all()
    bases = table.frame["Base per ondata"]
    assert bases.str.fullmatch(
        r"(\d+|–) -> (\d+|–) (distretti|interventi.*|risposte valutate)"
    ).all()
    row = comparison.values.iloc[0]
    expected = f"{(row[2012] - row[2011]) * 100:+.1f} p.p.".replace(".", ",", 1)
    assert table.frame["Variazione 2011-2012"].iloc[0] == expected


def test_deck_has_native_charts_and_maps_reach_deck_and_html(report):
    with zipfile.ZipFile(report.out_dir / "presentazione.pptx") as deck:
        charts = [n for n in deck.namelist() if n.startswith("ppt/charts/chart")]
        media = [n for n in deck.namelist() if n.startswith("ppt/media/")]
        maps = [
            (report.out_dir / "figure" / f"{stem}.png").read_bytes()
            for stem in ("mappa_distretti", "mappa_completamento")
        ]
        pictures = {deck.read(n) for n in media}
    assert len(charts) >= 3  # status, rankings: editable in PowerPoint / LibreOffice
    assert all(m in pictures for m in maps)  # the same bytes as figure/*.png
    html = (report.out_dir / "report.html").read_text(encoding="utf-8")
    assert "Il territorio" in html
    assert html.count("data:image/png;base64,") >= 11
