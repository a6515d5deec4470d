"""The compute dialog: choose inputs, run the analysis in a worker, show progress."""

from __future__ import annotations

from pathlib import Path

from PyQt5.QtWidgets import QDoubleSpinBox, QPlainTextEdit, QWidget

from riskmap.commands.project import location
from riskmap.commands.request import parse_hazard_args
from riskmap.errors import InputDataError
from riskmap.gui.dialogs.task_dialog import PathField, TaskDialog
from riskmap.gui.i18n import tr
from riskmap.gui.workers import Task, analysis_task
from riskmap.io.request import AnalysisRequest


class ComputeDialog(TaskDialog):
    """Communities, hazards (one NAME=PATH per line), points, cell size, model, out."""

    title_key = "compute.title"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.project = self.add_row("compute.project", PathField())
        self.communities = self.add_row("compute.communities", PathField())
        self.hazards = self.add_row("compute.hazards", QPlainTextEdit())
        self.hazards.setFixedHeight(70)
        self.points = self.add_row("compute.points", PathField())
        self.resources = self.add_row("compute.resources", PathField())
        self.cell_size = self.add_row(
            "compute.cell_size",
            QDoubleSpinBox(minimum=1, maximum=100_000, value=100, decimals=1),
        )
        self.model = self.add_row("compute.model", PathField())
        self.out = self.add_row("compute.out", PathField("save"))
        self.retranslate()

    def set_values(
        self,
        communities: str,
        hazards: list[str],
        out: str,
        points: str = "",
        cell_size: float = 100.0,
        *,
        project: str = "",
        resources: str = "",
    ) -> None:
        """Fill the form (used by the sample shortcut, the project and tests)."""
        self.project.edit.setText(project)
        self.resources.edit.setText(resources)
        self.communities.edit.setText(communities)
        self.hazards.setPlainText("\n".join(hazards))
        self.points.edit.setText(points)
        self.out.edit.setText(out)
        self.cell_size.setValue(cell_size)

    def request(self) -> AnalysisRequest:
        """The form as an analysis request (checks the required fields and the
        hazard lines; reads no file)."""
        if not (self.communities.text() or self.project.text()):
            raise InputDataError(tr("compute.missing", what=tr("compute.communities")))
        if not self.out.text():
            raise InputDataError(tr("compute.missing", what=tr("compute.out")))
        lines = self.hazards.toPlainText().splitlines()
        return AnalysisRequest(
            project=location(self.project.text()) if self.project.text() else None,
            communities=_path(self.communities.text()),
            hazards=parse_hazard_args(line.strip() for line in lines if line.strip()),
            points=_path(self.points.text()),
            resources=_path(self.resources.text()),
            cell_size=self.cell_size.value(),
            model=_path(self.model.text()),
        )

    def make_task(self) -> Task:
        """Load the inputs, compute and write RESULT.gpkg (with the project's photo
        thumbnails), all in the worker."""
        return analysis_task(self.request(), str(Path(self.out.text())))


def _path(text: str) -> Path | None:
    """A path from a form field (None when empty)."""
    return Path(text) if text else None
