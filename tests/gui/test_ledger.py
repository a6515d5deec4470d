"""The ledger in the desktop app: project, click-to-add, edit, move, delete, import."""

from __future__ import annotations

import base64

import pandas as pd
import pytest
from PyQt5.QtCore import QPoint, Qt, QTimer
from PyQt5.QtWidgets import QApplication, QDialogButtonBox

from riskmap.commands.project import create_sample_project
from riskmap.gui.i18n import set_language
from riskmap.gui.ledger import point_form
from riskmap.registry import Project
from riskmap.resources import sample_dir

LAYERS = sample_dir()


@pytest.fixture
def project_path(tmp_path):
    """A fresh copy of the bundled sample project."""
    path = tmp_path / "sample.gpkg"
    create_sample_project(path).close()
    return path


@pytest.fixture
def opened(window, project_path):
    """The main window with the sample project open."""
    assert window.projects.open(project_path)
    return window


def _fill_and_save(form_fields: dict[str, str]) -> None:
    """When the point form opens, fill it and press Save."""

    def act() -> None:
        form = next(
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, point_form.PointForm) and w.isVisible()
        )
        for name, text in form_fields.items():
            form.editors[name].set_text(text)
        save = form.buttons.button(QDialogButtonBox.Save)
        assert save.isEnabled(), form.validate()
        save.click()

    QTimer.singleShot(200, act)


def test_open_project_shows_communities_and_ledger(opened):
    """Opening a project shows its communities, its points and the ledger table."""
    kinds = [layer.kind for layer in opened.stack.layers]
    assert kinds.count("boundary") == 1
    ledger = next(lyr for lyr in opened.stack.layers if lyr.extra.get("ledger"))
    assert ledger.count == len(Project.open(opened.ledger.project.path).points())
    assert opened.ledger_table.model.rowCount() == ledger.count


