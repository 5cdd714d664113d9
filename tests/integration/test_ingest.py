"""Reading whole waves: demo folders, master workbook, Kobo/ODK exports, outputs, accounting."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from distretti_survey.errors import InputError
from distretti_survey.findings import COLUMNS
from distretti_survey.ingest import read_wave, write_outputs
from distretti_survey.instrument import load_instrument
from distretti_survey.registry import load_registry
from distretti_survey.templates import build_master_workbook
from distretti_survey.xlsx_io import stable_save

pytestmark = pytest.mark.integration
DEMO = Path(__file__).resolve().parents[2] / "data" / "raw" / "demo"


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(DEMO / "2011" / "questionnaire.xlsx")


@pytest.fixture(scope="module")
def registry():
    return load_registry()


@pytest.mark.parametrize(("wave", "districts"), [(2011, 18), (2012, 19)])
def test_demo_waves_validate_without_errors(wave, districts, registry):
    result = read_wave(
        DEMO / str(wave), load_instrument(DEMO / str(wave) / "questionnaire.xlsx"), registry
    )
    assert [f.one_line() for f in result.findings.errors] == []
    assert len(result.findings.warnings) >= 4  # the planted mistakes
    assert len(result.accounting.accepted) == result.accounting.read == districts
    n = result.data.interventions.groupby("district_id").size()
    assert n.between(3, 10).all() and len(n) == districts
    inside = result.data.interventions["budget_planned"].between(20000, 600000)
    assert (~inside).sum() <= 1  # only the planted "€ 12.500,00" of 2011 lies outside
    assert set(result.data.open_answers["theme"]) == {"progress", "training", "governance"}
    assert result.data.contacts["referent_email"].str.endswith("@example.org").all()


def test_messy_folder_has_the_planted_errors(registry):
    result = read_wave(
        DEMO / "messy", load_instrument(DEMO / "messy" / "questionnaire.xlsx"), registry
    )
    acc = result.accounting
    assert acc.read == 6 and len(acc.accepted) == 3 and len(acc.rejected) == 3 and acc.balanced
    assert [f for f, _ in acc.files_failed] == ["interviews/D05_2011.xlsx"]
    errors = {(f.file, f.question) for f in result.findings.errors}
    assert ("interviews/D01_2011.xlsx", "status") in errors
    assert ("interviews/D02_2011.xlsx", "budget_planned") in errors
    assert ("interviews/D99_2011.xlsx", "district_id") in errors


def test_write_outputs_columns_no_contacts_and_byte_stable(tmp_path, registry):
    result = read_wave(
        DEMO / "messy", load_instrument(DEMO / "messy" / "questionnaire.xlsx"), registry
    )
    first = write_outputs(result, tmp_path / "a")
    write_outputs(result, tmp_path / "b")
    names = sorted(p.name for p in first)
    assert names == sorted(
        [
            "findings.csv",
            "findings.xlsx",
            "interviews.csv",
            "interventions.csv",
            "multi.csv",
            "likert.csv",
            "open_answers.csv",
            "accounting.json",
        ]
    )
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    findings = pd.read_csv(tmp_path / "a" / "findings.csv", dtype=str)
    assert tuple(findings.columns) == COLUMNS and len(findings) == len(result.findings)
    everything = "".join((tmp_path / "a" / n).read_text("utf-8") for n in names if n[-1] != "x")
    assert "example.org" not in everything and "Referente Sintetico" not in everything
    accounting = json.loads((tmp_path / "a" / "accounting.json").read_text("utf-8"))
    assert accounting["interviews_read"] == accounting["accepted"] + accounting["rejected"]


def test_master_workbook(tmp_path, instrument, registry):
    districts = registry.districts(2011).head(2)
    wb = build_master_workbook(instrument, districts)
    ws, rep = wb["interviste"], wb["interventi"]
    col = {ws.cell(1, c).value: c for c in range(1, ws.max_column + 1)}
    for row in (2, 3):
        for name, value in {
            "interview_date": "2011-06-01",
            "referent_role": "sindaco",
            "quote_district_ok": "si",
            "training_awareness": "alto",
            "training_participation": "Basso",
            "gov_comuni": "poco",
            "gov_associazioni": "poco",
            "gov_camera": "molto",
            "gov_regione": "molto",
            "gov_manager": "non_applicabile",
            "gov_problems/nessuno": 1,
            "training_topics/online": 0,
        }.items():
            if name in col:
                ws.cell(row, col[name]).value = value
    rep.append(["D02", "fiere", "Fiera", "completato", 50000, 50000, None])
    rep.append(["D02", "sicurezza", "Telecamere", "in_corso", 80000, 10000, None])
    path = stable_save(wb, tmp_path / "master_2011.xlsx")
    result = read_wave(path, instrument, registry)
    assert result.accounting.accepted == ("2011_D01", "2011_D02")
    assert result.data.interventions["district_id"].tolist() == ["D02", "D02"]
    label = [f for f in result.findings if f.question == "training_participation"]
    assert len(label) == 2 and all(f.severity == "warning" for f in label)  # label for a code
    assert [f.one_line() for f in result.findings.errors] == []


def test_master_prefilled_rows_without_answers_are_not_interviews(tmp_path, instrument, registry):
    districts = registry.districts(2011).head(3)  # D01, D02, D03 pre-filled in rows 2-4
    wb = build_master_workbook(instrument, districts)
    ws, rep = wb["interviste"], wb["interventi"]
    col = {ws.cell(1, c).value: c for c in range(1, ws.max_column + 1)}
    ws.cell(2, col["referent_role"]).value = "sindaco"  # D01 answered on its row
    # D02 left as pre-filled; D03 typed on a new row 5 instead of its pre-filled row 4
    ws.cell(5, col["district_id"]).value = "D03"
    ws.cell(5, col["referent_role"]).value = "assessore_commercio"
    rep.append(["D03", "fiere", "Fiera", "completato", 50000, 50000, None])
    path = stable_save(wb, tmp_path / "master_2011.xlsx")
    result = read_wave(path, instrument, registry)
    acc = result.accounting
    assert acc.accepted == ("2011_D01", "2011_D03")
    assert acc.read == 2 and acc.rejected == () and acc.balanced
    assert [(b.file, b.sheet, b.row, b.district_id) for b in acc.blank_rows] == [
        ("master_2011.xlsx", "interviste", 3, "D02"),
        ("master_2011.xlsx", "interviste", 4, "D03"),
    ]
    assert acc.blank_rows[0].where() == "master_2011.xlsx, interviste, riga 3"
    # every non-empty row of the sheet is accounted for once
    assert acc.read + len(acc.blank_rows) == 4
    assert not any("duplicata" in f.message for f in result.findings)
    assert result.data.interventions["district_id"].tolist() == ["D03"]
    assert result.data.interviews["source_file"].tolist() == [
        "master_2011.xlsx:interviste!2",
        "master_2011.xlsx:interviste!5",
    ]
    listed = acc.to_dict()["blank_rows"]
    assert listed[0] == {
        "file": "master_2011.xlsx",
        "sheet": "interviste",
        "row": 3,
        "district_id": "D02",
    }


def test_prefilled_row_with_interventions_is_an_interview(tmp_path, instrument, registry):
    wb = build_master_workbook(instrument, registry.districts(2011).head(1))
    wb["interventi"].append(["D01", "fiere", "Fiera", "completato", 50000, 50000, None])
    result = read_wave(stable_save(wb, tmp_path / "m.xlsx"), instrument, registry)
    assert result.accounting.accepted == ("2011_D01",) and result.accounting.blank_rows == ()


def _kobo_workbook() -> Workbook:
    wb = Workbook()
    main = wb.active
    main.title = "Distretti 2011"
    main.append(
        [
            "start",
            "profilo/district_id",
            "profilo/interview_date",
            "profilo/referent_role",
            "formazione/training_topics",
            "formazione/training_topics/commercio_elettronico",
            "formazione/training_topics/marketing_digitale",
            "governance/gov_problems",
            "governance/gov_problems/nessuno",
            "formazione/training_awareness",
            "_uuid",
            "_submission_time",
            "_index",
        ]
    )
    main.append(
        [
            "x",
            "D01",
            "2011-05-04",
            "sindaco",
            "commercio_elettronico marketing_digitale",
            1,
            1,
            "nessuno",
            1,
            "medio",
            "u-1",
            "2011-05-04T10:00:00",
            1,
        ]
    )
    main.append(
        [
            "x",
            "D02",
            "2011-05-05",
            "sindaco",
            "marketing_digitale",
            0,
            1,
            "decisioni_lente",
            0,
            "medio",
            "u-2",
            "2011-05-05T10:00:00",
            2,
        ]
    )
    rep = wb.create_sheet("interventions")
    rep.append(
        [
            "avanzamento/interventions/area",
            "avanzamento/interventions/status",
            "avanzamento/interventions/budget_planned",
            "_index",
            "_parent_index",
        ]
    )
    rep.append(["fiere", "completato", 30000, 1, 2])
    rep.append(["sicurezza", "in_corso", 90000, 2, 2])
    rep.append(["fiere", "non_avviato", 20000, 3, 1])
    return wb


def test_kobo_xlsx_export(tmp_path, instrument, registry):
    path = stable_save(_kobo_workbook(), tmp_path / "kobo.xlsx")
    result = read_wave(path, instrument, registry)
    multi = result.data.multi
    assert sorted(multi.loc[multi["district_id"] == "D01", "option"]) == [
        "commercio_elettronico",
        "marketing_digitale",
        "nessuno",
    ]
    assert multi.loc[multi["district_id"] == "D02", "option"].tolist() == [
        "marketing_digitale",
        "decisioni_lente",
    ]
    iv = result.data.interventions
    assert iv.groupby("district_id").size().to_dict() == {"D01": 1, "D02": 2}
    assert iv.loc[iv["district_id"] == "D02", "row"].tolist() == [1, 2]
    assert result.data.interviews["interview_date"].tolist() == [
        pd.Timestamp(2011, 5, 4),
        pd.Timestamp(2011, 5, 5),
    ]
    assert not any(f.question == "interview_date" for f in result.findings)  # ISO text is fine


def test_kobo_select_multiple_columns_that_disagree_give_the_union(tmp_path, instrument, registry):
    wb = _kobo_workbook()
    main = wb["Distretti 2011"]
    # D02 (row 3): the text column says marketing_digitale, the 0/1 columns say
    # commercio_elettronico only
    main["F3"], main["G3"] = 1, 0
    path = stable_save(wb, tmp_path / "kobo.xlsx")
    result = read_wave(path, instrument, registry)
    [f] = [f for f in result.findings if f.question == "training_topics"]
    assert (f.file, f.sheet, f.cell, f.district, f.severity) == (
        "kobo.xlsx",
        "Distretti 2011",
        "E3",
        "D02",
        "warning",
    )
    assert f.value == "marketing_digitale"
    assert "solo nella colonna «training_topics»: marketing_digitale" in f.message
    assert "solo nelle colonne 0/1: commercio_elettronico" in f.message
    assert "unione" in f.message
    multi = result.data.multi
    topics = multi[(multi["district_id"] == "D02") & (multi["question"] == "training_topics")]
    assert topics["option"].tolist() == ["marketing_digitale", "commercio_elettronico"]
    # D01 agrees; D02's decisioni_lente has no 0/1 column, so nothing to compare
    assert not [f for f in result.findings if f.question == "gov_problems"]


def test_kobo_csv_export_with_semicolons(tmp_path, instrument, registry):
    csv = tmp_path / "export.csv"
    csv.write_text(
        "profilo/district_id;governance/gov_problems;_uuid\n"
        "D03;decisioni_lente burocrazia_bandi;u-3\nD04;decisioni lente;u-4\n"
        "D05;caos;u-5\n",
        encoding="utf-8",
    )
    result = read_wave(csv, instrument, registry)
    assert result.accounting.read == 3 and len(result.accounting.accepted) == 3
    assert sorted(result.data.multi.loc[result.data.multi["district_id"] == "D03", "option"]) == [
        "burocrazia_bandi",
        "decisioni_lente",
    ]
    # "decisioni lente" splits into two unknown words here; "caos" is unknown too
    assert {f.district for f in result.findings.errors} >= {"D05"}


def test_missing_path_is_an_input_error(tmp_path, instrument):
    with pytest.raises(InputError):
        read_wave(tmp_path / "nowhere", instrument)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError):
        read_wave(tmp_path / "empty", instrument)


class _Registry:
    def districts(self, wave):
        ids = ["D01", "D02", "D03"]
        return pd.DataFrame({"district_id": ids, "district_name": ids})


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.sampled_from(["D01", "D02", "D03", "D09", "", " d02", "X"]), min_size=1, max_size=12
    )
)
def test_nothing_read_is_lost(tmp_path_factory, instrument, ids):
    folder = tmp_path_factory.mktemp("prop")
    lines = ["district_id,referent_role"] + [f"{d},sindaco" for d in ids]
    (folder / "export.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = read_wave(folder, instrument, _Registry())
    acc = result.accounting
    assert acc.read == len(ids)  # a row without district still has an answer: read, rejected
    assert acc.read == len(acc.accepted) + len(acc.rejected)
    assert len(set(acc.accepted)) == len(acc.accepted) == len(result.data.interviews)
