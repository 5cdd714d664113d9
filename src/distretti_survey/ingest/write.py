"""Write what ingest found: findings (csv and formatted xlsx), tidy tables, accounting."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from distretti_survey.csv_io import write_csv
from distretti_survey.findings import COLUMNS

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
    out.mkdir(parents=True, exist_ok=True)
    written = [
        _write_findings_csv(result.findings, out / "findings.csv"),
        _write_findings_xlsx(result.findings, out / "findings.xlsx"),
    ]
    for name in PUBLIC_TABLES:
        table = getattr(result.data, name)
        path = out / f"{name}.csv"
        write_csv(table, path, date_format="%Y-%m-%d")
        written.append(path)
    accounting = out / "accounting.json"
    payload = {"wave": result.wave, "synthetic": result.synthetic, **result.accounting.to_dict()}
    accounting.write_text(
        json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    written.append(accounting)
    return written


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
