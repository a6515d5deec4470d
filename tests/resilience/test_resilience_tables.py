"""Reading indicator tables, sheets and AHP matrices; bad inputs and their messages."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from riskmap.domain import GridSpec, RiskResult, RunInfo
from riskmap.errors import InputDataError, RiskmapWarning
from riskmap.resilience import run_resilience
from riskmap.resilience.auto_indicators import auto_indicators
from riskmap.resilience.tables import read_ahp_matrix, read_indicators, read_sheet

SHEET = "indicator,dimension,direction\na,D1,+\nb,D1,-\nc,D2,+\n"
TABLE = "community,a,b,c\n甲,1,4,2\n乙,2,3,5\n丙,4,1,3\n"


def _write(tmp_path, name: str, text: str):
    """Write a UTF-8 text file and return its path."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_survey_rows_are_averaged(tmp_path):
    """Two responses for 甲 (1 and 3) average to 2; the names keep their order."""
    path = _write(tmp_path, "survey.csv", "社区,a\n甲,1\n乙,5\n甲,3\n")
    table = read_indicators(path)
    assert table.responses == 3
    assert table.values["a"].to_dict() == {"甲": 2.0, "乙": 5.0}


def test_missing_community_names_the_row(tmp_path):
    """A row without a community: 'row 3' (the header is row 1)."""
    path = _write(tmp_path, "t.csv", "community,a\n甲,1\n,2\n")
    with pytest.raises(InputDataError, match=r"row 3 has no community"):
        read_indicators(path)


def test_no_community_column(tmp_path):
    """Without any community column the message lists the columns found."""
    path = _write(tmp_path, "t.csv", "place,a\n甲,1\n")
    with pytest.raises(InputDataError, match=r"no community column.*place, a"):
        read_indicators(path)


def test_text_in_numeric_column(tmp_path):
    """'很多' in column a, row 3: named with the column and the value."""
    path = _write(tmp_path, "t.csv", "community,a\n甲,1\n乙,很多\n")
    with pytest.raises(InputDataError, match=r"column 'a', row 3: '很多' is not"):
        read_indicators(path)


def test_constant_column_through_run(tmp_path):
    """A user column equal everywhere is refused by name."""
    table = _write(tmp_path, "t.csv", "community,a,b,c\n甲,1,4,7\n乙,2,3,7\n")
    sheet = _write(tmp_path, "s.csv", SHEET)
    with pytest.raises(InputDataError, match=r"indicator 'c' has the same value \(7\)"):
        run_resilience(table, sheet=sheet)


def test_sheet_indicator_missing_from_table(tmp_path):
    """A sheet indicator absent from the table (and not automatic) is named."""
    table = _write(tmp_path, "t.csv", "community,a,b\n甲,1,4\n乙,2,3\n")
    sheet = _write(tmp_path, "s.csv", SHEET)
    with pytest.raises(InputDataError, match=r"indicator 'c' of the indicator sheet"):
        run_resilience(table, sheet=sheet)


def test_empty_value_is_refused(tmp_path):
    """An empty cell names the community and the indicator."""
    table = _write(tmp_path, "t.csv", "community,a,b,c\n甲,1,4,2\n乙,,3,5\n")
    sheet = _write(tmp_path, "s.csv", SHEET)
    with pytest.raises(InputDataError, match=r"'乙' has no value for indicator 'a'"):
        run_resilience(table, sheet=sheet)


def test_sheet_directions(tmp_path):
    """正/负 and +/- are read; anything else is refused with the row."""
    sheet = read_sheet(_write(tmp_path, "s.csv", "指标,维度,方向\na,D,正\nb,D,负\n"))
    assert sheet["direction"].tolist() == ["+", "-"]
    bad = _write(tmp_path, "bad.csv", "indicator,dimension,direction\na,D,up\n")
    with pytest.raises(InputDataError, match=r"row 2: direction 'up'"):
        read_sheet(bad)


def test_ahp_matrix_with_fractions(tmp_path):
    """Header and first column name the dimensions; 1/2 is read as 0.5."""
    path = _write(tmp_path, "ahp.csv", ",D1,D2\nD1,1,2\nD2,1/2,1\n")
    names, a, _ = read_ahp_matrix(path)
    assert names == ["D1", "D2"]
    np.testing.assert_allclose(a, [[1, 2], [0.5, 1]])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (",D1,D2\nD1,1,2\nD2,1/3,1\n", "not reciprocal"),
        (",D1,D2\nD1,1,2\nD3,1/2,1\n", "square with the same dimension names"),
        (",D1,D2\nD1,1,x\nD2,1/2,1\n", r"\(D1, D2\) = 'x' must be a positive"),
    ],
)
def test_bad_ahp_matrices(tmp_path, text, message):
    """Non-reciprocal, mislabelled and non-numeric matrices: clear messages."""
    with pytest.raises(InputDataError, match=message):
        read_ahp_matrix(_write(tmp_path, "ahp.csv", text))


def test_ahp_names_must_match_sheet(tmp_path):
    """The matrix's dimensions must be the sheet's."""
    table = _write(tmp_path, "t.csv", TABLE)
    sheet = _write(tmp_path, "s.csv", SHEET)
    ahp = _write(tmp_path, "ahp.csv", ",D1,X\nD1,1,2\nX,1/2,1\n")
    with pytest.raises(InputDataError, match="dimensions are D1, D2"):
        run_resilience(table, sheet=sheet, ahp=ahp)


