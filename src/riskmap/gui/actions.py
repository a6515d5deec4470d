"""Menu actions declared as data: (id, text key, shortcut, menu, slot name)."""

from __future__ import annotations

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
    slot: str  # method name on the main window, or "ledger.<method>"
    checkable: bool = False


ACTIONS = (
    ActionSpec(
        "open_result", "act.open_result", "Ctrl+O", "menu.file", "ask_open_result"
    ),
    ActionSpec(
        "new_project", "act.new_project", "Ctrl+N", "menu.file", "ask_new_project"
    ),
    ActionSpec(
        "open_project", "act.open_project", "Ctrl+P", "menu.file", "ask_open_project"
    ),
    ActionSpec(
        "open_database", "act.open_database", "", "menu.file", "ask_open_database"
    ),
    ActionSpec("open_sample", "act.open_sample", "", "menu.file", "open_sample"),
    ActionSpec("quit", "act.quit", "Ctrl+Q", "menu.file", "close"),
    ActionSpec("add_layer", "act.add_layer", "Ctrl+L", "menu.layer", "ask_add_layer"),
    ActionSpec("remove_layer", "act.remove_layer", "Del", "menu.layer", "remove_layer"),
    ActionSpec("zoom_full", "act.zoom_full", "Ctrl+F", "menu.view", "zoom_full"),
    ActionSpec(
        "tool_identify", "act.identify", "I", "menu.ledger", "use_identify", True
    ),
    ActionSpec("tool_add", "act.add_point", "A", "menu.ledger", "use_add_point", True),
    ActionSpec("ledger_table", "act.ledger_table", "", "menu.ledger", "show_ledger"),
    ActionSpec(
        "ledger_import", "act.ledger_import", "", "menu.ledger", "ledger.show_import"
    ),
    ActionSpec(
        "ledger_merge", "act.ledger_merge", "", "menu.ledger", "ledger.show_merge"
    ),
    ActionSpec(
        "ledger_changeset",
        "act.ledger_changeset",
        "",
        "menu.ledger",
        "ledger.show_changeset_export",
    ),
    ActionSpec(
        "ledger_export", "act.ledger_export", "", "menu.ledger", "export_ledger"
    ),
    ActionSpec("compute", "act.compute", "Ctrl+R", "menu.analysis", "show_compute"),
    ActionSpec(
        "export_geojson", "act.export_geojson", "", "menu.export", "export_geojson"
    ),
    ActionSpec("export_gpkg", "act.export_gpkg", "", "menu.export", "export_gpkg"),
    ActionSpec("export_maps", "act.export_maps", "", "menu.export", "export_maps"),
    ActionSpec("export_print", "act.export_print", "", "menu.export", "export_print"),
    ActionSpec("lang_zh", "act.chinese", "", "menu.language", "use_chinese"),
    ActionSpec("lang_en", "act.english", "", "menu.language", "use_english"),
)


def build_menus(window: QMainWindow) -> dict[str, QAction]:
    """Create the menus and actions of *window*; return the actions by id."""
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
        action.triggered.connect(_slot(window, spec.slot))
        menus[spec.menu].addAction(action)
        actions[spec.id] = action
    window._menus = menus  # kept for retranslation
    return actions


def _slot(window: QMainWindow, path: str):
    """The bound method named by *path* ("method" or "attribute.method")."""
    target = window
    *owners, name = path.split(".")
    for owner in owners:
        target = getattr(target, owner)
    method = getattr(target, name)
    return lambda *_: method()


def retranslate_menus(window: QMainWindow, actions: dict[str, QAction]) -> None:
    """Menu and action texts in the current language."""
    for key, menu in window._menus.items():
        menu.setTitle(tr(key))
    for spec in ACTIONS:
        actions[spec.id].setText(tr(spec.text))
