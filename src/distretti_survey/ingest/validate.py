"""Check every raw interview against the questionnaire and the registry, and build SurveyData.

Rules (one pass, every problem becomes a Finding):

- A value outside its list is an error (the value is dropped, with the closest options as a
  suggestion); a case/space/accent variant, or an Italian label where a code is expected, is
  resolved with a warning that says what it was read as.
- Numbers and dates typed as text are read with a warning; unreadable ones are errors.
- A missing required answer is a warning (the interview is still usable; the answer counts as
  missing); a constraint not met (``. >= 0``) is an error; spent > planned is a warning; an
  answer where ``relevant`` is false is a warning.
- The district must be in the registry for the wave, else the interview is rejected (error).
- Duplicates: when two or more interviews have the same district, **all of them are rejected**
  with an error naming the others, because the package cannot know which one is right; the
  researchers delete or fix the wrong one and run again.
- A ``_meta`` version or wave different from the questionnaire's is a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from distretti_survey.findings import Finding
from distretti_survey.ingest.expr import evaluate
from distretti_survey.ingest.model import KEYS, SurveyData
from distretti_survey.ingest.plausible import implausible_date
from distretti_survey.ingest.records import RawCell, RawInterview
from distretti_survey.ingest.spec import DATE_TYPES, NUMBER_TYPES, FormSpec, QuestionSpec
from distretti_survey.ingest.values import (
    closest,
    fold,
    is_blank,
    parse_date,
    parse_number,
    parse_tick,
    resolve_choice,
    text_value,
)

#: Lists whose order means something beyond the scored (Likert) ones.
ORDERED_LISTS = {"stato"}
_DATE_KINDS = {
    "text": "testo",
    "month": "mese e anno (usato il primo giorno del mese)",
    "serial": "numero seriale di Excel",
}


class _Checker:
    """Parse the cells of one interview, collecting findings."""

    def __init__(self, spec: FormSpec, raw: RawInterview, district: str) -> None:
        self.spec, self.raw, self.district = spec, raw, district
        self.findings: list[Finding] = []

    def add(
        self,
        cell: RawCell,
        question: str,
        message: str,
        suggestion: str = "",
        *,
        severity: str = "warning",
        value: object = None,
    ) -> None:
        shown = text_value(cell.value if value is None else value)
        self.findings.append(
            Finding(
                file=self.raw.file,
                sheet=cell.sheet,
                cell=cell.cell,
                district=self.district,
                question=question,
                value=shown,
                severity=severity,
                message=message,
                suggestion=suggestion,
            )
        )

    def value(self, q: QuestionSpec, cell: RawCell | None) -> Any:
        """Return the parsed value of ``cell`` for question ``q`` (None when missing/invalid)."""
        if cell is None or is_blank(cell.value):
            return None
        raw = cell.value
        if q.type == "select_one":
            return self._select_one(q, cell)
        if q.type in NUMBER_TYPES:
            parsed = parse_number(raw)
            if parsed.value is None:
                self.add(
                    cell,
                    q.name,
                    f"«{q.label}»: non è un numero.",
                    "Scrivere solo il numero, per esempio 12500 o 12.500,50.",
                    severity="error",
                )
                return None
            if parsed.kind == "text":
                self.add(
                    cell,
                    q.name,
                    f"Numero scritto come testo: letto {parsed.value:,.2f}".replace(",", "X")
                    .replace(".", ",")
                    .replace("X", ".")
                    + ".",
                    "Scrivere il numero senza simboli (€, %, punti).",
                )
            if q.type == "integer" and not float(parsed.value).is_integer():
                self.add(
                    cell, q.name, f"«{q.label}» deve essere un numero intero.", severity="error"
                )
                return None
            return parsed.value
        if q.type in DATE_TYPES:
            parsed = parse_date(raw)
            if parsed.value is None:
                self.add(
                    cell,
                    q.name,
                    f"«{q.label}»: data non leggibile.",
                    "Scrivere la data come gg/mm/aaaa.",
                    severity="error",
                )
                return None
            if parsed.kind in _DATE_KINDS:
                self.add(
                    cell,
                    q.name,
                    f"Data scritta come {_DATE_KINDS[parsed.kind]}: letta {parsed.value:%d/%m/%Y}.",
                    "Inserire la data come data di Excel (gg/mm/aaaa).",
                )
            if why := implausible_date(parsed.value, self.spec.wave, in_repeat=bool(q.repeat)):
                self.add(cell, q.name, f"«{q.label}»: data non plausibile, {why}.",
                         "Correggere l'anno.", severity="error")  # fmt: skip
                return None
            return pd.Timestamp(parsed.value)
        text = text_value(raw)
        if text != text.strip() and q.name not in self.spec.open_questions:
            self.add(
                cell, q.name, "Spazi in più all'inizio o alla fine: tolti.", "Cancellare gli spazi."
            )
        return text.strip() or None

    def _select_one(self, q: QuestionSpec, cell: RawCell) -> str | None:
        options = self.spec.options(q.name)
        found = resolve_choice(cell.value, options)
        label = {c.code: c.label for c in options}
        if found.how == "unknown":
            hint = (
                "Forse: " + ", ".join(f"«{s}»" for s in found.suggestions) + "."
                if found.suggestions
                else "Scegliere un valore dall'elenco."
            )
            self.add(
                cell,
                q.name,
                f"«{q.label}»: valore non previsto dall'elenco.",
                hint,
                severity="error",
            )
            return None
        if found.how == "variant" or (found.how == "label" and not self.raw.labels_expected):
            self.add(
                cell,
                q.name,
                f"Valore scritto in modo diverso dall'elenco: letto come "
                f"«{label[found.code]}» ({found.code}).",
                "Scegliere il valore dal menu a tendina.",
            )
        return found.code

    def multi(self, q: QuestionSpec) -> list[str]:
        """Return the options selected for a select_multiple, in list order.

        An export may hold both the space-separated column and the 0/1 ``question/option``
        columns; when they disagree on an option that has a 0/1 column, the union is used
        and a warning names the options that differ.
        """
        options = self.spec.options(q.name)
        in_joined = self._joined_options(q, options)
        in_columns: set[str] = set()
        with_column: set[str] = set()
        for code in [c.code for c in options]:
            cell = self.raw.answers.get(f"{q.name}/{code}")
            if cell is None:
                continue
            with_column.add(code)
            tick = parse_tick(cell.value)
            if tick is None:
                self.add(
                    cell,
                    f"{q.name}/{code}",
                    "Casella non interpretabile: considerata selezionata.",
                    "Scrivere «sì» o lasciare vuoto.",
                )
                tick = True
            if tick:
                in_columns.add(code)
        for key, cell in self.raw.answers.items():
            base, _, option = key.partition("/")
            unknown = base == q.name and option and option not in {c.code for c in options}
            if unknown and parse_tick(cell.value):
                self.add(
                    cell,
                    key,
                    f"Opzione «{option}» non prevista dall'elenco: ignorata.",
                    "Controllare il nome della colonna o della riga.",
                )
        joined = self.raw.answers.get(q.name)
        if joined is not None and with_column:
            self._compare_multi(q, joined, in_joined & with_column, in_columns)
        chosen = in_joined | in_columns
        return [c.code for c in options if c.code in chosen]

    def _joined_options(self, q: QuestionSpec, options: Sequence) -> set[str]:
        """Return the options of the space-separated column of a select_multiple."""
        chosen: set[str] = set()
        joined = self.raw.answers.get(q.name)
        if joined is None or is_blank(joined.value):
            return chosen
        text = text_value(joined.value)
        parts = (
            text.split()
            if ";" not in text and "," not in text
            else ([p for p in text.replace(";", ",").split(",") if p.strip()])
        )
        for part in parts:
            found = resolve_choice(part.strip(), options)
            if found.code is None:
                self.add(
                    joined,
                    q.name,
                    f"«{q.label}»: opzione «{part}» non prevista.",
                    "Forse: " + ", ".join(found.suggestions) if found.suggestions else "",
                    severity="error",
                    value=part,
                )
            else:
                chosen.add(found.code)
        return chosen

    def _compare_multi(
        self, q: QuestionSpec, joined: RawCell, in_joined: set[str], in_columns: set[str]
    ) -> None:
        only_joined, only_columns = in_joined - in_columns, in_columns - in_joined
        if not only_joined and not only_columns:
            return
        order = [c.code for c in self.spec.options(q.name)]
        parts = [
            f"{where}: {', '.join(code for code in order if code in codes)}"
            for where, codes in (
                (f"solo nella colonna «{q.name}»", only_joined),
                ("solo nelle colonne 0/1", only_columns),
            )
            if codes
        ]
        self.add(
            joined,
            q.name,
            f"«{q.label}»: la colonna «{q.name}» e le colonne 0/1 «{q.name}/…» non concordano "
            f"({'; '.join(parts)}). Usata l'unione: le opzioni indicate in una delle due "
            "sono considerate selezionate.",
            "Verificare le risposte nella piattaforma di raccolta e correggere l'export.",
        )


def _lookup(values: dict[str, Any]):
    def get(name: str) -> object:
        value = values.get(name)
        if isinstance(value, list):
            return " ".join(value)
        return None if value is None or value is pd.NaT else value

    return get


def check_interview(
    raw: RawInterview, spec: FormSpec, district: str
) -> tuple[dict[str, Any], list[dict[str, Any]], list[Finding]]:
    """Parse one interview; return its answers, its intervention rows and the findings."""
    check = _Checker(spec, raw, district)
    values: dict[str, Any] = {}
    cells: dict[str, RawCell] = {}
    for q in spec.top():
        if q.name == "district_id":
            continue
        if q.type == "select_multiple":
            values[q.name] = check.multi(q)
            cells[q.name] = raw.answers.get(q.name) or next(
                (c for k, c in raw.answers.items() if k.startswith(q.name + "/")), RawCell("")
            )
        else:
            cells[q.name] = raw.answers.get(q.name, RawCell(""))
            values[q.name] = check.value(q, raw.answers.get(q.name))
    get = _lookup(values)
    for q in spec.top():
        if q.name == "district_id":
            continue
        _rules(check, q, values[q.name], cells[q.name], get)
    rows = []
    fields = spec.repeat_fields("interventions")
    for cellmap in raw.interventions:
        row = {f.name: check.value(f, cellmap.get(f.name)) for f in fields}
        row_get = _lookup({**values, **row})
        for f in fields:
            _rules(check, f, row[f.name], cellmap.get(f.name, RawCell("")), row_get)
        planned, spent = row.get("budget_planned"), row.get("budget_spent")
        if planned is not None and spent is not None and spent > planned:
            check.add(
                cellmap["budget_spent"],
                "budget_spent",
                "La spesa sostenuta supera il budget previsto.",
                "Verificare i due importi.",
            )
        rows.append(row)
    return values, rows, check.findings


def _rules(check: _Checker, q: QuestionSpec, value: Any, cell: RawCell, get) -> None:
    answered = value not in (None, []) and value is not pd.NaT
    if q.required and not answered and is_blank(cell.value):  # invalid values are errors already
        check.add(
            cell,
            q.name,
            f"Risposta obbligatoria mancante: «{q.label}».",
            "Completare la risposta (o scrivere in «note» perché manca).",
        )
    current = " ".join(value) if isinstance(value, list) else value
    if answered and q.constraint and evaluate(q.constraint, get, current) is False:
        check.add(
            cell,
            q.name,
            f"«{q.label}»: il valore non rispetta il vincolo «{q.constraint}».",
            "Correggere il valore.",
            severity="error",
        )
    if answered and q.relevant and evaluate(q.relevant, get) is False:
        check.add(
            cell,
            q.name,
            f"Risposta presente ma la domanda non si applica (condizione «{q.relevant}»).",
            "Verificare la risposta o la domanda da cui dipende.",
        )


def normalise_district(
    raw: RawInterview, known: Sequence[str] | None, names: dict[str, str]
) -> tuple[str, list[Finding], str]:
    """Return the district id of an interview, findings about it, and a rejection reason."""
    cell = raw.district_cell()
    text = text_value(cell.value)
    out: list[Finding] = []

    def add(message: str, suggestion: str = "", severity: str = "warning") -> None:
        out.append(
            Finding(
                file=raw.file,
                sheet=cell.sheet,
                cell=cell.cell,
                district=district,
                question="district_id",
                value=text,
                severity=severity,
                message=message,
                suggestion=suggestion,
            )
        )

    district = text.strip().upper().replace(" ", "")
    if not district:
        add(
            "Codice del distretto mancante: intervista scartata.",
            "Scrivere il codice del distretto (es. D03) nel foglio Profilo.",
            "error",
        )
        return "", out, "codice del distretto mancante"
    if district != text:
        add(
            f"Codice del distretto scritto in modo diverso: letto come {district}.",
            "Scrivere il codice esatto, senza spazi.",
        )
    meta = raw.meta.get("district_id")
    if meta is not None and not is_blank(meta.value) and raw.answers.get("district_id"):
        meta_id = text_value(meta.value).strip().upper()
        if meta_id != district:
            add(
                f"Il distretto della risposta ({district}) è diverso da quello del modello "
                f"({meta_id}, foglio _meta).",
                "Verificare di aver usato il modello giusto.",
                "error",
            )
    if known is not None and district not in known:
        options = closest(district, [f"{k} {names.get(k, '')}" for k in known])
        add(
            f"Il distretto {district} non è nel registro per questa rilevazione: intervista "
            "scartata.",
            "Forse: " + ", ".join(options)
            if options
            else "Aggiungere il distretto al registro (data/reference/registry.csv).",
            "error",
        )
        return district, out, f"distretto {district} assente dal registro"
    return district, out, ""


def build_tables(
    wave: int | None, spec: FormSpec, accepted: list[tuple[str, RawInterview, dict, list[dict]]]
) -> SurveyData:
    """Assemble the SurveyData tables from the accepted, parsed interviews."""
    interviews, contacts, interventions, multi, likert, opens = [], [], [], [], [], []
    open_q = set(spec.open_questions)
    likert_items = set(spec.likert_items)
    scalar = [
        q
        for q in spec.top()
        if q.type != "select_multiple"
        and not q.pii
        and q.name not in open_q
        and q.name != "district_id"
    ]
    for district, raw, values, rows in accepted:
        key = {"interview_id": f"{wave}_{district}", "wave": wave, "district_id": district}
        interviews.append(
            {**key, "source_file": raw.source, **{q.name: values.get(q.name) for q in scalar}}
        )
        contacts.append({**key, **{name: values.get(name) for name in spec.pii}})
        for i, row in enumerate(rows, start=1):
            interventions.append({**key, "row": i, **row})
        for q in spec.top():
            value = values.get(q.name)
            if q.type == "select_multiple":
                multi.extend({**key, "question": q.name, "option": o} for o in value or [])
            elif q.name in likert_items and value is not None:
                score = {c.code: c.score for c in spec.options(q.name)}.get(value)
                likert.append(
                    {
                        **key,
                        "item": q.name,
                        "value": value,
                        "score": np.nan if score is None else score,
                    }
                )
            elif q.name in open_q and value:
                opens.append({**key, "question": q.name, "theme": q.theme, "text": value})
    repeat = [f.name for f in spec.repeat_fields("interventions")]
    frames = {
        "interviews": _frame(interviews, [*KEYS, "source_file", *(q.name for q in scalar)]),
        "contacts": _frame(contacts, [*KEYS, *spec.pii]),
        "interventions": _frame(interventions, [*KEYS, "row", *repeat]),
        "multi": _frame(multi, [*KEYS, "question", "option"]),
        "likert": _frame(likert, [*KEYS, "item", "value", "score"]),
        "open_answers": _frame(opens, [*KEYS, "question", "theme", "text"]),
    }
    frames["likert"]["score"] = frames["likert"]["score"].astype(float)
    for name, table, questions in (
        ("interviews", frames["interviews"], scalar),
        ("interventions", frames["interventions"], spec.repeat_fields("interventions")),
    ):
        for q in questions:
            _typed(table, q, spec)
        frames[name] = table
    return SurveyData(**frames)


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    frame["wave"] = frame["wave"].astype("Int64")
    if "row" in frame:
        frame["row"] = frame["row"].astype("Int64")
    return frame


def _typed(table: pd.DataFrame, q: QuestionSpec, spec: FormSpec) -> None:
    if q.name not in table:
        return
    if q.type in NUMBER_TYPES:
        table[q.name] = pd.to_numeric(table[q.name], errors="coerce").astype(float)
    elif q.type in DATE_TYPES:
        table[q.name] = pd.to_datetime(table[q.name], errors="coerce")
    elif q.type == "select_one":
        options = spec.options(q.name)
        ordered = q.list_name in ORDERED_LISTS or any(c.score is not None for c in options)
        table[q.name] = pd.Categorical(
            table[q.name], categories=[c.code for c in options], ordered=ordered
        )


def duplicate_groups(districts: list[str]) -> dict[str, list[int]]:
    """Return district -> positions, for districts that appear more than once."""
    seen: dict[str, list[int]] = {}
    for i, district in enumerate(districts):
        if district:
            seen.setdefault(fold(district), []).append(i)
    return {k: v for k, v in seen.items() if len(v) > 1}
