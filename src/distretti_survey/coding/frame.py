"""The coding frame: codes per theme with a hierarchy, and the rules that suggest them.

The frame is plain data (``resources/coding_frame.csv``, embedded as the ``coding_frame`` sheet
of the questionnaire). ``keywords`` are ``;``-separated Italian words or phrases matched on
their stems; ``patterns`` are ``;``-separated regular expressions matched on the normalised
text (lower case, no accents, no punctuation, single spaces, see `text.normalise`).

The optional column ``polarity`` says how a negation changes a code (see `suggest`): empty
(a negated mention is not the code: "nessun ritardo"), ``absence`` (the code is a lack, so
"manca / non c'è / nessun X" IS the code: "non c'è coordinamento"), ``positive`` (something
achieved: a negated mention is not the code, but "nessun problema" nearby does not clear it),
``none`` (the code says there is no problem: negations do not apply, and it gives way to any
other code of its theme).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from distretti_survey.errors import ConfigError
from distretti_survey.findings import Findings
from distretti_survey.instrument import CODING_FRAME_COLUMNS
from distretti_survey.xlsx_io import column_letter

# The frame's columns are the questionnaire's coding_frame sheet: one definition, there.
COLUMNS = CODING_FRAME_COLUMNS
THEMES = ("progress", "training", "governance")
THEME_LABELS = {"progress": "avanzamento", "training": "formazione", "governance": "governance"}
LABEL = "label::Italiano (it)"
POLARITIES = ("", "absence", "positive", "none")
_CODE_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def split_rules(cell: object) -> list[str]:
    """Return the non-empty ``;``-separated items of a keywords or patterns cell."""
    if cell is None or (isinstance(cell, float) and pd.isna(cell)):
        return []
    return [item.strip() for item in str(cell).split(";") if item.strip()]


def load_frame(path: str | None = None) -> pd.DataFrame:
    """Read a coding frame CSV (the packaged one by default) and validate it.

    Parameters
    ----------
    path
        A CSV with the frame's columns; None reads ``resources/coding_frame.csv``.

    Returns
    -------
    The frame, every cell a string ("" when empty).

    Raises
    ------
    ConfigError
        The frame has errors (see `validate_frame`).
    """
    if path is None:
        from importlib.resources import files

        source = files("distretti_survey").joinpath("resources", "coding_frame.csv")
        with source.open("r", encoding="utf-8") as handle:
            frame = pd.read_csv(handle, dtype=str, keep_default_na=False)
        name = "coding_frame.csv"
    else:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        name = str(path)
    check_frame(frame, file=name)
    return frame


def check_frame(frame: pd.DataFrame, *, sheet: str = "coding_frame", file: str = "") -> Findings:
    """Validate ``frame`` and raise when it has errors; return the warnings otherwise.

    Raises
    ------
    ConfigError
        With the first error in one line and how many there are.
    """
    findings = validate_frame(frame, sheet=sheet, file=file)
    if findings.has_errors:
        errors = findings.errors
        more = f" (e altri {len(errors) - 1} errori)" if len(errors) > 1 else ""
        raise ConfigError(f"Piano di codifica non valido: {errors[0].one_line()}{more}")
    return findings


def validate_frame(frame: pd.DataFrame, *, sheet: str = "coding_frame", file: str = "") -> Findings:
    """Check the coding frame and return every problem as a finding.

    Errors: a missing column, an empty or malformed or duplicate ``code_id``, a theme outside
    progress/training/governance, an unknown parent, a parent of another theme, a cycle of
    parents, a pattern that does not compile. Warnings: a code without sub-codes that has no
    keyword and no pattern (it can never be suggested).

    Parameters
    ----------
    frame
        The frame, one row per code (row ``i`` is Excel row ``i + 2``).
    sheet, file
        Where the frame comes from, for the findings.

    Returns
    -------
    The findings, in the order of the rows.

    Raises
    ------
    ConfigError
        A required column is missing (nothing else can be checked).
    """
    missing = [column for column in COLUMNS if column not in frame.columns]
    if missing:
        raise ConfigError(
            f"Foglio «{sheet}»: mancano le colonne {', '.join(missing)} del piano di codifica."
        )
    findings = Findings()
    columns = [*COLUMNS, *(["polarity"] if "polarity" in frame.columns else [])]
    letters = {column: column_letter(frame.columns.get_loc(column)) for column in columns}
    report = findings.at(file=file, sheet=sheet)

    def add(row: int, column: str, value: str, message: str, suggestion: str = "", **kw) -> None:
        report(
            message, cell=f"{letters[column]}{row + 2}", value=value, suggestion=suggestion, **kw
        )

    frame = frame.reset_index(drop=True).fillna("").astype(str)
    ids = frame["code_id"].str.strip()
    parents = dict(zip(ids, frame["parent"].str.strip(), strict=True))
    _check_rows(frame, ids, parents, add)
    _check_polarity(frame, add)
    _check_tree(frame, ids, parents, add)
    return findings


def _check_rows(frame: pd.DataFrame, ids: pd.Series, parents: dict[str, str], add) -> None:
    """Check each code's id, theme, parent and patterns."""
    themes = dict(zip(ids, frame["theme"].str.strip(), strict=True))
    seen: dict[str, int] = {}
    for row, code in enumerate(ids):
        if not code:
            add(row, "code_id", code, "Codice vuoto.", "Dare un codice a ogni riga.")
        elif not _CODE_ID_RE.match(code):
            add(row, "code_id", code, "Codice non valido: usare lettere, cifre e _.",
                "Esempio: GOV_MANAGER.")  # fmt: skip
        elif code in seen:
            add(row, "code_id", code, f"Codice duplicato (già alla riga {seen[code] + 2}).",
                "Ogni codice deve comparire una sola volta.")  # fmt: skip
        else:
            seen[code] = row
        theme = frame.at[row, "theme"].strip()
        if theme not in THEMES:
            add(row, "theme", theme, f"Tema sconosciuto: i temi sono {', '.join(THEMES)}.")
        parent = parents[code]
        if parent and parent not in themes:
            add(row, "parent", parent, "Il codice padre non esiste nel piano di codifica.")
        elif parent and themes[parent] != theme:
            add(row, "parent", parent, "Il codice padre appartiene a un altro tema.")
        for pattern in split_rules(frame.at[row, "patterns"]):
            try:
                re.compile(pattern)
            except re.error as error:
                add(row, "patterns", pattern, f"Espressione regolare non valida: {error}.",
                    "Correggere l'espressione o toglierla.")  # fmt: skip


