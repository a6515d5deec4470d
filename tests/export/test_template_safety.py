"""Texts from data never reach a template engine: template syntax stays text.

branca's ``Element(text)`` compiles its argument as a Jinja2 template, so a ledger
text such as ``{{ cycler.__init__.__globals__.os.mkdir('PWNED') }}`` once ran as
Python on the machine that exported the maps.
"""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest
from tests.browser.sample_result import exported_sample

from riskmap.cli import main
from riskmap.export.webmap import write_web_maps
from riskmap.export.webmap.html import esc, read_spec

EXEC = "{{ cycler.__init__.__globals__.os.mkdir('PWNED') }}"
DATA_URI = re.compile(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+")
TEMPLATE_TEXTS = (
    EXEC,
    "{{ 7*7 }}",
    "{% for x in range(3) %}L{% endfor %}",
    "{# open comment",
    "{% raw %}",
    "}}{{",
    "名称\n{{ 6*7 }}\r\n第二行",
)


def _strings(value) -> list[str]:
    """Every string inside decoded JSON *value*."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _pages_text(paths) -> str:
    """Every string of every page's data, and its title, for literal-text checks."""
    out = []
    for path in paths:
        page = path.read_text(encoding="utf-8")
        # images are data URIs whose base64 may spell anything (e.g. "LLL")
        out.extend(DATA_URI.sub("data:", s) for s in _strings(read_spec(page)))
        out.append(page[page.index("<title>") : page.index("</title>")])
    return "\0".join(out)


def _hostile_texts(frame: pd.DataFrame | None, keep: set[str]) -> pd.DataFrame | None:
    """*frame* with every text column except *keep* set to template payloads."""
    if frame is None:
        return None
    frame = frame.copy()
    for k, col in enumerate(c for c in frame.columns if c not in keep):
        if col != frame.geometry.name and pd.api.types.is_string_dtype(frame[col]):
            frame[col] = [
                TEMPLATE_TEXTS[(k + i) % len(TEMPLATE_TEXTS)] for i in range(len(frame))
            ]
    return frame


@pytest.mark.slow
def test_template_syntax_in_every_text_is_shown_literally(tmp_path, monkeypatch):
    """Names, ledger texts, resources, hazard labels and units: none is evaluated."""
    monkeypatch.chdir(tmp_path)
    result, _, _ = exported_sample()
    run = result.run_info
    hazards = tuple(
        dataclasses.replace(
            hz,
            label_zh=TEMPLATE_TEXTS[k],
            label_en=EXEC,
            unit=TEMPLATE_TEXTS[k + 2],
            class_names=(TEMPLATE_TEXTS[5],) * len(hz.class_names),
        )
        for k, hz in enumerate(run.hazards)
    )
    model = dataclasses.replace(run.model, summary_zh=TEMPLATE_TEXTS[4])
    info = run.updated(hazards=hazards, model=model)
    communities = result.communities.copy()
    communities["community"] = [
        f"{TEMPLATE_TEXTS[i % len(TEMPLATE_TEXTS)]} 社区{i}"
        for i in range(len(communities))
    ]
    ids = {"community_id", "point_id", "cell_id", "resource_id"}
    hostile = dataclasses.replace(
        result,
        communities=communities,
        points=_hostile_texts(result.points, ids),
        resources=_hostile_texts(result.resources, ids),
        run_info=info,
    )
    paths = write_web_maps(hostile, tmp_path / "maps", jobs=1)
    assert not (tmp_path / "PWNED").exists()
    text = _pages_text(paths)
    for payload in TEMPLATE_TEXTS:
        assert payload in text or esc(payload) in text, payload
    assert "LLL" not in text
    assert f"<title>{esc(TEMPLATE_TEXTS[1])} 社区1" in text


@pytest.mark.slow
def test_ledger_text_does_not_run_when_maps_are_exported(tmp_path, monkeypatch):
    """The attack through the CLI: project, points add, compute, export maps."""
    monkeypatch.chdir(tmp_path)
    assert main(["project", "new", "p.gpkg", "--sample", "-q"]) == 0
    assert main(["points", "add", "--project", "p.gpkg", "--name", "{{ 7*7 }}",
                 "--type", "滑坡", "--lon", "107.15", "--lat", "31.55",
                 "--set", f"measures={EXEC}"]) == 0  # fmt: skip
    assert main(["compute", "--project", "p.gpkg", "--out", "r.gpkg", "-q"]) == 0
    assert main(["export", "maps", "r.gpkg", "--out", "maps", "-q"]) == 0
    assert not (tmp_path / "PWNED").exists()
    text = _pages_text(sorted((tmp_path / "maps").glob("*.html")))
    assert EXEC in text
    assert "\0{{ 7*7 }}\0" in text


@pytest.mark.parametrize("title", TEMPLATE_TEXTS)
def test_page_title_and_body_are_never_compiled(title, tmp_path, monkeypatch):
    """build_page puts its title and markup in the page as they are."""
    from riskmap.export.webmap.html import build_page

    monkeypatch.chdir(tmp_path)
    page = build_page(
        {"center": [31.5, 107.0], "text": title}, title, body_after=esc(title)
    )
    assert f"<title>{esc(title)}</title>" in page
    assert read_spec(page)["text"] == title
    assert not (tmp_path / "PWNED").exists()
