"""Exact coverage-weighted raster statistics per cell: mean, max, share above a limit.

Two paths give the same exact numbers as exactextract (coverage fraction of each
pixel inside the polygon as the weight, nodata excluded); ``sum`` is the
coverage-weighted sum, so a count raster (people per pixel) is conserved:

* full fishnet cells are axis-aligned rectangles, so a pixel's coverage is the
  product of its x and y overlap fractions; sums over all cells of a band are then
  two sparse matrix products, ``Wy @ V @ Wx.T`` (fast, no geometry at all);
* any other polygon (cells clipped by a boundary, user grids) gets the exact area of
  its intersection with each pixel it touches, from vectorised shapely.

Rasters are read in windows whose size is bounded by ``budget_mb``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from rasterio.windows import Window
from scipy import sparse

from riskmap.domain import GridSpec
from riskmap.errors import RiskmapWarning
from riskmap.progress import ProgressCallback

STAT_NAMES = ("mean", "max", "frac", "sum")
_EPS = 1e-9  # overlaps below this share of a pixel are floating-point noise


@dataclass(frozen=True)
class CellStats:
    """Per-cell statistics; NaN where the cell covers no valid pixel."""

    mean: np.ndarray
    max: np.ndarray
    frac: np.ndarray
    sum: np.ndarray  # coverage-weighted sum (a cell with 30 % of a pixel gets 30 %)

    @classmethod
    def empty(cls, n: int) -> CellStats:
        """Statistics for *n* cells, all NaN."""
        return cls(*(np.full(n, np.nan) for _ in STAT_NAMES))


@dataclass(frozen=True)
class RasterGrid:
    """The pixel grid of a north-up raster."""

    x0: float
    y0: float  # top edge
    dx: float
    dy: float  # positive pixel height
    width: int
    height: int

    @classmethod
    def of(cls, reader) -> RasterGrid:
        """Grid of an open rasterio dataset or WarpedVRT."""
        t = reader.transform
        return cls(t.c, t.f, t.a, -t.e, reader.width, reader.height)


def read_block(reader, rows: tuple[int, int], cols: tuple[int, int]) -> np.ndarray:
    """Pixels rows x cols as float64, NaN for nodata and for pixels off the raster."""
    (r0, r1), (c0, c1) = rows, cols
    out = np.full((r1 - r0, c1 - c0), np.nan)
    rr0, rr1 = max(r0, 0), min(r1, reader.height)
    cc0, cc1 = max(c0, 0), min(c1, reader.width)
    if rr1 <= rr0 or cc1 <= cc0:
        return out
    win = Window(cc0, rr0, cc1 - cc0, rr1 - rr0)
    data = reader.read(1, window=win, masked=True).astype("float64")
    block = np.ma.filled(data, np.nan)
    if np.isinf(block).any():
        _warn_infinite(reader)
        block[np.isinf(block)] = np.nan
    out[rr0 - r0 : rr1 - r0, cc0 - c0 : cc1 - c0] = block
    return out


def _warn_infinite(reader) -> None:
    """Infinite pixels are no data (a nodata value that was never declared), not a
    depth of infinity: say so (once per raster)."""
    name = Path(getattr(reader, "src_dataset", reader).name).name
    warnings.warn(
        f"hazard raster {name} has infinite cells; they are treated as no data",
        RiskmapWarning,
        stacklevel=2,  # always read_block's line: shown once per raster
    )


def _overlap_matrix(lo: np.ndarray, hi: np.ndarray, p0: float, step: float, n: int):
    """Sparse (intervals x pixels) matrix of each pixel's overlap share with [lo, hi).

    Pixels are [p0 + k*step, p0 + (k+1)*step) for k in 0..n-1.
    """
    first = np.floor((lo - p0) / step).astype(np.int64)
    last = np.ceil((hi - p0) / step).astype(np.int64)
    span = np.maximum(last - first, 0)
    rows = np.repeat(np.arange(len(lo)), span)
    cols = np.repeat(first, span) + _ramp(span)
    left = np.maximum(lo[rows], p0 + cols * step)
    right = np.minimum(hi[rows], p0 + (cols + 1) * step)
    share = np.clip((right - left) / step, 0.0, 1.0)
    keep = (share > _EPS) & (cols >= 0) & (cols < n)
    return sparse.csr_matrix(
        (share[keep], (rows[keep], cols[keep])), shape=(len(lo), n)
    )


def _ramp(span: np.ndarray) -> np.ndarray:
    """0..span[i]-1 for every i, concatenated."""
    total = int(span.sum())
    starts = np.repeat(np.cumsum(span) - span, span)
    return np.arange(total) - starts


def _band_max(values: np.ndarray, wy, wx) -> np.ndarray:
    """Max of valid pixels with coverage > 0 for every (row interval, col interval)."""
    filled = np.where(np.isnan(values), -np.inf, values)
    by_row = _interval_max(filled, wy)  # (n_rows, n_px_cols)
    both = _interval_max(by_row.T, wx).T  # (n_rows, n_cols)
    return np.where(np.isneginf(both), np.nan, both)


def _interval_max(values: np.ndarray, weights) -> np.ndarray:
    """For each interval (row of *weights*), max over the value rows it covers."""
    w = weights.tocsr()
    counts = np.diff(w.indptr)
    out = np.full((w.shape[0], values.shape[1]), -np.inf)
    for k in range(int(counts.max()) if len(counts) else 0):
        has = counts > k
        out[has] = np.maximum(out[has], values[w.indices[w.indptr[:-1][has] + k]])
    return out


def rectangle_stats(
    reader,
    grid_x0: float,
    grid_y0: float,
    size: float,
    rows: np.ndarray,
    cols: np.ndarray,
    threshold: float,
    budget_mb: float = 256.0,
) -> CellStats:
    """Exact statistics for full fishnet cells given by global (row, col) indices.

    Cell (r, c) spans x in [grid_x0 + c*size, +size) and y in
    [grid_y0 - (r+1)*size, grid_y0 - r*size) (rows count southward).
    """
    out = CellStats.empty(len(rows))
    if len(rows) == 0:
        return out
    pix = RasterGrid.of(reader)
    for sel, r0, r1 in _row_bands(rows, size, pix, budget_mb):
        c0, c1 = int(cols[sel].min()), int(cols[sel].max()) + 1
        band = _rect_band(
            reader, pix, grid_x0, grid_y0, size, (r0, r1), (c0, c1), threshold
        )
        for name in STAT_NAMES:
            getattr(out, name)[sel] = band[name][rows[sel] - r0, cols[sel] - c0]
    return out


def _row_bands(rows: np.ndarray, size: float, pix: RasterGrid, budget_mb: float):
    """Split cells into bands of whole cell rows whose pixel block fits the budget."""
    order = np.argsort(rows, kind="stable")
    sorted_rows = rows[order]
    px_per_row = max(size / pix.dy, 1.0) * pix.width
    rows_per_band = max(int(budget_mb * 2**20 / (8 * 6 * px_per_row)), 1)
    start = sorted_rows[0]
    while start <= sorted_rows[-1]:
        lo = np.searchsorted(sorted_rows, start)
        hi = np.searchsorted(sorted_rows, start + rows_per_band)
        if hi > lo:
            yield order[lo:hi], int(start), int(sorted_rows[hi - 1]) + 1
        start = sorted_rows[hi] if hi < len(sorted_rows) else sorted_rows[-1] + 1


def _rect_band(reader, pix, gx0, gy0, size, cell_rows, cell_cols, threshold) -> dict:
    """Statistics for every cell of a rectangular block of cell rows and columns."""
    r = np.arange(*cell_rows, dtype="float64")
    c = np.arange(*cell_cols, dtype="float64")
    top, bottom = gy0 - r * size, gy0 - (r + 1) * size
    left, right = gx0 + c * size, gx0 + (c + 1) * size
    # pixel rows count down from the top edge: measure y as distance below y0
    i0 = int(np.floor((pix.y0 - top.max()) / pix.dy))
    i1 = int(np.ceil((pix.y0 - bottom.min()) / pix.dy))
    j0 = int(np.floor((left.min() - pix.x0) / pix.dx))
    j1 = int(np.ceil((right.max() - pix.x0) / pix.dx))
    values = read_block(reader, (i0, i1), (j0, j1))
    wy = _overlap_matrix(pix.y0 - top, pix.y0 - bottom, i0 * pix.dy, pix.dy, i1 - i0)
    wx = _overlap_matrix(left - pix.x0, right - pix.x0, j0 * pix.dx, pix.dx, j1 - j0)
    valid = ~np.isnan(values)
    count = _weighted(valid.astype("float64"), wy, wx)
    total = _weighted(np.where(valid, values, 0.0), wy, wx)
    above = _weighted(
        (valid & (np.nan_to_num(values, nan=-np.inf) > threshold)) * 1.0, wy, wx
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "mean": np.where(count > 0, total / count, np.nan),
            "max": _band_max(values, wy, wx),
            "frac": np.where(count > 0, above / count, np.nan),
            "sum": np.where(count > 0, total, np.nan),
        }


def _weighted(block: np.ndarray, wy, wx) -> np.ndarray:
    """Wy @ block @ Wx.T: coverage-weighted sums of *block* for every cell."""
    return np.asarray(wy @ (wx @ block.T).T)


def polygon_stats(
    reader,
    geoms: np.ndarray,
    threshold: float,
    budget_mb: float = 256.0,
    progress: ProgressCallback | None = None,
) -> CellStats:
    """Exact statistics for arbitrary polygons (in the reader's CRS).

    Work is split into jobs (a polygon and a strip of its pixel window) so that even
    a polygon covering millions of pixels is read and intersected piece by piece.
    """
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    if n == 0:
        return CellStats.empty(0)
    pix = RasterGrid.of(reader)
    shapely.prepare(geoms)
    limit = max(int(budget_mb * 2**20 / 200), 1)  # ~200 bytes per (polygon, pixel)
    polys, windows = _jobs(_pixel_windows(geoms, pix), limit)
    acc = _Accumulator(n)
    chunks = list(_chunks(windows, limit))
    for done, chunk in enumerate(chunks):
        _polygon_chunk(reader, pix, geoms, polys[chunk], windows[chunk], threshold, acc)
        if progress:
            progress(done + 1, len(chunks), "zonal statistics")
    return acc.stats()


class _Accumulator:
    """Running coverage-weighted sums and maxima per polygon."""

    def __init__(self, n: int):
        self.count = np.zeros(n)
        self.total = np.zeros(n)
        self.above = np.zeros(n)
        self.peak = np.full(n, -np.inf)

    def add(self, poly, cover, values, threshold: float) -> None:
        """Add (polygon, coverage, value) pairs of valid pixels."""
        ids, local = np.unique(poly, return_inverse=True)
        m = len(ids)
        self.count[ids] += np.bincount(local, weights=cover, minlength=m)
        self.total[ids] += np.bincount(local, weights=cover * values, minlength=m)
        above = cover * (values > threshold)
        self.above[ids] += np.bincount(local, weights=above, minlength=m)
        peak = np.full(m, -np.inf)
        np.maximum.at(peak, local, values)
        self.peak[ids] = np.maximum(self.peak[ids], peak)

    def stats(self) -> CellStats:
        """Mean, max and share above the threshold (NaN without valid pixels)."""
        has = self.count > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            return CellStats(
                mean=np.where(has, self.total / self.count, np.nan),
                max=np.where(np.isneginf(self.peak), np.nan, self.peak),
                frac=np.where(has, self.above / self.count, np.nan),
                sum=np.where(has, self.total, np.nan),
            )


def _pixel_windows(geoms: np.ndarray, pix: RasterGrid) -> np.ndarray:
    """(n, 4) pixel index bounds i0, i1, j0, j1 of each polygon's bounding box."""
    b = shapely.bounds(geoms)
    i0 = np.floor((pix.y0 - b[:, 3]) / pix.dy)
    i1 = np.ceil((pix.y0 - b[:, 1]) / pix.dy)
    j0 = np.floor((b[:, 0] - pix.x0) / pix.dx)
    j1 = np.ceil((b[:, 2] - pix.x0) / pix.dx)
    win = np.stack([i0, i1, j0, j1], axis=1)
    win[:, [0, 1]] = np.clip(win[:, [0, 1]], 0, pix.height)
    win[:, [2, 3]] = np.clip(win[:, [2, 3]], 0, pix.width)
    win[:, 1] = np.maximum(win[:, 1], win[:, 0])
    win[:, 3] = np.maximum(win[:, 3], win[:, 2])
    return win.astype(np.int64)


def _jobs(windows: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """Split windows larger than *limit* pixels into strips of rows."""
    width = np.maximum(windows[:, 3] - windows[:, 2], 1)
    rows_per_job = np.maximum(limit // width, 1)
    height = windows[:, 1] - windows[:, 0]
    pieces = np.maximum(-(-height // rows_per_job), 1)
    polys = np.repeat(np.arange(len(windows)), pieces)
    k = _ramp(pieces)
    jobs = windows[polys].copy()
    jobs[:, 0] = windows[polys, 0] + k * rows_per_job[polys]
    jobs[:, 1] = np.minimum(jobs[:, 0] + rows_per_job[polys], windows[polys, 1])
    return polys, jobs


def _chunks(windows: np.ndarray, limit: int):
    """Groups of jobs, ordered by position, whose pixel pairs fit *limit*."""
    pairs = (windows[:, 1] - windows[:, 0]) * (windows[:, 3] - windows[:, 2])
    order = np.lexsort((windows[:, 2], windows[:, 0]))
    start, acc = 0, 0
    for k, idx in enumerate(order):
        acc += int(pairs[idx])
        if acc > limit and k > start:
            yield order[start:k]
            start, acc = k, int(pairs[idx])
    yield order[start:]


def _polygon_chunk(
    reader, pix, geoms, polys, win, threshold, acc: _Accumulator
) -> None:
    """Accumulate the jobs of one chunk from one raster window."""
    i0, i1 = int(win[:, 0].min()), int(win[:, 1].max())
    j0, j1 = int(win[:, 2].min()), int(win[:, 3].max())
    if i1 <= i0 or j1 <= j0:
        return
    values = read_block(reader, (i0, i1), (j0, j1))
    poly, pi, pj = _pairs(polys, win)
    cover = _coverage(geoms[poly], pix, pi, pj)
    v = values[pi - i0, pj - j0]
    keep = (cover > _EPS) & ~np.isnan(v)
    acc.add(poly[keep], cover[keep], v[keep], threshold)


def _pairs(chunk: np.ndarray, win: np.ndarray):
    """Every (polygon, pixel row, pixel col) inside each polygon's pixel window."""
    h = win[:, 1] - win[:, 0]
    w = win[:, 3] - win[:, 2]
    n = np.maximum(h, 0) * np.maximum(w, 0)
    poly = np.repeat(chunk, n)
    k = _ramp(n)
    wi = np.repeat(w, n)
    pi = np.repeat(win[:, 0], n) + k // np.maximum(wi, 1)
    pj = np.repeat(win[:, 2], n) + k % np.maximum(wi, 1)
    return poly, pi, pj


def _coverage(polys: np.ndarray, pix: RasterGrid, pi: np.ndarray, pj: np.ndarray):
    """Share of each pixel (pi, pj) covered by the matching polygon, exactly."""
    x0 = pix.x0 + pj * pix.dx
    y1 = pix.y0 - pi * pix.dy
    boxes = shapely.box(x0, y1 - pix.dy, x0 + pix.dx, y1)
    cover = np.zeros(len(boxes))
    inside = shapely.contains_properly(polys, boxes)
    cover[inside] = 1.0
    edge = ~inside & shapely.intersects(polys, boxes)
    if edge.any():
        area = shapely.area(shapely.intersection(polys[edge], boxes[edge]))
        cover[edge] = area / (pix.dx * pix.dy)
    return cover


def cell_stats(
    reader, cells, grid: GridSpec, threshold: float, budget_mb: float = 256.0
) -> CellStats:
    """Exact statistics of every cell: rectangle path for full cells, polygon path
    for the rest (clipped cells, user grids). *cells* are in the reader's CRS."""
    out = CellStats.empty(len(cells))
    full = cells["full"].to_numpy(dtype=bool) & grid.is_lattice
    rect = rectangle_stats(
        reader,
        grid.x0,
        grid.y0,
        grid.size,
        cells["row"].to_numpy()[full],
        cells["col"].to_numpy()[full],
        threshold,
        budget_mb,
    )
    poly = polygon_stats(reader, cells.geometry.values[~full], threshold, budget_mb)
    for name in STAT_NAMES:
        getattr(out, name)[full] = getattr(rect, name)
        getattr(out, name)[~full] = getattr(poly, name)
    return out
