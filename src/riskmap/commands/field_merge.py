"""``riskmap points merge | conflicts | resolve``: bring field change-sets home."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from riskmap.atomic import atomic_path
from riskmap.commands.project import current_user
from riskmap.progress import StderrProgress

if TYPE_CHECKING:
    from riskmap.registry.merge import Outcome


def register_field_actions(actions, make_action) -> None:
    """Add merge, conflicts and resolve to ``riskmap points``."""
    merge = make_action(
        actions, "merge", "merge change-sets exported from field pages (合并外业记录)",
        run_merge,
    )  # fmt: skip
    merge.add_argument("files", nargs="+", type=Path, help="riskmap-changes-*.json")
    merge.add_argument(
        "--dry-run", action="store_true", help="report what would happen, write nothing"
    )
    merge.add_argument("--report", type=Path, help="also write the report as JSON")
    make_action(
        actions, "conflicts", "list field edits waiting for review (冲突)",
        run_conflicts,
    )  # fmt: skip
    res = make_action(actions, "resolve", "settle one conflict (处理冲突)", run_resolve)
    res.add_argument("uuid", help="the field record's uuid (see points conflicts)")
    res.add_argument(
        "--keep", required=True, choices=("ledger", "field"),
        help="ledger: keep what the project holds; field: apply the phone's edit",
    )  # fmt: skip


def run_merge(args: argparse.Namespace) -> int:
    """Entry point of ``riskmap points merge``."""
    from riskmap.registry import Project
    from riskmap.registry.merge import merge_files

    with Project.open(args.project) as project, project.errors():
        outcomes = merge_files(
            project, args.files, dry_run=args.dry_run,
            progress=StderrProgress("points merge", quiet=args.quiet),
        )  # fmt: skip
    for outcome in outcomes:
        print(outcome.line())
    print(summary(outcomes, args.dry_run))
    if args.report:
        _write_report(args.report, outcomes, args.dry_run)
    return 0


def summary(outcomes: list[Outcome], dry_run: bool) -> str:
    """One line: how many records had each outcome."""
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.outcome] = counts.get(o.outcome, 0) + 1
    parts = [f"{k} {v}" for k, v in sorted(counts.items())] or ["no records"]
    return ("dry run, nothing written: " if dry_run else "merged: ") + ", ".join(parts)


def _write_report(path: Path, outcomes: list[Outcome], dry_run: bool) -> None:
    """The report as JSON (texts stay data: no spreadsheet formulas)."""
    doc = {"dry_run": dry_run, "records": [o.__dict__ for o in outcomes]}
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")


def run_conflicts(args: argparse.Namespace) -> int:
    """Entry point of ``riskmap points conflicts``: one line per differing field."""
    from riskmap.registry import Project
    from riskmap.registry.merge import conflicts

    with Project.open(args.project) as project, project.errors():
        rows = conflicts(project)
    print("uuid\tpoint_id\tworker\tbase_version\tversion\tfield\tledger\tfield_value")
    for c in rows:
        head = [_cell(c["uuid"]), c["point_id"], _cell(c.get("worker")),
                str(c.get("base_version")), str(c["current_version"])]  # fmt: skip
        for name, pair in c["diff"].items() or [("", {"ledger": "", "field": ""})]:
            print("\t".join([*head, name, _cell(pair["ledger"]), _cell(pair["field"])]))
    return 0


def _cell(value: object) -> str:
    """A value on one line (tabs and newlines shown as escapes)."""
    text = "" if value is None else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def run_resolve(args: argparse.Namespace) -> int:
    """Entry point of ``riskmap points resolve``."""
    from riskmap.registry import Project
    from riskmap.registry.merge import resolve

    with Project.open(args.project) as project, project.errors():
        resolve(project, args.uuid, args.keep, user=args.user or current_user())
    return 0
