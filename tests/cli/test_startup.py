"""`riskmap --help` starts fast: the heavy libraries are imported where they are
used, not when the command line is built. Checked by what is imported (stable),
not by a timing (noisy on a shared machine)."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Libraries that take tens to hundreds of milliseconds each to import.
HEAVY = (
    "numpy", "pandas", "geopandas", "shapely", "pyproj", "rasterio", "pyogrio",
    "matplotlib", "folium", "branca", "jinja2", "dask", "distributed", "scipy",
    "fontTools", "PIL", "pikepdf", "psycopg", "pydantic", "openpyxl", "pyarrow",
)  # fmt: skip

PROBE = """
import sys
from riskmap.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
heavy = {heavy!r}
loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set(heavy))
print("heavy:", *loaded)
"""


def _heavy_imports(argv: list[str]) -> list[str]:
    """The heavy libraries a fresh interpreter holds after ``riskmap ARGV``."""
    code = PROBE.format(argv=argv, heavy=HEAVY)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return proc.stdout.splitlines()[-1].split()[1:]


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["--version"],
        ["compute", "--help"],
        ["export", "maps", "--help"],
        ["points", "import", "--help"],
        ["project", "new", "--help"],
    ],
)
def test_help_imports_no_heavy_library(argv):
    """Help and version texts come without numpy, geopandas, matplotlib & co."""
    assert _heavy_imports(argv) == []


def test_a_command_still_imports_what_it_uses(tmp_path):
    """The probe sees imports: a real command (a missing project, exit 2) loads
    the ledger's libraries when it runs."""
    assert "geopandas" in _heavy_imports(
        ["project", "info", str(tmp_path / "missing.gpkg")]
    )
