"""The questionnaire of a wave: an XLSForm workbook read and validated on load.

The researchers edit the questionnaire as a workbook (sheets ``survey``, ``choices``,
``settings``, ``coding_frame`` and, from the second wave on, ``crosswalk``). ``load_instrument``
reads it, collects every problem as a ``Finding`` with sheet and cell, and raises one
``ConfigError`` listing them all; ``check_instrument`` returns the findings instead of raising.
The returned ``Instrument`` answers the questions later stages ask (labels, lists, scores,
roles, PII fields, open questions, repeat fields). Reading and checking live in
``instrument_checks`` and ``instrument_expressions``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from distretti_survey.errors import ConfigError, InputError
from distretti_survey.findings import Finding, Findings

if TYPE_CHECKING:
    import pandas as pd

SURVEY_REQUIRED = ("type", "name", "theme", "pii")
SURVEY_OPTIONAL = ("required", "constraint", "relevant", "hint", "calculation", "soft_constraint")
CHOICES_REQUIRED = ("list_name", "name")
SETTINGS_REQUIRED = ("form_id", "version", "wave")
SETTINGS_OPTIONAL = (
    "form_title",
    "default_language",
    "synthetic",
    "organisation",
    "survey_title",
    "source",
)
CHOICES_OPTIONAL = ("score", "role")
CODING_FRAME_COLUMNS = (
    "code_id",
    "theme",
    "parent",
    "label::Italiano (it)",
    "label::English (en)",
    "definition",
    "use_when",
    "not_when",
    "examples",
    "keywords",
    "patterns",
)
#: How a negation changes a code (coding.frame): empty, absence, positive or none.
CODING_FRAME_OPTIONAL = ("polarity",)
REQUIRED_SHEETS = ("survey", "choices", "settings", "coding_frame")
DEFAULT_LANGUAGE = "Italiano (it)"
#: Theme of the questions that describe the interview itself, never coded as open answers.
PROFILE_THEME = "profile"

VALUE_TYPES = frozenset(
    {"text", "integer", "decimal", "date", "time", "datetime", "note", "acknowledge"}
)
HIDDEN_TYPES = frozenset({"calculate", "start", "end", "today", "deviceid", "username"})
#: Types with no answer cell in a data-entry workbook or a master: the one list that the
#: templates (district and master workbooks alike) and the ingest follow.
NO_ANSWER_TYPES = HIDDEN_TYPES | {"note"}
SELECT_TYPES = frozenset({"select_one", "select_multiple"})
BEGIN_TYPES = {"begin_group": "group", "begin_repeat": "repeat"}
END_TYPES = {"end_group": "group", "end_repeat": "repeat"}
#: What an option means beyond its code (``role`` column of ``choices``), for general code
#: that must not know the codes of one questionnaire.
ROLES = (
    "completed",  # status: the intervention is finished
    "in_progress",  # status: started (being designed or under way), not finished
    "not_started",  # status: not started yet
    "cancelled",  # status: abandoned; not counted as open or finished
    "dont_know",  # the respondent does not know: shown apart, never scored
    "not_applicable",  # the item does not apply: shown apart, never scored
    "none",  # "none of these" in a select_multiple: excludes the other options
    "other",  # "other": an answer outside the listed ones
)
#: Roles that make a list a status list, ordered as the list is written.
STATUS_ROLES = frozenset({"completed", "in_progress", "not_started", "cancelled"})

Labels = tuple[tuple[str, str], ...]


def lang_code(lang: str) -> str:
    """Return the short code of a language: ``"Italiano (it)"`` and ``"it"`` both give ``"it"``."""
    match = re.search(r"\(([^()]+)\)\s*$", lang)
    return (match.group(1) if match else lang).strip().lower()


def _pick_label(labels: Labels, lang: str) -> str:
    code = lang_code(lang)
    for label_code, text in labels:
        if label_code == code:
            return text
    return labels[0][1] if labels else ""


@dataclass(frozen=True)
class Question:
    """One question of the ``survey`` sheet (groups and repeats are ``Section``)."""

    name: str
    type: str
    list_name: str | None
    labels: Labels
    hint: str
    required: bool
    constraint: str
    relevant: str
    theme: str
    pii: bool
    group: str | None
    repeat: str | None
    row: int
    constraint_messages: Labels = ()
    hints: Labels = ()
    sections: tuple[str, ...] = ()  # enclosing groups and repeats, outermost first
    calculation: str = ""
    soft_constraint: str = ""
    soft_constraint_messages: Labels = ()

    def label(self, lang: str = "it") -> str:
        """Return the label in ``lang`` (code such as ``"it"`` or column suffix)."""
        return _pick_label(self.labels, lang)

    def constraint_message(self, lang: str = "it") -> str:
        """Return the ``constraint_message`` in ``lang`` ("" when the questionnaire has none)."""
        return _pick_label(self.constraint_messages, lang)

    def soft_constraint_message(self, lang: str = "it") -> str:
        """Return the ``soft_constraint_message`` in ``lang`` ("" when there is none)."""
        return _pick_label(self.soft_constraint_messages, lang)


@dataclass(frozen=True)
class Section:
    """A group or a repeat of the ``survey`` sheet."""

    name: str
    kind: str
    labels: Labels
    theme: str
    parent: str | None
    row: int
    relevant: str = ""

    def label(self, lang: str = "it") -> str:
        """Return the label in ``lang``."""
        return _pick_label(self.labels, lang)


@dataclass(frozen=True)
class Choice:
    """One option of a list of the ``choices`` sheet.

    ``score`` is None for unscored options; ``role`` is one of :data:`ROLES` or "".
    """

    list_name: str
    name: str
    labels: Labels
    score: float | None
    row: int
    role: str = ""

    def label(self, lang: str = "it") -> str:
        """Return the label in ``lang``."""
        return _pick_label(self.labels, lang)


@dataclass(frozen=True)
class Instrument:
    """A validated questionnaire: questions, lists, settings, coding frame and crosswalk."""

    path: Path | None
    form_id: str
    form_title: str
    version: str
    wave: int
    default_language: str
    synthetic: bool
    languages: tuple[str, ...]
    questions: tuple[Question, ...]
    sections: tuple[Section, ...]
    all_choices: tuple[Choice, ...]
    coding_frame: pd.DataFrame = field(compare=False, repr=False)
    crosswalk: pd.DataFrame | None = field(default=None, compare=False, repr=False)

    def question(self, name: str) -> Question:
        """Return the question called ``name``."""
        for q in self.questions:
            if q.name == name:
                return q
        raise KeyError(f"domanda sconosciuta: {name!r}")

    @property
    def question_names(self) -> tuple[str, ...]:
        """Return the names of all questions, in questionnaire order."""
        return tuple(q.name for q in self.questions)

    @property
    def list_names(self) -> tuple[str, ...]:
        """Return the list names of the ``choices`` sheet in order of first appearance."""
        return tuple(dict.fromkeys(c.list_name for c in self.all_choices))

    def choices(self, list_name: str) -> tuple[Choice, ...]:
        """Return the options of ``list_name`` in sheet order."""
        found = tuple(c for c in self.all_choices if c.list_name == list_name)
        if not found:
            raise KeyError(f"lista sconosciuta: {list_name!r}")
        return found

    def label(self, name: str, lang: str = "it") -> str:
        """Return the label of a question, group or repeat in ``lang``."""
        for item in (*self.questions, *self.sections):
            if item.name == name:
                return item.label(lang)
        raise KeyError(f"domanda sconosciuta: {name!r}")

    def choice_label(self, list_name: str, code: str, lang: str = "it") -> str:
        """Return the label of option ``code`` of ``list_name`` in ``lang``."""
        for c in self.choices(list_name):
            if c.name == code:
                return c.label(lang)
        raise KeyError(f"opzione {code!r} assente dalla lista {list_name!r}")

    def codes_with_role(self, role: str, list_name: str | None = None) -> tuple[str, ...]:
        """Return the option codes with ``role`` (in one list, or in every list).

        In the demo questionnaire ``codes_with_role("completed", "stato")`` is
        ``("completato",)`` and ``codes_with_role("dont_know")`` is ``("non_so",)``.
        """
        if role not in ROLES:
            raise KeyError(f"ruolo sconosciuto: {role!r}")
        found = self.all_choices if list_name is None else self.choices(list_name)
        return tuple(dict.fromkeys(c.name for c in found if c.role == role))

    def lists_with_role(self, role: str) -> tuple[str, ...]:
        """Return the lists having an option with ``role`` (the status list: "completed")."""
        if role not in ROLES:
            raise KeyError(f"ruolo sconosciuto: {role!r}")
        return tuple(dict.fromkeys(c.list_name for c in self.all_choices if c.role == role))

    def roles(self, list_name: str) -> dict[str, str]:
        """Return option code -> role ("" for options without one) of ``list_name``."""
        return {c.name: c.role for c in self.choices(list_name)}

    @property
    def ordered_lists(self) -> tuple[str, ...]:
        """Return the lists whose order means something: scored (Likert) or status lists."""
        return tuple(
            name
            for name in self.list_names
            if any(c.score is not None or c.role in STATUS_ROLES for c in self.choices(name))
        )

    def relevant_chain(self, name: str) -> tuple[str, ...]:
        """Return the ``relevant`` conditions that must all hold for a question to apply.

        The conditions of the enclosing groups and repeats come first, then the question's own.
        """
        q = self.question(name)
        by_name = {s.name: s for s in self.sections}
        outer = (by_name[s].relevant for s in q.sections if s in by_name)
        return tuple(c for c in (*outer, q.relevant) if c)

    def scores(self, list_name: str) -> dict[str, float | None]:
        """Return option code -> score (None for options shown apart, e.g. "non so")."""
        return {c.name: c.score for c in self.choices(list_name)}

    @property
    def pii_fields(self) -> tuple[str, ...]:
        """Return the names of the questions holding personal data."""
        return tuple(q.name for q in self.questions if q.pii)

    @property
    def open_questions(self) -> tuple[Question, ...]:
        """Return the free-text questions to code: text, with a theme, not PII, not repeated."""
        return tuple(
            q
            for q in self.questions
            if q.type == "text"
            and q.theme
            and q.theme != PROFILE_THEME
            and not q.pii
            and q.repeat is None
        )

    @property
    def likert_items(self) -> tuple[Question, ...]:
        """Return the select_one questions whose list has scores."""
        scored = {c.list_name for c in self.all_choices if c.score is not None}
        return tuple(q for q in self.questions if q.type == "select_one" and q.list_name in scored)

    def repeats(self) -> list[tuple[Section, str]]:
        """Return each repeat of the questionnaire, in order, with the repeat it sits in.

        The enclosing repeat is "" at the top; groups in between do not count.
        """
        by_name = {s.name: s for s in self.sections}
        out = []
        for section in self.sections:
            if section.kind != "repeat":
                continue
            parent = section.parent or ""
            while parent and by_name[parent].kind != "repeat":
                parent = by_name[parent].parent or ""
            out.append((section, parent))
        return out

    def repeat_fields(self, repeat: str) -> tuple[Question, ...]:
        """Return the questions inside the repeat called ``repeat``, in order."""
        if not any(s.name == repeat and s.kind == "repeat" for s in self.sections):
            raise KeyError(f"ripetizione sconosciuta: {repeat!r}")
        return tuple(q for q in self.questions if q.repeat == repeat)


# --------------------------------------------------------------------------- loading


def check_instrument(path: str | os.PathLike[str]) -> tuple[Instrument | None, Findings]:
    """Read and check a questionnaire workbook without raising for its problems.

    Parameters
    ----------
    path
        The XLSForm workbook (``questionnaire.xlsx`` of a wave).

    Returns
    -------
    The questionnaire (None when it has any problem) and the findings, all errors, each with
    sheet and cell (row and column), so they can be written like the findings of the data.
    """
    instrument, items, _ = _load(Path(path))
    return instrument, Findings(items)


def load_instrument(path: str | os.PathLike[str]) -> Instrument:
    """Read and validate a questionnaire workbook.

    Parameters
    ----------
    path
        The XLSForm workbook (``questionnaire.xlsx`` of a wave).

    Returns
    -------
    The questionnaire, ready for the later stages.

    Raises
    ------
    InputError
        The file is missing or is not a workbook.
    ConfigError
        The questionnaire has problems; ``error.findings`` lists all of them.
    """
    path = Path(path)
    instrument, items, unreadable = _load(path)
    if unreadable:
        error: InputError | ConfigError = InputError(items[0].message)
    elif items:
        lines = "\n".join(f"- {f.one_line()}" for f in items)
        error = ConfigError(
            f"Il questionario {path.name} ha {len(items)} problemi da correggere:\n{lines}"
        )
    else:
        return instrument
    error.findings = tuple(items)
    raise error


def _load(path: Path) -> tuple[Instrument | None, list[Finding], bool]:
    """Return (instrument or None, findings, True when the file could not be read at all)."""
    from distretti_survey import instrument_checks as ic
    from distretti_survey.instrument_expressions import check_expressions

    out = ic.Collector(path.name)
    sheets = ic.read_workbook(path, out)
    if sheets is None:
        return None, out.items, True
    for name in REQUIRED_SHEETS:
        if name not in sheets:
            out.add(name, "", f"Manca il foglio «{name}».", suggestion="Aggiungere il foglio.")
    settings = {"default_language": DEFAULT_LANGUAGE, "version": "", "wave": 0,
                "form_id": "", "form_title": "", "synthetic": False}  # fmt: skip
    if "settings" in sheets and ic.check_columns(sheets["settings"], SETTINGS_REQUIRED, out):
        settings = ic.parse_settings(sheets["settings"], out, DEFAULT_LANGUAGE)
    default_label = f"label::{settings['default_language']}"

    questions, sections, choices, label_columns = [], [], [], {}
    if "survey" in sheets:
        survey = sheets["survey"]
        label_columns = ic.translated(survey.header, "label")
        if ic.check_columns(survey, (*SURVEY_REQUIRED, default_label), out):
            parser = ic.SurveyParser(survey, label_columns, out, settings["default_language"])
            questions, sections = parser.parse()
            check_expressions(survey, questions, sections, out)
            if not questions:
                out.add("survey", "A2", "Il questionario non ha domande.",
                        suggestion="Scrivere le domande nel foglio survey.")  # fmt: skip
    if "choices" in sheets:
        if ic.check_columns(sheets["choices"], (*CHOICES_REQUIRED, *label_columns.values()), out):
            choices = ic.parse_choices(sheets["choices"], label_columns, out)
        defined = {c.list_name for c in choices}
        for q in questions:
            if q.list_name and q.list_name not in defined:
                out.add(
                    "survey",
                    sheets["survey"].cell("type", q.row),
                    f"La lista «{q.list_name}» non è definita nel foglio choices.",
                    question=q.name,
                    value=q.list_name,
                    suggestion="Aggiungere le opzioni in choices o correggere il nome.",
                )
    if "coding_frame" in sheets:
        ic.check_columns(sheets["coding_frame"], CODING_FRAME_COLUMNS, out)
    if out.items:
        return None, out.items, False
    instrument = Instrument(
        path=path,
        **settings,
        languages=tuple(label_columns),
        questions=tuple(questions),
        sections=tuple(sections),
        all_choices=tuple(choices),
        coding_frame=ic.frame(sheets["coding_frame"]),
        crosswalk=ic.frame(sheets["crosswalk"]) if "crosswalk" in sheets else None,
    )
    return instrument, [], False
