"""``riskmap compute --exposure`` and return-period scenarios through the CLI."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from tests.helpers import X0, Y0, write_raster

from riskmap.cli import main
from riskmap.io.result import read_result


def _compute(communities, out, *extra):
    return main(
        ["-q", "compute", "--communities", str(communities), "--out", str(out)]
        + [str(e) for e in extra]
    )


@pytest.fixture
def population_tif(tmp_path) -> str:
    """People per 30 m pixel over the test raster's extent."""
    data = np.random.default_rng(5).poisson(4.0, (200, 240)).astype("float32")
    return str(write_raster(tmp_path / "pop.tif", data))


@pytest.fixture
def buildings_gpkg(tmp_path) -> str:
    """Building footprints with an upper-case households field."""
    boxes = [
        shapely.box(X0 + 2000 + 40 * k, Y0 - 2600, X0 + 2020 + 40 * k, Y0 - 2580)
        for k in range(20)
    ]
    path = tmp_path / "bld.gpkg"
    gpd.GeoDataFrame(
        {"HOUSEHOLDS": np.arange(20) % 3 + 1}, geometry=boxes, crs="EPSG:4545"
    ).to_file(path)
    return str(path)


def test_compute_with_exposure_and_scenarios(
    tmp_path, communities_gpkg, flood_tif, hazard_array, population_tif, buildings_gpkg
):
    """People, buildings, households per cell and community; scenario fields;
    the InaSAFE-style class table in RESULT.gpkg."""
    deep = write_raster(tmp_path / "d100.tif", hazard_array * 2)
    out = tmp_path / "r.gpkg"
    code = _compute(
        communities_gpkg,
        out,
        "--hazard",
        f"flood@10={flood_tif}",
        "--hazard",
        f"flood@100={deep}",
        "--exposure",
        f"population={population_tif}",
        "--exposure",
        f"buildings={buildings_gpkg}",
    )
    assert code == 0
    assert "exposure_classes" in {n for n, _ in pyogrio.list_layers(out)}
    result = read_result(out)
    cells, comm = result.cells, result.communities
    for col in ("people", "buildings", "households", "level_rp10", "eae_people"):
        assert col in cells.columns
    assert cells["buildings"].sum() == pytest.approx(20)
    assert cells["households"].sum() == pytest.approx(sum(np.arange(20) % 3 + 1))
    # per level sums add up to the totals
    levels = sum(comm[f"people_l{lv}"] for lv in (1, 2, 3, 4))
    np.testing.assert_allclose(levels, comm["people"], rtol=1e-9)
    assert (comm["eae_people"] >= 0).all()
    np.testing.assert_allclose(
        comm["eae_people"].sum(), cells["eae_people"].sum(), rtol=1e-9
    )
    # 100-year scenario is at least as severe as the 10-year one
    assert (cells["level_rp100"] <= cells["level_rp10"]).all()
    np.testing.assert_array_equal(cells["level"], cells["level_rp100"])
    classes = result.exposure_classes
    assert set(classes["hazard"]) == {"flood_rp10", "flood_rp100"}
    per_hazard = classes.groupby("hazard")["people"].sum()
    np.testing.assert_allclose(per_hazard, cells["people"].sum(), rtol=1e-9)
    assert result.run_info.model.level_rule == "max"
    # the GeoJSON export carries the fields, and the class table as CSV
    assert (
        main(["-q", "export", "geojson", str(out), "--out", str(tmp_path / "gj")]) == 0
    )
    comm_gj = gpd.read_file(tmp_path / "gj" / "communities.geojson")
    np.testing.assert_allclose(
        comm_gj["people"].sum(), cells["people"].sum(), rtol=1e-6
    )
    table = pd.read_csv(tmp_path / "gj" / "exposure_classes.csv", encoding="utf-8-sig")
    assert set(table["hazard"]) == {"flood_rp10", "flood_rp100"}


@pytest.mark.parametrize(
    ("hazards", "message"),
    [
        (["flood@0={f}"], "return period '0'"),
        (["flood@10={f}", "flood@10={f}"], "given twice"),
    ],
)
def test_bad_return_periods_exit_2(
    capsys, tmp_path, communities_gpkg, flood_tif, hazards, message
):
    """A return period of 0 or a duplicated one: exit 2 with one line."""
    args = []
    for h in hazards:
        args += ["--hazard", h.format(f=flood_tif)]
    assert _compute(communities_gpkg, tmp_path / "r.gpkg", *args) == 2
    err = capsys.readouterr().err.strip()
    assert message in err
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ({"community_id": ["Z1"], "population": [10]}, "no row matches"),
        ({"community_id": ["C1", "C2"], "人口": [10, -1]}, "negative population"),
    ],
)
def test_bad_population_table_exit_2(
    capsys, tmp_path, communities_gpkg, flood_tif, rows, message
):
    """A table matching no community or with negative people: exit 2, one line."""
    table = tmp_path / "pop.csv"
    pd.DataFrame(rows).to_csv(table, index=False)
    code = _compute(
        communities_gpkg,
        tmp_path / "r.gpkg",
        "--hazard",
        f"flood={flood_tif}",
        "--exposure",
        f"population={table}",
    )
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert message in err
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "r.gpkg").exists()


def test_matrix_rule_from_the_model(
    tmp_path, communities_gpkg, flood_tif, hazard_array, population_tif
):
    """A model selecting the matrix grades every scenario by likelihood × consequence;
    the headline level is the most severe scenario's and run_info names the rule."""
    from riskmap.model import default_model_path, load_model

    text = default_model_path().read_text(encoding="utf-8")
    model_path = tmp_path / "matrix.toml"
    model_path.write_text(
        text.replace('level_rule = "max"', 'level_rule = "matrix"'), encoding="utf-8"
    )
    model = load_model(model_path)
    assert model.level_rule == "matrix"
    deep = write_raster(tmp_path / "d100.tif", hazard_array * 2)
    out = tmp_path / "r.gpkg"
    code = _compute(
        communities_gpkg,
        out,
        "--hazard",
        f"flood@10={flood_tif}",
        "--hazard",
        f"flood@100={deep}",
        "--exposure",
        f"population={population_tif}",
        "--model",
        model_path,
    )
    assert code == 0
    result = read_result(out)
    cells = result.cells
    assert result.run_info.model.level_rule == "matrix"
    assert "矩阵" in result.run_info.model.summary_zh
    matrix = model.matrix
    for t in (10, 100):
        part = cells[f"score_hazard_rp{t}"].to_numpy()
        want = matrix.level_of(
            matrix.likelihood_of(t),
            matrix.consequence_of(part, cells["people"].to_numpy()),
        )
        np.testing.assert_array_equal(cells[f"level_rp{t}"], want)  # no points
    np.testing.assert_array_equal(
        cells["level"], np.minimum(cells["level_rp10"], cells["level_rp100"])
    )
    assert set(cells["level"]) != {4}  # the matrix grades some cells up
