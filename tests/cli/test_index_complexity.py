"""``hitex index complexity`` writes ECI/COI by exporter, PCI by product and the cell measures."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from hitex.cli import app
from hitex.indicators.complexity import economic_complexity


def _trade(tmp_path):
    rows = [(c, p, v) for c, vals in {"A": [10, 0, 5, 1], "B": [0, 8, 1, 1], "C": [3, 3, 0, 9],
                                      "D": [1, 1, 1, 0]}.items()
            for p, v in zip(["p1", "p2", "p3", "p4"], vals, strict=True)]
    frame = pd.DataFrame(rows, columns=["country", "product", "value"])
    path = tmp_path / "trade.csv"
    frame.to_csv(path, index=False)
    return path, frame


def test_writes_the_three_outputs(tmp_path):
    path, frame = _trade(tmp_path)
    out, prods, cells = tmp_path / "eci.csv", tmp_path / "pci.csv", tmp_path / "cells.csv"
    result = CliRunner().invoke(app, ["index", "complexity", str(path), "--out", str(out),
                                      "--products-out", str(prods), "--cells-out", str(cells)])
    assert result.exit_code == 0, result.output
    direct = economic_complexity(frame)
    written = pd.read_csv(out).set_index("country")
    expected = direct.countries.set_index("country")
    assert written["eci"].to_numpy() == pytest.approx(expected["eci"].to_numpy(), rel=1e-9)
    assert len(pd.read_csv(prods)) == 4 and len(pd.read_csv(cells)) == 16


def test_bad_option_is_a_clean_error(tmp_path):
    path, _ = _trade(tmp_path)
    result = CliRunner().invoke(app, ["index", "complexity", str(path), "--out",
                                      str(tmp_path / "x.csv"), "--empty", "ignore"])
    assert result.exit_code != 0 and "Traceback" not in result.output
