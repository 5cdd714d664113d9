"""Check every raw interview against the questionnaire and the registry, and build SurveyData.

Rules (one pass, every problem becomes a Finding):

- A value outside its list is an error (the value is dropped, with the closest options as a
  suggestion); a case/space/accent variant, or an Italian label where a code is expected, is
  resolved with a warning that says what it was read as.
- Numbers and dates typed as text are read with a warning; unreadable ones are errors.
- A missing required answer is a warning (the interview is still usable; the answer counts as
  missing), only where the question applies (its ``relevant`` and its groups' hold); a
  ``constraint`` not met (``. >= 0``) is an error, a ``soft_constraint`` not met (spent above
  planned) a warning, both in the words of the questionnaire's ``constraint_message``; an
  answer where ``relevant`` is false is a warning. Expressions were checked when the
  questionnaire loaded, so each one is evaluated here, never skipped.
- The district must be in the registry for the wave, else the interview is rejected (error).
- Duplicates: when two or more interviews have the same district, **all of them are rejected**
  with an error naming the others, because the package cannot know which one is right; the
  researchers delete or fix the wrong one and run again.
- A ``_meta`` version or wave different from the questionnaire's is a warning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from distretti_survey.findings import Finding
from distretti_survey.ingest.model import KEYS, SurveyData
from distretti_survey.ingest.plausible import implausible_date
from distretti_survey.ingest.records import RawCell, RawInterview
from distretti_survey.ingest.spec import DATE_TYPES, NUMBER_TYPES, FormSpec, QuestionSpec
from distretti_survey.ingest.values import (
    is_blank,
    parse_date,
    parse_number,
    parse_tick,
    resolve_choice,
    text_value,
)
from distretti_survey.xpath import ExprError, compile_expression

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
        self._by_question: dict[str, list[tuple[str, RawCell]]] | None = None
        self.today = dt.date.today()  # one date for every condition of the interview

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
            # A date the questionnaire bounds (e.g. ". <= today()") is judged by its constraint,
            # in the questionnaire's words; the others by the plausibility windows.
            why = (
                ""
                if q.constraint
                else implausible_date(parsed.value, self.spec.wave, in_repeat=bool(q.repeat))
            )
            if why:
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
        exact = self.spec.exact_choices.get(q.list_name, {}).get(text_value(cell.value))
        if exact is not None and (exact[1] == "code" or self.raw.labels_expected):
            return exact[0]  # the common case: typed exactly, nothing to report
        options = self.spec.options(q.name)
        found = resolve_choice(cell.value, options)
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
            label = next(c.label for c in options if c.code == found.code)
            self.add(
                cell,
                q.name,
                f"Valore scritto in modo diverso dall'elenco: letto come «{label}» ({found.code}).",
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
        codes = {c.code for c in options}
        for option, cell in self._option_cells().get(q.name, ()):
            if option not in codes and parse_tick(cell.value):
                key = f"{q.name}/{option}"
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

    def _option_cells(self) -> dict[str, list[tuple[str, RawCell]]]:
        """Return question -> (option, cell) of the ``question/option`` answers, found once."""
        if self._by_question is None:
            self._by_question = {}
            for key, cell in self.raw.answers.items():
                base, _, option = key.partition("/")
                if option:
                    self._by_question.setdefault(base, []).append((option, cell))
        return self._by_question

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
) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]], list[Finding]]:
    """Parse one interview; return its answers, its rows of each repeat and the findings."""
    check = _Checker(spec, raw, district)
    answers = raw.answers
    values: dict[str, Any] = {}
    cells: dict[str, RawCell] = {}
    top = [q for q in spec.top() if q.name != "district_id"]
    for q in top:
        if q.type == "select_multiple":
            values[q.name] = check.multi(q)
            cells[q.name] = answers.get(q.name) or next(
                (c for k, c in answers.items() if k.startswith(q.name + "/")), _NO_CELL
            )
        else:
            cell = answers.get(q.name)
            cells[q.name] = cell or _NO_CELL
            values[q.name] = check.value(q, cell)
    get = _lookup(values)
    for q in top:
        _rules(check, q, values[q.name], cells[q.name], get, cells.get)
    rows: dict[str, list[dict[str, Any]]] = {}
    for repeat in spec.repeats:
        fields = spec.repeat_fields(repeat)
        nested = bool(spec.repeats[repeat].parent)
        rows[repeat] = []
        for repeat_row in raw.repeats.get(repeat, []):
            cellmap = repeat_row.cells
            row = {f.name: check.value(f, cellmap.get(f.name)) for f in fields}
            row_get = _lookup({**values, **row})
            row_cells = {**cells, **cellmap}
            for f in fields:
                cell = cellmap.get(f.name) or _NO_CELL
                _rules(check, f, row[f.name], cell, row_get, row_cells.get)
            if nested:
                row["parent_row"] = None if repeat_row.parent is None else repeat_row.parent + 1
            rows[repeat].append(row)
    return values, rows, check.findings


#: The cell of a question with no answer anywhere (no row, no column).
_NO_CELL = RawCell("")


def _rules(check: _Checker, q: QuestionSpec, value: Any, cell: RawCell, get, cell_of) -> None:
    """Apply ``relevant``, ``required`` and ``constraint`` of one question to its answer.

    ``required`` holds only where the question applies; a constraint failure points at the
    answer's cells (for a select_multiple, the ticked options) and at the cells it reads.
    """
    answered = value not in (None, []) and value is not pd.NaT
    if not answered:  # conditions are evaluated only when their result is reported
        if (
            q.required
            and is_blank(cell.value)  # an invalid value is an error already
            and (not q.relevant or _test(check, q, q.relevant, get, None, cell) is not False)
        ):
            check.add(
                cell,
                q.name,
                f"Risposta obbligatoria mancante: «{q.label}».",
                "Completare la risposta (o scrivere in «note» perché manca).",
            )
        return
    if q.relevant and _test(check, q, q.relevant, get, None, cell) is False:
        check.add(
            cell,
            q.name,
            f"Risposta presente ma la domanda non si applica, viste le risposte a "
            f"{_inputs(check, q.relevant, cell_of)}.",
            "Verificare la risposta o la domanda da cui dipende.",
        )
    current = " ".join(value) if isinstance(value, list) else value
    for text, message, severity in (
        (q.constraint, q.constraint_message, "error"),
        (q.soft_constraint, q.soft_constraint_message, "warning"),
    ):
        if text and _test(check, q, text, get, current, cell) is False:
            _report(check, q, (text, message, severity), value, cell, cell_of)


def _report(check: _Checker, q: QuestionSpec, rule: tuple, value, cell: RawCell, cell_of) -> None:
    """Report a constraint not met, in the questionnaire's words, at the cells involved."""
    text, message, severity = rule
    where = _ticked(check, q, value, cell) if q.type == "select_multiple" else cell
    refs = [r for r in compile_expression(text).refs if r != q.name]
    seen = f" Vedi anche {_inputs(check, text, cell_of)}." if refs else ""
    said = (message or "valore non ammesso dal questionario").strip().rstrip(".")
    if said[:2].istitle():  # "L'importo ..." reads "«Budget»: l'importo ..."
        said = said[0].lower() + said[1:]
    fix = "Correggere il valore" if severity == "error" else "Verificare il valore"
    check.add(
        where,
        q.name,
        f"«{q.label}»: {said}.{seen}",
        f"{fix}." if message else f"{fix} (regola del questionario: «{text}»).",
        severity=severity,
        value=" ".join(value) if isinstance(value, list) else value,
    )


