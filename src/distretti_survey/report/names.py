"""Names the talk shows that come from the questionnaire, never from code.

The organisation, the survey's title and the source line under every chart are data: they sit
in the questionnaire's ``settings`` sheet (keys ``organisation``, ``survey_title``,
``source``), so another organisation, or another survey, needs no change of code. A
questionnaire without these keys gets neutral fallbacks (the form title, no organisation).

What a code means (which status is "completed", which Likert option is "don't know") also
comes from the questionnaire: the ``role`` column of the ``choices`` sheet. Questionnaires
made before that column existed (the demo waves 2011-2012) fall back on ``LEGACY_ROLES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Settings keys read by the report (added to the questionnaire's ``settings`` sheet).
SETTINGS_KEYS = ("organisation", "survey_title", "source")
DEFAULT_SOURCE = "Fonte: {survey_title}, {wave}"
#: Roles of the ``choices`` sheet the report understands.
ROLES = ("completed", "cancelled", "not_started", "dont_know", "not_applicable", "none")
#: Only for questionnaires without a ``role`` column: the codes of the demo lists 2011-2012.
LEGACY_ROLES = {
    "completato": "completed",
    "annullato": "cancelled",
    "non_avviato": "not_started",
    "non_so": "dont_know",
    "non_applicabile": "not_applicable",
    "nessuno": "none",
}


@dataclass(frozen=True)
class SurveyNames:
    """The organisation, the survey title and the source line template of a wave."""

    organisation: str
    survey_title: str
    source: str

    def source_line(self, wave: int | str) -> str:
        """Return the source line for ``wave`` ({wave} and {survey_title} filled in)."""
        try:
            return self.source.format(wave=wave, survey_title=self.survey_title)
        except (KeyError, IndexError, ValueError):
            return self.source  # a literal line with braces of its own


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _settings_of(instrument: Any) -> dict[str, Any]:
    """Return the settings of the questionnaire: ``instrument.settings`` or the sheet itself."""
    settings = getattr(instrument, "settings", None)
    if isinstance(settings, dict):
        return settings
    path = getattr(instrument, "path", None)
    if path is None:
        return {}
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError):
        return {}
    try:
        if "settings" not in book.sheetnames:
            return {}
        rows = list(book["settings"].iter_rows(min_row=1, max_row=2, values_only=True))
    finally:
        book.close()
    if len(rows) < 2:
        return {}
    return {_text(k): v for k, v in zip(rows[0], rows[1], strict=False) if _text(k)}


def survey_names(instrument: Any) -> SurveyNames:
    """Read the organisation, title and source line from the questionnaire's settings."""
    settings = _settings_of(instrument)
    title = _text(settings.get("survey_title")) or _text(getattr(instrument, "form_title", ""))
    title = title or "indagine"
    source = _text(settings.get("source")) or DEFAULT_SOURCE
    return SurveyNames(_text(settings.get("organisation")), title, source)


def choice_roles(instrument: Any, list_name: str) -> dict[str, str]:
    """Return option code -> role for a list, from the ``role`` column of ``choices``.

    Without any role in the list (a questionnaire older than the column), the codes of
    ``LEGACY_ROLES`` found in the list are used.
    """
    choices = instrument.choices(list_name)
    roles = {c.name: _text(getattr(c, "role", "")) for c in choices}
    if any(roles.values()):
        return {code: role for code, role in roles.items() if role}
    return {c.name: LEGACY_ROLES[c.name] for c in choices if c.name in LEGACY_ROLES}
