"""``riskmap points``: add, import, list, edit, delete, restore, export the ledger."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from riskmap.choices import LEDGER_FORMATS
from riskmap.commands.field_merge import register_field_actions
from riskmap.commands.project import LOCATION, add_quiet, current_user, location
from riskmap.errors import InputDataError
from riskmap.progress import StderrProgress

if TYPE_CHECKING:
    from riskmap.registry import Project


COORDS_HELP = "wgs84 | cgcs2000 | gcj02 (AMap/Tencent) | bd09 (Baidu) | EPSG:XXXX"
LIST_COLUMNS = (
    "id", "name", "type", "level", "status", "responsible", "community_id", "version",
)  # fmt: skip


def register(sub: argparse._SubParsersAction) -> None:
    """Add the points sub-command and its actions."""
    p = sub.add_parser("points", help="the risk-point ledger of a project (隐患台账)")
    actions = p.add_subparsers(dest="points_command", required=True, metavar="ACTION")
    add = _action(actions, "add", "add one point (新增)", run_add)
    _location(add, required=True)
    add.add_argument("--name", required=True, help="名称")
    add.add_argument("--type", required=True, help="类型, e.g. 滑坡, 内涝点, 危房")
    add.add_argument("--level", help="风险等级 1-4 (or 红/橙/黄/蓝); default by type")
    _set_option(add)
    imp = _action(
        actions,
        "import",
        "import a CSV/XLSX/GeoJSON/SHP/GPKG ledger (导入)",
        run_import,
    )
    imp.add_argument("file", type=Path, help="ledger file")
    imp.add_argument("--coords", required=True, help=f"coordinates: {COORDS_HELP}")
    imp.add_argument("--strict", action="store_true", help="all rows or nothing")
    imp.add_argument(
        "--dry-run", action="store_true", help="validate only, write nothing"
    )
    lst = _action(actions, "list", "print the ledger (列表)", run_list)
    lst.add_argument("--include-deleted", action="store_true")
    edit = _action(actions, "edit", "change fields or move a point (修改)", run_edit)
    edit.add_argument("id", help="point id")
    _set_option(edit)
    _location(edit, required=False)
    _base_version(edit)
    for name, func, text in (
        ("delete", run_delete, "soft-delete a point (删除, can be restored)"),
        ("restore", run_restore, "restore a deleted point (恢复)"),
    ):
        act = _action(actions, name, text, func)
        act.add_argument("id", help="point id")
        if name == "delete":
            _base_version(act)
    exp = _action(actions, "export", "export the ledger (导出)", run_export)
    exp.add_argument(
        "--format", choices=LEDGER_FORMATS, help="default: from --out's suffix"
    )
    exp.add_argument("--out", required=True, type=Path, help="output file")
    exp.add_argument("--include-deleted", action="store_true")
    hist = _action(actions, "history", "print the change log (修改记录)", run_history)
    hist.add_argument("id", nargs="?", help="only this point")
    register_field_actions(actions, _action)


def _action(actions, name: str, help_text: str, func) -> argparse.ArgumentParser:
    """One action parser with the options every action takes."""
    p = actions.add_parser(name, help=help_text)
    p.add_argument("--project", required=True, type=location, help=LOCATION)
    p.add_argument("--user", default=None, help="who makes the change (default: login)")
    add_quiet(p)
    p.set_defaults(func=func)
    return p


def _location(p: argparse.ArgumentParser, *, required: bool) -> None:
    """--lon/--lat (decimal or DMS) and the system they are in."""
    p.add_argument(
        "--lon", required=required, help="经度, e.g. 106.7475 or 106°44′51″E"
    )
    p.add_argument("--lat", required=required, help="纬度, e.g. 31.867 or 31°52′1″N")
    p.add_argument("--coords", default="wgs84", help=f"{COORDS_HELP} (default wgs84)")


def _base_version(p: argparse.ArgumentParser) -> None:
    """--base-version: refuse the change unless the point is still at that version."""
    p.add_argument(
        "--base-version", type=int, metavar="N",
        help="only if the point is still at version N (as points list showed it); "
        "otherwise refused, nothing written",
    )  # fmt: skip


def _set_option(p: argparse.ArgumentParser) -> None:
    """Repeatable FIELD=VALUE."""
    p.add_argument(
        "--set", action="append", default=[], metavar="FIELD=VALUE",
        help="any ledger field, e.g. responsible=张伟 phone=13800000000; repeat",
    )  # fmt: skip


def _fields(pairs: list[str]) -> dict[str, str]:
    """FIELD=VALUE pairs as a dict."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputDataError(f"--set {pair!r}: write FIELD=VALUE")
        out[key.strip()] = value
    return out


