"""DESTA reader, the pair-year panel and the Table 6 check of study 001 on the real bundle.

Expected values were read by hand from the DESTA 2.03 files (e.g. the China-Korea
FTA, number 909: in force 2015, items wto 1, coop 1, distort 0, dispute 1,
intstand 1, harmon 0) and from study 001's Table 6.
"""

from __future__ import annotations

import gzip
import warnings

import pandas as pd
import pytest

from hitex.data import desta
from hitex.errors import (
    ColumnNotFoundError,
    DataCoverageWarning,
    DataFormatError,
    DataNotFoundError,
    HitexError,
)
from hitex.indicators.tbt import check_study001_table6, pair_year_panel, tbt_depth

pytestmark = pytest.mark.filterwarnings("ignore::hitex.errors.DataCoverageWarning")


@pytest.fixture(scope="module")
def coding(data_dir):
    return desta.read_coding(data_dir)


@pytest.fixture(scope="module")
def dyads(data_dir):
    return desta.read_dyads(data_dir)


@pytest.fixture(scope="module")
def withdrawals(data_dir):
    return desta.read_withdrawals(data_dir)


@pytest.fixture(scope="module")
def depth(coding):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataCoverageWarning)
        return tbt_depth(coding)


# ----------------------------------------------------------------------------- readers


def test_country_codes_all_mapped(data_dir):
    codes = desta.country_codes(data_dir).set_index("desta_code")
    assert codes["iso3"].notna().all()
    assert codes.loc[156, "iso3"] == "CHN" and codes.loc[156, "method"] == "iso_numeric"
    assert codes.loc[410, "iso3"] == "KOR"
    assert codes.loc[900, "desta_name"] == "Kosovo"  # DESTA's own code, mapped by name
    assert codes.loc[900, "iso3"] == "XKX" and codes.loc[900, "method"] == "name"


def test_read_coding(coding):
    assert len(coding) == 781
    assert coding["agreement_id"].is_unique
    row = coding.set_index("agreement_id").loc["909"]
    assert row["name"] == "China Korea"
    assert row["entry_into_force"] == 2015 and row["signature_year"] == 2015
    assert set(row["members"]) == {"CHN", "KOR"} and row["n_members"] == 2
    items = ["tbt_prov", "tbt_wto", "tbt_coop", "tbt_distort", "tbt_dispute", "tbt_intstand",
             "tbt_harmon"]
    assert [row[i] for i in items] == [1, 1, 1, 0, 1, 1, 0]
    assert coding["tbt_wto"].isna().sum() == 37  # blank in the file, kept missing
    assert coding.loc[coding["agreement_id"] == "68a", "entry_type"].item() == "consolidated"


def test_read_coding_extra_columns(data_dir):
    out = desta.read_coding(data_dir, columns=["mar_typedepth"])
    assert "mar_typedepth" in out.columns
    with pytest.raises(ColumnNotFoundError, match="no_such_item"):
        desta.read_coding(data_dir, columns=["no_such_item"])


def test_read_agreements(data_dir):
    treaties = desta.read_agreements(data_dir)
    assert "negotiation" not in set(treaties["entry_type"])
    row = treaties.set_index("agreement_id").loc["909"]
    assert set(row["members"]) == {"CHN", "KOR"} and row["coded"]
    acc = treaties.set_index("agreement_id").loc["100+1"]  # Bangkok Agreement, China's accession
    assert acc["entry_type"] == "accession" and acc["entry_into_force"] == 2002
    assert not acc["coded"] and "CHN" in acc["members"]
    every = desta.read_agreements(data_dir, include_negotiations=True)
    assert (every["entry_type"] == "negotiation").sum() == 78


def test_read_dyads(dyads):
    chn_kor = dyads.loc[
        ((dyads["iso3_1"] == "CHN") & (dyads["iso3_2"] == "KOR"))
        | ((dyads["iso3_1"] == "KOR") & (dyads["iso3_2"] == "CHN"))
    ].set_index("entry_id")
    assert set(chn_kor.index) == {"62", "100+1", "909"}
    assert chn_kor.loc["909", "entry_into_force"] == 2015
    assert chn_kor.loc["100+1", "agreement_id"] == "100"  # an accession belongs to its treaty
    assert chn_kor.loc["100+1", "entry_into_force"] == 2002
    assert dyads["iso3_1"].notna().all() and dyads["iso3_2"].notna().all()


