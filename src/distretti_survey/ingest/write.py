"""Write what ingest found: findings (csv and formatted xlsx), tidy tables, accounting.

Findings are written errors first (then warnings), each group in the order found. When the
questionnaire itself cannot be loaded, ``write_questionnaire_failure`` writes its findings and
an accounting that says nothing was read, so every run leaves a findings file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from distretti_survey.csv_io import write_csv
from distretti_survey.findings import COLUMNS, Finding

if TYPE_CHECKING:
    from distretti_survey.findings import Findings
    from distretti_survey.ingest.model import IngestResult

_HEADERS_IT = {
    "file": "File",
    "sheet": "Foglio",
    "cell": "Cella",
    "district": "Distretto",
    "question": "Domanda",
    "value": "Valore",
    "severity": "Gravità",
    "message": "Problema",
    "suggestion": "Suggerimento",
}
_WIDTHS = {
    "file": 28,
    "sheet": 14,
    "cell": 9,
    "district": 10,
    "question": 24,
    "value": 24,
    "severity": 10,
    "message": 70,
    "suggestion": 50,
}
_SEVERITY_IT = {"error": "errore", "warning": "avviso"}


def write_outputs(result: IngestResult, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write findings.csv/.xlsx, the tidy tables as CSV (not contacts) and accounting.json.

    The main repeat is ``interventions.csv``; any other repeat group is ``repeat_<name>.csv``.

    Parameters
    ----------
    result
        What ``read_wave`` returned.
    out_dir
        Destination folder, created if missing.

    Returns
    -------
    The paths written, in a fixed order.
    """
    from distretti_survey.ingest.model import PUBLIC_TABLES

    out = Path(out_dir)
    written = write_findings(result.findings, out)
    for name in PUBLIC_TABLES:
        table = getattr(result.data, name)
        path = out / f"{name}.csv"
        write_csv(table, path, date_format="%Y-%m-%d")
        written.append(path)
    for name, table in result.data.repeats.items():  # repeats besides the main one
        if table is not result.data.interventions:
            path = out / f"repeat_{name}.csv"
            write_csv(table, path, date_format="%Y-%m-%d")
            written.append(path)
    accounting = out / "accounting.json"
    payload = {"wave": result.wave, "synthetic": result.synthetic, **result.accounting.to_dict()}
    accounting.write_text(
        json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    written.append(accounting)
    return written


def errors_first(findings: Iterable[Finding]) -> Findings:
    """Return the findings with the errors first, each severity in its original order."""
    from distretti_survey.findings import Findings

    items = list(findings)
    return Findings([f for f in items if f.severity == "error"] + [
        f for f in items if f.severity != "error"])  # fmt: skip


def write_findings(findings: Iterable[Finding], out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write ``findings.csv`` and ``findings.xlsx`` (errors first) into ``out_dir``.

    Returns
    -------
    The two paths written; the folder is created if missing.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ordered = errors_first(findings)
    return [
        _write_findings_csv(ordered, out / "findings.csv"),
        _write_findings_xlsx(ordered, out / "findings.xlsx"),
    ]


def write_questionnaire_failure(
    findings: Iterable[Finding],
    out_dir: str | os.PathLike[str],
    questionnaire: str | os.PathLike[str],
) -> list[Path]:
    """Write the findings of a questionnaire that could not be loaded, and an accounting.

    No interview is read without its questionnaire: ``accounting.json`` says so, with the
    questionnaire's path and the number of its errors, and no tidy table is written.

    Parameters
    ----------
    findings
        What ``instrument.check_instrument`` returned.
    out_dir
        Destination folder, created if missing.
    questionnaire
        The questionnaire's path as the user gave it.

    Returns
    -------
    findings.csv, findings.xlsx and accounting.json, in this order.
    """
    items = list(findings)
    written = write_findings(items, out_dir)
    accounting = Path(out_dir) / "accounting.json"
    payload = {
        "questionnaire": os.fspath(questionnaire),
        "questionnaire_loaded": False,
        "questionnaire_errors": sum(f.severity == "error" for f in items),
        "files_read": 0,
        "interviews_read": 0,
        "accepted": 0,
        "rejected": 0,
        "note": "Questionario non caricato: nessuna intervista letta.",
    }
    accounting.write_text(
        json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return [*written, accounting]


def _write_findings_csv(findings: Findings, path: Path) -> Path:
    return write_csv(findings.to_frame(), path, columns=list(COLUMNS))


def _write_findings_xlsx(findings: Findings, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from distretti_survey.xlsx_io import print_setup, safe_text, stable_save

    wb = Workbook()
    ws = wb.active
    ws.title = "segnalazioni"
    ws.append([_HEADERS_IT[c] for c in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDDDDD")
    error_fill = PatternFill("solid", fgColor="F8CBAD")
    for finding in findings:
        row = [getattr(finding, c) for c in COLUMNS]
        row[COLUMNS.index("severity")] = _SEVERITY_IT[finding.severity]
        ws.append([safe_text(v) for v in row])
        if finding.severity == "error":
            for cell in ws[ws.max_row]:
                cell.fill = error_fill
    for i, column in enumerate(COLUMNS, start=1):
        letter = ws.cell(row=1, column=i).column_letter
        ws.column_dimensions[letter].width = _WIDTHS[column]
        if column in ("message", "suggestion"):
            for cell in ws[letter][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    print_setup(ws, landscape=True, title_rows="1:1")
    ws.auto_filter.ref = f"A1:{ws.cell(row=1, column=len(COLUMNS)).column_letter}{ws.max_row}"
    return stable_save(wb, path)
