"""Code one wave's open answers end to end: suggestions, carry-over, coders, final codes.

``code_wave`` is pure (DataFrames in, a ``CodingResult`` out); ``write_coding`` writes the
tables and the coder workbooks. Human decisions come from filled coder workbooks read back
with ``workbooks.read_coder_workbook`` and from the consensus of ``disaccordi.xlsx`` read back
with ``consensus.read_consensus``; final codes follow `decisions.FINAL_RULE` (no coder wins a
disagreement). On the synthetic demo the coders can be simulated instead, and every output
then says so.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from distretti_survey.coding.decisions import (
    FINAL_RULE,
    UNRESOLVED_COLUMNS,
    carry_over,
    decisions_from_suggestions,
    empty_decisions,
    final_codes,
    reconcile,
    simulate_second_coder,
    unresolved,
)
from distretti_survey.coding.suggest import Suggester, split_segments
from distretti_survey.findings import Findings
from distretti_survey.locate import DECISIONS_FILE


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
    unresolved: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(UNRESOLVED_COLUMNS))
    )
    """Disagreements of A and B with no consensus: no code is applied there."""
    final_rule: str = FINAL_RULE
    reused: frozenset[str] = frozenset()
    """Segment ids whose decisions were reused from earlier waves."""

    @property
    def needs_coding(self) -> pd.DataFrame:
        """Return the segments with no human decision yet."""
        decided = set(self.decisions["segment_id"])
        return self.segments[~self.segments["segment_id"].isin(decided)]

    def to_code(self, coder: str) -> pd.DataFrame:
        """Return the segments ``coder`` (``coder_a``/``coder_b``) still has to code.

        Segments reused from earlier waves or settled by a consensus are not sent again.
        """
        d = self.decisions
        done = set(d.loc[d["coder"].isin([coder, "consensus"]), "segment_id"]) | self.reused
        return self.segments[~self.segments["segment_id"].isin(done)]


def _counts(open_answers, segments, suggestions, reused, needs, decisions, final) -> dict:
    """Count what the coding did, human coverage and open disagreements included."""
    todo = set(needs["segment_id"])
    by = {
        coder: set(decisions.loc[decisions["coder"] == coder, "segment_id"]) & todo
        for coder in ("coder_a", "coder_b", "consensus")
    }
    human = set(decisions["segment_id"]) & todo
    sources = reconcile(decisions)["source"].value_counts() if len(decisions) else {}
    return {
        "answers": len(open_answers),
        "segments": len(segments),
        "suggestions": len(suggestions),
        "segments_reused": reused["segment_id"].nunique(),
        "segments_to_code": len(needs),
        "segments_coded_a": len(by["coder_a"]),
        "segments_coded_b": len(by["coder_b"]),
        "segments_coded_both": len(by["coder_a"] & by["coder_b"]),
        "segments_not_coded": len(todo - human),
        "codes_agreed": int(sources.get("agreed", 0)),
        "codes_consensus": int(sources.get("consensus", 0)),
        "codes_single_coder": int(sources.get("coder_a", 0) + sources.get("coder_b", 0)),
        "disagreements_unresolved": int(sources.get("unresolved", 0)),
        "final_codes": len(final),
    }


def code_wave(
    open_answers: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    earlier_decisions: pd.DataFrame | None = None,
    coder_decisions: Sequence[pd.DataFrame] = (),
    consensus: pd.DataFrame | None = None,
    simulate_seed: int | None = None,
    flip: float = 0.1,
    model=None,
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
        Decisions read back from filled coder workbooks (any coders; a ``decisions.csv`` of
        this wave, consensus included, also fits).
    consensus
        Consensus decisions read back from ``disaccordi.xlsx`` (`consensus.read_consensus`):
        they settle the disagreements and become the final codes there.
    simulate_seed
        For the synthetic demo only: simulate coder A (accepts the suggestions) and coder B
        (flips each decision with probability ``flip``) on the segments no one has coded.
    model
        A suggestion model trained on earlier decisions (``model.model_from_decisions``),
        passed to the `suggest.Suggester`; None: the rules alone.
    """
    import numpy as np

    from distretti_survey.coding.outputs import coder_agreement

    segments = split_segments(open_answers)
    suggester = Suggester(frame) if model is None else Suggester(frame, model=model)
    suggestions = suggester.suggest(segments)
    reused, needs = carry_over(
        segments, empty_decisions() if earlier_decisions is None else earlier_decisions
    )
    parts = [reused, *coder_decisions, *([] if consensus is None else [consensus])]
    decided = set(pd.concat(parts)["segment_id"]) if any(len(p) for p in parts) else set()
    simulated = simulate_seed is not None
    if simulated:
        todo = needs[~needs["segment_id"].isin(decided)]
        todo_sugg = suggestions[suggestions["segment_id"].isin(todo["segment_id"])]
        coder_a = decisions_from_suggestions(todo_sugg, todo, frame, coder="coder_a")
        coder_b = simulate_second_coder(coder_a, np.random.default_rng(simulate_seed), flip)
        parts += [coder_a, coder_b]
    non_empty = [p for p in parts if len(p)]
    decisions = pd.concat(non_empty, ignore_index=True) if non_empty else empty_decisions()
    a, b = (decisions[decisions["coder"] == coder] for coder in ("coder_a", "coder_b"))
    agreement = coder_agreement(a, b, frame) if len(a) and len(b) else None
    final = final_codes(suggestions, decisions)
    counts = _counts(open_answers, segments, suggestions, reused, needs, decisions, final)
    counts["suggestion_mode"] = suggester.mode
    return CodingResult(
        segments,
        suggestions,
        decisions,
        final,
        agreement,
        counts,
        simulated,
        unresolved=unresolved(decisions),
        reused=frozenset(reused["segment_id"]),
    )


