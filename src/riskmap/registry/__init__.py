"""The risk-point ledger (风险隐患台账): a riskmap project GeoPackage and its registry.

Qt-free API for the CLI and the GUI: ``Project`` (create/open, points, add/edit/
move/delete/restore, history), ``FIELDS`` and ``validate_record`` for forms,
``preview_import``, ``import_file`` and ``export_points``.
"""

from riskmap.registry.exporter import export_points
from riskmap.registry.fields import FIELDS, Field, validate_record
from riskmap.registry.importer import ImportReport, import_file, preview_import
from riskmap.registry.levels import PointRules, load_point_rules
from riskmap.registry.store import Project

__all__ = [
    "FIELDS",
    "Field",
    "ImportReport",
    "PointRules",
    "Project",
    "export_points",
    "import_file",
    "load_point_rules",
    "preview_import",
    "validate_record",
]
