"""The built-in dyadic study ``tbt-gravity`` (study 001 on the Advanced Guide panel)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

import hitex
from hitex.errors import AbsorbedRegressorWarning, DataNotFoundError
from hitex.studies.registry import builtin_studies
from hitex.studies.runner import run_study
from hitex.studies.spec import parse_study


@pytest.fixture(scope="module")
def tg_run(builtin_run, reference_dir):
    return builtin_run("tbt-gravity")


def _column(run, table: str, k: int) -> tuple[dict, pd.DataFrame]:
    results = json.loads((run.out_dir / "results.json").read_text())
    col = results["tables"][table][k - 1]
    sample = pd.read_csv(run.out_dir / "sample.csv")
    return col, sample[sample[f"in_{table}_{k}"] == 1]


def test_writes_its_tables(tg_run):
    for name in ("table5", "table6_study001_table6", "table6_study001_table6_items", "table8", "table9",
                 "table9_pair", "table10", "table10_pair", "robustness_lag", "structural_ppml",
                 "table11"):
        assert (tg_run.out_dir / f"{name}.txt").is_file(), name
    assert len(tg_run.results["table10"]) == 4
    assert len(tg_run.results["table10_pair"]) == 2
    assert len(tg_run.results["structural_ppml"]) == 4


def test_study_layout_estimates_distance_with_country_effects(tg_run):
    """Study 001's columns: FTA and Depth x FTA apart, exporter/importer/year effects, distance
    estimated; the same models by hitex.gravity on the written sample."""
    fta, depth = tg_run.results["table9"][:2]
    assert "fta" in fta.params.index and "depth_x_fta" not in fta.params.index
    assert "depth_x_fta" in depth.params.index and "fta" not in depth.params.index
    assert fta.spec.fixed_effects == ("exporter", "importer", "year")
    assert fta.params["ln_dist"] < 0
    col, used = _column(tg_run, "table9", 2)
    direct = hitex.gravity(col["spec"]["formula"], used, method="ols")
    np.testing.assert_allclose(depth.params, direct.params[depth.params.index], rtol=1e-10)


def test_no_builtin_table_warns_about_its_own_formula(tg_run):
    for name in tg_run.tables:
        text = " ".join((tg_run.out_dir / f"{name}.txt").read_text().split())
        assert "remove it from the formula" not in text, name
        assert "dropped: absorbed" not in text, name


def test_table6_against_the_printed_items(tg_run):
    """Table 6 holds study 001's printed items and DESTA's codes; a printed depth that is not
    the sum of its printed items (Singapore) shows as such."""
    from hitex.indicators.tbt_table6 import study001_table6

    text = (tg_run.out_dir / "table6_study001_table6.txt").read_text()
    printed = study001_table6()
    for row in printed.itertuples(index=False):
        assert row.partner_en in text
    sums = printed[["tbt_wto", "tbt_coop", "tbt_distort", "tbt_dispute", "tbt_intstand",
                    "tbt_harmon"]].sum(axis=1)
    odd = printed.loc[sums != printed["depth_printed"], "partner_en"].tolist()
    assert odd == ["Singapore"]
    assert any("Singapore" in n and "printed depth 5" in n for n in tg_run.notes
               + [(tg_run.out_dir / "summary.md").read_text()])


def test_fta_equals_direct_ols_gravity_on_written_sample(tg_run):
    col, used = _column(tg_run, "table9_pair", 1)
    assert col["nobs"] == len(used)
    direct = hitex.gravity(col["spec"]["formula"], used, method="ols")
    coef = {c["term"]: c for c in col["coefficients"]}
    for term in ("fta", "depth_x_fta"):
        np.testing.assert_allclose(coef[term]["estimate"], direct.params[term], rtol=1e-10)
        np.testing.assert_allclose(coef[term]["std_error"], direct.std_errors[term], rtol=1e-8)


def test_fta_equals_direct_ppml_gravity_on_written_sample(tg_run):
    col, used = _column(tg_run, "structural_ppml", 2)
    direct = hitex.gravity(col["spec"]["formula"], used, method="ppml")
    coef = {c["term"]: c for c in col["coefficients"]}
    np.testing.assert_allclose(coef["fta"]["estimate"], direct.params["fta"], rtol=1e-10)
    assert set(used["intl"]) == {0, 1}  # intra-national flows kept


def test_absorbed_distance_is_reported(reference_dir, data_dir):
    """A user's formula with distance beside pair effects: dropped, said in the warning."""
    panel = pd.read_csv(reference_dir / "yotov2016_agtpa_gravity" / "agtpa_4yr_1986_2006.csv")
    panel = panel.loc[(panel["exporter"] != panel["importer"]) & (panel["trade"] > 0)].copy()
    panel["ln_exp"] = np.log(panel["trade"])
    panel["ln_dist"] = np.log(panel["dist"])
    panel["pair"] = panel["exporter"] + "_" + panel["importer"]
    with pytest.warns(AbsorbedRegressorWarning, match="ln_dist"):
        res = hitex.gravity("ln_exp ~ rta + ln_dist | pair + year", panel, method="ols")
    assert "ln_dist" not in res.params.index


