"""Build the bundled Bazhong sample in ``layers/`` from the real public data.

Inputs (``--shared``, default ``../shared/data/bazhong``; see its SOURCES.md):
county and city boundaries (WGS84 and GCJ-02 copies), a 3-arc-second DEM tile,
WDB2 river lines and 2020 census population. Outputs are described in
``layers/README.md``. Deterministic: the same inputs give the same files.

    python scripts/build_sample.py [--flood-stage 8] [--max-distance 3000]
    python scripts/build_sample.py --only exposure   # population grid, buildings,
                                                     # flood scenarios only
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from rasterio import features
from rasterio.warp import Resampling, calculate_default_transform, reproject
from scipy import ndimage

ROOT = Path(__file__).resolve().parents[1]
CRS = "EPSG:4545"  # CGCS2000 / 3-degree Gauss-Kruger CM 108E
PIXEL = 90.0
NODATA = -9999.0
SEAT = (107.10, 31.56)  # 平昌 county seat, 江口
SLOPE_BREAKS = (
    10.0,
    20.0,
    30.0,
)  # degrees: 1 低 <10, 2 中 10-20, 3 高 20-30, 4 极高 >=30
SEED = 20261125
GEOJSON = {
    "driver": "GeoJSON",
    "engine": "pyogrio",
    "layer_options": {"RFC7946": "YES", "COORDINATE_PRECISION": 7},
}


def copy_vectors(shared: Path, out: Path) -> None:
    """Copy the real boundaries, rivers and census table."""
    for name in (
        "bazhong_city.geojson",
        "bazhong_counties.geojson",
        "bazhong_counties_gcj02.geojson",
    ):
        shutil.copyfile(shared / "boundaries" / name, out / name)
    shutil.copyfile(shared / "rivers" / "rivers_wdb2.geojson", out / "rivers.geojson")
    shutil.copyfile(
        shared / "population" / "bazhong_pop2020.csv", out / "population.csv"
    )


def warp_dem(shared: Path, out: Path) -> tuple[np.ndarray, dict]:
    """Reproject the DEM tile to EPSG:4545 at 90 m (bilinear) and write dem.tif."""
    with rasterio.open(shared / "dem" / "bazhong_dem_N31E107.tif") as src:
        transform, width, height = calculate_default_transform(
            src.crs, CRS, src.width, src.height, *src.bounds, resolution=PIXEL
        )
        dem = np.full((height, width), NODATA, dtype="float32")
        reproject(
            src.read(1),
            dem,
            src_transform=src.transform,
            src_crs=src.crs,
            src_nodata=src.nodata,
            dst_transform=transform,
            dst_crs=CRS,
            dst_nodata=NODATA,
            resampling=Resampling.bilinear,
        )
    profile = {
        "driver": "GTiff",
        "height": height,
        "width": width,
        "count": 1,
        "dtype": "float32",
        "crs": CRS,
        "transform": transform,
        "nodata": NODATA,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "deflate",
        "predictor": 3,
    }
    write_raster(out / "dem.tif", dem, profile)
    return dem, profile


def write_raster(path: Path, data: np.ndarray, profile: dict) -> None:
    """Write one band with *profile* (dtype taken from the data)."""
    prof = dict(profile, dtype=str(data.dtype))
    if data.dtype == np.uint8:
        prof.update(nodata=0, predictor=2)
    with rasterio.open(path, "w", **prof) as dst:
        dst.write(data, 1)


def river_mask(
    rivers: gpd.GeoDataFrame, profile: dict, valid: np.ndarray
) -> np.ndarray:
    """River cells on the DEM grid (all touched), inside the DEM."""
    lines = rivers.to_crs(CRS).geometry
    mask = features.rasterize(
        ((g, 1) for g in lines),
        out_shape=valid.shape,
        transform=profile["transform"],
        all_touched=True,
    )
    return (mask > 0) & valid


def flood_depth(dem: np.ndarray, rivers: np.ndarray, stage: float, max_dist: float):
    """Flood depth = stage - HAND (height above nearest drainage), at least 0.

    River elevations are snapped to the lowest DEM value within ~630 m (15 x 15), as
    WDB2 lines lie a few hundred metres off the true channels; ground lower than its
    nearest river cell (HAND < 0: that line is not its real channel) counts as
    HAND 0, so no depth exceeds the stage.
    """
    valid = dem != NODATA
    ground = np.where(valid, dem, np.inf)
    channel = ndimage.minimum_filter(ground, size=15)
    dist, (ri, rj) = ndimage.distance_transform_edt(~rivers, return_indices=True)
    hand = np.maximum(dem - channel[ri, rj], 0.0)  # ground below its river: 0
    depth = np.clip(stage - hand, 0.0, None).astype("float32")
    depth[dist * PIXEL > max_dist] = 0.0
    depth[~valid] = NODATA
    return depth


def slope_classes(dem: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Slope in degrees and its susceptibility class 1-4 (0 = no data)."""
    valid = dem != NODATA
    filled = np.where(valid, dem, np.nanmean(np.where(valid, dem, np.nan)))
    gy, gx = np.gradient(filled.astype("float64"), PIXEL)
    slope = np.degrees(np.arctan(np.hypot(gx, gy)))
    classes = (np.searchsorted(SLOPE_BREAKS, slope, side="right") + 1).astype("uint8")
    classes[~valid] = 0
    return slope, classes


