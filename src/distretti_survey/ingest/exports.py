"""What only platform exports need: ODK Central's zip, review states, resubmissions, CSV notes.

ODK Central's "all data" download (``lib/data/briefcase.js`` of getodk/central-backend) is a zip
with ``<form id>.csv`` (one row per submission, ``KEY`` = the instance id) and one
``<form id>-<repeat>.csv`` per repeat group (``PARENT_KEY`` = the parent's ``KEY``).
KoboToolbox marks each submission with ``_validation_status`` (``validation_status_approved``,
``validation_status_not_approved``, ``validation_status_on_hold``, or the label in the chosen
language); ODK Central with ``ReviewState`` (``approved``, ``hasIssues``, ``rejected``,
``edited``). An edited submission names the one it replaces in ``meta/deprecatedID``.
Not approved and replaced submissions are left out; on hold (Kobo) and with issues (ODK)
ones are read with a warning.
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from distretti_survey.findings import Finding
from distretti_survey.ingest.book import Book, BookError
from distretti_survey.ingest.records import RawInterview
from distretti_survey.ingest.values import fold, is_blank, text_value

#: Folded review states that exclude a submission.
NOT_APPROVED = {"validation status not approved", "not approved", "non approvato", "rejected"}
#: Folded review states of a submission kept but not yet settled (Kobo on hold, ODK issues).
PENDING = {"validation status on hold", "on hold", "in attesa", "hasissues", "has issues"}


def open_odk_zip(path: Path, name: str, root: Path | None = None) -> Book:
    """Read an ODK Central zip export: each CSV becomes a sheet named after its file.

    The zip is untrusted like any input: a regular file inside the wave folder
    (``guard.read_input``), members and sizes within the caps of ``limits.py``, each CSV
    inflated without passing its declared size (``zipscan``).

    Raises
    ------
    BookError
        When the file is not a zip, holds no CSV, or passes a cap.
    """
    from distretti_survey.ingest.guard import read_input
    from distretti_survey.ingest.zipscan import Members, check_declared, check_member_count

    data = read_input(path, root)
    check_member_count(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = sorted(
                (i for i in zf.infolist() if i.filename.lower().endswith(".csv")),
                key=lambda i: i.filename,
            )
            if not infos:
                raise BookError("l'archivio zip non contiene file CSV")
            check_declared(infos)
            members = Members(zf, data)
            sheets = {PurePosixPath(i.filename).stem: _csv_rows(members.whole(i)) for i in infos}
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, zlib.error) as exc:
        raise BookError(f"archivio zip non leggibile ({exc})") from exc
    return Book(name, sheets)


def _csv_rows(data: bytes) -> list[list[object]]:
    text = data.decode("utf-8-sig", errors="replace")
    return [list(row) for row in csv.reader(io.StringIO(text))]


def csv_finding(book: Book, has_repeats: bool) -> Finding | None:
    """Return the warning for a CSV export when the questionnaire has repeat groups."""
    if not has_repeats:
        return None
    header = {text_value(v).strip() for v in next(iter(book.sheets.values()), [[]])[0]}
    odk = "KEY" in header or "SubmissionDate" in header
    instead = (
        "lo ZIP di ODK Central («Scarica tutto»: un CSV per ogni ripetizione)"
        if odk
        else "l'export XLSX di KoboToolbox (con i gruppi ripetuti, un foglio per ripetizione)"
    )
    return Finding(
        file=book.name,
        severity="warning",
        message="Export CSV: il CSV contiene solo la tabella principale, non le ripetizioni "
        "(es. gli interventi), che quindi mancano.",
        suggestion=f"Scaricare invece {instead}.",
    )


def _meta_text(raw: RawInterview, key: str) -> str:
    cell = raw.meta.get(key)
    return "" if cell is None or is_blank(cell.value) else text_value(cell.value).strip()


def review_exclusions(raws: list[RawInterview], districts: list[str]) -> dict[int, Finding]:
    """Return position -> finding for submissions to leave out: not approved or replaced.

    A submission marked not approved (Kobo ``_validation_status``, ODK ``ReviewState``
    ``rejected``) is excluded; one whose instance id another names in ``meta/deprecatedID`` is
    replaced by it. When such a submission shares its district with a kept one, the finding
    says that the kept one replaces it, so the two are not duplicates.
    """
    out: dict[int, Finding] = {}
    ids = {}
    for i, raw in enumerate(raws):
        for key in ("_instance_id", "_uuid", "_key"):
            value = _meta_text(raw, key)
            if value:
                ids[value.removeprefix("uuid:")] = i
    for i, raw in enumerate(raws):
        deprecated = _meta_text(raw, "_deprecated_id").removeprefix("uuid:")
        j = ids.get(deprecated)
        if deprecated and j is not None and j != i:
            out[j] = _finding(
                raws[j], districts[j], f"sostituita dalla versione corretta in {raw.source}"
            )
    for i, raw in enumerate(raws):
        status = _status(raw)
        if i not in out and fold(status) in NOT_APPROVED:
            kept = [
                raws[k].source
                for k, d in enumerate(districts)
                if k != i and d and d == districts[i] and fold(_status(raws[k])) not in NOT_APPROVED
            ]
            why = "non approvata nella piattaforma di raccolta"
            if kept:
                why += f"; sostituita dalla nuova compilazione in {', '.join(kept)}"
            out[i] = _finding(raw, districts[i], why, status)
    return out


def review_notes(raws: list[RawInterview], districts: list[str], excluded) -> list[Finding]:
    """Return a warning for each kept submission whose review is pending (on hold, issues).

    Such a submission is read like any other: the platform has not refused it, but its
    reviewers have not settled it either, so its figures may still change.
    """
    out = []
    for i, raw in enumerate(raws):
        status = _status(raw)
        if i in excluded or fold(status) not in PENDING:
            continue
        out.append(
            _at_submission(
                raw,
                districts[i],
                f"Compilazione letta, ma in revisione nella piattaforma (stato «{status}»): "
                "i suoi dati possono ancora cambiare.",
                "Approvarla o rifiutarla nella piattaforma ed esportare di nuovo prima di "
                "presentare i risultati.",
                status,
            )
        )
    return out


def _status(raw: RawInterview) -> str:
    return _meta_text(raw, "_validation_status") or _meta_text(raw, "_review_state")


def _finding(raw: RawInterview, district: str, why: str, value: str = "") -> Finding:
    return _at_submission(
        raw,
        district,
        f"Compilazione esclusa: {why}.",
        "Se è un errore, cambiare lo stato di convalida nella piattaforma ed esportare di nuovo.",
        value,
    )


def _at_submission(
    raw: RawInterview, district: str, message: str, suggestion: str, value: str = ""
) -> Finding:
    """Return a warning about one submission, at its row of the export."""
    cell = raw.district_cell()
    return Finding(
        file=raw.file,
        sheet=cell.sheet,
        cell=f"A{raw.row}" if raw.row else "",
        district=district,
        value=value,
        severity="warning",
        message=message,
        suggestion=suggestion,
    )
