"""PPTX deck: slides and titles, synthetic mark, fitted pictures, byte-reproducible, LibreOffice."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import pytest
from office import page_lines, to_pdf

from distretti_survey.errors import InputError
from distretti_survey.outputs.deck import (
    SLIDE_HEIGHT_EMU,
    SLIDE_WIDTH_EMU,
    ChartSlide,
    ClosingSlide,
    KeyFiguresSlide,
    QuotesSlide,
    SectionSlide,
    build_deck,
    fit_box,
    png_size,
)


def write_png(path: Path, width: int, height: int) -> Path:
    """Write a plain grey RGB PNG of the given size (built by hand, no imaging library)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + b"\x80" * (3 * width) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    return path


def _slides(tmp_path: Path) -> list:
    return [
        SectionSlide("Stato di avanzamento", "I programmi dei distretti"),
        ChartSlide(
            "Interventi per stato",
            write_png(tmp_path / "chart.png", 400, 100),
            "Fonte: indagine 2011. Base: 18 distretti.",
        ),
        KeyFiguresSlide("In sintesi", [("18", "distretti"), ("91", "comuni")]),
        QuotesSlide(
            "Le voci dei distretti",
            [
                ("Il coordinamento tra i comuni richiede tempo.", "Distretto di Belgioioso"),
                ("Servono corsi serali sul commercio elettronico.", "un distretto DID"),
            ],
        ),
    ]


def _build(tmp_path: Path, name: str, *, synthetic: bool = True) -> Path:
    return build_deck(
        _slides(tmp_path),
        tmp_path / name,
        title="I Distretti del Commercio",
        subtitle="Provincia di Pavia, 2011",
        synthetic=synthetic,
    )


def _slide_texts(slide) -> str:
    return " ".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)


def test_reopens_with_slide_count_and_titles(tmp_path):
    from pptx import Presentation

    prs = Presentation(_build(tmp_path, "deck.pptx"))
    assert (prs.slide_width, prs.slide_height) == (SLIDE_WIDTH_EMU, SLIDE_HEIGHT_EMU)
    assert round(prs.slide_width / 914400, 3) == 13.333 and prs.slide_height / 914400 == 7.5
    titles = [slide.shapes.title.text for slide in prs.slides]
    assert titles == [
        "I Distretti del Commercio",
        "Stato di avanzamento",
        "Interventi per stato",
        "In sintesi",
        "Le voci dei distretti",
        "Grazie per l'attenzione",  # closing slide added
    ]
    quotes = _slide_texts(prs.slides[4])
    assert "Distretto di Belgioioso" in quotes and "un distretto DID" in quotes
    assert "Fonte: indagine 2011" in _slide_texts(prs.slides[2])


def test_given_closing_slide_is_not_doubled(tmp_path):
    from pptx import Presentation

    path = build_deck(
        [ClosingSlide("Arrivederci", "Contatti: Paviasviluppo")],
        tmp_path / "d.pptx",
        title="T",
        subtitle="",
        synthetic=False,
    )
    titles = [slide.shapes.title.text for slide in Presentation(path).slides]
    assert titles == ["T", "Arrivederci"]


def test_synthetic_mark_on_every_slide(tmp_path):
    from pptx import Presentation

    marked = Presentation(_build(tmp_path, "s.pptx", synthetic=True))
    assert all("DATI DIMOSTRATIVI" in _slide_texts(slide) for slide in marked.slides)
    plain = Presentation(_build(tmp_path, "p.pptx", synthetic=False))
    assert not any("DATI DIMOSTRATIVI" in _slide_texts(slide) for slide in plain.slides)


def test_picture_keeps_aspect_ratio_and_fits(tmp_path):
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    slide = Presentation(_build(tmp_path, "deck.pptx")).slides[2]
    (picture,) = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert picture.width / picture.height == pytest.approx(4.0, abs=1e-5)  # 400 x 100 px
    assert picture.left >= 0 and picture.left + picture.width <= SLIDE_WIDTH_EMU
    assert picture.top >= 0 and picture.top + picture.height <= SLIDE_HEIGHT_EMU


