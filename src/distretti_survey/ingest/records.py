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
class RepeatRow:
    """One row of a repeat group as read: its cells, where it was, and its parent row.

    ``parent`` is the position (0-based) of the row of the enclosing repeat it belongs to, in
    that repeat's list of the same interview; None for a repeat at the top of the form.
    """

    cells: dict[str, RawCell]
    sheet: str = ""
    row: int | None = None
    parent: int | None = None


@dataclass
class RawInterview:
    """One interview as read from a file, before any value is checked.

    ``answers`` maps a question name (``question/option`` for a ticked-box row or 0/1 column of
    a select_multiple) to its cell; ``repeats`` maps each repeat group of the questionnaire to
    its rows. ``labels_expected`` is True for the data-entry workbooks, whose dropdowns hold the
    Italian labels, and for exports downloaded with labels; False where codes are expected.
    ``machine`` is True for exports written by a program (KoboToolbox, ODK), whose numbers and
    dates follow machine rules, not Italian typing habits.
    """

    file: str
    source: str
    answers: dict[str, RawCell] = field(default_factory=dict)
    repeats: dict[str, list[RepeatRow]] = field(default_factory=dict)
    meta: dict[str, RawCell] = field(default_factory=dict)
    labels_expected: bool = False
    #: a cell whose problem makes the interview unusable even if the district is known
    fatal: str = ""
    #: the row of a master workbook or export (1-based, as Excel shows it); None for a workbook
    row: int | None = None
    machine: bool = False

    def add_repeat_row(self, repeat: str, row: RepeatRow) -> int:
        """Append a repeat row and return its position in that repeat's list."""
        rows = self.repeats.setdefault(repeat, [])
        rows.append(row)
        return len(rows) - 1

    def repeat_count(self) -> int:
        """Return the number of repeat rows of every repeat."""
        return sum(len(rows) for rows in self.repeats.values())

    def has_answers(self) -> bool:
        """Return True when a question besides the pre-filled district has an answer."""
        return any(
            not is_blank(cell.value) for name, cell in self.answers.items() if name not in PREFILLED
        )

    def is_empty(self) -> bool:
        """Return True when nothing but the pre-filled district is there: not an interview."""
        return not self.repeat_count() and not self.has_answers()

    def district_cell(self) -> RawCell:
        """Return the cell holding the district id: the answer, else the ``_meta`` value."""
        cell = self.answers.get("district_id")
        if cell is not None and str(cell.value or "").strip():
            return cell
        return self.meta.get("district_id", cell or RawCell(""))
