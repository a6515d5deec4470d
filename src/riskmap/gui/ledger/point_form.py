"""The risk-point form: one widget per ledger field, validated as the user types.

The fields, their labels, kinds and choices come from ``riskmap.registry.FIELDS``
and every check from ``riskmap.registry.validate_record``, so the form accepts
exactly what ``riskmap points add`` accepts.
"""

from __future__ import annotations

import html
from typing import Any

from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtGui import QPixmap
from PyQt5.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from riskmap.gui.i18n import language, tr
from riskmap.registry import FIELDS, validate_record

# The store makes the id when it is left empty; the rest it fills itself.
AUTOMATIC = {"id"}


def field_label(spec: Any) -> str:
    """The field's label in the current language, with * when required."""
    label = spec.label_en if language() == "en" else spec.label_zh
    return f"{label} *" if spec.required else label


def form_fields() -> list[Any]:
    """The ledger fields a person fills in, in ledger order."""
    return [s for s in FIELDS if s.editable and s.name not in AUTOMATIC]


class FieldEditor(QWidget):
    """An input for one field plus its inline error message."""

    changed = pyqtSignal()

    def __init__(self, spec: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.spec = spec
        self.error = QLabel()
        self.error.setTextFormat(Qt.PlainText)  # quotes what was typed
        self.error.setStyleSheet("color: #B00020;")
        self.error.hide()
        if spec.choices:
            self.input = QComboBox()
            self.input.setEditable(spec.kind != "choice")
            self.input.addItems(["", *[str(c) for c in spec.choices]])
            self.input.currentTextChanged.connect(self.changed)
        else:
            self.input = QLineEdit()
            self.input.textChanged.connect(self.changed)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.input)
        box.addWidget(self.error)

    def text(self) -> str:
        """The typed or chosen text."""
        if isinstance(self.input, QComboBox):
            return self.input.currentText().strip()
        return self.input.text().strip()

    def set_text(self, value: object) -> None:
        """Show *value* (None and NaN show empty)."""
        text = "" if value is None or value != value else str(value)
        if text.endswith(".0") and self.spec.kind == "int":
            text = text[:-2]
        if isinstance(self.input, QComboBox):
            if self.input.findText(text) < 0:
                self.input.addItem(text)
            self.input.setCurrentText(text)
        else:
            self.input.setText(text)

    def show_error(self, message: str) -> None:
        """Show or clear the inline error."""
        self.error.setText(message)
        self.error.setVisible(bool(message))


def photo_strip(photos: list[tuple[str, bytes]]) -> QWidget:
    """Thumbnails of a point's stored photos (images only: no text is rendered)."""
    strip = QWidget()
    row = QHBoxLayout(strip)
    row.setContentsMargins(0, 0, 0, 0)
    for name, data in photos:
        pixmap = QPixmap()
        if not pixmap.loadFromData(data):
            continue
        thumb = QLabel()
        thumb.setTextFormat(Qt.PlainText)
        thumb.setPixmap(
            pixmap.scaled(96, 96, Qt.KeepAspectRatio, Qt.SmoothTransformation)
        )
        thumb.setToolTip(html.escape(name))
        row.addWidget(thumb)
    row.addStretch(1)
    return strip


class PointForm(QDialog):
    """Add or edit one risk point; Save stays disabled while a field is invalid."""

    def __init__(
        self,
        parent: QWidget | None = None,
        record: dict | None = None,
        photos: list[tuple[str, bytes]] | None = None,
    ):
        super().__init__(parent)
        self.photos = photo_strip(photos or [])
        self.editors = {spec.name: FieldEditor(spec) for spec in form_fields()}
        self.location = QLabel()
        self.form = QFormLayout()
        for editor in self.editors.values():
            self.form.addRow(QLabel(), editor)
            editor.changed.connect(self.validate)
        inner = QWidget()
        inner.setLayout(self.form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(self.location)
        box.addWidget(self.photos)
        box.addWidget(scroll)
        box.addWidget(self.buttons)
        self.resize(520, 640)
        self._original: dict[str, str] = {}
        if record:
            self.set_record(record)
        self._original = self.texts()
        self.retranslate()
        self.validate()

    def retranslate(self) -> None:
        """Labels in the current language."""
        self.setWindowTitle(tr("ledger.form_title"))
        for row, editor in enumerate(self.editors.values()):
            label = self.form.itemAt(row, QFormLayout.LabelRole).widget()
            label.setText(field_label(editor.spec))

    def set_location(self, lon: float, lat: float) -> None:
        """Show where the point will be (WGS84/CGCS2000 degrees)."""
        self.location.setText(tr("status.coords", lon=lon, lat=lat))

    def set_record(self, record: dict) -> None:
        """Fill the editors from a ledger record."""
        for name, editor in self.editors.items():
            if name in record:
                editor.set_text(record[name])

    def texts(self) -> dict[str, str]:
        """The raw texts of every editor."""
        return {name: editor.text() for name, editor in self.editors.items()}

    def record(self) -> dict[str, str]:
        """The filled fields (empty ones left out), for the registry."""
        return {name: text for name, text in self.texts().items() if text}

    def modified(self) -> bool:
        """True when the user changed something since the form opened."""
        return self.texts() != self._original

    def validate(self) -> dict[str, str]:
        """Check the record with the registry; show messages; enable Save if ok."""
        errors = validate_record(self.record())
        for name, editor in self.editors.items():
            editor.show_error(errors.get(name, ""))
        self.buttons.button(QDialogButtonBox.Save).setEnabled(not errors)
        return errors
