"""Coder workbooks: segments out to the coders, their decisions back in.

Each theme has its own sheet: row 1 holds the Italian labels, row 2 the column keys
(``segment_id``, ``fingerprint``, ``district``, ``wave``, ``question``, ``text``; in coder A's
workbook also ``suggested``, ``evidence`` and, when the suggestions carry them, ``confidence``
and ``source``; then one code id per column and ``none``), segments from row 3.

Every decision cell starts EMPTY, in both workbooks. The coder writes ``1`` in the codes that
apply (``0`` is accepted as an explicit "no") or ``1`` in ``none`` ("Nessun codice") when no
code applies. In a row with any of these, an empty code cell counts as 0; a row with none of
them is *non compilata* (not coded): it gives no decision at all, never a 0, and the reading
reports it. Coder A sees the suggestions, their evidence and confidence in read-only columns,
the most uncertain first; coder B is blind (no suggestion, no evidence, plain segment order).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from distretti_survey.coding.decisions import DECISION_COLUMNS, KEYS, fingerprint
from distretti_survey.coding.frame import LABEL, THEME_LABELS, THEMES
from distretti_survey.findings import Finding, Findings
from distretti_survey.xlsx_io import column_letter, safe_text, stable_save

FIXED = ("segment_id", "fingerprint", "district", "wave", "question", "text")
FIXED_LABELS = ("Segmento", "Impronta", "Distretto", "Ondata", "Domanda", "Testo")
#: Read-only columns of coder A's workbook: key -> Italian label (``confidence`` and
#: ``source`` only when the suggestions have them).
INFO = {
    "suggested": "Suggerimento (sola lettura)",
    "evidence": "Evidenza (sola lettura)",
    "confidence": "Confidenza (sola lettura)",
    "source": "Fonte del suggerimento",
}
NONE, NONE_LABEL = "none", "Nessun codice"
HEADER_ROWS = 2
LIST_SHEET, META_SHEET, LEGEND_SHEET, HELP_SHEET = "_liste", "_meta", "codici", "istruzioni"
#: Hidden sheet listing the segments written (sheet, segment id): a deleted row is noticed.
SEGMENTS_SHEET = "_segmenti"
FORMAT_VERSION = "2"
SOURCE_LABELS = {"rule": "regola", "model": "modello", "both": "regola e modello"}
HELP = (
    "Per ogni segmento (una frase di una risposta aperta) scrivere 1 nelle colonne dei codici "
    "che si applicano; se nessun codice si applica, scrivere 1 in «Nessun codice».",
    "In una riga con almeno un valore, i codici lasciati vuoti valgono 0. Una riga senza alcun "
    "valore resta NON COMPILATA: non vale 0, il segmento resta da codificare.",
    "Non modificare le colonne grigie (segmento, testo, suggerimenti): sono in sola lettura.",
    "Le definizioni dei codici (quando usarli e quando no) sono nel foglio «codici».",
)


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
        ws.column_dimensions[column_letter(column)].width = width


def _suggestion_cells(suggestions: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Return one row per segment with the read-only texts, and the info columns to show."""
    info = ["suggested", "evidence"] + [c for c in ("confidence", "source") if c in suggestions]
    if not len(suggestions):
        return pd.DataFrame(columns=["segment_id", *info, "order"]), info
    sugg = suggestions.copy()
    has_conf = "confidence" in sugg
    if has_conf:
        sugg["confidence"] = pd.to_numeric(sugg["confidence"], errors="coerce")
        sugg = sugg.sort_values(["segment_id", "confidence"], ascending=[True, False])

    def describe(group: pd.DataFrame) -> pd.Series:
        conf = group["confidence"] if has_conf else pd.Series(dtype=float)
        out = {
            "suggested": "; ".join(
                code if not has_conf or pd.isna(c) else f"{code} ({c:.2f})".replace(".", ",")
                for code, c in zip(group["code_id"], conf.reindex(group.index), strict=True)
            ),
            "evidence": "; ".join(
                f"{code}: «{ev}»"
                for code, ev in zip(group["code_id"], group["evidence"].fillna(""), strict=True)
            ),
            # the least sure suggestion of the segment decides its place (uncertain first)
            "order": conf.min() if has_conf else float("nan"),
        }
        if has_conf:
            out["confidence"] = conf.min()
        if "source" in group:
            out["source"] = "; ".join(
                f"{code}: {SOURCE_LABELS.get(str(src), str(src))}"
                for code, src in zip(group["code_id"], group["source"], strict=True)
            )
        return pd.Series(out)

    rows = [describe(g).rename(k) for k, g in sugg.groupby("segment_id", sort=True)]
    table = pd.DataFrame(rows).rename_axis("segment_id").reset_index()
    return table, info