def test_read_withdrawals(withdrawals):
    uk = withdrawals.loc[(withdrawals["withdrawal_id"] == "8_1")
                         & (withdrawals[["iso3_1", "iso3_2"]] == "ALB").any(axis=1)]
    assert len(uk) == 1
    assert set(uk[["iso3_1", "iso3_2"]].iloc[0]) == {"GBR", "ALB"}
    assert uk["year"].item() == 2020 and uk["year_source"].item() == "entryforceyear"
    ven = withdrawals.loc[withdrawals["withdrawal_id"] == "22_1"].iloc[0]  # no entryforceyear
    assert ven["year"] == 2006 and ven["year_source"] == "year"


def test_depth_on_desta_equals_the_raw_sum(data_dir, depth):
    raw = pd.read_csv(data_dir / "desta" / "desta_version_02_03.csv.gz", encoding="latin-1",
                      dtype={"number": str}, low_memory=False)
    items = ["tbt_wto", "tbt_coop", "tbt_distort", "tbt_dispute", "tbt_intstand", "tbt_harmon"]
    complete = raw.dropna(subset=items)
    expected = dict(zip(complete["number"], complete[items].sum(axis=1).astype(int), strict=True))
    got = depth.dropna(subset=["depth"]).set_index("agreement_id")["depth"].to_dict()
    assert got == expected
    assert depth.set_index("agreement_id").loc["909", "depth"] == 4


def test_missing_bundle_and_bad_file(tmp_path):
    (tmp_path / "wdi").mkdir()
    with pytest.raises(DataNotFoundError, match="desta_version_02_03"):
        desta.read_coding(tmp_path)
    (tmp_path / "desta").mkdir()
    with gzip.open(tmp_path / "desta" / "desta_list_of_treaties_02_03_dyads.csv.gz", "wt") as f:
        f.write("number,name\n1,Afghanistan India\n")
    with pytest.raises(DataFormatError, match="iso1"):
        desta.read_dyads(tmp_path)


# ----------------------------------------------------------------------------- pair-year panel


def study001_sample(depth: pd.DataFrame) -> pd.DataFrame:
    """Study 001's sample: bilateral agreements with a TBT chapter."""
    return depth.loc[(depth["n_members"] == 2) & (depth["tbt_prov"] == 1)]


def test_china_korea_fta_from_2015(depth, dyads, withdrawals):
    panel = pair_year_panel(study001_sample(depth), dyads, withdrawals, range(2010, 2021))
    rows = panel.set_index(["exporter", "importer", "year"])
    for i, j in (("CHN", "KOR"), ("KOR", "CHN")):
        assert rows.loc[(i, j, 2014), "fta"] == 0
        assert rows.loc[(i, j, 2015), "fta"] == 1
        assert rows.loc[(i, j, 2015), "depth"] == 4
        assert rows.loc[(i, j, 2015), "deepest_agreement"] == "909"
        assert (rows.loc[(i, j), "fta"].loc[2015:] == 1).all()


def test_china_korea_with_every_agreement(depth, dyads, withdrawals):
    # Counting plurilateral agreements too, China and Korea share the Bangkok Agreement (China's
    # accession, 2002; no TBT items: depth 0) and APTA (2006; wto + coop = 2) before their FTA.
    panel = pair_year_panel(depth, dyads, withdrawals, range(2000, 2021))
    rows = panel.set_index(["exporter", "importer", "year"])
    assert rows.loc[("CHN", "KOR", 2001), "fta"] == 0
    assert rows.loc[("CHN", "KOR", 2002), "fta"] == 1
    assert rows.loc[("CHN", "KOR", 2002), "deepest_agreement"] == "100"
    assert rows.loc[("CHN", "KOR", 2014), "depth"] == 2
    assert rows.loc[("KOR", "CHN", 2014), "deepest_agreement"] == "62"
    assert rows.loc[("KOR", "CHN", 2015), "depth"] == 4
    assert rows.loc[("KOR", "CHN", 2015), "n_agreements"] == 3
    # Brexit: DESTA ends the UK's membership of the EC-Albania SAA in 2020 (withdrawal 8_1).
    assert rows.loc[("GBR", "ALB", 2019), "fta"] == 1
    assert rows.loc[("ALB", "GBR", 2020), "fta"] == 0


