"""``hitex index``: indicators from the command line."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from hitex.cli import app
from hitex.data.files import read_table, write_table_file
from hitex.errors import DataCoverageWarning, DataFormatError, DataNotFoundError

runner = CliRunner()


def test_tfi_from_bundle(tmp_path, data_dir):
    out = tmp_path / "tfi.parquet"
    cov = tmp_path / "cov.csv"
    result = runner.invoke(app, ["index", "tfi", "--out", str(out), "--coverage", str(cov),
                                 "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(out)
    assert {"iso3", "year", "PE", "RE", "CE", "EB", "TFI"} <= set(frame.columns)
    complete = frame.dropna(subset=["PE", "RE", "CE", "EB"])
    pd.testing.assert_series_equal(
        complete["TFI"], complete[["PE", "RE", "CE", "EB"]].mean(axis=1), check_names=False)
    assert pd.read_csv(cov)["year"].is_monotonic_increasing


def test_composite_with_entropy_weights(tmp_path):
    data = pd.DataFrame({"unit": ["a", "b", "c"], "period": 2020,
                         "x1": [1.0, 2.0, 4.0], "x2": [3.0, 1.0, 2.0], "x3": [1.0, 1.0, 5.0]})
    src = write_table_file(data, tmp_path / "in.xlsx")
    spec = tmp_path / "spec.yaml"
    spec.write_text("name: idx\nprimaries:\n  P: [x1, x2]\n  Q: [x3]\nsecondary_weights: mean\n"
                    "primary_weights: {P: 3, Q: 1}\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["index", "composite", str(src), "--spec", str(spec),
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    got = pd.read_csv(out).sort_values("unit")
    p = (data["x1"] + data["x2"]) / 2
    expected = (3 * p + data["x3"]) / 4
    assert got["idx"].tolist() == pytest.approx(expected.tolist())


def test_composite_bad_spec_is_clean_error(tmp_path):
    data = tmp_path / "in.csv"
    data.write_text("unit,period,x1\na,1,2\n", encoding="utf-8")
    spec = tmp_path / "spec.yaml"
    spec.write_text("primaries:\n  P: [x1]\nweighting: odd\n", encoding="utf-8")
    result = runner.invoke(app, ["index", "composite", str(data), "--spec", str(spec),
                                 "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 2 and "Valid keys" in result.output


def test_files_errors(tmp_path):
    with pytest.raises(DataNotFoundError):
        read_table(tmp_path / "none.csv")
    (tmp_path / "x.json").write_text("{}", encoding="utf-8")
    with pytest.raises(DataFormatError, match="unsupported"):
        read_table(tmp_path / "x.json")
    with pytest.raises(DataFormatError):
        write_table_file(pd.DataFrame({"a": [1]}), tmp_path / "x.json")


def test_hightech_and_prody(tmp_path):
    trade = pd.DataFrame({
        "exporter": ["A", "A", "B", "B"], "importer": ["B", "B", "A", "A"], "year": 2020,
        "code": ["7924", "0111", "5413", "7611"], "value": [10.0, 5.0, 2.0, 3.0],
    })
    src = write_table_file(trade, tmp_path / "trade.csv")
    out = tmp_path / "ht.csv"
    result = runner.invoke(app, ["index", "hightech", str(src), "--out", str(out),
                                 "--other", "other"])
    assert result.exit_code == 0, result.output
    got = pd.read_csv(out)
    # 7924 aerospace (792), 5413 pharmaceuticals (54), 7611 electronics (76), 0111 other
    assert got["value"].sum() == pytest.approx(20.0)
    assert got.loc[got["category"] == "other", "value"].sum() == pytest.approx(5.0)

    exports = pd.DataFrame({"country": ["A", "A", "B"], "product": ["p", "q", "p"],
                            "value": [1.0, 3.0, 2.0]})
    gdp = pd.DataFrame({"country": ["A", "B"], "gdp_pc": [10.0, 20.0]})
    e_src = write_table_file(exports, tmp_path / "x.csv")
    g_src = write_table_file(gdp, tmp_path / "g.csv")
    result = runner.invoke(app, ["index", "prody", str(e_src), "--gdp", str(g_src),
                                 "--out", str(tmp_path / "prody.csv"),
                                 "--expy-out", str(tmp_path / "expy.csv")])
    assert result.exit_code == 0, result.output
    prody = pd.read_csv(tmp_path / "prody.csv").set_index("product")["prody"]
    # shares: A p 0.25, q 0.75; B p 1.0. PRODY_p = (0.25*10 + 1*20) / 1.25 = 18; PRODY_q = 10
    assert prody["p"] == pytest.approx(18.0) and prody["q"] == pytest.approx(10.0)


def test_dti_and_instrument(tmp_path):
    import math

    frame = pd.DataFrame({"province_code": ["11", "33"], "year": 2020,
                          "patents": [999.0, 0.0], "population": [100.0, 50.0]})  # 万人
    src = write_table_file(frame, tmp_path / "p.csv")
    result = runner.invoke(app, ["index", "dti", str(src), "--out", str(tmp_path / "d.csv"),
                                 "--population-unit", "10k_persons"])
    assert result.exit_code == 0, result.output
    got = pd.read_csv(tmp_path / "d.csv")
    # 999 patents / 1,000,000 persons = 999 per million -> ln(1000)
    assert got["dti"].iloc[0] == pytest.approx(math.log(1000.0))
    assert got["dti"].iloc[1] == 0.0

    texts = pd.DataFrame({"province": ["Beijing", "Shanghai"], "year": 2020,
                          "text": ["数字经济发展很快", "没有相关内容"]})
    t_src = write_table_file(texts, tmp_path / "t.csv")
    result = runner.invoke(app, ["index", "dti-iv", str(t_src), "--out", str(tmp_path / "iv.csv"),
                                 "--keywords", "数字经济"])
    assert result.exit_code == 0, result.output
    iv = pd.read_csv(tmp_path / "iv.csv")
    # Beijing: one hit in 8 Han characters; Shanghai: none
    assert iv["keyword_frequency"].tolist() == pytest.approx([1 / 8, 0.0])
    assert iv["dti_iv"].iloc[0] > 0 and iv["dti_iv"].iloc[1] == 0


def test_hightech_wide_with_rca(tmp_path):
    trade = pd.DataFrame({
        "exporter": ["A", "A", "B", "B"], "year": 2020,
        "code": ["7924", "0111", "5413", "0111"], "value": [10.0, 30.0, 20.0, 20.0],
    })
    src = write_table_file(trade, tmp_path / "trade.parquet")
    out = tmp_path / "ht.xlsx"
    result = runner.invoke(app, ["index", "hightech", str(src), "--out", str(out),
                                 "--by", "exporter,year", "--wide", "--rca"])
    assert result.exit_code == 0, result.output
    got = pd.read_excel(out).set_index("exporter")
    # A: 10 of 40 high-tech (25%), B: 20 of 40 (50%); world 30 of 80
    assert got.loc["A", "ht_share"] == pytest.approx(25.0)
    assert got.loc["B", "ht_share"] == pytest.approx(50.0)
    assert got.loc["A", "ht_rca"] == pytest.approx(0.25 / (30 / 80))
    assert got.loc["A", "ht_rca_aerospace"] == pytest.approx(0.25 / (10 / 80))


def test_hightech_rca_needs_wide(tmp_path):
    trade = pd.DataFrame({"exporter": ["A"], "year": [2020], "code": ["7924"], "value": [1.0]})
    src = write_table_file(trade, tmp_path / "trade.csv")
    result = runner.invoke(app, ["index", "hightech", str(src), "--out", str(tmp_path / "o.csv"),
                                 "--rca"])
    assert result.exit_code == 2
    assert "--rca needs --wide" in result.output


# ----------------------------------------------------------------------------- tfi from Excel


def _tidy_gcr(data_dir) -> pd.DataFrame:
    """Scores of a few economies in the columns of a tidy GCR CSV."""
    from hitex.data.gcr import load_gcr

    scores = load_gcr(data_dir=data_dir)
    scores = scores[scores["iso3"].isin(["CHN", "DEU", "KOR"])]
    return scores[["iso3", "edition", "indicator_code", "value"]].reset_index(drop=True)


def test_tfi_reads_a_tidy_excel_file_like_the_tidy_csv(tmp_path, data_dir):
    tidy = _tidy_gcr(data_dir)
    tidy.to_csv(tmp_path / "gcr.csv", index=False)
    with pd.ExcelWriter(tmp_path / "gcr.xlsx", engine="openpyxl") as book:
        pd.DataFrame({"note": ["GCR scores, sheet 'scores'"]}).to_excel(
            book, sheet_name="about", index=False)
        tidy.to_excel(book, sheet_name="scores", index=False)
    outs = {}
    for name, extra in (("gcr.csv", []), ("gcr.xlsx", []), ("gcr.xlsx", ["--sheet", "scores"])):
        out = tmp_path / f"tfi_{len(outs)}.csv"
        result = runner.invoke(app, ["index", "tfi", "--input", str(tmp_path / name),
                                     "--out", str(out), *extra])
        assert result.exit_code == 0, result.output
        outs[(name, *extra)] = pd.read_csv(out)
    from_csv = outs[("gcr.csv",)]
    assert set(from_csv["iso3"]) == {"CHN", "DEU", "KOR"} and from_csv["TFI"].notna().any()
    for key, frame in outs.items():
        pd.testing.assert_frame_equal(frame, from_csv, obj=str(key))


def test_tfi_excel_in_no_known_layout_names_the_sheet_option(tmp_path, data_dir):
    tidy = _tidy_gcr(data_dir)
    path = tmp_path / "gcr.xlsx"
    tidy.rename(columns={"iso3": "country"}).to_excel(path, index=False)
    result = runner.invoke(app, ["index", "tfi", "--input", str(path),
                                 "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 2
    assert "--sheet" in result.output
    result = runner.invoke(app, ["index", "tfi", "--input", str(path), "--sheet", "Data",
                                 "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 2 and "no sheet 'Data'" in result.output
    assert not (tmp_path / "o.csv").exists()


# ----------------------------------------------------------------------------- tbt-depth

DESTA_ITEMS = ["tbt_wto", "tbt_coop", "tbt_distort", "tbt_dispute", "tbt_intstand", "tbt_harmon"]


def _raw_depth(data_dir) -> pd.Series:
    """Depth = sum of the six TBT items, read from DESTA's raw file (complete rows only)."""
    raw = pd.read_csv(data_dir / "desta" / "desta_version_02_03.csv.gz", encoding="latin-1",
                      dtype={"number": str}, low_memory=False)
    complete = raw.dropna(subset=DESTA_ITEMS)
    return complete.set_index("number")[DESTA_ITEMS].sum(axis=1).astype(int)


