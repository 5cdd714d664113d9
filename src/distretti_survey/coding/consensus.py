"""The disagreements workbook: where coders A and B differ, and the consensus read back.

``write_disagreements`` lists every (segment, code) on which the two coders gave different
values, with an empty ``consensus`` column (1 = the code applies, 0 = it does not) that the
coders fill in together; a consensus already recorded is written back in, so rewriting the
file never loses it. ``read_consensus`` turns the filled column into decisions of the coder
``consensus``, which settle the disagreement in `decisions.reconcile`. An empty consensus cell
leaves the disagreement open: it is counted and listed, never resolved silently.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from distretti_survey.coding.decisions import DECISION_COLUMNS, KEYS
from distretti_survey.coding.frame import LABEL
from distretti_survey.coding.workbooks import (
    HEADER_ROWS,
    _dropdown,
    _header,
    _list_sheet,
    _new_workbook,
    _protect,
    open_workbook,
)
from distretti_survey.findings import Finding, Findings
from distretti_survey.xlsx_io import safe_text, stable_save

DISAGREEMENT_SHEET = "disaccordi"
KEYS_ROW = (
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
)
LABELS_ROW = (
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
)
_CONSENSUS_COLUMN = KEYS_ROW.index("consensus")  # 0-based: J


def disagreements(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Return the (segment, code) pairs that both coders decided with different values.

    Returns
    -------
    Columns ``segment_id, code_id, value_a, value_b``, sorted.
    """
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
    return pair.sort_values(["segment_id", "code_id"], ignore_index=True)


def write_disagreements(
    a: pd.DataFrame,
    b: pd.DataFrame,
    segments: pd.DataFrame,
    path: str | Path,
    frame: pd.DataFrame | None = None,
    *,
    consensus: pd.DataFrame | None = None,
) -> Path:
    """Write the (segment, code) pairs on which two coders disagree, with a consensus column.

    Parameters
    ----------
    a, b
        Decisions of the two coders (`DECISION_COLUMNS`).
    segments
        The segments, for their text.
    path
        The xlsx to write (same inputs give the same bytes).
    frame
        The coding frame, for the Italian code labels (optional).
    consensus
        Consensus decisions already recorded (``read_consensus``): written in the column, so
        a rewrite keeps them.

    Returns
    -------
    The path written; sheet ``disaccordi``, one row per disagreement, the column
    ``consensus`` to fill with 1 or 0 (dropdown; the other columns are read-only).
    """
    from openpyxl.styles import Alignment

    pair = disagreements(a, b).merge(
        segments[["segment_id", "fingerprint", "district_id", "question", "text"]], on="segment_id"
    )
    labels = {} if frame is None else dict(zip(frame["code_id"], frame[LABEL], strict=True))
    settled = {}
    if consensus is not None and len(consensus):
        valid = consensus.dropna(subset=["value"])
        settled = dict(
            zip(
                zip(valid["segment_id"], valid["code_id"], strict=True), valid["value"], strict=True
            )
        )
    wb = _new_workbook()
    source = _list_sheet(wb, ["1", "0"])
    ws = wb.create_sheet(DISAGREEMENT_SHEET, 0)
    _header(ws, list(LABELS_ROW), list(KEYS_ROW), {0: 30, 4: 70, 6: 30})
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
        agreed = settled.get((item.segment_id, item.code_id))
        values.append(None if agreed is None else int(agreed))
        for column, value in enumerate(values, start=1):
            ws.cell(row=row, column=column, value=safe_text(value))
        ws.cell(row=row, column=5).alignment = Alignment(wrap_text=True, vertical="top")
    cells = f"J{HEADER_ROWS + 1}:J{HEADER_ROWS + len(pair)}"
    if len(pair):
        _dropdown(ws, source, cells, "Scrivere 1 (codice presente) o 0 (assente).")
    _protect(ws, [cells] if len(pair) else [])
    ws.freeze_panes = f"A{HEADER_ROWS + 1}"
    return stable_save(wb, path)


