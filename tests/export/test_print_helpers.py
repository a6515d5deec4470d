"""Synthetic RiskResults with hand-known geometry for the print-map tests."""

from __future__ import annotations

import shutil

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS

from riskmap.domain import RiskResult, RunInfo
from riskmap.export.printmap.context import MapPlan, plan_map
from riskmap.export.printmap.layout import PageLayout
from riskmap.fonts import find_cjk_font

SIZE = 100.0
X0, Y0 = 420_000.0, 3_496_000.0  # south-west corner of community A (EPSG:4545)
NAME_A, NAME_B = "甲社区", "乙社区"

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("pdftotext")),
    reason="pdftoppm/pdftotext missing: apt-get install poppler-utils",
)
needs_cjk = pytest.mark.skipif(
    find_cjk_font() is None, reason="no CJK font: apt-get install fonts-noto-cjk"
)


def _cells(cid: str, name: str, x0: float, y0: float, ncols: int, nrows: int) -> list:
    """Cell records of a community: level by column band (quarters: 1, 2, 3, 4)."""
    rows = []
    for r in range(nrows):
        for c in range(ncols):
            left, bottom = x0 + c * SIZE, y0 + r * SIZE
            row = round((1.0e7 - (bottom + SIZE)) / SIZE)
            col = round(left / SIZE)
            level = 1 + (4 * c) // ncols
            rows.append(
                {
                    "cell_id": f"{cid}-{row}-{col}",
                    "community_id": cid,
                    "community": name,
                    "row": row,
                    "col": col,
                    "full": True,
                    "area_m2": SIZE * SIZE,
                    "flood_mean": float(c) / 4,
                    "level": level,
                    "geometry": shapely.box(left, bottom, left + SIZE, bottom + SIZE),
                }
            )
    return rows


def _community(cid, name, x0, y0, w, h, cells) -> dict:
    """The community summary row of *cells*."""
    mine = [c for c in cells if c["community_id"] == cid]
    out = {"community_id": cid, "community": name, "cells_n": len(mine)}
    for lv in range(1, 5):
        sel = [c for c in mine if c["level"] == lv]
        out[f"cells_l{lv}"] = len(sel)
        out[f"area_l{lv}_m2"] = len(sel) * SIZE * SIZE
    out["max_level"] = min(c["level"] for c in mine)
    out["area_m2"] = w * h
    out["geometry"] = shapely.box(x0, y0, x0 + w, y0 + h)
    return out


def synthetic_result(two: bool = False, coverage: bool = False) -> RiskResult:
    """Community A: 2000 m x 1000 m at (X0, Y0), levels 1-4 in 500 m bands (west to
    east); optional community B east of it; 3 points, 2 shelters."""
    crs = "EPSG:4545"
    cells = _cells("A", NAME_A, X0, Y0, 20, 10)
    comms = [_community("A", NAME_A, X0, Y0, 2000, 1000, cells)]
    if two:
        cells += _cells("B", NAME_B, X0 + 3000, Y0, 8, 8)
        comms.append(_community("B", NAME_B, X0 + 3000, Y0, 800, 800, cells))
    cell_gdf = gpd.GeoDataFrame(cells, crs=crs)
    points = gpd.GeoDataFrame(
        {
            "point_id": ["P1", "P2", "P3"],
            "name": ["甲滑坡点", "甲内涝点", "甲学校"],
            "type": ["滑坡", "内涝点", "学校"],
            "category": ["地", "地", "人"],
            "level": [1, 2, 4],
            "responsible": ["张三", "李四", None],
            "community_id": ["A", "A", "A"],
            "community": [NAME_A] * 3,
        },
        geometry=gpd.points_from_xy(
            [X0 + 250, X0 + 750, X0 + 1750], [Y0 + 850, Y0 + 150, Y0 + 850]
        ),
        crs=crs,
    )
    cell_ids = []
    for p in points.geometry:
        hit = cell_gdf[cell_gdf.contains(p)]
        cell_ids.append(hit["cell_id"].iloc[0])
    points["cell_id"] = cell_ids
    resources = gpd.GeoDataFrame(
        {
            "resource_id": ["S1", "S2"],
            "name": ["近避难场所", "远避难场所"],
            "type": ["避难场所", "避难场所"],
            "capacity": [800.0, 300.0],
            "address": ["甲路1号", "乙路9号"],
        },
        geometry=gpd.points_from_xy([X0 + 600, X0 + 1900], [Y0 - 200, Y0 - 300]),
        crs=crs,
    )
    cov = None
    if coverage:
        comms[0]["red_orange_uncovered_share"] = 0.5
        comms[0]["capacity_ratio"] = 0.25
        cov = gpd.GeoDataFrame(
            {
                "community_id": ["A"],
                "community": [NAME_A],
                "resource_type": ["shelter"],
                "label": ["避难场所"],
                "radius_m": [500.0],
                "status": ["uncovered"],
                "area_m2": [500_000.0],
            },
            geometry=[shapely.box(X0 + 1500, Y0, X0 + 2000, Y0 + 1000)],
            crs=crs,
        )
    info = {
        "riskmap_version": "test",
        "created_at": "2026-06-01T00:00:00+00:00",
        "crs": CRS.from_epsg(4545).to_wkt(),
        "crs_name": "EPSG:4545",
        "cell_size_m": SIZE,
        "model_summary_zh": "测试模型",
        "hazards": [
            {"name": "flood", "kind": "raster", "label_zh": "洪水淹没水深", "unit": "m"}
        ],
    }
    return RiskResult(
        cell_gdf,
        gpd.GeoDataFrame(comms, crs=crs),
        points,
        RunInfo.from_items(info),
        resources,
        cov,
    )


def rgb_close(image: np.ndarray, hex_colour: str, tol: int = 30) -> np.ndarray:
    """Mask of pixels within *tol* of *hex_colour* in every channel."""
    target = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    return (np.abs(image[..., :3].astype(int) - target) <= tol).all(axis=-1)


def community_plan(result: RiskResult, name: str, layout: PageLayout) -> MapPlan:
    """The map plan of a community's page, to measure its scale on the image."""
    row = result.communities[result.communities["community"] == name]
    return plan_map(tuple(row.total_bounds), layout)
