"""Write a result while it is computed: cells go to disk partition by partition.

The cells layer is written with one ``pyogrio.write_arrow`` call fed by a
RecordBatchReader that pulls each partition as it finishes: one GDAL
transaction, no per-feature Python, the spatial index built once at the end.
Fishnet levels go to the level raster at the same time. Both files are written
to temporary siblings and renamed only when everything is complete, so an
interrupted run leaves the previous result as it was.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import shapely

from riskmap.atomic import atomic_path
from riskmap.core.pipeline import AnalysisRun
from riskmap.domain import GridSpec, RiskResult
from riskmap.errors import ExportError
from riskmap.export.gpkg import (
    GPKG_VERSION,
    as_multipolygons,
    pyogrio_config,
    write_other_layers,
)
from riskmap.export.level_raster import LevelRasterWriter, level_raster_path

RASTER_ONLY_ABOVE = 2_000_000  # cells; above this the default is --cells raster

# GDAL settings while the cells are streamed in: no fsync per transaction (the
# file is a temporary renamed into place), and the R-tree built by SQLite at the
# end rather than by GDAL's background thread, which keeps every feature's box in
# memory (peak grew ~10 MB per million cells; province bench, --workers 2: 756 ->
# 862 MB from 1 to 10 M cells with it, 787 -> 821 MB without, same time).
STREAM_WRITE_CONFIG = {
    "OGR_SQLITE_SYNCHRONOUS": "OFF",
    "OGR_GPKG_ALLOW_THREADED_RTREE": "NO",
}


def default_cells_mode(cells_estimate: int) -> str:
    """Polygons and raster for a city, the raster alone for a province."""
    return "both" if cells_estimate < RASTER_ONLY_ABOVE else "raster"


def write_streamed(
    run: AnalysisRun, path: str | Path, cells: str | None, photos=None
) -> RiskResult:
    """Compute *run* and write RESULT.gpkg (and the level raster); return the rest.

    The returned result holds the summary, points, metadata and *photos* (ledger
    thumbnails, if given), not the cells.
    """
    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise ExportError(f"{path}: the result must be a .gpkg file")
    fishnet = run.grid_cells is None
    mode = cells or default_cells_mode(run.cells_estimate)
    if not fishnet:
        mode = "polygons"  # a user grid has no lattice to rasterise
    with atomic_path(path) as tmp:
        if mode == "polygons":
            with pyogrio_config(**STREAM_WRITE_CONFIG):
                _write_cells(run, tmp, mode, None)
                return _finish(run, tmp, mode, None, photos)
        raster = level_raster_path(path)
        with atomic_path(raster) as tmp_raster:
            painter = _painter(run, tmp_raster)
            try:
                with pyogrio_config(**STREAM_WRITE_CONFIG):
                    _write_cells(run, tmp, mode, painter)
                    result = _finish(run, tmp, mode, raster, photos)
                painter.finish(tmp_raster, _stamp(result))
            finally:
                painter.close()
    return result


def _painter(run: AnalysisRun, tmp_raster: Path) -> LevelRasterWriter:
    """A level-raster writer covering every community's cells."""
    r0, r1, c0, c1 = run.grid.window
    work = tmp_raster.with_name(tmp_raster.name + ".work.tif")
    return LevelRasterWriter(work, (r0, r1), (c0, c1), run.grid, run.crs)


def _stamp(result: RiskResult) -> dict[str, str]:
    """Tags tying the level raster to its RESULT.gpkg (same run)."""
    return {"riskmap_run": result.run_info.created_at}


def _finish(
    run: AnalysisRun, tmp: Path, mode: str, raster: Path | None, photos
) -> RiskResult:
    """Summary, points, photos and run_info once every partition is written."""
    result = run.finish()
    result.photos = photos
    result.run_info = result.run_info.updated(
        cells_mode=mode, level_raster=raster.name if raster is not None else None
    )
    write_other_layers(result, tmp)
    return result


def _write_cells(run: AnalysisRun, tmp: Path, mode: str, painter) -> None:
    """Stream every partition's cells into the cells layer with one Arrow write."""
    failure: list[BaseException] = []
    batches = _keeping_failure(_batches(run, mode, painter), failure)
    first = next(batches, None)
    if first is None:
        run.finish()  # raises: the communities produced no cells
    schema = first.schema
    reader = pa.RecordBatchReader.from_batches(
        schema, _conform(schema, _chain(first, batches))
    )
    try:
        pyogrio.write_arrow(
            reader,
            tmp,
            layer="cells",
            driver="GPKG",
            geometry_name="geometry",
            geometry_type="MultiPolygon",
            crs=run.crs.to_wkt(),
            dataset_options={"VERSION": GPKG_VERSION},
        )
    except (RuntimeError, pyogrio.errors.DataSourceError) as exc:
        if failure:  # the computation failed, not the writing
            raise failure[0] from None
        raise ExportError(f"cannot write the cells of {tmp.name}: {exc}") from exc
    if failure:
        raise failure[0]


def _keeping_failure(batches: Iterator[pa.RecordBatch], failure: list):
    """Pass batches on; keep an exception for re-raising (Arrow streams hide it)."""
    try:
        yield from batches
    except BaseException as exc:
        failure.append(exc)
        raise


def _chain(first: pa.RecordBatch, rest: Iterator[pa.RecordBatch]):
    """The first batch, then the rest."""
    yield first
    yield from rest


