"""QGIS styles stored in RESULT.gpkg, so the result opens coloured as-is.

QGIS reads a ``layer_styles`` table in a GeoPackage (the layout its own "Save
style → in database" writes): one row per style with QML (QGIS's own format) and
SLD (OGC Symbology Encoding, for other clients), ``useAsDefault`` set. Cells are
coloured by ``level`` in the colours of ``styles/levels.toml``, points by their
ledger category in the GB/T 35649 class colours, resources as green squares,
communities and the shelter-uncovered area as outlines.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from riskmap.domain import load_level_styles
from riskmap.export.symbols import SYMBOL_CLASSES
from riskmap.point_types import CATEGORIES, load_point_types

QGIS_VERSION = "3.22.0"
SLD_NS = "http://www.opengis.net/sld"
OGC_NS = "http://www.opengis.net/ogc"
SE_NS = "http://www.opengis.net/se"


@dataclass(frozen=True)
class Category:
    """One class of a categorised style: field value, label, fill, outline, shape."""

    value: str
    label: str
    fill: str
    outline: str = "#FFFFFF"


@dataclass(frozen=True)
class LayerStyle:
    """How one layer is drawn: categorised on *field*, or one symbol (*field* None)."""

    layer: str
    kind: str  # "fill", "marker" or "line"
    field: str | None
    categories: tuple[Category, ...]
    dashed: bool = False


def result_styles() -> list[LayerStyle]:
    """The default style of every RESULT.gpkg layer."""
    levels = load_level_styles()
    cells = tuple(
        Category(str(int(lv)), f"{s.name_zh} {s.name_en}", s.color, "#FFFFFF")
        for lv, s in levels.items()
    )
    table = load_point_types()
    cats = CATEGORIES
    colour = {c: SYMBOL_CLASSES[table.category_symbol[c]].color for c in cats}
    other = SYMBOL_CLASSES[table.unlisted_symbol].color
    points = (
        *(Category(c, c, colour[c], "#000000") for c in cats),
        Category("", "其他 other", other, "#000000"),  # QGIS: all other values
    )
    return [
        LayerStyle("cells", "fill", "level", cells),
        LayerStyle("points", "marker", "category", points),
        LayerStyle("resources", "marker", None,
                   (Category("", "应急资源", SYMBOL_CLASSES["D"].color, "#000000"),)),
        LayerStyle("communities", "line", None,
                   (Category("", "社区边界", "#000000", "#202020"),)),
        LayerStyle("coverage", "line", None,
                   (Category("", "避难场所服务范围", "#000000", "#5A2A82"),), True),
    ]  # fmt: skip


def write_layer_styles(path: str) -> None:
    """Add ``layer_styles`` (QML + SLD, default) for the result layers present in
    the GeoPackage at *path*."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with sqlite3.connect(path) as con:
        layers = dict(
            con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns")
        )
        rows = [
            (s.layer, layers[s.layer], f"riskmap {s.layer}", qml(s), sld(s), now)
            for s in result_styles()
            if s.layer in layers
        ]
        con.execute(_CREATE)
        con.executemany(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name,"
            " f_geometry_column, styleName, styleQML, styleSLD, useAsDefault,"
            " description, owner, ui, update_time)"
            " VALUES ('', '', ?, ?, ?, ?, ?, 1, 'riskmap default style', '', NULL, ?)",
            rows,
        )
        con.execute(
            "INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier,"
            " description, last_change) VALUES ('layer_styles', 'attributes',"
            " 'layer_styles', 'QGIS layer styles', ?)",
            (now,),
        )
    con.close()


_CREATE = """CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256),
  f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT,
  useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
  update_time DATETIME DEFAULT CURRENT_TIMESTAMP)"""


# ------------------------------------------------------------------------- QML


def _rgba(hex_colour: str) -> str:
    """'#FF0000' -> '255,0,0,255' (QGIS colour text)."""
    h = hex_colour.lstrip("#")
    return ",".join(str(int(h[i : i + 2], 16)) for i in (0, 2, 4)) + ",255"


def _symbol_layer(style: LayerStyle, cat: Category) -> dict[str, str]:
    """The QGIS symbol-layer class and properties of one category."""
    if style.kind == "fill":
        return {"class": "SimpleFill", "color": _rgba(cat.fill), "style": "solid",
                "outline_color": _rgba(cat.outline), "outline_width": "0.1",
                "outline_style": "solid"}  # fmt: skip
    if style.kind == "marker":
        return {"class": "SimpleMarker", "color": _rgba(cat.fill),
                "name": "circle" if style.field else "square", "size": "3",
                "outline_color": _rgba(cat.outline), "outline_width": "0.3",
                "outline_style": "solid"}  # fmt: skip
    return {"class": "SimpleFill", "color": "0,0,0,0", "style": "no",
            "outline_color": _rgba(cat.outline), "outline_width": "0.6",
            "outline_style": "dash" if style.dashed else "solid"}  # fmt: skip