def _check_polarity(frame: pd.DataFrame, add) -> None:
    """Check the optional ``polarity`` column (how a negation changes a code)."""
    if "polarity" not in frame.columns:
        return
    for row, value in enumerate(frame["polarity"].str.strip()):
        if value not in POLARITIES:
            add(row, "polarity", value, "Polarità sconosciuta.",
                "Usare absence, positive, none oppure lasciare vuoto.")  # fmt: skip


def _check_tree(frame: pd.DataFrame, ids: pd.Series, parents: dict[str, str], add) -> None:
    """Check for cycles of parents, and for leaf codes that nothing can ever suggest."""
    first = {code: row for row, code in reversed(list(enumerate(ids)))}
    for row, code in enumerate(ids):
        if code and first.get(code) == row and _in_cycle(code, parents):
            add(row, "parent", parents[code], "Ciclo di codici padre: un codice discende da sé.",
                "Togliere il padre di uno dei codici del ciclo.")  # fmt: skip
    has_children = set(parents.values())
    for row, code in enumerate(ids):
        rules = split_rules(frame.at[row, "keywords"]) + split_rules(frame.at[row, "patterns"])
        if code and code not in has_children and not rules:
            add(row, "keywords", "",
                "Il codice non ha parole chiave né espressioni: non sarà mai suggerito.",
                severity="warning")  # fmt: skip


def _in_cycle(code: str, parents: dict[str, str]) -> bool:
    seen = {code}
    current = parents.get(code, "")
    while current:
        if current == code:
            return True
        if current in seen:
            return False  # a cycle further up, reported on its own rows
        seen.add(current)
        current = parents.get(current, "")
    return False


@dataclass(frozen=True)
class Code:
    """One code of the frame with its parsed rules."""

    code_id: str
    theme: str
    parent: str
    label: str
    keywords: tuple[str, ...]
    patterns: tuple[str, ...]
    polarity: str = ""


def codes(frame: pd.DataFrame) -> list[Code]:
    """Return the codes of ``frame`` in row order with their rules split."""
    frame = frame.fillna("").astype(str)
    return [
        Code(
            code_id=row["code_id"].strip(),
            theme=row["theme"].strip(),
            parent=row["parent"].strip(),
            label=row[LABEL].strip(),
            keywords=tuple(split_rules(row["keywords"])),
            patterns=tuple(split_rules(row["patterns"])),
            polarity=str(row.get("polarity", "")).strip(),
        )
        for _, row in frame.iterrows()
    ]


def ancestors(frame: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """Return each code's chain of parents, nearest first (the frame must be valid)."""
    parents = dict(
        zip(frame["code_id"].str.strip(), frame["parent"].fillna("").str.strip(), strict=True)
    )
    chains = {}
    for code in parents:
        chain, current = [], parents[code]
        while current and current not in chain and current != code:
            chain.append(current)
            current = parents.get(current, "")
        chains[code] = tuple(chain)
    return chains
