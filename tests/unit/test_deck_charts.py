"""Native PowerPoint charts in the deck: chart parts, values, house colours, rerun, LibreOffice."""

from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from office import page_lines, to_pdf

from distretti_survey.outputs.deck import build_deck
from distretti_survey.outputs.deck_charts import (
    NativeChartSlide,
    dumbbell_slide,
    house_palette,
    ranked_slide,
    status_slide,
)

C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"

SLIDES = [
    NativeChartSlide(
        "Quota di interventi completati",
        "bar",
        ["Pavia", "Voghera", "Vigevano"],
        [("Completati", [0.25, 0.5, 0.125])],
        "Fonte: prova. Base: 3 distretti.",
        number_format="0%",
    ),
    NativeChartSlide(
        "Interventi per stato",
        "stacked",
        ["Pavia", "Voghera"],
        [("Completato", [3, 1]), ("In corso", [2, 2]), ("Non avviato", [1, 0])],
        colours=["#009E73", "#0072B2", "#BBBBBB"],
    ),
    NativeChartSlide(
        "Confronto tra ondate",
        "dot",
        ["D01", "D02", "D03"],
        [("2011", [0.2, 0.4, None]), ("2012", [0.3, 0.35, 0.5])],
        number_format="0%",
    ),
]


def _build(path: Path) -> Path:
    return build_deck(SLIDES, path, title="Distretti", subtitle="2011", synthetic=True)


def _charts(path: Path) -> list:
    from lxml import etree

    with zipfile.ZipFile(path) as z:
        names = sorted(
            (n for n in z.namelist() if re.fullmatch(r"ppt/charts/chart\d+\.xml", n)),
            key=lambda n: int(re.search(r"\d+", n).group()),
        )
        return [etree.fromstring(z.read(n)) for n in names]


def _series_values(chart) -> list[tuple[str, list[float | None]]]:
    out = []
    for ser in chart.iter(f"{C}ser"):
        name = ser.find(f"{C}tx").find(f".//{C}v").text
        cache = ser.find(f"{C}val").find(f".//{C}numCache")
        count = int(cache.find(f"{C}ptCount").get("val"))
        values: list[float | None] = [None] * count
        for pt in cache.findall(f"{C}pt"):
            values[int(pt.get("idx"))] = float(pt.find(f"{C}v").text)
        out.append((name, values))
    return out


def test_native_chart_parts_hold_the_data_passed(tmp_path):
    charts = _charts(_build(tmp_path / "deck.pptx"))
    assert len(charts) == len(SLIDES)
    for chart, spec in zip(charts, SLIDES, strict=True):
        expected = [
            (name, [None if v is None else float(v) for v in vs]) for name, vs in spec.series
        ]
        assert _series_values(chart) == expected
        categories = [v.text for v in chart.find(f".//{C}cat").iter(f"{C}v")]
        assert categories == list(spec.categories)


def test_chart_types_and_house_colours(tmp_path):
    bar, stacked, dot = _charts(_build(tmp_path / "deck.pptx"))
    assert bar.find(f".//{C}barChart/{C}grouping").get("val") == "clustered"
    assert stacked.find(f".//{C}barChart/{C}grouping").get("val") == "stacked"
    assert dot.find(f".//{C}lineChart") is not None

    def fills(chart, where):
        return [ser.find(where).get("val") for ser in chart.iter(f"{C}ser")]

    solid = f"{C}spPr/{A}solidFill/{A}srgbClr"
    assert fills(bar, solid) == [house_palette()[0].lstrip("#")]
    assert fills(stacked, solid) == ["009E73", "0072B2", "BBBBBB"]
    marker = f"{C}marker/{C}spPr/{A}solidFill/{A}srgbClr"
    assert fills(dot, marker) == [c.lstrip("#") for c in house_palette()[:2]]
    # Dots only: the line between markers is switched off.
    for ser in dot.iter(f"{C}ser"):
        assert ser.find(f"{C}spPr/{A}ln/{A}noFill") is not None


def test_house_palette_matches_the_matplotlib_style():
    from importlib import resources

    from cycler import cycler  # noqa: F401  (matplotlib's own parser below needs it)
    from matplotlib import rc_params_from_file

    style = resources.files("distretti_survey").joinpath("resources/distretti.mplstyle")
    with resources.as_file(style) as path:
        params = rc_params_from_file(str(path), use_default_template=False)
    expected = [
        c.upper() if c.startswith("#") else "#" + c.upper()
        for c in params["axes.prop_cycle"].by_key()["color"]
    ]
    assert house_palette() == expected


def test_rerun_is_byte_identical_even_seconds_apart(tmp_path):
    first = _build(tmp_path / "a.pptx").read_bytes()
    time.sleep(1.1)  # the embedded chart workbooks would carry the time of writing
    assert _build(tmp_path / "b.pptx").read_bytes() == first


def test_series_length_must_match_categories(tmp_path):
    bad = NativeChartSlide("Rotto", "bar", ["a", "b"], [("s", [1.0])])
    with pytest.raises(ValueError, match="1 valori per 2 categorie"):
        build_deck([bad], tmp_path / "x.pptx", title="T", subtitle="", synthetic=False)


@pytest.mark.integration
def test_native_charts_open_in_libreoffice(tmp_path):
    deck = _build(tmp_path / "deck.pptx")
    pdf = to_pdf(deck, tmp_path / "pdf")
    pages = re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf.read_bytes())
    assert len(pages) == len(SLIDES) + 2  # title and closing slides