def _test(check: _Checker, q: QuestionSpec, text: str, get, current, cell) -> bool | None:
    """Return the truth of a checked expression; None (with a finding) if it cannot run."""
    try:
        return compile_expression(text).test(get, current, check.today)
    except (ExprError, ArithmeticError, ValueError, TypeError, RecursionError) as exc:
        check.add(
            cell,
            q.name,
            f"Condizione del questionario non valutabile («{text}»): {exc}.",
            "Correggere l'espressione nel questionario.",
            severity="error",
        )
        return None


def _ticked(check: _Checker, q: QuestionSpec, value: list[str], cell: RawCell) -> RawCell:
    """Return one cell naming the ticked option cells of a select_multiple (``C20,C27``)."""
    cells = [check.raw.answers.get(f"{q.name}/{code}") for code in value]
    cells = [c for c in cells if c is not None and c.cell]
    if not cells:
        return cell
    return RawCell(cell.value, cells[0].sheet, ",".join(c.cell for c in cells))


def _inputs(check: _Checker, text: str, cell_of) -> str:
    """Return the questions an expression reads, with their cells: «Stato» (Interventi!C3)."""
    parts = []
    for ref in compile_expression(text).refs:
        q = check.spec.questions.get(ref)
        label = f"«{q.label}»" if q is not None else f"«{ref}»"
        cell = cell_of(ref)
        parts.append(f"{label} ({cell.sheet}!{cell.cell})" if cell and cell.cell else label)
    return ", ".join(parts) or "altre domande"


