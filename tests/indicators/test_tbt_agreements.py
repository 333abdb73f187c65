"""Agreements of a group of countries by TBT depth (study 001, Table 5)."""

from __future__ import annotations

import pandas as pd
import pytest

from hitex.errors import SpecificationError
from hitex.indicators.tbt_agreements import agreements_by_depth, depth_counts

ITEMS = ["tbt_prov", "tbt_wto", "tbt_coop", "tbt_distort", "tbt_dispute", "tbt_intstand",
         "tbt_harmon"]


def _coding() -> pd.DataFrame:
    rows = [  # id, members, year, entry type, items (prov, wto, coop, distort, dispute, int, harmon)
        ("1", ("AAA", "BBB"), 2005, "base_treaty", (1, 1, 1, 1, 1, 1, 1)),   # depth 6
        ("2", ("AAA", "CCC"), 1999, "base_treaty", (1, 1, 1, 0, 0, 0, 0)),   # before the window
        ("3", ("AAA", "BBB", "CCC"), 2010, "base_treaty", (1, 1, 0, 0, 0, 0, 0)),  # plurilateral
        ("4", ("DDD", "EEE"), 2010, "base_treaty", (1, 1, 1, 0, 0, 0, 0)),   # no member wanted
        ("5", ("CCC", "BBB"), 2012, "base_treaty", (0, 0, 0, 0, 0, 0, 0)),   # no TBT provision
        ("6", ("BBB", "DDD"), 2015, "base_treaty", (1, 1, 0, 1, 0, 0, 0)),   # depth 2
        ("7", ("AAA", "BBB"), 2016, "accession", (1, 1, 1, 1, 1, 1, 0)),    # not a base treaty
    ]
    return pd.DataFrame([{"agreement_id": i, "name": f"A{i}", "members": m,
                          "entry_into_force": y, "entry_type": t, **dict(zip(ITEMS, v, strict=True))}
                         for i, m, y, t, v in rows])


def test_filters_and_depth():
    out = agreements_by_depth(_coding(), ["BBB"])
    assert list(out["agreement_id"]) == ["1", "6"]
    assert list(out["depth"]) == [6, 2] and list(out["members"]) == ["AAA-BBB", "BBB-DDD"]
    assert [str(t) for t in out["tier"]] == ["5-6", "1-2"]
    wide = agreements_by_depth(_coding(), ["BBB"], bilateral=False, window=(1990, 2020))
    assert "3" in set(wide["agreement_id"])
    counts = depth_counts(out).set_index("depth")
    assert counts.loc[6, "agreements"] == 1 and counts.loc[2, "members (first)"] == "BBB-DDD"


def test_bad_arguments():
    with pytest.raises(SpecificationError, match="countries is empty"):
        agreements_by_depth(_coding(), [])
    with pytest.raises(SpecificationError, match="window"):
        agreements_by_depth(_coding(), ["AAA"], window=(2020, 2000))


def test_real_desta_scores_of_study001_table5(data_dir):
    """DESTA gives New Zealand-Singapore and Peru-Singapore depth 6 and China-Singapore 5, as
    study 001's Tables 5-6 print them."""
    from hitex.data.countries import members
    from hitex.data.desta import read_coding

    with pytest.warns(Warning):
        out = agreements_by_depth(read_coding(data_dir), {*members("bri", data_dir=data_dir),
                                                          "CHN"})
    depth = out.set_index("members")["depth"]
    assert depth["NZL-SGP"] == 6 and depth["PER-SGP"] == 6 and depth["CHN-SGP"] == 5
    assert out["entry_into_force"].between(2000, 2020).all()
