"""Interface texts of the desktop app in Simplified Chinese (default) and English.

Every visible text is a key of ``TEXTS`` (registered with ``riskmap.texts``);
widgets call ``tr(key)`` (the interface language) and implement ``retranslate()``
so the language can change while the window is open. Level names come from
``styles/levels.toml`` (``gui.layers.level_names``), not from here.
"""

from __future__ import annotations

from riskmap.texts import language, register, set_language, tr

__all__ = ["TEXTS", "install_qt_translator", "language", "set_language", "tr"]

TEXTS: dict[str, tuple[str, str]] = {
    "app.title": ("riskmap 社区公共安全风险地图", "riskmap community risk map"),
    "menu.file": ("文件(&F)", "&File"),
    "menu.layer": ("图层(&L)", "&Layer"),
    "menu.analysis": ("分析(&A)", "&Analysis"),
    "menu.export": ("导出(&E)", "&Export"),
    "menu.view": ("视图(&V)", "&View"),
    "menu.language": ("语言 / Language", "Language / 语言"),
    "act.open_result": ("打开结果…", "Open result…"),
    "act.open_sample": ("打开巴中示例", "Open the Bazhong sample"),
    "act.add_layer": ("添加图层…", "Add layer…"),
    "act.remove_layer": ("移除图层", "Remove layer"),
    "act.zoom_full": ("全图", "Zoom to full extent"),
    "act.zoom_layer": ("缩放到图层", "Zoom to layer"),
    "act.compute": ("计算风险等级…", "Compute risk levels…"),
    "act.export_geojson": ("导出 GeoJSON…", "Export GeoJSON…"),
    "act.export_gpkg": ("导出 GeoPackage…", "Export GeoPackage…"),
    "act.export_maps": ("导出网页地图…", "Export web maps…"),
    "act.export_print": ("导出打印图 (PDF)…", "Export print map (PDF)…"),
    "act.quit": ("退出", "Quit"),
    "act.chinese": ("简体中文", "简体中文"),
    "act.english": ("English", "English"),
    "panel.layers": ("图层", "Layers"),
    "panel.details": ("详细信息", "Details"),
    "panel.summary": ("社区汇总", "Community summary"),
    "layer.opacity": ("不透明度", "Opacity"),
    "layer.features": ("{n} 个要素", "{n} features"),
    "layer.crs": ("坐标系 {crs}", "CRS {crs}"),
    "status.coords": ("经度 {lon:.5f}  纬度 {lat:.5f}", "lon {lon:.5f}  lat {lat:.5f}"),
    "status.scale": ("比例尺 1:{scale:,.0f}", "scale 1:{scale:,.0f}"),
    "status.ready": ("就绪", "Ready"),
    "status.computing": ("正在计算…", "Computing…"),
    "status.done": ("完成：{msg}", "Done: {msg}"),
    "status.cancelled": ("已取消", "Cancelled"),
    "details.none": (
        "点击地图查看网格或隐患点",
        "Click the map to identify a cell or a point",
    ),
    "compute.title": ("计算风险等级", "Compute risk levels"),
    "compute.project": ("项目 (可选)", "Project (optional)"),
    "compute.communities": ("社区边界", "Communities"),
    "compute.resources": ("应急资源 (可选)", "Emergency resources (optional)"),
    "compute.hazards": ("灾害图层 (名称=路径)", "Hazards (NAME=path)"),
    "compute.points": ("隐患点 (可选)", "Risk points (optional)"),
    "compute.cell_size": ("网格大小 (米)", "Cell size (m)"),
    "compute.model": ("风险模型 (可选)", "Risk model (optional)"),
    "compute.out": ("输出结果", "Output RESULT.gpkg"),
    "compute.browse": ("浏览…", "Browse…"),
    "compute.add_hazard": ("添加灾害…", "Add hazard…"),
    "compute.run": ("开始计算", "Run"),
    "compute.cancel": ("取消", "Cancel"),
    "compute.missing": ("请选择{what}", "Please choose {what}"),
    "error.title": ("错误", "Error"),
    "error.file": ("无法打开 {path}：\n{msg}", "Cannot open {path}:\n{msg}"),
    "error.bug": (
        "程序内部错误，详情已写入日志：\n{log}",
        "Internal error; the details were written to the log:\n{log}",
    ),
    "export.done": (
        "已导出到 {path}。打开所在文件夹？",
        "Exported to {path}. Open the folder?",
    ),
    "export.unavailable": (
        "此导出尚不可用：{msg}",
        "This export is not available: {msg}",
    ),
    "sample.ask": (
        "没有打开项目。要打开内置的巴中示例吗？",
        "No project is open. Open the bundled Bazhong sample?",
    ),
    "summary.community": ("社区", "Community"),
    "summary.cells": ("网格数", "Cells"),
    "summary.max_level": ("最高等级", "Highest level"),
    "summary.people_l1": ("{level}网格人口", "People in cells of {level}"),
    "summary.households_l1": ("{level}网格户数", "Households in cells of {level}"),
    "summary.eae_people": ("年均期望受影响人口", "Expected annual exposed people"),
}

