"""Read wide files: a master workbook or a KoboToolbox/ODK export (xlsx, xls, csv, ODK zip).

One row per interview, one column per question, found by content (see ``columns.py``): XML
names or labels in any language, with or without group paths. Each other sheet holds the rows
of one repeat group, recognised by its columns and linked to its parent row by ``_parent_index``
(KoboToolbox: the parent's ``_index``), ``PARENT_KEY`` (ODK Central: the parent's ``KEY``) or,
in a master workbook, ``district_id`` (and, for a nested repeat, ``_parent_row``: the Excel row
of its parent's row, see ``links.master_parent``). A sheet that matches no repeat is reported
with its rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from distretti_survey.findings import Finding
from distretti_survey.ingest.book import Book
from distretti_survey.ingest.columns import (
    content_rows,
    locate_header,
    match_repeat,
    read_header,
)
from distretti_survey.ingest.links import master_parent
from distretti_survey.ingest.model import RowsLost, row_ranges
from distretti_survey.ingest.records import RawCell, RawInterview, RepeatRow
from distretti_survey.ingest.spec import DATE_TYPES, NUMBER_TYPES, FormSpec
from distretti_survey.ingest.values import (
    cell_ref,
    fold,
    is_blank,
    parse_machine_date,
    parse_machine_number,
    text_value,
)
from distretti_survey.layout import MASTER_SHEET, META_SHEET

#: Sheets of a master workbook that hold no answers (folded names).
NOT_ANSWERS = {"liste", "meta", "istruzioni"}
#: Meta columns that only machine exports write.
_EXPORT_META = {"_uuid", "_index", "_id", "_submission_time", "_instance_id", "_key"}


def is_wide_book(book: Book, spec: FormSpec) -> bool:
    """Return True when some sheet has a header row with ``district_id`` among its columns."""
    return _main_table(book, spec) is not None


@dataclass
class _Table:
    sheet: str
    header: int
    columns: dict[int, str]
    unknown: set[int] = field(default_factory=set)
    labels: bool = False


def _table(book: Book, sheet: str, spec: FormSpec, wanted: set[str]) -> _Table | None:
    rows = book.sheets[sheet]
    header, columns, labels = locate_header(rows, spec, wanted)
    if header is None:
        return None
    full, unknown, by_label = read_header(rows[header], spec)
    unknown -= set(columns)
    return _Table(sheet, header, {**full, **columns}, unknown, labels or by_label)


def _main_table(book: Book, spec: FormSpec) -> _Table | None:
    wanted = {q.name for q in spec.top()}
    names = [MASTER_SHEET] if MASTER_SHEET in book.sheets else list(book.sheets)
    best = None
    for name in names:
        table = _table(book, name, spec, wanted)
        if table is None or "district_id" not in table.columns.values():
            continue
        if {"_parent_index", "_parent_key"} & set(table.columns.values()):
            continue  # a repeat sheet
        if best is None or len(table.columns) > len(best.columns):
            best = table
    return best


def _structure_findings(book: Book, sheet: str) -> list[Finding]:
    found = []
    for ref, (formula, cached) in sorted(book.formulas.get(sheet, {}).items()):
        found.append(
            book.finding(
                sheet=sheet,
                cell=ref,
                value=formula,
                severity="warning",
                message="La cella contiene una formula"
                + (
                    ": usato il valore calcolato."
                    if cached
                    else " senza valore calcolato: considerata vuota."
                ),
                suggestion="Sostituire la formula con il valore.",
            )
        )
    for rng in book.merged.get(sheet, []):
        found.append(
            book.finding(
                sheet=sheet,
                cell=rng,
                severity="warning",
                message=f"Celle unite {rng}: è letto solo il valore della prima cella.",
                suggestion="Separare le celle.",
            )
        )
    return found


def _machine_value(value: object, name: str, spec: FormSpec) -> object:
    """Read an export's value by machine rules: ``.`` decimals, ISO dates, option labels."""
    q = spec.questions.get(name)
    if q is None or is_blank(value):
        return value
    if q.type in NUMBER_TYPES:
        return parse_machine_number(value)
    if q.type in DATE_TYPES:
        return parse_machine_date(value)
    return value


