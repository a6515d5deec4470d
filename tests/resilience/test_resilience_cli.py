"""``riskmap resilience`` end to end on the bundled sample, and its exit codes."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from riskmap.cli import main
from riskmap.io.result import read_result
from riskmap.resources import sample_dir

LAYERS = sample_dir()
FOLDER = LAYERS / "resilience"
DIMENSIONS = ["风险识别能力", "资源保障能力", "社会协同能力", "恢复适应能力"]


@pytest.fixture
def sample_result(bazhong_result):
    """The five sample communities with points and shelters (computed once for
    the session, tests/conftest.py)."""
    return bazhong_result


def _args(out, *extra) -> list[str]:
    """resilience arguments on the sample folder."""
    return [
        "resilience",
        "--indicators",
        str(FOLDER / "indicators.csv"),
        "--sheet",
        str(FOLDER / "indicator_sheet.csv"),
        "--out",
        str(out),
        *extra,
    ]


def test_sample_run_writes_every_output(tmp_path, sample_result, capsys):
    """weights.csv, scores.csv, resilience.gpkg/.xlsx, summary.txt and the PNG map."""
    out = tmp_path / "res"
    ahp = str(FOLDER / "ahp.csv")
    assert main(_args(out, "--ahp", ahp, "--result", str(sample_result))) == 0
    weights = pd.read_csv(out / "weights.csv", encoding="utf-8-sig")
    assert list(weights.columns[:6]) == [
        "indicator",
        "dimension",
        "direction",
        "entropy_w",
        "ahp_w",
        "combined_w",
    ]
    assert len(weights) == 13
    for col in ("entropy_w", "ahp_w", "combined_w"):
        assert weights[col].sum() == pytest.approx(1.0, abs=1e-5)
    # the sample matrix's eigenvector gives 风险识别能力 0.4236 (README: 0.424)
    by_dim = weights.groupby("dimension")["ahp_w"].sum()
    assert by_dim["风险识别能力"] == pytest.approx(0.4236, abs=1e-3)
    scores = pd.read_csv(out / "scores.csv", encoding="utf-8-sig")
    head = ["community", "community_id", "closeness", *DIMENSIONS]
    assert list(scores.columns[:7]) == head
    assert "level" in scores
    assert scores["closeness"].between(0, 1).all()
    assert sorted(scores["rank"]) == [1, 2, 3, 4, 5]
    layer = gpd.read_file(out / "resilience.gpkg", layer="resilience")
    assert len(layer) == 5
    assert {"closeness", "level", *DIMENSIONS} <= set(layer.columns)
    assert {n for n, _ in pyogrio.list_layers(out / "resilience.gpkg")} >= {
        "resilience",
        "weights",
        "consistency",
    }
    sheets = pd.ExcelFile(out / "resilience.xlsx").sheet_names
    assert sheets == [
        "weights",
        "scores",
        "consistency",
        "indicators",
        "sensitivity",
        "ahp_matrix",
        "summary",
    ]
    summary = (out / "summary.txt").read_text(encoding="utf-8")
    assert "CR = 0.004" in summary
    assert "最薄弱维度" in summary
    assert "sensitivity: ±10 % on each weight" in summary
    assert (out / "resilience.png").stat().st_size > 10_000
    _assert_own_palette(out / "resilience.png")
    assert "weakest dimension" in capsys.readouterr().out


def _assert_own_palette(png) -> None:
    """The resilience map uses its sequential palette, never the risk colours."""
    import matplotlib.image as mpimg
    import numpy as np

    from riskmap.domain import load_level_styles
    from riskmap.resilience.report import RESILIENCE_COLOURS

    rgb = (mpimg.imread(png)[..., :3] * 255).round().astype(int)

    def share(hex_colour: str) -> float:
        target = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
        return (np.abs(rgb - target) <= 6).all(axis=-1).mean()

    for style in load_level_styles().values():
        assert share(style.color) < 0.001, style.name_en
    assert max(share(c) for c in RESILIENCE_COLOURS.values()) > 0.01


def test_auto_indicators_match_result(tmp_path, sample_result):
    """red_orange_share in the run equals (cells_l1 + cells_l2) / cells_n."""
    from riskmap.resilience import run_resilience

    res = run_resilience(
        FOLDER / "indicators.csv",
        sheet=FOLDER / "indicator_sheet.csv",
        result=sample_result,
    )
    comm = read_result(sample_result).communities.set_index("community_id")
    expected = (comm["cells_l1"] + comm["cells_l2"]) / comm["cells_n"]
    used = res.values.set_index("community")
    # the sample table is keyed by community_id
    assert used["red_orange_share"].to_dict() == pytest.approx(expected.to_dict())
    coverage = 1 - comm["area_uncovered_m2"] / comm["area_m2"]
    assert used["shelter_coverage"].to_dict() == pytest.approx(coverage.to_dict())
    assert res.weights.loc["red_orange_share", "direction"] == "-"
    points = read_result(sample_result).points
    open_points = points[points["status"] != "已销号"].groupby("community_id").size()
    assert used["unresolved_points"].to_dict() == open_points.to_dict()
    assert res.ahp is None  # no --ahp: equal dimension weights of 1/4
    by_dim = res.weights.groupby("dimension")["ahp_w"].sum()
    assert by_dim.to_numpy() == pytest.approx([0.25] * 4)


def test_inconsistent_matrix_exit_2(tmp_path, capsys):
    """CR ≥ 0.1: exit status 2, the CR and the pair on one line, nothing written."""
    bad = tmp_path / "ahp.csv"
    bad.write_text(
        ",风险识别能力,资源保障能力,社会协同能力,恢复适应能力\n"
        "风险识别能力,1,2,4,8\n资源保障能力,1/2,1,2,4\n"
        "社会协同能力,1/4,1/2,1,1/8\n恢复适应能力,1/8,1/4,8,1\n",
        encoding="utf-8",
    )
    table = tmp_path / "t.csv"
    frame = pd.read_csv(FOLDER / "indicators.csv")
    frame["red_orange_share"] = [0.1, 0.2, 0.3, 0.2, 0.1]
    frame["unresolved_points"] = [3, 1, 2, 5, 4]
    frame["shelter_coverage"] = [0.05, 0.1, 0.08, 0.09, 0.06]
    frame.to_csv(table, index=False)
    out = tmp_path / "res"
    args = ["resilience", "--indicators", str(table)]
    args += ["--sheet", str(FOLDER / "indicator_sheet.csv"), "--ahp", str(bad)]
    assert main([*args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "CR = 0." in err
    assert "社会协同能力 vs 恢复适应能力" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_bad_breaks_exit_2(tmp_path, capsys):
    """--breaks must be numbers."""
    table = tmp_path / "t.csv"
    table.write_text("community,a\n甲,1\n乙,2\n", encoding="utf-8")
    args = ["resilience", "--indicators", str(table), "--breaks", "low,high"]
    assert main([*args, "--out", str(tmp_path / "o")]) == 2
    assert "--breaks" in capsys.readouterr().err