def make_communities(shared: Path, dem_valid: shapely.Geometry) -> gpd.GeoDataFrame:
    """Five illustrative communities: Voronoi cells of seeds along the 巴河."""
    rivers = gpd.read_file(shared / "rivers" / "rivers_wdb2.geojson").to_crs(CRS)
    counties = gpd.read_file(shared / "boundaries" / "bazhong_counties.geojson").to_crs(
        CRS
    )
    pingchang = counties.loc[counties["name"] == "平昌县"].geometry.iloc[0]
    seat = gpd.GeoSeries([shapely.Point(SEAT)], crs="EPSG:4326").to_crs(CRS).iloc[0]
    # WDB2 has no names: take the longest line through 平昌县 that passes the seat
    near = rivers[rivers.distance(seat) < 5000]
    river = near.geometry.iloc[int(np.argmax(near.intersection(pingchang).length))]
    river = shapely.line_merge(river) if river.geom_type != "LineString" else river
    if river.geom_type == "MultiLineString":
        river = max(river.geoms, key=lambda g: g.length)
    at = river.project(seat)
    seeds = [river.interpolate(at + d) for d in (-7000, -3500, 0, 3500, 7000)]
    cells = shapely.voronoi_polygons(
        shapely.MultiPoint(seeds), extend_to=river.buffer(20_000)
    ).geoms
    area = river.buffer(2500).intersection(pingchang).intersection(dem_valid)
    ordered = [
        next(c for c in cells if c.contains(s)).intersection(s.buffer(3500))
        for s in seeds
    ]
    return _community_table(ordered, area, counties)


NAMES = [
    ("示例社区一（江口上游·虚构）", "Demo community 1 (upstream, fictitious)"),
    ("示例社区二（江口西·虚构）", "Demo community 2 (west, fictitious)"),
    ("示例社区三（江口·虚构）", "Demo community 3 (Jiangkou, fictitious)"),
    ("示例社区四（江口东·虚构）", "Demo community 4 (east, fictitious)"),
    ("示例社区五（江口下游·虚构）", "Demo community 5 (downstream, fictitious)"),
]


def _community_table(polys, area, counties) -> gpd.GeoDataFrame:
    """Attribute table of the five communities (population is illustrative)."""
    geoms = [_largest_part(p.intersection(area)) for p in polys]
    gdf = gpd.GeoDataFrame(
        {
            "community_id": [f"DEMO-PC-{i + 1:02d}" for i in range(len(geoms))],
            "name": [n for n, _ in NAMES],
            "name_en": [e for _, e in NAMES],
            "county": "平昌县",
            "county_code": "511923",
        },
        geometry=geoms,
        crs=CRS,
    )
    # illustrative population: 平昌县's urban population (263,361) shared by area,
    # scaled to the sample's share of the county (rounded to 10 people)
    share = gdf.area / gdf.area.sum()
    gdf["population"] = (share * 263_361 * 0.25 / 10).round().astype(int) * 10
    gdf["illustrative"] = True
    return gdf


def _largest_part(geom: shapely.Geometry) -> shapely.Geometry:
    """The largest polygon of a (multi)polygon, so communities are contiguous."""
    if geom.geom_type == "MultiPolygon":
        return max(geom.geoms, key=lambda g: g.area)
    return geom


