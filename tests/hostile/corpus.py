"""Builders of hostile and broken inputs, generated in code (nothing of it is committed).

Each builder returns bytes or writes into a folder; the tests copy the demo wave 2011 into
``tmp_path`` and add or replace files there, so every case is a file next to real ones.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import shutil
import struct
import warnings
import zipfile
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "raw" / "demo" / "2011"
REGISTRY = ROOT / "data" / "reference" / "registry.csv"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
    b'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    b'worksheet+xml"/></Types>'
)
_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="http://schemas.'
    b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
    b'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    b'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<workbook xmlns="http://schemas.openxmlformats'
    b'.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
    b'officeDocument/2006/relationships"><sheets><sheet name="interviste" sheetId="1" '
    b'r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="http://schemas.'
    b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
    b'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    b'Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="http://schemas.'
    b'openxmlformats.org/spreadsheetml/2006/main">'
)


def copy_demo_wave(dest: Path) -> Path:
    """Copy the demo wave 2011 (questionnaire and 18 interviews) into ``dest``."""
    (dest / "interviews").mkdir(parents=True)
    shutil.copy2(DEMO / "questionnaire.xlsx", dest / "questionnaire.xlsx")
    for path in sorted((DEMO / "interviews").glob("*.xlsx")):
        shutil.copy2(path, dest / "interviews" / path.name)
    return dest


def xlsx_bytes(sheet_xml: bytes, *, extra: dict[str, bytes] | None = None) -> bytes:
    """Return a minimal xlsx whose only sheet (``interviste``) is ``sheet_xml``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        zf.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return out.getvalue()


def sheet(rows_xml: bytes, dimension: bytes = b"") -> bytes:
    """Return a sheet XML with ``rows_xml`` inside ``<sheetData>``."""
    dim = b'<dimension ref="' + dimension + b'"/>' if dimension else b""
    return SHEET_HEAD + dim + b"<sheetData>" + rows_xml + b"</sheetData></worksheet>"


def patch_sizes(data: bytes, member: str, *, declared: int) -> bytes:
    """Return the zip with the uncompressed size of ``member`` rewritten as ``declared``."""
    name = member.encode()
    out = bytearray(data)
    local = out.find(b"PK\x03\x04")
    while local >= 0:
        n_len = struct.unpack("<H", out[local + 26 : local + 28])[0]
        if bytes(out[local + 30 : local + 30 + n_len]) == name:
            struct.pack_into("<I", out, local + 22, declared)
        local = out.find(b"PK\x03\x04", local + 4)
    central = out.find(b"PK\x01\x02")
    while central >= 0:
        n_len = struct.unpack("<H", out[central + 28 : central + 30])[0]
        if bytes(out[central + 46 : central + 46 + n_len]) == name:
            struct.pack_into("<I", out, central + 24, declared)
        central = out.find(b"PK\x01\x02", central + 4)
    return bytes(out)


def patch_members(data: bytes, old: bytes, new: bytes) -> bytes:
    """Return the zip with ``old`` replaced by ``new`` in every member (raw XML edits)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info).replace(old, new))
    return out.getvalue()


# ----------------------------------------------------------------------------- files


def bomb_declared() -> bytes:
    """A small sheet whose header declares 4 GiB decompressed."""
    data = xlsx_bytes(sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>'))
    return patch_sizes(data, "xl/worksheets/sheet1.xml", declared=0xFFFFFFF0)


def bomb_ratio() -> bytes:
    """A 16 MiB sheet of identical empty rows: compresses about 1000 times."""
    rows = b"<row><c/></row>" * (16 * 2**20 // 15)
    return xlsx_bytes(sheet(rows))


def bomb_lying() -> bytes:
    """A 3 MiB sheet of varied text whose header declares 1,000 bytes."""
    rng = random.Random(14)
    cells = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s</t></is></c></row>'
        % (i, i, rng.randbytes(12).hex().encode())
        for i in range(1, 40_000)
    )
    return patch_sizes(xlsx_bytes(sheet(cells)), "xl/worksheets/sheet1.xml", declared=1_000)


def many_members(n: int = 6_000) -> bytes:
    """A workbook with ``n`` extra tiny members."""
    return xlsx_bytes(sheet(b""), extra={f"xl/media/x{i}.xml": b"<a/>" for i in range(n)})


def dimension_bomb() -> bytes:
    """Two cells, but a declared used range of the whole grid (A1:XFD1048576)."""
    rows = b'<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="B2"><v>2</v></c></row>'
    return xlsx_bytes(sheet(rows, dimension=b"A1:XFD1048576"))


def corner_cells() -> bytes:
    """Only cells A1 and XFD1048576 (1.5 KB that a dense reader makes 17 billion cells)."""
    rows = (
        b'<row r="1"><c r="A1"><v>1</v></c></row>'
        b'<row r="1048576"><c r="XFD1048576"><v>2</v></c></row>'
    )
    return xlsx_bytes(sheet(rows, dimension=b"A1"))


def row_bomb() -> bytes:
    """A sparse sheet: one cell every fifth row down to row 1,048,576."""
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r) for r in range(5, 1_048_577, 5)
    )
    return xlsx_bytes(sheet(rows))


def no_refs_wide_row() -> bytes:
    """One row of 5,000 cells without ``r`` attributes (position implied by order)."""
    return xlsx_bytes(sheet(b"<row>" + b"<c><v>1</v></c>" * 5_000 + b"</row>"))


def broken_xml() -> bytes:
    """A workbook whose sheet XML stops in the middle of a cell."""
    xml = sheet(b'<row r="1"><c r="A1" t="inlineStr"><is><t>district_id</t></is></c></row>')
    return xlsx_bytes(xml[: len(xml) // 2 + 40])


def entity_bomb() -> bytes:
    """A sheet with a DTD declaring nested entities (billion laughs)."""
    dtd = (
        b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(
            b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&" + bytes([97 + i]) + b";") * 10)
            for i in range(9)
        )
        + b"]>"
    )
    xml = sheet(b'<row r="1"><c r="A1" t="inlineStr"><is><t>&j;</t></is></c></row>')
    return xlsx_bytes(xml.replace(b"\n<worksheet", b"\n" + dtd + b"<worksheet", 1))


def encrypted() -> bytes:
    """An OLE compound file, as Excel writes a workbook saved with a password."""
    return OLE_MAGIC + random.Random(1).randbytes(4096)


def truncated(source: Path) -> bytes:
    """The first 60% of a real workbook (an e-mail attachment cut short)."""
    data = source.read_bytes()
    return data[: len(data) * 6 // 10]


def wide_csv(district: str, text: str) -> str:
    """A one-interview export (codes, ISO date) whose open answer is ``text``."""
    header = "district_id;interview_date;referent_role;quote_district_ok;progress_difficulties"
    return f"{header}\n{district};2011-09-16;sindaco;no;{text}\n"


# ----------------------------------------------------------------------------- contents


def edit_workbook(source: Path, dest: Path, edits) -> None:
    """Open ``source`` with openpyxl, call ``edits(workbook)``, save to ``dest``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about the data-validation extension
        wb = openpyxl.load_workbook(source)
        edits(wb)
        wb.save(dest)


