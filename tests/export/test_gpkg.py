"""RESULT.gpkg as GIS clients see it: declared types, GeoPackage 1.2, QGIS styles,
and the ``driver`` that explains each cell's level."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from xml.etree import ElementTree as ET

import geopandas as gpd
import numpy as np
import pytest
import shapely
from tests.helpers import write_raster

from riskmap.cli import main
from riskmap.domain import load_level_styles
from riskmap.export.geojson import write_geojson
from riskmap.io.result import read_result

needs_ogrinfo = pytest.mark.skipif(
    shutil.which("ogrinfo") is None, reason="ogrinfo missing: apt-get install gdal-bin"
)


@pytest.fixture
def result_gpkg(tmp_path, communities_gpkg, hazard_array, points_geojson):
    """compute on the disc and square communities with five risk points; flood
    depths scaled down so that points decide some cells."""
    flood_tif = write_raster(
        tmp_path / "low.tif",
        np.where(hazard_array > 0, hazard_array / 6, hazard_array).astype("float32"),
    )
    out = tmp_path / "r.gpkg"
    code = main(["-q", "compute", "--communities", str(communities_gpkg), "--hazard",
                 f"flood={flood_tif}", "--points", str(points_geojson),
                 "--out", str(out)])  # fmt: skip
    assert code == 0
    return out


def test_layers_declare_their_geometry_type_and_gpkg_1_2(result_gpkg):
    """Clipped (multi)polygon cells: MULTIPOLYGON, not GEOMETRY; user_version 10200."""
    with sqlite3.connect(result_gpkg) as con:
        types = dict(con.execute(
            "SELECT table_name, geometry_type_name FROM gpkg_geometry_columns"
        ).fetchall())  # fmt: skip
        version = con.execute("PRAGMA user_version").fetchone()[0]
    con.close()
    assert version == 10200
    assert types["cells"] in ("POLYGON", "MULTIPOLYGON")
    assert "GEOMETRY" not in types.values()
    cells = read_result(result_gpkg).cells
    assert len(cells) > 100


@needs_ogrinfo
def test_ogrinfo_opens_the_result_without_warnings(result_gpkg):
    """GDAL's ogrinfo (3.6 in CI, as with QGIS 3.22) lists typed layers, silently."""
    run = subprocess.run(["ogrinfo", "-q", str(result_gpkg)], capture_output=True,
                         text=True, check=True)  # fmt: skip
    assert "Warning" not in run.stderr + run.stdout
    assert "cells (Multi Polygon)" in run.stdout or "cells (Polygon)" in run.stdout
    assert "points (Point)" in run.stdout


def test_layer_styles_colour_cells_by_level_and_points_by_category(result_gpkg):
    """layer_styles holds a default QML + SLD per layer; QML categories use the
    levels.toml colours, SLD has one rule per level."""
    with sqlite3.connect(result_gpkg) as con:
        rows = con.execute(
            "SELECT f_table_name, f_geometry_column, styleQML, styleSLD, useAsDefault"
            " FROM layer_styles"
        ).fetchall()
        listed = con.execute(
            "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'"
        ).fetchone()
        columns = dict(
            con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns")
        )
    con.close()
    assert listed == ("attributes",)
    styles = {r[0]: r for r in rows}
    assert {"cells", "communities", "points"} <= set(styles)
    assert all(r[1] == columns[r[0]] and r[4] == 1 for r in rows)
    qml = ET.fromstring(styles["cells"][2].split("\n", 1)[1])
    renderer = qml.find("renderer-v2")
    assert renderer.get("type") == "categorizedSymbol"
    assert renderer.get("attr") == "level"
    values = [c.get("value") for c in renderer.iter("category")]
    assert values == ["1", "2", "3", "4"]
    colours = [
        o.get("value") for o in renderer.iter("Option") if o.get("name") == "color"
    ]
    for style, colour in zip(load_level_styles().values(), colours, strict=True):
        rgb = ",".join(str(int(style.color[i : i + 2], 16)) for i in (1, 3, 5))
        assert colour == f"{rgb},255"
    sld = ET.fromstring(styles["cells"][3].encode())
    literals = [e.text for e in sld.iter("{http://www.opengis.net/ogc}Literal")]
    assert literals == ["1", "2", "3", "4"]
    points = ET.fromstring(styles["points"][2].split("\n", 1)[1])
    assert points.find("renderer-v2").get("attr") == "category"


def test_every_cell_says_why_it_has_its_level(result_gpkg, tmp_path):
    """driver names the hazard and its value or the point that set the level."""
    result = read_result(result_gpkg)
    cells = result.cells
    assert cells["driver"].notna().all()
    by_hazard = cells[cells["score_hazard"] >= cells["score_points"]]
    by_hazard = by_hazard[by_hazard["score_hazard"] > 0]
    row = by_hazard.iloc[0]
    assert row["driver"] == f"flood max {row['flood_max']:.3g} m"
    by_point = cells[cells["score_points"] > cells["score_hazard"]]
    assert not by_point.empty
    texts = set(by_point["driver"])
    assert any(t.startswith("point ") and "(滑坡, 1)" in t for t in texts), texts
    inside = result.points[result.points["type"] == "滑坡"]["cell_id"].iloc[0]
    assert cells.set_index("cell_id").loc[inside, "driver"].endswith("(滑坡, 1)")
    write_geojson(result, tmp_path / "gj")
    feature = json.loads((tmp_path / "gj" / "cells.geojson").read_text())["features"][0]
    assert "driver" in feature["properties"]


def test_cells_without_any_input_say_so():
    """No hazard data and no point: 'no hazard data'; hazard 0 and no point: 'none'."""
    from riskmap.core.drivers import cell_drivers
    from riskmap.model import load_model

    cells = gpd.GeoDataFrame(
        {"score_hazard": [0.0, 0.0], "score_points": [0.0, 0.0],
         "hazard_data": [False, True], "flood_max": [np.nan, 0.1]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
    )  # fmt: skip
    out = cell_drivers(
        cells, {"flood": np.zeros(2)}, None, np.full(2, -1), load_model()
    )
    assert list(out) == ["no hazard data", "none"]
