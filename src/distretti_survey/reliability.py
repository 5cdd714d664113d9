"""Inter-coder reliability of the coding of open answers.

Every function takes the ratings as **units x coders** (one row per answer segment, one column
per coder; a pandas DataFrame, a 2-D array or a list of rows), with missing codings as ``NaN``
or ``None``, and returns an :class:`Estimate`: the coefficient plus the number of units used and,
when the coefficient is not defined, ``NaN`` together with the reason in Italian. An undefined
coefficient is never reported as 1.0 or 0.0.

Codes are compared as the same type: the text "1" and the numbers 1 and 1.0 are one code.
Weighted kappa and ordinal alpha need an order: pass ``categories`` (the codes from lowest to
highest), otherwise the sorted values observed in the units kept are used, as R's ``irr`` does.

A table with more coders (columns) than units (rows), and more than two coders, is refused:
it is almost always a coders x units table passed the wrong way round, which would give a
plausible but wrong coefficient.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import krippendorff
import numpy as np
import pandas as pd

from distretti_survey.errors import InputError

__all__ = [
    "REASON_CODE_UNUSED",
    "REASON_NO_PAIRS",
    "REASON_NO_VARIATION",
    "REASON_ONE_CODER",
    "REASON_ONE_UNIT",
    "REASON_TOO_FEW_UNITS",
    "Estimate",
    "agreement_by_code",
    "cohen_kappa",
    "fleiss_kappa",
    "krippendorff_alpha",
    "percent_agreement",
]

REASON_ONE_CODER = "un solo codificatore: servono almeno due codificatori"
REASON_NO_PAIRS = "nessuna unità codificata da almeno due codificatori"
REASON_TOO_FEW_UNITS = "meno di 2 unità codificate da entrambi i codificatori"
REASON_NO_VARIATION = (
    "nessuna variazione: tutte le codifiche hanno lo stesso valore, il coefficiente non è definito"
)
REASON_CODE_UNUSED = "codice mai usato da nessuno dei due codificatori"
REASON_ONE_UNIT = "una sola unità codificata: servono almeno 2 unità"

Weights = Literal["linear", "quadratic"]
Level = Literal["nominal", "ordinal", "interval", "ratio"]
_LEVELS = ("nominal", "ordinal", "interval", "ratio")


@dataclass(frozen=True)
class Estimate:
    """A reliability coefficient, the units it rests on, and why it is missing if it is.

    ``float(estimate)`` and format specs (``f"{estimate:.3f}"``) use ``value``.
    """

    value: float
    n_units: int
    reason: str = ""

    @property
    def is_defined(self) -> bool:
        """Tell whether the coefficient could be computed."""
        return not math.isnan(self.value)

    def __float__(self) -> float:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


def _undefined(reason: str, n_units: int = 0) -> Estimate:
    return Estimate(float("nan"), n_units, reason)


def _same_type(value: Any) -> Any:
    """Return a code in one canonical type: numbers and numeric text become int or float.

    So "1", 1 and 1.0 are the same code, and "2.50" equals 2.5; other text is stripped.
    """
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        return int(number) if number.is_integer() else number
    text = str(value).strip()
    try:
        number = float(text.replace(",", ".")) if text else None
    except ValueError:
        return text
    if number is None or math.isnan(number) or math.isinf(number):
        return text
    return int(number) if number.is_integer() else number


def _canonical(values: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Give every non-missing code one type; numbers become text if any code is text."""
    out = values.copy()
    present = ~missing
    converted = [_same_type(v) for v in values[present].tolist()]
    if any(isinstance(v, str) for v in converted):
        converted = [str(v) for v in converted]
    out[present] = np.array([*converted, None], dtype=object)[:-1]
    return out


