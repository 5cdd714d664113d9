"""Open one input file once: cell values (calamine), visibility, merged cells, formulas.

calamine reads values fast but returns an empty cell for a formula saved without its cached
value, and does not say a cell held a formula. The formulas are therefore found in the same
bytes by scanning the sheet XML for ``<f>`` elements (cheaper than a second, openpyxl, parse):
a ``<v>`` beside the formula is the cached value calamine already returned.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from distretti_survey.ingest.values import cell_ref


class BookError(Exception):
    """The file is not a readable workbook; the message (Italian) says why."""


@dataclass
class Book:
    """One input file as plain data: rows of values per sheet and what calamine cannot say."""

    name: str
    sheets: dict[str, list[list[object]]]
    hidden: set[str] = field(default_factory=set)
    merged: dict[str, list[str]] = field(default_factory=dict)
    #: sheet -> cell ref -> (formula text, has a cached value)
    formulas: dict[str, dict[str, tuple[str, bool]]] = field(default_factory=dict)
    is_csv: bool = False


def open_book(path: Path, name: str) -> Book:
    """Read ``path`` (xlsx, xlsm, xls, ods or csv) into a Book; raise BookError if unreadable."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BookError(f"file illeggibile ({exc.strerror or exc})") from exc
    if path.suffix.lower() in {".csv", ".txt"}:
        return _open_csv(data, name)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" and path.suffix.lower() != ".xls":
        # an xlsx saved with a password is an encrypted OLE container, not a zip
        raise BookError("il file è protetto da password o cifrato: salvarlo senza password")
    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets: dict[str, list[list[object]]] = {}
        hidden: set[str] = set()
        merged: dict[str, list[str]] = {}
        for meta in wb.sheets_metadata:
            if meta.visible != pc.SheetVisibleEnum.Visible:
                hidden.add(meta.name)
            sheet = wb.get_sheet_by_name(meta.name)
            sheets[meta.name] = _rows(sheet.to_python(), sheet.start)
            ranges = sheet.merged_cell_ranges or []
            merged[meta.name] = [f"{cell_ref(*start)}:{cell_ref(*end)}" for start, end in ranges]
    except pc.PasswordError as exc:
        raise BookError("il file è protetto da password: salvarlo senza password") from exc
    except Exception as exc:  # calamine raises several unrelated types for broken files
        raise BookError(
            f"non è una cartella di lavoro Excel leggibile ({type(exc).__name__})"
        ) from exc
    formulas = _scan_formulas(data) if zipfile.is_zipfile(io.BytesIO(data)) else {}
    return Book(name, sheets, hidden, merged, formulas)


def _rows(rows: list[list[object]], start: tuple[int, int] | None) -> list[list[object]]:
    # to_python() starts at the first used cell (sheet.start): pad so that indices are
    # Excel's (0-based). With skip_empty_area=False calamine already starts at A1, and padding
    # again shifted every cell of a sheet whose first rows or columns are empty.
    r0, c0 = start or (0, 0)
    if c0:
        rows = [[""] * c0 + list(row) for row in rows]
    return [[] for _ in range(r0)] + rows if r0 else rows


def _open_csv(data: bytes, name: str) -> Book:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","  # Kobo's default is ";"
    rows: list[list[object]] = [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    if not rows:
        raise BookError("il file CSV è vuoto")
    return Book(name, {PurePosixPath(name).stem: rows}, is_csv=True)


_SHEET = re.compile(rb'<sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"')
_REL = re.compile(rb'<Relationship\b[^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"')
_REL_REV = re.compile(rb'<Relationship\b[^>]*?Target="([^"]*)"[^>]*?Id="([^"]*)"')
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
_REF = re.compile(rb'\br="([A-Z]+\d+)"')
_F = re.compile(rb"<f\b[^>]*?(?:/>|>(.*?)</f>)", re.DOTALL)
_V = re.compile(rb"<v>(.+?)</v>", re.DOTALL)


def _has_formula(xml: bytes) -> bool:
    """Return True when the sheet XML holds an ``<f>`` element.

    Not ``<formula1>`` of a dropdown nor ``<firstHeader>``. One pass over the few ``<f``
    found is several times faster than a regular expression (or three substring tests) over
    the whole sheet.
    """
    at = xml.find(b"<f")
    while at >= 0:
        if xml[at + 2 : at + 3] in (b">", b" ", b"/", b"\t", b"\n", b"\r"):
            return True
        at = xml.find(b"<f", at + 2)
    return False


def _scan_formulas(data: bytes) -> dict[str, dict[str, tuple[str, bool]]]:
    from distretti_survey.ingest import zipread

    index = zipread.members(data)
    if index is None:  # zip64, encrypted or unusual: the slower zipfile way
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            return _scan_members(names, zf.read)
    return _scan_members(set(index), lambda name: zipread.read(data, index, name) or b"")


def _scan_members(names: set[str], read) -> dict[str, dict[str, tuple[str, bool]]]:
    import html

    out: dict[str, dict[str, tuple[str, bool]]] = {}
    if "xl/workbook.xml" not in names:
        return out
    rels_xml = read("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in names else b""
    rels = {rid: tgt for rid, tgt in _REL.findall(rels_xml)}
    rels.update({rid: tgt for tgt, rid in _REL_REV.findall(rels_xml)})
    for sheet_name, rid in _SHEET.findall(read("xl/workbook.xml")):
        target = rels.get(rid, b"").decode()
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        if path not in names:
            continue
        xml = read(path)
        if not _has_formula(xml):
            continue
        found = {}
        for attrs, inner in _CELL.findall(xml):
            if not inner or b"<f" not in inner:
                continue
            ref = _REF.search(attrs)
            fmatch = _F.search(inner)
            if ref is None or fmatch is None:
                continue
            formula = html.unescape((fmatch.group(1) or b"").decode())
            found[ref.group(1).decode()] = (
                f"={formula}" if formula else "=",
                bool(_V.search(inner)),
            )
        out[html.unescape(sheet_name.decode())] = found
    return out
