"""Read wide files: a master workbook or a KoboToolbox/ODK export (xlsx or csv).

One row per interview, one column per question. Kobo's ``group/question`` names are reduced to
question names (``group/question/option`` to ``question/option`` for a select_multiple's 0/1
columns). Repeat rows come from another sheet, linked by ``_parent_index`` to the interview's
``_index`` (Kobo) or, in a master workbook, by ``district_id``.
"""

from __future__ import annotations

from distretti_survey.findings import Finding
from distretti_survey.ingest.book import Book
from distretti_survey.ingest.records import RawCell, RawInterview
from distretti_survey.ingest.spec import FormSpec
from distretti_survey.ingest.values import cell_ref, fold, is_blank, text_value

MASTER_SHEET = "interviste"
MASTER_REPEAT_SHEET = "interventi"
REPEAT = "interventions"


def reduce_name(column: str, spec: FormSpec) -> str | None:
    """Return the question name of a wide column, or None when it is not a question.

    Examples
    --------
    ``"governance/gov_problems/nessuno"`` -> ``"gov_problems/nessuno"``,
    ``"profilo/district_id"`` -> ``"district_id"``, ``"_uuid"`` -> ``"_uuid"``.
    """
    column = column.strip()
    if column.startswith("_"):
        return column
    parts = [p.strip() for p in column.split("/")]
    for i in range(len(parts) - 1, -1, -1):
        question = spec.questions.get(parts[i])
        if question is None:
            continue
        if i == len(parts) - 1:
            return parts[i]
        if i == len(parts) - 2 and question.type == "select_multiple":
            return f"{parts[i]}/{parts[i + 1]}"
    return None


def is_wide_book(book: Book, spec: FormSpec) -> bool:
    """Return True when some sheet has a header row with ``district_id`` among its columns."""
    return _main_sheet(book, spec) is not None


def _header(rows: list[list[object]], spec: FormSpec) -> dict[int, str]:
    if not rows:
        return {}
    out = {}
    for c, value in enumerate(rows[0]):
        name = reduce_name(text_value(value), spec) if not is_blank(value) else None
        if name:
            out[c] = name
    return out


def _main_sheet(book: Book, spec: FormSpec) -> str | None:
    if MASTER_SHEET in book.sheets:
        return MASTER_SHEET
    for name, rows in book.sheets.items():
        header = set(_header(rows, spec).values())
        if "district_id" in header and "_parent_index" not in header:
            return name
    return None


def read_wide_book(book: Book, spec: FormSpec) -> tuple[list[RawInterview], list[Finding]]:
    """Read every interview of a master workbook or an export, with structural findings.

    Parameters
    ----------
    book
        The opened file.
    spec
        The questionnaire view.

    Returns
    -------
    One RawInterview per non-blank row of the main sheet, and the findings.
    """
    found: list[Finding] = []
    main = _main_sheet(book, spec)
    if main is None:
        return [], found
    rows = book.sheets[main]
    header = _header(rows, spec)
    for c, value in enumerate(rows[0]):
        if c not in header and not is_blank(value):
            found.append(
                Finding(
                    file=book.name,
                    sheet=main,
                    cell=cell_ref(0, c),
                    value=text_value(value),
                    severity="warning",
                    message=f"Colonna sconosciuta «{text_value(value)}»: non letta.",
                    suggestion="Controllare il nome della colonna nel questionario.",
                )
            )
    for ref, (formula, cached) in sorted(book.formulas.get(main, {}).items()):
        found.append(
            Finding(
                file=book.name,
                sheet=main,
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
    for rng in book.merged.get(main, []):
        found.append(
            Finding(
                file=book.name,
                sheet=main,
                cell=rng,
                severity="warning",
                message=f"Celle unite {rng}: è letto solo il valore della prima cella.",
                suggestion="Separare le celle.",
            )
        )
    book_meta = _book_meta(book)
    interviews: list[RawInterview] = []
    by_index: dict[str, RawInterview] = {}
    for r in range(1, len(rows)):
        row = rows[r]
        cells = {
            name: RawCell(row[c] if c < len(row) else None, main, cell_ref(r, c))
            for c, name in header.items()
        }
        if all(is_blank(cell.value) for cell in cells.values()):
            continue
        meta = {**book_meta, **{k: v for k, v in cells.items() if k.startswith("_")}}
        answers = {k: v for k, v in cells.items() if not k.startswith("_")}
        interview = RawInterview(
            file=book.name,
            source=f"{book.name}:{main}!{r + 1}",
            answers=answers,
            meta=meta,
            row=r + 1,
        )
        interviews.append(interview)
        if "_index" in meta:
            by_index[text_value(meta["_index"].value).strip()] = interview
    for name, sheet_rows in book.sheets.items():
        if name != main:
            _read_repeat(book, name, sheet_rows, spec, interviews, by_index, found)
    return interviews, found


def _book_meta(book: Book) -> dict[str, RawCell]:
    """Return version and wave from a master workbook's ``_meta`` sheet (not the district)."""
    rows = book.sheets.get("_meta", [])
    return {
        text_value(row[0]).strip(): RawCell(row[1], "_meta", cell_ref(r, 1))
        for r, row in enumerate(rows)
        if len(row) >= 2 and text_value(row[0]).strip() in ("version", "wave", "form_id")
    }


def _read_repeat(
    book: Book,
    sheet: str,
    rows: list[list[object]],
    spec: FormSpec,
    interviews: list[RawInterview],
    by_index: dict[str, RawInterview],
    found: list[Finding],
) -> None:
    header = _header(rows, spec)
    fields = {q.name for q in spec.repeat_fields(REPEAT)}
    if not fields & set(header.values()):
        return
    link = "_parent_index" if "_parent_index" in header.values() else "district_id"
    if link not in header.values():
        return  # e.g. the hidden _liste sheet, whose header names lists such as "area"
    by_district: dict[str, list[RawInterview]] = {}
    for interview in interviews:
        key = fold(text_value(interview.district_cell().value))
        by_district.setdefault(key, []).append(interview)
    for r in range(1, len(rows)):
        row = rows[r]
        cells = {
            name: RawCell(row[c] if c < len(row) else None, sheet, cell_ref(r, c))
            for c, name in header.items()
        }
        values = {k: v for k, v in cells.items() if k in fields}
        if all(is_blank(cell.value) for cell in values.values()):
            continue
        key = text_value(cells[link].value).strip() if link in cells else ""
        if link == "_parent_index":
            owners = [by_index[key]] if key in by_index else []
        else:
            owners = by_district.get(fold(key), [])
            # A master keeps its pre-filled row when the interview was typed on a new row:
            # the interventions belong to the row with answers.
            owners = [o for o in owners if o.has_answers()] or owners
        if not owners:
            found.append(
                Finding(
                    file=book.name,
                    sheet=sheet,
                    cell=cells[link].cell if link in cells else cell_ref(r, 0),
                    value=key,
                    severity="error",
                    question=link,
                    message="Riga di intervento senza intervista "
                    f"corrispondente ({link} = «{key}»): non letta.",
                    suggestion=f"Correggere «{link}» perché indichi un'intervista "
                    "del foglio principale.",
                )
            )
            continue
        for owner in owners:  # a duplicated district gets the rows twice; both are rejected
            owner.interventions.append(values)
