"""Reliability coefficients against published worked examples and their undefined cases.

Sources of the expected values (each test names its own):

- Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. ASC papers 43: examples
  A (binary), B (nominal, two coders) and C (four coders, missing values). The same examples,
  with the same values, are in Krippendorff (2004), Content Analysis, 2nd ed., pp. 224-230, as
  quoted by the DKPro Statistics tests (``Krippendorff2004Test.java``).
- R package ``irr`` 0.84 (Gamer et al.): data sets ``diagnoses`` (Fleiss 1971) and ``anxiety``
  typed in below as transcribed in statsmodels' ``stats/tests/test_inter_rater.py``, with the R
  outputs recorded there (``kappam.fleiss``, ``kappa2``).
- Wikipedia, "Fleiss' kappa", worked example (10 subjects, 14 raters, 5 categories): 0.210.
- Cohen (1960), p. 45 example (kappa 0.492); Krippendorff (2004), p. 246 (kappa 0.258).
"""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from distretti_survey.errors import InputError
from distretti_survey.reliability import (
    REASON_CODE_UNUSED,
    REASON_NO_PAIRS,
    REASON_NO_VARIATION,
    REASON_ONE_CODER,
    REASON_TOO_FEW_UNITS,
    Estimate,
    agreement_by_code,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
)

NA = np.nan

# Krippendorff (2011), example C: rows are observers A-D, columns units 1-12 (as printed).
KRIPP_C_PRINTED = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, 3],
    [NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NA],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA],
]
KRIPP_C = np.array(KRIPP_C_PRINTED).T  # units x coders, the layout of this package

# Krippendorff (2011), example A: binary data, two observers, ten units.
KRIPP_A_A = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
KRIPP_A_B = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]