def _multi_codes(value: object, name: str, spec: FormSpec) -> object:
    """Return a select_multiple's space-separated answer as codes (labels may hold spaces)."""
    if not isinstance(value, str) or "," in value or ";" in value:
        return value
    table = spec.option_index[name]
    tokens, out, i = value.split(), [], 0
    while i < len(tokens):
        for j in range(len(tokens), i, -1):
            code = table.get(fold(" ".join(tokens[i:j])))
            if code is not None:
                out.append(code)
                i = j
                break
        else:
            out.append(tokens[i])
            i += 1
    return " ".join(out)


def _cells(
    rows: list[list[object]], r: int, table: _Table, spec: FormSpec, machine: bool
) -> dict[str, RawCell]:
    row = rows[r]
    cells = {}
    for c, name in table.columns.items():
        value = row[c] if c < len(row) else None
        if machine:
            value = _machine_value(value, name, spec)
        q = spec.questions.get(name)
        if q is not None and q.type == "select_multiple":
            value = _multi_codes(value, name, spec)
        cells[name] = RawCell(value, table.sheet, cell_ref(r, c))
    return cells


def _lost_outside(
    book: Book, table: _Table, r: int, what: str, found: list[Finding], lost: list[RowsLost]
) -> None:
    """Report a row with values only in columns that are not the table's."""
    lost.append(RowsLost(book.name, table.sheet, (r + 1,), what, "valori fuori dalle colonne"))
    found.append(
        book.finding(
            sheet=table.sheet,
            cell=f"A{r + 1}",
            severity="error",
            message=f"Riga {r + 1}: valori solo in colonne non riconosciute, non letti.",
            suggestion="Scrivere i valori nelle colonne del questionario.",
        )
    )


def read_wide_book(
    book: Book, spec: FormSpec
) -> tuple[list[RawInterview], list[Finding], list[RowsLost]]:
    """Read every interview of a master workbook or an export, with structural findings.

    Parameters
    ----------
    book
        The opened file.
    spec
        The questionnaire view.

    Returns
    -------
    One RawInterview per non-blank row of the main sheet (with its repeat rows), the findings,
    and the rows that could not be read or linked (each also has a finding).
    """
    found: list[Finding] = []
    lost: list[RowsLost] = []
    main = _main_table(book, spec)
    if main is None:
        return [], found, lost
    rows = book.sheets[main.sheet]
    metas = {n for n in main.columns.values() if n.startswith("_")}
    machine = MASTER_SHEET not in book.sheets and bool(metas & _EXPORT_META)
    for c in sorted(main.unknown):
        value = rows[main.header][c]
        found.append(
            book.finding(
                sheet=main.sheet,
                cell=cell_ref(main.header, c),
                value=text_value(value),
                severity="warning",
                message=f"Colonna sconosciuta «{text_value(value)}»: non letta.",
                suggestion="Controllare il nome della colonna nel questionario.",
            )
        )
    found.extend(_structure_findings(book, main.sheet))
    if main.header > 0 and content_rows(rows[: main.header]):
        above = content_rows(rows[: main.header])
        found.append(
            book.finding(
                sheet=main.sheet,
                cell=f"A{above[0]}",
                severity="warning",
                message=f"Righe sopra l'intestazione ({row_ranges(above)}): non sono "
                "interviste, non lette.",
                suggestion="Lasciare l'intestazione nella prima riga.",
            )
        )
    book_meta = _book_meta(book)
    interviews: list[RawInterview] = []
    links = _Links()
    for r in range(main.header + 1, len(rows)):
        cells = _cells(rows, r, main, spec, machine)
        if all(is_blank(cell.value) for cell in cells.values()):
            if any(not is_blank(v) for v in rows[r]):
                _lost_outside(book, main, r, "interview", found, lost)
            continue
        meta = {**book_meta, **{k: v for k, v in cells.items() if k.startswith("_")}}
        interview = RawInterview(
            file=book.name,
            source=f"{book.name}:{main.sheet}!{r + 1}",
            answers={k: v for k, v in cells.items() if not k.startswith("_")},
            meta=meta,
            row=r + 1,
            labels_expected=main.labels,
            machine=machine,
        )
        interviews.append(interview)
        links.add_main(main.sheet, meta, interview)
    for interview in interviews:
        links.by_district.setdefault(fold(text_value(interview.district_cell().value)), []).append(
            interview
        )
    _read_repeat_sheets(book, spec, main, machine, links, found, lost)
    return interviews, found, lost


