"""Economic complexity (Mcp, diversity, ubiquity, ECI, PCI, proximity, density, COI, COG).

Every measure is checked against the Growth Lab's Stata ``ecomplexity`` (and
``genproximity``) output for its own test sample, stored with its provenance in
tests/references/growthlab_ecomplexity.json. Exact equivalences that hold by
construction (ECI is the mean PCI of a country's products; absent rows are zero
exports; the measures do not depend on the currency unit or the row order) are
checked on the same sample and on the real 2017 HS 4-digit exports of the data
bundle, where the ranking is also checked for plausibility against the WDI's GDP
per capita.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from hitex.errors import (
    ColumnNotFoundError,
    DataCoverageWarning,
    DataFormatError,
    DataNotFoundError,
    DuplicateKeyError,
    EmptySampleError,
    EstimationError,
    HitexError,
    NonNumericError,
    SpecificationError,
)
from hitex.indicators.complexity import ComplexityResult, economic_complexity, write_complexity
from tests.conftest import load_reference

KEYS = {"country": "origin", "product": "hs92", "value": "export_val", "year": "year"}


@pytest.fixture(scope="module")
def ref():
    return load_reference("growthlab_ecomplexity")


@pytest.fixture(scope="module")
def sample(reference_dir, ref):
    return pd.read_csv(reference_dir / ref["dataset"], dtype={"hs92": str, "origin": str})


@pytest.fixture(scope="module")
def result(sample):
    return economic_complexity(sample, **KEYS)


def _tol(ref):
    return {"rtol": ref["tolerance"]["rtol"], "atol": ref["tolerance"]["atol"]}


def _countries(result, year):
    return result.countries[result.countries["year"] == int(year)].set_index("origin")


def _products(result, year, order):
    return result.products[result.products["year"] == int(year)].set_index("hs92").loc[order]


def _cells(result, year, column, countries, products):
    cells = result.cells[result.cells["year"] == int(year)]
    wide = cells.pivot(index="origin", columns="hs92", values=column)
    return wide.loc[countries, products].to_numpy()


# ----------------------------------------------------------------------------- Stata ecomplexity
@pytest.mark.parametrize("year", ["1995", "1996"])
def test_mcp_diversity_and_ubiquity_equal_stata(result, ref, year):
    names = list(ref["countries"][year])
    expected = np.array([[int(ch) for ch in ref["mcp"][year][c]] for c in names])
    np.testing.assert_array_equal(_cells(result, year, "mcp", names, ref["products"]), expected)
    got = _countries(result, year).loc[names, "diversity"].to_numpy()
    np.testing.assert_array_equal(got, [ref["countries"][year][c]["diversity"] for c in names])
    got = _products(result, year, ref["products"])["ubiquity"].to_numpy()
    np.testing.assert_array_equal(got, ref["products_by_year"][year]["ubiquity"])


@pytest.mark.parametrize("year", ["1995", "1996"])
@pytest.mark.parametrize("measure", ["eci", "coi"])
def test_country_measures_equal_stata(result, ref, year, measure):
    names = list(ref["countries"][year])
    got = _countries(result, year).loc[names, measure].to_numpy()
    expected = [ref["countries"][year][c][measure] for c in names]
    np.testing.assert_allclose(got, expected, **_tol(ref))


@pytest.mark.parametrize("year", ["1995", "1996"])
def test_pci_equals_stata(result, ref, year):
    got = _products(result, year, ref["products"])["pci"].to_numpy()
    np.testing.assert_allclose(got, ref["products_by_year"][year]["pci"], **_tol(ref))


@pytest.mark.parametrize("year", ["1995", "1996"])
@pytest.mark.parametrize("measure", ["density", "cog"])
def test_cell_measures_equal_stata(result, ref, year, measure):
    names = list(ref["countries"][year])
    expected = np.array([ref[measure][year][c] for c in names])
    got = _cells(result, year, measure, names, ref["products"])
    np.testing.assert_allclose(got, expected, **_tol(ref))


def test_proximity_equals_stata_genproximity(result, ref):
    order = ref["products"]
    got = result.proximity_matrix(1995).loc[order, order].to_numpy()
    np.testing.assert_allclose(got, np.array(ref["proximity_1995"]), **_tol(ref))


def test_rca_of_the_cells_is_the_balassa_rca_stata_prints(result):
    expected = load_reference("growthlab_rca")
    names = list(expected["rca"]["1995"])
    got = _cells(result, "1995", "rca", names, expected["products"])
    np.testing.assert_allclose(got, [expected["rca"]["1995"][c] for c in names],
                               rtol=expected["tolerance"]["unrounded_input_rtol"])


# ----------------------------------------------------------------------------- equivalences
def _eci_as_mean_pci(res: ComplexityResult) -> pd.Series:
    keys = [k for k in (res.year, res.product) if k]
    cells = res.cells.merge(res.products[[*keys, "pci"]], on=keys)
    by = [k for k in (res.year, res.country) if k]
    return cells[cells["mcp"] == 1].groupby(by)["pci"].mean()


def test_eci_is_the_mean_pci_of_the_countrys_products(result):
    # K_c = mean of K_p over M_cp = 1, and ECI and PCI share one affine map
    mean_pci = _eci_as_mean_pci(result)
    eci = result.countries.set_index(["year", "origin"])["eci"]
    np.testing.assert_allclose(mean_pci.loc[eci.index], eci, rtol=0, atol=1e-12)


def test_eci_is_standardised_over_the_rows_as_stata_summarize(result):
    # mean 0 and SD 1 over the 300 country x product rows of each year (divisor N - 1)
    rows = result.cells.merge(result.countries[["year", "origin", "eci", "coi"]],
                              on=["year", "origin"])
    for _, frame in rows.groupby("year"):
        for col in ("eci", "coi"):
            assert abs(frame[col].mean()) < 1e-12
            assert frame[col].std(ddof=1) == pytest.approx(1.0, rel=1e-12)


def test_sign_makes_eci_rise_with_diversity(result):
    for _, frame in result.countries.groupby("year"):
        assert np.corrcoef(frame["diversity"], frame["eci"])[0, 1] > 0


def test_proximity_is_symmetric_with_zero_diagonal(result):
    for year in (1995, 1996):
        phi = result.proximity_matrix(year).to_numpy()
        np.testing.assert_array_equal(phi, phi.T)
        np.testing.assert_array_equal(np.diag(phi), 0.0)
        assert ((phi >= 0) & (phi <= 1)).all()


def test_cog_is_zero_where_the_country_already_exports(result):
    held = result.cells["mcp"] == 1
    assert (result.cells.loc[held, "cog"] == 0).all()
    assert not np.signbit(result.cells["cog"].where(held, 1.0)).any()  # no -0.0


def test_absent_rows_are_zero_exports(sample):
    one = sample[sample["year"] == 1995]
    zero = one["export_val"].rank(method="first") <= 20  # the 20 smallest flows
    as_zero = economic_complexity(one.assign(export_val=one["export_val"].where(~zero, 0.0)),
                                  **KEYS)
    absent = economic_complexity(one[~zero], **KEYS)
    pd.testing.assert_frame_equal(absent.countries, as_zero.countries, rtol=1e-12)
    pd.testing.assert_frame_equal(absent.products, as_zero.products, rtol=1e-12)


def test_currency_unit_and_row_order_do_not_matter(sample, result):
    shuffled = sample.sample(frac=1.0, random_state=3).assign(
        export_val=lambda d: d["export_val"] * 1e-3)
    other = economic_complexity(shuffled, **KEYS)
    pd.testing.assert_frame_equal(other.countries.drop(columns="total"),
                                  result.countries.drop(columns="total"), rtol=1e-10)
    pd.testing.assert_frame_equal(other.products.drop(columns="total"),
                                  result.products.drop(columns="total"), rtol=1e-10)


def test_one_year_without_a_year_column_equals_that_year(sample, result):
    alone = economic_complexity(sample[sample["year"] == 1996].drop(columns="year"),
                                country="origin", product="hs92", value="export_val")
    expected = result.countries[result.countries["year"] == 1996].drop(columns="year")
    pd.testing.assert_frame_equal(alone.countries, expected.reset_index(drop=True))
    assert alone.year is None and list(alone.proximity) == [None]
    assert alone.proximity_matrix().shape == (30, 30)


def test_result_is_immutable_and_records_its_convention(result):
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.threshold = 2.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        result.proximity[1995] = None  # type: ignore[index]
    copy = result.proximity_matrix(1995)
    copy.iloc[0, 1] = 99.0
    assert result.proximity_matrix(1995).iloc[0, 1] != 99.0
    assert "ecomplexity" in result.convention
    assert result.threshold == 1.0 and result.dropped.empty
    np.testing.assert_allclose(result.eigenvalues["eigenvalue_1"], 1.0)
    assert "deu" in result.summary()


# ----------------------------------------------------------------------------- bad input
def _with_silent_country(sample):
    one = sample[sample["year"] == 1995]
    ghost = one[one["origin"] == "aut"].assign(origin="xxx", export_val=0.0)
    return pd.concat([one, ghost], ignore_index=True)


def test_a_country_exporting_nothing_is_refused_with_the_fix(sample):
    with pytest.raises(DataFormatError, match=r"1 exporter.*'origin'.*xxx.*empty='drop'"):
        economic_complexity(_with_silent_country(sample), **KEYS)


def test_a_country_exporting_nothing_is_dropped_on_request_as_stata_does(sample):
    data = _with_silent_country(sample)
    with pytest.warns(DataCoverageWarning, match="xxx"):
        dropped = economic_complexity(data, empty="drop", **KEYS)
    without = economic_complexity(data[data["origin"] != "xxx"], **KEYS)
    pd.testing.assert_frame_equal(dropped.countries, without.countries)
    assert dropped.dropped[["kind", "code"]].values.tolist() == [["country", "xxx"]]


def test_a_product_nobody_exports_is_refused_or_dropped(sample):
    one = sample[sample["year"] == 1995]
    data = pd.concat([one, one[one["hs92"] == "1704"].assign(hs92="0000", export_val=0.0)])
    with pytest.raises(DataFormatError, match=r"1 product.*'hs92'.*0000"):
        economic_complexity(data, **KEYS)
    with pytest.warns(DataCoverageWarning, match="0000"):
        res = economic_complexity(data, empty="drop", **KEYS)
    assert "0000" not in set(res.products["hs92"])


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda d: d.assign(export_val=d["export_val"].where(d.index != 5, -1.0)),
         DataFormatError, "negative"),
        (lambda d: pd.concat([d, d.iloc[[0]]]), DuplicateKeyError, "aggregate first"),
        (lambda d: d.drop(columns="export_val"), ColumnNotFoundError, "export_val"),
        (lambda d: d.assign(export_val=d["export_val"].astype(str)), NonNumericError,
         "export_val"),
        (lambda d: d.assign(export_val=d["export_val"].where(d.index != 3)), DataFormatError,
         "fill them with 0"),
        (lambda d: d.iloc[0:0], EmptySampleError, "empty"),
        (lambda d: d[d["origin"] == "aut"], EmptySampleError, "two exporters"),
    ],
    ids=["negative", "duplicate", "missing-column", "text", "missing-value", "empty",
         "one-country"],
)
def test_bad_tables_raise_hitex_errors_naming_the_fix(sample, change, error, message):
    with pytest.raises(error, match=message):
        economic_complexity(change(sample.copy()), **KEYS)


@pytest.mark.parametrize("threshold", [0, -1.0, float("nan"), "high", True, None])
def test_a_bad_threshold_is_refused(sample, threshold):
    with pytest.raises(SpecificationError, match="threshold"):
        economic_complexity(sample, threshold=threshold, **KEYS)


def test_an_unknown_empty_option_and_a_non_frame_are_refused(sample):
    with pytest.raises(SpecificationError, match="empty"):
        economic_complexity(sample, empty="ignore", **KEYS)  # type: ignore[arg-type]
    with pytest.raises(SpecificationError, match="DataFrame"):
        economic_complexity(sample.to_dict(), **KEYS)  # type: ignore[arg-type]


def test_a_threshold_nobody_reaches_is_an_estimation_error(sample):
    with pytest.raises(EstimationError, match=r"1995.*lower the threshold"):
        economic_complexity(sample, threshold=1e6, **KEYS)


def test_proportional_exports_have_no_eci(sample):
    # x_cp = a_c * b_p gives RCA = 1 everywhere (up to rounding, hence the threshold
    # 0.5): M is all ones and ECI is undefined
    grid = pd.DataFrame([(c, p, a * b) for c, a in (("a", 1.0), ("b", 2.0), ("c", 5.0))
                         for p, b in (("p1", 3.0), ("p2", 1.0), ("p3", 7.0))],
                        columns=["country", "product", "value"])
    with pytest.raises(EstimationError, match="second eigenvalue.*rank one"):
        economic_complexity(grid, threshold=0.5)


def test_threshold_half_equals_stata_rca_option(sample, ref):
    stata = ref["rca_threshold_0_5"]
    res = economic_complexity(sample[sample["year"] == 1995], threshold=0.5, **KEYS)
    names = list(stata["countries"])
    got = _countries(res, 1995).loc[names]
    for col in ("eci", "coi", "diversity"):
        np.testing.assert_allclose(got[col], [stata["countries"][c][col] for c in names],
                                   **_tol(ref))
    products = _products(res, 1995, ref["products"])
    np.testing.assert_allclose(products["pci"], stata["pci"], **_tol(ref))
    np.testing.assert_array_equal(products["ubiquity"], stata["ubiquity"])
    four = list(stata["mcp"])
    mcp = np.array([[int(ch) for ch in stata["mcp"][c]] for c in four])
    np.testing.assert_array_equal(_cells(res, 1995, "mcp", four, ref["products"]), mcp)
    for col in ("density", "cog"):
        np.testing.assert_allclose(_cells(res, 1995, col, four, ref["products"]),
                                   [stata[col][c] for c in four], **_tol(ref))


def test_threshold_two_gives_stata_mcp_and_warns_about_countries_without_products(sample, ref):
    stata = ref["rca_threshold_2"]
    with pytest.warns(DataCoverageWarning, match="2 exporter.*no product.*Stata"):
        res = economic_complexity(sample[sample["year"] == 1995], threshold=2, **KEYS)
    names = list(stata["mcp"])
    mcp = np.array([[int(ch) for ch in stata["mcp"][c]] for c in names])
    np.testing.assert_array_equal(_cells(res, 1995, "mcp", names, ref["products"]), mcp)
    countries = _countries(res, 1995).loc[names]
    np.testing.assert_array_equal(countries["diversity"], [stata["diversity"][c] for c in names])
    products = _products(res, 1995, ref["products"])
    np.testing.assert_array_equal(products["ubiquity"], stata["ubiquity"])
    # Stata prints every measure of this year as missing; hitex leaves out only the
    # exporters (products) without M = 1, and keeps ECI = mean PCI for the others
    no_m = countries["diversity"] == 0
    assert countries.loc[no_m, "eci"].isna().all() and countries.loc[~no_m, "eci"].notna().all()
    assert products.loc[products["ubiquity"] == 0, "pci"].isna().all()
    mean_pci = _eci_as_mean_pci(res).droplevel("year")
    np.testing.assert_allclose(mean_pci.loc[countries.index[~no_m]],
                               countries.loc[~no_m, "eci"], atol=1e-12)


# ----------------------------------------------------------------------------- file function
def test_write_complexity_writes_the_three_tables(sample, result, tmp_path):
    source = tmp_path / "exports.csv"
    sample.to_csv(source, index=False)
    out = write_complexity(source, tmp_path / "eci.csv", products_out=tmp_path / "pci.parquet",
                           cells_out=tmp_path / "cells.csv", **KEYS)
    countries = pd.read_csv(tmp_path / "eci.csv")
    np.testing.assert_allclose(countries["eci"], result.countries["eci"], rtol=1e-12)
    products = pd.read_parquet(tmp_path / "pci.parquet")
    assert products["hs92"].tolist() == result.products["hs92"].tolist()
    assert len(pd.read_csv(tmp_path / "cells.csv")) == 600
    assert isinstance(out, ComplexityResult)


def test_write_complexity_refuses_a_bad_output_before_writing(sample, tmp_path):
    source = tmp_path / "exports.csv"
    sample.to_csv(source, index=False)
    with pytest.raises(DataFormatError, match="cells_out"):
        write_complexity(source, tmp_path / "eci.csv", cells_out=tmp_path / "cells.json", **KEYS)
    assert not (tmp_path / "eci.csv").exists()
    with pytest.raises(DataNotFoundError):
        write_complexity(tmp_path / "nothing.csv", tmp_path / "eci.csv", **KEYS)


def test_write_complexity_reports_table_problems_as_hitex_errors(sample, tmp_path):
    source = tmp_path / "exports.csv"
    _with_silent_country(sample).to_csv(source, index=False)
    with pytest.raises(HitexError, match="xxx"):
        write_complexity(source, tmp_path / "eci.csv", **KEYS)


# ----------------------------------------------------------------------------- real data, 2017
@pytest.fixture(scope="module")
def eci_2017(data_dir):
    from hitex.data.product_exports import read_product_exports
    from hitex.data.wdi import load_wdi

    exports = read_product_exports(2017, data_dir)
    wdi = load_wdi(["SP.POP.TOTL", "NY.GDP.PCAP.KD"], years=2017, data_dir=data_dir)
    totals = exports.groupby("country")["value"].sum()
    # the Atlas of Economic Complexity's ranking rule: population >= 1 million and
    # exports >= 1 bn USD
    populous = set(wdi.loc[wdi["SP.POP.TOTL"] >= 1e6, "iso3"])
    ranked = totals[(totals >= 1e9) & totals.index.isin(populous)].index
    result = economic_complexity(exports[exports["country"].isin(ranked)])
    return result, wdi


def test_eci_2017_ranks_japan_switzerland_germany_first(eci_2017):
    result, _ = eci_2017
    assert len(result.countries) > 120
    top = result.countries.sort_values("eci", ascending=False)["country"].head(5).tolist()
    assert {"JPN", "CHE", "DEU"} <= set(top)
    bottom = result.countries.sort_values("eci")["country"].head(15).tolist()
    assert not {"JPN", "CHE", "DEU", "KOR", "USA"} & set(bottom)


def test_eci_2017_rises_with_income(eci_2017):
    result, wdi = eci_2017
    both = result.countries.merge(wdi, left_on="country", right_on="iso3").dropna()
    rho = spearmanr(both["eci"], both["NY.GDP.PCAP.KD"]).statistic
    assert rho > 0.6  # Hidalgo and Hausmann (2009): complexity and income go together


def test_eci_2017_is_the_mean_pci_of_each_countrys_products(eci_2017):
    result, _ = eci_2017
    eci = result.countries.set_index("country")["eci"]
    np.testing.assert_allclose(_eci_as_mean_pci(result).loc[eci.index], eci, rtol=0, atol=1e-10)
