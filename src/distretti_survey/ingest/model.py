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
class Accounting:
    """What was read and what became of it: ``read == len(accepted) + len(rejected)``.

    ``files_failed`` maps a file that could not be read to the reason; such a file yields no
    interview, so it counts among the files but not among the interviews read.
    """

    files: tuple[str, ...]
    files_failed: tuple[tuple[str, str], ...]
    read: int
    accepted: tuple[str, ...]
    rejected: tuple[Rejection, ...]
    ignored: tuple[str, ...] = field(default_factory=tuple)

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
