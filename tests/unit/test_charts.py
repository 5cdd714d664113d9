"""What each chart draws, on the Agg backend, and byte-identical saving."""

from __future__ import annotations

import itertools
import subprocess
import sys

import matplotlib
import matplotlib.collections
import matplotlib.text
import numpy as np
import pandas as pd
import pytest

from distretti_survey import indicators as ind
from distretti_survey.outputs import chart_style, charts

matplotlib.use("Agg")

LONG_NAMES = [
    "Una strada, un Distretto: la Via Emilia tra Casteggio e Broni",
    '"Oltre il... Commercio" (Valle Staffora)',
    "Distretto dei Borghi e dei Castelli",
    "Distretto di Belgioioso",
    "Colli dell'Oltrepò",
    "DUC di Pavia",
] + [f"Distretto illustrativo numero {i} della pianura e delle colline" for i in range(7, 19)]
IDS = [f"D{i:02d}" for i in range(1, 19)]
NAMES = dict(zip(IDS, LONG_NAMES, strict=True))


def _inside_figure(fig) -> None:
    """Assert that everything drawn, text included, lies inside the figure."""
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    box = fig.bbox
    for text in fig.findobj(matplotlib.text.Text):
        if not text.get_visible() or not text.get_text():
            continue
        if text in [t for ax in fig.axes for t in ax.get_xticklabels() + ax.get_yticklabels()]:
            continue  # tick labels of ticks outside the view are not drawn; checked below
        extent = text.get_window_extent(renderer)
        assert extent.x0 >= box.x0 - 1 and extent.x1 <= box.x1 + 1, text.get_text()
        assert extent.y0 >= box.y0 - 1 and extent.y1 <= box.y1 + 1, text.get_text()
    tight = fig.get_tightbbox(renderer)
    assert tight.x0 >= -0.01 and tight.y0 >= -0.01
    assert tight.x1 <= fig.get_figwidth() + 0.01 and tight.y1 <= fig.get_figheight() + 0.01


def _no_overlap(ax) -> None:
    boxes = sorted(
        (t.get_window_extent().y0, t.get_window_extent().y1) for t in ax.get_yticklabels()
    )
    for (_, top), (bottom, _) in itertools.pairwise(boxes):
        assert bottom >= top


def _status_data() -> pd.DataFrame:
    rows = [("D01", "completato")] * 3 + [("D01", "in_corso")]  # 75% completed
    rows += [("D02", "completato"), ("D02", "non_avviato")]  # 50%
    rows += [("D03", "in_corso")] * 2  # 0%
    return ind.status_counts(
        pd.DataFrame(rows, columns=["district_id", "status"]), by="district_id"
    )


def test_status_chart_takes_the_meaning_of_codes_from_their_roles():
    """Any codes work: the role says which is completed, which cancelled, which not started."""
    rows = [("D01", "chiuso")] * 2 + [("D01", "lavori"), ("D01", "stop")]
    rows += [("D02", "da_fare")] * 2
    data = ind.status_counts(
        pd.DataFrame(rows, columns=["district_id", "status"]),
        by="district_id",
        statuses=("da_fare", "lavori", "chiuso", "stop"),
    )
    roles = {"chiuso": "completed", "stop": "cancelled", "da_fare": "not_started"}
    roles["lavori"] = "in_progress"  # under way, with or without the role
    order = charts.status_order(["da_fare", "lavori", "chiuso", "stop"], roles)
    assert order == [
        ("chiuso", charts.ROLE_COLOURS["completed"]),
        ("lavori", charts.OPEN_COLOURS[0]),
        ("da_fare", charts.ROLE_COLOURS["not_started"]),
        ("stop", charts.ROLE_COLOURS["cancelled"]),
    ]
    ax = charts.status_chart(
        data, status_roles=roles, statuses=("da_fare", "lavori", "chiuso", "stop")
    )
    assert ax.get_legend_handles_labels()[1] == ["chiuso", "lavori", "da_fare", "stop"]
    assert [round(p.get_width(), 6) for p in ax.containers[0]] == [50.0, 0.0]  # D01 on top