def test_xlsx_inputs_and_full_run(tmp_path):
    """XLSX table and sheet; weights sum to 1; the best community ranks first.

    丙 is best on a (+) and b (-), 乙 on c: with AHP D1:D2 = 3:1 (w .75/.25),
    丙 has the highest closeness and D1's AHP weight is 0.75.
    """
    table = pd.read_csv(_write(tmp_path, "t.csv", TABLE))
    sheet = pd.read_csv(_write(tmp_path, "s.csv", SHEET))
    table.to_excel(tmp_path / "t.xlsx", index=False)
    sheet.to_excel(tmp_path / "s.xlsx", index=False)
    ahp = _write(tmp_path, "ahp.csv", ",D1,D2\nD1,1,3\nD2,1/3,1\n")
    res = run_resilience(tmp_path / "t.xlsx", sheet=tmp_path / "s.xlsx", ahp=ahp)
    w = res.weights
    assert w["combined_w"].sum() == pytest.approx(1.0)
    assert w.loc[["a", "b"], "ahp_w"].sum() == pytest.approx(0.75)
    assert w.loc["c", "ahp_w"] == pytest.approx(0.25)
    best = res.scores.sort_values("rank").iloc[0]
    assert best["community"] == "丙"
    assert list(res.scores.columns[:5]) == [
        "community",
        "closeness",
        "D1",
        "D2",
        "level",
    ]
    assert res.ahp is not None
    assert res.ahp.cr == 0.0


def _risk_result() -> RiskResult:
    """Two communities with cell counts, coverage areas and three ledger points."""
    communities = gpd.GeoDataFrame(
        {
            "community_id": ["C1", "C2"],
            "community": ["甲", "乙"],
            "cells_n": [10, 4],
            "cells_l1": [1, 0],
            "cells_l2": [2, 1],
            "area_m2": [1000.0, 400.0],
            "area_uncovered_m2": [250.0, 400.0],
        },
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        crs="EPSG:4545",
    )
    points = pd.DataFrame(
        {
            "community_id": ["C1", "C1", "C2", None],
            "status": ["待整改", "已销号", None, "整改中"],
        }
    )
    run = RunInfo(crs=str(communities.crs.to_wkt()), grid=GridSpec(100.0))
    return RiskResult(communities.iloc[:0], communities, points, run)


def test_auto_indicators_from_result():
    """red/orange = (1+2)/10 and 1/4; coverage = 1 - 250/1000 and 0;
    unresolved: C1 has 待整改 (yes) + 已销号 (no) = 1; C2's point has no status = 1;
    the point outside every community is not counted."""
    known = auto_indicators(_risk_result())
    assert known["red_orange_share"].tolist() == [0.3, 0.25]
    assert known["shelter_coverage"].tolist() == [0.75, 0.0]
    assert known["unresolved_points"].tolist() == [1.0, 1.0]


def test_auto_fill_by_name_and_constant_auto_dropped(tmp_path):
    """Table communities given by name; unresolved_points (1, 1) is constant: warned
    and left out, the other two automatic indicators fill in."""
    table = _write(tmp_path, "t.csv", "社区,x\n甲,1\n乙,2\n")
    sheet = _write(
        tmp_path,
        "s.csv",
        "indicator,dimension,direction\nx,D,+\nred_orange_share,D,-\n"
        "避难场所覆盖率,D,+\nunresolved_points,D,-\n",
    )
    with pytest.warns(RiskmapWarning, match="unresolved_points"):
        res = run_resilience(table, sheet=sheet, result=_risk_result())
    assert list(res.weights.index) == ["x", "red_orange_share", "避难场所覆盖率"]
    assert res.scores["community_id"].tolist() == ["C1", "C2"]
    assert res.communities is not None
    assert len(res.communities) == 2


def test_community_not_in_result(tmp_path):
    """A table community absent from RESULT.gpkg is named."""
    table = _write(tmp_path, "t.csv", "社区,x\n甲,1\n丁,2\n")
    sheet = _write(
        tmp_path,
        "s.csv",
        "indicator,dimension,direction\nx,D,+\nred_orange_share,D,-\n",
    )
    with pytest.raises(InputDataError, match=r"community '丁' is not in RESULT.gpkg"):
        run_resilience(table, sheet=sheet, result=_risk_result())


def test_auto_indicator_without_result(tmp_path):
    """An automatic indicator needs --result when the table lacks it."""
    table = _write(tmp_path, "t.csv", "社区,x\n甲,1\n乙,2\n")
    sheet = _write(
        tmp_path,
        "s.csv",
        "indicator,dimension,direction\nx,D,+\nshelter_coverage,D,+\n",
    )
    with pytest.raises(InputDataError, match="give --result"):
        run_resilience(table, sheet=sheet)


def test_one_community_is_refused(tmp_path):
    """The index compares communities: one is not enough."""
    table = _write(tmp_path, "t.csv", "community,a\n甲,1\n")
    with pytest.raises(InputDataError, match="at least 2"):
        run_resilience(table)


def test_unreadable_ahp_matrix(tmp_path):
    """An empty matrix file is an input error, not a traceback."""
    table = _write(tmp_path, "t.csv", TABLE)
    ahp = _write(tmp_path, "ahp.csv", "")
    with pytest.raises(InputDataError, match="cannot read the AHP matrix"):
        run_resilience(table, ahp=ahp)


def test_columns_outside_the_sheet_are_noted(tmp_path):
    """A table column the sheet does not list is left out, and the notes say so."""
    table = _write(tmp_path, "t.csv", "community,a,b,c,z\n甲,1,4,2,9\n乙,2,3,5,8\n")
    res = run_resilience(table, sheet=_write(tmp_path, "s.csv", SHEET))
    assert list(res.weights.index) == ["a", "b", "c"]
    assert "columns not in the indicator sheet, ignored: z" in res.notes