def _table(ratings: Any, *, check_orientation: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Return the ratings as a 2-D object array of canonical codes and its missing mask."""
    frame = ratings if isinstance(ratings, pd.DataFrame) else pd.DataFrame(ratings)
    values = frame.to_numpy(dtype=object)
    if values.ndim != 2:
        raise InputError("Le codifiche devono essere una tabella unità x codificatori.")
    n_units, n_coders = values.shape
    if check_orientation and n_coders > max(n_units, 2):
        raise InputError(
            f"La tabella delle codifiche ha {n_units} righe e {n_coders} colonne: sembra "
            "trasposta (codificatori x unità). Servono unità (righe) x codificatori "
            "(colonne): trasporre la tabella (ad esempio con .T) e riprovare."
        )
    missing = np.asarray(pd.isna(values), dtype=bool)
    return _canonical(values, missing), missing


def _encode(
    values: np.ndarray,
    missing: np.ndarray,
    categories: Sequence[Hashable] | None,
    *,
    ordered: bool,
) -> tuple[np.ndarray, list[Hashable]]:
    """Map values to integer codes (-1 = missing) following ``categories`` or sorted values."""
    observed = list(dict.fromkeys(values[~missing].tolist()))
    if categories is not None:
        cats = list(dict.fromkeys(_same_type(c) for c in categories))
        if any(isinstance(c, str) for c in cats) or any(isinstance(v, str) for v in observed):
            cats = [str(c) for c in cats]
            values = values.copy()
            values[~missing] = np.array([*map(str, values[~missing].tolist()), None], dtype=object)[
                :-1
            ]
            observed = [str(v) for v in observed]
        known = set(cats)
        unknown = [v for v in observed if v not in known]
        if unknown:
            shown = ", ".join(repr(v) for v in unknown[:5])
            raise InputError(f"Valori non presenti nelle categorie indicate: {shown}.")
    else:
        try:
            cats = sorted(observed)
        except TypeError as exc:
            if ordered:
                raise InputError(
                    "Valori di tipo misto non ordinabili: indicare l'ordine con 'categories'."
                ) from exc
            cats = observed
    index = {cat: i for i, cat in enumerate(cats)}
    codes = np.full(values.shape, -1, dtype=np.int64)
    codes[~missing] = [index[v] for v in values[~missing].tolist()]
    return codes, cats


def percent_agreement(ratings: Any) -> Estimate:
    """Compute the share of units on which all their coders agree.

    Parameters
    ----------
    ratings
        Units x coders; missing codings as NaN/None.

    Returns
    -------
    Estimate
        Proportion in [0, 1] over the units coded by at least two coders. NaN with a reason
        when there is only one coder or no unit coded twice. Agreement is defined even when
        every coding is the same (it is then 1.0).

    Notes
    -----
    A unit agrees when all its non-missing codings are equal; units with fewer than two
    codings are left out. Without missing values this is ``agree(ratings)`` of R's ``irr``
    package (Gamer et al., 2019), which reports it as a percentage.

    References
    ----------
    Gamer, M., Lemon, J., Fellows, I., & Singh, P. (2019). irr: Various coefficients of
    interrater reliability and agreement (R package 0.84.1), function ``agree``.

    Examples
    --------
    >>> percent_agreement([[1, 1], [1, 0], [0, 0], [1, None]]).value
    0.6666666666666666
    """
    values, missing = _table(ratings)
    if values.shape[1] < 2:
        return _undefined(REASON_ONE_CODER)
    codes, _ = _encode(values, missing, None, ordered=False)
    usable = (~missing).sum(axis=1) >= 2
    n_units = int(usable.sum())
    if n_units == 0:
        return _undefined(REASON_NO_PAIRS)
    codes = codes[usable]
    valid = codes >= 0
    low = np.where(valid, codes, np.iinfo(np.int64).max).min(axis=1)
    high = np.where(valid, codes, -1).max(axis=1)
    return Estimate(float(np.mean(low == high)), n_units)


def _disagreement_weights(k: int, weights: Weights | None) -> np.ndarray:
    i, j = np.indices((k, k))
    if weights is None:
        return (i != j).astype(float)
    if weights == "linear":
        return np.abs(i - j) / (k - 1)
    return ((i - j) / (k - 1)) ** 2


def cohen_kappa(
    rater_a: Sequence[Any] | pd.Series | np.ndarray,
    rater_b: Sequence[Any] | pd.Series | np.ndarray,
    *,
    weights: Weights | None = None,
    categories: Sequence[Hashable] | None = None,
) -> Estimate:
    """Compute Cohen's kappa, unweighted or weighted, for two coders.

    Parameters
    ----------
    rater_a, rater_b
        Codes of the two coders, one per unit, in the same unit order. Units where either
        code is missing are left out (listwise, as R's ``irr``).
    weights
        None for nominal codes; ``"linear"`` or ``"quadratic"`` for ordinal codes.
    categories
        Codes from lowest to highest. Only weighted kappa depends on it: the distance between
        two codes is the distance between their positions. Default: the sorted observed codes.

    Returns
    -------
    Estimate
        Kappa, NaN with a reason when fewer than 2 units were coded by both, or when
        expected disagreement is zero (both coders used one and the same code throughout).
        Without ``categories`` the scale is the sorted codes of the units kept.

    Notes
    -----
    With the contingency table of proportions :math:`p_{ij}`, margins :math:`p_{i.}`,
    :math:`p_{.j}` and disagreement weights :math:`w_{ij}` (:math:`[i \\ne j]` unweighted,
    :math:`|i-j|/(k-1)` linear, :math:`((i-j)/(k-1))^2` quadratic):

    .. math:: \\kappa_w = 1 - \\frac{\\sum w_{ij} p_{ij}}{\\sum w_{ij} p_{i.} p_{.j}}

    which is :math:`(p_o - p_e)/(1 - p_e)` when unweighted. It reproduces
    ``kappa2(ratings, "unweighted" | "equal" | "squared")`` of R's ``irr``.

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and
    Psychological Measurement, 20, 37-46.
    Cohen, J. (1968). Weighted kappa: Nominal scale agreement with provision for scaled
    disagreement or partial credit. Psychological Bulletin, 70, 213-220.

    Examples
    --------
    >>> round(cohen_kappa(["a", "a", "b", "b"], ["a", "b", "b", "b"]).value, 3)
    0.5
    """
    if weights not in (None, "linear", "quadratic"):
        raise ValueError(f"weights must be None, 'linear' or 'quadratic', not {weights!r}")
    a = pd.Series(list(rater_a), dtype=object)
    b = pd.Series(list(rater_b), dtype=object)
    if len(a) != len(b):
        raise InputError(
            f"I due codificatori hanno un numero diverso di unità ({len(a)} e {len(b)})."
        )
    values, missing = _table(pd.DataFrame({"a": a, "b": b}), check_orientation=False)
    # Listwise first, then rank: a code seen only in a dropped unit takes no place on the
    # scale, as in irr's kappa2 (na.omit before the levels) and scikit-learn.
    kept = ~missing.any(axis=1)
    values, missing = values[kept], missing[kept]
    codes, cats = _encode(values, missing, categories, ordered=weights is not None)
    n = len(codes)
    if n < 2:
        return _undefined(REASON_TOO_FEW_UNITS, n)
    k = len(cats)
    if k < 2:
        return _undefined(REASON_NO_VARIATION, n)
    table = np.bincount(codes[:, 0] * k + codes[:, 1], minlength=k * k).reshape(k, k) / n
    expected = np.outer(table.sum(axis=1), table.sum(axis=0))
    w = _disagreement_weights(k, weights)
    expected_disagreement = float((w * expected).sum())
    if expected_disagreement <= 1e-12:
        return _undefined(REASON_NO_VARIATION, n)
    return Estimate(1.0 - float((w * table).sum()) / expected_disagreement, n)


def fleiss_kappa(ratings: Any, *, counts: bool = False) -> Estimate:
    """Compute Fleiss' kappa for any fixed number of coders per unit.

    Parameters
    ----------
    ratings
        By default units x coders with the codes (units with a missing code are left out,
        as R's ``irr``). With ``counts=True``: units x categories, each cell the number of
        coders who gave that category to that unit; every row must have the same total.
    counts
        Whether ``ratings`` is already a count table.

    Returns
    -------
    Estimate
        Kappa; NaN with a reason when fewer than two coders rate each unit, no unit is
        left, or every coding is the same category.

    Notes
    -----
    For :math:`N` units, :math:`n` ratings per unit and :math:`n_{ij}` ratings of unit
    :math:`i` in category :math:`j`:

    .. math::

        P_i = \\frac{\\sum_j n_{ij}^2 - n}{n(n-1)}, \\quad
        p_j = \\frac{\\sum_i n_{ij}}{Nn}, \\quad
        \\kappa = \\frac{\\bar P - \\sum_j p_j^2}{1 - \\sum_j p_j^2}

    It reproduces ``kappam.fleiss(ratings)`` of R's ``irr`` (not Conger's exact kappa).

    References
    ----------
    Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
    Psychological Bulletin, 76, 378-382.
    """
    if counts:
        table = np.asarray(pd.DataFrame(ratings).to_numpy(dtype=float))
        if table.ndim != 2 or np.isnan(table).any() or (table < 0).any():
            raise InputError("La tabella dei conteggi deve contenere numeri non negativi.")
        if not np.array_equal(table, np.round(table)):
            raise InputError("La tabella dei conteggi deve contenere numeri interi.")
        totals = table.sum(axis=1)
        if len(totals) and not (totals == totals[0]).all():
            raise InputError("Ogni unità deve avere lo stesso numero di codifiche.")
    else:
        values, missing = _table(ratings)
        if values.shape[1] < 2:
            return _undefined(REASON_ONE_CODER)
        codes, cats = _encode(values, missing, None, ordered=False)
        codes = codes[(codes >= 0).all(axis=1)]
        k = max(len(cats), 1)
        table = np.zeros((len(codes), k))
        for col in codes.T:
            table[np.arange(len(codes)), col] += 1
    n_units = table.shape[0]
    if n_units == 0:
        return _undefined(REASON_NO_PAIRS)
    if n_units < 2:
        # One unit gives kappa = -1/(n-1) whatever the coders did: not an estimate.
        return _undefined(REASON_ONE_UNIT, n_units)
    n = float(table[0].sum())
    if n < 2:
        return _undefined(REASON_ONE_CODER, n_units)
    p_units = ((table**2).sum(axis=1) - n) / (n * (n - 1))
    p_categories = table.sum(axis=0) / (n_units * n)
    chance = float((p_categories**2).sum())
    if chance >= 1 - 1e-12:
        return _undefined(REASON_NO_VARIATION, n_units)
    return Estimate((float(p_units.mean()) - chance) / (1 - chance), n_units)


def _value_counts(codes: np.ndarray, k: int) -> np.ndarray:
    """Return units x categories: how many coders gave each category to each unit."""
    counts = np.zeros((len(codes), k), dtype=np.int64)
    for col in codes.T:
        rows = col >= 0
        counts[np.flatnonzero(rows), col[rows]] += 1
    return counts


def krippendorff_alpha(
    ratings: Any,
    *,
    level: Level = "nominal",
    categories: Sequence[Hashable] | None = None,
) -> Estimate:
    """Compute Krippendorff's alpha for any number of coders, with missing codings.

    Parameters
    ----------
    ratings
        **Units x coders** (note: the ``krippendorff`` package itself takes coders x units);
        missing codings as NaN/None.
    level
        Level of measurement: ``"nominal"``, ``"ordinal"``, ``"interval"`` or ``"ratio"``.
        Interval and ratio need numeric codes.
    categories
        Codes from lowest to highest, for ordinal codes that do not sort by themselves
        (e.g. Italian labels). Default: the sorted observed codes.

    Returns
    -------
    Estimate
        Alpha over the units with at least two codings (``n_units``). NaN with a reason when
        there is one coder only, no unit with two codings (fewer than 2 pairable values),
        or all pairable values are the same.

    Notes
    -----
    :math:`\\alpha = 1 - D_o / D_e`, with :math:`D_o` the disagreement observed within units
    (from the coincidence matrix, each pair in unit :math:`u` weighted :math:`1/(m_u - 1)`)
    and :math:`D_e` the disagreement expected from all pairable values, both under the
    difference function of ``level``. Computed by the ``krippendorff`` package (Castro, 2017);
    this wrapper only reshapes the data and handles the undefined cases.

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for
    Communication, University of Pennsylvania. https://repository.upenn.edu/asc_papers/43
    Castro, S. (2017). Fast Krippendorff: Fast computation of Krippendorff's alpha agreement
    measure. https://github.com/pln-fing-udelar/fast-krippendorff

    Examples
    --------
    Binary example of Krippendorff (2011), two coders and ten units:

    >>> a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    >>> b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    >>> round(krippendorff_alpha(list(zip(a, b))).value, 3)
    0.095
    """
    if level not in _LEVELS:
        raise ValueError(f"level must be one of {_LEVELS}, not {level!r}")
    values, missing = _table(ratings)
    if values.shape[1] < 2:
        return _undefined(REASON_ONE_CODER)
    codes, cats = _encode(values, missing, categories, ordered=level != "nominal")
    usable = (codes >= 0).sum(axis=1) >= 2
    n_units = int(usable.sum())
    if n_units == 0:
        return _undefined(REASON_NO_PAIRS)
    if n_units < 2:
        return _undefined(REASON_ONE_UNIT, n_units)
    value_counts = _value_counts(codes[usable], max(len(cats), 1))
    if np.count_nonzero(value_counts.sum(axis=0)) < 2:
        return _undefined(REASON_NO_VARIATION, n_units)
    if level in ("interval", "ratio"):
        try:
            domain = np.asarray(cats, dtype=float)
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"Il livello '{level}' richiede codici numerici; trovati valori non numerici."
            ) from exc
    else:
        domain = np.arange(value_counts.shape[1])
    value = krippendorff.alpha(
        value_counts=value_counts, value_domain=domain, level_of_measurement=level
    )
    return Estimate(float(value), n_units)


def _binary_column(frame: pd.DataFrame, code: str, who: str) -> pd.Series:
    if code not in frame.columns:
        raise InputError(f"Codificatore {who}: manca la colonna del codice '{code}'.")
    column = pd.to_numeric(frame[code].astype(object), errors="coerce")
    bad = frame[code].notna() & ~column.isin([0, 1])
    if bad.any():
        where = ", ".join(str(i) for i in frame.index[bad][:5])
        raise InputError(
            f"Codificatore {who}, codice '{code}': ammessi solo 0 e 1 (righe: {where})."
        )
    return column


def _keyed(frame: pd.DataFrame, key: str | list[str] | None, who: str) -> pd.DataFrame:
    if key is not None:
        names = [key] if isinstance(key, str) else list(key)
        absent = [name for name in names if name not in frame.columns]
        if absent:
            raise InputError(f"Codificatore {who}: manca la colonna chiave {absent[0]!r}.")
        frame = frame.set_index(names)
    if not frame.index.is_unique:
        raise InputError(f"Codificatore {who}: la chiave dei segmenti contiene duplicati.")
    return frame


def agreement_by_code(
    coder_a: pd.DataFrame,
    coder_b: pd.DataFrame,
    codes: Sequence[str],
    *,
    key: str | list[str] | None = None,
) -> pd.DataFrame:
    """Tabulate the agreement of two coders code by code.

    Parameters
    ----------
    coder_a, coder_b
        One row per answer segment and one 0/1 column per code (1 = the coder applied the
        code; NaN = not coded). Rows are matched on ``key``; segments only one coder has
        are left out.
    codes
        The codes to tabulate, in the order of the output rows.
    key
        Column(s) identifying a segment; default: the index.

    Returns
    -------
    pandas.DataFrame
        Columns ``code, n_units, percent_agreement, cohen_kappa, krippendorff_alpha, reason``.
        ``n_units`` counts the segments coded by both. ``reason`` is empty when both
        coefficients are defined; otherwise kappa and alpha are NaN and ``reason`` says why
        (e.g. a code never used by either coder). Percent agreement stays defined then.

    Notes
    -----
    Per code, :func:`percent_agreement`, :func:`cohen_kappa` (unweighted) and
    :func:`krippendorff_alpha` (nominal) on the two 0/1 columns.
    """
    left = _keyed(coder_a, key, "A")
    right = _keyed(coder_b, key, "B")
    common = left.index.intersection(right.index, sort=False)
    rows = []
    for code in codes:
        a = _binary_column(left, code, "A").reindex(common)
        b = _binary_column(right, code, "B").reindex(common)
        pair = pd.DataFrame({"a": a, "b": b}).dropna()
        agreement = percent_agreement(pair)
        kappa = cohen_kappa(pair["a"], pair["b"])
        alpha = krippendorff_alpha(pair)
        reasons = list(dict.fromkeys(r for r in (kappa.reason, alpha.reason) if r))
        if len(pair) < 2:
            # one shared segment makes no reliability estimate, whatever alpha's formula says
            alpha, reasons = _undefined(REASON_TOO_FEW_UNITS, len(pair)), [REASON_TOO_FEW_UNITS]
        elif not pair.to_numpy().any():
            reasons = [REASON_CODE_UNUSED]
        rows.append(
            {
                "code": code,
                "n_units": len(pair),
                "percent_agreement": agreement.value,
                "cohen_kappa": kappa.value,
                "krippendorff_alpha": alpha.value,
                "reason": "; ".join(reasons),
            }
        )
    columns = ["code", "n_units", "percent_agreement", "cohen_kappa", "krippendorff_alpha"]
    table = pd.DataFrame(rows, columns=[*columns, "reason"])
    return table.astype({"n_units": "int64", "code": object, "reason": object})