def test_add_a_point_by_clicking_the_map(opened, qtbot):
    """Add tool + click -> form -> Save: the point is in the project where clicked."""
    before = len(opened.ledger.project.points())
    opened.ledger.use_add_tool()
    assert opened.actions["tool_add"].isChecked()
    opened.canvas.render_cache()
    centre = QPoint(opened.canvas.width() // 2, opened.canvas.height() // 2)
    world = opened.canvas.to_world(centre)
    _fill_and_save({"name": "新发现滑坡", "type": "滑坡", "responsible": "王五"})
    qtbot.mouseClick(opened.canvas, Qt.LeftButton, pos=centre)
    points = opened.ledger.project.points()
    assert len(points) == before + 1
    new = points[points["name"] == "新发现滑坡"].to_crs(opened.crs)
    assert (
        new.geometry.iloc[0].distance(__import__("shapely").Point(world.x(), world.y()))
        < 1.0
    )  # metres
    assert new["category"].iloc[0] == "地"  # filled from the point type
    assert opened.ledger_table.model.rowCount() == before + 1


def test_form_validates_inline(qtbot):
    """A bad phone number and a missing name keep Save disabled, with messages."""
    set_language("zh")
    form = point_form.PointForm()
    qtbot.addWidget(form)
    save = form.buttons.button(QDialogButtonBox.Save)
    assert not save.isEnabled()  # name and type are required
    form.editors["name"].set_text("示例")
    form.editors["type"].set_text("滑坡")
    assert save.isEnabled()
    form.editors["phone"].set_text("call me")
    assert not save.isEnabled()
    assert form.editors["phone"].error.text()
    form.editors["phone"].set_text("13800000000")
    assert save.isEnabled()


def test_edit_delete_restore_and_move(opened, qtbot):
    """Table actions call the registry; every change lands in the change log."""
    project = opened.ledger.project
    point_id = str(project.points()["id"].iloc[0])
    opened.ledger_table.select_id(point_id)
    _fill_and_save({"status": "已销号"})
    opened.ledger_table.buttons["edit"].click()
    assert project.get_point(point_id)["status"] == "已销号"
    opened.ledger_table.select_id(point_id)
    opened.ledger_table.buttons["delete"].click()
    assert point_id not in set(project.points()["id"].astype(str))
    opened.ledger_table.show_deleted.setChecked(True)
    opened.ledger_table.select_id(point_id)
    opened.ledger_table.buttons["restore"].click()
    assert point_id in set(project.points()["id"].astype(str))
    opened.ledger_table.select_id(point_id)
    opened.ledger_table.buttons["move"].click()
    centre = QPoint(opened.canvas.width() // 2, opened.canvas.height() // 2)
    qtbot.mouseClick(opened.canvas, Qt.LeftButton, pos=centre)
    moved = project.get_point(point_id)
    world = opened.canvas.to_world(centre)
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(opened.crs, 4326, always_xy=True).transform(
        world.x(), world.y()
    )
    assert moved["lon"] == pytest.approx(lon, abs=1e-6)
    assert moved["lat"] == pytest.approx(lat, abs=1e-6)
    actions = [entry["action"] for entry in project.history(point_id)]
    assert {"edit", "delete", "restore", "move"} <= set(actions)


def test_table_filters_and_search(opened):
    """Category filter and free-text search narrow the table."""
    table = opened.ledger_table
    total = table.model.rowCount()
    table.combos["category"].setCurrentText("地")
    shown = table.model.frame
    assert 0 < len(shown) < total
    assert set(shown["category"]) == {"地"}
    table.combos["category"].setCurrentIndex(0)
    table.search.setText("示例滑坡点 01")
    assert table.model.rowCount() == 1


def test_import_dialog_previews_rejected_rows(opened, qtbot, tmp_path):
    """The import dialog lists refused rows with reasons, then imports the rest."""
    csv = tmp_path / "ledger.csv"
    pd.DataFrame(
        {
            "名称": ["好点", "坏坐标", "缺类型"],
            "类型": ["滑坡", "内涝点", ""],
            "经度": [107.10, 999, 107.11],
            "纬度": [31.56, 31.55, 31.57],
        }
    ).to_csv(csv, index=False)
    before = len(opened.ledger.project.points())
    dialog = opened.ledger.show_import()
    dialog.path.edit.setText(str(csv))
    dialog.coords.setCurrentText("gcj02")
    report = dialog.preview()
    assert dialog.rejected.rowCount() == 2
    rows = {dialog.rejected.item(i, 0).text() for i in range(2)}
    assert rows == {"3", "4"}  # spreadsheet row numbers (header is row 1)
    assert len(report.accepted) == 1
    with qtbot.waitSignal(dialog.written, timeout=30_000):
        dialog.start()
    assert len(opened.ledger.project.points()) == before + 1


def test_unsaved_form_prompts_on_close(opened, qtbot, monkeypatch):
    """An open point form with changes counts as unsaved edits."""
    form = opened.ledger._open_form({})
    form.show()
    form.editors["name"].set_text("未保存")
    assert opened.ledger.unsaved()
    form.close()


@pytest.mark.slow
def test_sample_project_computes_from_the_gui(window, qtbot, monkeypatch, tmp_path):
    """File → open sample: project opens, compute runs from it, levels appear."""
    from riskmap.gui import project_actions

    monkeypatch.setattr(project_actions, "app_data_dir", lambda: tmp_path)
    window.projects.open_sample()
    dialog = window.compute_dialog
    with qtbot.waitSignal(dialog.written, timeout=120_000):
        pass
    qtbot.waitUntil(lambda: window.result_path is not None, timeout=10_000)
    kinds = {layer.kind for layer in window.stack.layers}
    assert {"cells", "boundary", "points"} <= kinds
    assert window.summary.table.rowCount() == 5


def test_recent_menu_reopens_a_project(window, project_path):
    """Opened projects are listed in File → Recent and reopen from there."""
    assert window.open_path(project_path)
    window.fill_recent_menu()
    actions = window.recent_menu.actions()
    assert actions[0].text() == str(project_path)
    window.ledger.project = None
    actions[0].trigger()
    assert window.ledger.project is not None


def test_broken_or_foreign_project_gives_an_error_dialog(
    window, tmp_path, sample_result
):
    """A damaged file or a RESULT.gpkg opened as a project: a dialog, no crash."""
    bad = tmp_path / "damaged.gpkg"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    assert not window.projects.open(bad)
    assert not window.projects.open(sample_result)
    assert len(window.errors) == 2
    assert "damaged.gpkg" in window.errors[0]
    assert "riskmap project new" in window.errors[1]
    assert window.ledger.project is None


def test_new_project_from_a_communities_file(window, tmp_path):
    """File → New project: created as ``riskmap project new`` does, then opened."""
    path = tmp_path / "new.gpkg"
    assert window.projects.create(path, LAYERS / "communities.geojson")
    assert window.ledger.project is not None
    assert len(window.ledger.project.communities()) == 5
    assert not window.projects.create(path, LAYERS / "communities.geojson")  # exists
    assert "already exists" in window.errors[-1]


def test_field_merge_dialog_reviews_merges_and_settles(opened, tmp_path):
    """Review writes nothing; Merge adds; a stale edit waits in the conflict table
    until Apply field edit; the merged photo shows in the point form."""
    import io

    from PIL import Image
    from PyQt5.QtWidgets import QLabel

    from riskmap.registry.changeset import FieldRecord, write_changeset

    project = opened.ledger.project
    pid = project.points()["id"].iloc[0]
    project.edit_point(pid, {"note": "办公室复核"}, user="office")
    jpeg = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 50, 50)).save(jpeg, "JPEG")
    hostile = "<b>粗体</b>{{ 7*7 }}"
    spot = project.communities().geometry.iloc[0].representative_point()
    records = [
        FieldRecord("gui-add", "add", None, None, {"name": hostile, "type": "危房"},
                    spot.x, spot.y, 4.0, "gps", None, "李四",
                    [("a.jpg", "image/jpeg", jpeg.getvalue())]),
        FieldRecord("gui-edit", "edit", pid, 1, {"status": "已销号"}, None, None,
                    None, None, None, "李四"),
    ]  # fmt: skip
    path = write_changeset(tmp_path / "c.json", project.project_id, "李四", records)
    before = len(project.points())
    dialog = opened.ledger.show_merge()
    dialog.set_files([path])
    review = dialog.review()
    assert [o.outcome for o in review] == ["added", "conflict"]
    assert len(project.points()) == before
    assert dialog.apply_button.isEnabled()
    dialog.apply()
    assert len(project.points()) == before + 1
    assert dialog.conflict_table.rowCount() == 1
    assert dialog.conflict_table.item(0, 4).text() == "已销号"
    dialog.conflict_table.setCurrentCell(0, 0)
    dialog.settle("field")
    assert project.get_point(pid)["status"] == "已销号"
    assert dialog.conflict_table.rowCount() == 0
    added = project.points().set_index("name").loc[hostile, "id"]
    form = opened.ledger._open_form(opened.ledger._record(added))
    thumbs = [w for w in form.photos.findChildren(QLabel) if w.pixmap()]
    assert len(thumbs) == 1
    assert form.editors["name"].text() == hostile
    dialog.close()