def _qml_symbol(parent: ET.Element, style: LayerStyle, cat: Category, i: int) -> None:
    """A <symbol> with its one layer, properties as <Option> and legacy <prop>."""
    kind = "marker" if style.kind == "marker" else "fill"
    sym = ET.SubElement(parent, "symbol", type=kind, name=str(i), alpha="1",
                        clip_to_extent="1", force_rhr="0")  # fmt: skip
    props = _symbol_layer(style, cat)
    attrs = {"class": props.pop("class"), "enabled": "1", "pass": "0", "locked": "0"}
    layer = ET.SubElement(sym, "layer", attrs)
    options = ET.SubElement(layer, "Option", type="Map")
    for key, value in props.items():
        ET.SubElement(options, "Option", name=key, value=value, type="QString")
    for key, value in props.items():
        ET.SubElement(layer, "prop", k=key, v=value)


def qml(style: LayerStyle) -> str:
    """The QGIS style (QML) of a layer: categorised or single symbol."""
    root = ET.Element("qgis", version=QGIS_VERSION, styleCategories="Symbology")
    if style.field:
        renderer = ET.SubElement(root, "renderer-v2", type="categorizedSymbol",
                                 attr=style.field, symbollevels="0",
                                 forceraster="0", enableorderby="0")  # fmt: skip
        cats = ET.SubElement(renderer, "categories")
        for i, cat in enumerate(style.categories):
            ET.SubElement(cats, "category", value=cat.value, label=cat.label,
                          symbol=str(i), render="true")  # fmt: skip
    else:
        renderer = ET.SubElement(root, "renderer-v2", type="singleSymbol",
                                 symbollevels="0", forceraster="0",
                                 enableorderby="0")  # fmt: skip
    symbols = ET.SubElement(renderer, "symbols")
    for i, cat in enumerate(style.categories):
        _qml_symbol(symbols, style, cat, i)
    body = ET.tostring(root, encoding="unicode")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + body


# ------------------------------------------------------------------------- SLD


def sld(style: LayerStyle) -> str:
    """The layer's style as an OGC SLD 1.1 document (one rule per category)."""
    ET.register_namespace("", SLD_NS)
    ET.register_namespace("ogc", OGC_NS)
    ET.register_namespace("se", SE_NS)
    root = ET.Element(f"{{{SLD_NS}}}StyledLayerDescriptor", version="1.1.0")
    named = ET.SubElement(root, f"{{{SLD_NS}}}NamedLayer")
    ET.SubElement(named, f"{{{SE_NS}}}Name").text = style.layer
    user = ET.SubElement(named, f"{{{SLD_NS}}}UserStyle")
    ET.SubElement(user, f"{{{SE_NS}}}Name").text = style.layer
    fts = ET.SubElement(user, f"{{{SE_NS}}}FeatureTypeStyle")
    for cat in style.categories:
        rule = ET.SubElement(fts, f"{{{SE_NS}}}Rule")
        ET.SubElement(rule, f"{{{SE_NS}}}Name").text = cat.label
        if style.field:
            filt = ET.SubElement(rule, f"{{{OGC_NS}}}Filter")
            eq = ET.SubElement(filt, f"{{{OGC_NS}}}PropertyIsEqualTo")
            ET.SubElement(eq, f"{{{OGC_NS}}}PropertyName").text = style.field
            ET.SubElement(eq, f"{{{OGC_NS}}}Literal").text = cat.value
        _sld_symbolizer(rule, style, cat)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def _sld_symbolizer(rule: ET.Element, style: LayerStyle, cat: Category) -> None:
    """A Polygon or Point symbolizer with the category's colours."""
    if style.kind == "marker":
        sym = ET.SubElement(rule, f"{{{SE_NS}}}PointSymbolizer")
        graphic = ET.SubElement(sym, f"{{{SE_NS}}}Graphic")
        mark = ET.SubElement(graphic, f"{{{SE_NS}}}Mark")
        shape = "circle" if style.field else "square"
        ET.SubElement(mark, f"{{{SE_NS}}}WellKnownName").text = shape
        _sld_fill(mark, cat.fill)
        _sld_stroke(mark, cat.outline, 0.5, False)
        ET.SubElement(graphic, f"{{{SE_NS}}}Size").text = "8"
        return
    sym = ET.SubElement(rule, f"{{{SE_NS}}}PolygonSymbolizer")
    if style.kind == "fill":
        _sld_fill(sym, cat.fill)
        _sld_stroke(sym, cat.outline, 0.2, False)
    else:
        _sld_stroke(sym, cat.outline, 1.5, style.dashed)


def _sld_fill(parent: ET.Element, colour: str) -> None:
    """<se:Fill> with a solid colour."""
    fill = ET.SubElement(parent, f"{{{SE_NS}}}Fill")
    param = ET.SubElement(fill, f"{{{SE_NS}}}SvgParameter", name="fill")
    param.text = colour


def _sld_stroke(parent: ET.Element, colour: str, width: float, dashed: bool) -> None:
    """<se:Stroke> with colour, width and an optional dash."""
    stroke = ET.SubElement(parent, f"{{{SE_NS}}}Stroke")
    for name, value in (("stroke", colour), ("stroke-width", f"{width:g}")):
        ET.SubElement(stroke, f"{{{SE_NS}}}SvgParameter", name=name).text = value
    if dashed:
        dash = ET.SubElement(
            stroke, f"{{{SE_NS}}}SvgParameter", name="stroke-dasharray"
        )
        dash.text = "4 2"
