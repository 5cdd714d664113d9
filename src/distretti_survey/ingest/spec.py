"""The view of the questionnaire the readers and the validator need, taken from an Instrument."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from distretti_survey.ingest.values import Choice, fold
from distretti_survey.instrument import NO_ANSWER_TYPES

#: The repeat the demo questionnaire calls ``interventions``: ``SurveyData.interventions``.
MAIN_REPEAT = "interventions"

#: Question types that hold no answer in a workbook: group markers and ``NO_ANSWER_TYPES``.
STRUCTURE_TYPES = NO_ANSWER_TYPES | {
    "begin_group",
    "end_group",
    "begin_repeat",
    "end_repeat",
    "begin group",
    "end group",
    "begin repeat",
    "end repeat",
}
NUMBER_TYPES = {"integer", "decimal", "range"}
DATE_TYPES = {"date", "datetime"}


@dataclass(frozen=True)
class QuestionSpec:
    """One answerable question: base type, list, flags, and where it lives (repeat or not)."""

    name: str
    type: str
    list_name: str = ""
    label: str = ""
    required: bool = False
    constraint: str = ""
    relevant: str = ""
    theme: str = ""
    pii: bool = False
    repeat: str = ""
    constraint_message: str = ""
    soft_constraint: str = ""
    soft_constraint_message: str = ""
    #: the labels in every language of the questionnaire (the first is ``label``)
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class RepeatSpec:
    """One repeat group: its name, the repeat it sits in ("" at the top) and its labels."""

    name: str
    parent: str = ""
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class FormSpec:
    """Questions by name (questionnaire order) and choices by list, plus the settings."""

    questions: dict[str, QuestionSpec]
    choices: dict[str, tuple[Choice, ...]]
    version: str = ""
    wave: int | None = None
    form_id: str = ""
    synthetic: bool = False
    open_questions: tuple[str, ...] = field(default_factory=tuple)
    likert_items: tuple[str, ...] = field(default_factory=tuple)
    ordered_lists: tuple[str, ...] = field(default_factory=tuple)
    #: repeat groups in questionnaire order (outer before inner)
    repeats: dict[str, RepeatSpec] = field(default_factory=dict)

    def top(self) -> list[QuestionSpec]:
        """Return the questions outside any repeat."""
        return [q for q in self.questions.values() if not q.repeat]

    @property
    def main_repeat(self) -> str:
        """Return the repeat whose rows are ``SurveyData.interventions``.

        The repeat named ``interventions`` when there is one, else the first repeat of the
        questionnaire that is not inside another repeat ("" when there is no repeat).
        """
        if MAIN_REPEAT in self.repeats:
            return MAIN_REPEAT
        return next((r.name for r in self.repeats.values() if not r.parent), "")

    def repeat_fields(self, repeat: str | None = None) -> list[QuestionSpec]:
        """Return the questions of one repeat group (default: the main one), in order."""
        repeat = self.main_repeat if repeat is None else repeat
        return [q for q in self.questions.values() if q.repeat == repeat]

    @cached_property
    def header_index(self) -> dict[str, str]:
        """Return folded question name or label (any language) -> question name.

        Names win over labels; a label shared by two questions is left out (ambiguous).
        """
        index: dict[str, str] = {}
        ambiguous: set[str] = set()
        for q in self.questions.values():
            for text in dict.fromkeys((q.label, *q.labels)):
                key = fold(text)
                if not key or key in ambiguous:
                    continue
                if key in index and index[key] != q.name:
                    ambiguous.add(key)
                    del index[key]
                else:
                    index[key] = q.name
        for q in self.questions.values():
            index[fold(q.name)] = q.name
            index[q.name] = q.name
        return index

    @cached_property
    def option_index(self) -> dict[str, dict[str, str]]:
        """Return select_multiple question -> folded option code or label -> option code."""
        out: dict[str, dict[str, str]] = {}
        for q in self.questions.values():
            if q.type != "select_multiple":
                continue
            table: dict[str, str] = {}
            for c in self.options(q.name):
                for text in (c.label, *c.labels):
                    table.setdefault(fold(text), c.code)
                table[fold(c.code)] = c.code
                table[c.code] = c.code
            out[q.name] = table
        return out

    @property
    def pii(self) -> list[str]:
        """Return the names of the PII questions."""
        return [q.name for q in self.questions.values() if q.pii]

    def options(self, question: str) -> tuple[Choice, ...]:
        """Return the choices of a select question (empty for other types)."""
        return self.choices.get(self.questions[question].list_name, ())


def _get(obj: Any, *names: str, default: Any = "") -> Any:
    for name in names:
        if isinstance(obj, dict) and name in obj:
            return obj[name]
        if hasattr(obj, name):
            value = getattr(obj, name)
            return value() if callable(value) else value
    return default


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().casefold() in {"yes", "true", "1", "si", "sì", "true()"}


def _text(value: Any) -> str:
    return "" if value is None or value != value else str(value).strip()


def form_spec(instrument: Any) -> FormSpec:
    """Build the ingest view of an ``Instrument`` (or return a FormSpec unchanged).

    Parameters
    ----------
    instrument
        The object returned by ``instrument.load_instrument``.

    Returns
    -------
    The questions, choices and settings the readers and the validator use.
    """
    if isinstance(instrument, FormSpec):
        return instrument
    raw_questions = _get(instrument, "questions")
    if isinstance(raw_questions, dict):
        raw_questions = list(raw_questions.values())
    questions: dict[str, QuestionSpec] = {}
    lists: set[str] = set()
    for q in raw_questions:
        qtype = _text(_get(q, "type", "base_type"))
        list_name = _text(_get(q, "list_name", "list", default=""))
        if " " in qtype:  # raw XLSForm "select_one stato"
            qtype, _, rest = qtype.partition(" ")
            list_name = list_name or rest.strip()
        if qtype in STRUCTURE_TYPES:
            continue
        name = _text(_get(q, "name"))
        questions[name] = QuestionSpec(
            name=name,
            type=qtype,
            list_name=list_name,
            label=_text(_get(q, "label", "label_it", default="")) or name,
            required=_flag(_get(q, "required", default=False)),
            constraint=_text(_get(q, "constraint", default="")),
            relevant=_relevant(instrument, q, name),
            theme=_text(_get(q, "theme", default="")),
            pii=_flag(_get(q, "pii", default=False)),
            repeat=_text(_get(q, "repeat", default="")),
            constraint_message=_text(_get(q, "constraint_message", default="")),
            soft_constraint=_text(_get(q, "soft_constraint", default="")),
            soft_constraint_message=_text(_get(q, "soft_constraint_message", default="")),
            labels=_all_labels(q),
        )
        if list_name:
            lists.add(list_name)
    choices = {name: tuple(_choices(instrument, name)) for name in sorted(lists)}
    wave = _get(instrument, "wave", default=None)
    return FormSpec(
        questions=questions,
        choices=choices,
        version=_text(_get(instrument, "version", default="")),
        wave=int(wave) if wave not in (None, "") else None,
        form_id=_text(_get(instrument, "form_id", default="")),
        synthetic=_flag(_get(instrument, "synthetic", default=False)),
        open_questions=tuple(_names(_get(instrument, "open_questions", default=()))),
        likert_items=tuple(_names(_get(instrument, "likert_items", default=()))),
        ordered_lists=tuple(_get(instrument, "ordered_lists", default=())),
        repeats=_repeats(instrument),
    )


def _relevant(instrument: Any, q: Any, name: str) -> str:
    """Return the question's ``relevant`` joined with those of its groups (all must hold)."""
    chain = getattr(instrument, "relevant_chain", None)
    if chain is None:
        return _text(_get(q, "relevant", default=""))
    parts = chain(name)
    return parts[0] if len(parts) == 1 else " and ".join(f"({p})" for p in parts)