def _tbt(data_dir, *args: str):
    return runner.invoke(app, ["index", "tbt-depth", "--data-dir", str(data_dir), *args])


def test_tbt_depth_cli_against_raw_desta(tmp_path, data_dir):
    out, panel_out = tmp_path / "depth.csv", tmp_path / "panel.parquet"
    result = _tbt(data_dir, "--out", str(out), "--panel-out", str(panel_out),
                  "--countries", "CHN,KOR,USA", "--years", "2014-2018")
    assert result.exit_code == 0, result.output
    raw = _raw_depth(data_dir)
    depth = pd.read_csv(out, dtype={"agreement_id": str}).set_index("agreement_id")
    known = depth["depth"].dropna().astype(int)
    pd.testing.assert_series_equal(known.sort_index(), raw.rename_axis("agreement_id")
                                   .rename("depth").sort_index())
    assert depth.loc["909", "name"] == "China Korea" and depth.loc["909", "depth"] == raw["909"]
    panel = pd.read_parquet(panel_out)
    assert len(panel) == 3 * 2 * 5
    rows = panel.set_index(["exporter", "importer", "year"])
    # China and Korea share APTA (62, 2006), the Bangkok Agreement (100, China's accession 2002)
    # and, from 2015, their FTA (909): Depth is the deepest of those in force.
    for i, j in (("CHN", "KOR"), ("KOR", "CHN")):
        assert rows.loc[(i, j, 2014), "depth"] == max(raw["62"], raw.get("100", 0))
        assert rows.loc[(i, j, 2018), "depth"] == max(raw["62"], raw.get("100", 0), raw["909"])
        assert (rows.loc[(i, j), "fta"] == 1).all()
    assert rows.loc[("CHN", "USA", 2018), "fta"] == 0