@dataclass(frozen=True)
class CoderInputs:
    """The coders' files of one wave, read back: workbooks, consensus, findings."""

    readings: tuple
    """`workbooks.CoderReading` per coder workbook, in the order given."""
    consensus: pd.DataFrame | None
    """Consensus decisions (`consensus.read_consensus`), None without a consensus file."""
    findings: Findings

    @property
    def decisions(self) -> list[pd.DataFrame]:
        """Return the decisions of each workbook (``coder_decisions`` of `code_wave`)."""
        return [reading.decisions for reading in self.readings]


def read_coders(
    segments: pd.DataFrame,
    frame: pd.DataFrame,
    coder_paths: Sequence[str | Path] = (),
    consensus_path: str | Path | None = None,
) -> CoderInputs:
    """Read the filled coder workbooks and the consensus of a wave, with every finding.

    A missing or unreadable file raises `errors.InputError`; empty rows, bad cells and two
    workbooks of the same coder are findings.
    """
    from distretti_survey.coding.consensus import read_consensus
    from distretti_survey.coding.workbooks import read_coder_workbook

    findings = Findings()
    readings = tuple(read_coder_workbook(p, segments, frame) for p in coder_paths)
    for reading in readings:
        findings.extend(reading.findings)
    findings.extend(check_readings(readings))
    consensus = None
    if consensus_path is not None:
        consensus, found = read_consensus(consensus_path, segments, frame)
        findings.extend(found)
    return CoderInputs(readings, consensus, findings)


def check_readings(readings: Sequence) -> Findings:
    """Report coder workbooks that cannot go together: two of the same coder.

    Parameters
    ----------
    readings
        `workbooks.CoderReading` of the workbooks given (e.g. ``--coder A.xlsx --coder B.xlsx``).

    Returns
    -------
    One error per coder read from more than one workbook (the later ones would silently
    replace the earlier): give each coder's workbook once.
    """
    from distretti_survey.findings import Finding

    findings = Findings()
    by_coder: dict[str, list[str]] = {}
    for reading in readings:
        by_coder.setdefault(reading.coder, []).append(reading.file)
    for coder, files in by_coder.items():
        if len(files) > 1:
            findings.add(
                Finding(
                    file=files[1],
                    sheet="_meta",
                    value=coder,
                    message=f"Cartelle dello stesso codificatore {coder}: {', '.join(files)}. "
                    "Le decisioni sarebbero mescolate.",
                    suggestion="Indicare una sola cartella per codificatore (A e B).",
                )
            )
    return findings


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


def _unresolved_table(result: CodingResult, frame: pd.DataFrame) -> pd.DataFrame:
    """Return the open disagreements with the segment text and the code label."""
    from distretti_survey.coding.frame import LABEL

    labels = dict(zip(frame["code_id"], frame[LABEL], strict=True))
    table = result.unresolved.merge(result.segments[["segment_id", "text"]], on="segment_id")
    table.insert(table.columns.get_loc("code_id") + 1, "label", table["code_id"].map(labels))
    return table


