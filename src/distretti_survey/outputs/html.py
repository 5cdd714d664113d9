"""Self-contained HTML report: figures embedded, tables escaped, readable offline.

`render_report` builds the page as a string (no file I/O); `write_report` writes it. The page
links to nothing outside itself: CSS is inline and PNG figures are base64 data URIs.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from distretti_survey.errors import InputError
from distretti_survey.outputs.tables import Table

SYNTHETIC_BANNER = "DATI DIMOSTRATIVI - dati sintetici: i valori non descrivono i distretti reali."

_CSS = """
body { font-family: "Segoe UI", Arial, sans-serif; max-width: 60rem; margin: 0 auto;
       padding: 0 1rem 3rem; color: #222; line-height: 1.5; }
h1, h2, h3 { color: #1f4e79; }
.banner { background: #c00000; color: #fff; font-weight: bold; padding: .6rem 1rem;
          text-align: center; position: sticky; top: 0; }
figure { margin: 1.5rem 0; }
figure img, figure svg { max-width: 100%; height: auto; }
figcaption, .note { color: #595959; font-size: .9rem; }
table { border-collapse: collapse; margin: .5rem 0; font-size: .95rem; }
caption { text-align: left; font-weight: bold; padding-bottom: .3rem; }
th, td { border: 1px solid #bfbfbf; padding: .25rem .6rem; }
th { background: #deebf7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
nav ol { padding-left: 1.2rem; }
""".strip()

_ZERO_DECIMALS = re.compile(r"\.(0+)")


@dataclass(frozen=True)
class Section:
    """One section of the report.

    Parameters
    ----------
    heading
        Section heading (Italian).
    text
        Plain text; blank lines separate paragraphs. It is escaped, never read as HTML.
    figures
        (path, alt text) pairs: PNG files are embedded as base64, SVG files inline.
    tables
        Tables rendered with their title as caption and their note below.
    """

    heading: str
    text: str = ""
    figures: Sequence[tuple[bytes | Path, str]] = ()
    tables: Sequence[Table] = ()


def format_number(value: float, number_format: str = "") -> str:
    """Return a number as Italian text following a simple Excel number format.

    Supports percentages (``0%``, ``0.0%``), thousands separators (``#,##0``), decimals and
    a quoted suffix (``#,##0 "€"``). Without a format, integers show no decimals and other
    numbers up to two.

    Examples
    --------
    >>> format_number(0.256, "0.0%")
    '25,6%'
    >>> format_number(1234567.5, '#,##0 "€"')
    '1.234.568 €'
    >>> format_number(2.5)
    '2,5'
    """
    core = number_format.split('"')[0].strip()
    suffix = " ".join(re.findall(r'"([^"]*)"', number_format))
    percent = core.endswith("%")
    if percent:
        value *= 100
    if number_format:
        match = _ZERO_DECIMALS.search(core)
        grouping = "," if "," in core else ""
        text = f"{value:{grouping}.{len(match.group(1)) if match else 0}f}"
    else:
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
    # Swap to Italian separators: thousands '.', decimals ','.
    text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    if percent:
        text += "%"
    if suffix:
        text += f" {suffix}"
    return text


def _display_frame(table: Table) -> tuple[pd.DataFrame, list[bool]]:
    frame = table.display_frame()
    shown = pd.DataFrame(index=frame.index)
    numeric = []
    for column in frame.columns:
        series = frame[column]
        is_number = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
        numeric.append(is_number)
        number_format = table.number_formats.get(column, "")
        shown[column] = [
            "–"
            if pd.isna(value)
            else format_number(float(value), number_format)
            if is_number
            else str(value)
            for value in series.tolist()
        ]
    shown.columns = [str(column) for column in frame.columns]
    return shown, numeric


def _table_html(table: Table) -> str:
    shown, numeric = _display_frame(table)
    body = shown.to_html(index=False, escape=True, border=0, na_rep="–")
    body = re.sub(r"<table[^>]*>", "<table>", body, count=1)
    body = _align_numbers(body, numeric)
    caption = f"<caption>{html.escape(table.title)}</caption>"
    body = body.replace("<table>", f"<table>\n  {caption}", 1)
    note = f'<p class="note">{html.escape(table.note)}</p>' if table.note else ""
    return f"{body}\n{note}"


def _align_numbers(body: str, numeric: Sequence[bool]) -> str:
    """Give numeric cells a class so CSS right-aligns them (pandas gives all cells one look)."""
    # Splitting on the tags is safe: cell text is escaped, so it holds no literal "<td>".
    rows = []
    for row in body.split("<tr>"):
        head, *cells = row.split("<td>")
        rows.append(
            head
            + "".join(
                ('<td class="num">' if position < len(numeric) and numeric[position] else "<td>")
                + cell
                for position, cell in enumerate(cells)
            )
        )
    return "<tr>".join(rows)


def _figure_html(image: bytes | Path, alt: str) -> str:
    """Return a figure (PNG or SVG, as bytes rendered in memory or as a file) as HTML."""
    if isinstance(image, bytes):
        data, path = image, Path("figura.svg" if image.lstrip().startswith(b"<") else "figura.png")
    else:
        path = Path(image)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise InputError(f"Figura del rapporto non trovata: «{path}».") from error
    caption = f"<figcaption>{html.escape(alt)}</figcaption>"
    if path.suffix.lower() == ".svg":
        svg = data.decode("utf-8")
        svg = svg[svg.index("<svg") :] if "<svg" in svg else svg  # drop XML prolog/doctype
        return f'<figure role="img" aria-label="{html.escape(alt)}">\n{svg}\n{caption}</figure>'
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise InputError(f"«{path}» non è un'immagine PNG o SVG.")
    encoded = base64.b64encode(data).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{encoded}" alt="{html.escape(alt)}">'
        f"\n{caption}</figure>"
    )


def _paragraphs(text: str | Sequence[str]) -> str:
    """Plain text -> paragraphs; a list of strings -> a bullet list."""
    if isinstance(text, str):
        blocks = [block.strip() for block in re.split(r"\n\s*\n", text) if block.strip()]
        return "\n".join(
            "<p>" + html.escape(block).replace("\n", "<br>") + "</p>" for block in blocks
        )
    items = "\n".join(f"  <li>{html.escape(item)}</li>" for item in text)
    return f"<ul>\n{items}\n</ul>" if items else ""


def _section_html(number: int, section: Section) -> str:
    parts = [
        f'<section id="sezione-{number}">',
        f"<h2>{html.escape(section.heading)}</h2>",
        _paragraphs(section.text),
        *(_figure_html(path, alt) for path, alt in section.figures),
        *(_table_html(table) for table in section.tables),
        "</section>",
    ]
    return "\n".join(part for part in parts if part)


def render_report(
    sections: Sequence[Section],
    *,
    title: str,
    synthetic: bool,
    method_note: str | Sequence[str],
    findings_summary: str | Sequence[str],
) -> str:
    """Render the report as one self-contained HTML page (``lang="it"``).

    Parameters
    ----------
    sections
        Report sections in order.
    title
        Page title and main heading.
    synthetic
        Show a red "DATI DIMOSTRATIVI" banner at the top of the page.
    method_note
        Nota metodologica: text (blank lines separate paragraphs) or a list of points.
    findings_summary
        Sintesi dei risultati, shown before the sections: text or a list of points.

    Returns
    -------
    str
        The page; the same arguments always give the same text.

    Raises
    ------
    InputError
        A figure file is missing or is neither PNG nor SVG.
    """
    banner = (
        f'<div class="banner" role="note">{html.escape(SYNTHETIC_BANNER)}</div>'
        if synthetic
        else ""
    )
    toc_items = ['  <li><a href="#sintesi">Sintesi dei risultati</a></li>']
    toc_items += [
        f'  <li><a href="#sezione-{number}">{html.escape(section.heading)}</a></li>'
        for number, section in enumerate(sections, start=1)
    ]
    toc_items.append('  <li><a href="#metodo">Nota metodologica</a></li>')
    body = [
        banner,
        "<header>",
        f"<h1>{html.escape(title)}</h1>",
        "</header>",
        '<nav aria-label="Indice">\n<h2>Indice</h2>\n<ol>\n'
        + "\n".join(toc_items)
        + "\n</ol>\n</nav>",
        '<section id="sintesi">\n<h2>Sintesi dei risultati</h2>',
        _paragraphs(findings_summary),
        "</section>",
        *(_section_html(number, section) for number, section in enumerate(sections, start=1)),
        '<section id="metodo">\n<h2>Nota metodologica</h2>',
        _paragraphs(method_note),
        "</section>",
        banner,
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="it">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>\n{_CSS}\n</style>\n</head>\n<body>\n"
        + "\n".join(part for part in body if part)
        + "\n</body>\n</html>\n"
    )


def write_report(html_text: str, path: Path | str) -> Path:
    """Write the HTML page as UTF-8 with ``\\n`` line ends and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(html_text.encode("utf-8"))
    return path
