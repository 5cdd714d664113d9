"""Which district an interview belongs to: the id typed, the workbook's _meta, the registry.

A typed id is normalised (case, spaces, zero padding) and checked against the registry of the
wave; a typo gets the nearest few ids as a suggestion, and one finding, not three.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from distretti_survey.findings import Finding
from distretti_survey.ingest.records import RawInterview
from distretti_survey.ingest.values import fold, is_blank, text_value


def nearest_ids(typed: str, known: Sequence[str], limit: int = 3) -> list[str]:
    """Return up to ``limit`` registry ids closest to a typed district id, best first.

    Ids are compared after removing zero padding differences (``D2`` is next to ``D02``).

    Examples
    --------
    >>> nearest_ids("D2", ["D01", "D02", "D12", "D20", "D15"])
    ['D02', 'D12', 'D20']
    >>> nearest_ids("XYZ", ["D01", "D02"])
    []
    """
    from rapidfuzz import fuzz, process

    def key(text: str) -> str:  # "D02" and "D2" both become "D2"
        return re.sub(r"(?<=\D)0+(?=\d)", "", fold(text).upper().replace(" ", ""))

    found = process.extract(
        key(typed),
        {k: key(k) for k in known},
        scorer=fuzz.ratio,
        limit=limit,
        score_cutoff=50,
    )
    return [k for _, _, k in sorted(found, key=lambda f: (-f[1], f[2]))]


def normalise_district(
    raw: RawInterview, known: Sequence[str] | None, names: dict[str, str]
) -> tuple[str, list[Finding], str]:
    """Return the district id of an interview, findings about it, and a rejection reason.

    One mistake in the district cell gives one finding: a typed id that differs from the
    workbook's ``_meta`` or is missing from the registry rejects the interview with a single
    error naming both, and the rejected id takes no part in the duplicate check (a typo must
    not reject the real interview of the district it happens to spell).
    """
    cell = raw.district_cell()
    text = text_value(cell.value)
    district = text.strip().upper().replace(" ", "")

    def finding(message: str, suggestion: str, severity: str = "error") -> list[Finding]:
        return [
            Finding(file=raw.file, sheet=cell.sheet, cell=cell.cell, district=district,
                    question="district_id", value=text, severity=severity, message=message,
                    suggestion=suggestion)
        ]  # fmt: skip

    if not district:
        return (
            "",
            finding(
                "Codice del distretto mancante: intervista scartata.",
                "Scrivere il codice del distretto (es. D03) nel foglio Profilo.",
            ),
            "codice del distretto mancante",
        )
    meta = raw.meta.get("district_id")
    meta_id = ""
    if meta is not None and not is_blank(meta.value) and raw.answers.get("district_id"):
        meta_id = text_value(meta.value).strip().upper()
    unknown = known is not None and district not in known
    if meta_id and meta_id != district:
        return (
            "",
            finding(
                f"Il distretto scritto ({district}) è diverso da quello del modello ({meta_id}, "
                "foglio _meta): intervista scartata.",
                f"Se l'intervista è del distretto {meta_id}, correggere il codice; altrimenti "
                "usare il modello del distretto giusto.",
            ),
            f"distretto {district} diverso dal modello ({meta_id})",
        )
    if unknown:
        options = [f"{k} ({names[k]})" if names.get(k) else k for k in nearest_ids(district, known)]
        return (
            district,
            finding(
                f"Il distretto {district} non è nel registro per questa rilevazione: intervista "
                "scartata.",
                "Forse: " + ", ".join(options) + "."
                if options
                else "Aggiungere il distretto al registro (data/reference/registry.csv).",
            ),
            f"distretto {district} assente dal registro",
        )
    if district != text:
        return (
            district,
            finding(
                f"Codice del distretto scritto in modo diverso: letto come {district}.",
                "Scrivere il codice esatto, senza spazi.",
                "warning",
            ),
            "",
        )
    return district, [], ""


def duplicate_groups(districts: list[str]) -> dict[str, list[int]]:
    """Return district -> positions, for districts that appear more than once."""
    seen: dict[str, list[int]] = {}
    for i, district in enumerate(districts):
        if district:
            seen.setdefault(fold(district), []).append(i)
    return {k: v for k, v in seen.items() if len(v) > 1}
