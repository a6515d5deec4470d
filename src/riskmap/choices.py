"""Option vocabularies the command line offers and the code behind it checks.

They live here, in a module that imports nothing, so that building the command
line (``riskmap --help``) loads no library; the modules that act on an option
import its vocabulary from here.
"""

from __future__ import annotations

CELLS_MODES = ("polygons", "raster", "both")  # how compute stores whole cells
BASEMAPS = ("hillshade", "none", "osm", "tianditu")  # web-map backgrounds
CONTACT_MODES = ("masked", "full")  # responsible persons' names and phones
LEDGER_FORMATS = ("xlsx", "csv", "geojson")  # riskmap points export
ACCURACY_LIMIT_M = 30.0  # field pages warn about GPS fixes worse than this