@dataclass
class _Links:
    """Where a repeat row finds its parent: Kobo ``_index``, ODK ``KEY``, or the district."""

    #: table name (sheet or repeat) -> _index -> (interview, position in the repeat or None)
    index: dict[str, dict[str, tuple[RawInterview, int | None]]] = field(default_factory=dict)
    key: dict[str, tuple[RawInterview, int | None]] = field(default_factory=dict)
    by_district: dict[str, list[RawInterview]] = field(default_factory=dict)
    #: repeat -> sheet -> Excel row -> (interview, position) of the rows read (master links)
    rows: dict[str, dict[str, dict[int, list[tuple[RawInterview, int]]]]] = field(
        default_factory=dict
    )

    def add_main(self, sheet: str, meta: dict[str, RawCell], interview: RawInterview) -> None:
        self._add(("", sheet), meta, (interview, None))

    def _add(self, tables, meta, target) -> None:
        index = meta.get("_index")
        if index is not None and not is_blank(index.value):
            for table in tables:
                self.index.setdefault(table, {})[text_value(index.value).strip()] = target
        key = meta.get("_key")
        if key is not None and not is_blank(key.value):
            self.key[text_value(key.value).strip()] = target


def _repeat_tables(
    book: Book, spec: FormSpec, main: _Table, found: list[Finding], lost: list[RowsLost]
) -> list[tuple[str, _Table]]:
    """Return (repeat, table) for each other sheet, outer repeats first; report the others."""
    depth = {}
    for name, rep in spec.repeats.items():
        d, parent = 0, rep.parent
        while parent:
            d, parent = d + 1, spec.repeats[parent].parent
        depth[name] = d
    out = []
    for sheet, rows in book.sheets.items():
        if sheet == main.sheet or fold(sheet).strip(" ") in NOT_ANSWERS:
            continue
        repeat, header, columns = match_repeat(rows, spec) if spec.repeats else ("", None, {})
        if header is None:
            content = content_rows(rows)
            if content:
                found.append(
                    book.finding(
                        sheet=sheet,
                        severity="error",
                        message=f"Il foglio «{sheet}» non corrisponde a nessuna ripetizione del "
                        f"questionario: righe {row_ranges(content)} non lette.",
                        suggestion="Verificare che l'export sia di questo questionario, o "
                        "togliere il foglio se non contiene risposte.",
                    )
                )
                lost.append(RowsLost(book.name, sheet, content, "", "foglio non riconosciuto"))
            continue
        full, _, labels = read_header(rows[header], spec)
        table = _Table(sheet, header, {**full, **columns}, set(), labels)
        out.append((repeat, table))
    return sorted(out, key=lambda item: depth.get(item[0], 0))


