"""Labelled data for other tools: SPSS (.sav), Stata (.dta), Parquet and CSV with a codebook.

The tidy tables of a wave go out one file per table, with the questionnaire's words attached:
each column carries its question label (variable label) and each answer code its option label
(value label), so a colleague in SPSS, Stata or R sees "Sindaco", not ``sindaco`` or ``1``.

How answers are coded (the codebook CSV lists every code):

- CSV and Parquet keep the questionnaire's option codes (``in_corso``); Parquet stores the
  labels in the schema metadata (``label`` and ``value_labels`` of each field).
- SPSS and Stata need numbers for value labels. A scored list (Likert scale) uses the score
  (1..5) as code, and its unscored options ("non so", "non applicabile") get 97, 98, ..., which
  SPSS receives as user-missing values: means in SPSS leave them out, as the report does. Other
  lists number their options 1, 2, ... in questionnaire order.
- Long tables (``multi``, ``likert``, ``open_answers``) keep the question and option codes as
  text and gain ``question_label`` and ``option_label``/``value_label`` columns, because the
  meaning of a code there depends on the question of the row.

Contacts (the ``pii`` fields) are left out unless ``include_contacts`` is given. Files are
byte-identical on rerun: the creation time that ReadStat writes into .sav/.dta headers is
replaced by a fixed one. pyreadstat and pyarrow (the ``export`` extra) are imported only for
their formats.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from distretti_survey.errors import InputError
from distretti_survey.instrument import Instrument

FORMATS = ("sav", "dta", "parquet", "csv")
CODEBOOK = "codebook.csv"
UNSCORED_FIRST_CODE = 97
_KEY_LABELS = {
    "interview_id": "Identificativo dell'intervista",
    "wave": "Ondata (anno)",
    "district_id": "Codice del distretto",
    "source_file": "File di origine",
    "row": "Riga dell'intervento",
    "question": "Codice della domanda",
    "question_label": "Domanda",
    "option": "Codice dell'opzione",
    "option_label": "Opzione",
    "item": "Codice della domanda (scala)",
    "value": "Codice della risposta",
    "value_label": "Risposta",
    "score": "Punteggio (1-5; vuoto per non so / non applicabile)",
    "theme": "Tema",
    "text": "Risposta aperta",
}
_DTA_LABEL_MAX = 80  # Stata's limit for a variable label
_FIXED_SAV_DATE, _FIXED_SAV_TIME = b"01 Jan 00", b"00:00:00"
_FIXED_DTA_TIME = b"01 Jan 2000 00:00"


@dataclass(frozen=True)
class LabelledTable:
    """One table ready for export: data with option codes, and the labels to attach."""

    name: str
    frame: pd.DataFrame
    variable_labels: dict[str, str]
    value_lists: dict[str, str] = field(default_factory=dict)
    """column -> list name of the questionnaire, for the coded (select_one) columns."""


@dataclass(frozen=True)
class ExportResult:
    """The files written by `export_wave` and the codebook."""

    paths: tuple[Path, ...]
    codebook: pd.DataFrame


def numeric_codes(instrument: Instrument, list_name: str) -> dict[str, int]:
    """Return option code -> number for SPSS/Stata (see the module notes).

    >>> from types import SimpleNamespace as NS
    >>> opts = [NS(name=n, score=s) for n, s in [("basso", 1), ("alto", 2), ("non_so", None)]]
    >>> numeric_codes(NS(choices=lambda _: opts), "livello")
    {'basso': 1, 'alto': 2, 'non_so': 97}
    """
    options = instrument.choices(list_name)
    if any(c.score is not None for c in options):
        codes, extra = {}, UNSCORED_FIRST_CODE
        for c in options:
            if c.score is None:
                codes[c.name], extra = extra, extra + 1
            else:
                codes[c.name] = int(c.score)
        return codes
    return {c.name: i for i, c in enumerate(options, start=1)}


def labelled_tables(
    data, instrument: Instrument, *, include_contacts: bool = False
) -> list[LabelledTable]:
    """Return the tidy tables of ``data`` (a SurveyData) with their labels, contacts left out."""
    pii = set(instrument.pii_fields)
    frames = {"interviews": data.interviews}
    if include_contacts:
        frames["contacts"] = data.contacts
    frames.update(_repeat_tables(data))
    frames.update(multi=data.multi, likert=data.likert, open_answers=data.open_answers)
    tables = []
    for name, frame in frames.items():
        frame = frame.copy()
        if not include_contacts:
            frame = frame.drop(columns=[c for c in frame.columns if c in pii])
        labels, lists = {}, {}
        for column in frame.columns:
            labels[column] = _KEY_LABELS.get(column, "")
            if column in instrument.question_names:
                question = instrument.question(column)
                labels[column] = question.label()
                if question.type == "select_one" and question.list_name:
                    lists[column] = question.list_name
        frame = _add_long_labels(name, frame, instrument, labels)
        tables.append(LabelledTable(name, frame.reset_index(drop=True), labels, lists))
    return tables


def _repeat_tables(data) -> dict[str, pd.DataFrame]:
    """Return every repeat's table: the main one as ``interventions``, any other as
    ``repeat_<name>`` (the names ``validate`` gives its CSV files)."""
    out = {"interventions": data.interventions}
    for name, table in data.repeats.items():
        if table is not data.interventions:
            out[f"repeat_{name}"] = table
    return out


def _add_long_labels(
    name: str, frame: pd.DataFrame, instrument: Instrument, labels: dict[str, str]
) -> pd.DataFrame:
    """Add the Italian labels of question and option codes to a long table."""
    question_col = {"multi": "question", "likert": "item", "open_answers": "question"}.get(name)
    if question_col is None:
        return frame
    frame.insert(
        frame.columns.get_loc(question_col) + 1,
        "question_label",
        [instrument.label(q) for q in frame[question_col]],
    )
    labels["question_label"] = _KEY_LABELS["question_label"]
    answer_col = {"multi": "option", "likert": "value"}.get(name)
    if answer_col:
        label_col = f"{answer_col}_label"
        frame.insert(
            frame.columns.get_loc(answer_col) + 1,
            label_col,
            [
                instrument.choice_label(instrument.question(q).list_name, code)
                for q, code in zip(frame[question_col], frame[answer_col], strict=True)
            ],
        )
        labels[label_col] = _KEY_LABELS[label_col]
    return frame


def build_codebook(tables: Sequence[LabelledTable], instrument: Instrument) -> pd.DataFrame:
    """Return one row per variable, and per option of a coded variable, of every table."""
    rows = []
    for table in tables:
        for column in table.frame.columns:
            base = {
                "table": table.name,
                "variable": column,
                "variable_label": table.variable_labels.get(column, ""),
            }
            list_name = table.value_lists.get(column)
            if not list_name:
                rows.append({**base, "code": "", "numeric_code": "", "value_label": ""})
                continue
            numbers = numeric_codes(instrument, list_name)
            for choice in instrument.choices(list_name):
                rows.append(
                    {
                        **base,
                        "code": choice.name,
                        "numeric_code": str(numbers[choice.name]),
                        "value_label": choice.label(),
                    }
                )
    return pd.DataFrame(
        rows,
        columns=["table", "variable", "variable_label", "code", "numeric_code", "value_label"],
    )


def export_wave(
    data,
    instrument: Instrument,
    out_dir: str | Path,
    formats: Sequence[str] = FORMATS,
    *,
    include_contacts: bool = False,
) -> ExportResult:
    """Write the tidy tables of a wave in each of ``formats``, with labels, and a codebook.

    Parameters
    ----------
    data
        The wave's SurveyData (``read_wave(...).data``).
    instrument
        The wave's questionnaire: the source of variable and value labels.
    out_dir
        Folder for ``<table>.<format>`` and ``codebook.csv``; created if missing.
    formats
        Any of ``sav``, ``dta``, ``parquet``, ``csv``.
    include_contacts
        Also write the ``contacts`` table and the ``pii`` fields (names, e-mails, phones).

    Returns
    -------
    ExportResult
        The paths written (in order) and the codebook.

    Raises
    ------
    InputError
        An unknown format, or the ``export`` extra missing for sav/dta/parquet.
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise InputError(
            f"Formato di esportazione non valido: {', '.join(unknown) or 'nessuno'}. "
            f"Usare {', '.join(FORMATS)}."
        )
    _check_libraries(formats)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = labelled_tables(data, instrument, include_contacts=include_contacts)
    codebook = build_codebook(tables, instrument)
    writers = {"sav": _write_sav, "dta": _write_dta, "parquet": _write_parquet, "csv": _write_csv}
    paths = []
    for fmt in dict.fromkeys(formats):
        for table in tables:
            path = out / f"{table.name}.{fmt}"
            writers[fmt](table, instrument, path)
            paths.append(path)
    codebook.to_csv(out / CODEBOOK, index=False, encoding="utf-8", lineterminator="\n")
    paths.append(out / CODEBOOK)
    return ExportResult(tuple(paths), codebook)