def test_tbt_depth_cli_missing_option_equals_the_function(tmp_path, data_dir):
    from hitex.data import desta
    from hitex.indicators.tbt import tbt_depth

    out = tmp_path / "depth.parquet"
    result = _tbt(data_dir, "--out", str(out), "--missing", "zero_if_no_provision")
    assert result.exit_code == 0, result.output
    got = pd.read_parquet(out)
    with pytest.warns(DataCoverageWarning):
        expected = tbt_depth(desta.read_coding(data_dir), missing="zero_if_no_provision")
    cols = ["agreement_id", *DESTA_ITEMS, "depth", "missing_items", "items_imputed"]
    pd.testing.assert_frame_equal(got[cols], expected[cols], check_dtype=False)
    assert got["tier"].astype(str).tolist() == expected["tier"].astype(str).tolist()
    assert got["items_imputed"].any()  # differs from the default 'report'
    report = tmp_path / "report.parquet"
    assert _tbt(data_dir, "--out", str(report)).exit_code == 0
    assert pd.read_parquet(report)["depth"].isna().sum() > got["depth"].isna().sum()
    result = _tbt(data_dir, "--out", str(out), "--missing", "zero")
    assert result.exit_code == 2


def test_tbt_depth_cli_countries_any_case_and_unknown(tmp_path, data_dir):
    out, panel_out = tmp_path / "depth.csv", tmp_path / "panel.csv"
    result = _tbt(data_dir, "--out", str(out), "--panel-out", str(panel_out),
                  "--countries", "chn,kor", "--years", "2018")
    assert result.exit_code == 0, result.output
    panel = pd.read_csv(panel_out)
    assert sorted(panel["exporter"]) == ["CHN", "KOR"] and set(panel["year"]) == {2018}
    assert (panel["fta"] == 1).all() and (panel["depth"] == 4).all()

    out.unlink()
    panel_out.unlink()
    result = _tbt(data_dir, "--out", str(out), "--panel-out", str(panel_out),
                  "--countries", "CHN,KOR,XXX")
    assert result.exit_code == 2 and "'XXX'" in result.output
    assert not out.exists() and not panel_out.exists()