def answer_cell(ws, code: str):
    """Return the answer cell (column C) of the question row ``code`` on a question sheet."""
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value == code:
            return ws.cell(row=row[0].row, column=3)
    raise KeyError(code)


def set_answer(code: str, value, sheet_name: str = "Profilo", number_format: str = ""):
    def edits(wb):
        cell = answer_cell(wb[sheet_name], code)
        cell.value = value
        if number_format:
            cell.number_format = number_format

    return edits


def set_cell(sheet_name: str, ref: str, value):
    def edits(wb):
        wb[sheet_name][ref] = value

    return edits


EXCEL_ERRORS = {
    # (sheet, cell) -> error value: every error Excel can store in a cell
    ("Profilo", "C3"): "#N/A",
    ("Profilo", "C11"): "#VALUE!",
    ("Interventi", "D3"): "#DIV/0!",
    ("Interventi", "E3"): "#REF!",
    ("Interventi", "D4"): "#NAME?",
    ("Interventi", "E4"): "#NUM!",
    ("Interventi", "D5"): "#NULL!",
}


def put_errors(wb) -> None:
    for (sheet_name, ref), error in EXCEL_ERRORS.items():
        wb[sheet_name][ref] = error  # openpyxl stores a known error code as an error cell


def shift_profile(wb) -> None:
    ws = wb["Profilo"]
    ws.insert_rows(1, 2)
    ws.insert_cols(1)


def future_year(wb) -> None:
    answer_cell(wb["Profilo"], "interview_date").value = dt.date(3011, 5, 2)


def ods_bytes(rows: int, cols: int, *, value: bool = True, prefix: bytes = b"table") -> bytes:
    """An ods whose only row, repeated ``rows`` times, has a cell repeated ``cols`` times."""
    cell = (
        b'<%s:table-cell %s:number-columns-repeated="%d" office:value-type="float" '
        b'office:value="1"><text:p>1</text:p></%s:table-cell>'
        if value
        else b'<%s:table-cell %s:number-columns-repeated="%d"/>'
    )
    cell = cell.replace(b"%d", str(cols).encode()).replace(b"%s", prefix)
    content = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content xmlns:office="urn:'
        b'oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:%s="urn:oasis:names:tc:'
        b'opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:'
        b'text:1.0" office:version="1.2"><office:body><office:spreadsheet><%s:table '
        b'%s:name="interviste"><%s:table-row %s:number-rows-repeated="'
        + str(rows).encode()
        + b'">'
        + cell
        + b"</%s:table-row></%s:table></office:spreadsheet></office:body>"
        b"</office:document-content>"
    ).replace(b"%s", prefix)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mimetype", b"application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content)
        zf.writestr(
            "META-INF/manifest.xml",
            b'<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
            b'opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" '
            b'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            b"</manifest:manifest>",
        )
    return out.getvalue()


def odd_refs(ref: bytes) -> bytes:
    """A sheet whose far cell's reference is written unusually (quotes, spaces, entities)."""
    row = b'<row r="1"><c r="A1"><v>1</v></c><c s="0" ' + ref + b"><v>2</v></c></row>"
    return xlsx_bytes(sheet(row))
