"""Every committed questionnaire converts with pyxform (what KoboToolbox and ODK run).

pyxform's warnings matter: a missing hint or label column per language shows the form with
blanks on the tablets, so a warning fails the test as an error does. Where Java is installed,
ODK Validate (bundled with pyxform) also parses the XForm and evaluates its expressions.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pyxform = pytest.importorskip("pyxform.xls2xform")

ROOT = Path(__file__).resolve().parents[2]
QUESTIONNAIRES = sorted((ROOT / "data" / "raw").rglob("questionnaire.xlsx"))


def test_there_are_questionnaires_to_check():
    assert {p.parent.name for p in QUESTIONNAIRES} >= {"2011", "2012", "messy"}


@pytest.mark.parametrize("path", QUESTIONNAIRES, ids=lambda p: p.parent.name)
def test_pyxform_converts_without_errors_or_warnings(path):
    odk_validate = shutil.which("java") is not None
    result = pyxform.convert(xlsform=str(path), validate=odk_validate, pretty_print=False)
    assert result.warnings == []
    xform = result.xform
    # the two languages reach the form, with hints and the Italian constraint messages
    assert 'lang="Italiano (it)"' in xform and 'lang="English (en)"' in xform
    assert "Precompilato: non modificare." in xform and "Pre-filled: do not change." in xform
    assert "La data dell&apos;intervista non può essere nel futuro" in xform or (
        "La data dell'intervista non può essere nel futuro" in xform
    )
    assert "regex(., " in xform and "today()" in xform
