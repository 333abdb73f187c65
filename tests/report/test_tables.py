"""Tests of the table model, its builders and the text/Markdown writers.

Every expected value is worked out by hand (the arithmetic is in the comments);
none comes from running the code under test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import pandas as pd
import pytest

from hitex.errors import ColumnNotFoundError, HitexError, NonNumericError, SpecificationError
from hitex.report.tables import (
    Cell,
    Row,
    Section,
    Table,
    comparison_table,
    descriptive_table,
    frame_table,
    regression_table,
)
from hitex.report.writers import WRITERS, display_width, to_markdown, to_text, write_table


# --------------------------------------------------------------------------- fakes
@dataclass(frozen=True)
class FakeSpec:
    depvar: str = "y"
    fixed_effects: tuple[str, ...] = ("country", "year")
    vcov_label: str = "Clustered (country)"
    formula: str = "y ~ x | country + year"
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class FakeResult:
    """The result contract tables consume, nothing more."""

    params: pd.Series
    std_errors: pd.Series
    pvalues: pd.Series
    nobs: int = 100
    rsquared: float = 0.5
    rsquared_within: float | None = None
    spec: FakeSpec = field(default_factory=FakeSpec)

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:  # pragma: no cover - unused
        raise NotImplementedError


def fake(coefs: dict[str, tuple[float, float, float]], **kwargs) -> FakeResult:
    """A result from {term: (estimate, std_error, p_value)}."""
    terms = list(coefs)
    return FakeResult(
        params=pd.Series([coefs[t][0] for t in terms], index=terms),
        std_errors=pd.Series([coefs[t][1] for t in terms], index=terms),
        pvalues=pd.Series([coefs[t][2] for t in terms], index=terms),
        **kwargs,
    )


def sp(n: int) -> str:
    """``n`` spaces, so expected text lines show their arithmetic."""
    return " " * n


def body(table: Table) -> list[tuple[str, ...]]:
    return [row.texts() for row in table.body_rows]


def row_of(table: Table, stub: str) -> tuple[str, ...]:
    rows = [r for r in body(table) if r[0] == stub]
    assert len(rows) == 1, f"expected one row {stub!r}, got {rows}"
    return rows[0]


@pytest.fixture
def two_models() -> list[FakeResult]:
    m1 = fake(
        {"tfi": (0.224, 0.085, 0.009), "gdp": (-1.5, 0.7, 0.04)},
        nobs=424,
        rsquared=0.031,
        rsquared_within=0.0123,
    )
    m2 = fake(
        {"tfi": (0.268, 0.091, 0.2)},
        nobs=1321,
        rsquared=0.151,
        spec=FakeSpec(fixed_effects=("year",)),
    )
    return [m1, m2]


# --------------------------------------------------------------------------- stars and cells
@pytest.mark.parametrize(
    ("p", "stars"),
    [
        (0.5, ""),
        (0.10, ""),  # not strictly below 0.10
        (0.0999, "*"),
        (0.05, "*"),  # exactly 0.05 is not below 0.05
        (0.0499, "**"),
        (0.01, "**"),
        (0.00999, "***"),
        (0.0, "***"),
        (float("nan"), ""),
    ],
)
def test_stars_at_thresholds(p: float, stars: str) -> None:
    table = regression_table(fake({"x": (1.0, 0.5, p)}))
    assert row_of(table, "x")[1] == "1.000" + stars


def test_custom_and_no_stars() -> None:
    res = fake({"x": (1.0, 0.5, 0.03)})
    assert row_of(regression_table(res, stars=(0.05, 0.01, 0.001)), "x")[1] == "1.000*"
    table = regression_table(res, stars=None)
    assert row_of(table, "x")[1] == "1.000"
    assert not any("p<" in note for note in table.notes)
    with pytest.raises(SpecificationError, match="between 0 and 1"):
        regression_table(res, stars=(5,))


def test_standard_error_formatting() -> None:
    res = fake({"x": (0.12345, 0.08549, 0.5), "z": (-2.0, 1.0, 0.9)})
    rows = body(regression_table(res, stats=()))
    # 0.12345 -> 0.123 and 0.08549 -> 0.085 at 3 decimals; the SE sits on the next row.
    assert rows[:4] == [("x", "0.123"), ("", "(0.085)"), ("z", "-2.000"), ("", "(1.000)")]
    rows = body(regression_table(res, digits=2, se_in="brackets", stats=()))
    assert rows[:2] == [("x", "0.12"), ("", "[0.09]")]
    table = regression_table(res, se_in="none", stats=())
    assert [r.role for r in table.body_rows if r.role in ("coef", "se")] == ["coef", "coef"]
    assert not any("Standard errors" in note for note in table.notes)
    with pytest.raises(SpecificationError, match="se_in"):
        regression_table(res, se_in="below")


def test_missing_term_is_blank_and_order_of_first_appearance(two_models) -> None:
    table = regression_table(two_models)
    coefs = [r.texts() for r in table.body_rows if r.role in ("coef", "se")]
    assert coefs == [
        ("tfi", "0.224***", "0.268"),
        ("", "(0.085)", "(0.091)"),
        ("gdp", "-1.500**", ""),
        ("", "(0.700)", ""),
    ]


def test_fixed_effect_rows(two_models) -> None:
    table = regression_table(two_models)
    # Without a label the row reads the variable name as written, not capitalised.
    assert row_of(table, "country FE") == ("country FE", "Yes", "No")
    assert row_of(table, "year FE") == ("year FE", "Yes", "Yes")
    table = regression_table(two_models, fe_labels={"year": "Year effects"})
    assert row_of(table, "Year effects") == ("Year effects", "Yes", "Yes")
    no_fe = fake({"x": (1.0, 0.5, 0.5)}, spec=FakeSpec(fixed_effects=()))
    table = regression_table(no_fe)
    assert [s.name for s in table.sections] == ["coefficients", "statistics"]


def test_statistics_rows(two_models) -> None:
    table = regression_table(two_models)
    assert row_of(table, "N") == ("N", "424", "1,321")
    assert row_of(table, "R-squared") == ("R-squared", "0.031", "0.151")
    assert row_of(table, "Within R-squared") == ("Within R-squared", "0.012", "")
    # A statistic no model has is left out; (name, label) pairs rename a row.
    m2 = two_models[1]
    table = regression_table([m2], stats=(("nobs", "Observations"), "rsquared_within"))
    assert [r.texts() for r in table.sections[-1].rows] == [("Observations", "1,321")]
    with pytest.raises(SpecificationError, match="adj_rsquared"):
        regression_table(two_models, stats=("adj_rsquared",))


def test_headers_titles_and_depvar(two_models) -> None:
    table = regression_table(two_models, titles=["OECD", "Non-OECD"])
    assert table.column_labels == ("", "(1)", "(2)")
    assert [r.texts() for r in table.header_rows] == [
        ("", "OECD", "Non-OECD"),
        ("", "Dependent variable: y", ""),
    ]
    assert table.header_rows[1].cells[1].span == 2
    by_name = regression_table({"OECD": two_models[0], "Non-OECD": two_models[1]})
    assert by_name.header_rows[0].texts() == ("", "OECD", "Non-OECD")
    other = replace(two_models[1], spec=FakeSpec(depvar="z"))
    table = regression_table([two_models[0], other], labels={"z": "Zed"}, depvar_row=True)
    assert table.header_rows[0].texts() == ("Dependent variable", "y", "Zed")
    assert regression_table(two_models, depvar_row=False).header_rows == ()
    with pytest.raises(SpecificationError, match="title"):
        regression_table(two_models, titles=["only one"])
    with pytest.raises(SpecificationError):
        regression_table([])


def test_labels_keep_drop_order(two_models) -> None:
    labelled = regression_table(two_models, labels={"tfi": "Tfi", "gdp": "Gdpp"})
    assert [r.texts()[0] for r in labelled.body_rows if r.role == "coef"] == ["Tfi", "Gdpp"]
    kept = regression_table(two_models, keep=["gdp"])
    assert [r.key for r in kept.body_rows if r.role == "coef"] == ["gdp"]
    dropped = regression_table(two_models, drop=["g*"])
    assert [r.key for r in dropped.body_rows if r.role == "coef"] == ["tfi"]
    ordered = regression_table(two_models, order=["gdp"])
    assert [r.key for r in ordered.body_rows if r.role == "coef"] == ["gdp", "tfi"]
    with pytest.raises(SpecificationError, match=r"'tif'.*Did you mean 'tfi'"):
        regression_table(two_models, keep=["tif"])


def test_terms_with_one_label_share_a_row(two_models) -> None:
    lagged = fake({"tfi_lag": (0.3, 0.1, 0.001)})
    table = regression_table([two_models[1], lagged], labels={"tfi_lag": "tfi"})
    assert row_of(table, "tfi") == ("tfi", "0.268", "0.300***")
    both = fake({"tfi": (1.0, 1.0, 0.5), "tfi_lag": (1.0, 1.0, 0.5)})
    with pytest.raises(SpecificationError, match="map to the label"):
        regression_table(both, labels={"tfi_lag": "tfi"})


def test_notes(two_models) -> None:
    table = regression_table(two_models, notes="Source: WDI.")
    assert table.notes == (
        "Standard errors in parentheses: Clustered (country).",
        "* p<0.10, ** p<0.05, *** p<0.01.",
        "Source: WDI.",
    )
    absorbed = "rd was absorbed by the fixed effects"
    m1 = replace(two_models[0], spec=FakeSpec(vcov_label="IID", notes=(absorbed,)))
    table = regression_table([m1, two_models[1]])
    assert table.notes == (
        "Standard errors in parentheses: IID in (1); Clustered (country) in (2).",
        "* p<0.10, ** p<0.05, *** p<0.01.",
        f"(1): {absorbed}",
    )


# --------------------------------------------------------------------------- descriptive
def test_descriptive_statistics_by_hand() -> None:
    df = pd.DataFrame({"a": [1, 2, 3, 4], "b": [1.5, None, 2.5, 3.0], "name": list("wxyz")})
    table = descriptive_table(df)  # text column "name" is skipped by default
    assert table.column_labels == ("Variable", "N", "Mean", "Std. dev.", "Min", "Max")
    # a: mean 10/4 = 2.5; squared deviations 2.25+0.25+0.25+2.25 = 5, sd = sqrt(5/3) = 1.291
    # (ddof=1; ddof=0 would give sqrt(5/4) = 1.118). Integer column: min/max without decimals.
    assert body(table)[0] == ("a", "4", "2.50", "1.29", "1", "4")
    # b: missing left out; mean 7/3 = 2.333; deviations -5/6, 1/6, 2/3 -> squares sum
    # 25/36 + 1/36 + 16/36 = 42/36, sd = sqrt(42/36 / 2) = 0.764
    assert math.isclose(math.sqrt(42 / 36 / 2), 0.7638, abs_tol=1e-4)
    assert body(table)[1] == ("b", "3", "2.33", "0.76", "1.50", "3.00")


def test_descriptive_options() -> None:
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0, 10.0], "one": [5.0, None, None, None]})
    table = descriptive_table(
        df,
        ["a", "one"],
        labels={"a": "Alpha"},
        descriptions={"a": "First variable"},
        stats=("N", "median", "SD"),
        digits=1,
        title="Table 2. Data description",
    )
    assert table.column_labels == ("Variable", "Description", "N", "Median", "Std. dev.")
    # median of 1, 2, 3, 10 = (2 + 3) / 2; sd of a single value is undefined -> blank
    assert body(table) == [
        ("Alpha", "First variable", "4", "2.5", "4.1"),
        ("one", "", "1", "5.0", ""),
    ]
    assert table.title == "Table 2. Data description"


def test_descriptive_errors() -> None:
    df = pd.DataFrame({"gdpp": [1.0, 2.0], "country": ["CHN", "USA"]})
    with pytest.raises(ColumnNotFoundError, match=r"'gdp'.*Did you mean 'gdpp'") as err:
        descriptive_table(df, ["gdp"])
    assert isinstance(err.value, HitexError)
    with pytest.raises(NonNumericError, match="'country'"):
        descriptive_table(df, ["gdpp", "country"])
    with pytest.raises(NonNumericError, match="no numeric column"):
        descriptive_table(df[["country"]])
    with pytest.raises(SpecificationError, match="p99"):
        descriptive_table(df, stats=("p99",))


# --------------------------------------------------------------------------- other builders
def test_comparison_table() -> None:
    rows = [
        {"term": "tfi", "paper": 0.224, "paper_se": 0.085, "hitex": 0.2301, "hitex_se": 0.09},
        {"term": "gdpp", "paper": 6.111, "hitex": None},
    ]
    table = comparison_table(rows, labels={"tfi": "Tfi"})
    assert table.column_labels == ("Term", "Paper", "hitex", "Difference")
    # 0.2301 - 0.224 = 0.0061 -> 0.006
    assert body(table) == [
        ("Tfi", "0.224 (0.085)", "0.230 (0.090)", "0.006"),
        ("gdpp", "6.111", "", ""),
    ]
    same = comparison_table(pd.DataFrame(rows), labels={"tfi": "Tfi"})
    assert body(same) == body(table)
    with pytest.raises(ColumnNotFoundError, match="'hitex'"):
        comparison_table([{"term": "x", "paper": 1.0}])
    with pytest.raises(NonNumericError, match="'abc'"):
        comparison_table([{"term": "x", "paper": "abc", "hitex": 1.0}])


def test_frame_table() -> None:
    df = pd.DataFrame({"a": [1, 2], "b": [0.5, None], "c": ["x", "y"]})
    table = frame_table(df, title="Generic", digits=2)
    assert table.column_labels == ("a", "b", "c")
    assert body(table) == [("1", "0.50", "x"), ("2", "", "y")]
    assert table.column_align == ("center", "center", "left")
    indexed = frame_table(df.set_index("c"))
    assert indexed.column_labels == ("c", "a", "b")
    assert body(indexed)[0] == ("x", "1", "0.500")


# --------------------------------------------------------------------------- model
def test_table_model_validation_and_frame(two_models) -> None:
    with pytest.raises(ValueError, match="covers 3 columns"):
        Table(("a", "b"), (Section("s", (Row.of(["1", "2", "3"]),)),))
    with pytest.raises(ValueError):
        Cell("x", span=0)
    table = regression_table(two_models, titles=["A", "B"])
    frame = table.to_frame()
    assert list(frame.columns) == ["", "(1)", "(2)"]
    assert frame.iloc[0].tolist() == ["", "A", "B"]
    assert frame.iloc[1].tolist() == ["", "Dependent variable: y", ""]
    assert len(table.to_frame(header=False)) == len(table.body_rows) == 9  # 4 + 2 FE + 3 stats
    assert str(table) == to_text(table)


# --------------------------------------------------------------------------- writers
def test_text_snapshot(two_models) -> None:
    table = regression_table(two_models, title="Table 1. Test")
    # Widths: stub 16 ("Within R-squared"); (1) 8 ("0.224***") and (2) 7 ("(0.091)"),
    # then the spanning "Dependent variable: y" (21 > 8 + 2 + 7 = 17) adds 4 columns
    # alternately: (1) 10, (2) 9. Total 16 + 2 + 10 + 2 + 9 = 39. Columns are 2 apart;
    # centring puts an odd space on the right: "(1)" in 10 -> 3 left, 4 right;
    # "0.224***" in 10 -> 1 left; "0.268" in 9 -> 2 left; "(0.085)" in 10 -> 1 left.
    expected = "\n".join(
        [
            "Table 1. Test",
            "=" * 39,
            sp(16 + 2 + 3) + "(1)" + sp(4 + 2 + 3) + "(2)",
            sp(16 + 2) + "Dependent variable: y",
            "-" * 39,
            "tfi" + sp(13 + 2 + 1) + "0.224***" + sp(1 + 2 + 2) + "0.268",
            sp(16 + 2 + 1) + "(0.085)" + sp(2 + 2 + 1) + "(0.091)",
            "gdp" + sp(13 + 2 + 1) + "-1.500**",
            sp(16 + 2 + 1) + "(0.700)",
            "country FE" + sp(6 + 2 + 3) + "Yes" + sp(4 + 2 + 3) + "No",
            "year FE" + sp(9 + 2 + 3) + "Yes" + sp(4 + 2 + 3) + "Yes",
            "N" + sp(15 + 2 + 3) + "424" + sp(4 + 2 + 2) + "1,321",
            "R-squared" + sp(7 + 2 + 2) + "0.031" + sp(3 + 2 + 2) + "0.151",
            "Within R-squared" + sp(2 + 2) + "0.012",
            "=" * 39,
            "Standard errors in parentheses: Clustered (country).",
            "* p<0.10, ** p<0.05, *** p<0.01.",
            "",
        ]
    )
    assert to_text(table) == expected


def test_text_section_rules_alignment_and_wrapping() -> None:
    table = Table(
        ("Name", "Value"),
        (
            Section("a", (Row.of(["x", "1"]),)),
            Section("b", (Row((Cell("longer"), Cell("2", align="right"))),)),
        ),
        notes=("word " * 20,),
        align=("left", "left"),
    )
    assert to_text(table, section_rules=True).splitlines() == [
        "=============",
        "Name    Value",
        "-------------",
        "x       1",
        "-------------",
        "longer      2",
        "=============",
        " ".join(["word"] * 15),  # 15 words take 74 columns, 16 would take 79 > 78
        " ".join(["word"] * 5),
    ]


def test_markdown_snapshot() -> None:
    table = Table(
        ("", "(1)", "(2)"),
        (
            Section(
                "coefficients",
                (Row.of(["tfi", "0.224***", "0.1"]), Row.of(["", "(0.085)", "(0.2)"])),
            ),
            Section("statistics", (Row.of(["N", "1,321", "40"]),)),
        ),
        header_rows=(Row((Cell(""), Cell("Dependent variable: y", span=2))),),
        title="Table 1. Test",
        notes=("* p<0.10, ** p<0.05, *** p<0.01.", "Note | 1"),
    )
    # The header rows are lines of the header cells, with the dependent variable's word in
    # the stub column; escaped stars make "0.224\*\*\*" 11 characters; widths 22, 11, 8.
    expected = "\n".join(
        [
            "**Table 1. Test**",
            "",
            "| <br>Dependent variable | (1)<br>y    | (2)<br>y |",
            "| :--------------------- | :---------: | :------: |",
            "| tfi                    | 0.224\\*\\*\\* | 0.1      |",
            "|                        | (0.085)     | (0.2)    |",
            "| N                      | 1,321       | 40       |",
            "",
            "\\* p\\<0.10, \\*\\* p\\<0.05, \\*\\*\\* p\\<0.01.",
            "",
            "Note \\| 1",
            "",
        ]
    )
    assert to_markdown(table) == expected


def test_markdown_escapes_block_starts() -> None:
    table = Table(
        ("a_b", "_x"), (Section("s", (Row.of(["ln_gdp", "1"]),)),), notes=("1. first", "- dash")
    )
    text = to_markdown(table)
    assert "| a_b    | \\_x |" in text  # intraword underscores stay as they are
    assert text.endswith("\n1\\. first\n\n\\- dash\n")


def test_display_width_counts_wide_characters() -> None:
    assert display_width("abc") == 3
    assert display_width("国家固定效应") == 12
    table = Table(("变量", "N"), (Section("s", (Row.of(["人均GDP", "4"]),)),))
    lines = to_text(table).splitlines()
    # "人均GDP" is 2 + 2 + 3 = 7 columns wide, so the stub column is 7 wide.
    assert lines[1] == "变量     N"
    assert lines[3] == "人均GDP  4"


def test_write_table(tmp_path, two_models) -> None:
    table = regression_table(two_models)
    paths = write_table(table, tmp_path / "out" / "table_3.1")
    assert paths == [tmp_path / "out" / "table_3.1.txt", tmp_path / "out" / "table_3.1.md"]
    assert paths[0].read_text(encoding="utf-8") == to_text(table)
    assert paths[1].read_text(encoding="utf-8") == to_markdown(table)
    assert write_table(table, tmp_path / "t.md") == [tmp_path / "t.md"]
    assert write_table(table, str(tmp_path / "u"), formats="txt") == [tmp_path / "u.txt"]
    assert {"txt", "md"} <= set(WRITERS)  # other formats register themselves too
    with pytest.raises(HitexError, match="docx"):
        write_table(table, tmp_path / "v", formats=("docx",))


def test_repeated_term_in_a_result_is_an_error() -> None:
    idx = ["x", "x"]
    bad = FakeResult(params=pd.Series([1.0, 2.0], index=idx),
                     std_errors=pd.Series([0.1, 0.2], index=idx),
                     pvalues=pd.Series([0.5, 0.5], index=idx))
    with pytest.raises(SpecificationError, match="more than once"):
        regression_table([bad])