def build_tables(
    wave: int | None, spec: FormSpec, accepted: list[tuple[str, RawInterview, dict, dict]]
) -> SurveyData:
    """Assemble the SurveyData tables from the accepted, parsed interviews."""
    interviews, contacts, multi, likert, opens = [], [], [], [], []
    repeat_rows: dict[str, list[dict]] = {name: [] for name in spec.repeats}
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
    scores = {name: {c.code: c.score for c in spec.options(name)} for name in spec.likert_items}
    for district, raw, values, rows in accepted:
        key = {"interview_id": f"{wave}_{district}", "wave": wave, "district_id": district}
        interviews.append(
            {**key, "source_file": raw.source, **{q.name: values.get(q.name) for q in scalar}}
        )
        contacts.append({**key, **{name: values.get(name) for name in spec.pii}})
        for repeat, table in rows.items():
            repeat_rows[repeat].extend({**key, "row": i, **row} for i, row in enumerate(table, 1))
        for q in spec.top():
            value = values.get(q.name)
            if q.type == "select_multiple":
                multi.extend({**key, "question": q.name, "option": o} for o in value or [])
            elif q.name in likert_items and value is not None:
                score = scores[q.name].get(value)
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
    repeats = {}
    for repeat, rows_of in repeat_rows.items():
        fields = spec.repeat_fields(repeat)
        parent = ["parent_row"] if spec.repeats[repeat].parent else []
        table = _frame(rows_of, [*KEYS, "row", *parent, *(f.name for f in fields)])
        if parent:
            table["parent_row"] = table["parent_row"].astype("Int64")
        for q in fields:
            _typed(table, q, spec)
        repeats[repeat] = table
    main = spec.main_repeat
    frames = {
        "interviews": _frame(interviews, [*KEYS, "source_file", *(q.name for q in scalar)]),
        "contacts": _frame(contacts, [*KEYS, *spec.pii]),
        "interventions": repeats[main] if main else _frame([], [*KEYS, "row"]),
        "multi": _frame(multi, [*KEYS, "question", "option"]),
        "likert": _frame(likert, [*KEYS, "item", "value", "score"]),
        "open_answers": _frame(opens, [*KEYS, "question", "theme", "text"]),
    }
    frames["likert"]["score"] = frames["likert"]["score"].astype(float)
    for q in scalar:
        _typed(frames["interviews"], q, spec)
    return SurveyData(**frames, repeats=repeats)


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
        # Order comes from the questionnaire: scored (Likert) lists and status lists (``role``).
        ordered = q.list_name in spec.ordered_lists or any(c.score is not None for c in options)
        table[q.name] = pd.Categorical(
            table[q.name], categories=[c.code for c in options], ordered=ordered
        )
