"""Check an xlsx/ods zip against the caps and scan its sheets, before calamine reads it.

One pass over the members calamine may open, never holding more than the caps allow:

- the declared and the actual decompressed size of each member, their total and the
  compression ratio stay under the caps (a zip bomb stops at the first byte past a cap).
  Members up to 16 MiB are inflated in one call, larger ones in chunks of
  ``limits.CHUNK_BYTES``; a member whose bytes the scan does not need (styles, the sheets
  that will not be read) is bounded by deflate's largest expansion, 1032 times, without
  inflating it when that bound fits the caps;
- the sheets, the shared strings and ``workbook.xml`` are well-formed XML (expat, no DTD);
- each sheet's declared ``<dimension>`` and the cells actually present stay within
  ``MAX_ROWS`` x ``MAX_COLS`` and ``MAX_SHEET_CELLS`` (python-calamine allocates the used range
  densely: cells A1 and XFD1048576 alone would ask for 17 billion cells). A sheet whose cells
  all lie within ZZ999 is recognised by a few searches; any other has every reference counted;
- what calamine does not say is collected from the same bytes: formulas (calamine returns an
  empty cell for a formula saved without its value), Excel error values (calamine returns
  them as empty cells), numbers 60 (Excel's fictitious 29/02/1900) and control characters.

When a sheet is read in chunks, only a bounded tail of each chunk is carried over to the
next, so memory does not grow with the size of a sheet.
"""

from __future__ import annotations

import html
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from xml.parsers import expat

from distretti_survey.ingest import limits
from distretti_survey.ingest.guard import BookError