def test_module_import_does_not_load_matplotlib():
    code = (
        "import sys, distretti_survey.outputs.charts, distretti_survey.indicators; "
        "print('matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_new_figure_is_16_9_with_large_ticks():
    fig, ax = charts.new_figure()
    assert fig.get_figwidth() / fig.get_figheight() == pytest.approx(16 / 9, rel=0.01)
    assert ax.xaxis.get_ticklabels()[0].get_fontsize() >= 14
    assert not ax.spines["top"].get_visible() and not ax.spines["right"].get_visible()


def test_status_chart_sorted_by_completion_with_widths():
    ax = charts.status_chart(
        _status_data(),
        district_labels={"D01": "Alfa", "D02": "Beta", "D03": "Gamma"},
        status_labels={"completato": "completato"},
        status_roles={"completato": "completed", "non_avviato": "not_started"},
    )
    labels = [t.get_text() for t in ax.get_yticklabels()]
    ticks = list(ax.get_yticks())
    # Highest y on top: Alfa (75%), then Beta (50%), then Gamma (0%); n in brackets.
    ordered = [label for _, label in sorted(zip(ticks, labels, strict=True), reverse=True)]
    assert ordered == ["Alfa (4)", "Beta (2)", "Gamma (2)"]
    completed = ax.containers[0]  # completato is drawn first
    assert [round(p.get_width(), 6) for p in completed] == [75.0, 50.0, 0.0]
    total = {round(p.get_y(), 3): 0.0 for p in ax.patches}
    for patch in ax.patches:
        total[round(patch.get_y(), 3)] += patch.get_width()
    assert all(v == pytest.approx(100.0) for v in total.values())


def test_status_chart_18_long_names_fit_and_do_not_overlap():
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {"district_id": rng.choice(IDS, 120), "status": rng.choice(list(ind.STATUS_ORDER), 120)}
    )
    ax = charts.status_chart(ind.status_counts(frame, by="district_id"), district_labels=NAMES)
    charts.finish_figure(
        ax.figure,
        title="Stato di avanzamento degli interventi programmati "
        "nei distretti del commercio della provincia di Pavia",
        source=2011,
        synthetic=True,
    )
    _inside_figure(ax.figure)
    _no_overlap(ax)
    texts = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    assert any(t.startswith(LONG_NAMES[0]) for t in texts)  # wrapped, never cut


def test_budget_chart_values_and_missing():
    data = ind.budget_realisation(
        pd.DataFrame(
            {
                "district_id": ["D01", "D02", "D03"],
                "budget_planned": [100.0, 200.0, 0.0],
                "budget_spent": [50.0, 300.0, 10.0],
                "status": "in_corso",
            }
        )
    )
    ax = charts.budget_chart(data, district_labels=NAMES)
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["150%", "50%", "n.d."]  # D02 on top, D03 (planned 0) last
    dots = [c for c in ax.collections if isinstance(c, matplotlib.collections.PathCollection)]
    xs = sorted(
        np.concatenate([c.get_offsets()[:, 0] for c in dots if len(c.get_offsets())]).tolist()
    )
    assert [x for x in xs if not np.isnan(x)] == [50.0, 150.0]
    _inside_figure(ax.figure)


def test_ranked_bars_k_of_n_texts_and_order():
    data = pd.DataFrame(
        {
            "option": ["a", "b", "c"],
            "k": [5, 2, 0],
            "n": 6,
            "share": [5 / 6, 2 / 6, 0.0],
            "small_base": False,
        }
    )
    ax = charts.training_needs_chart(
        data, option_labels={"a": "Marketing digitale", "b": "Vetrine", "c": "Lingue"}
    )
    assert [t.get_text() for t in ax.texts] == [
        "5 di 6 distretti",
        "2 di 6 distretti",
        "0 di 6 distretti",
    ]
    widths = [p.get_width() for p in ax.patches]
    assert widths == [5, 2, 0]
    ys = [p.get_y() for p in ax.patches]
    assert ys == sorted(ys, reverse=True)  # first row on top
    assert ax.get_xlim() == (0, 6)
    _inside_figure(ax.figure)


def test_governance_problems_from_code_mentions():
    codes = pd.DataFrame(
        {
            "district_id": ["D01", "D02", "D02"],
            "question": "gov_problems_text",
            "code_id": ["burocrazia", "burocrazia", "cofinanziamento"],
        }
    )
    interviews = pd.DataFrame({"district_id": ["D01", "D02", "D03"]})
    ax = charts.governance_problems_chart(ind.code_mentions(codes, interviews))
    assert [t.get_text() for t in ax.texts] == ["2 di 3 distretti", "1 di 3 distretti"]
    assert "(base ridotta)" in ax.get_xlabel()


