"""Menu actions declared as data (id, text key, shortcut, menu); the owner of each
handler (the main window, the project actions, the ledger) hands a table of
action id -> callable to ``build_menus``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PyQt5.QtWidgets import QAction, QMainWindow, QMenu

from riskmap.gui.i18n import tr


@dataclass(frozen=True)
class ActionSpec:
    """One menu entry."""

    id: str
    text: str  # i18n key
    shortcut: str
    menu: str  # i18n key of the menu
    checkable: bool = False


ACTIONS = (
    ActionSpec("open_result", "act.open_result", "Ctrl+O", "menu.file"),
    ActionSpec("new_project", "act.new_project", "Ctrl+N", "menu.file"),
    ActionSpec("open_project", "act.open_project", "Ctrl+P", "menu.file"),
    ActionSpec("open_database", "act.open_database", "", "menu.file"),
    ActionSpec("open_sample", "act.open_sample", "", "menu.file"),
    ActionSpec("quit", "act.quit", "Ctrl+Q", "menu.file"),
    ActionSpec("add_layer", "act.add_layer", "Ctrl+L", "menu.layer"),
    ActionSpec("remove_layer", "act.remove_layer", "Del", "menu.layer"),
    ActionSpec("zoom_full", "act.zoom_full", "Ctrl+F", "menu.view"),
    ActionSpec("tool_identify", "act.identify", "I", "menu.ledger", checkable=True),
    ActionSpec("tool_add", "act.add_point", "A", "menu.ledger", checkable=True),
    ActionSpec("ledger_table", "act.ledger_table", "", "menu.ledger"),
    ActionSpec("ledger_import", "act.ledger_import", "", "menu.ledger"),
    ActionSpec("ledger_merge", "act.ledger_merge", "", "menu.ledger"),
    ActionSpec("ledger_changeset", "act.ledger_changeset", "", "menu.ledger"),
    ActionSpec("ledger_export", "act.ledger_export", "", "menu.ledger"),
    ActionSpec("compute", "act.compute", "Ctrl+R", "menu.analysis"),
    ActionSpec("export_geojson", "act.export_geojson", "", "menu.export"),
    ActionSpec("export_gpkg", "act.export_gpkg", "", "menu.export"),
    ActionSpec("export_maps", "act.export_maps", "", "menu.export"),
    ActionSpec("export_print", "act.export_print", "", "menu.export"),
    ActionSpec("lang_zh", "act.chinese", "", "menu.language"),
    ActionSpec("lang_en", "act.english", "", "menu.language"),
)

Handler = Callable[[], object]  # what a menu action runs


def build_menus(
    window: QMainWindow, *tables: Mapping[str, Handler]
) -> dict[str, QAction]:
    """Create the menus and actions of *window*, each triggering its handler from
    one of *tables* (action id -> callable, one table per owner); return the
    actions by id."""
    handlers = _one_table(tables)
    missing = [spec.id for spec in ACTIONS if spec.id not in handlers]
    if missing:
        raise KeyError(f"menu actions without a handler: {', '.join(missing)}")
    menus: dict[str, QMenu] = {}
    actions: dict[str, QAction] = {}
    for spec in ACTIONS:
        if spec.menu not in menus:
            menus[spec.menu] = window.menuBar().addMenu(tr(spec.menu))
            menus[spec.menu].setObjectName(spec.menu)
        action = QAction(tr(spec.text), window)
        action.setObjectName(spec.id)
        if spec.shortcut:
            action.setShortcut(spec.shortcut)
        action.setCheckable(spec.checkable)
        action.triggered.connect(lambda _=False, run=handlers[spec.id]: run())
        menus[spec.menu].addAction(action)
        actions[spec.id] = action
    window._menus = menus  # kept for retranslation
    return actions


def _one_table(tables: tuple[Mapping[str, Handler], ...]) -> dict[str, Handler]:
    """The owners' tables as one; an action claimed by two owners is a bug."""
    merged: dict[str, Handler] = {}
    for table in tables:
        twice = sorted(set(merged) & set(table))
        if twice:
            raise KeyError(f"menu actions with two handlers: {', '.join(twice)}")
        merged.update(table)
    return merged


def retranslate_menus(window: QMainWindow, actions: dict[str, QAction]) -> None:
    """Menu and action texts in the current language."""
    for key, menu in window._menus.items():
        menu.setTitle(tr(key))
    for spec in ACTIONS:
        actions[spec.id].setText(tr(spec.text))
