"""Self-contained HTML report: offline, escaped, Italian, deterministic."""

from __future__ import annotations

import base64
import re
import struct
import zlib
from pathlib import Path

import pandas as pd
import pytest

from distretti_survey.errors import InputError
from distretti_survey.outputs.html import Section, format_number, render_report, write_report
from distretti_survey.outputs.tables import Table


def write_png(path: Path, width: int, height: int) -> Path:
    """Write a plain grey RGB PNG of the given size (built by hand, no imaging library)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + b"\x80" * (3 * width) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunks)
    return path


SVG = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    '<rect width="10" height="10"/></svg>\n'
)


def _sections(tmp_path: Path) -> list[Section]:
    table = Table(
        name="Quote",
        title="Interventi per stato",
        frame=pd.DataFrame(
            {
                "stato": ["<script>alert(1)</script>", "completato"],
                "quota": [0.256, None],
                "budget": [1234567.5, 2.0],
            }
        ),
        note="Base: 40 interventi.",
        number_formats={"quota": "0.0%", "budget": '#,##0 "€"'},
    )
    (tmp_path / "fig.svg").write_text(SVG, encoding="utf-8")
    return [
        Section(
            heading="Stato di avanzamento",
            text="Primo paragrafo.\n\nSecondo <b>paragrafo</b>.",
            figures=[(write_png(tmp_path / "fig.png", 4, 2), "Interventi per area")],
            tables=[table],
        ),
        Section(heading="Governance", figures=[(tmp_path / "fig.svg", "Accordo per attore")]),
    ]


def _render(tmp_path: Path, *, synthetic: bool = True) -> str:
    return render_report(
        _sections(tmp_path),
        title="I Distretti del Commercio - rapporto 2011",
        synthetic=synthetic,
        method_note="Interviste ai referenti di 18 distretti.",
        findings_summary=["Metà degli interventi è in corso.", "Il manager manca spesso."],
    )


def test_page_is_italian_and_self_contained(tmp_path):
    page = _render(tmp_path)
    assert page.startswith('<!DOCTYPE html>\n<html lang="it">')
    assert '<meta charset="utf-8">' in page
    assert "<link" not in page and "<script" not in page
    # The only URL allowed is the SVG namespace, which is a name, not a link.
    urls = set(re.findall(r"https?://[^\s\"'<>]+", page))
    assert urls == {"http://www.w3.org/2000/svg"}
    assert not re.search(r"""(?:src|href)\s*=\s*["']?https?:""", page)


def test_png_embedded_as_base64_and_svg_inline(tmp_path):
    page = _render(tmp_path)
    encoded = base64.b64encode((tmp_path / "fig.png").read_bytes()).decode()
    assert f'<img src="data:image/png;base64,{encoded}" alt="Interventi per area">' in page
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page
    assert "<?xml" not in page


def test_text_and_tables_are_escaped(tmp_path):
    page = _render(tmp_path)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Secondo &lt;b&gt;paragrafo&lt;/b&gt;." in page
    assert "<caption>Interventi per stato</caption>" in page
    assert '<p class="note">Base: 40 interventi.</p>' in page


def test_numbers_in_italian_format(tmp_path):
    page = _render(tmp_path)
    assert '<td class="num">25,6%</td>' in page
    assert '<td class="num">1.234.568 €</td>' in page
    assert '<td class="num">–</td>' in page  # missing value


def test_banner_only_when_synthetic(tmp_path):
    assert "DATI DIMOSTRATIVI" in _render(tmp_path, synthetic=True)
    assert "DATI DIMOSTRATIVI" not in _render(tmp_path, synthetic=False)


def test_summary_method_and_sections_in_order(tmp_path):
    page = _render(tmp_path)
    order = [
        "<h2>Sintesi dei risultati</h2>",
        "<li>Metà degli interventi è in corso.</li>",
        "<h2>Stato di avanzamento</h2>",
        "<h2>Governance</h2>",
        "<h2>Nota metodologica</h2>",
        "<p>Interviste ai referenti di 18 distretti.</p>",
    ]
    positions = [page.index(text) for text in order]
    assert positions == sorted(positions)


def test_deterministic_and_written_as_utf8(tmp_path):
    first, second = _render(tmp_path), _render(tmp_path)
    assert first == second
    path = write_report(first, tmp_path / "out" / "rapporto.html")
    assert path.read_bytes() == first.encode("utf-8")


def test_missing_or_wrong_figure(tmp_path):
    missing = Section("S", figures=[(tmp_path / "nope.png", "x")])
    with pytest.raises(InputError, match="non trovata"):
        render_report([missing], title="T", synthetic=False, method_note="", findings_summary="")
    (tmp_path / "bad.png").write_bytes(b"not an image")
    wrong = Section("S", figures=[(tmp_path / "bad.png", "x")])
    with pytest.raises(InputError, match="PNG"):
        render_report([wrong], title="T", synthetic=False, method_note="", findings_summary="")


@pytest.mark.parametrize(
    ("value", "number_format", "expected"),
    [
        (0.256, "0.0%", "25,6%"),
        (0.5, "0%", "50%"),
        (1234567.5, '#,##0 "€"', "1.234.568 €"),
        (1234.5, "0.0", "1234,5"),
        (1234.567, "#,##0.00", "1.234,57"),
        (2.5, "", "2,5"),
        (3.0, "", "3"),
        (12000.0, "", "12.000"),
    ],
)
def test_format_number(value, number_format, expected):
    assert format_number(value, number_format) == expected
