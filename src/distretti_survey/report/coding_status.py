"""What the coded figures of a wave rest on: reviewed codes, unreviewed suggestions, simulation.

A coded figure ("coordinamento, 3 di 18 distretti") means something different when two coders
reviewed the codes, when the codes are the rules' automatic suggestions nobody looked at, and
when the coders were simulated on demo data. ``CodingStatus`` says which, with the agreement
figure when there is one, and every output that shows a coded figure prints its ``note``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import pandas as pd

Kind = Literal["reviewed", "partly_reviewed", "unreviewed", "simulated", "none"]
RULE_SOURCE = "rule"
KINDS: tuple[str, ...] = ("reviewed", "partly_reviewed", "unreviewed", "simulated", "none")


@dataclass(frozen=True)
class CodingStatus:
    """How the final codes of a wave were decided.

    Parameters
    ----------
    kind
        ``reviewed`` (every code decided by coders), ``partly_reviewed`` (some codes are
        still rule suggestions), ``unreviewed`` (rule suggestions only), ``simulated`` (coders
        simulated on demo data), ``none`` (no coded answer).
    n_codes, n_rule
        Final codes, and how many of them are unreviewed rule suggestions.
    agreement
        Mean percent agreement of the two coders over the codes (None without two coders).
    n_units
        Segments coded by both coders (the base of ``agreement``).
    """

    kind: Kind
    n_codes: int = 0
    n_rule: int = 0
    agreement: float | None = None
    n_units: int = 0

    @property
    def flag(self) -> str:
        """Return the short flag of indicatori.csv ('' for codes reviewed by two coders)."""
        return {
            "reviewed": "",
            "partly_reviewed": "codici in parte non rivisti",
            "unreviewed": "codici automatici non rivisti",
            "simulated": "codificatori simulati su dati dimostrativi",
            "none": "",
        }[self.kind]

    def note(self, agreement_text: str = "") -> str:
        """Return the Italian sentence printed beside every coded figure.

        ``agreement_text`` is the agreement as printed (e.g. "92%"), so the sentence shows
        the same figure as the indicator table.
        """
        agree = f" (accordo tra i codificatori: {agreement_text})" if agreement_text else ""
        if self.kind == "reviewed":
            return f"Codici rivisti da due codificatori{agree}."
        if self.kind == "partly_reviewed":
            return (
                f"Codici in parte rivisti: {self.n_rule} codici su {self.n_codes} sono "
                f"suggerimenti automatici non ancora rivisti{agree}."
            )
        if self.kind == "unreviewed":
            return (
                "Codici automatici (regole sul testo) non rivisti da alcun codificatore: "
                "indicativi, da verificare."
            )
        if self.kind == "simulated":
            return (
                "Codificatori simulati (dati dimostrativi): i codici e l'accordo"
                f"{' ' + agreement_text if agreement_text else ''} non vengono da "
                "codificatori reali."
            )
        return "Nessuna risposta aperta codificata."


def mean_agreement(agreement: pd.DataFrame | None) -> tuple[float | None, int]:
    """Return the mean percent agreement over the codes and the segments it rests on."""
    if agreement is None or not len(agreement):
        return None, 0
    values = pd.to_numeric(agreement["percent_agreement"], errors="coerce").dropna()
    if values.empty:
        return None, 0
    return float(values.mean()), int(pd.to_numeric(agreement["n_units"]).max())


def coding_status(
    final: pd.DataFrame, agreement: pd.DataFrame | None = None, *, simulated: bool = False
) -> CodingStatus:
    """Describe the final codes of a wave from their ``source`` column and the agreement.

    Parameters
    ----------
    final
        Final codes (``source``: ``rule`` for an unreviewed suggestion, else a coder or
        ``consensus``).
    agreement
        The coders' agreement table (``agreement_by_code``), when two coders coded.
    simulated
        Whether the coders were simulated (the ``code --simulate`` of the demo).
    """
    n_codes = len(final)
    n_rule = int(final["source"].astype(str).eq(RULE_SOURCE).sum()) if n_codes else 0
    value, n_units = mean_agreement(agreement)
    if value is not None and math.isnan(value):
        value = None
    if n_codes == 0:
        kind: Kind = "none"
    elif simulated:
        kind = "simulated"
    elif n_rule == n_codes:
        kind = "unreviewed"
    elif n_rule:
        kind = "partly_reviewed"
    else:
        kind = "reviewed"
    return CodingStatus(kind, n_codes, n_rule, value, n_units)
