"""The compute dialog: choose inputs, run the analysis in a worker, show progress."""

from __future__ import annotations

from pathlib import Path

from PyQt5.QtWidgets import QDoubleSpinBox, QPlainTextEdit, QWidget

from riskmap.core.pipeline import AnalysisInputs
from riskmap.errors import InputDataError
from riskmap.gui.dialogs.task_dialog import PathField, TaskDialog
from riskmap.gui.i18n import tr
from riskmap.gui.workers import Task, analysis_task
from riskmap.io.layers import (
    load_communities,
    load_hazard,
    load_points,
    parse_hazard_arg,
)
from riskmap.model import RiskModel, load_model


class ComputeDialog(TaskDialog):
    """Communities, hazards (one NAME=PATH per line), points, cell size, model, out."""

    title_key = "compute.title"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.communities = self.add_row("compute.communities", PathField())
        self.hazards = self.add_row("compute.hazards", QPlainTextEdit())
        self.hazards.setFixedHeight(70)
        self.points = self.add_row("compute.points", PathField())
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
    ) -> None:
        """Fill the form (used by the sample shortcut, the project and tests)."""
        self.communities.edit.setText(communities)
        self.hazards.setPlainText("\n".join(hazards))
        self.points.edit.setText(points)
        self.out.edit.setText(out)
        self.cell_size.setValue(cell_size)

    def _inputs(self) -> tuple[AnalysisInputs, RiskModel]:
        """Load and validate the form's inputs with the core loaders."""
        for field, key in (
            (self.communities, "compute.communities"),
            (self.out, "compute.out"),
        ):
            if not field.text():
                raise InputDataError(tr("compute.missing", what=tr(key)))
        model = load_model(self.model.text() or None)
        lines = [
            h.strip() for h in self.hazards.toPlainText().splitlines() if h.strip()
        ]
        inputs = AnalysisInputs(
            communities=load_communities(self.communities.text()),
            hazards=[load_hazard(parse_hazard_arg(h)) for h in lines],
            points=load_points(self.points.text(), model)
            if self.points.text()
            else None,
            cell_size=self.cell_size.value(),
        )
        return inputs, model

    def make_task(self) -> Task:
        """Compute and write RESULT.gpkg."""
        inputs, model = self._inputs()
        return analysis_task(inputs, model, str(Path(self.out.text())))
