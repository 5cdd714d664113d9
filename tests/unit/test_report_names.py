"""Names and code meanings from the questionnaire; what coded figures rest on."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pytest

from distretti_survey.report.coding_status import coding_status
from distretti_survey.report.names import LEGACY_ROLES, choice_roles, survey_names


@dataclass(frozen=True)
class _Choice:
    list_name: str
    name: str
    role: str = ""


@dataclass(frozen=True)
class _Instrument:
    choices_: tuple = ()
    settings: dict = field(default_factory=dict)
    form_title: str = "Titolo del modulo"
    path: None = None

    def choices(self, list_name):
        return tuple(c for c in self.choices_ if c.list_name == list_name)


def test_names_come_from_the_settings():
    names = survey_names(
        _Instrument(
            settings={
                "organisation": "Ente di prova",
                "survey_title": "Indagine di prova",
                "source": "Fonte: {survey_title} presso i distretti, {wave}",
            }
        )
    )
    assert names.organisation == "Ente di prova"
    assert names.source_line(2013) == "Fonte: Indagine di prova presso i distretti, 2013"


def test_names_fall_back_without_an_organisation():
    names = survey_names(_Instrument())
    assert names.organisation == ""
    assert names.survey_title == "Titolo del modulo"
    assert names.source_line(2011) == "Fonte: Titolo del modulo, 2011"


def test_demo_questionnaire_settings_are_read_from_the_workbook(repo_root):
    from openpyxl import load_workbook

    from distretti_survey.instrument import load_instrument

    path = repo_root / "data/raw/demo/2011/questionnaire.xlsx"
    book = load_workbook(path, read_only=True)
    header, row = list(book["settings"].iter_rows(max_row=2, values_only=True))
    book.close()
    settings = {k: v for k, v in zip(header, row, strict=False) if k}
    names = survey_names(load_instrument(path))
    # Whatever the sheet holds is used; nothing is invented where it holds nothing.
    assert names.organisation == (settings.get("organisation") or "")
    assert names.survey_title == (settings.get("survey_title") or settings["form_title"])


def test_roles_come_from_the_role_column_when_there_is_one():
    instrument = _Instrument(
        (
            _Choice("stati", "fatto", "completed"),
            _Choice("stati", "in_corso"),
            _Choice("stati", "completato"),  # a demo code without a role means nothing here
        )
    )
    assert choice_roles(instrument, "stati") == {"fatto": "completed"}


def test_roles_fall_back_on_the_demo_codes_without_a_role_column():
    instrument = _Instrument((_Choice("stato", "completato"), _Choice("stato", "in_corso")))
    assert choice_roles(instrument, "stato") == {"completato": LEGACY_ROLES["completato"]}


def _final(sources):
    return pd.DataFrame({"code_id": ["A"] * len(sources), "source": sources})


def test_coding_status_says_what_the_codes_rest_on():
    assert coding_status(_final(["rule", "rule"])).kind == "unreviewed"
    assert coding_status(_final(["rule", "coder_a"])).kind == "partly_reviewed"
    agreement = pd.DataFrame({"percent_agreement": [0.8, 1.0], "n_units": [10, 10]})
    reviewed = coding_status(_final(["consensus"]), agreement)
    assert reviewed.kind == "reviewed" and reviewed.agreement == pytest.approx(0.9)
    assert "rivisti da due codificatori" in reviewed.note("90%")
    simulated = coding_status(_final(["coder_a"]), agreement, simulated=True)
    assert simulated.kind == "simulated" and "simulati" in simulated.note("90%")
    assert coding_status(_final([])).kind == "none"


def test_presence_names_not_interviewed_new_and_dissolved_apart():
    from types import SimpleNamespace

    from distretti_survey.report.compare import _presence

    def wave(year, registry, interviewed):
        return SimpleNamespace(
            instrument=SimpleNamespace(wave=year),
            districts=pd.DataFrame(
                {"district_id": registry, "district_name": [f"N{d}" for d in registry]}
            ),
            ingest=SimpleNamespace(
                data=SimpleNamespace(interviews=pd.DataFrame({"district_id": interviewed}))
            ),
        )

    presence = _presence(
        [
            wave(2011, ["D01", "D02", "D03"], ["D01", "D02", "D03"]),
            wave(2012, ["D01", "D02", "D04"], ["D01", "D04"]),
        ]
    ).set_index("district_id")
    assert presence["status"].to_dict() == {
        "D01": "panel",
        "D02": "non intervistato",
        "D03": "soppresso",
        "D04": "nuovo",
    }
    assert presence.loc["D02", "note"] == "non intervistato nell'ondata 2012"
    assert presence.loc["D03", "note"] == "distretto soppresso dopo l'ondata 2011"
    assert presence.loc["D04", "note"] == "distretto nuovo dall'ondata 2012"