def _batches(run: AnalysisRun, mode: str, painter) -> Iterator[pa.RecordBatch]:
    """One Arrow batch per partition (made where the partition ran), painting its
    levels into the raster."""
    net = run.grid if run.grid_cells is None else None
    encode = functools.partial(to_arrow, drop_full_geometry=mode == "raster", net=net)
    for out in run.outputs(encode):
        batch = out.cells
        if batch.num_rows == 0:
            continue
        if painter is not None:
            painter.add(*(batch.column(c).to_numpy() for c in ("row", "col", "level")))
        yield batch


def to_arrow(
    cells, drop_full_geometry: bool = False, net: GridSpec | None = None
) -> pa.RecordBatch:
    """Cells as an Arrow batch: text columns as strings, geometry as WKB.

    With *drop_full_geometry* whole fishnet cells get no polygon (the level
    raster and their row/column describe them). With the fishnet *net* the
    squares of whole cells are written from their row and column.
    """
    names = [c for c in cells.columns if c != cells.geometry.name]
    arrays = [_arrow_column(cells[c]) for c in names]
    arrays.append(cells_wkb(cells, drop_full_geometry, net))
    return pa.RecordBatch.from_arrays(arrays, names=[*names, "geometry"])


def cells_wkb(cells, drop_full: bool = False, net: GridSpec | None = None) -> pa.Array:
    """Cell polygons as MultiPolygon WKB (the layer declares MultiPolygon).

    Whole fishnet cells are plain squares: with the fishnet *net* their WKB is
    packed straight from their row and column with numpy (a fixed 102-byte
    record each) and only clipped cells go through shapely. *drop_full* leaves
    whole cells null.
    """
    geoms = np.asarray(cells.geometry.values, dtype=object)
    full = (
        cells["full"].to_numpy(dtype=bool)
        if "full" in cells
        else np.zeros(len(cells), dtype=bool)
    )
    square = full if net is not None or drop_full else np.zeros_like(full)
    if len(cells) * _SQUARE_BYTES >= 2**31:
        square = square & drop_full  # too big for 32-bit offsets: shapely's WKB
    rest = np.flatnonzero(~square)
    other = pa.array(shapely.to_wkb(as_multipolygons(geoms[rest])), pa.binary())
    if drop_full or net is None:
        head = pa.nulls(int(square.sum()), pa.binary())
    else:
        rows, cols = (cells[c].to_numpy()[square] for c in ("row", "col"))
        head = _square_wkb(net, rows, cols)
    order = np.empty(len(cells), dtype=np.int64)
    order[np.concatenate([np.flatnonzero(square), rest])] = np.arange(len(cells))
    return pa.concat_arrays([head, other]).take(pa.array(order))


# little-endian MultiPolygon of one Polygon of one ring of 5 points, then x y x y ...
_SQUARE_HEAD = np.frombuffer(struct.pack("<BIIBIII", 1, 6, 1, 1, 3, 1, 5), np.uint8)
_SQUARE_BYTES = len(_SQUARE_HEAD) + 10 * 8


def _square_wkb(net: GridSpec, rows: np.ndarray, cols: np.ndarray) -> pa.Array:
    """WKB of fishnet squares, the same bytes shapely writes for ``net.boxes``
    (same arithmetic, same vertex order: counter-clockwise from the south-east)."""
    left, top = net.left(cols), net.top(rows)
    xmin, ymin, xmax, ymax = left, top - net.size, left + net.size, top
    ring = (xmax, ymin, xmax, ymax, xmin, ymax, xmin, ymin, xmax, ymin)
    xy = np.stack(ring, axis=1).astype("<f8")
    records = np.empty((len(rows), _SQUARE_BYTES), dtype=np.uint8)
    records[:, : len(_SQUARE_HEAD)] = _SQUARE_HEAD
    records[:, len(_SQUARE_HEAD) :] = xy.view(np.uint8)
    offsets = np.arange(len(rows) + 1, dtype=np.int32) * _SQUARE_BYTES
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(records)]
    return pa.Array.from_buffers(pa.binary(), len(rows), buffers)


def _arrow_column(series: pd.Series) -> pa.Array:
    """One column as Arrow: numbers as they are, anything else as text or null."""
    if series.dtype.kind in "biuf":
        return pa.array(series.to_numpy())
    try:
        array = pa.array(series, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        array = None
    if isinstance(array, pa.ChunkedArray):  # pandas' Arrow-backed text
        array = array.combine_chunks()
    if array is None or not (
        pa.types.is_string(array.type)
        or pa.types.is_large_string(array.type)
        or pa.types.is_null(array.type)
    ):
        values = series.to_numpy(dtype=object)
        text = [None if v is None or v != v else str(v) for v in values]
        array = pa.array(text, pa.string())
    return array.cast(pa.string())


def _conform(schema: pa.Schema, batches: Iterator[pa.RecordBatch]):
    """Give every batch the first batch's columns and types (nulls where absent)."""
    for batch in batches:
        if batch.schema.equals(schema):
            yield batch
            continue
        extra = set(batch.schema.names) - set(schema.names)
        if extra:
            raise ExportError(
                f"partition has columns the first one lacks: {', '.join(sorted(extra))}"
            )
        arrays = [
            batch.column(f.name).cast(f.type)
            if f.name in batch.schema.names
            else pa.nulls(batch.num_rows, f.type)
            for f in schema
        ]
        yield pa.RecordBatch.from_arrays(arrays, schema=schema)
