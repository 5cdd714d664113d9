"""Coder workbooks: segments out to the coders, their 0/1 decisions back in.

Each theme has its own sheet: row 1 holds the Italian labels, row 2 the column keys
(``segment_id``, ``fingerprint``, ``district``, ``wave``, ``question``, ``text``, then one code id
per column), segments from row 3. Code cells take ``1`` or stay empty, through a dropdown whose
list lives in the hidden sheet ``_liste``. Reading back checks every cell and reports problems as
findings with file, sheet and cell; nothing the coder wrote is dropped silently.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from distretti_survey.coding.decisions import DECISION_COLUMNS, KEYS, fingerprint
from distretti_survey.coding.frame import LABEL, THEME_LABELS, THEMES
from distretti_survey.findings import Finding, Findings
from distretti_survey.xlsx_io import safe_text, stable_save

FIXED = ("segment_id", "fingerprint", "district", "wave", "question", "text")
FIXED_LABELS = ("Segmento", "Impronta", "Distretto", "Ondata", "Domanda", "Testo")
HEADER_ROWS = 2
LIST_SHEET, META_SHEET, LEGEND_SHEET = "_liste", "_meta", "codici"
DISAGREEMENT_SHEET = "disaccordi"


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _new_workbook():
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    return wb


def _list_sheet(wb, values: list[str]) -> str:
    ws = wb.create_sheet(LIST_SHEET)
    for row, value in enumerate(values, start=1):
        ws.cell(row=row, column=1, value=value)
    ws.sheet_state = "hidden"
    return f"{LIST_SHEET}!$A$1:$A${len(values)}"


def _dropdown(ws, source: str, cells: str, prompt: str) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    validation = DataValidation(type="list", formula1=source, allow_blank=True)
    validation.error = prompt
    validation.errorTitle = "Valore non ammesso"
    validation.add(cells)
    ws.add_data_validation(validation)


def _header(ws, labels: list[str], keys: list[str], widths: dict[int, float]) -> None:
    from openpyxl.styles import Alignment, Font

    for column, (label, key) in enumerate(zip(labels, keys, strict=True), start=1):
        ws.cell(row=1, column=column, value=label).font = Font(bold=True)
        ws.cell(row=1, column=column).alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(row=2, column=column, value=key).font = Font(italic=True, color="808080")
    for column, width in widths.items():
        ws.column_dimensions[_letter(column)].width = width


def write_coder_workbook(
    segments: pd.DataFrame,
    suggestions: pd.DataFrame,
    frame: pd.DataFrame,
    path: str | Path,
    *,
    coder: str,
    blind: bool = False,
) -> Path:
    """Write the workbook a coder fills in: one sheet per theme, one row per segment.

    Parameters
    ----------
    segments
        Segments to code (`suggest.split_segments`).
    suggestions
        Rule suggestions; pre-filled as ``1`` unless ``blind``.
    frame
        The coding frame: one column per code of the sheet's theme, in frame order.
    path
        The xlsx to write (same inputs give the same bytes).
    coder
        Who codes, e.g. ``coder_a``; stored in the hidden ``_meta`` sheet.
    blind
        Leave every code cell empty, so the coder does not see the suggestions.

    Returns
    -------
    The path written.
    """
    from openpyxl.styles import Alignment

    frame = frame.fillna("").astype(str)
    wb = _new_workbook()
    source = _list_sheet(wb, ["1"])
    suggested = (
        set() if blind else set(zip(suggestions["segment_id"], suggestions["code_id"], strict=True))
    )
    ordered = segments.sort_values("segment_id", kind="stable")
    for theme in THEMES:
        theme_codes = frame[frame["theme"] == theme]
        ws = wb.create_sheet(THEME_LABELS[theme])
        code_ids = list(theme_codes["code_id"])
        _header(
            ws,
            [*FIXED_LABELS, *theme_codes[LABEL]],
            [*FIXED, *code_ids],
            {0: 30, 1: 18, 5: 70} | {i: 14 for i in range(6, 6 + len(code_ids))},
        )
        rows = ordered[ordered["theme"] == theme]
        for row, seg in enumerate(rows.itertuples(index=False), start=HEADER_ROWS + 1):
            values = [seg.segment_id, seg.fingerprint, seg.district_id, seg.wave, seg.question]
            for column, value in enumerate(values, start=1):
                ws.cell(row=row, column=column, value=safe_text(value))
            text = ws.cell(row=row, column=6, value=safe_text(seg.text))
            text.alignment = Alignment(wrap_text=True, vertical="top")
            for column, code in enumerate(code_ids, start=7):
                if (seg.segment_id, code) in suggested:
                    ws.cell(row=row, column=column, value=1)
        if code_ids and len(rows):
            cells = f"G{HEADER_ROWS + 1}:{_letter(5 + len(code_ids))}{HEADER_ROWS + len(rows)}"
            _dropdown(ws, source, cells, "Scrivere 1 se il codice si applica, altrimenti vuoto.")
        ws.freeze_panes = f"G{HEADER_ROWS + 1}"
    legend = wb.create_sheet(LEGEND_SHEET)
    columns = [
        "code_id",
        "theme",
        "parent",
        LABEL,
        "definition",
        "use_when",
        "not_when",
        "examples",
    ]
    legend.append(
        [
            "Codice",
            "Tema",
            "Padre",
            "Etichetta",
            "Definizione",
            "Quando usarlo",
            "Quando non usarlo",
            "Esempi",
        ]
    )
    for values in frame[columns].itertuples(index=False):
        legend.append([safe_text(value) for value in values])
    legend.freeze_panes = "A2"
    meta = wb.create_sheet(META_SHEET)
    for pair in (("coder", coder), ("blind", "si" if blind else "no"), ("formato", "1")):
        meta.append(pair)
    meta.sheet_state = "hidden"
    return stable_save(wb, path)


def _cell_flag(value: object) -> int | str | None:
    """Return 1 for a ticked cell, 0 for an empty one, the text of anything else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float) and value == 1:
        return 1
    if isinstance(value, str) and value.strip() in ("1", "1.0"):
        return 1
    return str(value)