def _status_frame():
    from distretti_survey.indicators import status_counts

    interventions = pd.DataFrame(
        {
            "district_id": ["D01", "D01", "D01", "D02", "D02", "D03"],
            "status": [
                "completato",
                "in_corso",
                "completato",
                "in_corso",
                "annullato",
                "non_avviato",
            ],
        }
    )
    return interventions, status_counts(interventions, by="district_id")


def test_status_slide_holds_the_shares_of_each_status():
    interventions, data = _status_frame()
    slide = status_slide(
        data,
        title="Stato",
        district_labels={"D01": "Pavia"},
        status_roles={"completato": "completed", "non_avviato": "not_started"},
    )
    # D01 has the highest share completed: first (top) row.
    assert slide.categories[0] == "Pavia" and set(slide.categories) == {"Pavia", "D02", "D03"}
    codes = {"Pavia": "D01", "D02": "D02", "D03": "D03"}
    for name, values in slide.series:
        for category, value in zip(slide.categories, values, strict=True):
            rows = interventions[interventions["district_id"] == codes[category]]
            assert value == pytest.approx((rows["status"] == name).mean())
    totals = [sum(vs) for vs in zip(*(v for _, v in slide.series), strict=True)]
    assert totals == pytest.approx([1.0] * 3)


def test_ranked_and_dumbbell_slides_keep_order_and_values(tmp_path):
    ranking = pd.DataFrame({"option": ["a", "b"], "k": [5, 2], "n": [9, 9]})
    bar = ranked_slide(ranking, title="Temi", option_labels={"a": "Marketing"})
    assert bar.categories == ["Marketing", "b"] and bar.series == [("Distretti", [5.0, 2.0])]
    tidy = pd.DataFrame(
        {
            "item": ["x", "x", "y", "z"],
            "wave": [2011, 2012, 2012, 2011],
            "value": [0.2, 0.3, 0.6, 0.5],
        }
    )
    dots = dumbbell_slide(tidy, title="Confronto")
    assert dots.categories == ["y", "x", "z"]  # latest wave highest first, missing last
    assert dots.series == [("2011", [None, 0.2, 0.5]), ("2012", [0.6, 0.3, None])]
    path = build_deck([bar, dots], tmp_path / "d.pptx", title="T", subtitle="", synthetic=False)
    assert [v for _, v in _series_values(_charts(path)[1])[1:]] == [[0.6, 0.3, None]]


def test_native_twins_of_the_report_figures(demo_project):
    from distretti_survey.outputs.deck_charts import native_twin
    from distretti_survey.pipeline import prepare_wave
    from distretti_survey.report.analysis import analyse_wave
    from distretti_survey.report.figures import figure_specs

    prepared = prepare_wave(demo_project / "data/raw/demo/2011")
    coding = prepared.coding
    analysis = analyse_wave(
        prepared.instrument, prepared.ingest.data, coding.final, coding.segments, prepared.districts
    )
    twins = {}
    for spec in figure_specs(analysis):
        slide = native_twin(spec.chart, spec.data, title=spec.title, kwargs=spec.kwargs)
        if slide is not None:
            twins[spec.stem] = (spec, slide)
    assert "01_stato_interventi" in twins and "07_formati" in twins
    assert "02_budget" not in twins  # no native twin: the picture stays
    spec, slide = twins["07_formati"]
    labels = spec.kwargs["option_labels"]
    assert slide.categories == [labels[o] for o in spec.data["option"]]
    assert slide.series[0][1] == [float(k) for k in spec.data["k"]]


def test_libreoffice_prints_every_label_of_a_long_list(tmp_path, repo_root):
    # The status slide of the demo wave 2011 (18 districts, their real long names, five
    # statuses): LibreOffice used to wrap the names and hide every other one; each must now
    # be printed, on one line.
    from distretti_survey.indicators import status_counts
    from distretti_survey.ingest import read_wave
    from distretti_survey.instrument import load_instrument
    from distretti_survey.registry import load_registry

    wave = repo_root / "data" / "raw" / "demo" / "2011"
    registry = load_registry()
    data = read_wave(wave, load_instrument(wave / "questionnaire.xlsx"), registry).data
    names = dict(registry.districts(2011)[["district_id", "district_name"]].values)
    slide = status_slide(
        status_counts(data.interventions, by="district_id"),
        title="Stato di attuazione degli interventi, per distretto",
        source_note="Fonte: prova. Base: 110 interventi programmati dei 18 distretti.",
        district_labels=names,
    )
    assert len(slide.categories) == 18 and max(map(len, slide.categories)) > 50
    deck = build_deck([slide], tmp_path / "d.pptx", title="T", subtitle="S", synthetic=True)
    lines = page_lines(to_pdf(deck, tmp_path), 2)
    for name in slide.categories:
        assert any(name in line for line in lines), name


def test_dumbbell_is_native_only_when_its_names_fit_under_the_dots():
    # 19 long district names under a native dot chart were unreadable (one word per line):
    # the deck then shows the picture, where the names sit beside the dots.
    from distretti_survey.outputs.deck_charts import native_twin
    from distretti_survey.registry import load_registry

    def tidy(items):
        return pd.DataFrame(
            {
                "item": [i for i in items for _ in (2011, 2012)],
                "wave": [w for _ in items for w in (2011, 2012)],
                "value": [0.2, 0.4] * len(items),
            }
        )

    names = list(load_registry().districts(2012)["district_name"])
    assert native_twin("dumbbell_chart", tidy(names), title="t") is None
    short = native_twin("dumbbell_chart", tidy(["Pavia", "Voghera", "Vigevano"]), title="t")
    assert short is not None and short.kind == "dot"
