"""Read filled workbooks, a master workbook or a Kobo/ODK export into SurveyData plus findings.

``read_wave(path, instrument, registry)`` reads a folder of per-district workbooks (or a
wave folder holding ``interviews/``), a master workbook, or an export, checks every value in
one pass and returns an :class:`IngestResult`; ``write_outputs`` writes the findings, the tidy
tables (never the contacts) and the accounting.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from distretti_survey.findings import Finding, Findings
from distretti_survey.ingest.model import (
    Accounting,
    BlankRow,
    IngestResult,
    Rejection,
    RepeatCount,
    RowsLost,
    SurveyData,
    row_ranges,
)
from distretti_survey.ingest.write import write_outputs

__all__ = [
    "Accounting",
    "BlankRow",
    "IngestResult",
    "Rejection",
    "RepeatCount",
    "RowsLost",
    "SurveyData",
    "read_wave",
    "write_outputs",
]


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while reading.

    Reading builds a few objects per cell, none of them in reference cycles; the collector's
    repeated passes over them made large waves grow faster than linearly.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_wave(path: str | os.PathLike[str], instrument: Any, registry: Any = None) -> IngestResult:
    """Read and validate every interview of one wave.

    Parameters
    ----------
    path
        A folder of per-district workbooks, a wave folder with ``interviews/``, or one file
        (master workbook, Kobo/ODK export in xlsx or csv, or one district's workbook).
    instrument
        The questionnaire of the wave (``instrument.load_instrument``).
    registry
        The district registry (``registry.load_registry``); None skips the registry check.

    Returns
    -------
    The tidy tables, all findings, and the accounting of what was read.

    Raises
    ------
    InputError
        When ``path`` does not exist or holds no interview file.
    """
    from distretti_survey.ingest.spec import form_spec

    with _gc_paused():
        return _read_wave(Path(path), form_spec(instrument), registry)


def _open(file, name: str):
    """Open one input file (an ``guard.InputFile``): an ODK Central zip or a workbook/CSV."""
    from distretti_survey.ingest.book import open_book
    from distretti_survey.ingest.exports import open_odk_zip

    if file.path.suffix.lower() == ".zip":
        return open_odk_zip(file.path, name, file.root)
    return open_book(file.path, name, file.root)


def _read_file(book, spec: Any, findings: Findings, lost: list) -> list | None:
    """Read one opened file into raw interviews; None when it is no known kind of file."""
    from distretti_survey.ingest.exports import csv_finding
    from distretti_survey.ingest.wide import is_wide_book, read_wide_book
    from distretti_survey.ingest.workbook import is_district_book, read_district_book

    if not book.is_csv and "interviste" not in book.sheets and is_district_book(book):
        raw, found, gone = read_district_book(book, spec)
        findings.extend(found)
        lost.extend(gone)
        return [raw]
    if is_wide_book(book, spec):
        raws, found, gone = read_wide_book(book, spec)
        note = csv_finding(book, bool(spec.repeats)) if book.is_csv else None
        findings.extend([note] if note else [])
        findings.extend(found)
        lost.extend(gone)
        return raws
    return None


def _read_wave(path: Path, spec: Any, registry: Any) -> IngestResult:
    from distretti_survey.ingest.book import BookError
    from distretti_survey.ingest.guard import ignored_findings, list_inputs
    from distretti_survey.ingest.validate import build_tables, check_interview

    files, ignored, _ = list_inputs(path)
    findings = Findings(ignored_findings(ignored))
    raws = []
    failed: list[tuple[str, str]] = []
    lost: list = []  # model.RowsLost: rows of a sheet that could not be read
    for file in files:
        name = file.name
        try:
            book = _open(file, name)
        except BookError as exc:
            failed.append((name, str(exc)))
            findings.add(
                Finding(
                    file=name,
                    severity="error",
                    message=f"File non letto: {exc}.",
                    suggestion="Aprire il file in Excel e salvarlo come .xlsx.",
                )
            )
            continue
        findings.extend(book.findings)
        try:
            more = _read_file(book, spec, findings, lost)
        except Exception as exc:  # one odd file must not stop the others
            unexpected = _unexpected(name, exc)
            findings.add(unexpected)
            failed.append((name, unexpected.message))
            continue
        if more is None:
            failed.append((name, _unrecognised(book, findings, lost)))
            continue
        raws.extend(more)
    # A row with only the pre-filled district is a district not interviewed, not an interview.
    blank = [_blank_row(raw) for raw in raws if raw.is_empty()]
    raws = [raw for raw in raws if not raw.is_empty()]
    districts, reasons = _districts(raws, spec, registry, findings)
    accepted, rejected = [], []
    for raw, district, reason in zip(raws, districts, reasons, strict=True):
        if reason:
            rejected.append(Rejection(raw.source, district, reason))
            continue
        values, rows, found = check_interview(raw, spec, district)
        findings.extend(found)
        accepted.append((district, raw, values, rows))
    accepted.sort(key=lambda item: item[0])
    data = build_tables(spec.wave, spec, accepted)
    accounting = Accounting(
        files=tuple(f.name for f in files),
        files_failed=tuple(failed),
        read=len(raws),
        accepted=tuple(data.interviews["interview_id"]),
        rejected=tuple(rejected),
        ignored=tuple(f"{i.name} ({i.reason})" for i in ignored),
        blank_rows=tuple(blank),
        repeats=_repeat_counts(spec, raws, reasons, data, lost),
        rows_not_read=tuple(r for r in lost if r.what not in spec.repeats),
    )
    labels = {name: next(iter(r.labels), "") or name for name, r in spec.repeats.items()}
    return IngestResult(
        data, findings, accounting, wave=spec.wave, synthetic=spec.synthetic, repeat_labels=labels
    )


def _unrecognised(book: Any, findings: Findings, lost: list) -> str:
    """Report a file that is no known kind, with every row it holds; return the reason."""
    from distretti_survey.ingest.columns import content_rows
    from distretti_survey.ingest.model import RowsLost

    reason = "nessun foglio riconosciuto (né modello per distretto, né master, né export)"
    rows = [(s, content_rows(r)) for s, r in book.sheets.items()]
    where = "; ".join(f"{s}: righe {row_ranges(c)}" for s, c in rows if c)
    lost.extend(RowsLost(book.name, s, c, "", "file non riconosciuto") for s, c in rows if c)
    findings.add(
        Finding(
            file=book.name,
            severity="error",
            message=f"File non riconosciuto: {reason}"
            + (f"; non lette: {where}." if where else "."),
            suggestion="Usare i modelli generati dal pacchetto "
            "o un export con la colonna district_id.",
        )
    )
    return reason


def _districts(
    raws: list, spec: Any, registry: Any, findings: Findings
) -> tuple[list[str], list[str]]:
    """Return each interview's district and rejection reason ("" when usable)."""
    from distretti_survey.ingest.districts import duplicate_groups, normalise_district
    from distretti_survey.ingest.exports import review_exclusions, review_notes

    known, names = None, {}
    if registry is not None and spec.wave is not None:
        table = registry.districts(spec.wave)
        known = list(table["district_id"])
        names = dict(zip(table["district_id"], table["district_name"], strict=True))
    districts, reasons = [], []
    for raw in raws:
        district, found, reason = normalise_district(raw, known, names)
        findings.extend(found)
        districts.append(district)
        reasons.append(reason)
        _check_meta(raw, spec, district, findings)
    # not approved or replaced submissions leave before duplicates are looked for
    excluded = review_exclusions(raws, districts)
    for i, finding in excluded.items():
        findings.add(finding)
        reasons[i] = reasons[i] or finding.message.removeprefix("Compilazione esclusa: ")[:-1]
    findings.extend(review_notes(raws, districts, excluded))
    usable = ["" if i in excluded else d for i, d in enumerate(districts)]
    for positions in duplicate_groups(usable).values():
        for i in positions:
            others = ", ".join(raws[j].source for j in positions if j != i)
            cell = raws[i].district_cell()
            findings.add(
                Finding(
                    file=raws[i].file,
                    sheet=cell.sheet,
                    cell=cell.cell,
                    district=districts[i],
                    question="district_id",
                    value=districts[i],
                    severity="error",
                    message=f"Intervista duplicata per il distretto {districts[i]} (anche in "
                    f"{others}): scartate tutte le copie.",
                    suggestion="Tenere una sola intervista per distretto e rilanciare.",
                )
            )
            reasons[i] = reasons[i] or f"duplicata (anche in {others})"
    return districts, reasons


def _repeat_counts(spec: Any, raws: list, reasons: list[str], data, lost: list) -> dict:
    """Count the rows of every repeat: read, accepted, rejected with file, sheet and rows."""
    from distretti_survey.ingest.model import RepeatCount, RowsLost

    out = {}
    for repeat in spec.repeats:
        rejected = [r for r in lost if r.what == repeat]
        for raw, reason in zip(raws, reasons, strict=True):
            rows = raw.repeats.get(repeat, [])
            if reason and rows:
                by_sheet: dict[str, list[int]] = {}
                for row in rows:
                    by_sheet.setdefault(row.sheet, []).append(row.row or 0)
                rejected.extend(
                    RowsLost(raw.file, sheet, tuple(nums), repeat, f"intervista scartata: {reason}")
                    for sheet, nums in by_sheet.items()
                )
        accepted = len(data.repeats.get(repeat, ()))
        read = accepted + sum(len(r.rows) for r in rejected)
        out[repeat] = RepeatCount(read, accepted, tuple(rejected))
    return out


def _unexpected(name: str, exc: Exception) -> Finding:
    """Return the finding for a file whose content made a reader fail (a bug to report)."""
    return Finding(
        file=name,
        severity="error",
        message=f"File non letto: errore imprevisto durante la lettura ({type(exc).__name__}).",
        suggestion="Controllare il file; se è corretto, segnalare il problema con il file.",
    )


def _blank_row(raw) -> BlankRow:
    from distretti_survey.ingest.values import text_value

    cell = raw.district_cell()
    sheet = cell.sheet if raw.row is not None else ""
    return BlankRow(raw.file, sheet, raw.row, text_value(cell.value).strip())


def _check_meta(raw, spec, district: str, findings: Findings) -> None:
    from distretti_survey.ingest.values import text_value

    for key, expected in (("version", spec.version), ("wave", spec.wave)):
        cell = raw.meta.get(key)
        if cell is None or expected in (None, ""):
            continue
        got = text_value(cell.value).strip()
        if got and got != str(expected):
            findings.add(
                Finding(
                    file=raw.file,
                    sheet=cell.sheet,
                    cell=cell.cell,
                    district=district,
                    question=key,
                    value=got,
                    severity="warning",
                    message=f"Il modello è della versione/rilevazione «{got}», il questionario "
                    f"è «{expected}».",
                    suggestion="Verificare di usare il modello della rilevazione giusta.",
                )
            )