def _lonlat(args: argparse.Namespace) -> tuple[float, float]:
    """WGS84 lon/lat from --lon/--lat in --coords."""
    from riskmap.io.chinacoords import parse_degrees, to_wgs84

    lon, lat = to_wgs84(
        [parse_degrees(args.lon)], [parse_degrees(args.lat)], args.coords
    )
    return float(lon[0]), float(lat[0])


@contextmanager
def _open(args: argparse.Namespace) -> Iterator[Project]:
    """The --project, with store errors (damaged file, lost server, a row this
    login may not change) turned into one clear line."""
    from riskmap.registry import Project

    with Project.open(args.project) as project, project.errors():
        yield project


def _user(args: argparse.Namespace) -> str:
    """--user or the login name."""
    return args.user or current_user()


def run_add(args: argparse.Namespace) -> int:
    """Entry point of ``riskmap points add``."""
    record = {"name": args.name, "type": args.type, **_fields(args.set)}
    if args.level is not None:
        record["level"] = args.level
    with _open(args) as project:
        point_id = project.add_point(record, *_lonlat(args), user=_user(args))
    print(point_id)
    return 0


def run_import(args: argparse.Namespace) -> int:
    """Entry point of ``riskmap points import``."""
    from riskmap.registry import import_file, preview_import

    with _open(args) as project:
        if args.dry_run:
            report = preview_import(args.file, args.coords, project=project)
        else:
            report = import_file(
                project, args.file, args.coords, strict=args.strict, user=_user(args),
                progress=StderrProgress("points import", quiet=args.quiet),
            )  # fmt: skip
    for line in report.lines():
        print(line)
    if report.ignored_columns:
        print(f"ignored columns: {', '.join(report.ignored_columns)}")
    print(report.summary())
    return 0


def run_list(args: argparse.Namespace) -> int:
    """Entry point of ``riskmap points list``: one tab-separated line per point."""
    with _open(args) as project:
        points = project.points(include_deleted=args.include_deleted)
    columns = [*LIST_COLUMNS, *(["deleted"] if args.include_deleted else [])]
    print("\t".join([*columns, "lon", "lat"]))
    for i in range(len(points)):
        row = [
            "" if _blank(points[c].iloc[i]) else str(points[c].iloc[i]) for c in columns
        ]
        geom = points.geometry.iloc[i]
        print("\t".join([*row, f"{geom.x:.7f}", f"{geom.y:.7f}"]))
    return 0


def _blank(value: object) -> bool:
    """None or NaN."""
    return value is None or value != value


def run_edit(args: argparse.Namespace) -> int:
    """Entry point of ``riskmap points edit``."""
    changes = _fields(args.set)
    if (args.lon is None) != (args.lat is None):
        raise InputDataError("give both --lon and --lat to move a point")
    if not changes and args.lon is None:
        raise InputDataError("nothing to change: give --set FIELD=VALUE or --lon/--lat")
    with _open(args) as project, project.transaction():  # one change, or none
        base = args.base_version
        if changes:
            project.edit_point(args.id, changes, user=_user(args), base_version=base)
            base = None  # checked: the move follows the edit in this transaction
        if args.lon is not None:
            lon, lat = _lonlat(args)
            project.move_point(args.id, lon, lat, user=_user(args), base_version=base)
    return 0


def run_delete(args: argparse.Namespace) -> int:
    """Entry point of ``riskmap points delete``."""
    with _open(args) as project:
        project.delete_point(args.id, user=_user(args), base_version=args.base_version)
    return 0


def run_restore(args: argparse.Namespace) -> int:
    """Entry point of ``riskmap points restore``."""
    with _open(args) as project:
        project.restore_point(args.id, user=_user(args))
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Entry point of ``riskmap points export``."""
    from riskmap.registry import export_points

    with _open(args) as project:
        out = export_points(
            project, args.out, args.format, include_deleted=args.include_deleted
        )
    if not args.quiet:
        print(out)
    return 0


def run_history(args: argparse.Namespace) -> int:
    """Entry point of ``riskmap points history``: one line per change."""
    with _open(args) as project:
        for entry in project.history(args.id):
            cells = ("seq", "at", "user", "action", "point_id", "before", "after")
            print("\t".join(str(entry[c] or "") for c in cells))
    return 0
