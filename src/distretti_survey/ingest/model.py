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

    ``contacts`` holds the PII fields and must never reach an output. ``repeats`` holds one
    table per repeat group of the questionnaire, keyed by the repeat's name (one row per repeat
    row: the keys, ``row`` numbered from 1 within the interview, ``parent_row`` for a repeat
    nested in another, then the repeat's questions); ``interventions`` is the table of the main
    repeat (``FormSpec.main_repeat``: the one named ``interventions``, else the first).
    """

    interviews: pd.DataFrame
    contacts: pd.DataFrame
    interventions: pd.DataFrame
    multi: pd.DataFrame
    likert: pd.DataFrame
    open_answers: pd.DataFrame
    repeats: dict[str, pd.DataFrame] = field(default_factory=dict)


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
class RowsLost:
    """Rows of a file that were read but became no interview or repeat row of the data.

    ``what`` is ``"interview"``, the name of a repeat, or ``""`` when the table could not be
    recognised (so it is not known what the rows held). ``rows`` are Excel row numbers.
    """

    file: str
    sheet: str
    rows: tuple[int, ...]
    what: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """Return JSON-ready data, the rows as ranges (``"3-7, 9"``)."""
        return {
            "file": self.file,
            "sheet": self.sheet,
            "rows": row_ranges(self.rows),
            "count": len(self.rows),
            "what": self.what,
            "reason": self.reason,
        }


def row_ranges(rows: tuple[int, ...] | list[int]) -> str:
    """Return row numbers as compact ranges.

    Examples
    --------
    >>> row_ranges([3, 4, 5, 9, 11, 12])
    '3-5, 9, 11-12'
    """
    out: list[str] = []
    for r in sorted(set(rows)):
        if out and r == int(out[-1].rpartition("-")[2]) + 1:
            out[-1] = f"{out[-1].partition('-')[0]}-{r}"
        else:
            out.append(str(r))
    return ", ".join(out)


@dataclass(frozen=True)
class RepeatCount:
    """Rows of one repeat group: read, accepted (in the tidy table) and rejected, with why."""

    read: int
    accepted: int
    rejected: tuple[RowsLost, ...] = ()

    @property
    def rejected_count(self) -> int:
        """Return how many rows were rejected."""
        return sum(len(r.rows) for r in self.rejected)


@dataclass(frozen=True)
class Accounting:
    """What was read and what became of it: ``read == len(accepted) + len(rejected)``.

    ``files_failed`` maps a file that could not be read to the reason; such a file yields no
    interview, so it counts among the files but not among the interviews read. ``blank_rows``
    are rows (or workbooks) with nothing but the pre-filled district: not interviews, so not
    among the interviews read either. ``repeats`` counts the rows of every repeat group the
    same way (read == accepted + rejected, each rejected row listed with file, sheet, row and
    reason). ``rows_not_read`` lists rows of sheets whose table could not be located or that
    match nothing in the questionnaire: every one of them has an error finding.
    """

    files: tuple[str, ...]
    files_failed: tuple[tuple[str, str], ...]
    read: int
    accepted: tuple[str, ...]
    rejected: tuple[Rejection, ...]
    ignored: tuple[str, ...] = field(default_factory=tuple)
    blank_rows: tuple[BlankRow, ...] = field(default_factory=tuple)
    repeats: dict[str, RepeatCount] = field(default_factory=dict)
    rows_not_read: tuple[RowsLost, ...] = field(default_factory=tuple)
    redaction: dict[str, int] = field(default_factory=dict)
    """What the redaction of personal data took out of the open answers (counts, no values)."""

    @property
    def balanced(self) -> bool:
        """Return True when every interview and repeat row read is accepted or rejected."""
        return self.read == len(self.accepted) + len(self.rejected) and all(
            c.read == c.accepted + c.rejected_count for c in self.repeats.values()
        )

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
            "repeats": {
                name: {
                    "read": c.read,
                    "accepted": c.accepted,
                    "rejected": c.rejected_count,
                    "rejected_rows": [r.to_dict() for r in c.rejected],
                }
                for name, c in self.repeats.items()
            },
            "repeat_rows_read": sum(c.read for c in self.repeats.values()),
            "repeat_rows_accepted": sum(c.accepted for c in self.repeats.values()),
            "repeat_rows_rejected": sum(c.rejected_count for c in self.repeats.values()),
            "rows_not_read": [r.to_dict() for r in self.rows_not_read],
            "redaction": dict(sorted(self.redaction.items())),
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
    #: repeat name -> its label in the questionnaire's first language, for messages
    repeat_labels: dict[str, str] = field(default_factory=dict)
    unredacted: SurveyData | None = None
    """The data before ``privacy`` redacted the open answers (set by ``pipeline.load_wave``):
    in memory only, for ``code --no-pseudonymise``; never written anywhere."""
