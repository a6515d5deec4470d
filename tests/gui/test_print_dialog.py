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


def test_inset_layer_and_dem_are_dialog_options(qtbot, tmp_path):
    """The inset layer and the hillshade DEM are chosen in the dialogs (nothing
    bundled is used unless picked there): the print page locates the community in
    the picked counties."""
    from riskmap.gui.dialogs.export_dialogs import WebMapDialog
    from riskmap.resources import sample_dir

    counties = sample_dir() / "bazhong_counties.geojson"
    dialog = PrintDialog(synthetic_result())
    qtbot.addWidget(dialog)
    dialog.out.edit.setText(str(tmp_path / "a.pdf"))
    dialog.community.setCurrentIndex(1)
    dialog.inset.edit.setText(str(counties))
    assert dialog.make_task()(None) == str(tmp_path / "a.pdf")
    maps = WebMapDialog(synthetic_result())
    qtbot.addWidget(maps)
    assert maps.dem.text() == ""  # no DEM unless one is picked