def test_panel_countries_in_any_case_or_by_name(depth, dyads, withdrawals, data_dir):
    years = range(2014, 2019)
    upper = pair_year_panel(depth, dyads, withdrawals, years, countries=["CHN", "KOR"])
    for countries in (["chn", "kor"], ["China", "Kor"]):
        got = pair_year_panel(depth, dyads, withdrawals, years, countries=countries,
                              data_dir=data_dir)
        pd.testing.assert_frame_equal(got, upper)
    rows = upper.set_index(["exporter", "importer", "year"])
    assert rows.loc[("CHN", "KOR", 2018), "fta"] == 1  # China-Korea FTA (909) since 2015
    assert rows.loc[("KOR", "CHN", 2018), "depth"] == 4
    # Aruba is a known economy that is in no DESTA agreement: FTA 0, not an error
    aruba = pair_year_panel(depth, dyads, withdrawals, [2018], countries=["abw", "CHN"],
                            data_dir=data_dir)
    assert set(aruba["exporter"]) == {"ABW", "CHN"} and (aruba["fta"] == 0).all()


def test_panel_unknown_country_raises_naming_it(depth, dyads, withdrawals, data_dir):
    with pytest.raises(HitexError, match="'XXX'"):
        pair_year_panel(depth, dyads, withdrawals, [2018], countries=["CHN", "KOR", "XXX"],
                        data_dir=data_dir)


def _tiny_trade_panel(path) -> None:
    """Trade rows for CHN, KOR and USA in 2014 and 2018 (values invented)."""
    rows = [(e, i, f"{e}_{i}", y, 1.0, 100.0) for e in ("CHN", "KOR", "USA")
            for i in ("CHN", "KOR", "USA") for y in (2014, 2018)]
    pd.DataFrame(rows, columns=["exporter", "importer", "pair_id", "year", "trade",
                                "dist"]).to_csv(path, index=False)


def test_tbt_depth_step_turns_coverage_warnings_into_notes(tmp_path, data_dir):
    import yaml

    from hitex.studies.gravity_data import tbt_pairs
    from hitex.studies.kinds import PANELS
    from hitex.studies.registry import builtin_studies
    from hitex.studies.spec import parse_study

    with pytest.warns(DataCoverageWarning) as record:
        tbt_pairs(data_dir, ["CHN", "KOR", "USA"], [2014, 2018])
    expected = list(dict.fromkeys(str(w.message) for w in record))
    assert any("lack TBT item codes" in m for m in expected)
    assert any("no TBT coding" in m for m in expected)

    _tiny_trade_panel(tmp_path / "trade.csv")
    doc = yaml.safe_load(builtin_studies()["tbt-gravity"].read_text(encoding="utf-8"))
    doc["data"]["years"] = [2010, 2020]
    doc["data"]["sources"] = [{"kind": "trade_panel", "dataset": "agtpa_4yr",
                               "path": str(tmp_path / "trade.csv")}, {"kind": "tbt_depth"}]
    spec = parse_study(doc)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataCoverageWarning)  # none may escape the step
        built = PANELS.get("dyadic").build(spec.data, data_dir, None)
    notes = [n for n in built.notes if n.startswith("DESTA coverage: ")]
    assert notes == [f"DESTA coverage: {m}" for m in expected]  # one line per distinct warning
    rows = built.data.set_index(["exporter", "importer", "year"])
    assert rows.loc[("CHN", "KOR", 2018), "fta"] == 1.0
    assert rows.loc[("CHN", "KOR", 2018), "depth_x_fta"] == 4.0


