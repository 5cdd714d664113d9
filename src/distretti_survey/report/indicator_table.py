"""The long table of a wave's indicators: one row per number the talk shows.

``indicator_table`` turns the indicator frames of ``analysis`` into one table with the columns
of ``COLUMNS``; ``reports/<wave>/indicatori.csv`` and the ``indicatori`` sheet of
``tabelle.xlsx`` are this table, and the sentences of the deck and of the HTML report take
their numbers from it (``indicator_read``). Indicator ids are stable: a later wave, a notebook or a
spreadsheet can rely on them.

Conventions: ``value`` is a share (0..1, ``unit`` "quota") or a count or an amount;
``numerator`` / ``denominator`` say what the share is of (for a budget, euro spent / euro
planned); ``base`` says in Italian what was counted; ``n_districts`` is how many districts
the figure rests on; ``flag`` warns (small base, unreviewed or simulated codes, amounts
left out), empty when there is nothing to say.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

COLUMNS = (
    "indicator",
    "item",
    "district_id",
    "value",
    "numerator",
    "denominator",
    "unit",
    "base",
    "n_districts",
    "flag",
)
SHARE, COUNT, EURO = "quota", "conteggio", "euro"
#: Every indicator id, with what it measures (Italian), in table order.
INDICATORS = {
    "districts_interviewed": "Distretti intervistati sui distretti del registro",
    "district_interviewed": "Distretto intervistato (1) o no (0)",
    "districts_by_type": "Distretti intervistati per tipo",
    "comuni": "Comuni dei distretti intervistati",
    "interventions_planned": "Interventi programmati",
    "interventions_status_share": "Interventi per stato di attuazione",
    "interventions_status_share_area": "Interventi per stato, in ciascun ambito (ambito/stato)",
    "interventions_completed_share": "Interventi completati",
    "budget_realisation": "Budget speso sul budget previsto",
    "budget_realisation_area": "Budget speso sul previsto, per ambito",
    "budget_left_out": "Interventi esclusi dal budget (importo mancante) e budget previsto",
    "interventions_late": "Interventi in ritardo alla data dell'intervista",
    "districts_with_late": "Distretti con almeno un intervento in ritardo",
    "training_topic_share": "Distretti che chiedono il tema di formazione",
    "training_format_share": "Distretti che indicano il formato di formazione",
    "likert_share": "Risposte per valore (domanda/valore), su tutte le risposte",
    "likert_share_rated": "Risposte per valore (domanda/valore), sulle risposte valutate",
    "gov_problem_share": "Distretti che indicano la criticità (domanda chiusa)",
    "coded_mentions": "Distretti che citano il codice (risposte aperte codificate)",
    "coded_mentions_by_type": "Distretti che citano il codice, per tipo (tipo/codice)",
    "coded_segments": "Segmenti di risposta a cui è applicato il codice",
    "coded_answers": "Risposte aperte a cui è applicato il codice",
    "coder_agreement": "Accordo tra i codificatori (quota di segmenti concordi)",
    "open_answers": "Risposte aperte lette (con testo)",
    "open_segments": "Segmenti (frasi) delle risposte aperte",
    "final_codes_by_source": "Codici finali per origine (agreed, consensus, coder_a, ..., rule)",
    "personal_data_redacted": "Dati personali omessi dalle risposte aperte, per tipo",
    "coder_kappa": "Kappa di Cohen tra i codificatori",
    "coder_alpha": "Alfa di Krippendorff tra i codificatori",
}
BASE_RESPONDENTS = "distretti intervistati"


def _frame(indicator: str, frame: pd.DataFrame, **columns: Any) -> pd.DataFrame:
    """Build rows of ``indicator`` from ``frame``: each keyword is a column name or a value."""
    data = {}
    for name in COLUMNS[1:]:
        spec = columns.get(name, "")
        if isinstance(spec, str) and spec in frame.columns:
            data[name] = frame[spec].to_numpy()
        elif isinstance(spec, pd.Series | np.ndarray | list):
            data[name] = np.asarray(spec)
        else:
            data[name] = [spec] * len(frame)
    out = pd.DataFrame(data, index=range(len(frame)))
    out.insert(0, "indicator", indicator)
    return out


def _small(frame: pd.DataFrame, threshold: int, extra: str = "") -> list[str]:
    flags = []
    small = frame["small_base"] if "small_base" in frame else pd.Series(False, index=frame.index)
    for is_small in small.to_numpy():
        parts = [f"base ridotta (meno di {threshold})" if is_small else "", extra]
        flags.append("; ".join(p for p in parts if p))
    return flags


def _response_rows(ind: Mapping[str, pd.DataFrame]) -> list[pd.DataFrame]:
    response = ind["response"]
    registry = response[response["in_registry"]]
    k, n = int(registry["interviewed"].sum()), len(registry)
    missing = ", ".join(registry.loc[~registry["interviewed"], "district_name"].astype(str))
    outside = response.loc[~response["in_registry"], "district_id"].astype(str)
    flag = f"non intervistati: {missing}" if missing else ""
    if len(outside):
        flag += ("; " if flag else "") + f"fuori registro: {', '.join(outside)}"
    overall = pd.DataFrame({"v": [k / n if n else np.nan]})
    per = response.assign(v=response["interviewed"].astype(int))
    return [
        _frame(
            "districts_interviewed",
            overall,
            value="v",
            numerator=k,
            denominator=n,
            unit=SHARE,
            base="distretti del registro nell'ondata",
            n_districts=n,
            flag=flag,
        ),
        _frame(
            "district_interviewed",
            per,
            district_id="district_id",
            value="v",
            numerator="v",
            denominator=1,
            unit=COUNT,
            base="distretto del registro",
            n_districts=1,
        ),
    ]


def _planned_rows(ind: Mapping[str, pd.DataFrame], key: dict) -> list[pd.DataFrame]:
    k = key["n_districts"]
    rows = []
    counts = ind["status_by_district"].groupby("district_id", sort=True)["count"].sum()
    planned = pd.DataFrame({"district_id": counts.index, "n": counts.to_numpy()})
    rows.append(
        _frame(
            "interventions_planned",
            pd.DataFrame({"n": [key["n_interventions"]]}),
            value="n",
            numerator="n",
            unit=COUNT,
            base="interventi programmati",
            n_districts=k,
        )
    )
    rows.append(
        _frame(
            "interventions_planned",
            planned,
            district_id="district_id",
            value="n",
            numerator="n",
            unit=COUNT,
            base="interventi programmati",
            n_districts=1,
        )
    )
    return rows


def _progress_rows(ind: Mapping[str, pd.DataFrame], key: dict, t: int) -> list[pd.DataFrame]:
    k = key["n_districts"]
    rows = _planned_rows(ind, key)
    status = ind["status_overall"]
    common = {"value": "share", "numerator": "count", "denominator": "n", "unit": SHARE}
    rows.append(
        _frame(
            "interventions_status_share",
            status,
            item="status",
            base="interventi programmati",
            n_districts=k,
            flag=_small(status, t),
            **common,
        )
    )
    by_district = ind["status_by_district"]
    rows.append(
        _frame(
            "interventions_status_share",
            by_district,
            item="status",
            district_id="district_id",
            base="interventi programmati del distretto",
            n_districts=1,
            flag=_small(by_district, t),
            **common,
        )
    )
    by_area = ind["status_by_area"]
    rows.append(
        _frame(
            "interventions_status_share_area",
            by_area,
            item=(by_area["area"].astype(str) + "/" + by_area["status"].astype(str)).to_numpy(),
            base="interventi programmati dell'ambito",
            n_districts=k,
            flag=_small(by_area, t),
            **common,
        )
    )
    completion = ind["completion_by_district"]
    overall = pd.DataFrame(
        {"share": [key["share_completed"]], "completed": [key["n_completed"]]}
    ).assign(n=key["n_interventions"])
    done = {"value": "share", "numerator": "completed", "denominator": "n", "unit": SHARE}
    base = "interventi programmati, annullati compresi"
    rows.append(_frame("interventions_completed_share", overall, base=base, n_districts=k, **done))
    rows.append(
        _frame(
            "interventions_completed_share",
            completion,
            district_id="district_id",
            base=base,
            n_districts=1,
            flag=_small(completion, t),
            **done,
        )
    )
    return rows


def _budget_base(n: Any, n_planned: Any, n_left: Any, left: Any) -> str:
    text = f"{int(n)} di {int(n_planned)} interventi programmati"
    if n_left:
        one = int(n_left) == 1
        text += (
            f" ({'escluso' if one else 'esclusi'} {int(n_left)} "
            f"{'intervento' if one else 'interventi'} senza importo, con "
            f"{format(float(left), ',.0f').replace(',', '.')} € previsti)"
        )
    return text


def _budget_rows(ind: Mapping[str, pd.DataFrame], key: dict, t: int) -> list[pd.DataFrame]:
    k = key["n_districts"]
    district, area = ind["budget_by_district"], ind["budget_by_area"]
    overall = pd.DataFrame(
        {
            "realisation": [key["budget_realisation"]],
            "budget_spent": [key["budget_spent"]],
            "budget_planned": [key["budget_planned"]],
            "n": [key["n_budget_counted"]],
            "n_planned": [key["n_interventions"]],
            "n_left_out": [key["n_budget_left_out"]],
            "budget_left_out": [key["budget_left_out"]],
            "small_base": [False],
        }
    )
    spec = {
        "value": "realisation",
        "numerator": "budget_spent",
        "denominator": "budget_planned",
        "unit": SHARE,
    }
    rows = []
    for name, frame, extra in (
        ("budget_realisation", overall, {"n_districts": k}),
        ("budget_realisation", district, {"district_id": "district_id", "n_districts": 1}),
        ("budget_realisation_area", area, {"item": "area", "n_districts": k}),
    ):
        bases = [
            _budget_base(*r)
            for r in frame[["n", "n_planned", "n_left_out", "budget_left_out"]].to_numpy()
        ]
        flags = [
            "; ".join(p for p in (small, f"importo mancante: {int(n)} esclusi" if n else "") if p)
            for small, n in zip(_small(frame, t), frame["n_left_out"], strict=True)
        ]
        rows.append(_frame(name, frame, base=bases, flag=flags, **spec, **extra))
    left = pd.DataFrame(
        {
            "v": [key["budget_left_out"]],
            "n": [key["n_budget_left_out"]],
            "d": [key["n_interventions"]],
        }
    )
    rows.append(
        _frame(
            "budget_left_out",
            left,
            value="v",
            numerator="n",
            denominator="d",
            unit=EURO,
            base="budget previsto degli interventi senza importo speso (esclusi)",
            n_districts=k,
        )
    )
    return rows


def _late_rows(ind: Mapping[str, pd.DataFrame], key: dict, t: int) -> list[pd.DataFrame]:
    late = ind["behind_schedule"]
    base = "interventi programmati; in ritardo alla data dell'intervista"
    overall = pd.DataFrame(
        {"b": [key["n_behind"]], "n": [key["n_interventions"]], "u": [key["n_undated"]]}
    )
    undated = f"{key['n_undated']} interventi senza data d'intervista" if key["n_undated"] else ""
    with_late = pd.DataFrame({"v": [key["n_districts_behind"]], "n": [key["n_districts"]]})
    return [
        _frame(
            "interventions_late",
            overall,
            value="b",
            numerator="b",
            denominator="n",
            unit=COUNT,
            base=base,
            n_districts=key["n_districts"],
            flag=undated,
        ),
        _frame(
            "interventions_late",
            late,
            district_id="district_id",
            value="behind",
            numerator="behind",
            denominator="n",
            unit=COUNT,
            base=base,
            n_districts=1,
            flag=_small(late, t),
        ),
        _frame(
            "districts_with_late",
            with_late,
            value="v",
            numerator="v",
            denominator="n",
            unit=COUNT,
            base=BASE_RESPONDENTS,
            n_districts=key["n_districts"],
        ),
    ]


def _k_of_n(indicator: str, frame: pd.DataFrame, key: str, t: int, flag: str = "") -> pd.DataFrame:
    return _frame(
        indicator,
        frame,
        item=key,
        value="share",
        numerator="k",
        denominator="n",
        unit=SHARE,
        base=BASE_RESPONDENTS,
        n_districts="n",
        flag=_small(frame, t, flag),
    )


def _choice_rows(ind: Mapping[str, pd.DataFrame], t: int) -> list[pd.DataFrame]:
    matrix = ind["training_matrix"]
    cells = matrix.stack().rename("v").reset_index()
    cells.columns = ["district_id", "option", "v"]
    rows = [
        _k_of_n("districts_by_type", ind["districts_by_type"], "type", t),
        _frame(
            "comuni",
            ind["comuni_per_district"],
            district_id="district_id",
            value="n_comuni",
            numerator="n_comuni",
            unit=COUNT,
            base="comuni del registro nell'ondata",
            n_districts=1,
        ),
        _k_of_n("training_topic_share", ind["training_topics"], "option", t),
        _frame(
            "training_topic_share",
            cells,
            item="option",
            district_id="district_id",
            value="v",
            numerator="v",
            denominator=1,
            unit=COUNT,
            base="distretto intervistato (1 = chiede il tema)",
            n_districts=1,
        ),
        _k_of_n("training_format_share", ind["training_formats"], "option", t),
        _k_of_n("gov_problem_share", ind["governance_closed"], "option", t),
    ]
    for name in ("training_likert", "governance_likert"):
        likert = ind[name]
        item = (likert["item"].astype(str) + "/" + likert["value"].astype(str)).to_numpy()
        rows.append(
            _frame(
                "likert_share",
                likert,
                item=item,
                value="share",
                numerator="count",
                denominator="n",
                unit=SHARE,
                base="tutte le risposte alla domanda",
                n_districts="n",
                flag=_small(likert, t),
            )
        )
        rated = likert[~likert["apart"]]
        rows.append(
            _frame(
                "likert_share_rated",
                rated,
                item=item[~likert["apart"].to_numpy()],
                value="share_scored",
                numerator="count",
                denominator="n_scored",
                unit=SHARE,
                base="risposte valutate (esclusi «non so» e «non applicabile»)",
                n_districts="n_scored",
                flag=[
                    f"base ridotta (meno di {t})" if n < t else ""
                    for n in rated["n_scored"].to_numpy()
                ],
            )
        )
    return rows


def _code_counts(codes: pd.DataFrame, flag: str) -> list[pd.DataFrame]:
    """Return the segments and the answers each code is applied to (sheet ``codici``)."""
    return [
        _frame(
            indicator,
            codes,
            item="code_id",
            value=column,
            numerator=column,
            unit=COUNT,
            base=base,
            n_districts="n_districts_base",
            flag=flag,
        )
        for indicator, column, base in (
            ("coded_segments", "n_segments", "segmenti delle risposte aperte codificate"),
            ("coded_answers", "n_answers", "risposte aperte codificate"),
        )
    ]


def _coded_rows(ind: Mapping[str, pd.DataFrame], coding: Any, t: int) -> list[pd.DataFrame]:
    codes = ind["codes"].assign(small_base=lambda f: f["n_districts_base"] < t)
    by_type = ind["governance_by_type"]
    rows = [
        _frame(
            "coded_mentions",
            codes,
            item="code_id",
            value="share_districts",
            numerator="n_districts",
            denominator="n_districts_base",
            unit=SHARE,
            base=BASE_RESPONDENTS + " (risposte aperte codificate)",
            n_districts="n_districts_base",
            flag=_small(codes, t, coding.flag),
        ),
        *_code_counts(codes, coding.flag),
        _frame(
            "coded_mentions_by_type",
            by_type,
            item=(by_type["type"].astype(str) + "/" + by_type["code_id"].astype(str)).to_numpy(),
            value="share",
            numerator="k",
            denominator="n",
            unit=SHARE,
            base=BASE_RESPONDENTS + " del tipo (risposte aperte codificate)",
            n_districts="n",
            flag=_small(by_type, t, coding.flag),
        ),
    ]
    agreement = ind.get("agreement")
    if agreement is not None and len(agreement):
        flag = coding.flag
        for indicator, column in (
            ("coder_agreement", "percent_agreement"),
            ("coder_kappa", "cohen_kappa"),
            ("coder_alpha", "krippendorff_alpha"),
        ):
            part = agreement.assign(
                why=[
                    "; ".join(p for p in (flag, str(r) if pd.notna(r) else "") if p)
                    for r in agreement["reason"]
                ]
            )
            rows.append(
                _frame(
                    indicator,
                    part,
                    item="code",
                    value=column,
                    denominator="n_units",
                    unit=SHARE if column == "percent_agreement" else "coefficiente",
                    base="segmenti codificati da entrambi i codificatori",
                    flag="why",
                )
            )
        if coding.agreement is not None:
            rows.append(
                _frame(
                    "coder_agreement",
                    pd.DataFrame({"v": [coding.agreement], "n": [coding.n_units]}),
                    value="v",
                    denominator="n",
                    unit=SHARE,
                    base="media sui codici dei segmenti codificati da entrambi",
                    flag=flag,
                )
            )
    return rows


def _method_rows(ind: Mapping[str, pd.DataFrame]) -> list[pd.DataFrame]:
    """Return the counts the method note gives: open answers, segments, codes, redactions."""
    if "method" not in ind:
        return []
    method = ind["method"]
    rows = []
    for indicator, base in (
        ("open_answers", "risposte aperte dei distretti intervistati"),
        ("open_segments", "segmenti in cui sono divise le risposte aperte"),
        ("final_codes_by_source", "codici finali (segmento x codice)"),
        ("personal_data_redacted", "dati personali omessi; «risposte»: risposte toccate"),
    ):
        part = method[method["indicator"] == indicator]
        rows.append(
            _frame(indicator, part, item="item", value="n", numerator="n", unit=COUNT, base=base)
        )
    return rows


def indicator_table(
    ind: Mapping[str, pd.DataFrame], key: dict[str, Any], coding: Any, *, threshold: int
) -> pd.DataFrame:
    """Return every number of a wave's talk as one long table (``COLUMNS``).

    Parameters
    ----------
    ind
        The indicator frames of ``analysis`` (``response``, ``status_overall``, ...).
    key
        ``indicators.key_figures`` of the wave.
    coding
        ``CodingStatus``: its flag goes on every coded figure.
    threshold
        Bases below it are flagged.
    """
    parts = [
        *_response_rows(ind),
        *_progress_rows(ind, key, threshold),
        *_budget_rows(ind, key, threshold),
        *_late_rows(ind, key, threshold),
        *_choice_rows(ind, threshold),
        *_coded_rows(ind, coding, threshold),
        *_method_rows(ind),
    ]
    out = pd.concat([p for p in parts if len(p)], ignore_index=True)
    for column in ("item", "district_id", "unit", "base", "flag"):
        out[column] = out[column].astype(object).where(out[column].notna(), "").astype(str)
    for column in ("value", "numerator", "denominator", "n_districts"):
        out[column] = pd.to_numeric(out[column].replace("", np.nan), errors="coerce")
    order = {name: i for i, name in enumerate(INDICATORS)}
    out = out.sort_values(
        ["indicator", "district_id"],
        key=lambda s: s.map(order) if s.name == "indicator" else s.ne(""),
        kind="stable",
        ignore_index=True,
    )
    return out[list(COLUMNS)]


def write_indicator_csv(table: pd.DataFrame, path: str | Path) -> Path:
    """Write ``indicatori.csv`` through the package's formula-safe, byte-stable CSV writer.

    Numbers keep ten significant digits, so the same table gives the same bytes and a share
    printed with one decimal can always be found in the file.
    """
    from distretti_survey.csv_io import write_csv

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_csv(table, path, float_format="%.10g")
