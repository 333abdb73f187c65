"""Hierarchical composite index: hand-computed examples and bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hitex.errors import (
    ColumnNotFoundError,
    DuplicateKeyError,
    HitexError,
    NonNumericError,
    SpecificationError,
)
from hitex.indicators.composite import (
    CompositeSpec,
    EqualWeights,
    FixedWeights,
    WeightingStrategy,
    composite_coverage,
    composite_index,
)

PRIMARIES = {"A": ("a1", "a2"), "B": ("b1", "b2", "b3")}

# unit, period -> {indicator: value}; absent keys are missing.
VALUES = {
    ("U1", 2000): {"a1": 2.0, "a2": 4.0, "b1": 3.0, "b2": 5.0, "b3": 7.0},
    ("U1", 2001): {"a1": 6.0, "b1": 1.0, "b2": 2.0, "b3": 3.0},
    ("U2", 2000): {"a1": 1.0, "a2": 3.0, "b1": 4.0, "b2": 4.0, "b3": 1.0},
    ("U2", 2001): {"b1": 6.0, "b2": 6.0, "b3": 3.0},
}


def long_data() -> pd.DataFrame:
    rows = [
        {"unit": u, "period": t, "indicator": k, "value": v}
        for (u, t), d in VALUES.items()
        for k, v in d.items()
    ]
    return pd.DataFrame(rows)


def wide_data() -> pd.DataFrame:
    rows = []
    for (u, t), d in VALUES.items():
        rows.append(
            {
                "unit": u,
                "period": t,
                **{k: d.get(k, np.nan) for k in ("a1", "a2", "b1", "b2", "b3")},
            }
        )
    return pd.DataFrame(rows)


def row(out: pd.DataFrame, unit: str, period: int) -> pd.Series:
    sel = out[(out["unit"] == unit) & (out["period"] == period)]
    assert len(sel) == 1
    return sel.iloc[0]


def test_mean_of_available_members_by_hand():
    out = composite_index(long_data(), CompositeSpec(PRIMARIES))
    assert list(out.columns) == [
        "unit",
        "period",
        "A",
        "B",
        "index",
        "n_present_A",
        "n_present_B",
        "n_present",
        "n_primaries",
    ]
    r = row(out, "U1", 2000)
    assert r["A"] == pytest.approx((2 + 4) / 2)
    assert r["B"] == pytest.approx((3 + 5 + 7) / 3)
    assert r["index"] == pytest.approx((3 + 5) / 2)
    r = row(out, "U1", 2001)  # a2 missing -> A is a1 alone
    assert r["A"] == pytest.approx(6.0)
    assert r["B"] == pytest.approx((1 + 2 + 3) / 3)
    assert r["index"] == pytest.approx((6 + 2) / 2)
    assert (r["n_present_A"], r["n_present_B"], r["n_present"]) == (1, 3, 4)
    r = row(out, "U2", 2001)  # A has no member -> missing, index needs both primaries
    assert math.isnan(r["A"]) and math.isnan(r["index"])
    assert r["B"] == pytest.approx(5.0)
    assert r["n_primaries"] == 1


def test_wide_input_gives_the_same_result():
    spec = CompositeSpec(PRIMARIES)
    pd.testing.assert_frame_equal(
        composite_index(long_data(), spec), composite_index(wide_data(), spec)
    )


def test_min_count_and_index_min_count():
    out = composite_index(long_data(), CompositeSpec(PRIMARIES, min_count={"A": 2}))
    assert math.isnan(row(out, "U1", 2001)["A"])
    assert row(out, "U1", 2000)["A"] == pytest.approx(3.0)
    out = composite_index(long_data(), CompositeSpec(PRIMARIES, index_min_count=1))
    assert row(out, "U2", 2001)["index"] == pytest.approx(5.0)


def test_scale_applies_to_index_and_optionally_primaries():
    out = composite_index(long_data(), CompositeSpec(PRIMARIES, scale=100 / 7))
    r = row(out, "U1", 2000)
    assert r["index"] == pytest.approx(4.0 * 100 / 7)
    assert r["A"] == pytest.approx(3.0)
    out = composite_index(
        long_data(), CompositeSpec(PRIMARIES, scale=100 / 7, scale_primaries=True)
    )
    r = row(out, "U1", 2000)
    assert r["A"] == pytest.approx(3.0 * 100 / 7)
    assert r["index"] == pytest.approx(4.0 * 100 / 7)


def test_fixed_weights_are_renormalised_over_members_present():
    spec = CompositeSpec(
        PRIMARIES,
        secondary_weights={"a1": 1, "a2": 3, "b1": 1, "b2": 1, "b3": 2},
        primary_weights={"A": 1, "B": 3},
    )
    out = composite_index(long_data(), spec)
    r = row(out, "U1", 2000)
    assert r["A"] == pytest.approx((2 * 1 + 4 * 3) / 4)
    assert r["B"] == pytest.approx((3 * 1 + 5 * 1 + 7 * 2) / 4)
    assert r["index"] == pytest.approx((3.5 * 1 + 5.5 * 3) / 4)
    assert row(out, "U1", 2001)["A"] == pytest.approx(6.0)


def test_missing_weight_is_an_error():
    spec = CompositeSpec(PRIMARIES, secondary_weights={"a1": 1})
    with pytest.raises(SpecificationError, match="a2"):
        composite_index(long_data(), spec)


def test_pluggable_weighting_strategy():
    class FirstMemberOnly:
        name = "first"

        def weights(self, members, values):
            return pd.Series([1.0] + [0.0] * (len(members) - 1), index=list(members))

    strategy = FirstMemberOnly()
    assert isinstance(strategy, WeightingStrategy)
    out = composite_index(long_data(), CompositeSpec(PRIMARIES, secondary_weights=strategy))
    r = row(out, "U1", 2000)
    assert (r["A"], r["B"]) == (2.0, 3.0)
    assert isinstance(EqualWeights(), WeightingStrategy)
    assert isinstance(FixedWeights({"a": 1.0}), WeightingStrategy)


def test_minmax_normalisation_pooled_and_by_period():
    out = composite_index(long_data(), CompositeSpec(PRIMARIES, normalize="minmax"))
    # a1 over the sample: 2, 6, 1 -> (x - 1) / 5; a2: 4, 3 -> (x - 3) / 1
    assert row(out, "U1", 2000)["A"] == pytest.approx(((2 - 1) / 5 + (4 - 3) / 1) / 2)
    assert row(out, "U2", 2000)["A"] == pytest.approx(0.0)
    assert row(out, "U1", 2001)["A"] == pytest.approx(1.0)
    data = long_data()
    data = data[data["period"] == 2000]  # 2001 has a single a1 value: nothing to rescale
    out = composite_index(
        data, CompositeSpec(PRIMARIES, normalize="minmax", normalize_within="period")
    )
    # period 2000: a1 2, 1 -> 1, 0; a2 4, 3 -> 1, 0
    assert row(out, "U1", 2000)["A"] == pytest.approx(1.0)
    assert row(out, "U2", 2000)["A"] == pytest.approx(0.0)


def test_zscore_normalisation_uses_sample_sd():
    out = composite_index(long_data(), CompositeSpec(PRIMARIES, normalize="zscore"))
    b1 = [3.0, 1.0, 4.0, 6.0]
    b2 = [5.0, 2.0, 4.0, 6.0]
    b3 = [7.0, 3.0, 1.0, 3.0]

    def z(x, xs):
        m = sum(xs) / len(xs)
        s = math.sqrt(sum((v - m) ** 2 for v in xs) / (len(xs) - 1))
        return (x - m) / s

    expected = (z(3.0, b1) + z(5.0, b2) + z(7.0, b3)) / 3
    assert row(out, "U1", 2000)["B"] == pytest.approx(expected)


def test_constant_indicator_cannot_be_minmax_normalised():
    data = long_data()
    data.loc[data["indicator"] == "b2", "value"] = 4.0
    with pytest.raises(SpecificationError, match="b2"):
        composite_index(data, CompositeSpec(PRIMARIES, normalize="minmax"))
    spec = CompositeSpec(PRIMARIES, normalize="minmax", normalize_within="period")
    with pytest.raises(SpecificationError, match="a1, b3 in period 2001"):
        composite_index(long_data(), spec)


def test_coverage_table():
    cov = composite_coverage(long_data(), CompositeSpec(PRIMARIES))
    assert len(cov) == 4 * 3  # 4 unit-periods x (2 primaries + index)
    a = cov[(cov["unit"] == "U1") & (cov["period"] == 2001) & (cov["component"] == "A")].iloc[0]
    assert (a["level"], a["n_expected"], a["n_present"], a["n_required"]) == ("primary", 2, 1, 1)
    assert (a["present"], a["missing"], bool(a["computed"])) == ("a1", "a2", True)
    i = cov[(cov["unit"] == "U2") & (cov["period"] == 2001) & (cov["component"] == "index")]
    i = i.iloc[0]
    assert (i["level"], i["present"], i["missing"], bool(i["computed"])) == (
        "index",
        "B",
        "A",
        False,
    )


def test_other_indicators_are_ignored_and_units_kept():
    data = pd.concat(
        [
            long_data(),
            pd.DataFrame([{"unit": "U3", "period": 2000, "indicator": "zz", "value": "text"}]),
        ],
        ignore_index=True,
    )
    out = composite_index(data, CompositeSpec(PRIMARIES))
    r = row(out, "U3", 2000)
    assert math.isnan(r["index"]) and r["n_present"] == 0


def test_custom_column_names():
    data = long_data().rename(
        columns={"unit": "iso3", "period": "year", "indicator": "code", "value": "score"}
    )
    out = composite_index(
        data,
        CompositeSpec(PRIMARIES),
        unit="iso3",
        period="year",
        indicator="code",
        value="score",
    )
    assert list(out.columns[:2]) == ["iso3", "year"]
    assert len(out) == 4


def test_duplicate_rows_raise():
    data = pd.concat([long_data(), long_data().iloc[[0]]], ignore_index=True)
    with pytest.raises(DuplicateKeyError, match="unit x period x indicator"):
        composite_index(data, CompositeSpec(PRIMARIES))
    wide = pd.concat([wide_data(), wide_data().iloc[[0]]], ignore_index=True)
    with pytest.raises(DuplicateKeyError):
        composite_index(wide, CompositeSpec(PRIMARIES))


def test_missing_columns_raise_naming_the_column():
    with pytest.raises(ColumnNotFoundError, match="'value'"):
        composite_index(
            long_data().rename(columns={"value": "v"}), CompositeSpec(PRIMARIES), layout="long"
        )
    with pytest.raises(ColumnNotFoundError, match="'period'"):
        composite_index(long_data().drop(columns="period"), CompositeSpec(PRIMARIES))
    with pytest.raises(ColumnNotFoundError, match="'b3'"):
        composite_index(wide_data().drop(columns="b3"), CompositeSpec(PRIMARIES))
    with pytest.raises(HitexError):  # also catchable as the base class
        composite_index(wide_data().drop(columns="b3"), CompositeSpec(PRIMARIES))


def test_non_numeric_values_raise():
    data = long_data()
    data["value"] = data["value"].astype(object)
    data.loc[0, "value"] = "n.a."
    with pytest.raises(NonNumericError, match="'value'"):
        composite_index(data, CompositeSpec(PRIMARIES))
    wide = wide_data()
    wide["b1"] = wide["b1"].astype(object)
    wide.loc[1, "b1"] = "high"
    with pytest.raises(NonNumericError, match="'b1'"):
        composite_index(wide, CompositeSpec(PRIMARIES))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"primaries": {}}, "at least one"),
        ({"primaries": {"A": ("x",), "B": ("x", "y")}}, "'x'"),
        ({"primaries": PRIMARIES, "min_count": 3}, "min_count=3"),
        ({"primaries": PRIMARIES, "index_min_count": 5}, "index_min_count"),
        ({"primaries": PRIMARIES, "normalize": "rank"}, "normalize"),
        ({"primaries": PRIMARIES, "scale": 0}, "scale"),
        ({"primaries": PRIMARIES, "secondary_weights": "geometric"}, "geometric"),
        ({"primaries": PRIMARIES, "name": "A"}, "used twice"),
    ],
)
def test_invalid_specs(kwargs, message):
    with pytest.raises(SpecificationError, match=message):
        CompositeSpec(**kwargs)


def test_long_input_without_a_member_names_it():
    spec = CompositeSpec({"A": ["a1", "a9"], "B": ["b1"]}, name="idx")
    with pytest.raises(ColumnNotFoundError, match=r"\['a9'\] have no rows in column 'indicator'"):
        composite_index(long_data(), spec, unit="unit", period="period")


def test_weights_with_options_from_a_mapping():
    """The mapping form (study and CLI spec files) equals the strategy objects."""
    from hitex.indicators.weights import EntropyWeights, PCAWeights

    data = long_data()
    for mapping, strategy in (
        ({"method": "entropy", "shift": 0.01, "negative": ["b3"]},
         EntropyWeights(shift=0.01, negative=("b3",))),
        ({"method": "pca", "components": 1}, PCAWeights(components=1)),
    ):
        full = data[data["indicator"].str.startswith("b")]
        full = full[full.groupby(["unit", "period"])["value"].transform("size") == 3]
        got = composite_index(full, CompositeSpec({"B": ["b1", "b2", "b3"]}, name="idx",
                                                  secondary_weights=mapping),
                              unit="unit", period="period", layout="long")
        want = composite_index(full, CompositeSpec({"B": ["b1", "b2", "b3"]}, name="idx",
                                                   secondary_weights=strategy),
                               unit="unit", period="period", layout="long")
        pd.testing.assert_frame_equal(got, want)


@pytest.mark.parametrize(("mapping", "match"), [
    ({"method": "topsis"}, "not known"),
    ({"method": "entropy", "components": 2}, r"no option\(s\) \['components'\]"),
])
def test_weights_mapping_errors(mapping, match):
    with pytest.raises(SpecificationError, match=match):
        CompositeSpec({"B": ["b1", "b2"]}, secondary_weights=mapping)


def test_entropy_weights_through_the_cli(tmp_path):
    from typer.testing import CliRunner

    from hitex.cli import app
    from hitex.indicators.weights import EntropyWeights

    data = wide_data().dropna()
    src = tmp_path / "scores.csv"
    data.to_csv(src, index=False)
    spec = tmp_path / "spec.yaml"
    spec.write_text("name: idx\nprimaries:\n  B: [b1, b2, b3]\n"
                    "secondary_weights: {method: entropy, shift: 0.01}\n", encoding="utf-8")
    out = tmp_path / "idx.csv"
    result = CliRunner().invoke(app, ["index", "composite", str(src), "--spec", str(spec),
                                      "--unit", "unit", "--period", "period", "--out", str(out)])
    assert result.exit_code == 0, result.output
    got = pd.read_csv(out)
    want = composite_index(data, CompositeSpec({"B": ["b1", "b2", "b3"]}, name="idx",
                                               secondary_weights=EntropyWeights(shift=0.01)),
                           unit="unit", period="period", layout="wide")
    np.testing.assert_allclose(got["idx"].to_numpy(), want["idx"].to_numpy())
