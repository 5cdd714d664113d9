"""Helpers of the benchmark (tools/bench_data.py): timing, tables, synthetic segments and rows."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

TOOLS = Path(__file__).resolve().parents[2] / "tools"


@pytest.fixture(scope="module")
def bd():
    spec = importlib.util.spec_from_file_location("bench_data", TOOLS / "bench_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


POOL = [
    ("gov_problems_text", "governance", "I comuni faticano a coordinarsi tra loro."),
    ("training_needs_text", "training", "Servono corsi di marketing digitale."),
    ("progress_difficulties", "progress", "I lavori sono fermi per la burocrazia."),
]


def test_growth_factors_and_ratio(bd):
    # 2 s -> 15 s is 7.5x; 15 s -> 180 s is 12x
    assert bd.growth_factors([18, 180, 1800], [2.0, 15.0, 180.0]) == [None, 7.5, 12.0]
    assert bd.ratio(3.0, 2.0) == 1.5
    assert bd.ratio(1.0, 0.0) is None


def test_time_best_skips_the_warmup_and_keeps_the_minimum(bd, monkeypatch):
    # perf_counter pairs give durations 3, 1, 2 for the three timed calls
    ticks = iter([0.0, 3.0, 10.0, 11.0, 20.0, 22.0])
    monkeypatch.setattr(time, "perf_counter", lambda: next(ticks))
    calls = []
    best, result = bd.time_best(lambda: calls.append(1) or len(calls), 3)
    assert best == 1.0
    assert len(calls) == 4 and result == 4  # one warm-up call, three timed


def test_time_best_without_warmup(bd, monkeypatch):
    ticks = iter([0.0, 0.5])
    monkeypatch.setattr(time, "perf_counter", lambda: next(ticks))
    calls = []
    assert bd.time_best(lambda: calls.append(1), 1, warmup=False)[0] == 0.5
    assert len(calls) == 1


def test_format_table_aligns_columns(bd):
    text = bd.format_table("== t", ["metodo", "s"], [["a", 0.012345], ["lungo", 12]])
    assert text.splitlines() == [
        "== t",
        "metodo       s",
        "------  ------",
        "a       0.0123",
        "lungo       12",
    ]
    assert bd.format_cell(None) == "-" and bd.format_cell(1234.5) == "1234"


def test_make_segments_is_seeded_and_well_formed(bd):
    a = bd.make_segments(POOL, 300, np.random.default_rng(1))
    b = bd.make_segments(POOL, 300, np.random.default_rng(1))
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 300 and a["segment_id"].is_unique
    assert set(a["theme"]) <= {"governance", "training", "progress"}
    words = {w for _, _, s in POOL for w in s.split()}
    assert all(set(text.split()) <= words for text in a["text"])  # only the pool's words


def test_make_segments_verbatim_and_distinct(bd):
    verbatim = bd.make_segments(POOL, 50, np.random.default_rng(2), recombined=0.0)
    assert set(verbatim["text"]) <= {s for _, _, s in POOL}
    # three sentences of 6-7 words give at most 3 * 3 * 7 * 7 = 441 two-piece recombinations:
    # the third fragment must kick in to reach 500 different texts
    distinct = bd.make_segments(POOL, 500, np.random.default_rng(3), distinct=True)
    assert distinct["text"].is_unique and len(distinct) == 500


def test_district_cells_finds_meta_and_profile(bd):
    wb = Workbook()
    profile = wb.active
    profile.title = "Profilo"
    profile.append(["codice", "domanda", "risposta", "note"])
    profile.append(["district_id", "Codice", "D01", ""])
    meta = wb.create_sheet("_meta")
    meta.append(["form_id", "x"])
    meta.append(["district_id", "D01"])
    cells = bd.district_cells(wb)
    assert [(c.parent.title, c.coordinate) for c in cells] == [("_meta", "B2"), ("Profilo", "C2")]


def test_interview_templates_rebuild_wide_rows(bd):
    keys = {"interview_id": ["I1", "I2"], "wave": [2011, 2011], "district_id": ["D01", "D02"]}
    data = SimpleNamespace(
        interviews=pd.DataFrame({**keys, "referent_role": ["sindaco", None]}),
        contacts=pd.DataFrame({**keys, "referent_name": ["A", "B"]}),
        multi=pd.DataFrame(
            {"interview_id": ["I2"], "wave": [2011], "district_id": ["D02"]}
            | {"question": ["gov_problems"], "option": ["nessuno"]}
        ),
        open_answers=pd.DataFrame(
            {"interview_id": ["I1"], "question": ["gov_problems_text"], "text": ["Testo."]}
        ),
        interventions=pd.DataFrame(
            {"interview_id": ["I1", "I1"], "district_id": ["D01", "D01"]}
            | {"area": ["fiere", "sicurezza"], "budget_planned": [1000.0, np.nan]}
        ),
    )
    columns = ["district_id", "referent_role", "referent_name", "gov_problems/nessuno"]
    columns += ["gov_problems_text"]
    out = bd.interview_templates(data, columns, ["district_id", "area", "budget_planned"])
    assert out[0] == (
        ["D01", "sindaco", "A", 0, "Testo."],
        [["D01", "fiere", 1000.0], ["D01", "sicurezza", None]],
    )
    assert out[1] == (["D02", None, "B", 1, None], [])


def test_peak_rss_is_a_plausible_size(bd):
    # a Python interpreter with pandas loaded holds tens of MiB, far less than 100 GiB
    assert 10_000 < bd.peak_rss_kb() < 100 * 1024 * 1024