POINT_PLAN = [  # (type, category, per community, where)
    ("滑坡", "地", 5, "steep"),
    ("崩塌", "地", 2, "steep"),
    ("内涝点", "地", 3, "flooded"),
    ("危房", "物", 2, "flooded"),
    ("燃气", "物", 1, "flat"),
    ("加油站", "物", 1, "flat"),
    ("消防", "物", 1, "flat"),
    ("学校", "人", 1, "flat"),
    ("弱势人员", "人", 2, "flooded"),
]


def make_points(comms, depth, slope, profile, rng) -> gpd.GeoDataFrame:
    """Illustrative risk-ledger records placed on the real terrain."""
    rows = []
    for _, comm in comms.iterrows():
        inside = (
            features.rasterize(
                [comm.geometry], out_shape=depth.shape, transform=profile["transform"]
            )
            > 0
        )
        for kind, category, count, where in POINT_PLAN:
            for r, c in _pick_cells(inside, depth, slope, where, count, rng):
                rows.append(
                    _record(
                        len(rows) + 1, kind, category, r, c, depth, slope, profile, rng
                    )
                )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS).to_crs("EPSG:4326")


def _pick_cells(inside, depth, slope, where, count, rng):
    """Random cells of a community that fit the point type's terrain."""
    if where == "steep":
        cut = np.quantile(slope[inside], 0.9)
        ok = inside & (slope >= cut)
    elif where == "flooded":
        ok = inside & (depth > 0.5)
        ok = ok if ok.sum() >= count else inside & (depth > 0)
    else:
        ok = inside & (slope < 8) & (depth == 0)
    ok = ok if ok.any() else inside
    r, c = np.nonzero(ok)
    pick = rng.choice(len(r), size=min(count, len(r)), replace=False)
    return list(zip(r[pick], c[pick], strict=True))


NAMES_PEOPLE = ["王建国", "李秀英", "张伟", "刘洋", "陈静", "杨军", "赵敏", "黄磊"]


def _record(n, kind, category, r, c, depth, slope, profile, rng) -> dict:
    """One ledger record at pixel (r, c) with a jittered position."""
    x, y = profile["transform"] * (c + rng.uniform(0.2, 0.8), r + rng.uniform(0.2, 0.8))
    if kind in ("滑坡", "崩塌"):
        level = 1 if slope[r, c] >= 30 else 2 if slope[r, c] >= 25 else 3
    elif kind in ("内涝点", "危房", "弱势人员"):
        level = 2 if depth[r, c] >= 2 else 3
    else:
        level = int(rng.choice([3, 4], p=[0.6, 0.4]))
    people = int(rng.integers(5, 90)) if category != "人" else int(rng.integers(1, 400))
    return {
        "point_id": f"YH-2026-11-{n:04d}",
        "name": f"示例{kind.removesuffix('点')}点 {n:02d}",
        "category": category,
        "type": kind,
        "level": level,
        "address": f"平昌县江口镇示例路{int(rng.integers(1, 300))}号",
        "responsible": NAMES_PEOPLE[n % len(NAMES_PEOPLE)],
        "phone": f"138****{n:04d}",
        "status": str(rng.choice(["待整改", "整改中", "已销号"], p=[0.5, 0.3, 0.2])),
        "households": max(people // 3, 1),
        "people": people,
        "illustrative": True,
        "geometry": shapely.Point(x, y),
    }


RESOURCE_PLAN = [("避难场所", 2, 800), ("物资储备点", 0, 0), ("医疗点", 0, 0)]


def make_resources(comms, depth, slope, profile, rng) -> gpd.GeoDataFrame:
    """Illustrative shelters (two per community), three depots, two medical points."""
    rows = []
    for i, (_, comm) in enumerate(comms.iterrows()):
        inside = (
            features.rasterize(
                [comm.geometry], out_shape=depth.shape, transform=profile["transform"]
            )
            > 0
        )
        kinds = (
            ["避难场所", "避难场所"]
            + (["物资储备点"] if i in (0, 2, 4) else [])
            + (["医疗点"] if i in (1, 3) else [])
        )
        cells = _pick_cells(inside, depth, slope, "flat", len(kinds), rng)
        for kind, (r, c) in zip(kinds, cells, strict=False):
            rows.append(_resource(len(rows) + 1, kind, r, c, profile, rng))
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS).to_crs("EPSG:4326")


