"""Synthetic inputs for ``tools/bench.py``: district workbook copies, segments, wide waves.

Everything is built from the committed demo waves with a seeded ``numpy`` generator, so the
same seed always gives the same data. Nothing here is timed; ``bench.py`` times what it builds.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SEGMENT_FIELDS = ("segment_id", "interview_id", "wave", "district_id", "question", "theme")


# --- timing helpers ---------------------------------------------------------------------------


def time_best(func: Callable[[], Any], repeats: int, *, warmup: bool = True) -> tuple[float, Any]:
    """Return the best wall time of ``repeats`` calls of ``func`` and the last result.

    A warm-up call (imports, regex compilation, caches) runs first and is not counted.
    """
    import time

    result = func() if warmup else None
    best = math.inf
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def ratio(value: float, baseline: float) -> float | None:
    """Return ``value / baseline``, or None when the baseline is not positive."""
    return value / baseline if baseline > 0 else None


def growth_factors(sizes: Sequence[int], times: Sequence[float]) -> list[float | None]:
    """Return time(next) / time(previous) for consecutive sizes (first entry None).

    Examples
    --------
    >>> growth_factors([10, 100, 1000], [1.0, 8.0, 100.0])
    [None, 8.0, 12.5]
    """
    out: list[float | None] = [None]
    for i in range(1, len(sizes)):
        out.append(ratio(times[i], times[i - 1]))
    return out


def peak_rss_kb() -> int:
    """Return the peak resident memory of this process in KiB.

    On Linux ``VmHWM`` is read from ``/proc/self/status``: ``ru_maxrss`` would also count the
    parent's memory, which a child started by fork + exec inherits as its starting maximum.
    """
    import resource

    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def median(values: Sequence[float]) -> float:
    """Return the median of ``values``."""
    return statistics.median(values)


def format_cell(value: Any) -> str:
    """Return a table cell: ratios and times with 3 significant digits, counts as integers.

    Examples
    --------
    >>> [format_cell(v) for v in (None, 12, 0.012345, 1234.5, "x")]
    ['-', '12', '0.0123', '1234', 'x']
    """
    if value is None:
        return "-"
    if isinstance(value, (bool, int, np.integer)):
        return str(value)
    if isinstance(value, float):
        return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    return str(value)


def format_table(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Return a plain text table: the title, then the header and rows in aligned columns.

    The first column is left-aligned, the others (numbers) right-aligned.
    """
    cells = [list(header)] + [[format_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [title]
    for k, row in enumerate(cells):
        parts = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(parts).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


# --- ingest: copies of the district workbooks ---------------------------------------------------


def district_cells(wb: Any) -> list[Any]:
    """Return the cells holding the district id: ``_meta`` column B and ``Profilo`` column C."""
    cells = []
    for sheet, column in (("_meta", 2), ("Profilo", 3)):
        ws = wb[sheet]
        for row in range(1, ws.max_row + 1):
            if ws.cell(row, 1).value == "district_id":
                cells.append(ws.cell(row, column))
                break
    return cells


def copy_district_books(source: Path, out: Path, n: int, *, wave: int = 2011) -> list[str]:
    """Write ``n`` copies of the district workbooks in ``source``, each with a new district id.

    The copies cycle over the source files; ids are ``C0001``.. so none is duplicated.

    Returns
    -------
    The new district ids, in the order written.
    """
    import warnings

    import openpyxl

    out.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl: data validation extensions it cannot keep
        books = [openpyxl.load_workbook(p) for p in sorted(source.glob("*.xlsx"))]
    ids = []
    for i in range(n):
        wb = books[i % len(books)]
        district = f"C{i + 1:04d}"
        for cell in district_cells(wb):
            cell.value = district
        wb.save(out / f"{district}_{wave}.xlsx")
        ids.append(district)
    return ids


def read_all_cells(path: Path) -> int:
    """Read every cell value of every sheet with openpyxl (not read-only): the naive baseline.

    Returns
    -------
    How many non-empty cells were read.
    """
    import warnings

    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(path)
    filled = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            filled += sum(value is not None for value in row)
    return filled


# --- coding: answer segments ------------------------------------------------------------------


def sentence_pool(open_answers: pd.DataFrame) -> list[tuple[str, str, str]]:
    """Return ``(question, theme, sentence)`` for every sentence of the open answers."""
    from distretti_survey.coding.text import split_sentences

    pool = []
    for answer in open_answers.itertuples(index=False):
        for sentence in split_sentences(answer.text):
            pool.append((answer.question, answer.theme, sentence))
    return pool


def _recombine(pool: list[tuple[str, str, str]], rng: np.random.Generator) -> tuple[str, ...]:
    # The head of one sentence joined to the tail of another: new texts, same vocabulary.
    a = pool[rng.integers(len(pool))]
    b = pool[rng.integers(len(pool))]
    head, tail = a[2].split(), b[2].split()
    cut_a = int(rng.integers(1, len(head) + 1))
    cut_b = int(rng.integers(0, len(tail)))
    return a[0], a[1], " ".join(head[:cut_a] + tail[cut_b:])


def make_segments(
    pool: list[tuple[str, str, str]],
    n: int,
    rng: np.random.Generator,
    *,
    recombined: float = 0.5,
    distinct: bool = False,
) -> pd.DataFrame:
    """Build ``n`` segments: demo sentences sampled as they are, or recombined.

    Parameters
    ----------
    pool
        ``sentence_pool`` of the demo open answers.
    n
        How many segments.
    rng
        Seeded generator.
    recombined
        Share of segments that are recombinations rather than verbatim sentences.
    distinct
        Make every text different (recombinations only, repeats redrawn; after many misses a
        third fragment is added), so that no per-text cache can help.

    Returns
    -------
    Columns ``segment_id, interview_id, wave, district_id, question, theme, segment, text``.
    """
    rows, seen = [], set()
    misses = 0
    while len(rows) < n:
        k = len(rows)
        if distinct or rng.random() < recombined:
            question, theme, text = _recombine(pool, rng)
            if distinct:
                if text in seen and misses > 50:
                    text = f"{text} {_recombine(pool, rng)[2]}"
                if text in seen:
                    misses += 1
                    continue
                seen.add(text)
                misses = 0
        else:
            question, theme, text = pool[rng.integers(len(pool))]
        interview = f"B{k // 3:06d}"
        index = k % 3 + 1
        district = f"B{k // 3 % 1000:03d}"
        segment_id = f"{interview}:{question}:{index:02d}"
        rows.append((segment_id, interview, 2011, district, question, theme, index, text))
    return pd.DataFrame(rows, columns=[*SEGMENT_FIELDS, "segment", "text"])


# --- scaling: a master workbook of n resampled interviews ---------------------------------------


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (str, int, float, dt.date)):
        return value
    return None if pd.isna(value) else str(value)


def interview_templates(
    data: Any, columns: Sequence[str], repeat_columns: Sequence[str]
) -> list[tuple[list[Any], list[list[Any]]]]:
    """Return, per demo interview, its master row and its intervention rows (codes, not labels).

    ``data`` is the ``SurveyData`` of a demo wave; ``columns`` and ``repeat_columns`` come from
    ``templates.master_columns``. Column 0 of every row is the district id, replaced later.
    """
    chosen = set(data.multi[["interview_id", "question", "option"]].itertuples(index=False))
    texts = {(a.interview_id, a.question): a.text for a in data.open_answers.itertuples()}
    scalars = data.interviews.merge(data.contacts, on=["interview_id", "wave", "district_id"])
    out = []
    for record in scalars.to_dict("records"):
        iid = record["interview_id"]
        row = []
        for name in columns:
            if "/" in name:
                question, option = name.split("/", 1)
                row.append(int((iid, question, option) in chosen))
            elif name in record:
                row.append(_cell(record[name]))
            else:
                row.append(texts.get((iid, name)))
        own = data.interventions[data.interventions["interview_id"] == iid]
        reps = [[_cell(r[c]) for c in repeat_columns] for r in own.to_dict("records")]
        out.append((row, reps))
    return out


def write_master(
    path: Path,
    templates: list[tuple[list[Any], list[list[Any]]]],
    columns: Sequence[str],
    repeat_columns: Sequence[str],
    n: int,
    seed: int,
    *,
    version: str = "2011.1",
    wave: int = 2011,
) -> Path:
    """Write a master workbook of ``n`` interviews resampled from ``templates`` (openpyxl
    write-only), each with a new district id ``M00001``.., and their interventions."""
    from openpyxl import Workbook

    rng = np.random.default_rng(seed)
    picks = rng.integers(len(templates), size=n)
    wb = Workbook(write_only=True)
    main, rep = wb.create_sheet("interviste"), wb.create_sheet("interventi")
    main.append(list(columns))
    rep.append(list(repeat_columns))
    for k, pick in enumerate(picks):
        district = f"M{k + 1:05d}"
        row, reps = templates[pick]
        main.append([district, *row[1:]])
        for r in reps:
            rep.append([district, *r[1:]])
    meta = wb.create_sheet("_meta")
    for key, value in (("version", version), ("wave", wave)):
        meta.append([key, value])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
