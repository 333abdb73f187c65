"""`hitex run --encoding`: CSV outputs that Excel opens with Chinese text intact."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from hitex.cli import app
from hitex.errors import StudySpecError
from hitex.studies.runner import run_study

runner = CliRunner()
BOM = b"\xef\xbb\xbf"


def _study(tmp_path):
    rng = np.random.default_rng(11)
    rows = [(c, y) for c in ["DEU", "FRA", "ITA", "ESP"] for y in range(2010, 2014)]
    frame = pd.DataFrame(rows, columns=["iso3", "year"])
    frame["地区"] = frame["iso3"].map({"DEU": "德国", "FRA": "法国", "ITA": "意大利",
                                      "ESP": "西班牙"})
    frame["x"] = rng.normal(size=len(frame))
    frame["y"] = frame["x"] + rng.normal(size=len(frame))
    frame.to_csv(tmp_path / "panel.csv", index=False)
    doc = {"name": "enc", "title": "Encoding",
           "data": {"countries": {"iso3": ["DEU", "FRA", "ITA", "ESP"]}, "years": [2010, 2013],
                    "sources": [{"kind": "file", "path": str(tmp_path / "panel.csv")}]},
           "tables": [{"name": "t", "models": [{"formula": "y ~ x | iso3 + year"}]}]}
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(("option", "start", "codec"), [
    (None, None, "utf-8"), ("utf-8-sig", BOM, "utf-8-sig"), ("bom", BOM, "utf-8-sig"),
    ("gb18030", None, "gb18030"), ("GBK", None, "gb18030")])
def test_sample_csv_in_the_chosen_encoding(tmp_path, data_dir, option, start, codec):
    out = tmp_path / "out"
    args = ["run", str(_study(tmp_path)), "--out", str(out), "--data-dir", str(data_dir)]
    result = runner.invoke(app, args + (["--encoding", option] if option else []))
    assert result.exit_code == 0, result.output
    raw = (out / "sample.csv").read_bytes()
    assert raw.startswith(BOM) == (start == BOM)
    text = raw.decode(codec)
    assert text.startswith("iso3,year,地区") and "意大利" in text


def test_an_unknown_encoding_is_refused_naming_the_option(tmp_path, data_dir):
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(_study(tmp_path)), "--out", str(out),
                                 "--data-dir", str(data_dir), "--encoding", "latin-1"])
    assert result.exit_code == 2
    assert "--encoding 'latin-1'" in result.output and "utf-8-sig" in result.output
    assert not out.exists()  # refused before any work


def test_run_study_refuses_an_unknown_encoding(tmp_path):
    with pytest.raises(StudySpecError, match="encoding='cp1252'.*utf-8-sig"):
        run_study(tmp_path / "none.yaml", tmp_path / "out", encoding="cp1252")


def test_index_writes_csv_with_a_byte_order_mark(tmp_path):
    pd.DataFrame({"省份": ["山东", "山东", "浙江"], "product": ["01", "02", "01"],
                  "value": [1.0, 2.0, 3.0]}).to_csv(tmp_path / "t.csv", index=False)
    for option, codec in (("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030")):
        out = tmp_path / f"rca-{option}.csv"
        result = runner.invoke(app, ["index", "rca", str(tmp_path / "t.csv"), "--country", "省份",
                                     "--out", str(out), "--encoding", option])
        assert result.exit_code == 0, result.output
        raw = out.read_bytes()
        assert raw.startswith(BOM) == (option == "utf-8-sig")
        assert raw.decode(codec).startswith("省份,product")
    result = runner.invoke(app, ["index", "rca", str(tmp_path / "t.csv"), "--country", "省份",
                                 "--out", str(tmp_path / "x.csv"), "--encoding", "ascii"])
    assert result.exit_code == 2 and "--encoding 'ascii'" in result.output
    assert not (tmp_path / "x.csv").exists()