def _resource(n, kind, r, c, profile, rng) -> dict:
    """One emergency resource record."""
    x, y = profile["transform"] * (c + 0.5, r + 0.5)
    return {
        "resource_id": f"ZY-{n:03d}",
        "name": f"示例{kind}{n:02d}",
        "type": kind,
        "capacity": int(rng.integers(3, 16)) * 100 if kind == "避难场所" else 0,
        "stock": "帐篷 50 顶, 棉被 300 床, 饮用水 2 吨" if kind == "物资储备点" else "",
        "address": f"平昌县江口镇示例街{int(rng.integers(1, 200))}号",
        "illustrative": True,
        "geometry": shapely.Point(x, y),
    }


# Approximate county-seat positions (lon, lat; WGS84), read off public maps to a
# few hundred metres: they only place the urban population of each county.
SEATS = {
    "511902": (106.747, 31.858),  # 巴州区 (巴中 city centre)
    "511903": (106.636, 31.787),  # 恩阳区
    "511921": (107.245, 31.912),  # 通江县
    "511922": (106.843, 32.347),  # 南江县
    "511923": SEAT,  # 平昌县, 江口
}
POP_PIXEL = 100.0
URBAN_SIGMA_M = 1500.0  # spread of a seat's urban population (Gaussian, metres)
RIVER_SCALE_M = 2000.0  # rural density falls off with distance to a river
SCENARIO_STAGES = {10: 5.0, 100: 11.0}  # illustrative; 50 years = flood_depth.tif


def make_population(shared: Path, out: Path, dem: np.ndarray, profile: dict) -> None:
    """population.tif: people per 100 m pixel over the whole city (illustrative).

    Dasymetric split of the 2020 census per county: the urban population around
    the county seat (Gaussian, sigma 1.5 km), the rural population over the rest
    by exp(-river distance / 2 km) + 0.25, times (1 - slope/40°) (floor 0.1)
    where the DEM is known. Each county's pixels add up to its census count.
    """
    counties = gpd.read_file(shared / "boundaries" / "bazhong_counties.geojson")
    counties = counties.to_crs(CRS)
    census = pd.read_csv(
        shared / "population" / "bazhong_pop2020.csv", dtype={"code": str}
    )
    grid, transform = _population_grid(counties)
    zone = features.rasterize(
        ((g, k + 1) for k, g in enumerate(counties.geometry)),
        out_shape=grid,
        transform=transform,
    )
    rural_w = _rural_weight(shared, grid, transform, dem, profile)
    people = np.zeros(grid, dtype="float64")
    for k, row in counties.reset_index(drop=True).iterrows():
        inside = zone == k + 1
        urban, rural = _census_split(census, str(row["code"]))
        seat = gpd.GeoSeries([shapely.Point(SEATS[str(row["code"])])], crs="EPSG:4326")
        sx, sy = seat.to_crs(CRS).iloc[0].coords[0]
        urban_w = _gaussian(grid, transform, sx, sy) * inside
        people += urban * urban_w / urban_w.sum()
        rw = rural_w * inside
        people += rural * rw / rw.sum()
    prof = dict(
        profile,
        height=grid[0],
        width=grid[1],
        transform=transform,
        nodata=-1.0,
        predictor=3,
    )
    people[zone == 0] = -1.0
    write_raster(out / "population.tif", people.astype("float32"), prof)


def _population_grid(counties: gpd.GeoDataFrame):
    """Shape and transform of a 100 m grid aligned on 100 m over the city."""
    x0, y0, x1, y1 = counties.total_bounds
    x0, y0 = np.floor(x0 / POP_PIXEL) * POP_PIXEL, np.floor(y0 / POP_PIXEL) * POP_PIXEL
    x1, y1 = np.ceil(x1 / POP_PIXEL) * POP_PIXEL, np.ceil(y1 / POP_PIXEL) * POP_PIXEL
    shape = (int((y1 - y0) / POP_PIXEL), int((x1 - x0) / POP_PIXEL))
    return shape, rasterio.transform.from_origin(x0, y1, POP_PIXEL, POP_PIXEL)