def _check_libraries(formats: Sequence[str]) -> None:
    import importlib.util

    needed = {"sav": "pyreadstat", "dta": "pyreadstat", "parquet": "pyarrow"}
    missing = sorted({needed[f] for f in formats if f in needed} - _installed(importlib.util))
    if missing:
        raise InputError(
            f"Per questi formati serve {', '.join(missing)}: installare le dipendenze di "
            "esportazione con `.venv/bin/pip install -e '.[export]'` (il CSV non ne ha bisogno)."
        )


def _installed(util) -> set[str]:
    return {name for name in ("pyreadstat", "pyarrow") if util.find_spec(name) is not None}


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the frame with numpy dtypes ReadStat understands (text, float, datetime)."""
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            out[column] = series.astype("datetime64[ns]")
        elif pd.api.types.is_numeric_dtype(series) and not isinstance(
            series.dtype, pd.CategoricalDtype
        ):
            out[column] = series.astype("float64")
        else:
            out[column] = series.astype(object).where(series.notna(), "").astype(str)
    return out


def _coded(table: LabelledTable, instrument: Instrument):
    """Return (frame with numeric codes, value labels, user-missing codes) for SPSS/Stata."""
    frame = _plain(table.frame)
    value_labels, missing = {}, {}
    for column, list_name in table.value_lists.items():
        numbers = numeric_codes(instrument, list_name)
        codes = table.frame[column].astype(object)
        frame[column] = [float(numbers[c]) if pd.notna(c) else float("nan") for c in codes]
        value_labels[column] = {
            float(numbers[c.name]): c.label() for c in instrument.choices(list_name)
        }
        unscored = [n for n in numbers.values() if n >= UNSCORED_FIRST_CODE]
        if unscored and any(c.score is not None for c in instrument.choices(list_name)):
            missing[column] = [float(n) for n in unscored[:3]]  # SPSS allows 3 discrete values
    return frame, value_labels, missing


def _write_sav(table: LabelledTable, instrument: Instrument, path: Path) -> None:
    import pyreadstat

    frame, value_labels, missing = _coded(table, instrument)
    pyreadstat.write_sav(
        frame,
        str(path),
        file_label=f"{instrument.form_id} {instrument.wave} {table.name}"[:64],
        column_labels=[table.variable_labels.get(c, "") for c in frame.columns],
        variable_value_labels=value_labels,
        missing_ranges=missing or None,
    )
    _fix_sav_time(path)


def _write_dta(table: LabelledTable, instrument: Instrument, path: Path) -> None:
    import pyreadstat

    frame, value_labels, _ = _coded(table, instrument)
    pyreadstat.write_dta(
        frame,
        str(path),
        file_label=table.name,
        column_labels=[_dta_label(table.variable_labels.get(c, "")) for c in frame.columns],
        variable_value_labels=value_labels,
    )
    _fix_dta_time(path)


def _fix_sav_time(path: Path) -> None:
    """Replace the creation date and time of the .sav header (offsets 92 and 101)."""
    data = bytearray(path.read_bytes())
    # Header: rec_type(4) prod_name(60) layout(4) case_size(4) compression(4) weight(4)
    # ncases(4) bias(8) -> creation_date(9) at 92, creation_time(8) at 101.
    data[92:101], data[101:109] = _FIXED_SAV_DATE, _FIXED_SAV_TIME
    path.write_bytes(bytes(data))


def _fix_dta_time(path: Path) -> None:
    """Replace the ``<timestamp>`` of a Stata 118+ file with a fixed one."""
    data = bytearray(path.read_bytes())
    tag = data.find(b"<timestamp>")
    if tag >= 0:
        start = tag + len(b"<timestamp>") + 1  # one length byte
        if data[start - 1] == len(_FIXED_DTA_TIME):
            data[start : start + len(_FIXED_DTA_TIME)] = _FIXED_DTA_TIME
    path.write_bytes(bytes(data))


def _write_parquet(table: LabelledTable, instrument: Instrument, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = table.frame.copy()
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(object)
    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    fields = []
    for f in arrow.schema:
        meta = {"label": table.variable_labels.get(f.name, "")}
        if f.name in table.value_lists:
            options = instrument.choices(table.value_lists[f.name])
            meta["value_labels"] = json.dumps(
                {c.name: c.label() for c in options}, ensure_ascii=False
            )
        fields.append(f.with_metadata({k: v.encode("utf-8") for k, v in meta.items()}))
    schema = pa.schema(fields, metadata={b"distretti_survey.table": table.name.encode()})
    pq.write_table(arrow.cast(schema), str(path))


def _write_csv(table: LabelledTable, instrument: Instrument, path: Path) -> None:
    from distretti_survey.xlsx_io import looks_like_formula

    frame = table.frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            # A leading apostrophe keeps "=..." answers as text in a spreadsheet.
            frame[column] = [f"'{v}" if looks_like_formula(v) else v for v in frame[column]]
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n", date_format="%Y-%m-%d")


def _dta_label(label: str) -> str:
    """Return a label Stata accepts: at most 80 characters, cut at a word with an ellipsis."""
    if len(label) <= _DTA_LABEL_MAX:
        return label
    return label[: _DTA_LABEL_MAX - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
