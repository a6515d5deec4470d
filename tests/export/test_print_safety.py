"""Print: the notice .md shows data texts as text; communities are chosen by id."""

from __future__ import annotations

import subprocess

import pytest
from markdown_it import MarkdownIt
from tests.export.test_print_helpers import (
    NAME_A,
    needs_cjk,
    needs_poppler,
    synthetic_result,
)

from riskmap.export.printmap import write_print_maps
from riskmap.export.printmap.notice import (
    build_notice,
    load_notice_template,
    notice_markdown,
)

HOSTILE = (
    "坏社区\n# 注入标题\n[点我](javascript:alert(1)) <img src=x onerror=alert(1)>"
    "<script>alert(1)</script> &lt;b&gt; <https://example.invalid> ![i](x.png)"
)
FIELDS = {
    "name": "[链接](javascript:alert(1))",
    "responsible": "<b>粗</b>\n\n- 列表项",
    "type": "| 破 | 表 |",
}


def _render(text: str) -> tuple[list, str]:
    """Tokens and HTML of *text* from a CommonMark renderer (tables on)."""
    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse(text)
    flat = [t for tok in tokens for t in [tok, *(tok.children or [])]]
    return flat, md.render(text)


def test_notice_markdown_renders_no_link_html_or_heading():
    """Names with newlines, links, HTML and pipes stay one line of plain text."""
    result = synthetic_result()
    result.communities.loc[0, "community"] = HOSTILE
    for field, text in FIELDS.items():
        result.points.loc[0, field] = text
    result.resources.loc[0, "name"] = "1. 有序\n> 引用 `code` *斜* _体_"
    meta = {"issuer": "<a href='javascript:alert(1)'>x</a>", "print_date": "2026-12-02"}
    notice = build_notice(result, "A", load_notice_template(), meta)
    tokens, html = _render(notice_markdown(notice))
    kinds = {t.type for t in tokens}
    assert not kinds & {"html_block", "html_inline", "link_open", "image",
                        "code_inline", "blockquote_open", "ordered_list_open",
                        "em_open"}  # fmt: skip
    headings = [t.tag for t in tokens if t.type == "heading_open"]
    assert headings == ["h1"] + ["h2"] * len(notice.sections)
    assert "<img" not in html
    assert "<script" not in html
    assert "<b>" not in html
    assert "<a " not in html
    title = next(t for t in tokens if t.type == "inline")
    assert title.content.startswith("坏社区 \\# 注入标题 \\[点我\\]")
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "| 破 | 表 |" in html  # the pipes are text inside one cell


@pytest.mark.slow
@needs_cjk
@needs_poppler
def test_communities_with_one_name_print_apart(tmp_path):
    """Two communities named alike: two pages, two notices, two .md files."""
    result = synthetic_result(two=True)
    result.communities["community"] = NAME_A
    result.cells["community"] = NAME_A
    out = tmp_path / "m.pdf"
    paths = write_print_maps(result, out, communities=[NAME_A], notice=True, dpi=40)
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    assert "Pages:           4" in info  # (map + notice) for each
    notes = sorted(p for p in paths if p.suffix == ".md")
    assert len(notes) == 2
    assert [p.name for p in notes] == [f"{NAME_A}_B_notice.md", f"{NAME_A}_notice.md"]
    texts = [p.read_text(encoding="utf-8") for p in notes]
    assert "全社区共划分 64 个网格" in texts[0]  # B alone
    assert "全社区共划分 200 个网格" in texts[1]  # A alone
