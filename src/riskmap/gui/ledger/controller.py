"""Connects the open project's ledger to the map, the table and the forms.

Every edit calls the registry (``riskmap.registry.Project``), which writes it in
one transaction with a change-log entry, exactly as ``riskmap points`` does.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
from pyproj import CRS, Transformer
from PyQt5.QtCore import QObject, pyqtSignal
from PyQt5.QtWidgets import QDialog, QWidget

from riskmap.errors import RiskmapError
from riskmap.gui.errors import show_error
from riskmap.gui.i18n import tr
from riskmap.gui.layers import MapLayer
from riskmap.gui.ledger.changeset_dialog import ChangesetExportDialog
from riskmap.gui.ledger.import_dialog import ImportDialog
from riskmap.gui.ledger.merge_dialog import FieldMergeDialog
from riskmap.gui.ledger.point_form import PointForm
from riskmap.gui.ledger.table import LedgerTable
from riskmap.io.crs import describe_crs
from riskmap.registry import Project

LEDGER_CRS = "EPSG:4326"


class LedgerController(QObject):
    """The project's ledger: add by clicking, move, edit, delete, restore, import."""

    changed = pyqtSignal()  # the ledger changed (the map layer was rebuilt)
    tool_changed = pyqtSignal(str)  # "identify", "add" or "move"

    def __init__(self, parent: QWidget, table: LedgerTable):
        super().__init__(parent)
        self.parent_widget, self.table = parent, table
        self.project: Project | None = None
        self.tool = "identify"
        self.moving: str | None = None
        self.form: PointForm | None = None
        self.user = getpass.getuser() or "riskmap"
        table.edit_requested.connect(self.edit_point)
        table.move_requested.connect(self.start_move)
        table.delete_requested.connect(self.delete_point)
        table.restore_requested.connect(self.restore_point)

    # --- project ------------------------------------------------------------------
    def open_project(self, path: str | Path, *, password: str | None = None) -> bool:
        """Open a riskmap project (file or postgresql:// URL); errors go to a dialog."""
        try:
            project = Project.open(path, password=password)
            with project.errors():
                project.communities()
        except RiskmapError as exc:
            show_error(
                self.parent_widget, tr("error.file", path=str(path), msg=str(exc))
            )
            return False
        if self.project is not None:
            self.project.close()
        self.project = project
        self.refresh()
        return True

    def points(self) -> gpd.GeoDataFrame:
        """The whole ledger (deleted rows too), in lon/lat."""
        assert self.project is not None
        points = self.project.points(include_deleted=True).to_crs(LEDGER_CRS)
        names = self.project.communities().set_index("community_id")["community"]
        points["community"] = points["community_id"].map(names)
        return points

    def refresh(self) -> None:
        """Reload the ledger into the table and tell the map."""
        if self.project is not None:
            self.table.set_points(self.points())
            self.changed.emit()

    def points_layer(self, crs: CRS) -> MapLayer | None:
        """The live (not deleted) points as a map layer in *crs*."""
        if self.project is None:
            return None
        live = self.project.points()
        gdf = live.to_crs(crs)
        return MapLayer(
            tr("layer.ledger"),
            "points",
            str(self.project.path),
            describe_crs(live.crs),
            len(gdf),
            gdf=gdf,
            bounds=tuple(gdf.total_bounds) if len(gdf) else (0, 0, 0, 0),
            extra={"ledger": True},
        )

    def handlers(self) -> dict[str, Callable[[], object]]:
        """The Ledger menu's actions (by id) and what each runs."""
        return {
            "tool_identify": lambda: self.set_tool("identify"),
            "tool_add": self.use_add_tool,
            "ledger_import": self.show_import,
            "ledger_merge": self.show_merge,
            "ledger_changeset": self.show_changeset_export,
        }

    # --- map tools ------------------------------------------------------------------
    def use_add_tool(self) -> None:
        """Canvas clicks add a risk point (needs an open project)."""
        if self.project is None:
            show_error(self.parent_widget, tr("ledger.no_project"))
            self.set_tool("identify")
            return
        self.set_tool("add")

    def set_tool(self, tool: str) -> None:
        """Switch the canvas click between identify, add and move."""
        self.tool = tool
        if tool != "move":
            self.moving = None
        self.tool_changed.emit(tool)

    def handle_click(self, x: float, y: float, crs: CRS) -> bool:
        """A canvas click in map CRS; True when the ledger used it."""
        if self.project is None or self.tool == "identify":
            return False
        lon, lat = Transformer.from_crs(crs, LEDGER_CRS, always_xy=True).transform(x, y)
        if self.tool == "add":
            self.add_point_at(lon, lat)
        elif self.tool == "move" and self.moving:
            self._run(
                self.project.move_point, self.moving, lon, lat, user=self.user,
                base_version=self._version(self.moving),
            )  # fmt: skip
            self.set_tool("identify")
        return True

    # --- edits ------------------------------------------------------------------------
    def add_point_at(self, lon: float, lat: float) -> str | None:
        """Open the form for a new point at (lon, lat); save it when accepted."""
        form = self._open_form({})
        form.set_location(lon, lat)
        if form.exec_() != QDialog.Accepted:
            return None
        return self._run(
            self.project.add_point, form.record(), lon, lat, user=self.user
        )

    def edit_point(self, point_id: str) -> None:
        """Open the form on a point; save the changed fields."""
        record = self._record(point_id)
        if record is None:
            return
        form = self._open_form(record)
        if form.exec_() == QDialog.Accepted and form.modified():
            before = {k: str(record.get(k, "") or "") for k in form.editors}
            changes = {k: v for k, v in form.texts().items() if v != before.get(k, "")}
            self._run(
                self.project.edit_point, point_id, changes, user=self.user,
                base_version=record.get("version"),
            )  # fmt: skip

    def start_move(self, point_id: str) -> None:
        """The next canvas click moves *point_id* there."""
        self.set_tool("move")
        self.moving = point_id

    def delete_point(self, point_id: str) -> None:
        """Soft-delete a point (it can be restored)."""
        self._run(
            self.project.delete_point, point_id, user=self.user,
            base_version=self._version(point_id),
        )  # fmt: skip

    def restore_point(self, point_id: str) -> None:
        """Bring a deleted point back."""
        self._run(self.project.restore_point, point_id, user=self.user)

    def show_import(self) -> ImportDialog | None:
        """The import dialog for the open project."""
        if self.project is None:
            show_error(self.parent_widget, tr("ledger.no_project"))
            return None
        dialog = ImportDialog(self.project, self.user, self.parent_widget)
        dialog.written.connect(lambda _: self.refresh())
        dialog.show()
        return dialog

    def unsaved(self) -> bool:
        """True while a point form with changes is open."""
        return bool(self.form and self.form.isVisible() and self.form.modified())

    def _open_form(self, record: dict) -> PointForm:
        """A new point form (kept so tests and the close check can reach it), with
        the point's stored photos."""
        photos = []
        if record.get("id") and self.project is not None:
            photos = [(p.name, p.data) for p in self.project.photos(record["id"])]
        self.form = PointForm(self.parent_widget, record, photos)
        return self.form

    def show_merge(self) -> FieldMergeDialog | None:
        """The dialog that reviews and merges change-sets from field pages."""
        if self.project is None:
            show_error(self.parent_widget, tr("ledger.no_project"))
            return None
        dialog = FieldMergeDialog(self.project, self.user, self.parent_widget)
        dialog.merged.connect(self.refresh)
        dialog.show()
        return dialog

    def show_changeset_export(self) -> ChangesetExportDialog | None:
        """The dialog that writes this app's ledger changes as a change-set."""
        if self.project is None:
            show_error(self.parent_widget, tr("ledger.no_project"))
            return None
        dialog = ChangesetExportDialog(self.project, self.user, self.parent_widget)
        dialog.show()
        return dialog

    def _version(self, point_id: str) -> int | None:
        """The version of *point_id* the table shows (edits made on it are refused
        if someone else changed the point since: a shared database)."""
        version = self.table.version_of(point_id)
        return None if version is None else int(version)

    def _record(self, point_id: str) -> dict | None:
        """The ledger record of *point_id*."""
        points = self.points()
        rows = points[points["id"].astype(str) == point_id]
        return None if rows.empty else rows.iloc[0].to_dict()

    def _run(self, method, *args, **kwargs):
        """Call a registry edit; show its error (a refused row on a shared
        database too); refresh on success."""
        try:
            with self.project.errors():
                value = method(*args, **kwargs)
        except RiskmapError as exc:
            show_error(self.parent_widget, str(exc))
            return None
        self.refresh()
        return value