def read_coder_workbook(
    path: str | Path, segments: pd.DataFrame, frame: pd.DataFrame, *, coder: str | None = None
) -> tuple[pd.DataFrame, Findings]:
    """Read a filled coder workbook back into decisions, reporting every problem.

    Parameters
    ----------
    path
        The workbook written by `write_coder_workbook` and filled by a coder.
    segments
        The segments it was written from (to check ids and texts).
    frame
        The coding frame.
    coder
        Overrides the coder stored in the workbook.

    Returns
    -------
    decisions
        `DECISION_COLUMNS`: one row per (segment read, code column of the frame); ``value`` is
        missing where the cell held something other than 1 or empty.
    findings
        A column that is not a code of the sheet's theme, a value other than 1/empty, an
        unknown or repeated segment id, a changed text, a missing row or sheet.
    """
    from openpyxl import load_workbook

    path = Path(path)
    wb = load_workbook(path, data_only=True)
    findings = Findings()

    def add(
        sheet: str,
        cell: str,
        message: str,
        *,
        value: object = "",
        severity="error",
        suggestion: str = "",
        question: str = "",
        district: str = "",
    ) -> None:
        findings.add(
            Finding(
                file=path.name,
                sheet=sheet,
                cell=cell,
                district=district,
                question=question,
                value="" if value is None else str(value),
                severity=severity,
                message=message,
                suggestion=suggestion,
            )
        )

    if coder is None:
        meta = dict(wb[META_SHEET].iter_rows(values_only=True)) if META_SHEET in wb else {}
        coder = str(meta.get("coder") or "coder_a")
        if not meta:
            add(
                META_SHEET,
                "",
                "Foglio _meta mancante: il codificatore è preso come coder_a.",
                severity="warning",
            )
    frame = frame.fillna("").astype(str)
    known = segments.set_index("segment_id", drop=False)
    rows: list[tuple] = []
    for theme in THEMES:
        sheet = THEME_LABELS[theme]
        expected = segments[segments["theme"] == theme]
        if sheet not in wb:
            if len(expected):
                add(sheet, "", f"Foglio «{sheet}» mancante: {len(expected)} segmenti non letti.")
            continue
        ws = wb[sheet]
        header = [cell for cell in next(ws.iter_rows(min_row=2, max_row=2, values_only=True), ())]
        theme_codes = set(frame.loc[frame["theme"] == theme, "code_id"])
        columns: dict[str, int] = {}
        code_columns: list[tuple[int, str]] = []
        for index, key in enumerate(header):
            key = "" if key is None else str(key).strip()
            if key in FIXED:
                columns[key] = index
            elif key in theme_codes:
                code_columns.append((index, key))
            elif key or any(
                r[index] is not None for r in ws.iter_rows(min_row=3, values_only=True)
            ):
                filled = sum(
                    1 for r in ws.iter_rows(min_row=3, values_only=True) if r[index] is not None
                )
                add(
                    sheet,
                    f"{_letter(index)}2",
                    f"La colonna «{key}» non è un codice del tema "
                    f"{THEME_LABELS[theme]} nel piano di codifica: {filled} valori non letti.",
                    value=key,
                    suggestion="Rinominarla con un codice del piano o spostare "
                    "i valori nella colonna giusta.",
                )
        if "segment_id" not in columns:
            add(sheet, "A2", "Manca la colonna segment_id: il foglio non si può leggere.")
            continue
        seen: set[str] = set()
        for row, values in enumerate(
            ws.iter_rows(min_row=HEADER_ROWS + 1, values_only=True), start=HEADER_ROWS + 1
        ):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            seg_id = str(values[columns["segment_id"]] or "").strip()
            marked = [code for index, code in code_columns if values[index] is not None]
            id_cell = f"{_letter(columns['segment_id'])}{row}"
            if seg_id not in known.index or known.at[seg_id, "theme"] != theme:
                add(
                    sheet,
                    id_cell,
                    f"Segmento sconosciuto: la riga {row} non è stata letta.",
                    value=seg_id or "(vuoto)",
                    suggestion="Ripristinare l'identificativo "
                    f"originale; codici segnati: {', '.join(marked) or 'nessuno'}.",
                )
                continue
            if seg_id in seen:
                add(
                    sheet,
                    id_cell,
                    f"Segmento ripetuto: la riga {row} non è stata letta.",
                    value=seg_id,
                    suggestion=f"Codici segnati: {', '.join(marked) or 'nessuno'}.",
                )
                continue
            seen.add(seg_id)
            seg = known.loc[seg_id]
            if "text" in columns:
                text = values[columns["text"]]
                if fingerprint(str(text or "")) != seg["fingerprint"]:
                    add(
                        sheet,
                        f"{_letter(columns['text'])}{row}",
                        "Il testo del segmento è "
                        "stato modificato: le decisioni valgono per il testo originale.",
                        value=text,
                        severity="warning",
                        question=seg["question"],
                        district=str(seg["district_id"]),
                    )
            for index, code in code_columns:
                flag = _cell_flag(values[index])
                if isinstance(flag, str):
                    add(
                        sheet,
                        f"{_letter(index)}{row}",
                        f"Valore non ammesso per {code}: usare 1 oppure lasciare vuoto.",
                        value=flag,
                        question=seg["question"],
                        district=str(seg["district_id"]),
                    )
                    flag = None
                rows.append((*(seg[k] for k in KEYS), seg["fingerprint"], code, flag, coder))
        for seg_id in expected["segment_id"]:
            if seg_id not in seen:
                add(
                    sheet,
                    "",
                    "Riga del segmento mancante: nessuna decisione letta.",
                    value=seg_id,
                    severity="warning",
                )
    decisions = pd.DataFrame(rows, columns=list(DECISION_COLUMNS))
    decisions["value"] = decisions["value"].astype("Int64")
    return decisions.sort_values(["segment_id", "code_id"], ignore_index=True), findings