def test_stand_in_and_missing_inputs_in_summary(tg_run):
    summary = (tg_run.out_dir / "summary.md").read_text()
    assert "STAND-IN STUDY" in summary
    assert "Missing input" in summary and "tbt_stock" in summary and "hightech" in summary
    assert "High-tech exports left out" in summary
    assert "Left out for lack of input data: tbt_stock" in (
        tg_run.out_dir / "table9.txt").read_text()
    assert "Left out for lack of input data: ln_tbt" in (
        tg_run.out_dir / "table9_pair.txt").read_text()


def test_developed_split_and_lag(tg_run):
    panel = tg_run.panel
    assert set(panel.loc[panel["in_table10_pair_1"] == 1, "income_H_o"]) == {1}
    assert set(panel.loc[panel["in_table10_pair_2"] == 1, "income_H_o"]) == {0}
    assert set(panel.loc[panel["in_table10_3"] == 1, "income_H_o"]) == {0}
    # the one-period lag is the value 4 years earlier for the same directed pair
    row = panel[(panel["pair"] == "CHN_KOR") & (panel["year"] == 2006)].iloc[0]
    prev = panel[(panel["pair"] == "CHN_KOR") & (panel["year"] == 2002)].iloc[0]
    assert row["fta_lag"] == prev["fta"]


def test_table11_against_pandas(tg_run):
    table = tg_run.frames["table11"].set_index("partner")
    p = tg_run.panel
    flows = p[(p["exporter"] == "CHN") & (p["importer"] == "IND")].sort_values("year")
    entry = int(flows.loc[flows["fta"] == 1, "year"].min())
    before = flows.loc[flows["year"] < entry, "trade"].mean()
    after = flows.loc[flows["year"] >= entry, "trade"].mean()
    row = table.loc["IND"]
    assert row["entry_year"] == entry
    np.testing.assert_allclose([row["mean_before"], row["mean_after"]], [before, after], rtol=1e-12)
    np.testing.assert_allclose(row["change_pct"], (after / before - 1) * 100, rtol=1e-12)
    pre = flows[flows["year"] < entry]
    span = pre["year"].iloc[-1] - pre["year"].iloc[0]
    growth = ((pre["trade"].iloc[-1] / pre["trade"].iloc[0]) ** (1 / span) - 1) * 100
    np.testing.assert_allclose(row["growth_before_pct"], growth, rtol=1e-12)


def _spec_doc() -> dict:
    return yaml.safe_load(builtin_studies()["tbt-gravity"].read_text(encoding="utf-8"))


def test_missing_reference_dir_names_variable(tmp_path, monkeypatch, data_dir):
    monkeypatch.setenv("HITEX_REFERENCE_DIR", str(tmp_path))
    with pytest.raises(DataNotFoundError, match="HITEX_REFERENCE_DIR"):
        run_study("tbt-gravity", tmp_path / "out", data_dir=data_dir, write=False)


def test_supplied_tbt_stock_enters(tmp_path, data_dir, reference_dir):
    doc = _spec_doc()
    panel = pd.read_csv(reference_dir / "yotov2016_agtpa_gravity" / "agtpa_4yr_1986_2006.csv",
                        usecols=["importer", "year"]).drop_duplicates()
    panel["importer"] = panel["importer"].replace({"ROM": "ROU"})
    rng = np.random.default_rng(1)
    panel["tbt_stock"] = rng.integers(0, 50, len(panel))
    path = tmp_path / "tbt.csv"
    panel.to_csv(path, index=False)
    for src in doc["data"]["sources"]:
        if src.get("provides") == ["tbt_stock"]:
            src["path"] = str(path)
    doc["tables"] = [t for t in doc["tables"] if t["name"] in ("table9", "table9_pair")]
    doc["comparisons"] = [c for c in doc["comparisons"] if c["table"] == "table9"]
    run = run_study(parse_study(doc), tmp_path / "out", data_dir=data_dir)
    assert "ln_tbt" in run.results["table9_pair"][0].params.index
    assert "tbt_stock" in run.results["table9"][0].params.index
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "left out: tbt_stock" not in summary


