"""Small units (issue 12): no module over 600 lines, no function over 80 lines in the package."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _size_report():
    spec = importlib.util.spec_from_file_location("size_report", ROOT / "tools/size_report.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_long_function_or_module():
    functions, modules = _size_report().long_units(ROOT / "src" / "distretti_survey")
    assert functions == [], f"funzioni oltre 80 righe: {functions}"
    assert modules == [], f"moduli oltre 600 righe: {modules}"


def test_the_measure_sees_a_long_function(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(90))
    (tmp_path / "m.py").write_text(f"def f():\n{body}\n", encoding="utf-8")
    functions, modules = _size_report().long_units(tmp_path)
    assert functions == [("m.py:f", 91)] and modules == []