def test_topic_heatmap_cells_and_key():
    matrix = pd.DataFrame({"t1": [1, 0, 1], "t2": [1, 1, 1]}, index=["D01", "D02", "D03"])
    matrix.attrs["n"] = 3
    ax = charts.topic_heatmap(matrix, district_labels=NAMES, topic_labels={"t2": "Vetrine"})
    # Columns by demand: t2 (3) then t1 (2); rows: D01, D03 (2 topics), then D02 (1).
    image = ax.images[0].get_array()
    assert image.tolist() == [[1, 1], [1, 1], [1, 0]]
    key = [t.get_text() for t in ax.get_legend().get_texts()]
    assert key == ["1. Vetrine (3 di 3)", "2. t1 (2 di 3)"]
    _inside_figure(ax.figure)


def test_likert_chart_centres_neutral_and_keeps_non_so_apart():
    values = ["poco", "abbastanza", "abbastanza", "molto", "non_so"]
    score = {"poco": 2, "abbastanza": 3, "molto": 4}
    likert = pd.DataFrame(
        {"item": "gov_comuni", "value": values, "score": [score.get(v, np.nan) for v in values]}
    )
    ax = charts.likert_chart(
        ind.likert_distribution(likert), item_labels={"gov_comuni": "Collaborazione tra i Comuni"}
    )
    widths = {c.get_label(): c.patches[0].get_width() for c in ax.containers}
    lefts = {c.get_label(): c.patches[0].get_x() for c in ax.containers}
    # 5 answers: poco 20%, abbastanza 40% (centred: -20..20), molto 20%, non so 20% apart.
    assert widths["abbastanza"] == pytest.approx(40.0)
    assert lefts["abbastanza"] == pytest.approx(-20.0)
    assert lefts["poco"] == pytest.approx(-40.0)
    assert lefts["molto"] == pytest.approx(20.0)
    assert lefts["non_so"] > 40.0  # a separate block right of the scale
    assert ax.containers[-1].get_label() == "non_so"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Collaborazione tra i Comuni\n(n = 5)"]
    _inside_figure(ax.figure)


def test_dumbbell_chart_one_dot_per_wave():
    data = pd.DataFrame(
        {
            "item": ["a", "a", "b", "b", "c"],
            "wave": [2011, 2012] * 2 + [2012],
            "value": [0.2, 0.5, 0.6, 0.4, 0.1],
        }
    )
    ax = charts.dumbbell_chart(data)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["2011", "2012"]
    dots_2012 = ax.collections[-1].get_offsets()
    assert [round(x, 6) for x in dots_2012[:, 0]] == [50.0, 40.0, 10.0]  # sorted by 2012
    assert sorted(t.get_text() for t in ax.get_yticklabels()) == ["a", "b", "c"]


def test_finish_figure_marks_synthetic_data_only():
    fig, _ = charts.new_figure()
    charts.finish_figure(fig, title="Titolo", source=2011, synthetic=True)
    texts = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    assert "DATI DIMOSTRATIVI" in texts
    # A wave without a source line of its own gets the neutral one, never an organisation.
    assert any("Fonte: dati d'indagine, 2011" in t for t in texts)
    fig2, _ = charts.new_figure()
    charts.finish_figure(fig2, title="Titolo", source="Fonte: altro", synthetic=False)
    texts2 = [t.get_text() for t in fig2.findobj(matplotlib.text.Text)]
    assert not any("DATI DIMOSTRATIVI" in t for t in texts2)
    assert "Fonte: altro" in texts2


def test_save_figure_is_byte_reproducible(tmp_path):
    def build():
        ax = charts.status_chart(_status_data(), district_labels=NAMES)
        return charts.finish_figure(ax.figure, title="Stato", source=2011, synthetic=True)

    first = chart_style.save_figure(
        build(), tmp_path / "a" / "status", formats=("png", "svg", "pdf")
    )
    second = chart_style.save_figure(
        build(), tmp_path / "b" / "status", formats=("png", "svg", "pdf")
    )
    assert [p.suffix for p in first] == [".png", ".svg", ".pdf"]
    for one, two in zip(first, second, strict=True):
        assert one.read_bytes() == two.read_bytes(), one.name
    svg = first[1].read_text(encoding="utf-8")
    assert "<dc:date>" not in svg
