"""``riskmap project``: create a project (GeoPackage or PostGIS), show, copy and
share it; feed compute from it."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from riskmap.atomic import atomic_path
from riskmap.errors import InputDataError, MissingFileError
from riskmap.resources import sample_dir

if TYPE_CHECKING:
    from riskmap.io.request import HazardSpec
    from riskmap.registry import Project


SAMPLE_HAZARDS = {"flood": "flood_depth.tif", "landslide": "landslide.tif"}


def register(sub: argparse._SubParsersAction) -> None:
    """Add the project sub-command and its actions."""
    p = sub.add_parser(
        "project",
        help="create, show, copy or share a riskmap project (项目)",
        description="A project is one GeoPackage, or one schema of a PostgreSQL/"
        "PostGIS database (postgresql://USER@HOST:PORT/DB?schema=NAME, password "
        "from PGPASSWORD or ~/.pgpass): communities, ledger, change log, settings.",
    )
    actions = p.add_subparsers(dest="project_command", required=True, metavar="ACTION")
    new = actions.add_parser("new", help="create a project")
    new.add_argument("path", type=location, help=f"new {LOCATION} (never overwritten)")
    new.add_argument("--communities", type=Path, help="community boundary polygons")
    new.add_argument("--id-field", help="community id field")
    new.add_argument("--name-field", help="community name field")
    new.add_argument(
        "--hazard", action="append", default=[], metavar="NAME[@YEARS]=PATH[:FIELD]",
        help="hazard raster or zones, stored relative to the project; repeat",
    )  # fmt: skip
    new.add_argument("--model", type=Path, help="risk model TOML for compute")
    new.add_argument(
        "--resources", type=Path,
        help="emergency resources (shelters …) for compute, stored relative to the "
        "project",
    )  # fmt: skip
    new.add_argument(
        "--sample", action="store_true", help="fill it from the bundled Bazhong sample"
    )
    add_quiet(new)
    new.set_defaults(func=run_new)
    upd = actions.add_parser(
        "set", help="replace a project's hazards, model and/or resources"
    )
    upd.add_argument("path", type=location, help=LOCATION)
    upd.add_argument(
        "--hazard", action="append", default=None, metavar="NAME=PATH[:FIELD]",
        help="the new hazard list (replaces the old one); repeat",
    )  # fmt: skip
    upd.add_argument("--model", type=Path, help="risk model TOML")
    upd.add_argument("--resources", type=Path, help="emergency resources layer")
    upd.add_argument("--user", help="who makes the change (default: login)")
    add_quiet(upd)
    upd.set_defaults(func=run_set)
    info = actions.add_parser("info", help="show a project's settings and counts")
    info.add_argument("path", type=location, help=LOCATION)
    info.set_defaults(func=run_info)
    copy = actions.add_parser(
        "copy", help="copy a project between GeoPackage and PostGIS, losing nothing"
    )
    copy.add_argument("source", type=location, help=f"the project to copy: {LOCATION}")
    copy.add_argument(
        "target", type=location, help="the new project (never overwritten)"
    )
    add_quiet(copy)
    copy.set_defaults(func=run_copy)
    grant = actions.add_parser(
        "grant", help="let a login role edit or view some communities (PostGIS)"
    )
    grant.add_argument("role", help="PostgreSQL login role (created if missing)")
    grant.add_argument("--project", required=True, type=location, help="postgresql://")
    grant.add_argument(
        "--community", required=True, metavar="ID[,ID]",
        help="the communities this role reaches (replaces earlier grants)",
    )  # fmt: skip
    grant.add_argument(
        "--role", dest="role_kind", required=True, choices=("editor", "viewer")
    )
    grant.add_argument(
        "--password-stdin", action="store_true",
        help="set the role's password from the first line of standard input",
    )  # fmt: skip
    add_quiet(grant)
    grant.set_defaults(func=run_grant)


LOCATION = "PROJECT.gpkg or postgresql://USER@HOST:PORT/DB?schema=NAME"


def location(text: str) -> Path | str:
    """A project location: a GeoPackage path, or a ``postgresql://`` URL as is."""
    from riskmap.registry.database import is_database_url

    return text if is_database_url(text) else Path(text)


def add_quiet(p: argparse.ArgumentParser) -> None:
    """Accept -q/--quiet after an action too (``riskmap points import ... -q``)."""
    p.add_argument(
        "-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
        help="no progress output",
    )  # fmt: skip


def current_user() -> str:
    """Who is making a change: $RISKMAP_USER, else the login name."""
    try:
        return os.environ.get("RISKMAP_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def create_project(
    path: Path | str,
    communities: Path | None = None,
    *,
    id_field: str | None = None,
    name_field: str | None = None,
    hazards: Sequence[HazardSpec] = (),
    model: Path | None = None,
    resources: Path | None = None,
) -> Project:
    """Create a project from file paths and hazards (checked as compute would)."""
    from riskmap.io.layers import load_communities
    from riskmap.model import load_model
    from riskmap.registry import Project

    comms = load_communities(communities, id_field, name_field) if communities else None
    if model is not None:
        load_model(model)  # refuse what compute --model would refuse
    _check_files(resources=resources)
    return Project.create(
        path, comms, hazards=hazards, model=model, resources=resources
    )


def _check_files(**paths: Path | None) -> None:
    """A MissingFileError naming the option of a path that is not a file."""
    for option, path in paths.items():
        if path is not None and not Path(path).is_file():
            raise MissingFileError(f"--{option} {path}: file not found")


