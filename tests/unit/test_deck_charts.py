"""Native PowerPoint charts in the deck: chart parts, values, house colours, rerun, LibreOffice."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from distretti_survey.deck import build_deck
from distretti_survey.deck_charts import NativeChartSlide, house_palette

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
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("LibreOffice non installato (né soffice né libreoffice nel PATH)")
    deck = _build(tmp_path / "deck.pptx")
    profile = (tmp_path / "lo-profile").as_uri()
    result = subprocess.run(
        [office, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path / "pdf"), str(deck)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    pdf = tmp_path / "pdf" / "deck.pdf"
    assert pdf.is_file(), result.stdout + result.stderr
    pages = re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf.read_bytes())
    assert len(pages) == len(SLIDES) + 2  # title and closing slides
