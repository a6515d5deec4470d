"""Export dialogs for web maps and print maps: same writers as ``riskmap export``."""

from __future__ import annotations

from pathlib import Path

from PyQt5.QtWidgets import QCheckBox, QComboBox, QLineEdit, QSpinBox, QWidget

from riskmap.domain import RiskResult
from riskmap.errors import InputDataError
from riskmap.export.printmap import write_print_maps
from riskmap.export.webmap import write_web_maps
from riskmap.gui.dialogs.task_dialog import PathField, TaskDialog
from riskmap.gui.i18n import language, tr
from riskmap.gui.workers import Task
from riskmap.io.result import read_result


class ExportDialog(TaskDialog):
    """Common part: the open result and where to write.

    *result* may hold only the summary (the map reads cells per view); the task
    then reads the whole result from ``source``, its RESULT.gpkg, set by the caller.
    """

    out_mode = "folder"

    def __init__(self, result: RiskResult, parent: QWidget | None = None):
        super().__init__(parent)
        self.result = result
        self.source: Path | None = None
        self.out = self.add_row("export.out", PathField(self.out_mode))

    def _whole(self, result: RiskResult) -> RiskResult:
        """*result* with its cells (read from the file if only its summary is open)."""
        if self.source is not None and len(result.cells) == 0:
            return read_result(self.source)
        return result

    def _out(self) -> Path:
        """The chosen output, or a message."""
        if not self.out.text():
            raise InputDataError(tr("compute.missing", what=tr("export.out")))
        return Path(self.out.text())


class WebMapDialog(ExportDialog):
    """``riskmap export maps``: one offline HTML map per community plus index.html."""

    title_key = "act.export_maps"

    def __init__(self, result: RiskResult, parent: QWidget | None = None):
        super().__init__(result, parent)
        self.basemap = self.add_row("export.basemap", QComboBox())
        self.basemap.addItems(["hillshade", "none", "osm"])
        self.dem = self.add_row("export.hillshade_dem", PathField("open"))
        self.retranslate()

    def make_task(self) -> Task:
        """Write the maps; the task returns index.html."""
        out, result, basemap = self._out(), self.result, self.basemap.currentText()
        lang, dem = language(), _optional_path(self.dem)

        def task(progress) -> str:
            paths = write_web_maps(
                self._whole(result),
                out,
                basemap=basemap,
                dem=dem,
                lang=lang,
                progress=progress,
            )
            return str(paths[0])

        return task


class PrintDialog(ExportDialog):
    """``riskmap export print``: the four-colour map of every community as PDF/PNG."""

    title_key = "act.export_print"
    out_mode = "save"

    def __init__(self, result: RiskResult, parent: QWidget | None = None):
        super().__init__(result, parent)
        self.community = self.add_row("export.community", QComboBox())
        self.community.addItem(tr("export.all_communities"), None)
        table = self.result.communities
        names = table["community"].astype(str)
        shared = set(names[names.duplicated()])
        for name, cid in zip(names, table["community_id"].astype(str), strict=True):
            label = f"{name} ({cid})" if name in shared else name
            self.community.addItem(label, cid)  # by id: names need not be unique
        self.paper = self.add_row("export.paper", QComboBox())
        self.paper.addItems(["A4", "A3"])
        self.orientation = self.add_row("export.orientation", QComboBox())
        self.orientation.addItems(["landscape", "portrait"])
        self.dpi = self.add_row("export.dpi", QSpinBox(minimum=72, maximum=600))
        self.dpi.setValue(300)
        self.title = self.add_row("export.map_title", QLineEdit())
        self.issuer = self.add_row("export.issuer", QLineEdit())
        self.mono = self.add_row("export.mono", QCheckBox())
        self.notice = self.add_row("export.notice", QCheckBox())
        self.inset = self.add_row("export.inset_layer", PathField("open"))
        self.retranslate()

    def make_task(self) -> Task:
        """Write the PDF (or PNGs); the task returns the first file written."""
        out, result = self._out(), self.result
        chosen = self.community.currentData()
        options = {
            "communities": [chosen] if chosen else None,
            "paper": self.paper.currentText(),
            "orientation": self.orientation.currentText(),
            "dpi": self.dpi.value(),
            "title": self.title.text().strip() or None,
            "issuer": self.issuer.text().strip() or None,
            "mono": self.mono.isChecked(),
            "notice": self.notice.isChecked(),
            "lang": language(),
            "inset_layer": _optional_path(self.inset),
        }

        def task(progress) -> str:
            paths = write_print_maps(
                self._whole(result), out, progress=progress, **options
            )
            return str(paths[0])

        return task


def _optional_path(field: PathField) -> Path | None:
    """The file a path field names, or None when it is left empty."""
    text = field.text().strip()
    return Path(text) if text else None
