"""Result objects of the ingest stage: SurveyData, accounting of what was read, IngestResult."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from distretti_survey.findings import Findings

#: Tables of SurveyData in the order they are written; ``contacts`` is PII and never written.
TABLES = ("interviews", "contacts", "interventions", "multi", "likert", "open_answers")
PUBLIC_TABLES = tuple(t for t in TABLES if t != "contacts")
KEYS = ["interview_id", "wave", "district_id"]


@dataclass(frozen=True)
class SurveyData:
    """The tidy tables of one wave; every table has ``interview_id``, ``wave``, ``district_id``.

    ``contacts`` holds the PII fields and must never reach an output.
    """

    interviews: pd.DataFrame
    contacts: pd.DataFrame
    interventions: pd.DataFrame
    multi: pd.DataFrame
    likert: pd.DataFrame
    open_answers: pd.DataFrame


@dataclass(frozen=True)
class Rejection:
    """An interview that was read but not accepted, and why (in Italian)."""

    source: str
    district_id: str
    reason: str


@dataclass(frozen=True)
class BlankRow:
    """A master/export row or a workbook with no answer besides the pre-filled district.

    Such a row is a district not (yet) interviewed, not an empty interview: it is not read as
    an interview, and is listed so that nothing disappears silently. ``row`` is the row as
    Excel shows it (None for a whole per-district workbook).
    """

    file: str
    sheet: str
    row: int | None
    district_id: str

    def where(self) -> str:
        """Return where it is, e.g. ``master.xlsx, interviste, riga 3``."""
        parts = [self.file, self.sheet, f"riga {self.row}" if self.row else ""]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class Accounting:
    """What was read and what became of it: ``read == len(accepted) + len(rejected)``.

    ``files_failed`` maps a file that could not be read to the reason; such a file yields no
    interview, so it counts among the files but not among the interviews read. ``blank_rows``
    are rows (or workbooks) with nothing but the pre-filled district: not interviews, so not
    among the interviews read either.
    """

    files: tuple[str, ...]
    files_failed: tuple[tuple[str, str], ...]
    read: int
    accepted: tuple[str, ...]
    rejected: tuple[Rejection, ...]
    ignored: tuple[str, ...] = field(default_factory=tuple)
    blank_rows: tuple[BlankRow, ...] = field(default_factory=tuple)

    @property
    def balanced(self) -> bool:
        """Return True when every interview read is either accepted or rejected."""
        return self.read == len(self.accepted) + len(self.rejected)

    def to_dict(self) -> dict[str, Any]:
        """Return the accounting as plain JSON-ready data (sorted, so byte-stable)."""
        return {
            "files_read": len(self.files),
            "files": list(self.files),
            "files_failed": [{"file": f, "reason": r} for f, r in self.files_failed],
            "files_ignored": list(self.ignored),
            "blank_rows": [
                {"file": b.file, "sheet": b.sheet, "row": b.row, "district_id": b.district_id}
                for b in self.blank_rows
            ],
            "interviews_read": self.read,
            "accepted": len(self.accepted),
            "rejected": len(self.rejected),
            "accepted_ids": list(self.accepted),
            "rejected_interviews": [
                {"source": r.source, "district_id": r.district_id, "reason": r.reason}
                for r in self.rejected
            ],
            "balanced": self.balanced,
        }


@dataclass(frozen=True)
class IngestResult:
    """What ``read_wave`` returns: the tidy data, every finding, and the accounting."""

    data: SurveyData
    findings: Findings
    accounting: Accounting
    wave: int | None = None
    synthetic: bool = False
