"""Offline interactive web maps: one self-contained HTML per community plus an index.

Examples
--------
>>> from riskmap.io.result import read_result  # doctest: +SKIP
>>> write_web_maps(read_result("RESULT.gpkg"), "maps")  # doctest: +SKIP
[PosixPath('maps/index.html'), PosixPath('maps/示例社区一_江口上游_虚构.html'), ...]
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace
from pathlib import Path

import geopandas as gpd

from riskmap.atomic import atomic_dir, is_temporary
from riskmap.choices import BASEMAPS
from riskmap.domain import RiskResult, load_level_styles
from riskmap.errors import InputDataError, RiskmapWarning
from riskmap.export import exposure_view as xv
from riskmap.export.contacts import contacts_for_output
from riskmap.export.filenames import path_inside, unique_stems
from riskmap.export.selection import select_communities
from riskmap.export.webmap.html import preload_assets
from riskmap.export.webmap.index import render_index
from riskmap.export.webmap.page import (
    RESOURCE_REACH_M,
    CommunityLayers,
    PageOptions,
    missing_hazard_files,
    render_community,
)
from riskmap.export.webmap.raster import dem_lonlat_box
from riskmap.export.webmap.text import LANGS
from riskmap.progress import ProgressCallback
from riskmap.worker import die_with_parent

# Below this many cells one process is faster: a worker takes seconds to start.
PARALLEL_MIN_CELLS = 20_000


def write_web_maps(
    result: RiskResult,
    out_dir: str | Path,
    *,
    basemap: str = "hillshade",
    dem: Path | None = None,
    tianditu_key: str | None = None,
    lang: str = "zh",
    jobs: int | None = None,
    communities: list[str] | None = None,
    contacts: str = "masked",
    progress: ProgressCallback | None = None,
) -> list[Path]:
    """Write ``index.html`` and one offline HTML map per community into *out_dir*.

    Returns the written paths, ``index.html`` first. *communities* (names or ids)
    limits the export to those. *basemap* is ``hillshade`` (from the DEM *dem*;
    without one the maps have no base layer: nothing bundled is used unless passed;
    a warning names the communities the DEM does not cover), ``none``, or, only
    when asked, the online ``osm`` or ``tianditu`` (needs *tianditu_key*).
    Hazard overlays come from the files the result's run_info names (a warning
    names those no longer on disk). Contacts of responsible persons are masked unless
    *contacts* is "full". *jobs* processes render the communities (default: one
    per core, up to 2, for results of at least ``PARALLEL_MIN_CELLS`` cells;
    else 1).
    """
    if jobs is not None and jobs < 1:
        raise InputDataError(f"--jobs must be 1 or more, not {jobs}")
    options = _options(basemap, dem, tianditu_key, lang)
    chosen = select_communities(result, communities, "leave out --community")
    result = _subset(result, chosen, contacts)
    if options.basemap == "hillshade" and options.dem is not None:
        _warn_uncovered_by_dem(result, options.dem)
    _warn_missing_hazards(result)
    out_dir = Path(out_dir)
    _check_out_dir(out_dir)
    communities = result.communities.reset_index(drop=True)
    stems = unique_stems(
        communities["community"].tolist(), communities["community_id"].tolist()
    )
    names = [f"{stem}.html" for stem in stems]
    tasks = [_layers(result, i, lang) for i in range(len(communities))]
    if jobs is None:
        big = len(result.cells) >= PARALLEL_MIN_CELLS
        jobs = min(2, os.cpu_count() or 1) if big else 1
    with atomic_dir(out_dir) as folder:  # the page set is replaced as a whole
        paths = [path_inside(folder, name) for name in names]
        _render_all(tasks, paths, options, jobs, progress)
        index = path_inside(folder, "index.html")
        _write(index, render_index(result, names, options))
    return [out_dir / "index.html", *(out_dir / name for name in names)]


def _check_out_dir(out_dir: Path) -> None:
    """Refuse an output folder that holds anything but an earlier set of maps.

    The new set replaces the folder as a whole, so other files there would go.
    """
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise InputDataError(f"--out {out_dir} is a file; give a folder for the maps")
    entries = [e for e in out_dir.iterdir() if not is_temporary(e)]
    index = out_dir / "index.html"
    ours = index.is_file() and "RM.build(" in index.read_text("utf-8", "replace")
    pages = all(e.is_file() and e.suffix == ".html" for e in entries)
    if entries and not (ours and pages):
        shown = ", ".join(sorted(e.name for e in entries)[:3])
        raise InputDataError(
            f"--out {out_dir} holds other files ({shown} ...); the maps replace "
            "their folder as a whole, so give a new or empty folder, or the "
            "folder of an earlier export"
        )


def _options(basemap, dem, key, lang) -> PageOptions:
    """Validate the options and load the level styles."""
    if basemap not in BASEMAPS:
        raise InputDataError(
            f"unknown basemap {basemap!r}; use one of {', '.join(BASEMAPS)}"
        )
    if basemap == "tianditu" and not key:
        raise InputDataError(
            "the tianditu basemap needs your key: pass --tianditu-key KEY "
            "(free at https://console.tianditu.gov.cn)"
        )
    if lang not in LANGS:
        raise InputDataError(f"unknown language {lang!r}; use zh or en")
    if dem is not None and not Path(dem).is_file():
        raise InputDataError(
            f"--hillshade-dem {dem}: file not found; pass an existing GeoTIFF"
        )
    return PageOptions(basemap, dem, key, lang, load_level_styles())


def _subset(result: RiskResult, ids: list[str], contacts: str) -> RiskResult:
    """The result cut to the communities *ids*, contacts masked unless "full"."""
    table = result.communities
    keep = table[table["community_id"].astype(str).isin(ids)]
    cells = result.cells[result.cells["community_id"].astype(str).isin(ids)]
    points = contacts_for_output(result.points, contacts)
    return replace(result, communities=keep, cells=cells, points=points)


def _warn_uncovered_by_dem(result: RiskResult, dem: Path) -> None:
    """Say which communities get no hillshade because the DEM misses them."""
    box = result.communities.to_crs("EPSG:4326").bounds
    w, s, e, n = dem_lonlat_box(dem)
    outside = ~(
        (box["minx"] < e) & (box["maxx"] > w) & (box["miny"] < n) & (box["maxy"] > s)
    ).to_numpy()
    missing = result.communities["community"].astype(str).to_numpy()[outside]
    if len(missing):
        shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
        warnings.warn(
            f"DEM {dem} does not cover {len(missing)} of {len(box)} communities "
            f"({shown}); their maps have no hillshade: pass --hillshade-dem PATH "
            "with a DEM of the area, or --basemap none",
            RiskmapWarning,
            stacklevel=3,
        )


def _warn_missing_hazards(result: RiskResult) -> None:
    """Name the hazard files run_info names that are gone (their overlays go)."""
    gone = missing_hazard_files(result.run_info)
    if gone:
        warnings.warn(
            f"hazard layer(s) {', '.join(gone)} not found (named by the result's "
            "run_info); the web maps leave their overlays out: restore the files "
            "or compute again",
            RiskmapWarning,
            stacklevel=3,
        )


def _layers(result: RiskResult, i: int, lang: str = "zh") -> CommunityLayers:
    """The rows of every result layer that belong to community number *i* (and its
    per-hazard-class exposure table in *lang*)."""
    row = result.communities.iloc[i]
    cid = row["community_id"]
    boundary = gpd.GeoSeries([row.geometry], crs=result.communities.crs)
    cells = result.cells[result.cells["community_id"] == cid].reset_index(drop=True)
    points = result.points
    photos = None
    if points is not None:
        points = points[points["community_id"] == cid]
        photos = _photos_of(result.photos, points)
    resources = result.resources
    if resources is not None:
        reach = boundary.to_crs(resources.crs).buffer(RESOURCE_REACH_M).iloc[0]
        resources = resources[resources.intersects(reach)]
    coverage = result.coverage
    if coverage is not None:
        coverage = coverage[coverage["community_id"] == cid]
    attrs = {k: v for k, v in row.items() if k != "geometry"}
    classes = xv.class_table(result.exposure_classes, cid, lang)
    return CommunityLayers(
        attrs,
        boundary,
        cells,
        points,
        resources,
        coverage,
        result.run_info,
        photos,
        classes,
    )


def _photos_of(photos, points: gpd.GeoDataFrame):
    """The ledger thumbnails of *points* (None when the result carries none)."""
    if photos is None or "point_id" not in points:
        return None
    return photos[photos["point_id"].isin(points["point_id"].astype(str))]


def _render_one(layers: CommunityLayers, path: Path, options: PageOptions) -> Path:
    """Render one community and write it (runs in a worker process)."""
    _write(path, render_community(layers, options))
    return path


def _render_all(tasks, paths, options, jobs, progress) -> None:
    """Render every community, in parallel worker processes when that helps.

    Workers die with this process (``die_with_parent``); on an error or an
    interrupt the communities not started yet are cancelled.
    """
    total = len(tasks) + 1
    jobs = min(jobs, len(tasks))
    if jobs <= 1:
        for k, (task, path) in enumerate(zip(tasks, paths, strict=True)):
            _report(progress, k, total, path.name)
            _render_one(task, path, options)
        _report(progress, len(tasks), total, "index.html")
        return
    pool = ProcessPoolExecutor(
        max_workers=jobs, mp_context=_context(), initializer=die_with_parent
    )
    try:
        futures = [
            pool.submit(_render_one, t, p, options)
            for t, p in zip(tasks, paths, strict=True)
        ]
        for k, future in enumerate(as_completed(futures), 1):
            _report(progress, k, total, future.result().name)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    _report(progress, len(tasks), total, "index.html")


def _context() -> multiprocessing.context.BaseContext:
    """Fork (workers start at once) unless other threads run, e.g. in the GUI."""
    if (
        threading.active_count() == 1
        and "fork" in multiprocessing.get_all_start_methods()
    ):
        preload_assets()  # read once here, inherited by every forked worker
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _report(progress: ProgressCallback | None, done: int, total: int, msg: str) -> None:
    """Call the progress callback if there is one."""
    if progress is not None:
        progress(done, total, msg)


def _write(path: Path, text: str) -> None:
    """Write an HTML page as UTF-8 (into the temporary folder of the new set)."""
    path.write_text(text, encoding="utf-8")
