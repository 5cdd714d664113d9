"""Recognise the columns of a table by content: question names or labels, meta columns, header rows.

KoboToolbox and ODK write a column per question as the XML name or the label (in any language
of the form), with or without the path of its groups (``group/question``, ``group.question``,
ODK Central's ``group-question``), and a select_multiple also as one 0/1 column per option
(``question/option``, or with labels). Their bookkeeping columns (``_uuid``, ``KEY``, ...) are
mapped to canonical meta names starting with ``_`` so the readers never warn about them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from distretti_survey.ingest.spec import FormSpec
from distretti_survey.ingest.values import fold, is_blank, text_value
from distretti_survey.layout import PARENT_LINK

#: Rows scanned from the top of a sheet for its header row.
HEADER_SCAN = 12

#: Kobo / ODK bookkeeping columns, spelt as the platforms write them -> canonical meta name.
_META = {
    "start": "_start",
    "end": "_end",
    "today": "_today",
    "username": "_username",
    "deviceid": "_deviceid",
    "phonenumber": "_phonenumber",
    "simserial": "_simserial",
    "subscriberid": "_subscriberid",
    "audit": "_audit",
    "instanceID": "_instance_id",
    "instanceName": "_instance_name",
    "deprecatedID": "_deprecated_id",
    "rootUuid": "_root_uuid",
    "uuid": "_formhub_uuid",
    "KEY": "_key",
    "PARENT_KEY": "_parent_key",
    "SubmissionDate": "_submission_time",
    "SubmitterID": "_submitter_id",
    "SubmitterName": "_submitted_by",
    "AttachmentsPresent": "_attachments_present",
    "AttachmentsExpected": "_attachments_expected",
    "Status": "_odk_status",
    "ReviewState": "_review_state",
    "DeviceID": "_device_id",
    "Edits": "_edits",
    "FormVersion": "_form_version",
}
_META_GROUPS = ("meta", "formhub")
_SEPARATORS = re.compile(r"[/.\-:]")


def meta_name(column: str, spec: FormSpec) -> str | None:
    """Return the canonical meta name of a Kobo/ODK bookkeeping column, or None.

    Only the platforms' own spellings count (``KEY``, not ``key``), and never a question name
    of the questionnaire, so that a question is not taken for bookkeeping.

    Examples
    --------
    ``"meta/instanceID"``, ``"meta.instanceID"`` and ``"meta-instanceID"`` give
    ``"_instance_id"``; ``"_validation_status"`` stays itself; ``"KEY"`` gives ``"_key"``.
    """
    text = column.strip()
    if text.startswith("_"):
        return text
    if text in spec.questions:
        return None
    if text in _META:
        return _META[text]
    for sep in ("/", ".", "-"):
        head, found, tail = text.partition(sep)
        if found and head in _META_GROUPS and tail in _META:
            return _META[tail]
    return None


def resolve_column(column: str, spec: FormSpec) -> tuple[str | None, bool]:
    """Return (question name, read from a label) for a column header; (None, False) if unknown.

    A select_multiple's 0/1 column gives ``question/option``; a meta column its canonical
    name (see :func:`meta_name`).
    """
    cache = spec.__dict__.setdefault("_column_cache", {})
    if column not in cache:
        cache[column] = _resolve(column, spec)
    return cache[column]


def _question(text: str, spec: FormSpec) -> tuple[str | None, bool]:
    if text in spec.questions:
        return text, False
    name = spec.header_index.get(fold(text))
    return (name, fold(text) != fold(name)) if name else (None, False)


def _resolve(column: str, spec: FormSpec) -> tuple[str | None, bool]:
    text = column.strip()
    if not text:
        return None, False
    meta = meta_name(text, spec)
    if meta:
        return meta, False
    name, by_label = _question(text, spec)
    if name:
        return name, by_label
    cuts = [m.start() for m in _SEPARATORS.finditer(text)]
    # a group path before the question: the longest suffix after a separator that is a question
    for i in cuts:
        name, by_label = _question(text[i + 1 :], spec)
        if name:
            return name, by_label
    # a select_multiple option column: question (after an optional group path) / option
    for b in cuts:
        option = spec_option(text[:b], text[b + 1 :], spec, cuts)
        if option:
            return option
    return None, False


def spec_option(
    head: str, option: str, spec: FormSpec, cuts: Sequence[int]
) -> tuple[str, bool] | None:
    """Return (``question/option``, by label) when ``head`` ends with a select_multiple."""
    starts = [0, *(i + 1 for i in cuts if i < len(head))]
    for start in starts:
        name, by_label = _question(head[start:], spec)
        if name and spec.questions[name].type == "select_multiple":
            code = spec.option_index[name].get(fold(option))
            if code is None:
                code = option.strip()  # unknown option: the validator reports it
            return f"{name}/{code}", by_label or fold(option) != fold(code)
    return None


def read_header(row: Sequence[object], spec: FormSpec) -> tuple[dict[int, str], set[int], bool]:
    """Return (column -> name, unknown non-blank columns, any column read from a label)."""
    out: dict[int, str] = {}
    unknown: set[int] = set()
    labels = False
    for c, value in enumerate(row):
        if is_blank(value):
            continue
        name, by_label = resolve_column(text_value(value), spec)
        if name:
            out[c] = name
            labels = labels or by_label
        else:
            unknown.add(c)
    return out, unknown, labels


def locate_header(
    rows: Sequence[Sequence[object]], spec: FormSpec, wanted: set[str]
) -> tuple[int | None, dict[int, str], bool]:
    """Find the header row of a table among the first rows of a sheet.

    The header is the row where most cells name a question of ``wanted`` (by name or label,
    with or without group paths). A template keeps the labels in one row and the names in the
    next: both are header rows, and the data start after the last.

    Returns
    -------
    (index of the last header row, 0-based, or None when no row names a wanted question;
    column -> name; True when columns were recognised from labels)
    """
    best, best_score = None, 0
    scored: list[tuple[dict[int, str], bool]] = []
    for r, row in enumerate(rows[:HEADER_SCAN]):
        columns, _, labels = read_header(row, spec)
        columns = {c: n for c, n in columns.items() if n in wanted or n.partition("/")[0] in wanted}
        scored.append((columns, labels))
        if len(columns) > best_score:
            best, best_score = r, len(columns)
        elif best is not None and r > best + 1 and best_score >= len(wanted):
            break  # every wanted question found, and the row after it seen: done
    if best is None:
        return None, {}, False
    columns, labels = scored[best]
    nxt = best + 1
    if nxt < len(scored) and len(scored[nxt][0]) >= best_score:  # labels, then names
        columns = {**columns, **scored[nxt][0]}
        labels = scored[nxt][1]
        best = nxt
    return best, columns, labels


def match_repeat(
    rows: Sequence[Sequence[object]], spec: FormSpec, repeat: str = ""
) -> tuple[str, int | None, dict[int, str]]:
    """Return (repeat, last header row, column -> question) of the repeat table in ``rows``.

    Without ``repeat`` it is the one with most of its questions among the header's columns;
    with it (a sheet of the template, which says whose it is) only its questions are looked
    for. ("", None, {}) when no row near the top names a question of the repeat(s).
    """
    wanted = {
        q.name for q in spec.questions.values() if q.repeat and q.repeat == (repeat or q.repeat)
    }
    header, columns, _ = locate_header(rows, spec, wanted)
    if header is None:
        return "", None, {}
    counts: dict[str, int] = {}
    for name in columns.values():
        owner = spec.questions[name.partition("/")[0]].repeat
        counts[owner] = counts.get(owner, 0) + 1
    repeat = max(counts, key=lambda k: (counts[k], k == spec.main_repeat))
    fields = {q.name for q in spec.repeat_fields(repeat)}
    return repeat, header, {c: n for c, n in columns.items() if n.partition("/")[0] in fields}


def link_column(rows: Sequence[Sequence[object]], header: int, texts: set[str]) -> int | None:
    """Return the column of a nested repeat's link to its parent row, or None.

    It is the column whose header (the last header row or the one above, for a template's
    labels and names) is ``layout.PARENT_LINK`` or one of ``texts`` (its labels, folded).
    """
    wanted = {fold(PARENT_LINK), *texts}
    for r in (header, header - 1):
        if r < 0 or r >= len(rows):
            continue
        for c, value in enumerate(rows[r]):
            if fold(text_value(value)) in wanted:
                return c
    return None


def content_rows(rows: Sequence[Sequence[object]], start: int = 0) -> tuple[int, ...]:
    """Return the Excel numbers of the rows from ``start`` (0-based) that hold any value."""
    return tuple(r + 1 for r in range(start, len(rows)) if any(not is_blank(v) for v in rows[r]))
