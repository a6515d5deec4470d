"""HTML of the web maps: an offline folium page, legends and the title panel.

Leaflet's script and stylesheet are inlined from the installed ``folium-offline``
package (MIT; it embeds the exact Leaflet 1.9.3 that folium links to), and
riskmap's own runtime from ``assets/``. Folium builds the page and the
map; folium's default CDN links (jQuery, Bootstrap, Font Awesome) are dropped.
Data reaches a page only as JSON in an inert ``<script type="application/json">``
or as text escaped with :func:`esc`, never through branca's or Jinja2's template
engine (see "Safety of data texts" in DESIGN.md).
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, ClassVar

from riskmap.domain import LevelStyle, RiskLevel
from riskmap.errors import ExportError
from riskmap.export.symbols import SYMBOL_CLASSES
from riskmap.export.webmap.raster import LegendClass
from riskmap.export.webmap.text import tr

LEAFLET_JS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
LEAFLET_CSS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"


def esc(value: object) -> str:
    """HTML-escape a data text (quotes too, so it is safe inside attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


def script_json(data: Any) -> str:
    """JSON safe inside a ``<script>`` element (no ``</script>``, no ``<!--``)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


@cache
def _leaflet() -> tuple[str, str]:
    """Leaflet's JavaScript and CSS from the folium-offline package."""
    try:
        from offlinefolium.elements import _res
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ExportError(
            f"offline web maps need the folium-offline package ({exc}); "
            "install it with pip install folium-offline"
        ) from exc
    return _res[LEAFLET_JS], _res[LEAFLET_CSS]


def leaflet_assets() -> tuple[str, str]:
    """Leaflet's JavaScript and CSS (inlined by the web maps and the field pages)."""
    return _leaflet()


@cache
def _asset(name: str) -> str:
    """A file of riskmap's web-map runtime (``assets/``)."""
    return (resources.files("riskmap.export.webmap") / "assets" / name).read_text(
        encoding="utf-8"
    )


def preload_assets() -> None:
    """Read Leaflet and riskmap's runtime now (before worker processes fork)."""
    _leaflet()
    _asset("webmap.css")
    _asset("webmap.js")
    _page_classes()  # so forked workers need not import folium


def inline_head(title: str) -> str:
    """The <head> additions: viewport (phones), title, inlined Leaflet, riskmap's CSS
    and runtime."""
    js, css = _leaflet()
    return (
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n"
        f"<style>{css}</style>\n<style>{_asset('webmap.css')}</style>\n"
        f"<script>{js}</script>\n<script>{_asset('webmap.js')}</script>\n"
    )


SPEC_ID = "rm-spec"


@cache
def _page_classes() -> tuple[type, type, type]:
    """The folium/branca classes of a page (built once; folium imports slowly)."""
    import folium
    from branca.element import Element, MacroElement
    from jinja2 import Template

    class RawHtml(Element):
        """Markup put into the page as it is.

        branca's own ``Element(text)`` compiles *text* as a Jinja2 template, so data
        text in it would run as code; this element is never compiled.
        """

        def __init__(self, text: str):
            super().__init__()
            self.text = text

        def render(self, **kwargs) -> str:
            return self.text

    class OfflineMap(folium.Map):
        default_js: ClassVar[list] = []
        default_css: ClassVar[list] = []

    class Build(MacroElement):
        """The constant call that builds the map from the page's JSON data block."""

        _template = Template(
            "{% macro script(this, kwargs) %}"
            "RM.build({{ this._parent.get_name() }}, RM.readSpec("
            f'"{SPEC_ID}"'
            "));{% endmacro %}"
        )

    return RawHtml, OfflineMap, Build


def spec_block(spec: dict) -> str:
    """The page's data as ``<script type="application/json">`` (inert, escaped)."""
    return (
        f'<script type="application/json" id="{SPEC_ID}">{script_json(spec)}</script>'
    )


def read_spec(page: str) -> dict:
    """The data of a page written by :func:`build_page` (for tests and tools)."""
    start = page.index(f'<script type="application/json" id="{SPEC_ID}">')
    start = page.index(">", start) + 1
    return json.loads(page[start : page.index("</script>", start)])


def build_page(
    spec: dict, title: str, body_after: str = "", map_height: str = "100%"
) -> str:
    """A complete offline HTML page: a folium map built by ``RM.build`` from *spec*.

    Data reaches the page only as JSON (*spec*) or as text escaped with
    :func:`esc` (*title*; *body_after* must be markup made here with :func:`esc`),
    never through a template engine: see "Safety of data texts" in DESIGN.md.
    """
    raw_html, offline_map, build = _page_classes()
    fmap = offline_map(
        location=spec["center"],
        zoom_start=13,
        tiles=None,
        control_scale=True,
        height=map_height,
    )
    root = fmap.get_root()
    root.header.add_child(raw_html(inline_head(title)), name="riskmap_head")
    root.html.add_child(raw_html(spec_block(spec) + body_after), name="riskmap_body")
    fmap.add_child(build())
    return root.render()


def levels_legend(
    styles: dict[RiskLevel, LevelStyle],
    cells: dict[int, int],
    points: dict[int, int],
    lang: str,
    people: dict[int, str] | None = None,
    no_data: int = 0,
) -> str:
    """The four levels with their colours, cell and point counts (and people), and
    the hatched cells without hazard data when there are any."""
    rows = []
    for level in RiskLevel:
        st = styles[level]
        extra = (
            f'<td class="rm-n">{esc(people.get(int(level), ""))}</td>' if people else ""
        )
        rows.append(
            f'<tr><td><span class="rm-sw" style="background:{esc(st.color)}">'
            f"</span></td><td>{esc(st.name(lang))}</td>"
            f'<td class="rm-n">{cells.get(int(level), 0)}</td>'
            f'<td class="rm-n">{points.get(int(level), 0)}</td>{extra}</tr>'
        )
    if no_data:
        rows.append(
            '<tr><td><span class="rm-sw rm-sw-nodata"></span></td>'
            f"<td>{esc(tr('legend_nodata', lang))}</td>"
            f'<td class="rm-n">{no_data}</td><td></td>'
            f"{'<td></td>' if people else ''}</tr>"
        )
    people_head = f"<th>{esc(tr('col_people', lang))}</th>" if people else ""
    head = (
        f"<tr><th></th><th></th><th>{esc(tr('col_cells', lang))}</th>"
        f"<th>{esc(tr('col_points', lang))}</th>{people_head}</tr>"
    )
    return (
        f"<h4>{esc(tr('legend_levels', lang))}</h4>"
        f'<table class="rm-legend">{head}{"".join(rows)}</table>'
        f'<p class="rm-hint">{esc(tr("legend_hint", lang))}</p>'
    )


def hazard_legend(label: str, unit: str, classes: list[LegendClass]) -> str:
    """One hazard overlay's legend: a swatch per class, labelled in its unit."""
    rows = "".join(
        f'<tr><td><span class="rm-sw" style="background:{esc(c.color)}"></span></td>'
        f"<td>{esc(c.label)}</td></tr>"
        for c in classes
    )
    title = f"{label} ({unit})" if unit else label
    return f'<h4>{esc(title)}</h4><table class="rm-legend">{rows}</table>'


def symbols_legend(
    lang: str, with_resources: bool, types: Mapping[str, list[str]] | None = None
) -> str:
    """The GB/T 35649 class colours used by the point symbols, each with the point
    types on the map that take it (*types*: class code -> type names)."""
    codes = ["A", "B", "C"] + (["D"] if with_resources else [])
    types = types or {}
    rows = "".join(
        f'<tr><td><span class="rm-sw rm-sw-{c}" style="border-color:'
        f'{esc(SYMBOL_CLASSES[c].color)}"></span></td>'
        f"<td>{esc(c)} {esc(SYMBOL_CLASSES[c].name(lang))}"
        + (
            f'<br><span class="rm-types">{esc(", ".join(types[c]))}</span>'
            if types.get(c)
            else ""
        )
        + "</td></tr>"
        for c in codes
    )
    return (
        f"<h4>{esc(tr('legend_symbols', lang))}</h4>"
        f'<table class="rm-legend">{rows}</table>'
        f'<p class="rm-hint">{esc(tr("legend_badge", lang))}</p>'
    )


def title_panel(title: str, date: str, summary: str, model_line: str, lang: str) -> str:
    """Title, data date, cell summary and the one-line risk model."""
    return (
        f"<h3>{esc(title)}</h3>"
        f"<p>{esc(tr('data_date', lang))}: {esc(date)} · {esc(summary)}</p>"
        f'<p class="rm-model">{esc(model_line)}</p>'
        f'<p class="rm-hint">{esc(tr("offline", lang))}</p>'
    )
