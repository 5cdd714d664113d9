"""Labelled export: files read back with their labels and values; contacts left out."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from distretti_survey.errors import InputError
from distretti_survey.export import FORMATS, export_wave, numeric_codes
from distretti_survey.ingest import read_wave
from distretti_survey.instrument import load_instrument
from distretti_survey.registry import load_registry

pytestmark = pytest.mark.integration
pyreadstat = pytest.importorskip("pyreadstat")
pq = pytest.importorskip("pyarrow.parquet")


@pytest.fixture(scope="module")
def wave(repo_root):
    instrument = load_instrument(repo_root / "data/raw/demo/2011/questionnaire.xlsx")
    registry = load_registry(repo_root / "data/reference/registry.csv")
    data = read_wave(repo_root / "data/raw/demo/2011", instrument, registry).data
    return data, instrument


@pytest.fixture(scope="module")
def exported(wave, tmp_path_factory):
    data, instrument = wave
    out = tmp_path_factory.mktemp("export")
    return export_wave(data, instrument, out, FORMATS), out


def _coded_columns(instrument, frame):
    return [
        c
        for c in frame.columns
        if c in instrument.question_names and instrument.question(c).type == "select_one"
    ]


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_spss_and_stata_read_back_with_labels(wave, exported, fmt):
    data, instrument = wave
    _, out = exported
    # user_missing: read "non so" as its code 97, not as a missing value
    options = {"user_missing": True} if fmt == "sav" else {}
    read = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    for name in ("interviews", "interventions"):
        original = getattr(data, name)
        frame, meta = read(str(out / f"{name}.{fmt}"), **options)
        assert list(frame.columns) == list(original.columns)
        assert len(frame) == len(original)
        labels = meta.column_names_to_labels
        for column in _coded_columns(instrument, original):
            question = instrument.question(column)
            if fmt == "sav" or len(question.label()) <= 80:
                assert labels[column] == question.label()
            else:  # Stata keeps at most 80 characters: cut at a word, with an ellipsis
                assert len(labels[column]) <= 80 and labels[column].endswith("…")
                assert question.label().startswith(labels[column][:-1])
            value_labels = meta.variable_value_labels[column]
            for code, number in zip(original[column], frame[column], strict=True):
                if pd.isna(code):
                    assert pd.isna(number)
                    continue
                # The number read back is the option's code, and carries the option's label.
                assert number == numeric_codes(instrument, question.list_name)[code]
                assert value_labels[number] == instrument.choice_label(question.list_name, code)
        numeric = original.select_dtypes("number").columns
        for column in numeric:
            expected = original[column].astype("float64").to_numpy()
            assert frame[column].astype("float64").to_numpy() == pytest.approx(
                expected, nan_ok=True
            )
        assert list(frame["interview_id"]) == list(original["interview_id"])


def test_likert_scores_are_codes_and_unscored_options_user_missing(wave, exported):
    data, instrument = wave
    _, out = exported
    frame, meta = pyreadstat.read_sav(str(out / "interviews.sav"), user_missing=True)
    question = instrument.question("gov_comuni")
    scores = instrument.scores(question.list_name)
    for code, number in zip(data.interviews["gov_comuni"], frame["gov_comuni"], strict=True):
        if pd.notna(code) and scores[code] is not None:
            assert number == scores[code]
    unscored = [
        n for c, n in numeric_codes(instrument, question.list_name).items() if scores[c] is None
    ]
    assert {r["lo"] for r in meta.missing_ranges["gov_comuni"]} == set(map(float, unscored))


def test_long_tables_carry_question_and_option_labels(wave, exported):
    data, instrument = wave
    _, out = exported
    frame, meta = pyreadstat.read_sav(str(out / "multi.sav"))
    assert len(frame) == len(data.multi)
    for question, option, q_label, o_label in frame[
        ["question", "option", "question_label", "option_label"]
    ].itertuples(index=False):
        assert q_label == instrument.label(question)
        assert o_label == instrument.choice_label(instrument.question(question).list_name, option)
    assert meta.column_names_to_labels["option_label"] == "Opzione"


def test_parquet_and_csv_keep_codes_with_labels_in_metadata(wave, exported):
    data, instrument = wave
    _, out = exported
    table = pq.read_table(out / "interventions.parquet")
    frame = table.to_pandas()
    assert list(frame["status"]) == [str(v) for v in data.interventions["status"]]
    meta = table.schema.field("status").metadata
    assert meta[b"label"].decode() == instrument.label("status")
    import json

    value_labels = json.loads(meta[b"value_labels"])
    assert value_labels == {c.name: c.label() for c in instrument.choices("stato")}
    csv = pd.read_csv(out / "interventions.csv", dtype=str, keep_default_na=False)
    assert list(csv["status"]) == [str(v) for v in data.interventions["status"]]
    codebook = pd.read_csv(out / "codebook.csv", dtype=str, keep_default_na=False)
    status = codebook[(codebook["table"] == "interventions") & (codebook["variable"] == "status")]
    assert list(status["code"]) == [c.name for c in instrument.choices("stato")]
    assert list(status["value_label"]) == [c.label() for c in instrument.choices("stato")]


def test_contacts_only_on_request(wave, exported, tmp_path):
    data, instrument = wave
    result, _ = exported
    emails = [e for e in data.contacts["referent_email"] if e]
    assert emails
    assert not any(p.stem == "contacts" for p in result.paths)
    for path in result.paths:
        raw = path.read_bytes()
        assert not any(e.encode() in raw for e in emails), path.name
        for field in instrument.pii_fields:
            assert field.encode() not in raw, (path.name, field)
    with_contacts = export_wave(data, instrument, tmp_path, ["sav"], include_contacts=True)
    assert tmp_path / "contacts.sav" in with_contacts.paths
    frame, _ = pyreadstat.read_sav(str(tmp_path / "contacts.sav"))
    assert sorted(frame["referent_email"]) == sorted(data.contacts["referent_email"])


def test_rerun_is_byte_identical(wave, exported, tmp_path):
    data, instrument = wave
    result, _ = exported
    again = export_wave(data, instrument, tmp_path, FORMATS)
    for first, second in zip(result.paths, again.paths, strict=True):
        assert first.name == second.name
        assert (
            hashlib.sha256(first.read_bytes()).digest()
            == hashlib.sha256(second.read_bytes()).digest()
        ), first.name


def test_unknown_format_is_a_user_error(wave, tmp_path):
    data, instrument = wave
    with pytest.raises(InputError, match="xls"):
        export_wave(data, instrument, tmp_path, ["xls"])


def test_every_repeat_is_exported_with_its_parent_row(repo_root, tmp_path):
    # A questionnaire with a nested repeat (the Kobo fixture: payments of each intervention):
    # no repeat is left out of the files for SPSS, Stata and R.
    kobo = repo_root / "tests" / "data" / "kobo"
    instrument = load_instrument(kobo / "questionnaire.xlsx")
    data = read_wave(kobo / "kobo_xml.xlsx", instrument, load_registry()).data
    nested = {name: t for name, t in data.repeats.items() if t is not data.interventions}
    assert nested and all(len(t) for t in nested.values())
    export_wave(data, instrument, tmp_path, FORMATS)
    for name, table in nested.items():
        for fmt in ("csv", "parquet", "sav", "dta"):
            assert (tmp_path / f"repeat_{name}.{fmt}").is_file(), (name, fmt)
        back, _ = pyreadstat.read_sav(str(tmp_path / f"repeat_{name}.sav"))
        assert len(back) == len(table)
        assert list(back["parent_row"]) == [float(v) for v in table["parent_row"]]
        codebook = pd.read_csv(tmp_path / "codebook.csv", dtype=str, keep_default_na=False)
        assert f"repeat_{name}" in set(codebook["table"])