def _census_split(census: pd.DataFrame, code: str) -> tuple[float, float]:
    """Urban and rural 2020 census population of a county; the 巴中经济开发区
    (counted apart by the census, on 巴州区 land) is added to 巴州区."""
    row = census.set_index("code").loc[code]
    urban, rural = float(row["urban"]), float(row["rural"])
    if code == "511902":
        zone = census.set_index("code").loc["511971"]
        urban, rural = urban + float(zone["urban"]), rural + float(zone["rural"])
    return urban, rural


def _gaussian(shape, transform, x: float, y: float) -> np.ndarray:
    """Gaussian weight of every pixel centre around (x, y)."""
    cols = transform.c + (np.arange(shape[1]) + 0.5) * transform.a
    rows = transform.f + (np.arange(shape[0]) + 0.5) * transform.e
    d2 = (cols[None, :] - x) ** 2 + (rows[:, None] - y) ** 2
    return np.exp(-d2 / (2 * URBAN_SIGMA_M**2))


def _rural_weight(shared, shape, transform, dem, profile) -> np.ndarray:
    """Rural weight: nearness to a river, damped by slope where the DEM is known."""
    rivers = gpd.read_file(shared / "rivers" / "rivers_wdb2.geojson").to_crs(CRS)
    lines = features.rasterize(
        ((g, 1) for g in rivers.geometry), out_shape=shape, transform=transform
    )
    dist = ndimage.distance_transform_edt(lines == 0) * POP_PIXEL
    weight = np.exp(-dist / RIVER_SCALE_M) + 0.25
    slope, _ = slope_classes(dem)
    slope = np.where(dem != NODATA, slope, np.nan).astype("float32")
    on_grid = np.full(shape, np.nan, dtype="float32")
    reproject(
        slope,
        on_grid,
        src_transform=profile["transform"],
        src_crs=CRS,
        src_nodata=np.nan,
        dst_transform=transform,
        dst_crs=CRS,
        dst_nodata=np.nan,
        resampling=Resampling.average,
    )
    damp = np.where(np.isnan(on_grid), 1.0, np.clip(1 - on_grid / 40.0, 0.1, 1.0))
    return weight * damp


