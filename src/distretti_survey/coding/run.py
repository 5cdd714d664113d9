"""Code one wave's open answers end to end: suggestions, carry-over, coders, final codes.

``code_wave`` is pure (DataFrames in, a ``CodingResult`` out); ``write_coding`` writes the
tables and the coder workbooks. Human decisions come from filled coder workbooks read back
with ``workbooks.read_coder_workbook``; on the synthetic demo they can be simulated instead,
and every output then says so.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from distretti_survey.coding.decisions import (
    carry_over,
    decisions_from_suggestions,
    empty_decisions,
    final_codes,
    simulate_second_coder,
)
from distretti_survey.coding.suggest import Suggester, split_segments
from distretti_survey.findings import Findings

DECISIONS_FILE = "decisions.csv"


@dataclass(frozen=True)
class CodingResult:
    """Everything the coding of one wave produced."""

    segments: pd.DataFrame
    suggestions: pd.DataFrame
    decisions: pd.DataFrame
    """Human (or simulated) decisions, reused ones included, keyed by fingerprint."""
    final: pd.DataFrame
    agreement: pd.DataFrame | None
    counts: dict[str, int]
    simulated: bool
    findings: Findings = field(default_factory=Findings)

    @property
    def needs_coding(self) -> pd.DataFrame:
        """Return the segments with no human decision yet."""
        decided = set(self.decisions["segment_id"])
        return self.segments[~self.segments["segment_id"].isin(decided)]


def code_wave(
    open_answers: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    earlier_decisions: pd.DataFrame | None = None,
    coder_decisions: Sequence[pd.DataFrame] = (),
    simulate_seed: int | None = None,
    flip: float = 0.1,
) -> CodingResult:
    """Suggest codes, reuse earlier decisions, add coders' decisions, and reconcile.

    Parameters
    ----------
    open_answers
        The ``open_answers`` table of the ingest.
    frame
        The coding frame.
    earlier_decisions
        Decisions of earlier waves: unchanged answers (same fingerprint and question) reuse them.
    coder_decisions
        Decisions read back from filled coder workbooks (any coders, consensus included).
    simulate_seed
        For the synthetic demo only: simulate coder A (accepts the suggestions) and coder B
        (flips each decision with probability ``flip``) on the segments no one has coded.
    """
    import numpy as np

    segments = split_segments(open_answers)
    suggestions = Suggester(frame).suggest(segments)
    reused, needs = carry_over(
        segments, empty_decisions() if earlier_decisions is None else earlier_decisions
    )
    parts = [reused, *coder_decisions]
    decided = set(pd.concat(parts)["segment_id"]) if any(len(p) for p in parts) else set()
    agreement = None
    simulated = simulate_seed is not None
    if simulated:
        todo = needs[~needs["segment_id"].isin(decided)]
        todo_sugg = suggestions[suggestions["segment_id"].isin(todo["segment_id"])]
        coder_a = decisions_from_suggestions(todo_sugg, todo, frame, coder="coder_a")
        coder_b = simulate_second_coder(coder_a, np.random.default_rng(simulate_seed), flip)
        parts += [coder_a, coder_b]
        if len(coder_a):
            from distretti_survey.coding.outputs import coder_agreement

            agreement = coder_agreement(coder_a, coder_b, frame)
    elif len(coder_decisions) >= 2:
        from distretti_survey.coding.outputs import coder_agreement

        agreement = coder_agreement(coder_decisions[0], coder_decisions[1], frame)
    non_empty = [p for p in parts if len(p)]
    decisions = pd.concat(non_empty, ignore_index=True) if non_empty else empty_decisions()
    final = final_codes(suggestions, decisions)
    counts = {
        "answers": len(open_answers),
        "segments": len(segments),
        "suggestions": len(suggestions),
        "segments_reused": reused["segment_id"].nunique(),
        "segments_to_code": len(needs),
        "final_codes": len(final),
    }
    return CodingResult(segments, suggestions, decisions, final, agreement, counts, simulated)


def read_decisions(path: str | Path) -> pd.DataFrame:
    """Read a ``decisions.csv`` written by ``write_coding`` (for carry-over to a later wave)."""
    from distretti_survey.errors import InputError

    path = Path(path)
    if not path.is_file():
        raise InputError(f"File delle decisioni di codifica non trovato: {path}")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype("Int64")
    frame["wave"] = pd.to_numeric(frame["wave"], errors="coerce").astype("Int64")
    return frame


def write_coding(
    result: CodingResult,
    frame: pd.DataFrame,
    out_dir: str | Path,
    *,
    districts: list[str] | None = None,
    workbooks: bool = True,
) -> list[Path]:
    """Write the coding tables (CSV), the counts, the analysis outputs and the workbooks.

    Besides segments, suggestions, decisions and final codes: code frequencies ("k of N
    districts", N = ``len(districts)``), the district x code 0/1 matrix, code co-occurrence,
    illustrative quotes (contacts scrubbed, no district), the disagreements workbook when two
    coders decided, and blank coder workbooks for what is left: coder A's shows the
    suggestions, coder B's is blind.
    """
    from distretti_survey.coding.outputs import (
        code_cooccurrence,
        code_frequencies,
        district_code_matrix,
        illustrative_quotes,
    )
    from distretti_survey.coding.workbooks import write_coder_workbook, write_disagreements
    from distretti_survey.csv_io import write_csv

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    tables = {
        "segments.csv": result.segments,
        "suggestions.csv": result.suggestions,
        DECISIONS_FILE: result.decisions,
        "final_codes.csv": result.final,
    }
    if result.agreement is not None:
        tables["agreement.csv"] = result.agreement
    districts = sorted(districts or set(result.segments["district_id"]))
    final = result.final
    tables["frequenze_codici.csv"] = code_frequencies(final, frame, n_districts=len(districts))
    tables["matrice_distretti_codici.csv"] = district_code_matrix(
        final, frame, districts=districts
    ).reset_index()
    tables["cooccorrenze_codici.csv"] = code_cooccurrence(final, frame).reset_index()
    tables["citazioni.csv"] = illustrative_quotes(final, result.segments, frame)
    for name, table in tables.items():
        path = out / name
        write_csv(table, path)
        written.append(path)
    counts = {**result.counts, "simulated_coders": result.simulated}
    (out / "counts.json").write_text(
        json.dumps(counts, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    written.append(out / "counts.json")
    by_coder = dict(tuple(result.decisions.groupby("coder")))
    if {"coder_a", "coder_b"} <= by_coder.keys():
        written.append(
            write_disagreements(
                by_coder["coder_a"],
                by_coder["coder_b"],
                result.segments,
                out / "disaccordi.xlsx",
                frame,
            )
        )
    todo = result.needs_coding
    if workbooks and len(todo):
        sugg = result.suggestions[result.suggestions["segment_id"].isin(todo["segment_id"])]
        for coder, blind in (("coder_a", False), ("coder_b", True)):
            path = out / f"codifica_{coder}.xlsx"
            write_coder_workbook(todo, sugg, frame, path, coder=coder, blind=blind)
            written.append(path)
    return written
