"""A truncated or corrupted file of the data bundle is named, with how to restore it."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from hitex.cli import app
from hitex.data.wdi import load_wdi
from hitex.errors import DataFormatError


@pytest.fixture
def damaged(tmp_path, data_dir):
    copy = tmp_path / "bundle"
    for entry in data_dir.iterdir():  # link every folder, copy the WDI one to damage it
        if entry.name == "wdi":
            shutil.copytree(entry, copy / "wdi")
        else:
            copy.mkdir(exist_ok=True)
            (copy / entry.name).symlink_to(entry)
    target = copy / "wdi" / "wdi_recent_long.csv.gz"
    target.chmod(0o644)
    target.write_bytes(target.read_bytes()[:20_000])  # cut short
    return copy


def test_a_truncated_bundle_file_is_named(damaged):
    with pytest.raises(DataFormatError, match=r"wdi_recent_long\.csv\.gz.*Restore the file"):
        load_wdi(["NY.GDP.PCAP.KD"], countries=["DEU"], years=[2010], data_dir=damaged)


def test_the_command_line_says_which_file_not_aborted(damaged, tmp_path):
    result = CliRunner().invoke(app, ["run", "trade-facilitation", "--data-dir", str(damaged),
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code != 0
    assert "wdi_recent_long.csv.gz" in result.output and "Restore" in result.output
    assert "Aborted" not in result.output and "Traceback" not in result.output
