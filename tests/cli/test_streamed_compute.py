"""Streamed compute: partitions, the level raster, --cells, --workers and Dask.

Every run here computes the bundled sample (five communities, about 10,000 cells
at 100 m) from real files; a partitioned, multi-process or Dask run must give the
same cells and levels as one single-process partition.
"""

from __future__ import annotations

import sqlite3
import zipfile

import numpy as np
import pyogrio
import pytest
import rasterio
import shapely
from tests.helpers import sample_compute_args

from riskmap.cli import main
from riskmap.commands.request import load_inputs
from riskmap.core.engine import PartitionError, run_partitions
from riskmap.core.pipeline import AnalysisRun
from riskmap.export.level_raster import level_raster_path
from riskmap.io.request import AnalysisRequest, HazardSpec
from riskmap.io.result import read_result
from riskmap.resources import sample_dir

LAYERS = sample_dir()


@pytest.fixture(scope="module")
def reference(bazhong_result):
    """The sample computed in one partition, in this process (the session's)."""
    return read_result(bazhong_result)


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    """The sample cut into many partitions by a tiny memory budget (--cells both)."""
    out = tmp_path_factory.mktemp("parts") / "r.gpkg"
    assert main(sample_compute_args(out, "--memory-mb", "16")) == 0
    return out


def _same_cells(result, reference) -> None:
    """Same cell ids, levels, scores, hazard values and polygons."""
    ours = result.cells.set_index("cell_id").sort_index()
    ref = reference.cells.set_index("cell_id").sort_index()
    assert ours.index.equals(ref.index)
    assert (ours["level"].to_numpy() == ref["level"].to_numpy()).all()
    for col in ("score", "flood_mean", "flood_max", "landslide_mean", "area_m2"):
        np.testing.assert_allclose(ours[col], ref[col], rtol=1e-9, equal_nan=True)
    moved = shapely.area(
        shapely.symmetric_difference(ours.geometry.values, ref.geometry.values)
    )
    assert moved.max() < 1e-6
    counts = ["cells_n", *(f"cells_l{lv}" for lv in (1, 2, 3, 4))]
    assert result.communities[counts].equals(reference.communities[counts])
    assert result.points["cell_id"].equals(reference.points["cell_id"])


def test_many_partitions_give_the_same_cells(parts, reference):
    """A tiny memory budget cuts communities into row bands: same result."""
    _same_cells(read_result(parts), reference)


def test_level_raster_is_a_cog_with_the_levels(parts, reference):
    """RESULT_cells_level.tif: COG, one pixel per cell, level palette, same run."""
    out = parts
    raster = level_raster_path(out)
    assert raster.name == "r_cells_level.tif"
    cells = reference.cells
    with rasterio.open(raster) as src:
        assert src.driver == "GTiff"
        assert src.profile["tiled"]
        assert src.compression.name == "deflate"
        assert src.res == (100.0, 100.0)
        assert src.colormap(1)[1] == (255, 0, 0, 255)  # level 1 red
        assert src.tags()["riskmap_run"] == read_result(out).run_info.created_at
        levels = src.read(1)
        col0 = round(src.transform.c / 100.0)
        row0 = round((1.0e7 - src.transform.f) / 100.0)
    # a cell cut by a border belongs to two communities: its pixel has the higher risk
    highest = cells.groupby(["row", "col"])["level"].min()
    rows = highest.index.get_level_values(0) - row0
    cols = highest.index.get_level_values(1) - col0
    assert (levels[rows, cols] == highest.to_numpy()).all()
    assert (levels > 0).sum() == len(highest)