def _read_repeat_sheets(
    book: Book,
    spec: FormSpec,
    main: _Table,
    machine: bool,
    links: _Links,
    found: list[Finding],
    lost: list[RowsLost],
) -> None:
    for repeat, table in _repeat_tables(book, spec, main, found, lost):
        found.extend(_structure_findings(book, table.sheet))
        rows = book.sheets[table.sheet]
        names = set(table.columns.values())
        link = next((k for k in ("_parent_index", "_parent_key", "district_id") if k in names), "")
        # A master's nested repeat names its parent's row (PARENT_LINK) beside the district.
        by_row = link == "district_id" and bool(spec.repeats[repeat].parent)
        fields = {q.name for q in spec.repeat_fields(repeat)}
        orphans: list[int] = []
        for r in range(table.header + 1, len(rows)):
            cells = _cells(rows, r, table, spec, machine)
            values = {k: v for k, v in cells.items() if k.partition("/")[0] in fields}
            if all(is_blank(cell.value) for cell in values.values()):
                if any(not is_blank(v) for v in rows[r]) and not _only_meta(cells):
                    _lost_outside(book, table, r, repeat, found, lost)
                continue
            if by_row:
                owners = master_parent(
                    book, spec, repeat, links.rows, cells, (table.sheet, r), found, lost
                )
                if owners is None:
                    continue  # reported, with the row listed as lost
            else:
                owners = _owners(links, link, cells, spec, repeat, main.sheet)
            if not owners:
                orphans.append(r)
                continue
            meta = {k: v for k, v in cells.items() if k.startswith("_")}
            for interview, parent in owners:  # a duplicated district gets the rows twice
                pos = interview.add_repeat_row(
                    repeat, RepeatRow(values, table.sheet, r + 1, parent)
                )
                links._add((table.sheet, repeat), meta, (interview, pos))
                sheet_rows = links.rows.setdefault(repeat, {}).setdefault(table.sheet, {})
                sheet_rows.setdefault(r + 1, []).append((interview, pos))
        if orphans:
            _report_orphans(book, table, repeat, link, rows, orphans, found, lost)


def _only_meta(cells: dict[str, RawCell]) -> bool:
    return all(k.startswith("_") for k, c in cells.items() if not is_blank(c.value))


def _owners(
    links: _Links, link: str, cells: dict[str, RawCell], spec: FormSpec, repeat: str, main: str
) -> list[tuple[RawInterview, int | None]]:
    key = text_value(cells[link].value).strip() if link in cells else ""
    if not key:
        return []
    if link == "_parent_key":
        return [links.key[key]] if key in links.key else []
    if link == "_parent_index":
        table = cells.get("_parent_table_name")
        names = [text_value(table.value).strip()] if table is not None else []
        names.append(spec.repeats[repeat].parent or "")
        for name in names:
            found = links.index.get(name, {}).get(key) or links.index.get(name[:31], {}).get(key)
            if found:
                return [found]
        return []
    owners = links.by_district.get(fold(key), [])
    # A master keeps its pre-filled row when the interview was typed on a new row:
    # the repeat rows belong to the row with answers.
    owners = [o for o in owners if o.has_answers()] or owners
    return [(o, None) for o in owners]


def _report_orphans(
    book: Book,
    table: _Table,
    repeat: str,
    link: str,
    rows: list[list[object]],
    orphans: list[int],
    found: list[Finding],
    lost: list[RowsLost],
) -> None:
    col = next((c for c, n in table.columns.items() if n == link), 0)
    for r in orphans:
        key = text_value(rows[r][col]).strip() if link and col < len(rows[r]) else ""
        found.append(
            book.finding(
                sheet=table.sheet,
                cell=cell_ref(r, col),
                value=key,
                severity="error",
                question=link,
                message=(
                    f"Riga della ripetizione «{repeat}» senza intervista corrispondente "
                    f"({link} = «{key}»): non letta."
                    if link
                    else f"Riga della ripetizione «{repeat}» senza colonna di collegamento "
                    "(_parent_index, PARENT_KEY o district_id): non letta."
                ),
                suggestion=f"Correggere «{link}» perché indichi un'intervista del foglio "
                "principale."
                if link
                else "Esportare di nuovo con le colonne di collegamento.",
            )
        )
    lost.append(
        RowsLost(book.name, table.sheet, tuple(r + 1 for r in orphans), repeat, "senza intervista")
    )


def _book_meta(book: Book) -> dict[str, RawCell]:
    """Return version and wave from a master workbook's ``_meta`` sheet (not the district)."""
    rows = book.sheets.get(META_SHEET, [])
    return {
        text_value(row[0]).strip(): RawCell(row[1], "_meta", cell_ref(r, 1))
        for r, row in enumerate(rows)
        if len(row) >= 2 and text_value(row[0]).strip() in ("version", "wave", "form_id")
    }