def _all_labels(item: Any) -> tuple[str, ...]:
    """Return the labels of a question or option in every language (Instrument ``labels``)."""
    pairs = _get(item, "labels", default=())
    if isinstance(pairs, str):
        return (pairs,)
    return tuple(_text(p[1] if isinstance(p, tuple) else p) for p in pairs if p)


def _repeats(instrument: Any) -> dict[str, RepeatSpec]:
    """Return the repeats of the questionnaire, each with the repeat it is nested in."""
    sections = list(_get(instrument, "sections", default=()) or ())
    by_name = {_text(_get(s, "name")): s for s in sections}
    out: dict[str, RepeatSpec] = {}
    for section in sections:
        if _text(_get(section, "kind")) != "repeat":
            continue
        parent = _text(_get(section, "parent", default=""))
        while parent and _text(_get(by_name.get(parent), "kind")) not in ("repeat", ""):
            parent = _text(_get(by_name[parent], "parent", default=""))
        name = _text(_get(section, "name"))
        out[name] = RepeatSpec(name, parent, _all_labels(section))
    if not out:  # a FormSpec-like object without sections: repeats from the questions
        for q in _get(instrument, "questions", default=()) or ():
            repeat = _text(_get(q, "repeat", default=""))
            if repeat and repeat not in out:
                out[repeat] = RepeatSpec(repeat)
    return out


def _names(items: Any) -> list[str]:
    return [item if isinstance(item, str) else _text(_get(item, "name")) for item in items]


def _choices(instrument: Any, list_name: str) -> list[Choice]:
    raw = instrument.choices(list_name)
    out = []
    for c in raw:
        score = _get(c, "score", default=None)
        score = None if score in (None, "") or score != score else float(score)
        out.append(
            Choice(
                _text(_get(c, "name", "code")),
                _text(_get(c, "label", "label_it")),
                score,
                _all_labels(c),
            )
        )
    return out