# R irr `diagnoses` (Fleiss 1971): 30 patients x 6 raters, levels 1-5.
DIAGNOSES = np.array(
    [
        [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
        [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
        [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
        [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
        [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
        [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
        [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
        [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
    ]
)  # fmt: skip

# R irr `anxiety`: 20 subjects x 3 raters, scores 1-6 (column by column).
ANXIETY = np.array(
    [3, 3, 3, 4, 5, 5, 2, 3, 5, 2, 2, 6, 1, 5, 2, 2, 1, 2, 4, 3,
     3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4,
     2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2]
).reshape(20, 3, order="F")  # fmt: skip


def raters_from_table(table: list[list[int]], labels: list) -> tuple[list, list]:
    """Expand a coder A (rows) x coder B (columns) count table into two code lists."""
    a, b = [], []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            a += [labels[i]] * count
            b += [labels[j]] * count
    return a, b


# --- Krippendorff's alpha -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "expected"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_alpha_krippendorff_2011_example_c(level, expected):
    """Krippendorff (2011) example C, 4 coders x 12 units with missing values.

    Published: nominal .743, ordinal .815, interval .849, ratio .797 (also Krippendorff 2004,
    p. 230: nominal 0.743, interval 0.849).
    """
    result = krippendorff_alpha(KRIPP_C, level=level)
    assert round(result.value, 3) == expected
    assert result.reason == ""
    assert result.n_units == 11  # unit 12 has one value only: not pairable


def test_alpha_example_c_accepts_dataframe_with_none_and_labels():
    """Example C with Italian labels for 1-5, None as missing: ordinal .815, nominal .743."""
    labels = {1: "molto_basso", 2: "basso", 3: "medio", 4: "alto", 5: "molto_alto"}
    frame = pd.DataFrame(KRIPP_C, columns=list("ABCD")).map(
        lambda v: None if pd.isna(v) else labels[int(v)]
    )
    order = list(labels.values())
    assert round(krippendorff_alpha(frame, level="ordinal", categories=order).value, 3) == 0.815
    assert round(krippendorff_alpha(frame).value, 3) == 0.743


def test_alpha_krippendorff_2011_example_a_binary():
    """Krippendorff (2011) example A (2004, p. 224): alpha = 0.095, 6 of 10 units agree."""
    ratings = np.column_stack([KRIPP_A_A, KRIPP_A_B])
    assert round(krippendorff_alpha(ratings).value, 3) == 0.095
    assert percent_agreement(ratings).value == pytest.approx(0.6)


def test_alpha_krippendorff_2011_example_b_nominal_two_coders():
    """Krippendorff (2011) example B (2004, p. 227): alpha = 0.734, agreement 10/12 = 0.833."""
    a = ["a", "a", "b", "b", "b", "b", "b", "c", "c", "c", "c", "c"]
    b = ["a", "b", "b", "b", "b", "b", "c", "c", "c", "c", "c", "c"]
    ratings = pd.DataFrame({"A": a, "B": b})
    assert round(krippendorff_alpha(ratings).value, 3) == 0.734
    assert round(percent_agreement(ratings).value, 3) == 0.833


# --- Fleiss' kappa and percent agreement -----------------------------------------------------


def test_fleiss_irr_diagnoses():
    """R irr: kappam.fleiss(diagnoses) = 0.4302445 (30 subjects, 6 raters)."""
    result = fleiss_kappa(DIAGNOSES)
    assert round(result.value, 3) == 0.430
    assert result.n_units == 30


def test_fleiss_wikipedia_count_table():
    """Wikipedia "Fleiss' kappa" worked example: 10 subjects, 14 raters, kappa = 0.210."""
    counts = [
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ]  # fmt: skip
    assert round(fleiss_kappa(counts, counts=True).value, 3) == 0.210


def test_fleiss_count_table_with_unequal_rows_is_rejected():
    with pytest.raises(InputError, match="stesso numero"):
        fleiss_kappa([[2, 0], [1, 0]], counts=True)


def test_fleiss_drops_units_with_missing_codes():
    """Units with a missing code leave the table (listwise, as irr): 30 of 31 units remain."""
    ratings = np.vstack([DIAGNOSES, [1, NA, 2, 3, 4, 5]])
    result = fleiss_kappa(ratings)
    assert result.n_units == 30
    assert round(result.value, 3) == 0.430


def test_percent_agreement_irr_diagnoses():
    """irr agree() counts units where all raters agree: patients 1, 4, 10, 21, 30 -> 5/30.

    irr reports agree(diagnoses) as %-agree = 16.7.
    """
    assert round(percent_agreement(DIAGNOSES).value, 3) == 0.167


def test_percent_agreement_skips_units_coded_once():
    """Hand count: units 1 and 3 agree, unit 2 does not, unit 4 has one coding only -> 2/3."""
    result = percent_agreement([[1, 1], [1, 0], [0, 0], [1, None]])
    assert result.value == pytest.approx(2 / 3)
    assert result.n_units == 3


# --- Cohen's kappa -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weights", "expected"),
    [(None, -0.006289308), ("linear", 0.1459075), ("quadratic", 0.2520325)],
)
def test_cohen_irr_anxiety(weights, expected):
    """R irr: kappa2(anxiety[,2:3], "unweighted" | "equal" | "squared")."""
    result = cohen_kappa(ANXIETY[:, 1], ANXIETY[:, 2], weights=weights)
    assert round(result.value, 3) == round(expected, 3)


def test_cohen_weighted_with_labels_in_given_order():
    """The same irr "squared" value when the scores are labels ordered by `categories`."""
    names = {1: "uno", 2: "due", 3: "tre", 4: "quattro", 6: "sei"}
    a = [names[v] for v in ANXIETY[:, 1]]
    b = [names[v] for v in ANXIETY[:, 2]]
    result = cohen_kappa(a, b, weights="quadratic", categories=list(names.values()))
    assert round(result.value, 3) == 0.252


def test_cohen_unweighted_ignores_a_category_nobody_used():
    """An unused category adds an empty row and column: p_o and p_e do not change."""
    result = cohen_kappa(ANXIETY[:, 1], ANXIETY[:, 2], categories=[1, 2, 3, 4, 5, 6])
    assert round(result.value, 3) == round(-0.006289308, 3)


def test_cohen_1960_example():
    """Cohen (1960), p. 45: p_o = .70, p_c = .41, kappa = .492 (200 units, 3 categories)."""
    a, b = raters_from_table([[88, 14, 18], [10, 40, 10], [2, 6, 12]], [1, 2, 3])
    assert round(cohen_kappa(a, b).value, 3) == 0.492


def test_cohen_krippendorff_2004_p246():
    """Krippendorff (2004), p. 246, second table: percent agreement .460, kappa .258."""
    a, b = raters_from_table([[12, 18, 18], [0, 14, 18], [0, 0, 20]], ["a", "b", "c"])
    assert round(cohen_kappa(a, b).value, 3) == 0.258
    assert round(percent_agreement(np.column_stack([a, b])).value, 3) == 0.460


def test_cohen_leaves_out_units_missing_for_either_coder():
    """Hand calculation on 4 complete pairs: p_o = 3/4, p_e = 1/2, kappa = 0.5."""
    result = cohen_kappa(["a", "a", "b", "b", None, "a"], ["a", "b", "b", "b", "a", np.nan])
    assert result.value == pytest.approx(0.5)
    assert result.n_units == 4


def test_cohen_rejects_unequal_lengths_and_unknown_codes():
    with pytest.raises(InputError, match="numero diverso"):
        cohen_kappa([1, 2, 3], [1, 2])
    with pytest.raises(InputError, match="categorie"):
        cohen_kappa([1, 2, 3], [1, 2, 9], categories=[1, 2, 3])
    with pytest.raises(ValueError, match="weights"):
        cohen_kappa([1, 2], [1, 2], weights="cubic")


# --- undefined cases -----------------------------------------------------------------------


def test_one_coder_gives_nan_with_reason():
    one = [[1], [2], [1]]
    for result in (percent_agreement(one), krippendorff_alpha(one), fleiss_kappa(one)):
        assert math.isnan(result.value)
        assert result.reason == REASON_ONE_CODER
        assert not result.is_defined


def test_no_variation_gives_nan_but_percent_agreement_is_one():
    same = [["x", "x"], ["x", "x"], ["x", "x"]]
    assert percent_agreement(same).value == 1.0
    kappa = cohen_kappa(["x"] * 3, ["x"] * 3)
    assert math.isnan(kappa.value)
    assert kappa.reason == REASON_NO_VARIATION
    assert kappa.n_units == 3
    for result in (krippendorff_alpha(same), fleiss_kappa(same)):
        assert math.isnan(result.value)
        assert result.reason == REASON_NO_VARIATION
    # categories declared but only one used: still no variation, still NaN
    declared = cohen_kappa(["x"] * 3, ["x"] * 3, weights="linear", categories=["x", "y", "z"])
    assert declared.reason == REASON_NO_VARIATION


def test_fewer_than_two_pairable_values_gives_nan():
    # each unit coded by one coder only: no pairable values at all
    scattered = [[1, None], [None, 2], [3, None]]
    for result in (krippendorff_alpha(scattered), percent_agreement(scattered)):
        assert math.isnan(result.value)
        assert result.reason == REASON_NO_PAIRS
    one_pair = cohen_kappa([1, None, 2], [2, 1, None])
    assert math.isnan(one_pair.value)
    assert one_pair.reason == REASON_TOO_FEW_UNITS
    assert fleiss_kappa(scattered).reason == REASON_NO_PAIRS


def test_alpha_rejects_text_codes_at_interval_level_and_unknown_level():
    with pytest.raises(InputError, match="numerici"):
        krippendorff_alpha([["a", "b"], ["b", "b"]], level="interval")
    with pytest.raises(ValueError, match="level"):
        krippendorff_alpha([[1, 2], [2, 2]], level="circular")


def test_estimate_behaves_like_its_value():
    estimate = Estimate(0.74342, 11)
    assert float(estimate) == 0.74342
    assert f"{estimate:.3f}" == "0.743"
    assert estimate.is_defined


# --- agreement_by_code ---------------------------------------------------------------------


def test_agreement_by_code_aligns_on_key_and_reports_reasons():
    """Code "a" is Krippendorff's example A: agreement .6, alpha .095; kappa by hand:
    p_o = .6, p_e = .2 * .4 + .8 * .6 = .56, kappa = .04 / .44 = 0.0909.
    """
    segments = [f"S{i:02d}" for i in range(1, 11)]
    coder_a = pd.DataFrame(
        {"segment": [*segments, "S99"], "a": [*KRIPP_A_A, 1], "mai": [0] * 11, "b": [1] * 11}
    )
    coder_b = pd.DataFrame({"segment": segments, "a": KRIPP_A_B, "mai": 0, "b": 1}).iloc[::-1]
    table = agreement_by_code(coder_a, coder_b, ["a", "mai", "b"], key="segment")

    assert list(table.columns) == [
        "code", "n_units", "percent_agreement", "cohen_kappa", "krippendorff_alpha", "reason"
    ]  # fmt: skip
    assert table["code"].tolist() == ["a", "mai", "b"]
    assert table["n_units"].tolist() == [10, 10, 10]
    first = table.iloc[0]
    assert first["percent_agreement"] == pytest.approx(0.6)
    assert round(first["cohen_kappa"], 3) == 0.091
    assert round(first["krippendorff_alpha"], 3) == 0.095
    assert first["reason"] == ""
    unused = table.iloc[1]
    assert unused["percent_agreement"] == 1.0
    assert math.isnan(unused["cohen_kappa"]) and math.isnan(unused["krippendorff_alpha"])
    assert unused["reason"] == REASON_CODE_UNUSED
    assert table.iloc[2]["reason"] == REASON_NO_VARIATION


def test_agreement_by_code_too_few_shared_segments():
    coder_a = pd.DataFrame({"c": [1, 0, np.nan]}, index=["s1", "s2", "s3"])
    coder_b = pd.DataFrame({"c": [1, np.nan, 0]}, index=["s1", "s2", "s3"])
    row = agreement_by_code(coder_a, coder_b, ["c"]).iloc[0]
    assert row["n_units"] == 1
    assert row["percent_agreement"] == 1.0
    assert math.isnan(row["cohen_kappa"]) and math.isnan(row["krippendorff_alpha"])
    assert row["reason"] == REASON_TOO_FEW_UNITS


def test_agreement_by_code_rejects_bad_input():
    good = pd.DataFrame({"id": [1, 2], "c": [0, 1]})
    with pytest.raises(InputError, match="manca la colonna del codice 'z'"):
        agreement_by_code(good, good, ["z"], key="id")
    with pytest.raises(InputError, match="solo 0 e 1"):
        agreement_by_code(good, good.assign(c=[0, 2]), ["c"], key="id")
    with pytest.raises(InputError, match="duplicati"):
        agreement_by_code(good.assign(id=[1, 1]), good, ["c"], key="id")


# --- properties ----------------------------------------------------------------------------

codes = st.sampled_from(["a", "b", "c", "d"])
pairs = st.lists(st.tuples(codes, codes), min_size=2, max_size=40)


@settings(max_examples=60, deadline=None)
@given(pairs)
def test_coefficients_are_symmetric_in_coders_and_agreement_is_a_proportion(units):
    a = [u[0] for u in units]
    b = [u[1] for u in units]
    agreement = percent_agreement(list(zip(a, b, strict=True))).value
    assert 0.0 <= agreement <= 1.0
    for weights in (None, "linear", "quadratic"):
        ab = cohen_kappa(a, b, weights=weights).value
        ba = cohen_kappa(b, a, weights=weights).value
        assert (math.isnan(ab) and math.isnan(ba)) or ab == pytest.approx(ba)
    alpha_ab = krippendorff_alpha(list(zip(a, b, strict=True))).value
    alpha_ba = krippendorff_alpha(list(zip(b, a, strict=True))).value
    assert (math.isnan(alpha_ab) and math.isnan(alpha_ba)) or alpha_ab == pytest.approx(alpha_ba)


@settings(max_examples=60, deadline=None)
@given(st.lists(codes, min_size=2, max_size=40), st.integers(min_value=2, max_value=5))
def test_perfect_agreement_gives_one_when_there_is_variation(values, n_coders):
    assume(len(values) >= n_coders)  # fewer units than coders is refused as transposed
    ratings = [[v] * n_coders for v in values]
    varied = len(set(values)) > 1
    results = [
        cohen_kappa(values, values),
        cohen_kappa(values, values, weights="quadratic"),
        fleiss_kappa(ratings),
        krippendorff_alpha(ratings),
        krippendorff_alpha(ratings, level="ordinal"),
    ]
    assert percent_agreement(ratings).value == 1.0
    for result in results:
        if varied:
            assert result.value == pytest.approx(1.0)
        else:
            assert math.isnan(result.value)
            assert result.reason == REASON_NO_VARIATION


# --- issue 10 item 9: ranking over the units kept, one unit, types, orientation --------------

# Two coders, seven units; the last unit is missing for coder A and is the only one where
# the code 3 appears. Over the six units kept the scale is 1 < 2 < 4 (three ranks), as R irr's
# kappa2 builds it after na.omit and as scikit-learn does from the pairs it receives; ranking
# over every unit would put 3 between 2 and 4 and stretch the distance of the pair (2, 4).
DROPPED_A = [1, 1, 2, 2, 4, 4, None]
DROPPED_B = [1, 2, 2, 4, 4, 4, 3]


def test_weighted_kappa_ranks_categories_over_the_units_kept():
    """Linear weighted kappa of the six complete pairs, derived by hand.

    Pairs: (1,1) (1,2) (2,2) (2,4) (4,4) (4,4); ranks 1 -> 0, 2 -> 1, 4 -> 2; weights |i-j| / 2.
    Observed disagreement: two pairs at rank distance 1 -> (2 * 0.5) / 6 = 1/6.
    Margins: A = (2, 2, 2) / 6, B = (1, 2, 3) / 6. Expected disagreement:
    (1/3) [(2/6 .5 + 3/6) + (1/6 .5 + 3/6 .5) + (1/6 + 2/6 .5)] = (1/3)(4/3) = 4/9.
    kappa = 1 - (1/6) / (4/9) = 1 - 3/8 = 0.625.
    With 3 on the scale (ranks 0, 1, 3 of 4, weights / 3) the same pairs give 1 - 9/25 = 0.64.
    """
    result = cohen_kappa(DROPPED_A, DROPPED_B, weights="linear")
    assert result.n_units == 6
    assert result.value == pytest.approx(0.625)
    assert result.value != pytest.approx(0.64)


def test_weighted_kappa_matches_scikit_learn_when_available():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(7)
    scale = np.array([1, 2, 4, 5])
    index = rng.integers(0, 4, 40)
    a = scale[index].astype(object)
    b = scale[np.clip(index + rng.integers(-1, 2, 40), 0, 3)].astype(object)
    a[[3, 9]] = None
    b[3] = 3  # a code seen only in a dropped unit, between two codes kept
    kept = [i for i in range(40) if a[i] is not None and b[i] is not None]
    for weights in ("linear", "quadratic", None):
        expected = metrics.cohen_kappa_score(
            [a[i] for i in kept], [b[i] for i in kept], weights=weights
        )
        assert cohen_kappa(a, b, weights=weights).value == pytest.approx(expected)


def test_one_unit_gives_nan_with_a_reason_for_every_coefficient():
    one = [[1, 2]]  # one unit, two coders
    assert math.isnan(fleiss_kappa(one).value)
    assert fleiss_kappa(one).reason == "una sola unità codificata: servono almeno 2 unità"
    assert math.isnan(krippendorff_alpha(one).value)
    assert krippendorff_alpha(one).reason
    kappa = cohen_kappa([1], [2])
    assert math.isnan(kappa.value) and kappa.reason == REASON_TOO_FEW_UNITS


def test_codes_are_compared_as_the_same_type():
    text = [["1", 1], ["2", 2.0], [" 1", 1], ["2", "2"]]
    assert percent_agreement(text).value == 1.0
    assert cohen_kappa(["1", "2", "1", "2"], [1, 2.0, 1, 2]).value == pytest.approx(1.0)
    assert krippendorff_alpha(text).value == pytest.approx(1.0)
    assert fleiss_kappa(text).value == pytest.approx(1.0)
    # Declared categories as numbers, codes as text: the same codes.
    ordered = cohen_kappa(["1", "2", "3"], ["1", "3", "3"], weights="linear", categories=[1, 2, 3])
    assert ordered.value == pytest.approx(cohen_kappa([1, 2, 3], [1, 3, 3], weights="linear").value)


def test_a_transposed_table_is_refused_with_the_orientation():
    coders_by_units = [[1, 2, 1, 1, 2, 2, 1, 1], [1, 2, 2, 1, 2, 2, 1, 1]]
    for function in (percent_agreement, fleiss_kappa, krippendorff_alpha):
        with pytest.raises(InputError, match=r"unità \(righe\) x codificatori \(colonne\)"):
            function(coders_by_units)
    # The same table the right way round is accepted.
    assert krippendorff_alpha(np.array(coders_by_units).T).is_defined
