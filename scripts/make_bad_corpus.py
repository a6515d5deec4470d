"""Write the corpus of bad input files in tests/data/bad/ (and its manifest).

Each file is a mistake users make or a file that got damaged: swapped, metric or
NaN coordinates, absurd numbers, broken JSON in a result, a truncated workbook,
a model with a wrong type. ``manifest.json`` says which commands read each file;
tests/cli/test_bad_inputs.py runs every one and expects exit 2, one line naming
the file, nothing written and earlier outputs untouched.

    python scripts/make_bad_corpus.py          # rewrite tests/data/bad/
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "bad"
LAYERS = ROOT / "layers"
sys.path.insert(0, str(ROOT / "src"))

POINTS = ("compute-points", "points-import")
LEDGER = ("points-import",)
COMMUNITIES = ("compute-communities", "project-new-communities")
MODEL = ("compute-model", "project-set-model", "project-new-model")
RESULT = ("export-geojson", "export-maps", "export-print", "resilience-result")
PROJECT = ("project-info", "compute-project", "points-list", "points-export")

MANIFEST: dict[str, dict] = {}
GOOD_ROW = {
    "名称": "示例点", "类型": "滑坡", "风险等级": 2, "经度": 107.16, "纬度": 31.60
}  # fmt: skip


def case(name: str, reads: tuple[str, ...], why: str) -> Path:
    """Register a corpus file and return where to write it."""
    MANIFEST[name] = {"reads": list(reads), "why": why}
    return OUT / name


def ledger_csv(name: str, reads, why: str, **changes) -> None:
    """A two-row ledger CSV: a good row and a row with *changes*."""
    bad = {**GOOD_ROW, "名称": "坏点", **changes}
    frame = pd.DataFrame([GOOD_ROW, bad])
    frame.to_csv(case(name, reads, why), index=False, encoding="utf-8")


def text(name: str, reads, why: str, content: str | bytes) -> None:
    """A file with literal content."""
    path = case(name, reads, why)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def communities() -> gpd.GeoDataFrame:
    """Two sample communities (small, inside the sample rasters)."""
    return gpd.read_file(LAYERS / "communities.geojson").iloc[:2]


def flip(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The layer with x and y exchanged (latitude written as longitude)."""
    out = gdf.copy()
    out.geometry = shapely.transform(gdf.geometry.values, lambda xy: xy[:, ::-1])
    return out