def _tables(result: CodingResult, frame: pd.DataFrame, districts) -> dict[str, pd.DataFrame]:
    """Return the CSV tables of one coded wave, by file name."""
    from distretti_survey.coding.outputs import (
        code_cooccurrence,
        code_frequencies,
        district_code_matrix,
        illustrative_quotes,
    )

    tables = {
        "segments.csv": result.segments,
        "suggestions.csv": result.suggestions,
        DECISIONS_FILE: result.decisions,
        "final_codes.csv": result.final,
        "unresolved.csv": _unresolved_table(result, frame),
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
    return tables


def write_coding(
    result: CodingResult,
    frame: pd.DataFrame,
    out_dir: str | Path,
    *,
    districts: list[str] | None = None,
    workbooks: bool = True,
    keep: Sequence[str | Path] = (),
    display_text: dict[str, str] | None = None,
) -> list[Path]:
    """Write the coding tables (CSV), the counts, the analysis outputs and the workbooks.

    Besides segments, suggestions, decisions and final codes: ``unresolved.csv`` (the
    disagreements of A and B without a consensus: no code applied there), code frequencies
    ("k of N districts", N = ``len(districts)``), the district x code 0/1 matrix, code
    co-occurrence, illustrative quotes (contacts scrubbed, no district), ``counts.json`` (with
    the final-code rule), ``disaccordi.xlsx`` when both coders decided (with the consensus
    already recorded), and for each coder the workbook of the segments they still have to
    code: coder A's shows the suggestions, coder B's is blind.

    ``keep`` lists input files (filled coder workbooks, the consensus) that must never be
    overwritten: an output that would land on one of them gets the suffix ``_nuovo``.
    ``display_text`` (segment id -> text as typed) is what the coders' workbooks show instead
    of the pseudonymised text (``code --no-pseudonymise``); every other output keeps the
    redacted text.
    """
    from distretti_survey.coding.consensus import write_disagreements
    from distretti_survey.coding.workbooks import write_coder_workbook
    from distretti_survey.csv_io import write_csv

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    kept = {Path(p).resolve() for p in keep}

    def target(name: str) -> Path:
        path = out / name
        return path.with_stem(path.stem + "_nuovo") if path.resolve() in kept else path

    written = []
    districts = sorted(districts or set(result.segments["district_id"]))
    tables = _tables(result, frame, districts)
    for name, table in tables.items():
        path = out / name
        write_csv(table, path)
        written.append(path)
    counts = {**result.counts, "simulated_coders": result.simulated, "final_rule": FINAL_RULE}
    (out / "counts.json").write_text(
        json.dumps(counts, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    written.append(out / "counts.json")
    by_coder = dict(tuple(result.decisions.groupby("coder")))
    if {"coder_a", "coder_b"} <= by_coder.keys():
        written.append(
            write_disagreements(
                by_coder["coder_a"],
                by_coder["coder_b"],
                result.segments,
                target("disaccordi.xlsx"),
                frame,
                consensus=by_coder.get("consensus"),
            )
        )
    for coder, blind in (("coder_a", False), ("coder_b", True)):
        todo = result.to_code(coder)
        if display_text:
            todo = todo.assign(display_text=todo["segment_id"].map(display_text))
        if workbooks and len(todo):
            sugg = result.suggestions[result.suggestions["segment_id"].isin(todo["segment_id"])]
            path = target(f"codifica_{coder}.xlsx")
            write_coder_workbook(todo, sugg, frame, path, coder=coder, blind=blind)
            written.append(path)
    return written


def export_refiqda(
    open_answers: pd.DataFrame, result: CodingResult, frame: pd.DataFrame, out_dir: str | Path
) -> list[Path]:
    """Write the frame as ``quadro_di_codifica.qdc`` and the coded answers as ``codifica.qdpx``.

    REFI-QDA files for QualCoder, ATLAS.ti, MAXQDA, NVivo (`refiqda`); byte-stable.
    """
    from distretti_survey.coding.refiqda import write_codebook, write_project

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return [
        write_codebook(frame, out / "quadro_di_codifica.qdc"),
        write_project(open_answers, result.segments, result.final, frame, out / "codifica.qdpx"),
    ]