def _hazard_options(texts: list[str]) -> tuple[HazardSpec, ...]:
    """The ``--hazard`` options of project new/set; each hazard (or each return
    period of one) once, as a project keeps one path per name."""
    from riskmap.commands.request import parse_hazard_args

    specs = parse_hazard_args(texts)
    keys = [spec.key for spec in specs]
    twice = next((key for key in keys if keys.count(key) > 1), None)
    if twice is not None:
        raise InputDataError(f"--hazard {twice} is given twice; give it once")
    return specs


def create_sample_project(path: str | Path, layers: Path | None = None) -> Project:
    """A project from the bundled Bazhong sample (or the same files in *layers*):
    communities, hazards, 90 points; written whole or not at all, and open."""
    from riskmap.registry import Project
    from riskmap.registry.database import is_database_url

    target = location(str(path))
    if is_database_url(target):
        return _sample_in_database(str(target), layers or sample_dir())
    target = Path(target)
    if target.exists():
        raise InputDataError(
            f"{target}: already exists; riskmap never overwrites a project, "
            "choose another name or open it"
        )
    with atomic_path(target) as tmp:
        _write_sample(tmp, layers or sample_dir()).close()
    return Project.open(target)


def _write_sample(path: Path, layers: Path) -> Project:
    """The sample project at *path* (a new file), open."""
    from riskmap.io.request import HazardSpec
    from riskmap.registry import import_file

    project = create_project(
        path,
        layers / "communities.geojson",
        hazards=[HazardSpec(k, layers / v) for k, v in SAMPLE_HAZARDS.items()],
        resources=layers / "shelters.geojson",
    )
    try:
        import_file(project, layers / "risk_points.geojson", "wgs84", user="sample")
    except BaseException:
        project.close()
        raise
    return project


def _sample_in_database(url: str, layers: Path) -> Project:
    """The sample in a database: built in a temporary GeoPackage, then copied in
    one transaction, so a failure leaves no half-filled schema."""
    import tempfile

    from riskmap.registry.copy import copy_project

    with (
        tempfile.TemporaryDirectory(prefix="riskmap-sample-") as folder,
        _write_sample(Path(folder) / "sample.gpkg", layers) as source,
    ):
        return copy_project(source, url, user="sample", origin="bundled sample")


def run_new(args: argparse.Namespace) -> int:
    """Entry point of ``riskmap project new``."""
    if args.sample:
        project = create_sample_project(args.path)
    else:
        project = create_project(
            args.path, args.communities, id_field=args.id_field,
            name_field=args.name_field, hazards=_hazard_options(args.hazard),
            model=args.model, resources=args.resources,
        )  # fmt: skip
    with project:
        if not getattr(args, "quiet", False):
            print(describe(project))
    return 0


def run_set(args: argparse.Namespace) -> int:
    """Entry point of ``riskmap project set``."""
    from riskmap.model import load_model
    from riskmap.registry import Project

    if args.hazard is None and args.model is None and args.resources is None:
        raise InputDataError(
            "nothing to set: give --hazard NAME=PATH, --model and/or --resources"
        )
    if args.model is not None:
        load_model(args.model)  # refuse what compute --model would refuse
    _check_files(resources=args.resources)
    hazards = _hazard_options(args.hazard) if args.hazard is not None else None
    with Project.open(args.path) as project, project.errors():
        project.update_settings(
            hazards=hazards, model=args.model, resources=args.resources,
            user=args.user or current_user(),
        )  # fmt: skip
        if not getattr(args, "quiet", False):
            print(describe(project))
    return 0


def run_info(args: argparse.Namespace) -> int:
    """Entry point of ``riskmap project info``."""
    from riskmap.registry import Project

    with Project.open(args.path) as project, project.errors():
        print(describe(project))
    return 0


def run_copy(args: argparse.Namespace) -> int:
    """Entry point of ``riskmap project copy``."""
    from riskmap.registry import Project
    from riskmap.registry.copy import copy_project

    with Project.open(args.source) as source, source.errors():
        copied = copy_project(source, args.target, user=current_user())
    with copied, copied.errors():
        if not getattr(args, "quiet", False):
            print(describe(copied))
    return 0


def run_grant(args: argparse.Namespace) -> int:
    """Entry point of ``riskmap project grant``."""
    from riskmap.registry import Project
    from riskmap.registry.database import is_database_url
    from riskmap.registry.pgproject import grant

    ids = [c.strip() for c in args.community.split(",") if c.strip()]
    if not ids:
        raise InputDataError("--community: give at least one community id")
    password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else None
    if args.password_stdin and not password:
        raise InputDataError("--password-stdin: standard input had no password")
    if not is_database_url(args.project):
        raise InputDataError(
            f"{args.project}: grant needs a PostgreSQL project (postgresql://...); "
            "a GeoPackage has no logins"
        )
    with Project.open(args.project) as project, project.errors():
        created = grant(project.conn, args.role, ids, args.role_kind, password=password)
    if not getattr(args, "quiet", False):
        made = "created login role" if created else "login role"
        print(f"{made} {args.role}: {args.role_kind} of {', '.join(ids)}")
    return 0


def describe(project: Project) -> str:
    """A few lines: file, communities, points, hazards, model."""
    settings = project.settings
    live, every = len(project.points()), len(project.points(include_deleted=True))
    lines = [
        f"project {project.path} (schema {settings['schema_version']})",
        f"  project_id: {settings['project_id']}",
        f"  communities: {len(project.communities())}",
        f"  points: {live} ({every - live} deleted)",
    ]
    for name, spec in settings["hazards"].items():
        lines.append(f"  hazard {name}: {spec}")
    lines.append(f"  model: {settings['model'] or 'bundled default'}")
    lines.append(f"  resources: {settings['resources'] or 'none'}")
    return "\n".join(lines)