def naive_panel(depth, dyads, withdrawals, countries, years):
    """A plain-loop oracle: per pair and year, the agreements in force and their depths."""
    known = dict(zip(depth["agreement_id"], depth["depth"], strict=True))
    ends: dict[tuple, list[int]] = {}
    for w in withdrawals.itertuples():
        ends.setdefault((w.base_treaty, frozenset((w.iso3_1, w.iso3_2))), []).append(int(w.year))
    out = {}
    for d in dyads.itertuples():
        pair = frozenset((d.iso3_1, d.iso3_2))
        if d.agreement_id not in known or pd.isna(d.entry_into_force) or not pair <= countries:
            continue
        start = int(d.entry_into_force)
        stops = [y for y in ends.get((d.base_treaty, pair), []) if y >= start]
        for t in years:
            if start <= t and not any(t >= y for y in stops):
                out.setdefault((pair, t), []).append((d.agreement_id, d.base_treaty))
    result = {}
    for key, hits in out.items():
        depths = [known[a] for a, _ in hits if not pd.isna(known[a])]
        result[key] = (len({b for _, b in hits}), max(depths) if depths else None)
    return result


def test_panel_matches_a_plain_loop(depth, dyads, withdrawals):
    countries = {"CHN", "KOR", "GBR", "DEU", "ALB", "VEN", "COL", "MEX", "AUT", "FIN", "RUS",
                 "KAZ", "CHL", "PER", "SGP", "XKX"}
    years = range(1990, 2021)
    panel = pair_year_panel(depth, dyads, withdrawals, years, countries=countries)
    oracle = naive_panel(depth, dyads, withdrawals, countries, years)
    assert len(panel) == len(countries) * (len(countries) - 1) * len(years)
    for row in panel.itertuples():
        n_agr, best = oracle.get((frozenset((row.exporter, row.importer)), row.year), (0, None))
        assert row.fta == int(n_agr > 0), row
        assert row.n_agreements == n_agr, row
        assert (pd.isna(row.depth) if best is None else row.depth == best), row
    assert panel["fta"].sum() > 1000  # the comparison is not vacuous


# ----------------------------------------------------------------------------- Table 6


def test_table6_check_on_desta(coding):
    check = check_study001_table6(coding)
    # The only row whose printed depth is not the sum of its printed items: Singapore (row 2),
    # printed 5, items 1+1+0+1+1+0 = 4; Table 5 lists Singapore-China under 4.
    assert check.inconsistent["partner_iso3"].tolist() == ["SGP"]
    assert check.inconsistent.iloc[0]["depth_printed"] == 5
    assert check.inconsistent.iloc[0]["depth_items"] == 4
    ids = check.table.set_index("partner_iso3")["desta_id"].to_dict()
    assert ids == {"NZL": "222", "SGP": "228", "KOR": "909", "CRI": "804", "GEO": "990",
                   "PAK": "224", "CHL": "199", "CHE": "862", "PER": "227", "AUS": "840",
                   "ISL": "955"}
    # Every item where study 001 and DESTA 2.03 differ, read by hand from both.
    got = {(r.partner_iso3, r.item, r.study, r.desta) for r in check.disagreements.itertuples()}
    assert got == {
        ("NZL", "tbt_distort", 0, 1), ("NZL", "tbt_dispute", 1, 0),
        ("SGP", "tbt_distort", 0, 1),
        ("KOR", "tbt_distort", 1, 0),
        ("CRI", "tbt_dispute", 1, 0),
        ("GEO", "tbt_distort", 1, 0),
        ("PER", "tbt_dispute", 1, 0),
    }
    desta_depth = check.table.set_index("partner_iso3")["desta_depth"].to_dict()
    assert desta_depth == {"NZL": 4, "SGP": 5, "KOR": 4, "CRI": 4, "GEO": 3, "PAK": 3, "CHL": 5,
                           "CHE": 4, "PER": 4, "AUS": 4, "ISL": 4}