def write_disagreements(
    a: pd.DataFrame,
    b: pd.DataFrame,
    segments: pd.DataFrame,
    path: str | Path,
    frame: pd.DataFrame | None = None,
) -> Path:
    """Write the (segment, code) pairs on which two coders disagree, with a consensus column.

    Parameters
    ----------
    a, b
        Decisions of the two coders (`DECISION_COLUMNS`).
    segments
        The segments, for their text.
    path
        The xlsx to write.
    frame
        The coding frame, for the Italian code labels (optional).

    Returns
    -------
    The path written; sheet ``disaccordi``, one row per disagreement, the column
    ``consensus`` to fill with 1 or 0 (dropdown).
    """
    from openpyxl.styles import Alignment

    pair = (
        a[["segment_id", "code_id", "value"]]
        .merge(
            b[["segment_id", "code_id", "value"]],
            on=["segment_id", "code_id"],
            suffixes=("_a", "_b"),
        )
        .dropna()
    )
    pair = pair[pair["value_a"] != pair["value_b"]]
    pair = pair.merge(
        segments[["segment_id", "fingerprint", "district_id", "question", "text"]], on="segment_id"
    ).sort_values(["segment_id", "code_id"])
    labels = {} if frame is None else dict(zip(frame["code_id"], frame[LABEL], strict=True))
    wb = _new_workbook()
    source = _list_sheet(wb, ["1", "0"])
    ws = wb.create_sheet(DISAGREEMENT_SHEET, 0)
    keys = [
        "segment_id",
        "fingerprint",
        "district",
        "question",
        "text",
        "code_id",
        "label",
        "coder_a",
        "coder_b",
        "consensus",
    ]
    _header(
        ws,
        [
            "Segmento",
            "Impronta",
            "Distretto",
            "Domanda",
            "Testo",
            "Codice",
            "Etichetta",
            "Codificatore A",
            "Codificatore B",
            "Consenso (1/0)",
        ],
        keys,
        {0: 30, 4: 70, 6: 30},
    )
    for row, item in enumerate(pair.itertuples(index=False), start=HEADER_ROWS + 1):
        values = [
            item.segment_id,
            item.fingerprint,
            item.district_id,
            item.question,
            item.text,
            item.code_id,
            labels.get(item.code_id, ""),
            int(item.value_a),
            int(item.value_b),
        ]
        for column, value in enumerate(values, start=1):
            ws.cell(row=row, column=column, value=safe_text(value))
        ws.cell(row=row, column=5).alignment = Alignment(wrap_text=True, vertical="top")
    if len(pair):
        _dropdown(
            ws,
            source,
            f"J{HEADER_ROWS + 1}:J{HEADER_ROWS + len(pair)}",
            "Scrivere 1 (codice presente) o 0 (assente).",
        )
    ws.freeze_panes = f"A{HEADER_ROWS + 1}"
    return stable_save(wb, path)


