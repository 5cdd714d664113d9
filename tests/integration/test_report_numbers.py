"""A wave with non-response, as the audience reads it: every percentage in indicatori.csv.

Two interview files of the 2012 demo wave are left out of a copy of the wave, so 17 of the 19
districts of the registry are interviewed. The report must say so by name, and every
percentage printed in report.html and in the deck's text must be a row of indicatori.csv.
"""

from __future__ import annotations

import html
import re
import shutil

import pandas as pd
import pytest

from distretti_survey.pipeline import prepare_wave
from distretti_survey.report.build import build_report

pytestmark = pytest.mark.integration

LEFT_OUT = ("D05", "D11")
PERCENT = re.compile(r"(?<![\d,.])(\d+)(?:,(\d+))?\s?%")


@pytest.fixture(scope="module")
def partial_report(repo_root, tmp_path_factory):
    root = tmp_path_factory.mktemp("nonresponse")
    wave = root / "2012"
    shutil.copytree(repo_root / "data/raw/demo/2012", wave)
    for district in LEFT_OUT:
        (wave / "interviews" / f"{district}_2012.xlsx").unlink()
    prepared = prepare_wave(wave)
    return build_report(prepared, root / "out", jobs=1), prepared


def _html_text(path) -> str:
    page = path.read_text(encoding="utf-8")
    page = re.sub(r"<img[^>]*>", "", page)
    page = re.sub(r"<svg.*?</svg>", "", page, flags=re.S)
    page = re.sub(r"<style.*?</style>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _deck_text(path) -> list[str]:
    """Return the text of each slide (its text boxes and speaker notes, one per line)."""
    from pptx import Presentation

    texts = []
    for slide in Presentation(path).slides:
        parts = [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
        if slide.has_notes_slide:  # chart slides keep their title and base in the notes
            parts.append(slide.notes_slide.notes_text_frame.text)
        texts.append("\n".join(parts))
    return texts


def _printed_shares(table: pd.DataFrame) -> dict[int, set[str]]:
    """Every share of the table as it would be printed with 0, 1 or 2 decimals."""
    shares = pd.to_numeric(table.loc[table["unit"] == "quota", "value"], errors="coerce").dropna()
    return {d: {f"{v * 100:.{d}f}".replace(".", ",") for v in shares.tolist()} for d in (0, 1, 2)}


def _not_in_table(text: str, printed: dict[int, set[str]]) -> list[str]:
    missing = []
    for whole, decimals in PERCENT.findall(text):
        shown = f"{whole},{decimals}" if decimals else whole
        if shown not in printed[len(decimals)]:
            missing.append(shown + "%")
    return missing


def test_every_percentage_printed_is_in_indicatori_csv(partial_report):
    result, _ = partial_report
    table = pd.read_csv(result.out_dir / "indicatori.csv", keep_default_na=False)
    printed = _printed_shares(table)
    page = _html_text(result.out_dir / "report.html")
    deck = "\n".join(_deck_text(result.out_dir / "presentazione.pptx"))
    assert len(PERCENT.findall(page)) > 100  # the tables print hundreds of shares
    assert len(PERCENT.findall(deck)) >= 2  # completed share and budget realisation
    assert _not_in_table(page, printed) == []
    assert _not_in_table(deck, printed) == []
    # and the check can fail: a share that is nowhere in the table is caught
    assert _not_in_table("il 99,9% dei distretti", printed) == ["99,9%"]


def test_every_number_of_the_xlsx_tables_is_in_indicatori_csv(partial_report):
    # indicatori.csv promises a row for every number shown: the workbook's tables too.
    from openpyxl import load_workbook

    result, _ = partial_report
    table = pd.read_csv(result.out_dir / "indicatori.csv", keep_default_na=False)
    columns = ("value", "numerator", "denominator", "n_districts")
    known = {
        round(float(v), 6)
        for c in columns
        for v in pd.to_numeric(table[c], errors="coerce").dropna()
    }
    book = load_workbook(result.out_dir / "tabelle.xlsx")
    shown, missing = 0, []
    for sheet in book.worksheets:
        if sheet.title == "indicatori":  # the table itself
            continue
        for r, row in enumerate(sheet.iter_rows(values_only=True), 1):
            for c, value in enumerate(row, 1):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    shown += 1
                    if round(float(value), 6) not in known:
                        missing.append(f"{sheet.title}!R{r}C{c}={value}")
    assert shown > 1000 and missing == []


def test_every_count_of_the_method_note_is_in_indicatori_csv(partial_report):
    # The method note ends "Tutti i numeri sono in indicatori.csv": its counts of open answers,
    # segments, final codes by source and redactions must be rows of the table.
    result, _ = partial_report
    table = pd.read_csv(result.out_dir / "indicatori.csv", keep_default_na=False)
    page = _html_text(result.out_dir / "report.html")
    note = page[page.index("Nota metodologica") :]
    assert "Tutti i numeri sono in indicatori.csv" in note
    answers, segments = re.search(r"Risposte aperte: (\d+) risposte, (\d+) segmenti", note).groups()
    sources = re.search(r"Codici finali: ((?:\d+ da \w+(?:, )?)+)", note).group(1)
    counts = ("open_answers", "open_segments", "final_codes_by_source")
    rows = {
        (r.indicator, r.item): int(float(r.value))
        for r in table.itertuples()
        if r.indicator in counts
    }
    assert rows[("open_answers", "")] == int(answers)
    assert rows[("open_segments", "")] == int(segments)
    for n, source in re.findall(r"(\d+) da (\w+)", sources):
        assert rows[("final_codes_by_source", source)] == int(n)
    by_source = {k[1]: v for k, v in rows.items() if k[0] == "final_codes_by_source"}
    assert len(re.findall(r"\d+ da \w+", sources)) == len(by_source) > 0


def test_non_response_is_named_on_the_slide_and_in_the_summary(partial_report):
    result, prepared = partial_report
    names = prepared.districts.set_index("district_id")["district_name"]
    n_registry = len(prepared.districts)
    k = n_registry - len(LEFT_OUT)
    deck = _deck_text(result.out_dir / "presentazione.pptx")
    key_slide = next(text for text in deck if f"{k} di {n_registry}" in text)
    page = _html_text(result.out_dir / "report.html")
    summary = page[page.index("Sintesi dei risultati", page.index("Indice") + 30) :]
    summary = summary[: summary.index("Stato di avanzamento")]
    for district in LEFT_OUT:
        assert names[district] in key_slide
        assert names[district] in summary
    assert f"{k} di {n_registry} distretti intervistati" in summary
    assert "alla data dell'intervista" in summary
    assert "alla data dell'intervista" in "\n".join(deck)


def test_budget_and_response_bases_are_stated_in_table_and_sentence(partial_report):
    result, _ = partial_report
    table = pd.read_csv(result.out_dir / "indicatori.csv", keep_default_na=False)
    budget = table[(table["indicator"] == "budget_realisation") & (table["district_id"] == "")]
    base = budget.iloc[0]["base"]
    assert base.endswith("interventi programmati")  # nothing left out in the demo 2012
    assert base in _html_text(result.out_dir / "report.html")