_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_T = re.compile(rb'\bt="([a-zA-Z]+)"')
_F = re.compile(rb"<f\b[^>]*?(?:/>|>(.*?)</f>)", re.DOTALL)
_V = re.compile(rb"<v>(.*?)</v>", re.DOTALL)
# general patterns: the reference anywhere in the tag, either quote, spaces around "="
_CELL_REFS = re.compile(rb'<c\b[^>]*?\sr\s*=\s*["\']([A-Z]{1,3})(\d{1,9})["\']')
_CELL_WITH_R = re.compile(rb"<c\b[^>]*?\sr\s*=")
_ANY_CELL = re.compile(rb'<c(?=[\s>/])(?: r="([A-Z]{1,3})\d)?')
_CELL_ROWS = re.compile(rb'<c r="[A-Z]{1,3}(\d{1,9})"')
# A sheet whose every cell and row is written ``<c r="A1"``, ``<row r="1"`` and lies within
# ZZ999 cannot pass the caps (702 x 999 cells); these find the first one that does not.
_CELL_ODD = re.compile(rb'<c(?:(?=[\s>/])(?! r="[A-Z])| r="(?:[A-Z]{3}|[A-Z]{1,2}\d{4}))')
_ROW_ODD = re.compile(rb'<row(?:(?! r="\d)[\s>/]| r="\d{4})')
NEAR_AREA = (999, 702)  # rows, columns: ZZ999
# A sheet may name its elements with a prefix (``<x:c r="A1">``, as the OpenXML SDK writes):
# calamine reads them all the same, so the scan drops the prefixes first.
_PREFIXED = re.compile(rb":(?:c|row)[\s>/]")
_ELEMENT_PREFIX = re.compile(rb"<(/?)[A-Za-z_][\w.-]*:")
_ANY_ROW = re.compile(rb'<row(?: r="(\d{1,9})")?[\s>/]')
_T_ERROR = re.compile(rb't="e"')
#: a formula (``<f>``, ``<f t="shared"/>``; not ``<firstHeader>`` of the page setup) or a
#: value that may be the number 60: the cells are then read one by one
_F_OR_60 = re.compile(rb"<(?:f[\s>/]|v>60[.<])")
_ROW_REFS = re.compile(rb'<row\b[^>]*?\sr\s*=\s*["\'](\d{1,9})["\']')
_DIMENSION = re.compile(rb'<dimension\b[^>]*?ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
#: Excel writes a control character in a string as ``_x000B_``.
_CONTROL = re.compile(rb"_x00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F])_")
_SERIAL_60 = re.compile(rb"^60(?:\.\d+)?$")
_CARRY_MAX = 8 * limits.MIB
_SMALL_MAX = 4 * limits.MIB
_WHOLE_MAX = 16 * limits.MIB
#: The most a member can expand, by compression method: a deflate stream at most 1032 times
#: (a 258-byte match costs at least 2 bits); other methods are inflated to be counted.
_INFLATE = {zipfile.ZIP_STORED: 1, zipfile.ZIP_DEFLATED: 1032}
#: Fields of ``zipfile.structFileHeader`` (a member's local header): name and extra lengths.
_NAME_LENGTH, _EXTRA_LENGTH = 10, 11
EXCEL_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")


@dataclass
class SheetScan:
    """What the bytes of one sheet say besides calamine's values."""

    #: cell ref -> (formula text, has a cached value)
    formulas: dict[str, tuple[str, bool]] = field(default_factory=dict)
    #: cell ref -> Excel error value (``#N/A``, ``#DIV/0!``, ...)
    errors: dict[str, str] = field(default_factory=dict)
    #: cells holding the number 60 (a date cell shows it as 29/02/1900, a day that never was)
    serial_60: set[str] = field(default_factory=set)
    max_row: int = 0
    max_col: int = 0
    #: a string of the sheet holds a control character (``_x000B_``)
    controls: bool = False


@dataclass
class ZipScan:
    """The sheets' scans by sheet name, and whether any string holds a control character."""

    sheets: dict[str, SheetScan] = field(default_factory=dict)
    controls: bool = False
    #: sheets bounded but not scanned, as they are not to be read (``layout.unread_sheets``)
    unread: set[str] = field(default_factory=set)


def check_member_count(data: bytes) -> None:
    """Refuse a zip whose end record announces more members than the cap, before opening it."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        raise BookError("non è una cartella di lavoro leggibile (archivio zip incompleto)")
    (count,) = struct.unpack("<H", data[end + 10 : end + 12])
    if count > limits.MAX_ZIP_MEMBERS:
        raise BookError(f"l'archivio contiene troppi elementi ({count})")


def scan_zip(
    zf: zipfile.ZipFile, data: bytes, unread: Callable[[list[str]], set[str]] | None = None
) -> ZipScan:
    """Check every member of ``zf`` (opened on ``data``) against the caps and scan the sheets.

    ``unread`` names, from the sheet names, the sheets that will not be read: those are only
    bounded, like the other members calamine may open.

    Raises
    ------
    BookError
        When a cap is passed or a member is not what a workbook holds.
    """
    infos = zf.infolist()
    if len(infos) > limits.MAX_ZIP_MEMBERS:
        raise BookError(f"l'archivio contiene troppi elementi ({len(infos)})")
    check_declared(infos)
    members = Members(zf, data)
    scan = ZipScan()
    sheet_paths = _sheet_paths(members, scan)
    scan.unread = unread(list(sheet_paths.values())) if unread else set()
    for info in infos:
        name = info.filename
        if name in sheet_paths and sheet_paths[name] not in scan.unread:
            scan.sheets[sheet_paths[name]] = _scan_sheet(members, info, f"«{sheet_paths[name]}»")
        elif name in _XML_CHECKED:
            _check_xml(members, info, scan)
        elif name in sheet_paths or _read_by_calamine(name):
            members.bound(info)
        # images, themes, printer settings: calamine never opens them, the declared size is
        # checked above
    scan.controls = scan.controls or any(s.controls for s in scan.sheets.values())
    return scan


#: Members checked as well-formed XML without a DTD (entities), besides the sheets and
#: ``workbook.xml`` with its relationships (parsed by ``_sheet_paths``).
_XML_CHECKED = ("xl/sharedStrings.xml", "content.xml")


def _check_xml(members: Members, info: zipfile.ZipInfo, scan: ZipScan) -> None:
    name = info.filename
    parser = _ods_parser() if name == "content.xml" else _parser()
    for chunk in members.chunks(info):
        _feed(parser, chunk, name)
        if _CONTROL.search(chunk):
            scan.controls = True
    _feed(parser, b"", name, final=True)


def _read_by_calamine(name: str) -> bool:
    """Return True for the members a reader decompresses besides the sheets."""
    return name.endswith((".xml", ".rels")) and not name.startswith(
        ("xl/theme/", "xl/media/", "xl/drawings/", "xl/printerSettings/", "docProps/")
    )


def check_declared(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse encrypted members and declared sizes or ratios past the caps."""
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise BookError("il file è protetto da password o cifrato: salvarlo senza password")
        size = info.file_size
        total += size
        if size > limits.MAX_PART_BYTES:
            raise BookError(
                f"l'elemento {info.filename} dichiara {size / limits.MIB:.0f} MB "
                f"decompressi (massimo {limits.MAX_PART_BYTES // limits.MIB} MB)"
            )
        if size > limits.RATIO_FLOOR_BYTES and size > limits.MAX_RATIO * max(info.compress_size, 1):
            raise BookError(
                f"l'elemento {info.filename} si espande {size // max(info.compress_size, 1)} "
                f"volte (massimo {limits.MAX_RATIO}): archivio sospetto (zip bomb)"
            )
    if total > limits.MAX_TOTAL_BYTES:
        raise BookError(
            f"l'archivio dichiara {total / limits.MIB:.0f} MB decompressi "
            f"(massimo {limits.MAX_TOTAL_BYTES // limits.MIB} MB)"
        )


class Members:
    """Decompress members of one zip, never past the caps, counting what was decompressed.

    A member up to ``_WHOLE_MAX`` (every member of a district workbook) is inflated in one
    call from the file's bytes, at most one byte past its declared size: zipfile's reader
    costs more than the inflating for members this small. A larger one is read in chunks.
    A member whose bytes are not needed is bounded without inflating it when even its
    worst expansion fits the caps.
    """

    def __init__(self, zf: zipfile.ZipFile, data: bytes) -> None:
        self.zf = zf
        self.data = memoryview(data)
        self.total = 0  # bytes decompressed (or their bound) so far, for MAX_TOTAL_BYTES
        self.cache: dict[str, bytes] = {}

    def whole(self, info: zipfile.ZipInfo) -> bytes:
        """Return the member decompressed (read once: workbook.xml serves two checks)."""
        if info.filename not in self.cache:
            self.cache[info.filename] = b"".join(self.chunks(info))
        return self.cache[info.filename]

    def in_one_piece(self, info: zipfile.ZipInfo) -> bool:
        """Return True when the member is inflated whole (``inflate``), not in chunks."""
        return info.file_size <= _WHOLE_MAX and info.compress_type in _INFLATE

    def chunks(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        """Yield the member decompressed: whole when small, else in ``CHUNK_BYTES`` pieces."""
        if info.filename in self.cache:
            yield self.cache[info.filename]
        elif self.in_one_piece(info):
            yield self.inflate(info)
        else:
            yield from self._stream(info)

    def bound(self, info: zipfile.ZipInfo) -> None:
        """Count a member calamine reads whose bytes the scan does not need."""
        if info.filename in self.cache:
            return  # read whole already (workbook.xml, its relationships), and counted
        worst = info.compress_size * _INFLATE.get(info.compress_type, limits.MAX_TOTAL_BYTES)
        if worst <= limits.MAX_PART_BYTES and self.total + worst <= limits.MAX_TOTAL_BYTES:
            self.total += worst
            return
        for _chunk in self._stream(info):
            pass

    def inflate(self, info: zipfile.ZipInfo) -> bytes:
        """Return a member inflated in one call (``in_one_piece``), never past the caps."""
        start = info.header_offset
        header = bytes(self.data[start : start + zipfile.sizeFileHeader])
        if len(header) < zipfile.sizeFileHeader or header[:4] != zipfile.stringFileHeader:
            raise BookError(f"archivio zip danneggiato (intestazione di {info.filename})")
        fields = struct.unpack(zipfile.structFileHeader, header)
        begin = start + zipfile.sizeFileHeader + fields[_NAME_LENGTH] + fields[_EXTRA_LENGTH]
        raw = self.data[begin : begin + info.compress_size]
        if info.compress_type == zipfile.ZIP_STORED:
            out = bytes(raw)
        else:
            out = zlib.decompressobj(-15).decompress(raw, info.file_size + 1)
        self._count(info, len(out))
        return out

    def _stream(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        seen = 0
        with self.zf.open(info) as handle:
            while chunk := handle.read(limits.CHUNK_BYTES):
                seen += len(chunk)
                self._count(info, seen, counted=seen - len(chunk))
                yield chunk

    def _count(self, info: zipfile.ZipInfo, size: int, counted: int = 0) -> None:
        """Add a member's decompressed ``size`` (``counted`` of it already added); check caps."""
        self.total += size - counted
        if (
            size > info.file_size
            or size > limits.MAX_PART_BYTES
            or self.total > limits.MAX_TOTAL_BYTES
        ):
            raise BookError(
                f"l'elemento {info.filename} si espande oltre quanto dichiarato o oltre "
                f"{limits.MAX_PART_BYTES // limits.MIB} MB: archivio sospetto (zip bomb)"
            )

    def small(self, name: str) -> bytes:
        """Return a member read whole (workbook.xml, its relationships), at most 4 MiB."""
        try:
            info = self.zf.getinfo(name)
        except KeyError:
            return b""
        if info.file_size > _SMALL_MAX:
            raise BookError(f"l'elemento {name} è troppo grande ({info.file_size:,} byte)")
        return self.whole(info)


def _sheet_paths(members: Members, scan: ZipScan) -> dict[str, str]:
    """Map each worksheet's member path to its sheet name (xlsx only; empty for ods).

    ``workbook.xml`` and its relationships are parsed (expat, no DTD), which checks them as
    well: names and references are read whatever prefixes the file uses.
    """
    workbook = members.small("xl/workbook.xml")
    if not workbook:
        return {}
    sheets = _elements(workbook, "xl/workbook.xml", "sheet")
    rels = members.small(_WORKBOOK_RELS)
    targets = {
        attrs.get("Id", ""): attrs.get("Target", "")
        for attrs in (_elements(rels, _WORKBOOK_RELS, "Relationship") if rels else [])
    }
    if _CONTROL.search(workbook):
        scan.controls = True
    out = {}
    for attrs in sheets:
        target = targets.get(attrs.get("id", ""), "")
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        out[path] = attrs.get("name", "")
    return out


_WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"


def _elements(xml: bytes, name: str, element: str) -> list[dict[str, str]]:
    """Return the attributes (by local name) of every ``element`` of ``xml``, parsed whole."""
    found: list[dict[str, str]] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag.rpartition(" ")[2] == element:
            found.append({key.rpartition(" ")[2]: value for key, value in attrs.items()})

    parser = _parser(namespaces=True)
    parser.StartElementHandler = start
    _feed(parser, xml, name, final=True)
    return found


def _parser(*, namespaces: bool = False) -> expat.XMLParserType:
    parser = expat.ParserCreate(namespace_separator=" " if namespaces else None)

    def refuse(*_args: object) -> None:
        raise BookError("XML con dichiarazioni DTD/entità: non ammesso in una cartella di lavoro")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    return parser


_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0 "
_OFFICE_TYPE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0 value-type"
_TEXT_P = "urn:oasis:names:tc:opendocument:xmlns:text:1.0 p"


def _ods_parser() -> expat.XMLParserType:
    """Return a parser of an ods ``content.xml`` that bounds each table's used range.

    A cell or row may stand for many (``number-columns-repeated``, ``number-rows-repeated``);
    a reader expands the repeats up to the last cell holding a value, so that is the range
    counted. Names are matched with their namespace, whatever prefix the file uses.
    """
    parser = expat.ParserCreate(namespace_separator=" ")
    state = {"rows": 0, "last": 0, "width": 0, "repeat": 1, "col": 0, "row_width": 0, "end": 0}

    def repeat(attrs: dict[str, str], key: str) -> int:
        value = attrs.get(_TABLE + key, "1")
        return max(1, int(value)) if value.isdigit() else 1

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == _TABLE + "table":
            state.update(rows=0, last=0, width=0)
        elif name == _TABLE + "table-row":
            state.update(repeat=repeat(attrs, "number-rows-repeated"), col=0, row_width=0)
        elif name in (_TABLE + "table-cell", _TABLE + "covered-table-cell"):
            state["col"] += repeat(attrs, "number-columns-repeated")
            state["end"] = state["col"]
            if _OFFICE_TYPE in attrs:
                state["row_width"] = state["col"]
        elif name == _TEXT_P:
            state["row_width"] = max(state["row_width"], state["end"])

    def end(name: str) -> None:
        if name != _TABLE + "table-row":
            return
        state["rows"] += state["repeat"]
        if state["row_width"]:
            state["last"] = state["rows"]
            state["width"] = max(state["width"], state["row_width"])
            check_area(state["last"], state["width"], "del file .ods", "ha celle che occupano")

    def refuse(*_args: object) -> None:
        raise BookError("XML con dichiarazioni DTD/entità: non ammesso in una cartella di lavoro")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    return parser


def _feed(parser: expat.XMLParserType, chunk: bytes, name: str, *, final: bool = False) -> None:
    try:
        parser.Parse(chunk, final)
    except expat.ExpatError as exc:
        raise BookError(
            f"XML non valido in {name} (riga {exc.lineno}, colonna {exc.offset}): "
            f"{expat.ErrorString(exc.code)}"
        ) from exc


def _scan_sheet(members: Members, info: zipfile.ZipInfo, label: str) -> SheetScan:
    # No XML parser here: calamine's own refuses a malformed sheet; a DTD (entities) is
    # refused by a byte check, as no workbook writer puts one in a sheet.
    if not members.in_one_piece(info):
        return _scan_streamed(members, info, label)
    xml = _unprefixed(members.inflate(info))
    _refuse_dtd(xml)
    _check_dimension(xml, label)
    cells = _sheet_data(xml)  # only the cells matter
    sheet = SheetScan()
    if _near(cells):
        _scan_flags(cells, sheet)
    else:
        _scan_block(bytes(cells), sheet, label)
    return sheet


def _scan_streamed(members: Members, info: zipfile.ZipInfo, label: str) -> SheetScan:
    """Scan a large sheet chunk by chunk, carrying over the tail after its last full row."""
    sheet = SheetScan()
    carry = b""
    for i, chunk in enumerate(members.chunks(info)):
        block = _unprefixed(carry + chunk if carry else chunk)
        if i == 0:  # the head of the sheet
            _refuse_dtd(block)
            _check_dimension(block, label)
        # cut after the last complete row; a row longer than _CARRY_MAX is scanned in pieces
        end = block.rfind(b"</row>")
        cut = end + 6 if end >= 0 else len(block) if len(block) > _CARRY_MAX else 0
        _scan_block(block[:cut], sheet, label)
        carry = block[cut:]
    _scan_block(carry, sheet, label)
    return sheet


def _unprefixed(block: bytes) -> bytes:
    return _ELEMENT_PREFIX.sub(rb"<\1", block) if _PREFIXED.search(block) else block


def _sheet_data(xml: bytes) -> memoryview:
    """Return the part of a sheet between ``<sheetData`` and ``</sheetData>``: its cells.

    calamine reads cells there only; page setup, validations and formatting around them are
    a third of a data-entry sheet, not scanned.
    """
    start, end = xml.find(b"<sheetData"), xml.rfind(b"</sheetData>")
    return memoryview(xml)[start:end] if 0 <= start < end else memoryview(xml)


def _refuse_dtd(head: bytes) -> None:
    if head.find(b"<!DOCTYPE", 0, 4096) >= 0 or head.find(b"<!ENTITY", 0, 4096) >= 0:
        raise BookError("XML con dichiarazioni DTD/entità: non ammesso in una cartella di lavoro")


def _check_dimension(block: bytes, name: str) -> None:
    match = _DIMENSION.search(block, 0, 64 * 1024)
    if match is None or match.group(3) is None:
        return
    rows = int(match.group(4)) - int(match.group(2)) + 1
    cols = _col_number(match.group(3)) - _col_number(match.group(1)) + 1
    check_area(rows, cols, name, "dichiara")


def check_area(rows: int, cols: int, name: str, verb: str) -> None:
    """Raise BookError when a sheet of ``rows`` x ``cols`` passes the caps of ``limits``."""
    if rows > limits.MAX_ROWS or cols > limits.MAX_COLS or rows * cols > limits.MAX_SHEET_CELLS:
        raise BookError(
            f"il foglio {name} {verb} un'area di {rows:,} righe x {cols:,} colonne "
            f"(massimo {limits.MAX_ROWS:,} x {limits.MAX_COLS:,} e "
            f"{limits.MAX_SHEET_CELLS:,} celle): rimuovere le celle lontane dai dati".replace(
                ",", "."
            )
        )


def _col_number(letters: bytes) -> int:
    number = 0
    for byte in letters:
        number = number * 26 + byte - 64
    return number


def _scan_block(block: bytes, sheet: SheetScan, name: str) -> None:
    if not block:
        return
    # One pass finds every cell with the reference every writer puts first (``<c r="A1"``);
    # the general pattern runs only when some cell of the block is written otherwise.
    # findall, count, zip, set, map and max run in C: no Python loop over the cells.
    cols = _ANY_CELL.findall(block)
    if b"" in cols:  # some cell has no reference first: the general pattern
        n_cells = len(cols)
        refs = _CELL_REFS.findall(block)
        if len(_CELL_WITH_R.findall(block)) > len(refs):
            raise BookError(f"il foglio {name} ha riferimenti di cella non standard")
        if n_cells > len(refs):  # cells without r="": position implied by order in the row
            widest = max(piece.count(b"<c") for piece in block.split(b"</row>"))
            sheet.max_col = max(sheet.max_col, widest)
        cols, cell_rows = zip(*refs, strict=True) if refs else ((), ())
    else:
        cell_rows = _CELL_ROWS.findall(block)
    sheet.max_col = max(sheet.max_col, *map(_col_number, set(cols)), 0)
    sheet.max_row = max(sheet.max_row, *map(int, set(cell_rows)), 0)
    rows = _ANY_ROW.findall(block)
    if b"" in rows:
        n_rows = len(rows)
        rows = _ROW_REFS.findall(block)
        sheet.max_row += n_rows - len(rows)
    sheet.max_row = max(sheet.max_row, *map(int, set(rows)), 0)
    check_area(sheet.max_row, sheet.max_col, name, "ha celle che occupano almeno")
    _scan_flags(block, sheet)


def _near(block: bytes) -> bool:
    """Return True when every cell and row of ``block`` is written with its reference first
    and lies within ``NEAR_AREA``: two searches instead of collecting every reference."""
    return not (_CELL_ODD.search(block) or _ROW_ODD.search(block))


def _scan_flags(block: bytes, sheet: SheetScan) -> None:
    """Note control characters, and read the cells with a formula, an error or 60."""
    if _CONTROL.search(block):
        sheet.controls = True
    # regular expressions with a literal start scan faster than ``in`` for these needles
    if _F_OR_60.search(block) or _T_ERROR.search(block):
        _scan_cells(block, sheet)


def _scan_cells(block: bytes, sheet: SheetScan) -> None:
    for attrs, inner in _CELL.findall(block):
        if not inner:
            continue
        ref = _REF.search(attrs)
        if ref is None:
            continue
        where = (ref.group(1) + ref.group(2)).decode()
        kind = _T.search(attrs)
        kind = kind.group(1) if kind else b"n"
        value = _V.search(inner)
        if b"<f" in inner:
            fmatch = _F.search(inner)
            formula = html.unescape((fmatch.group(1) or b"").decode("utf-8", "replace"))
            cached = value is not None and bool(value.group(1))
            sheet.formulas[where] = (f"={formula}" if formula else "=", cached)
        if value is None:
            continue
        if kind == b"e":
            sheet.errors[where] = html.unescape(value.group(1).decode("utf-8", "replace"))
        elif kind == b"n" and _SERIAL_60.match(value.group(1)):
            sheet.serial_60.add(where)