def _ordered(segments: pd.DataFrame, cells: pd.DataFrame, blind: bool) -> pd.DataFrame:
    """Return the segments in the order the coder sees them.

    Coder B (blind): by segment id. Coder A: when confidences exist, the least sure suggestions
    first, then the segments with no suggestion; otherwise by segment id.
    """
    if blind:
        return segments.sort_values("segment_id", kind="stable")
    merged = segments.merge(cells, on="segment_id", how="left")
    return merged.sort_values(["order", "segment_id"], na_position="last", kind="stable")


def _protect(ws, decision_cells: list[str]) -> None:
    """Lock the sheet except the decision cells: the segment and suggestion columns stay."""
    from openpyxl.styles import Protection

    for cells in decision_cells:
        for row in ws[cells]:
            for cell in row:
                cell.protection = Protection(locked=False)
    protection = ws.protection
    protection.sheet = True
    # The coder may still resize, filter and sort; no password (it only prevents slips).
    protection.formatColumns = protection.formatRows = protection.autoFilter = False
    protection.sort = False


def _theme_sheet(wb, theme, segments, cells, info, frame, source, *, blind) -> None:
    from openpyxl.styles import Alignment, PatternFill

    theme_codes = frame[frame["theme"] == theme]
    ws = wb.create_sheet(THEME_LABELS[theme])
    code_ids = list(theme_codes["code_id"])
    shown = [] if blind else info
    keys = [*FIXED, *shown, *code_ids, NONE]
    first_code = len(FIXED) + len(shown)  # 0-based column of the first code
    _header(
        ws,
        [*FIXED_LABELS, *(INFO[k] for k in shown), *theme_codes[LABEL], NONE_LABEL],
        keys,
        {0: 30, 1: 18, 5: 70}
        | {len(FIXED) + i: 28 for i in range(len(shown))}
        | {first_code + i: 14 for i in range(len(code_ids) + 1)},
    )
    rows = _ordered(segments[segments["theme"] == theme], cells, blind)
    grey = PatternFill("solid", fgColor="EEEEEE")
    by_id = cells.set_index("segment_id") if len(cells) else cells
    for row, seg in enumerate(rows.itertuples(index=False), start=HEADER_ROWS + 1):
        values = [seg.segment_id, seg.fingerprint, seg.district_id, seg.wave, seg.question]
        # ``display_text``: the segment as typed, for coders allowed to see personal data.
        values.append(getattr(seg, "display_text", None) or seg.text)
        for key in shown:
            has = seg.segment_id in by_id.index
            value = by_id.at[seg.segment_id, key] if has else ""
            values.append(round(float(value), 3) if key == "confidence" and has else value)
        for column, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=column, value=safe_text(value))
            cell.fill = grey
            cell.alignment = Alignment(wrap_text=column == 6 or column > 6, vertical="top")
    last = HEADER_ROWS + len(rows)
    decision = f"{column_letter(first_code)}{HEADER_ROWS + 1}:{column_letter(len(keys) - 1)}{last}"
    if len(rows):
        _dropdown(ws, source, decision, "Scrivere 1 se il codice si applica (0 = no), o vuoto.")
        _protect(ws, [decision])
    else:
        _protect(ws, [])
    ws.freeze_panes = f"{column_letter(first_code)}{HEADER_ROWS + 1}"


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
        Suggestions (``segment_id, code_id, evidence``, optionally ``confidence`` and
        ``source``): shown to coder A in read-only columns, never pre-filled as decisions.
    frame
        The coding frame: one column per code of the sheet's theme, in frame order.
    path
        The xlsx to write (same inputs give the same bytes).
    coder
        Who codes, e.g. ``coder_a``; stored in the hidden ``_meta`` sheet.
    blind
        Coder B: no suggestion, no evidence, segments in id order.

    Returns
    -------
    The path written.
    """
    frame = frame.fillna("").astype(str)
    wb = _new_workbook()
    help_sheet = wb.create_sheet(HELP_SHEET)
    for line in HELP:
        help_sheet.append([line])
    help_sheet.column_dimensions["A"].width = 120
    source = _list_sheet(wb, ["1", "0"])
    cells, info = _suggestion_cells(pd.DataFrame() if blind else suggestions)
    if blind:
        cells, info = cells.iloc[0:0], []
    for theme in THEMES:
        _theme_sheet(wb, theme, segments, cells, info, frame, source, blind=blind)
    _legend(wb, frame)
    written = wb.create_sheet(SEGMENTS_SHEET)
    for theme in THEMES:
        for seg_id in sorted(segments.loc[segments["theme"] == theme, "segment_id"]):
            written.append([THEME_LABELS[theme], seg_id])
    written.sheet_state = "hidden"
    meta = wb.create_sheet(META_SHEET)
    pairs = (("coder", coder), ("blind", "si" if blind else "no"), ("formato", FORMAT_VERSION))
    for pair in pairs:
        meta.append(pair)
    meta.sheet_state = "hidden"
    return stable_save(wb, path)


def _legend(wb, frame: pd.DataFrame) -> None:
    """Add the sheet with the definitions of the codes."""
    legend = wb.create_sheet(LEGEND_SHEET)
    columns = ["code_id", "theme", "parent", LABEL, "definition", "use_when", "not_when"]
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
    for values in frame[[*columns, "examples"]].itertuples(index=False):
        legend.append([safe_text(value) for value in values])
    legend.freeze_panes = "A2"


def open_workbook(path: Path, what: str):
    """Open a workbook read back from the coders, or raise an `InputError` saying why."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    from distretti_survey.errors import InputError

    if not path.is_file():
        raise InputError(f"{what} non trovata: {path}. Controllare il percorso del file.")
    try:
        return load_workbook(path, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise InputError(
            f"{what} illeggibile: {path} ({error}). Riaprirla in Excel e salvarla come .xlsx."
        ) from error


def _cell_flag(value: object) -> int | str | None:
    """Return 1 or 0 for a decided cell, None for an empty one, the text of anything else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float) and value in (0, 1):
        return int(value)
    if isinstance(value, str) and value.strip() in ("1", "1.0", "0", "0.0"):
        return int(float(value.strip()))
    return str(value)


@dataclass(frozen=True)
class CoderReading:
    """What a coder workbook gave back. Unpacks as ``decisions, findings = ...``."""

    decisions: pd.DataFrame
    """`DECISION_COLUMNS`: one row per (coded segment, code of its theme)."""
    findings: Findings
    coder: str
    n_rows: int
    """Segment rows read (known segments, each once)."""
    uncoded: tuple[str, ...]
    """Segment ids whose row was left empty (non compilata): no decision, never 0."""
    file: str = ""

    @property
    def n_uncoded(self) -> int:
        """Return how many rows were left empty."""
        return len(self.uncoded)

    @property
    def n_coded(self) -> int:
        """Return how many rows the coder filled in."""
        return self.n_rows - len(self.uncoded)

    def __iter__(self):
        return iter((self.decisions, self.findings))


class _Reader:
    """State of one reading: the file, its findings, the rows collected."""

    def __init__(self, path: Path, segments: pd.DataFrame, frame: pd.DataFrame, coder: str):
        self.path, self.coder = path, coder
        self.frame = frame.fillna("").astype(str)
        self.known = segments.set_index("segment_id", drop=False)
        self.findings = Findings()
        self.rows: list[tuple] = []
        self.uncoded: list[str] = []
        self.n_rows = 0

    def add(self, sheet: str, cell: str, message: str, *, value: object = "", **extra) -> None:
        extra.setdefault("severity", "error")
        self.findings.add(
            Finding(
                file=self.path.name,
                sheet=sheet,
                cell=cell,
                value="" if value is None else str(value),
                message=message,
                **extra,
            )
        )

    def columns(self, ws, theme: str) -> tuple[dict[str, int], list[tuple[int, str]]]:
        """Map the header keys of row 2: fixed/info columns, and the code columns."""
        header = next(ws.iter_rows(min_row=2, max_row=2, values_only=True), ())
        theme_codes = set(self.frame.loc[self.frame["theme"] == theme, "code_id"])
        columns: dict[str, int] = {}
        code_columns: list[tuple[int, str]] = []
        for index, key in enumerate(header):
            key = "" if key is None else str(key).strip()
            if key in FIXED or key in INFO or key == NONE:
                columns[key] = index
            elif key in theme_codes:
                code_columns.append((index, key))
            else:
                filled = sum(
                    1
                    for r in ws.iter_rows(min_row=3, values_only=True)
                    if index < len(r) and r[index] is not None
                )
                if key or filled:
                    self.add(
                        ws.title,
                        f"{column_letter(index)}2",
                        f"La colonna «{key}» non è un codice del tema {ws.title} nel piano "
                        f"di codifica: {filled} valori non letti.",
                        value=key,
                        suggestion="Rinominarla con un codice del piano o spostare "
                        "i valori nella colonna giusta.",
                    )
        return columns, code_columns

    def row(self, sheet, row, values, columns, code_columns, seen) -> None:
        """Read one segment row: check the id and the text, collect its decisions."""
        seg_id = str(values[columns["segment_id"]] or "").strip()
        marked = [code for index, code in code_columns if _cell_flag(values[index]) == 1]
        id_cell = f"{column_letter(columns['segment_id'])}{row}"
        theme = next(t for t in THEMES if THEME_LABELS[t] == sheet)
        if seg_id not in self.known.index or self.known.at[seg_id, "theme"] != theme:
            self.add(
                sheet,
                id_cell,
                f"Segmento sconosciuto: la riga {row} non è stata letta.",
                value=seg_id or "(vuoto)",
                suggestion="Ripristinare l'identificativo "
                f"originale; codici segnati: {', '.join(marked) or 'nessuno'}.",
            )
            return
        if seg_id in seen:
            self.add(
                sheet,
                id_cell,
                f"Segmento ripetuto: la riga {row} non è stata letta.",
                value=seg_id,
                suggestion=f"Codici segnati: {', '.join(marked) or 'nessuno'}.",
            )
            return
        seen.add(seg_id)
        self.n_rows += 1
        seg = self.known.loc[seg_id]
        where = {"question": seg["question"], "district": str(seg["district_id"])}
        if "text" in columns:
            text = values[columns["text"]]
            shown = seg.get("display_text")  # written unpseudonymised: the typed text
            if fingerprint(str(text or "")) != seg["fingerprint"] and text != shown:
                self.add(
                    sheet,
                    f"{column_letter(columns['text'])}{row}",
                    "Il testo del segmento è "
                    "stato modificato: le decisioni valgono per il testo originale.",
                    value=text,
                    severity="warning",
                    **where,
                )
        flags = {code: _cell_flag(values[index]) for index, code in code_columns}
        none = _cell_flag(values[columns[NONE]]) if NONE in columns else None
        if all(flag is None for flag in flags.values()) and none is None:
            self.uncoded.append(seg_id)
            self.uncoded_rows.append(row)
            return
        self._decide(sheet, row, seg, flags, none, code_columns, where)

    def _decide(self, sheet, row, seg, flags, none, code_columns, where) -> None:
        """Turn the flags of a coded row into decisions (empty = 0), reporting bad values."""
        if none not in (None, 0, 1):
            self.add(
                sheet,
                f"{column_letter(self.none_column)}{row}",
                "Valore non ammesso in «Nessun codice»: usare 1 oppure lasciare vuoto.",
                value=none,
                **where,
            )
        if none == 1 and 1 in flags.values():
            self.add(
                sheet,
                f"{column_letter(self.none_column)}{row}",
                "«Nessun codice» segnato insieme a dei codici: valgono i codici segnati.",
                value=", ".join(c for c, f in flags.items() if f == 1),
                suggestion="Togliere l'1 da «Nessun codice» o dai codici.",
                **where,
            )
        columns = dict((code, index) for index, code in code_columns)
        for code, flag in flags.items():
            if isinstance(flag, str):
                self.add(
                    sheet,
                    f"{column_letter(columns[code])}{row}",
                    f"Valore non ammesso per {code}: usare 1 (o 0) oppure lasciare vuoto.",
                    value=flag,
                    **where,
                )
                flag = pd.NA
            value = 0 if flag is None else flag
            self.rows.append((*(seg[k] for k in KEYS), seg["fingerprint"], code, value, self.coder))

    def sheet(self, ws, theme: str, expected: pd.DataFrame) -> None:
        """Read one theme sheet, then report its empty rows and its missing segments."""
        columns, code_columns = self.columns(ws, theme)
        if "segment_id" not in columns:
            self.add(ws.title, "A2", "Manca la colonna segment_id: il foglio non si può leggere.")
            return
        self.none_column = columns.get(NONE, 0)
        self.uncoded_rows: list[int] = []
        seen: set[str] = set()
        for row, values in enumerate(
            ws.iter_rows(min_row=HEADER_ROWS + 1, values_only=True), start=HEADER_ROWS + 1
        ):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            self.row(ws.title, row, values, columns, code_columns, seen)
        if self.uncoded_rows:
            first = min(index for index, _ in code_columns) if code_columns else 0
            last = max(columns.get(NONE, 0), *(index for index, _ in code_columns), first)
            row = self.uncoded_rows[0]
            self.add(
                ws.title,
                f"{column_letter(first)}{row}:{column_letter(last)}{row}",
                f"{len(self.uncoded_rows)} righe non compilate (nessun codice e nessun "
                f"«Nessun codice»): righe {_ranges(self.uncoded_rows)}. Restano da "
                "codificare: non valgono 0.",
                value=len(self.uncoded_rows),
                severity="warning",
                suggestion="Segnare 1 nei codici che si applicano o in «Nessun codice».",
            )
        for seg_id in expected["segment_id"]:
            if seg_id not in seen:
                self.add(
                    ws.title,
                    "",
                    "Riga del segmento mancante: nessuna decisione letta.",
                    value=seg_id,
                    severity="warning",
                )


def _ranges(rows: list[int]) -> str:
    """Return ``3, 5-7, 9`` for rows 3, 5, 6, 7, 9.

    Examples
    --------
    >>> _ranges([3, 5, 6, 7, 9])
    '3, 5-7, 9'
    """
    parts: list[str] = []
    start = prev = rows[0]
    for row in [*rows[1:], None]:
        if row is not None and row == prev + 1:
            prev = row
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if row is not None:
            start = prev = row
    return ", ".join(parts)


def read_coder_workbook(
    path: str | Path, segments: pd.DataFrame, frame: pd.DataFrame, *, coder: str | None = None
) -> CoderReading:
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
    A `CoderReading` (unpacks as ``decisions, findings``). ``decisions`` has one row per
    (coded segment, code column of the frame): ``value`` 1 or 0 (an empty cell of a coded
    row), missing where the cell held something else. Rows left empty give no decision and
    are listed in ``uncoded`` and in one warning per sheet naming the rows. Findings also
    report a column that is not a code of the sheet's theme, a value other than 1/0/empty,
    an unknown or repeated segment id, a changed text, a missing row or sheet.
    """
    path = Path(path)
    wb = open_workbook(path, "Cartella del codificatore")
    meta = dict(wb[META_SHEET].iter_rows(values_only=True)) if META_SHEET in wb else {}
    reader = _Reader(path, segments, frame, coder or str(meta.get("coder") or "coder_a"))
    if coder is None and not meta:
        reader.add(
            META_SHEET,
            "",
            "Foglio _meta mancante: il codificatore è preso come coder_a.",
            severity="warning",
        )
    listed: dict[str, set[str]] | None = None
    if SEGMENTS_SHEET in wb:  # the segments the workbook was written with
        listed = {}
        for sheet_name, seg_id in wb[SEGMENTS_SHEET].iter_rows(max_col=2, values_only=True):
            listed.setdefault(str(sheet_name), set()).add(str(seg_id))
    for theme in THEMES:
        sheet = THEME_LABELS[theme]
        expected = segments[segments["theme"] == theme]
        if listed is not None:
            expected = expected[expected["segment_id"].isin(listed.get(sheet, set()))]
        if sheet not in wb:
            if len(expected):
                reader.add(
                    sheet, "", f"Foglio «{sheet}» mancante: {len(expected)} segmenti non letti."
                )
            continue
        reader.sheet(wb[sheet], theme, expected)
    decisions = pd.DataFrame(reader.rows, columns=list(DECISION_COLUMNS))
    decisions["value"] = decisions["value"].astype("Int64")
    decisions = decisions.sort_values(["segment_id", "code_id"], ignore_index=True)
    uncoded = tuple(sorted(reader.uncoded))
    return CoderReading(decisions, reader.findings, reader.coder, reader.n_rows, uncoded, path.name)
