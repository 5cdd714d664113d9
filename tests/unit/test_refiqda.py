"""REFI-QDA codebook and project: valid against the published schemas, stable, read back."""

import io
import uuid
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import xmlschema

from distretti_survey.coding.frame import LABEL, load_frame
from distretti_survey.coding.refiqda import (
    GUID_NAMESPACE,
    codebook_xml,
    read_codebook,
    write_codebook,
    write_project,
)
from distretti_survey.coding.suggest import Suggester, split_segments

DATA = Path(__file__).resolve().parents[1] / "data" / "refiqda"
EXPORTED = ["code_id", "theme", "parent", LABEL, "definition", "use_when", "not_when", "examples"]


@pytest.fixture(scope="module")
def frame():
    return load_frame()


@pytest.fixture(scope="module")
def schemas():
    return {
        "codebook": xmlschema.XMLSchema(DATA / "Codebook.xsd"),
        "project": xmlschema.XMLSchema(DATA / "Project.xsd"),
    }


def test_codebook_is_valid_stable_and_reads_back(frame, schemas, tmp_path):
    data = codebook_xml(frame)
    schemas["codebook"].validate(io.BytesIO(data))  # raises with the reason when invalid
    assert codebook_xml(frame) == data
    path = write_codebook(frame, tmp_path / "quadro.qdc")
    assert path.read_bytes() == data
    back, findings = read_codebook(path)
    assert len(findings) == 0
    expected = frame.fillna("").astype(str)[EXPORTED].reset_index(drop=True)
    assert back[EXPORTED].reset_index(drop=True).equals(expected)
    assert (back[["keywords", "patterns"]] == "").all().all()  # rules are not in the standard


def test_codebook_guids_are_uuid5_of_the_code_and_themes_are_not_codable(frame):
    from xml.etree import ElementTree as ET

    root = ET.fromstring(codebook_xml(frame))
    ns = {"q": "urn:QDA-XML:codebook:1.0"}
    themes = root.findall("q:Codes/q:Code", ns)
    assert [t.get("isCodable") for t in themes] == ["false"] * 3
    codes = root.findall(".//q:Code[@isCodable='true']", ns)
    assert len(codes) == len(frame)
    by_name = {c.get("name"): c for c in codes}
    for code in frame.itertuples(index=False):
        expected = str(uuid.uuid5(GUID_NAMESPACE, f"code:{code.code_id}")).upper()
        assert by_name[code[3]].get("guid") == expected
    # a sub-code sits inside its parent
    child = frame[frame["parent"].fillna("") != ""].iloc[0]
    parent = frame.set_index("code_id").loc[child["parent"], LABEL]
    inside = by_name[parent].findall("q:Code", ns)
    assert child[LABEL] in {c.get("name") for c in inside}


def test_codebook_written_by_taguette_is_read(schemas):
    path = DATA / "taguette_codebook.qdc"
    assert not schemas["codebook"].is_valid(str(path))  # Taguette writes an empty <Sets/>
    back, findings = read_codebook(path)
    assert list(back[LABEL]) == [
        "Manager di distretto assente",
        "Burocrazia dei bandi regionali",
        "interessante",
    ]
    assert list(back["code_id"]) == [
        "MANAGER_DI_DISTRETTO_ASSENTE",
        "BUROCRAZIA_DEI_BANDI_REGIONALI",
        "INTERESSANTE",
    ]
    # flat codes: no theme to take, said once per code, never guessed
    assert [f.severity for f in findings] == ["warning"] * 3
    assert (back["theme"] == "").all()


def test_unreadable_codebook_is_a_finding(tmp_path):
    path = tmp_path / "rotto.qdc"
    path.write_text("<CodeBook><Codes>", encoding="utf-8")
    back, findings = read_codebook(path)
    assert len(back) == 0
    assert [f.file for f in findings] == ["rotto.qdc"]
    assert "non è un codebook REFI-QDA leggibile" in next(iter(findings)).message


def _wave(frame):
    answers = pd.DataFrame(
        {
            "interview_id": ["D01_2011", "D01_2011", "D02_2011"],
            "wave": [2011] * 3,
            "district_id": ["D01", "D01", "D02"],
            "question": ["gov_problems_text", "training_needs_text", "gov_problems_text"],
            "theme": ["governance", "training", "governance"],
            "text": [
                "Non c'è un manager.  I comuni non si coordinano.",
                "Corsi di inglese, es. per i turisti.\nE di vetrinistica.",
                "Troppa burocrazia regionale: è più l'attività rendicontazione che altro.",
            ],
        }
    )
    segments = split_segments(answers)
    suggestions = Suggester(frame).suggest(segments)
    final = suggestions.assign(source="rule")[
        ["segment_id", "interview_id", "wave", "district_id", "question", "code_id", "source"]
    ]
    return answers, segments, final


def test_project_is_valid_stable_and_selections_point_at_the_segments(frame, schemas, tmp_path):
    from xml.etree import ElementTree as ET

    answers, segments, final = _wave(frame)
    assert len(final) > 0
    one = write_project(answers, segments, final, frame, tmp_path / "a.qdpx")
    two = write_project(answers, segments, final, frame, tmp_path / "b.qdpx")
    assert one.read_bytes() == two.read_bytes()
    with zipfile.ZipFile(one) as archive:
        names = archive.namelist()
        qde = archive.read("project.qde")
        texts = {n: archive.read(n).decode("utf-8") for n in names if n.startswith("sources/")}
    assert names[0] == "project.qde" and len(texts) == len(answers)
    schemas["project"].validate(io.BytesIO(qde))
    ns = {"p": "urn:QDA-XML:project:1.0"}
    root = ET.fromstring(qde)
    code_guids = {c.get("guid") for c in root.findall(".//p:CodeBook//p:Code", ns)}
    user_guids = {u.get("guid") for u in root.findall("p:Users/p:User", ns)}
    seg_text = dict(zip(segments["segment_id"], segments["text"], strict=True))
    coded = {}
    for source in root.findall("p:Sources/p:TextSource", ns):
        path = source.get("plainTextPath").removeprefix("internal://")
        text = texts[f"sources/{path}"]
        for selection in source.findall("p:PlainTextSelection", ns):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            picked = text[start:end]
            assert " ".join(picked.split()) == " ".join(seg_text[selection.get("name")].split())
            for coding in selection.findall("p:Coding", ns):
                assert coding.get("creatingUser") in user_guids
                target = coding.find("p:CodeRef", ns).get("targetGUID")
                assert target in code_guids
                coded.setdefault(selection.get("name"), set()).add(target)
    expected = {}
    for row in final.itertuples(index=False):
        target = str(uuid.uuid5(GUID_NAMESPACE, f"code:{row.code_id}")).upper()
        expected.setdefault(row.segment_id, set()).add(target)
    assert coded == expected
    cases = {c.get("name") for c in root.findall("p:Cases/p:Case", ns)}
    assert cases == {"D01", "D02"}


def test_taguette_csv_codebook_has_the_columns_taguette_reads(frame, tmp_path):
    import csv

    from distretti_survey.coding.refiqda import write_taguette_codebook

    path = write_taguette_codebook(frame, tmp_path / "quadro.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["tag", "description"]  # Taguette's import needs 'tag'
    assert len(rows) == len(frame)
    by_tag = {r["tag"]: r["description"] for r in rows}
    for code in frame.fillna("").itertuples(index=False):
        description = by_tag[f"{code.code_id} {code[3]}"]
        assert description.startswith(f"Codice: {code.code_id}\nDefinizione: {code.definition}")