def test_streamed_cells_have_a_complete_spatial_index(parts):
    """The R-tree (built by SQLite at the end of the stream) holds every cell
    polygon with its box, and a bbox read through it finds the cells there."""
    with sqlite3.connect(parts) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        polygons = db.execute("SELECT count(*) FROM cells").fetchone()[0]
        indexed = db.execute("SELECT count(*) FROM rtree_cells_geom").fetchone()[0]
        assert indexed == polygons
        boxes = db.execute(
            "SELECT id, minx, miny, maxx, maxy FROM rtree_cells_geom ORDER BY id"
        ).fetchall()
    cells = pyogrio.read_dataframe(parts, layer="cells", fid_as_index=True)
    drawn = cells[cells.geometry.notna()].sort_index()
    ids = np.array([b[0] for b in boxes])
    assert (ids == drawn.index.to_numpy()).all()
    # R-tree boxes are float32 rounded outwards: they hold the cell, within 0.5 m
    got, exact = np.array([b[1:] for b in boxes]), drawn.geometry.bounds.to_numpy()
    assert (got[:, :2] <= exact[:, :2]).all()
    assert (got[:, 2:] >= exact[:, 2:]).all()
    np.testing.assert_allclose(got, exact, atol=0.5)
    box = cells.geometry.iloc[len(cells) // 2].buffer(150).bounds
    near = pyogrio.read_dataframe(parts, layer="cells", bbox=box)
    expected = cells[cells.intersects(shapely.box(*box))]
    assert 0 < len(near) == len(expected)


def test_cells_raster_stores_only_clipped_polygons(tmp_path, parts, reference):
    """--cells raster: whole cells have no polygon on disk; reading restores them."""
    out = tmp_path / "raster.gpkg"
    assert main(sample_compute_args(out, "--cells", "raster")) == 0
    raw = pyogrio.read_dataframe(out, layer="cells")
    full = raw["full"].astype(bool).to_numpy()
    assert raw.geometry.isna().to_numpy()[full].all()
    assert raw.geometry.notna().to_numpy()[~full].all()
    result = read_result(out)
    assert result.run_info.cells_mode == "raster"
    _same_cells(result, reference)
    assert out.stat().st_size < 0.7 * parts.stat().st_size  # parts: --cells both


def test_cells_polygons_writes_no_raster(tmp_path):
    """--cells polygons: the GeoPackage alone, as before the level raster."""
    out = tmp_path / "poly.gpkg"
    assert main(sample_compute_args(out, "--cells", "polygons")) == 0
    assert not level_raster_path(out).exists()
    assert read_result(out).run_info.level_raster is None


@pytest.mark.slow
def test_two_workers_give_the_same_cells(tmp_path, reference):
    """--workers 2 runs partitions in two processes: same result."""
    out = tmp_path / "w2.gpkg"
    assert main(sample_compute_args(out, "--workers", "2", "--memory-mb", "16")) == 0
    _same_cells(read_result(out), reference)


def test_interrupted_run_keeps_the_old_result(tmp_path, monkeypatch, capsys):
    """A partition failing every try stops the run, names it, keeps the old files."""
    out = tmp_path / "keep.gpkg"
    assert main(sample_compute_args(out, "--memory-mb", "16")) == 0
    before = out.read_bytes(), level_raster_path(out).read_bytes()

    from riskmap.core import engine

    real = engine.analyse_partition

    def failing(task):
        if task.partition.index == 1:
            raise RuntimeError("disk went away")
        return real(task)

    monkeypatch.setattr(engine, "analyse_partition", failing)
    assert main(sample_compute_args(out, "--memory-mb", "16")) == 2
    err = capsys.readouterr().err
    assert "partition 1" in err
    assert "failed 3 times" in err
    assert "disk went away" in err
    assert (out.read_bytes(), level_raster_path(out).read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "keep.gpkg",
        "keep_cells_level.tif",
    ]


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_cells(tmp_path, reference):
    """--scheduler on a real two-worker LocalCluster: same cells, same levels."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        memory_limit="1GiB",
    ) as cluster:
        out = tmp_path / "dask.gpkg"
        code = main(
            sample_compute_args(
                out, "--scheduler", cluster.scheduler_address, "--memory-mb", "16"
            )
        )
        assert code == 0
        _same_cells(read_result(out), reference)
        # a partition that cannot read its hazard is retried, then named
        flood = tmp_path / "flood.tif"
        flood.write_bytes((LAYERS / "flood_depth.tif").read_bytes())
        broken = _run_with_hazard(tmp_path, flood)
        flood.unlink()
        with pytest.raises(
            PartitionError, match=r"partition \d+ \(示例社区.*failed 3 times"
        ):
            list(run_partitions(broken.tasks(), scheduler=cluster.scheduler_address))


def _run_with_hazard(tmp_path, flood) -> AnalysisRun:
    """A run of the sample whose flood raster is *flood*."""
    request = AnalysisRequest(
        communities=LAYERS / "communities.geojson",
        hazards=(HazardSpec("flood", flood),),
        memory_mb=16.0,
    )
    inputs, model = load_inputs(request)
    return AnalysisRun(inputs, model)


def test_unreachable_scheduler_is_one_line(tmp_path, capsys):
    """A scheduler that does not answer: exit 2 with the address and what to do."""
    out = tmp_path / "x.gpkg"
    assert main(sample_compute_args(out, "--scheduler", "tcp://127.0.0.1:9")) == 2
    err = capsys.readouterr().err.strip()
    assert "tcp://127.0.0.1:9" in err
    assert "\n" not in err
    assert not out.exists()


def test_bad_workers_and_memory_are_input_errors(tmp_path, capsys):
    """--workers 0 and --memory-mb 0 are refused with one line."""
    for extra in (("--workers", "0"), ("--memory-mb", "0")):
        assert main(sample_compute_args(tmp_path / "x.gpkg", *extra)) == 2
        assert extra[0] in capsys.readouterr().err


def test_hazards_on_a_gdal_virtual_path_give_the_same_cells(tmp_path, reference):
    """Hazard rasters named by a GDAL virtual path (/vsizip/ here, /vsis3/ for an
    object store every worker reads) compute like local files, in worker
    processes too; a virtual path that GDAL cannot open is one line."""
    archive = tmp_path / "hazards.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in ("flood_depth.tif", "landslide.tif"):
            zf.write(LAYERS / name, name)
    args = sample_compute_args(tmp_path / "vsi.gpkg", "--workers", "2")
    args[args.index(f"flood={LAYERS / 'flood_depth.tif'}")] = (
        f"flood=/vsizip/{{{archive}}}/flood_depth.tif"
    )
    args[args.index(f"landslide={LAYERS / 'landslide.tif'}")] = (
        f"landslide=/vsizip/{{{archive}}}/landslide.tif"
    )
    assert main(args) == 0
    _same_cells(read_result(tmp_path / "vsi.gpkg"), reference)
    args[args.index(f"flood=/vsizip/{{{archive}}}/flood_depth.tif")] = (
        f"flood=/vsizip/{{{archive}}}/missing.tif"
    )
    assert main(args) == 2
