"""Desktop app: time and peak memory to open a result, up to the first frame drawn.

Runs the real main window offscreen, opens RESULT.gpkg with File → Open result
(the worker-thread path) and stops the clock when the canvas has rendered the
result for the first time; then zooms in to one community's centre, waits for
the polygons of that view and clicks a cell. Each result is opened three times,
each time in a fresh process (so peak resident memory is its own): through its
level raster; as if it had none (a level raster painted in memory from the
cells' row, column and level); and whole, the way every result opened before.

    python bench/bench_gui_open.py RESULT.gpkg [RESULT2.gpkg ...]

Compute the whole city first, e.g. with ``python bench/bench_compute.py`` options
(``riskmap compute --communities layers/bazhong_counties.geojson ... --cells
both|raster``). Target: under 5 s for a result of any size.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def open_once(path: Path, how: str) -> None:
    """Open *path* in a main window and print the timings and peak memory."""
    from PyQt5.QtCore import QSettings
    from PyQt5.QtWidgets import QApplication

    from riskmap.gui import layers, result_cells
    from riskmap.gui.main_window import MainWindow

    if how == "memory":  # as if the result had no level raster beside it
        result_cells._level_raster = lambda *_: None
    if how == "whole":  # every cell read and drawn, as before the level raster
        layers.open_result_cells = lambda *_: None

    app = QApplication.instance() or QApplication([])
    settings = QSettings(
        str(Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-{os.getpid()}.ini"),
        QSettings.IniFormat,
    )
    window = MainWindow(settings)
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    drawn: list[float] = []
    render = window.canvas.render_cache

    def render_and_note() -> None:
        render()
        if window.result_path is not None and not drawn:
            drawn.append(time.perf_counter())

    window.canvas.render_cache = render_and_note
    window.canvas._timer.timeout.disconnect()
    window.canvas._timer.timeout.connect(window.canvas.render_cache)
    start = time.perf_counter()
    window.open_result_in_background(path)
    while not drawn and time.perf_counter() - start < 600:
        app.processEvents()
        time.sleep(0.005)
    opened = drawn[0] - start if drawn else float("nan")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    zoom = zoom_in_and_click(window, app)
    print(
        f"{path.name} ({how}): first frame {opened:.2f} s, peak RSS {peak:.0f} MB "
        f"(window alone {base:.0f} MB); {zoom}; "
        f"load average {os.getloadavg()[0]:.1f} (target: < 5 s)",
        flush=True,
    )


def zoom_in_and_click(window, app) -> str:
    """Zoom to 2 km around a community centre, wait for the redraw, click the middle."""
    communities = window.result.communities
    centre = communities.geometry.iloc[0].representative_point()
    start = time.perf_counter()
    window.canvas.zoom_to(
        (centre.x - 1000, centre.y - 1000, centre.x + 1000, centre.y + 1000)
    )
    view_cells = getattr(window, "view_cells", None)  # absent before the level raster
    loading = view_cells.pending if view_cells is not None else lambda: False
    while time.perf_counter() - start < 120:
        app.processEvents()
        time.sleep(0.005)
        if not window.canvas._timer.isActive() and not loading():
            break
    zoomed = time.perf_counter() - start
    t0 = time.perf_counter()
    record = window.details.identify(centre.x, centre.y, window.canvas.pick_tolerance())
    clicked = time.perf_counter() - t0
    cell = record.get("cell_id") if record else None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cells = window.stack.find("cells")
    window.close()
    return (
        f"zoom in + redraw {zoomed:.2f} s ({len(cells.gdf):,} cells in memory), "
        f"click {clicked * 1000:.0f} ms ({cell}), peak after zoom {peak:.0f} MB"
    )


def main() -> None:
    """Open each result in its own process."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results", nargs="+", type=Path)
    parser.add_argument(
        "--one", choices=["raster", "memory", "whole"], help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.one:
        open_once(args.results[0], args.one)
        return
    for path in args.results:
        for how in ("raster", "memory", "whole"):
            subprocess.run(
                [sys.executable, __file__, "--one", how, str(path)], check=False
            )


if __name__ == "__main__":
    main()
