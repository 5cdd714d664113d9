"""Findings: every problem found in an input, located by file, sheet and cell.

Stages collect findings instead of raising at the first problem, so one pass reports
everything. The CLI decides how to show them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import astuple, dataclass, fields
from typing import Literal

Severity = Literal["error", "warning"]

COLUMNS = (
    "file",
    "sheet",
    "cell",
    "district",
    "question",
    "value",
    "severity",
    "message",
    "suggestion",
)


@dataclass(frozen=True)
class Finding:
    """One problem in an input: where it is, what was found, and how to fix it."""

    file: str = ""
    sheet: str = ""
    cell: str = ""
    district: str = ""
    question: str = ""
    value: str = ""
    severity: Severity = "error"
    message: str = ""
    suggestion: str = ""

    def __post_init__(self) -> None:
        if self.severity not in ("error", "warning"):
            raise ValueError(f"severity must be 'error' or 'warning', not {self.severity!r}")

    def one_line(self) -> str:
        """Return the finding as one line of text for a terminal or a log."""
        where = ", ".join(
            f"{label} {value}"
            for label, value in (
                ("file", self.file),
                ("foglio", self.sheet),
                ("cella", self.cell),
                ("riga", ""),
            )
            if value
        )
        text = f"[{'ERRORE' if self.severity == 'error' else 'avviso'}] "
        text += f"{where}: " if where else ""
        text += self.message
        if self.value:
            text += f" (valore: {self.value!r})"
        if self.suggestion:
            text += f" → {self.suggestion}"
        return text


class Findings:
    """An ordered collection of findings with counts by severity."""

    def __init__(self, items: Iterable[Finding] = ()) -> None:
        self._items: list[Finding] = list(items)

    def add(self, finding: Finding) -> None:
        """Append one finding."""
        self._items.append(finding)

    def extend(self, items: Iterable[Finding]) -> None:
        """Append several findings."""
        self._items.extend(items)

    def report(self, message: str, *, severity: Severity = "error", **where: object) -> Finding:
        """Build a finding from its message and where it is, append it and return it.

        ``where`` takes the other fields of ``Finding`` (file, sheet, cell, district, question,
        value, suggestion); values are written as text.

        >>> found = Findings()
        >>> found.report("Valore mancante.", file="D01.xlsx", cell="C4").one_line()
        '[ERRORE] file D01.xlsx, cella C4: Valore mancante.'
        """
        fields_ = {key: "" if value is None else str(value) for key, value in where.items()}
        finding = Finding(message=message, severity=severity, **fields_)
        self._items.append(finding)
        return finding

    def at(self, **where: object) -> Callable[..., Finding]:
        """Return ``report`` with part of the place (e.g. file and sheet) filled in once."""
        return functools.partial(self.report, **where)

    def __iter__(self) -> Iterator[Finding]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    @property
    def errors(self) -> list[Finding]:
        """Return the findings of severity ``error``."""
        return [f for f in self._items if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        """Return the findings of severity ``warning``."""
        return [f for f in self._items if f.severity == "warning"]

    @property
    def has_errors(self) -> bool:
        """Return True when at least one finding is an error."""
        return any(f.severity == "error" for f in self._items)

    def to_frame(self):
        """Return the findings as a DataFrame with exactly the columns in ``COLUMNS``."""
        import pandas as pd

        return pd.DataFrame([astuple(f) for f in self._items], columns=list(COLUMNS), dtype=str)


assert tuple(f.name for f in fields(Finding)) == COLUMNS  # the CSV contract follows the dataclass