register("gui", TEXTS)

TEXTS["close.unsaved"] = (
    "有未保存的修改。仍要退出吗？",
    "There are unsaved edits. Quit anyway?",
)
TEXTS.update(
    {
        "layer.cells": ("风险网格", "Risk cells"),
        "layer.communities": ("社区边界", "Community boundaries"),
        "layer.points": ("隐患点", "Risk points"),
        "layer.resources": ("应急资源", "Emergency resources"),
        "details.field": ("字段", "Field"),
        "details.value": ("值", "Value"),
    }
)
TEXTS.update(
    {
        "menu.ledger": ("台账(&R)", "Ledge&r"),
        "menu.recent": ("最近打开", "Recent"),
        "status.opening": ("正在打开 {path}…", "Opening {path}…"),
        "status.view_cells": ("正在读取视图内的网格…", "Reading the cells in view…"),
        "status.view_cells_read": ("视图内 {n:,} 个网格", "{n:,} cells in view"),
        "act.new_project": ("新建项目…", "New project…"),
        "act.open_project": ("打开项目…", "Open project…"),
        "act.open_database": ("打开数据库…", "Open database…"),
        "db.title": ("打开 PostGIS 数据库中的项目", "Open a project in PostGIS"),
        "db.url": ("数据库地址", "Database URL"),
        "db.password": ("密码", "Password"),
        "db.password_hint": (
            "留空则用 PGPASSWORD 或 ~/.pgpass",
            "empty: PGPASSWORD or ~/.pgpass",
        ),
        "db.help": (
            "多人共用的城市台账：postgresql://用户@主机:端口/库?schema=模式",
            "A city's shared ledger: postgresql://user@host:port/db?schema=name",
        ),
        "act.identify": ("查询要素", "Identify"),
        "act.add_point": ("在地图上添加隐患点", "Add risk point on the map"),
        "act.ledger_table": ("隐患台账表", "Ledger table"),
        "act.ledger_import": ("导入台账 (CSV/XLSX)…", "Import ledger (CSV/XLSX)…"),
        "act.ledger_merge": ("合并外业记录…", "Merge field records…"),
        "act.ledger_changeset": ("导出变更集…", "Export change-set…"),
        "outbox.title": ("导出变更集", "Export change-set"),
        "outbox.since": ("自此时间以来的修改", "Changes made since"),
        "outbox.worker": ("采集人", "Worker"),
        "outbox.only_worker": ("只导出此采集人的修改", "Only this worker's changes"),
        "outbox.none": ("此时间以来没有台账修改", "No ledger changes since then"),
        "outbox.written": (
            "已导出 {n} 条记录到 {path}",
            "{n} records written to {path}",
        ),
        "act.ledger_export": ("导出台账 (XLSX)…", "Export ledger (XLSX)…"),
        "panel.ledger": ("隐患台账", "Risk-point ledger"),
        "layer.ledger": ("台账隐患点", "Ledger points"),
        "ledger.form_title": ("隐患点登记", "Risk point"),
        "ledger.community": ("社区", "Community"),
        "ledger.all": ("全部{what}", "{what}: all"),
        "ledger.search": ("搜索名称、地址、责任人…", "Search name, address, person…"),
        "ledger.show_deleted": ("显示已删除", "Show deleted"),
        "ledger.edit": ("编辑", "Edit"),
        "ledger.move": ("移动", "Move"),
        "ledger.delete": ("删除", "Delete"),
        "ledger.restore": ("恢复", "Restore"),
        "ledger.import_title": ("导入隐患台账", "Import a ledger"),
        "merge.title": ("合并外业记录", "Merge field records"),
        "merge.files": ("变更文件", "Change-set files"),
        "merge.choose": ("选择…", "Choose…"),
        "merge.filter": ("riskmap 变更文件 (*.json)", "riskmap change-sets (*.json)"),
        "merge.review": ("审阅（不写入）", "Review (writes nothing)"),
        "merge.apply": ("合并", "Merge"),
        "merge.outcome": ("结果", "Outcome"),
        "merge.action": ("操作", "Action"),
        "merge.point": ("隐患编号", "Point"),
        "merge.reason": ("说明", "Reason"),
        "merge.conflicts": (
            "待处理冲突（外业修改基于旧版本）",
            "Open conflicts (field edits on an old version)",
        ),
        "merge.worker": ("网格员", "Worker"),
        "merge.uuid": ("记录编号 (uuid)", "Record uuid"),
        "merge.field": ("字段", "Field"),
        "merge.ledger_value": ("台账现值", "Ledger now"),
        "merge.field_value": ("外业值", "Field value"),
        "merge.keep_ledger": ("保留台账", "Keep ledger"),
        "merge.keep_field": ("采用外业修改", "Apply field edit"),
        "merge.pick_conflict": ("请先在冲突表中选中一行", "Select a conflict first"),
        "ledger.import_file": ("台账文件", "Ledger file"),
        "ledger.coords": ("坐标系", "Coordinate system"),
        "ledger.strict": ("有错误行时全部不导入", "All or nothing (strict)"),
        "ledger.preview": ("预览", "Preview"),
        "ledger.import": ("导入", "Import"),
        "ledger.row": ("行号", "Row"),
        "ledger.reason": ("原因", "Reason"),
        "ledger.preview_summary": (
            "可导入 {ok} 行，拒绝 {bad} 行",
            "{ok} rows will import, {bad} refused",
        ),
        "ledger.imported": (
            "已导入 {ok} 行，拒绝 {bad} 行",
            "{ok} rows imported, {bad} refused",
        ),
        "ledger.no_project": (
            "请先新建或打开一个项目（文件 → 打开项目）",
            "Create or open a project first (File → Open project)",
        ),
        "ledger.move_hint": ("点击地图上的新位置", "Click the new location on the map"),
        "ledger.add_hint": ("点击地图添加隐患点", "Click the map to add a risk point"),
        "project.filter": ("riskmap 项目 (*.gpkg)", "riskmap project (*.gpkg)"),
        "export.out": ("输出位置", "Output"),
        "export.basemap": ("底图", "Basemap"),
        "export.paper": ("纸张", "Paper"),
        "export.community": ("社区", "Community"),
        "export.all_communities": (
            "全部社区（含封面）",
            "All communities (with cover)",
        ),
        "export.orientation": ("方向", "Orientation"),
        "export.dpi": ("分辨率 (dpi)", "Resolution (dpi)"),
        "export.map_title": ("标题", "Title"),
        "export.issuer": ("发布单位", "Issuing unit"),
        "export.mono": ("黑白打印（填充纹理）", "Black-and-white (hatching)"),
        "export.notice": ("附风险提示", "Add the risk notice"),
        "export.hillshade_dem": ("山体阴影 DEM（可选）", "Hillshade DEM (optional)"),
        "export.inset_layer": (
            "位置示意图层（可选，如区县界）",
            "Inset layer (optional, e.g. counties)",
        ),
    }
)


def install_qt_translator(lang: str) -> bool:
    """Translate Qt's own texts (Yes/No/Save/Cancel …) with the Qt translations
    shipped in the PyQt5 package; English removes them. True when installed."""
    from PyQt5.QtCore import QCoreApplication, QLibraryInfo, QTranslator

    app = QCoreApplication.instance()
    old = _qt.pop("translator", None)
    if app is None:
        return False
    if old is not None:
        app.removeTranslator(old)
    if lang != "zh":
        return False
    translator = QTranslator()
    folder = QLibraryInfo.location(QLibraryInfo.TranslationsPath)
    if not translator.load("qtbase_zh_CN", folder):
        return False
    app.installTranslator(translator)
    _qt["translator"] = translator  # Qt does not own it: keep it alive
    return True


_qt: dict[str, object] = {}