@pytest.mark.slow
def test_gui_compute_of_a_project_carries_photo_thumbnails(opened, qtbot, tmp_path):
    """Compute from the open project: the result holds the ledger photo thumbnail."""
    import io

    from PIL import Image

    from riskmap.io.result import read_result

    project = opened.ledger.project
    pid = str(project.points()["id"].iloc[0])
    jpeg = io.BytesIO()
    Image.new("RGB", (1000, 500), (30, 90, 200)).save(jpeg, "JPEG")
    project.add_photos(pid, [("巡查.jpg", "image/jpeg", jpeg.getvalue())])
    opened.show_compute()
    dialog = opened.compute_dialog
    out = tmp_path / "r.gpkg"
    dialog.set_values("", [], str(out), project=str(project.path), cell_size=500)
    with qtbot.waitSignal(dialog.written, timeout=120_000):
        dialog.start()
    qtbot.waitUntil(lambda: opened.result_path == out, timeout=30_000)
    photos = read_result(out).photos
    assert list(photos["point_id"]) == [pid]
    assert list(photos["name"]) == ["巡查.jpg"]
    with Image.open(io.BytesIO(base64.b64decode(photos["jpeg_base64"][0]))) as im:
        assert im.size == (320, 160)


def test_desktop_changes_export_as_a_change_set_that_merges(
    opened, qtbot, project_path, tmp_path
):
    """Edit, delete, move and add in the app; Ledger → Export change-set; merging
    the file into a copy of the original project finds every change, once."""
    import shutil

    from riskmap.cli import main

    office = tmp_path / "office.gpkg"
    shutil.copy(project_path, office)
    opened.ledger.user = "王五"
    project = opened.ledger.project
    ids = [str(i) for i in project.points()["id"].iloc[:3]]
    opened.ledger_table.select_id(ids[0])
    _fill_and_save({"status": "已销号", "note": "<b>复核</b>{{ 7*7 }}"})
    opened.ledger_table.buttons["edit"].click()
    opened.ledger_table.select_id(ids[1])
    opened.ledger_table.buttons["delete"].click()
    opened.ledger_table.select_id(ids[2])
    opened.ledger_table.buttons["move"].click()
    opened.canvas.render_cache()
    centre = QPoint(opened.canvas.width() // 2, opened.canvas.height() // 2)
    qtbot.mouseClick(opened.canvas, Qt.LeftButton, pos=centre)
    moved = project.get_point(ids[2])
    spot = project.communities().geometry.iloc[0].representative_point()
    _fill_and_save({"name": "笔记本新增", "type": "滑坡"})
    assert opened.ledger.add_point_at(spot.x, spot.y)

    assert "ledger_changeset" in opened.actions
    dialog = opened.ledger.show_changeset_export()
    assert dialog.worker.text() == "王五"
    path = tmp_path / "laptop.json"
    assert dialog.write(path) == 4  # the sample's own import is someone else's
    assert "4" in dialog.summary.text()

    assert main(["points", "merge", str(path), "--project", str(office), "-q"]) == 0
    with Project.open(office) as merged:
        assert merged.get_point(ids[0])["status"] == "已销号"
        assert merged.get_point(ids[0])["note"] == "<b>复核</b>{{ 7*7 }}"
        assert merged.get_point(ids[1])["deleted"]
        there = merged.get_point(ids[2])
        assert abs(there["lon"] - moved["lon"]) < 1e-7
        assert abs(there["lat"] - moved["lat"]) < 1e-7
        assert "笔记本新增" in set(merged.points()["name"])
        assert {"王五"} == {e["user"] for e in merged.history()[-4:]}
        before = len(merged.history())
    assert main(["points", "merge", str(path), "--project", str(office), "-q"]) == 0
    with Project.open(office) as merged:
        assert len(merged.history()) == before  # known uuids: nothing twice
