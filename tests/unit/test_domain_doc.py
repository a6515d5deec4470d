"""Every domain-facts citation ("DOMAIN.md §N") in the code, styles and docs
names a section of docs/DOMAIN.md, which is in the repository."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CITED_IN = ("src", "tests", "docs", "styles", "layers", "README.md", "DESIGN.md")
CITATION = re.compile(r"domain\.md(\s+§[\d.]+(?:\s*[–/,]\s*§?[\d.]+)*)?", re.I)


def _text_files() -> Iterator[Path]:
    """The repository's code, style and documentation files (not DOMAIN.md itself
    and not this test)."""
    for top in CITED_IN:
        base = ROOT / top
        for path in [base] if base.is_file() else sorted(base.rglob("*")):
            if path.suffix in {".py", ".md", ".toml"} and path.name not in {
                "DOMAIN.md",
                Path(__file__).name,
            }:
                yield path


def _sections() -> set[str]:
    """Section numbers of docs/DOMAIN.md ("1", "1.2", ...)."""
    text = (ROOT / "docs" / "DOMAIN.md").read_text(encoding="utf-8")
    return set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", text, flags=re.M))


def test_domain_citations_resolve():
    """Each citation spells the file DOMAIN.md and names existing sections."""
    sections = _sections()
    cited, wrong = 0, []
    for path in _text_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in CITATION.finditer(text):
            where = f"{path.relative_to(ROOT)}: {match.group(0)}"
            if not match.group(0).startswith("DOMAIN.md"):
                wrong.append(where)
            for number in re.findall(r"\d+(?:\.\d+)?", match.group(1) or ""):
                cited += 1
                if number not in sections:
                    wrong.append(where)
    assert cited > 20
    assert wrong == []