def metric_as_degrees(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Projected metres labelled as WGS84 degrees."""
    return gdf.to_crs(4545).set_crs(4326, allow_override=True)


def write_points_files() -> None:
    """Ledger and compute point tables with bad coordinates or values."""
    ledger_csv("points-swapped.csv", POINTS, "latitude/longitude swapped",
               经度=31.60, 纬度=107.16)  # fmt: skip
    ledger_csv("points-metres.csv", POINTS, "metres in degree columns",
               经度=417034.0, 纬度=3494260.0)  # fmt: skip
    ledger_csv("points-nan.csv", POINTS, "NaN coordinates", 经度="nan", 纬度="nan")
    ledger_csv("points-blank-coords.csv", POINTS, "empty coordinates",
               经度="", 纬度="")  # fmt: skip
    ledger_csv("points-text-coords.csv", POINTS, "text in a coordinate",
               经度="东边", 纬度="31.6")  # fmt: skip
    ledger_csv("points-dms-minutes.csv", POINTS, "DMS with 75 minutes",
               经度="107°75′10″E")  # fmt: skip
    ledger_csv("points-lon-200.csv", POINTS, "longitude out of range", 经度=200.5)
    ledger_csv("points-inf-coords.csv", POINTS, "infinite coordinate", 经度="inf")
    ledger_csv("points-level-purple.csv", POINTS, "level 紫", 风险等级="紫")
    ledger_csv("points-level-5.csv", POINTS, "level 5", 风险等级=5)
    ledger_csv("points-people-1e400.csv", LEDGER, "people = 1e400", 威胁人数="1e400")
    ledger_csv("points-households-inf.csv", LEDGER, "households = inf",
               威胁户数="inf")  # fmt: skip
    ledger_csv("points-people-negative.csv", LEDGER, "negative people", 威胁人数=-5)
    ledger_csv("points-property-huge.csv", LEDGER, "property 1e12 万元",
               威胁财产="1e12")  # fmt: skip
    ledger_csv("points-lec-7.csv", LEDGER, "LEC L not in the table",
               **{"LEC-L 可能性": 7, "LEC-E 暴露频率": 6, "LEC-C 后果": 7})
    ledger_csv("points-bad-date.csv", LEDGER, "deadline 2026-13-45",
               整改时限="2026-13-45")  # fmt: skip
    ledger_csv("points-bad-phone.csv", LEDGER, "phone 'call me'",
               责任人电话="call me")  # fmt: skip
    ledger_csv("points-no-name.csv", LEDGER, "required name missing", 名称="")
    ledger_csv("points-bad-status.csv", LEDGER, "status 已飞走", 状态="已飞走")
    text("points-no-coords.csv", POINTS, "no coordinate columns",
         "名称,类型\n甲,滑坡\n")  # fmt: skip
    text("points-zero-bytes.csv", POINTS, "an empty file", b"")
    text("points-binary.csv", POINTS, "binary junk", bytes(range(256)) * 4)
    text("points-broken.geojson", POINTS, "truncated GeoJSON",
         '{"type": "FeatureCollection", "features": [{"type": "Feature", "geo')
    workbook = pd.DataFrame([GOOD_ROW, GOOD_ROW])
    with tempfile.TemporaryDirectory() as tmp:
        good = Path(tmp) / "good.xlsx"
        workbook.to_excel(good, index=False)
        data = good.read_bytes()
    half = data[: len(data) // 2]
    text("points-truncated.xlsx", POINTS, "workbook cut in half", half)
    text("points-not-a-workbook.xlsx", POINTS, "text named .xlsx", "hello, world\n")
    pts = gpd.GeoDataFrame(
        {"name": ["甲", "乙"], "type": ["滑坡", "滑坡"]},
        geometry=shapely.points([[107.16, 31.60], [107.17, 31.61]]),
        crs=4326,
    )
    flip(pts).to_file(case("points-swapped.geojson", POINTS, "GeoJSON lat/lon swapped"))
    metric_as_degrees(pts).to_file(
        case("points-metres.geojson", POINTS, "GeoJSON metres as degrees")
    )


def write_layer_files() -> None:
    """Community, zone, grid and resource layers with bad geometry or fields."""
    comms = communities()
    flip(comms).to_file(case("communities-swapped.geojson", COMMUNITIES, "swapped"))
    metric_as_degrees(comms).to_file(
        case("communities-metres.geojson", COMMUNITIES, "metres labelled degrees")
    )
    nan = comms.copy()
    nan.loc[nan.index[1], "geometry"] = shapely.from_wkt(
        "POLYGON ((107.1 31.6, nan 31.7, 107.2 31.7, 107.1 31.6))"
    )
    nan.to_file(case("communities-nan.gpkg", COMMUNITIES, "a NaN vertex"))
    pts = comms.copy()
    pts.geometry = comms.geometry.centroid
    pts.to_file(case("communities-points.geojson", COMMUNITIES, "points, no polygons"))
    dup = comms.copy()
    dup["community_id"] = "X"
    dup.to_file(case("communities-duplicate-ids.geojson", COMMUNITIES, "same ids"))
    text("communities-empty.geojson", COMMUNITIES, "no features",
         '{"type": "FeatureCollection", "features": []}')  # fmt: skip
    text("communities-broken.geojson", COMMUNITIES, "truncated JSON",
         '{"type": "FeatureCollection", "features": [')  # fmt: skip
    text("communities-table.csv", COMMUNITIES, "a table, no coordinates",
         "name,id\n甲,1\n")  # fmt: skip
    shp = case("communities-no-crs.shp", COMMUNITIES, "shapefile without .prj")
    comms.to_file(shp)
    shp.with_suffix(".prj").unlink()
    for sibling in (".cpg",):
        shp.with_suffix(sibling).unlink(missing_ok=True)
    zones = comms[["geometry"]].copy()
    zones["class"] = ["高", "极端"]
    zones.to_file(case("zones-unknown-class.geojson", ("compute-zones",), "极端"))
    zones.drop(columns="class").assign(other="高").to_file(
        case("zones-no-field.geojson", ("compute-zones",), "no class field")
    )
    flip(zones.assign(**{"class": "高"})).to_file(
        case("zones-swapped.geojson", ("compute-zones",), "swapped zones")
    )
    flip(comms).to_file(case("grid-swapped.geojson", ("compute-grid",), "swapped"))
    pts.to_file(case("grid-points.geojson", ("compute-grid",), "points as cells"))
    text("resources-swapped.csv", ("compute-resources",), "swapped shelters",
         "name,type,capacity,经度,纬度\n避难所,避难场所,100,31.60,107.16\n")
    head = "name,type,capacity,经度,纬度\n"
    text("resources-capacity-inf.csv", ("compute-resources",), "capacity inf",
         head + "避难所,避难场所,inf,107.16,31.60\n")  # fmt: skip
    text("resources-capacity-1e400.csv", ("compute-resources",), "capacity 1e400",
         head + "避难所,避难场所,1e400,107.16,31.60\n")  # fmt: skip
    text("population-inf.csv", ("compute-population",), "population inf",
         "community_id,population\nDEMO-PC-01,inf\n")  # fmt: skip
    text("population-negative.csv", ("compute-population",), "population -5",
         "community_id,population\nDEMO-PC-01,-5\n")  # fmt: skip


def write_rasters() -> None:
    """Hazard rasters that cannot be used."""
    src = LAYERS / "flood_depth.tif"
    data = src.read_bytes()
    raster = ("compute-raster",)
    text("raster-truncated.tif", raster, "GeoTIFF cut short", data[:4096])
    text("raster-text.tif", raster, "text named .tif", "not a raster\n")
    text("raster-zero-bytes.tif", raster, "empty file", b"")
    text("raster-no-crs.asc", raster, "ASCII grid without .prj",
         "ncols 2\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2\n3 4\n")
    with rasterio.open(src) as ds:
        profile = ds.profile
        band = ds.read(1)
    profile.update(transform=rasterio.transform.from_origin(0, 1000, 90, 90))
    with rasterio.open(case("raster-elsewhere.tif", raster, "far away"), "w",
                       **profile) as dst:  # fmt: skip
        dst.write(band, 1)


MODELS = {
    "model-hazards-3.toml": ("hazards = 3\n", "hazards is a number"),
    "model-levels-x.toml": ('levels = "x"\n', "levels is text"),
    "model-classes-a.toml": (
        '[hazards.z]\nkind = "zones"\nclasses = "a"\n', "classes is text"),
    "model-nan-breaks.toml": (
        "[hazards.flood]\nbreaks = [0.5, nan]\nseverity = [0, 0.5, 1]\n", "NaN break"),
    "model-inf-radius.toml": ('[points.types."滑坡"]\nradius = inf\n', "inf radius"),
    "model-thresholds.toml": (
        "[levels]\nred = 0.2\norange = 0.5\nyellow = 0.1\n", "thresholds out of order"),
    "model-not-toml.toml": ("this is [not toml\n", "not TOML"),
    "model-case-twins.toml": (
        '[hazards.z]\nkind = "zones"\nclasses = { NO = 0, no = 1 }\n', "NO and no"),
    "model-typo-key.toml": (
        "[hazards.flood]\nbreakz = [1]\nseverity = [0, 1]\n", "breakz"),
    "model-severity-2.toml": (
        "[hazards.flood]\nbreaks = [1]\nseverity = [0, 2]\n", "severity above 1"),
    "model-matrix-shape.toml": ("[matrix]\ntable = [[1, 2]]\n", "2-cell matrix"),
    "model-level-5.toml": ("[points]\ndefault_level = 5\n", "default level 5"),
    "model-weight-negative.toml": ("[score]\nhazard_weight = -1\n", "negative"),
    "model-string-number.toml": ("[levels]\nred = \"0.9\"\n", "number as text"),
}  # fmt: skip


def write_models() -> None:
    """Risk model files refused by the schema."""
    for name, (content, why) in MODELS.items():
        text(name, MODEL, why, content)
    text("model-gbk.toml", MODEL, "not UTF-8", 'name = "风险"\n'.encode("gbk"))


def damage(path: Path, sql: str, mode: str) -> None:
    """Run *sql* on a GeoPackage with plain SQLite (its R-tree triggers need
    SpatiaLite functions, so they go first), then shrink the file."""
    conn = sqlite3.connect(path)
    triggers = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    ).fetchall()
    for (name,) in triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    conn.executescript(sql)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA page_size = 1024")
    conn.execute("VACUUM")
    conn.execute(f"PRAGMA journal_mode = {mode}")  # as riskmap left it
    conn.close()


def damaged_copies(base: Path, reads, mode: str) -> Callable[[str, str, str], None]:
    """A function writing corpus file NAME as *base* damaged by SQL."""

    def edit(name: str, why: str, sql: str) -> None:
        path = case(name, reads, why)
        shutil.copy(base, path)
        damage(path, sql, mode)

    return edit


def good_result(folder: Path) -> Path:
    """A real small RESULT.gpkg (two communities, 500 m cells)."""
    from riskmap.commands.compute import compute
    from riskmap.io.request import AnalysisRequest, HazardSpec

    comm = folder / "comm.geojson"
    communities().to_file(comm)
    out = folder / "RESULT.gpkg"
    request = AnalysisRequest(
        communities=comm, hazards=(HazardSpec("flood", LAYERS / "flood_depth.tif"),),
        cell_size=500.0,
    )  # fmt: skip
    compute(request, out)
    return out


def damaged_results(folder: Path) -> None:
    """RESULT.gpkg files with broken JSON, columns, levels or geometry."""
    base = good_result(folder)
    edit = damaged_copies(base, RESULT, "DELETE")

    edit("result-broken-json.gpkg", "run_info value is not JSON",
         "UPDATE run_info SET value = '{broken' WHERE key = 'hazards';")
    edit("result-no-crs.gpkg", "run_info crs missing",
         "DELETE FROM run_info WHERE key = 'crs';")
    edit("result-level-9.gpkg", "a level 9",
         "UPDATE cells SET level = 9 WHERE fid = 1;")
    edit("result-level-text.gpkg", "a level that is text",
         "UPDATE cells SET level = 'red' WHERE fid = 2;")
    edit("result-null-geometry.gpkg", "a cell without geometry",
         "UPDATE cells SET geom = NULL WHERE fid = 1;")
    edit("result-corrupt-geometry.gpkg", "a cell geometry of junk bytes",
         "UPDATE cells SET geom = X'47500003DEADBEEF' WHERE fid = 1;")
    edit("result-no-level.gpkg", "the level column dropped",
         "ALTER TABLE cells DROP COLUMN level;")
    edit("result-hazards-text.gpkg", "hazards is not a list",
         "UPDATE run_info SET value = '\"flood\"' WHERE key = 'hazards';")
    data = base.read_bytes()
    text("result-truncated.gpkg", RESULT, "GeoPackage cut short", data[:8192])
    text("result-not-sqlite.gpkg", RESULT, "text named .gpkg", "RESULT\n" * 10)


def good_project(folder: Path) -> Path:
    """A real small project with two communities and two points."""
    from riskmap.commands.project import create_project
    from riskmap.registry import import_file

    comm = folder / "comm.geojson"
    communities().to_file(comm)
    ledger = folder / "ledger.csv"
    pd.DataFrame([GOOD_ROW, {**GOOD_ROW, "名称": "乙", "经度": 107.17}]).to_csv(
        ledger, index=False
    )
    path = folder / "PROJECT.gpkg"
    with create_project(path, comm) as project:
        import_file(project, ledger, "wgs84", user="corpus")
    return path


def damaged_projects(folder: Path) -> None:
    """Project files whose settings, ledger or geometry are damaged."""
    base = good_project(folder)
    edit = damaged_copies(base, PROJECT, "WAL")

    edit("project-broken-json.gpkg", "hazards setting is not JSON",
         "UPDATE riskmap_settings SET value = '{' WHERE key = 'hazards';")
    edit("project-schema-text.gpkg", "schema version is text",
         "UPDATE riskmap_settings SET value = '\"two\"' "
         "WHERE key = 'schema_version';")
    edit("project-hazards-list.gpkg", "hazards setting is a list",
         "UPDATE riskmap_settings SET value = '[1, 2]' WHERE key = 'hazards';")
    edit("project-null-point.gpkg", "a point without geometry",
         "UPDATE points SET geom = NULL;")
    edit("project-corrupt-point.gpkg", "a point geometry of junk bytes",
         "UPDATE points SET geom = X'00112233';")
    edit("project-attributes-json.gpkg", "community attributes not JSON",
         "UPDATE communities SET attributes = 'oops';")
    data = base.read_bytes()
    text("project-truncated.gpkg", PROJECT, "project cut short", data[:4096])


def write_indicators() -> None:
    """Resilience indicator tables with impossible values."""
    reads = ("resilience-indicators",)
    head = "社区,避难场所面积,医疗床位\n"
    text("indicators-inf.csv", reads, "an infinite indicator",
         head + "甲,100,5\n乙,inf,6\n丙,50,7\n")  # fmt: skip
    text("indicators-huge.csv", reads, "1e400 in a cell",
         head + "甲,100,5\n乙,1e400,6\n丙,50,7\n")  # fmt: skip
    text("indicators-text.csv", reads, "text in a number column",
         head + "甲,100,5\n乙,很多,6\n丙,50,7\n")  # fmt: skip
    text("indicators-truncated.xlsx", reads, "workbook cut short", b"PK\x03\x04junk")


def main() -> None:
    """Rewrite the corpus and its manifest."""
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    steps: list[Callable[[], None]] = [
        write_points_files, write_layer_files, write_rasters, write_models,
        write_indicators,
    ]  # fmt: skip
    for step in steps:
        step()
    with tempfile.TemporaryDirectory() as tmp:
        damaged_results(Path(tmp))
    with tempfile.TemporaryDirectory() as tmp:
        damaged_projects(Path(tmp))
    manifest = dict(sorted(MANIFEST.items()))
    (OUT / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    size = sum(p.stat().st_size for p in OUT.iterdir())
    where = OUT.relative_to(ROOT)
    print(f"{len(manifest)} bad files, {size / 1024:.0f} KiB, in {where}")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