@pytest.mark.parametrize(("years", "expected"), [
    ("2020-2018", "the first year is after the last"),
    ("2018-", "not a year range"),
    ("twenty", "not a year range"),
])
def test_tbt_depth_cli_bad_years_fail_before_writing(tmp_path, data_dir, years, expected):
    out, panel_out = tmp_path / "depth.csv", tmp_path / "panel.csv"
    result = _tbt(data_dir, "--out", str(out), "--panel-out", str(panel_out),
                  "--years", years)
    assert result.exit_code == 2
    assert "--years" in result.output and expected in result.output
    assert "range(" not in result.output  # no Python advice
    assert not out.exists() and not panel_out.exists()


def test_tbt_depth_cli_bad_panel_file_fails_before_writing(tmp_path, data_dir):
    out = tmp_path / "depth.csv"
    result = _tbt(data_dir, "--out", str(out), "--panel-out",
                  str(tmp_path / "panel.json"))
    assert result.exit_code == 2 and "--panel-out" in result.output
    assert not out.exists()
    result = _tbt(data_dir, "--out", str(out), "--countries", "CHN")
    assert result.exit_code == 2 and "--panel-out" in result.output
    assert not out.exists()


def test_rca_command_by_hand_and_codes_keep_zeros(tmp_path):
    exports = pd.DataFrame({"country": ["A", "A", "B"], "product": ["0101", "8542", "0101"],
                            "value": [1.0, 3.0, 4.0]})
    src = tmp_path / "x.csv"
    exports.to_csv(src, index=False)
    out = tmp_path / "rca.csv"
    result = runner.invoke(app, ["index", "rca", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    got = pd.read_csv(out, dtype={"product": str}).set_index(["country", "product"])["rca"]
    # world 8: product 0101 share 5/8; A exports 1 of 4 in 0101 -> (1/4)/(5/8) = 0.4
    assert got[("A", "0101")] == pytest.approx(0.4)
    assert got[("B", "0101")] == pytest.approx(1 / (5 / 8))
    assert got[("A", "8542")] == pytest.approx((3 / 4) / (3 / 8))


def test_hightech_default_groups_follow_the_file(tmp_path):
    trade = pd.DataFrame({"exporter": ["A", "A"], "year": 2020, "code": ["7924", "0111"],
                          "value": [1.0, 3.0]})
    src = write_table_file(trade, tmp_path / "trade.csv")
    out = tmp_path / "ht.csv"
    result = runner.invoke(app, ["index", "hightech", str(src), "--out", str(out), "--wide"])
    assert result.exit_code == 0, result.output
    got = pd.read_csv(out)
    assert list(got["exporter"]) == ["A"] and got.loc[0, "ht_share"] == pytest.approx(25.0)


def test_tfi_warns_about_years_without_the_index(tmp_path, data_dir):
    out = tmp_path / "tfi.csv"
    result = runner.invoke(app, ["index", "tfi", "--out", str(out), "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    empty = sorted(int(y) for y, n in frame.groupby("year")["TFI"].count().items() if n == 0)
    assert empty  # the bundle lacks some 2016-17 scores (its SOURCE.md)
    assert "no economy has the index in" in result.output and str(empty[0]) in result.output