def _consensus_value(value: object) -> int | str | None:
    """Return 1/0 for a filled cell, None for an empty one, the text of anything else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    if isinstance(value, bool) or text not in ("0", "1", "0.0", "1.0"):
        return text
    return int(float(text))


def _consensus_rows(ws, segments: pd.DataFrame, themes: dict, rows: list, add) -> list[str]:
    """Collect the consensus decisions of the sheet in ``rows``; return the empty cells."""
    known = segments.set_index("segment_id", drop=False)
    empty: list[str] = []
    for row, values in enumerate(
        ws.iter_rows(min_row=HEADER_ROWS + 1, values_only=True), start=HEADER_ROWS + 1
    ):
        values = (*values, *([None] * len(KEYS_ROW)))[: len(KEYS_ROW)]
        seg_id, code, consensus = values[0], values[5], values[_CONSENSUS_COLUMN]
        if all(v is None for v in values):
            continue
        if seg_id not in known.index:
            add(f"A{row}", f"Segmento sconosciuto: la riga {row} non è stata letta.", seg_id)
            continue
        seg = known.loc[seg_id]
        if themes and themes.get(code) != seg["theme"]:
            add(
                f"F{row}",
                f"Il codice «{code}» non è un codice del tema del segmento nel piano di "
                f"codifica: la riga {row} non è stata letta.",
                code,
                suggestion="Ripristinare il codice originale della riga.",
            )
            continue
        flag = _consensus_value(consensus)
        if flag is None:
            empty.append(f"J{row}")
        elif isinstance(flag, str):
            add(f"J{row}", "Consenso non ammesso: usare 1 (codice presente) oppure 0.", flag)
        else:
            rows.append((*(seg[k] for k in KEYS), seg["fingerprint"], code, flag, "consensus"))
    return empty


def read_consensus(
    path: str | Path, segments: pd.DataFrame, frame: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, Findings]:
    """Read the consensus column of a disagreements workbook into ``consensus`` decisions.

    Parameters
    ----------
    path
        ``disaccordi.xlsx`` written by `write_disagreements` and filled in by the coders.
    segments
        The segments of the wave (to check ids).
    frame
        The coding frame (to check that each code exists and belongs to the segment's theme).

    Returns
    -------
    decisions
        `DECISION_COLUMNS` with ``coder`` = ``consensus``, one per filled consensus cell.
    findings
        Unknown segment or code, a value other than 1/0, and one warning counting the
        disagreements left without a consensus (they stay unresolved), naming their cells.
    """
    path = Path(path)
    findings = Findings()

    def add(cell: str, message: str, value: object = "", severity: str = "error", **extra):
        findings.add(
            Finding(
                file=path.name,
                sheet=DISAGREEMENT_SHEET,
                cell=cell,
                value="" if value is None else str(value),
                severity=severity,
                message=message,
                **extra,
            )
        )

    wb = open_workbook(path, "Cartella dei disaccordi (consenso)")
    rows: list[tuple] = []
    if DISAGREEMENT_SHEET not in wb:
        add("", f"Foglio «{DISAGREEMENT_SHEET}» mancante: nessun consenso letto.")
        return _frame(rows), findings
    themes = {} if frame is None else dict(zip(frame["code_id"], frame["theme"], strict=True))
    empty = _consensus_rows(wb[DISAGREEMENT_SHEET], segments, themes, rows, add)
    if empty:
        add(
            empty[0],
            f"{len(empty)} disaccordi senza consenso: restano irrisolti e il codice non è "
            f"assegnato (celle {', '.join(empty[:10])}{'…' if len(empty) > 10 else ''}).",
            len(empty),
            severity="warning",
            suggestion="Scrivere 1 o 0 nella colonna «Consenso (1/0)».",
        )
    return _frame(rows), findings


def _frame(rows: list[tuple]) -> pd.DataFrame:
    decisions = pd.DataFrame(rows, columns=list(DECISION_COLUMNS))
    decisions["value"] = decisions["value"].astype("Int64")
    return decisions.sort_values(["segment_id", "code_id"], ignore_index=True)