def make_buildings(out: Path, comms: gpd.GeoDataFrame, rng) -> gpd.GeoDataFrame:
    """buildings.geojson: illustrative footprints in the sample communities,
    placed where population.tif has people: one block of 40-80 households
    (about 150 people at the 2.46 people per household of 平昌县) per 150 people."""
    with rasterio.open(out / "population.tif") as src:
        people = src.read(1)
        transform = src.transform
    rows = []
    for _, comm in comms.iterrows():
        inside = features.rasterize([comm.geometry], people.shape, transform=transform)
        weight = np.where(inside > 0, np.clip(people, 0, None), 0.0).ravel()
        count = int(weight.sum() / 150)
        picks = rng.choice(weight.size, size=count, p=weight / weight.sum())
        for n, idx in enumerate(picks):
            r, c = divmod(int(idx), people.shape[1])
            x, y = transform * (c + rng.uniform(0.1, 0.8), r + rng.uniform(0.2, 0.9))
            side = float(rng.uniform(20, 40))
            rows.append(
                {
                    "BLDG_ID": f"{comm['community_id']}-B{n + 1:04d}",
                    "HOUSEHOLDS": int(rng.integers(40, 81)),
                    "FLOORS": int(rng.integers(4, 12)),
                    "illustrative": True,
                    "geometry": shapely.box(x, y - side, x + side, y),
                }
            )
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS).to_crs("EPSG:4326")
    gdf.to_file(
        out / "buildings.geojson",
        **dict(GEOJSON, layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": 6}),
    )
    return gdf


def make_flood_scenarios(out: Path, dem: np.ndarray, rivers, profile, args) -> None:
    """flood_rp10/100.tif: the HAND screening at stages 5 and 11 m, labelled as 10-
    and 100-year floods for the demo (flood_depth.tif, stage 8 m, is the 50-year
    one); the return periods are illustrative, not hydrology."""
    valid = dem != NODATA
    mask = river_mask(rivers, profile, valid)
    for years, stage in SCENARIO_STAGES.items():
        depth = flood_depth(dem, mask, stage, args.max_distance)
        write_raster(out / f"flood_rp{years}.tif", depth, profile)


def make_exposure(args, dem: np.ndarray, profile: dict) -> None:
    """The exposure layers and flood scenarios (also alone: --only exposure)."""
    comms = gpd.read_file(args.out / "communities.geojson").to_crs(CRS)
    make_population(args.shared, args.out, dem, profile)
    make_buildings(args.out, comms, np.random.default_rng(SEED + 17))
    rivers = gpd.read_file(args.shared / "rivers" / "rivers_wdb2.geojson")
    make_flood_scenarios(args.out, dem, rivers, profile, args)


def write_hostile(out: Path, points: gpd.GeoDataFrame) -> None:
    """One record whose text fields carry an HTML payload, for security tests."""
    bad = points.iloc[[0]].copy()
    bad["point_id"] = "YH-2026-11-9999"
    for field in ("name", "address", "responsible"):
        bad[field] = "<img src=x onerror=alert(1)>"
    bad.to_file(out / "risk_points_hostile.geojson", **GEOJSON)


def main() -> None:
    """Build every sample file and print a summary."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--shared", type=Path, default=ROOT.parent / "shared/data/bazhong"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "layers")
    parser.add_argument(
        "--flood-stage",
        type=float,
        default=8.0,
        help="flood stage above the channel in metres (default 8)",
    )
    parser.add_argument(
        "--max-distance",
        type=float,
        default=3000.0,
        help="no flooding farther than this from a river, metres",
    )
    parser.add_argument(
        "--only",
        choices=["exposure"],
        help="rebuild only the population grid, buildings and flood scenarios",
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.only == "exposure":
        with rasterio.open(args.out / "dem.tif") as src:
            make_exposure(args, src.read(1), dict(src.profile))
        return
    copy_vectors(args.shared, args.out)
    dem, profile = warp_dem(args.shared, args.out)
    valid = dem != NODATA
    rivers = gpd.read_file(args.shared / "rivers" / "rivers_wdb2.geojson")
    depth = flood_depth(
        dem, river_mask(rivers, profile, valid), args.flood_stage, args.max_distance
    )
    write_raster(args.out / "flood_depth.tif", depth, profile)
    slope, classes = slope_classes(dem)
    write_raster(args.out / "landslide.tif", classes, profile)
    footprint = shapely.union_all(
        [
            shapely.geometry.shape(g)
            for g, v in features.shapes(
                valid.astype("uint8"), mask=valid, transform=profile["transform"]
            )
            if v == 1
        ]
    )
    comms = make_communities(args.shared, footprint)
    comms.to_crs("EPSG:4326").to_file(args.out / "communities.geojson", **GEOJSON)
    rng = np.random.default_rng(SEED)
    points = make_points(comms, depth, slope, profile, rng)
    points.to_file(args.out / "risk_points.geojson", **GEOJSON)
    write_hostile(args.out, points)
    make_resources(comms, depth, slope, profile, rng).to_file(
        args.out / "shelters.geojson", **GEOJSON
    )
    make_exposure(args, dem, profile)
    summarise(args.out, depth, classes, comms, points)


def summarise(out: Path, depth, classes, comms, points) -> None:
    """Print the numbers quoted in layers/README.md."""
    valid = depth != NODATA
    wet = depth[valid] > 0
    print(f"flooded share of the DEM area: {wet.mean():.1%}")
    print(
        "flood depth percentiles (wet cells) p50/p90/p99/max:",
        np.round(np.percentile(depth[valid][wet], [50, 90, 99, 100]), 2).tolist(),
    )
    shares = {k: float(np.mean(classes[classes > 0] == k)) for k in (1, 2, 3, 4)}
    print("landslide class shares:", {k: f"{v:.1%}" for k, v in shares.items()})
    print("community areas km2:", (comms.area / 1e6).round(1).tolist())
    print(
        "points by type:",
        json.dumps(points["type"].value_counts().to_dict(), ensure_ascii=False),
    )
    print("points by level:", points["level"].value_counts().sort_index().to_dict())
    sizes = {p.name: p.stat().st_size for p in sorted(out.iterdir()) if p.is_file()}
    print("files:", {k: f"{v / 1024:.0f} KiB" for k, v in sizes.items()})
    print(f"total {sum(sizes.values()) / 2**20:.1f} MiB")
    pd.options.display.width = 120


if __name__ == "__main__":
    main()