def test_fit_box_by_hand():
    # 400x100 into a 1000x1000 box: scale 2.5 -> 1000x250, centred vertically at 375.
    assert fit_box((400, 100), (0, 0, 1000, 1000)) == (0, 375, 1000, 250)
    # 100x200 into a 600x300 box at (10, 20): scale 1.5 -> 150x300, centred at x = 10 + 225.
    assert fit_box((100, 200), (10, 20, 600, 300)) == (235, 20, 150, 300)


def test_png_size_and_errors(tmp_path):
    assert png_size(write_png(tmp_path / "a.png", 7, 3)) == (7, 3)
    (tmp_path / "b.png").write_bytes(b"GIF89a not a png at all......")
    with pytest.raises(InputError, match="PNG"):
        png_size(tmp_path / "b.png")
    with pytest.raises(InputError, match="non trovata"):
        png_size(tmp_path / "missing.png")


def test_two_builds_are_byte_identical(tmp_path):
    assert _build(tmp_path, "a.pptx").read_bytes() == _build(tmp_path, "b.pptx").read_bytes()


def test_core_properties_are_fixed(tmp_path):
    from pptx import Presentation

    props = Presentation(_build(tmp_path, "deck.pptx")).core_properties
    assert props.created.year == props.modified.year == 2000
    assert props.revision == 1
    assert props.author == props.last_modified_by == "distretti_survey"


def test_too_many_figures_or_quotes(tmp_path):
    with pytest.raises(ValueError, match="cifre chiave"):
        build_deck(
            [KeyFiguresSlide("x", [("1", "a")] * 9)], tmp_path / "x.pptx", title="T",
            subtitle="", synthetic=False,
        )  # fmt: skip
    with pytest.raises(ValueError, match="citazioni"):
        build_deck(
            [QuotesSlide("x", [])], tmp_path / "y.pptx", title="T", subtitle="", synthetic=False
        )


@pytest.mark.integration
def test_opens_in_libreoffice(tmp_path):
    deck = _build(tmp_path, "deck.pptx")
    pdf = to_pdf(deck, tmp_path / "pdf")
    pages = re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf.read_bytes())
    assert len(pages) == 6


def test_full_bleed_chart_slide_has_no_title_and_keeps_notes(tmp_path):
    """A chart that carries its own title fills the slide; title and note go to the notes."""
    from pptx import Presentation

    from distretti_survey.outputs.deck import ChartSlide, build_deck

    png = tmp_path / "chart.png"
    write_png(png, 1600, 900)
    path = build_deck(
        [ChartSlide("Titolo del grafico", png, "Fonte: prova", full_bleed=True)],
        tmp_path / "d.pptx",
        title="T",
        subtitle="S",
        synthetic=False,
    )
    slide = Presentation(str(path)).slides[1]
    picture = next(s for s in slide.shapes if s.shape_type == 13)  # MSO_SHAPE_TYPE.PICTURE
    assert slide.shapes.title is None
    assert picture.width > 12 * 914400  # wider than 12 in of the 13.33 in slide
    assert slide.notes_slide.notes_text_frame.text == "Titolo del grafico\nFonte: prova"


def test_key_figures_stay_on_one_line_in_libreoffice(tmp_path):
    # The comparison's key figures ("8% → 39%") wrapped onto their labels in LibreOffice:
    # each must now be printed whole, on one line.
    figures = [
        ("8% → 39%", "Interventi completati (quota) (+30,9 p.p.; stessi 18 -> 18 distretti)"),
        ("21% → 52%", "Budget speso sul previsto (+31,4 p.p.; stessi 18 -> 18 distretti)"),
        ("18", "distretti intervistati in tutte le ondate (base dei confronti)"),
        ("0", "distretti del registro non intervistati in un'ondata"),
        ("1", "distretti nuovi nel registro"),
        ("0", "distretti soppressi"),
        ("2", "voci escluse dal confronto (vedi tabelle)"),
    ]
    deck = build_deck(
        [KeyFiguresSlide("Dal 2011 al 2012", figures)], tmp_path / "k.pptx", title="T",
        subtitle="", synthetic=True,
    )  # fmt: skip
    lines = page_lines(to_pdf(deck, tmp_path), 2)
    for figure in ("8% → 39%", "21% → 52%"):
        assert any(figure in line for line in lines), (figure, lines)