def _product_file(reference_dir, path, exporters=("CHN", "DEU", "USA")) -> pd.DataFrame:
    """Product-level exports for some pairs: high-tech 7921 + 5413, other 0111 (invented)."""
    pairs = pd.read_csv(reference_dir / "yotov2016_agtpa_gravity" / "agtpa_4yr_1986_2006.csv",
                        usecols=["exporter", "importer", "year"])
    pairs = pairs[pairs["exporter"].isin(exporters) & (pairs["exporter"] != pairs["importer"])]
    pairs = pairs[pairs["year"] >= 1994].iloc[::2]  # half of the pairs: the rest are absent
    rows = []
    for k, r in enumerate(pairs.itertuples(index=False)):
        for code, value in (("7921", 1.0 + k), ("5413", 2.0), ("0111", 10.0)):
            rows.append((r.exporter, r.importer, r.year, code, value))
    trade = pd.DataFrame(rows, columns=["exporter", "importer", "year", "sitc3", "value"])
    trade.to_csv(path, index=False)
    return trade


@pytest.mark.parametrize("fill_zero", [False, True])
def test_supplied_product_level_trade_builds_hightech(tmp_path, data_dir, reference_dir,
                                                      fill_zero):
    from hitex.studies.build import build_panel

    trade = _product_file(reference_dir, tmp_path / "products.csv")
    doc = _spec_doc()
    for src in doc["data"]["sources"]:
        if src.get("provides") == ["hightech"]:
            src["path"] = str(tmp_path / "products.csv")
            src["options"]["fill_zero"] = fill_zero
    spec = parse_study(doc)
    built = build_panel(spec.data, data_dir=data_dir)
    panel = built.data.set_index(["exporter", "importer", "year"])
    # high-tech = 7921 + 5413 for every pair in the file (computed here from the file itself)
    trade["importer"] = trade["importer"].replace({"ROM": "ROU"})  # old code, as the panel
    expected = (trade[trade["sitc3"] != "0111"].groupby(["exporter", "importer", "year"])["value"]
                .sum())
    np.testing.assert_allclose(panel.loc[expected.index, "hightech"], expected.to_numpy())
    absent = panel.index.get_level_values(0).isin(["CHN", "DEU", "USA"]) & \
        ~panel.index.isin(expected.index) & (panel["intl"] == 1).to_numpy() & \
        (panel.index.get_level_values("year") >= 1994)
    assert absent.sum() > 0
    if fill_zero:
        assert (panel.loc[absent, "hightech"] == 0).all()
    else:
        assert panel.loc[absent, "hightech"].isna().all()
    others = ~panel.index.get_level_values(0).isin(["CHN", "DEU", "USA"])
    assert panel.loc[others, "hightech"].isna().all()  # exporters not in the file
    assert any("High-tech exports from" in n for n in built.notes)


def test_dyadic_indicator_needs_hightech_with_partner(data_dir):
    from hitex.errors import StudySpecError

    doc = _spec_doc()
    for src in doc["data"]["sources"]:
        if src.get("provides") == ["hightech"]:
            del src["partner_col"]
    with pytest.raises(StudySpecError, match="partner_col"):
        parse_study(doc)


def test_ppml_lag_and_lead_columns(tg_run):
    for k, term in ((3, "fta_lag8"), (4, "fta_lead")):
        col, used = _column(tg_run, "structural_ppml", k)
        direct = hitex.gravity(col["spec"]["formula"], used, method="ppml")
        coef = {c["term"]: c for c in col["coefficients"]}
        np.testing.assert_allclose(coef[term]["estimate"], direct.params[term], rtol=1e-10)
    _, lags = _column(tg_run, "structural_ppml", 3)
    _, leads = _column(tg_run, "structural_ppml", 4)
    assert lags["year"].min() == 1994 and leads["year"].max() == 2002
