"""The print dialog: communities chosen by id, data texts shown as plain text."""

from __future__ import annotations

from tests.export.test_print_helpers import NAME_A, synthetic_result

from riskmap.gui.dialogs.export_dialogs import PrintDialog


def test_communities_with_one_name_are_told_apart(qtbot):
    """Two communities named alike: two entries, labelled with their ids."""
    result = synthetic_result(two=True)
    result.communities["community"] = NAME_A
    dialog = PrintDialog(result)
    qtbot.addWidget(dialog)
    items = [
        (dialog.community.itemText(i), dialog.community.itemData(i))
        for i in range(1, dialog.community.count())
    ]
    assert items == [(f"{NAME_A} (A)", "A"), (f"{NAME_A} (B)", "B")]


def test_progress_messages_are_plain_text(qtbot):
    """A community name in a progress message is shown as text, never as HTML."""
    from PyQt5.QtCore import Qt

    dialog = PrintDialog(synthetic_result())
    qtbot.addWidget(dialog)
    assert dialog.message.textFormat() == Qt.PlainText