def read_disagreements(path: str | Path, segments: pd.DataFrame) -> tuple[pd.DataFrame, Findings]:
    """Read the consensus column of a disagreements workbook into ``consensus`` decisions.

    Empty consensus cells give no decision (the disagreement stays open); values other than
    1 or 0 become findings.
    """
    from openpyxl import load_workbook

    path = Path(path)
    ws = load_workbook(path, data_only=True)[DISAGREEMENT_SHEET]
    findings = Findings()
    known = segments.set_index("segment_id", drop=False)
    rows = []
    for row, values in enumerate(
        ws.iter_rows(min_row=HEADER_ROWS + 1, values_only=True), start=HEADER_ROWS + 1
    ):
        seg_id, code, consensus = values[0], values[5], values[9]
        if seg_id is None and consensus is None:
            continue
        if seg_id not in known.index:
            findings.add(
                Finding(
                    file=path.name,
                    sheet=DISAGREEMENT_SHEET,
                    cell=f"A{row}",
                    value=str(seg_id),
                    message="Segmento sconosciuto.",
                )
            )
            continue
        if consensus is None or str(consensus).strip() == "":
            continue
        if str(consensus).strip() not in ("0", "1", "0.0", "1.0"):
            findings.add(
                Finding(
                    file=path.name,
                    sheet=DISAGREEMENT_SHEET,
                    cell=f"J{row}",
                    value=str(consensus),
                    message="Consenso non ammesso: usare 1 oppure 0.",
                )
            )
            continue
        seg = known.loc[seg_id]
        rows.append(
            (*(seg[k] for k in KEYS), seg["fingerprint"], code, int(float(consensus)), "consensus")
        )
    decisions = pd.DataFrame(rows, columns=list(DECISION_COLUMNS))
    decisions["value"] = decisions["value"].astype("Int64")
    return decisions, findings
