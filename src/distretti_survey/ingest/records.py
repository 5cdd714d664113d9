"""What a reader hands to the validator: the raw cells of one interview, with their location."""

from __future__ import annotations

from dataclasses import dataclass, field

from distretti_survey.ingest.values import is_blank

#: Answers a template fills in before the interview: on their own they are not an interview.
PREFILLED = frozenset({"district_id", "district_name"})


@dataclass(frozen=True)
class RawCell:
    """A value as read, and where it was (sheet and Excel cell)."""

    value: object
    sheet: str = ""
    cell: str = ""


@dataclass
class RawInterview:
    """One interview as read from a file, before any value is checked.

    ``answers`` maps a question name (``question/option`` for a ticked-box row or 0/1 column of
    a select_multiple) to its cell; ``interventions`` holds one mapping per repeat row.
    ``labels_expected`` is True for the data-entry workbooks, whose dropdowns hold the Italian
    labels, and False for master workbooks and exports, which hold codes.
    """

    file: str
    source: str
    answers: dict[str, RawCell] = field(default_factory=dict)
    interventions: list[dict[str, RawCell]] = field(default_factory=list)
    meta: dict[str, RawCell] = field(default_factory=dict)
    labels_expected: bool = False
    #: a cell whose problem makes the interview unusable even if the district is known
    fatal: str = ""
    #: the row of a master workbook or export (1-based, as Excel shows it); None for a workbook
    row: int | None = None

    def has_answers(self) -> bool:
        """Return True when a question besides the pre-filled district has an answer."""
        return any(
            not is_blank(cell.value) for name, cell in self.answers.items() if name not in PREFILLED
        )

    def is_empty(self) -> bool:
        """Return True when nothing but the pre-filled district is there: not an interview."""
        return not self.interventions and not self.has_answers()

    def district_cell(self) -> RawCell:
        """Return the cell holding the district id: the answer, else the ``_meta`` value."""
        cell = self.answers.get("district_id")
        if cell is not None and str(cell.value or "").strip():
            return cell
        return self.meta.get("district_id", cell or RawCell(""))
