"""Review states and resubmissions of platform exports (KoboToolbox, ODK Central)."""

from __future__ import annotations

from distretti_survey.ingest.exports import review_exclusions
from distretti_survey.ingest.records import RawCell, RawInterview


def _raw(row: int, district: str, **meta: str) -> RawInterview:
    return RawInterview(
        file="export.xlsx",
        source=f"export.xlsx:main!{row}",
        answers={"district_id": RawCell(district, "main", f"F{row}")},
        meta={k: RawCell(v, "main", "") for k, v in meta.items()},
        row=row,
    )


def test_edited_submission_replaces_the_one_it_names():
    raws = [
        _raw(2, "D01", _instance_id="uuid:aaa"),
        _raw(3, "D01", _instance_id="uuid:bbb", _deprecated_id="uuid:aaa"),
        _raw(4, "D02", _instance_id="uuid:ccc"),
    ]
    out = review_exclusions(raws, ["D01", "D01", "D02"])
    assert list(out) == [0]
    assert "export.xlsx:main!3" in out[0].message and out[0].district == "D01"


def test_not_approved_is_excluded_and_names_its_replacement():
    raws = [
        _raw(2, "D03", _validation_status="validation_status_not_approved"),
        _raw(3, "D03", _validation_status="validation_status_approved"),
        _raw(4, "D04", _review_state="rejected"),
        _raw(5, "D05", _validation_status="validation_status_on_hold"),
    ]
    out = review_exclusions(raws, ["D03", "D03", "D04", "D05"])
    assert sorted(out) == [0, 2]
    assert "export.xlsx:main!3" in out[0].message  # the resubmission that replaces it
    assert "sostituita" not in out[2].message  # nothing replaces D04's


def test_on_hold_and_with_issues_are_read_with_a_warning():
    from distretti_survey.ingest.exports import review_notes

    raws = [
        _raw(2, "D01", _validation_status="validation_status_on_hold"),
        _raw(3, "D02", _review_state="hasIssues"),
        _raw(4, "D03", _validation_status="validation_status_approved"),
        _raw(5, "D04"),  # never reviewed: the usual case, no note
        _raw(6, "D05", _validation_status="On hold"),  # the label, in a labels export
    ]
    districts = ["D01", "D02", "D03", "D04", "D05"]
    excluded = review_exclusions(raws, districts)
    assert excluded == {}
    notes = review_notes(raws, districts, excluded)
    assert [n.district for n in notes] == ["D01", "D02", "D05"]
    assert all(n.severity == "warning" and "in revisione" in n.message for n in notes)
    assert notes[1].value == "hasIssues" and notes[0].cell == "A2"
