"""The command line: fast start, listings, and errors without tracebacks."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from hitex.cli import app

runner = CliRunner()


def test_cli_import_does_not_load_heavy_libraries():
    code = ("import sys, hitex.cli; heavy = [m for m in ('pyfixest', 'pandas', 'numpy', "
            "'statsmodels', 'pydantic') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_studies_lists_builtin():
    result = runner.invoke(app, ["studies"])
    assert result.exit_code == 0
    assert "trade-facilitation" in result.stdout


def test_help_and_version():
    assert runner.invoke(app, ["--help"]).exit_code == 0
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("hitex ")


def test_data_list_and_show(data_dir):
    result = runner.invoke(app, ["data", "list", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "wdi" in result.stdout and "wef_gcr" in result.stdout
    result = runner.invoke(app, ["data", "show", "wdi", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "World Bank" in result.stdout


def test_unknown_dataset_is_a_clean_error(data_dir):
    result = runner.invoke(app, ["data", "show", "no_such_data", "--data-dir", str(data_dir)])
    assert result.exit_code == 2
    assert "error:" in result.output and "wdi" in result.output
    assert "Traceback" not in result.output


def test_unknown_study_is_a_clean_error():
    result = runner.invoke(app, ["run", "no-such-study"])
    assert result.exit_code == 2
    assert "trade-facilitation" in result.output and "Traceback" not in result.output


def test_bad_data_dir_names_both_ways(tmp_path):
    result = runner.invoke(app, ["data", "list", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "--data-dir" in result.output and "HITEX_DATA_DIR" in result.output


def test_public_api_resolves():
    import hitex

    for name in hitex.__all__:
        assert getattr(hitex, name) is not None, name


def _terminal_width(text: str) -> int:
    from hitex.report.writers import display_width

    return max((display_width(line.rstrip()) for line in text.splitlines()), default=0)


def test_data_list_keeps_every_name_whole_in_80_columns(data_dir):
    from hitex.data.catalog import list_datasets

    names = list_datasets(data_dir)["name"].tolist()
    for columns in ("80", "60"):
        result = runner.invoke(app, ["data", "list", "--data-dir", str(data_dir)],
                               env={"COLUMNS": columns})
        assert result.exit_code == 0, result.output
        assert _terminal_width(result.stdout) <= int(columns)
        firsts = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
        assert [n for n in names if n not in firsts] == []  # each name whole, once, first
        assert "…" not in result.stdout  # nothing cut, long words folded
    assert "hitex data show NAME" in result.stdout


def test_data_list_keeps_a_long_folder_name_whole(tmp_path):
    for name in ("wdi", "wef_gcr"):
        (tmp_path / name).mkdir()
    long = "provincial_customs_records_by_mode_2016"  # 39 characters
    (tmp_path / long).mkdir()
    (tmp_path / long / "SOURCE.md").write_text("# Customs records\n", encoding="utf-8")
    result = runner.invoke(app, ["data", "list", "--data-dir", str(tmp_path)],
                           env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert any(line.startswith(long + " ") for line in result.stdout.splitlines())
    assert _terminal_width(result.stdout) <= 80
