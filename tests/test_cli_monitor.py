"""hitex monitor: a province's or a country's high-tech exports on one page."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from hitex.cli import app


@pytest.fixture
def cli(data_dir):
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, [*args, "--data-dir", str(data_dir)])

    return run


def test_a_province_by_name_in_english_and_chinese(cli, tmp_path):
    en = cli("monitor", "Shandong", "--out", str(tmp_path / "en"))
    assert en.exit_code == 0, en.output
    assert "11 of 31" in en.output and "Shandong" in en.output  # 2017, as study 002 says
    zh = cli("monitor", "山东", "--lang", "zh", "--out", str(tmp_path / "zh"))
    assert zh.exit_code == 0, zh.output
    assert "31个中第11" in zh.output and "排名" in zh.output and "山东" in zh.output
    assert "十亿美元" in zh.output and "billion" not in zh.output.split("\n", 4)[3]
    code = cli("monitor", "37", "--peers", "Zhejiang,江苏", "--out", str(tmp_path / "peers"))
    assert code.exit_code == 0 and "of 3" in code.output


def test_a_country_and_a_users_source(cli, tmp_path):
    mine = tmp_path / "mine.csv"
    pd.DataFrame({"iso3": ["CHN", "CHN"], "year": [2018, 2019],
                  "value": [731_386_000_000.0, 700e9]}).to_csv(mine, index=False)
    res = cli("monitor", "China", "--years", "2017-2019", "--source", str(mine),
              "--out", str(tmp_path / "chn"))
    assert res.exit_code == 0, res.output
    assert "CHN" in res.output and "1 of" in res.output
    assert "conflicting" in res.output and "2019" in res.output  # 700 bn vs WDI's value


def test_mistakes_get_a_message_not_a_traceback(cli, tmp_path):
    res = cli("monitor", "Shandnog", "--out", str(tmp_path / "x"))
    assert res.exit_code != 0 and "Did you mean 'Shandong'" in res.output
    assert "Traceback" not in res.output
    res = cli("monitor", "Shandong", "--years", "2018-2016", "--out", str(tmp_path / "y"))
    assert res.exit_code != 0 and "first year must not be after" in res.output
    res = cli("monitor", "Shandong", "--lang", "fr", "--out", str(tmp_path / "z"))
    assert res.exit_code != 0 and "use en or zh" in res.output
    res = cli("monitor", "Shandong", "--years", "1990-1995", "--out", str(tmp_path / "w"))
    assert res.exit_code != 0 and "has a value in 1990-1995" in res.output
