"""The view of the questionnaire the readers and the validator need, taken from an Instrument."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from distretti_survey.ingest.values import Choice, fold
from distretti_survey.instrument import NO_ANSWER_TYPES, Instrument, Question
from distretti_survey.layout import main_repeat, repeat_sheets

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
    """One repeat group: its name, the repeat it sits in ("" at the top) and its labels.

    ``label`` is the label the templates show (``Section.label()``), which names its sheet.
    """

    name: str
    parent: str = ""
    labels: tuple[str, ...] = ()
    label: str = ""


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

    def top(self) -> tuple[QuestionSpec, ...]:
        """Return the questions outside any repeat."""
        return self._by_repeat.get("", ())

    @cached_property
    def _by_repeat(self) -> dict[str, tuple[QuestionSpec, ...]]:
        # looked up for every interview and repeat row: indexed once
        out: dict[str, list[QuestionSpec]] = {}
        for q in self.questions.values():
            out.setdefault(q.repeat, []).append(q)
        return {repeat: tuple(qs) for repeat, qs in out.items()}

    @property
    def main_repeat(self) -> str:
        """Return the repeat whose rows are ``SurveyData.interventions``.

        The repeat named ``interventions`` when there is one, else the first repeat of the
        questionnaire that is not inside another repeat ("" when there is no repeat).
        """
        return main_repeat([(r.name, r.parent) for r in self.repeats.values()])

    @cached_property
    def repeat_sheets(self) -> dict[str, str]:
        """Return repeat -> its sheet in a per-district workbook (``layout.repeat_sheets``)."""
        return repeat_sheets([(r.name, r.label, r.parent) for r in self.repeats.values()])

    def repeat_fields(self, repeat: str | None = None) -> tuple[QuestionSpec, ...]:
        """Return the questions of one repeat group (default: the main one), in order."""
        repeat = self.main_repeat if repeat is None else repeat
        return self._by_repeat.get(repeat, ())

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

    @cached_property
    def exact_choices(self) -> dict[str, dict[str, tuple[str, str]]]:
        """Return list name -> exact code or label -> (code, ``"code"`` or ``"label"``).

        The same answer as ``values.resolve_choice`` for an answer typed exactly, found with
        one lookup: a code wins over a label, the first choice over a later one.
        """
        out: dict[str, dict[str, tuple[str, str]]] = {}
        for list_name, choices in self.choices.items():
            table: dict[str, tuple[str, str]] = {}
            for c in choices:
                for text in (c.label, *c.labels):
                    table.setdefault(text, (c.code, "label"))
            for c in reversed(choices):
                table[c.code] = (c.code, "code")
            out[list_name] = table
        return out

    def options(self, question: str) -> tuple[Choice, ...]:
        """Return the choices of a select question (empty for other types)."""
        return self.choices.get(self.questions[question].list_name, ())


def form_spec(instrument: Instrument | FormSpec) -> FormSpec:
    """Index an ``Instrument`` for the ingest (a FormSpec is returned unchanged).

    There is one model of the questionnaire, ``instrument.Instrument``, read and checked once;
    a FormSpec holds nothing of its own: it is that model indexed by name, with the labels in
    the default language, the ``relevant`` of each question joined with its groups', and the
    types that hold no answer left out, as the readers and the validator look them up for
    every cell.
    """
    if isinstance(instrument, FormSpec):
        return instrument
    questions = {
        q.name: _question(instrument, q)
        for q in instrument.questions
        if q.type not in STRUCTURE_TYPES
    }
    lists = sorted({q.list_name for q in questions.values() if q.list_name})
    return FormSpec(
        questions=questions,
        choices={name: tuple(_choices(instrument, name)) for name in lists},
        version=instrument.version,
        wave=instrument.wave,
        form_id=instrument.form_id,
        synthetic=instrument.synthetic,
        open_questions=tuple(q.name for q in instrument.open_questions),
        likert_items=tuple(q.name for q in instrument.likert_items),
        ordered_lists=tuple(instrument.ordered_lists),
        repeats=_repeats(instrument),
    )


def _question(instrument: Instrument, q: Question) -> QuestionSpec:
    chain = instrument.relevant_chain(q.name)
    relevant = chain[0] if len(chain) == 1 else " and ".join(f"({p})" for p in chain)
    return QuestionSpec(
        name=q.name,
        type=q.type,
        list_name=q.list_name or "",
        label=q.label() or q.name,
        required=q.required,
        constraint=q.constraint,
        relevant=relevant,
        theme=q.theme,
        pii=q.pii,
        repeat=q.repeat or "",
        constraint_message=q.constraint_message(),
        soft_constraint=q.soft_constraint,
        soft_constraint_message=q.soft_constraint_message(),
        labels=tuple(text for _, text in q.labels if text),
    )


def _repeats(instrument: Instrument) -> dict[str, RepeatSpec]:
    """Return the repeats of the questionnaire, each with the repeat it is nested in."""
    out: dict[str, RepeatSpec] = {}
    for section, parent in instrument.repeats():
        labels = tuple(text for _, text in section.labels if text)
        out[section.name] = RepeatSpec(section.name, parent, labels, section.label())
    return out


def _choices(instrument: Instrument, list_name: str) -> list[Choice]:
    return [
        Choice(c.name, c.label(), c.score, tuple(text for _, text in c.labels if text))
        for c in instrument.choices(list_name)
    ]
