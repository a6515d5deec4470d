"""From command-line text to an ``AnalysisRequest``, and from a request to loaded,
checked inputs (``load_inputs``), reading a project's ledger where one is named.

Parsing option text (``NAME=PATH:FIELD``, ``TYPE=METRES``, ``KIND=PATH``) happens
here only; everything past ``request_from_args`` handles typed values.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from pathlib import Path

import geopandas as gpd
import numpy as np

from riskmap.core.coverage import TYPE_KEYS, service_radii
from riskmap.core.exposure import load_exposure
from riskmap.core.pipeline import AnalysisInputs, check_options
from riskmap.errors import InputDataError
from riskmap.io.chinacoords import parse_coords_option
from riskmap.io.crs import parse_assume_crs, parse_crs, study_box
from riskmap.io.layers import (
    ledger_likelihoods,
    load_communities,
    load_grid,
    load_hazard,
    load_points,
    load_resources,
)
from riskmap.io.request import (
    AnalysisRequest,
    ExposureSources,
    HazardSpec,
    parse_return_period,
)
from riskmap.model import RiskModel, load_model
from riskmap.progress import ProgressCallback
from riskmap.registry import Project

# -- option text -> typed values ----------------------------------------------


def request_from_args(args: argparse.Namespace) -> AnalysisRequest:
    """The request named by ``riskmap compute``'s options (see
    ``compute.add_input_arguments``); option text is parsed and checked here."""
    return AnalysisRequest(
        communities=args.communities,
        id_field=args.id_field,
        name_field=args.name_field,
        hazards=parse_hazard_args(args.hazard),
        points=args.points,
        points_coords=(
            parse_coords_option(args.points_coords) if args.points_coords else None
        ),
        resources=args.resources,
        service_radius=parse_service_radius(args.service_radius),
        population=args.population,
        exposure=parse_exposure_args(args.exposure),
        grid=args.grid,
        grid_id_field=args.grid_id_field,
        cell_size=args.cell_size,
        model=args.model,
        crs=parse_crs(args.crs) if args.crs else None,
        assume_crs=parse_assume_crs(args.assume_crs) if args.assume_crs else None,
        memory_mb=args.memory_mb,
        workers=getattr(args, "workers", None),
        scheduler=getattr(args, "scheduler", None),
        project=args.project,
    )


def parse_hazard_arg(text: str) -> HazardSpec:
    """Parse ``NAME[@YEARS]=PATH`` or ``NAME[@YEARS]=PATH:FIELD`` (zones + class field).

    ``flood@100=d100.tif`` is the 100-year flood: a return-period scenario.
    """
    name, sep, rest = text.partition("=")
    name, at, years = (part.strip() for part in name.partition("@"))
    if not sep or not name or not rest:
        raise InputDataError(
            f"--hazard {text!r}: write NAME=PATH (raster) or NAME=PATH:FIELD (zones)"
        )
    period = parse_return_period(years, f"--hazard {text!r}") if at else None
    if Path(rest).exists() or ":" not in rest:
        return HazardSpec(name, Path(rest), return_period=period)
    path, _, field = rest.rpartition(":")
    return HazardSpec(name, Path(path), field or None, period)


def parse_hazard_args(texts: Iterable[str]) -> tuple[HazardSpec, ...]:
    """Every ``--hazard`` option, in the order given."""
    return tuple(parse_hazard_arg(text) for text in texts)


def parse_service_radius(values: Sequence[str] | None) -> dict[str, float]:
    """Parse ``TYPE=METRES`` texts (e.g. ``shelter=800``) into a radius per type."""
    out: dict[str, float] = {}
    for text in values or []:
        key, sep, metres = str(text).partition("=")
        try:
            out[key.strip().lower()] = float(metres)
        except ValueError:
            sep = ""
        if not sep:
            raise InputDataError(
                f"--service-radius {text!r}: expected TYPE=METRES with TYPE one of "
                f"{', '.join(TYPE_KEYS)}, e.g. --service-radius shelter=800"
            )
    service_radii(out)  # unknown types and bad numbers: refused now
    return out


EXPOSURE_OPTION_KINDS = ("population", "buildings", "weight")


def parse_exposure_args(values: Sequence[str] | None) -> ExposureSources:
    """``population=PATH``, ``buildings=PATH[:HOUSEHOLDS_FIELD]``, ``weight=PATH``."""
    paths: dict[str, Path] = {}
    households = None
    for text in values or []:
        kind, sep, rest = str(text).partition("=")
        kind = kind.strip().lower()
        if not sep or kind not in EXPOSURE_OPTION_KINDS or not rest:
            raise InputDataError(
                f"--exposure {text!r}: write population=PATH (raster or table), "
                "buildings=PATH[:HOUSEHOLDS_FIELD] or weight=PATH (a raster that "
                "spreads a population table)"
            )
        if kind in paths:
            raise InputDataError(f"--exposure {kind} is given twice; give it once")
        if kind == "buildings" and not Path(rest).exists() and ":" in rest:
            rest, _, field = rest.rpartition(":")
            households = field or None
        paths[kind] = Path(rest)
    if "weight" in paths and "population" not in paths:
        raise InputDataError(
            "--exposure weight=PATH spreads a population table; "
            "give --exposure population=TABLE too"
        )
    return ExposureSources(**paths, households_field=households)


# -- typed request -> loaded inputs -------------------------------------------

LOAD_STEPS = 6  # progress steps of load_inputs


def load_inputs(
    request: AnalysisRequest, progress: ProgressCallback | None = None
) -> tuple[AnalysisInputs, RiskModel]:
    """Read and check everything *request* names (and its project gives).

    Bad input raises an ``InputDataError`` of one line. *progress* hears of each
    step, so a caller can show it and cancel between steps (by raising).
    """
    report = progress or (lambda *_: None)
    check_request(request)
    report(0, LOAD_STEPS, "loading the project" if request.project else "loading")
    project = open_project(request.project) if request.project else None
    with project or nullcontext():
        if project is not None:
            request = with_project_settings(request, project)
        return _load(request, project, report)


def _load(
    request: AnalysisRequest, project: Project | None, report: ProgressCallback
) -> tuple[AnalysisInputs, RiskModel]:
    """load_inputs' steps, with the project's settings already applied."""
    assume = request.assume_crs
    model = load_model(request.model)
    report(1, LOAD_STEPS, "loading communities")
    if request.communities is not None:
        communities = load_communities(
            request.communities, request.id_field, request.name_field, assume
        )
    else:
        assert project is not None  # check_request: communities or a project
        communities = project_communities(project)
    box = study_box(communities)
    report(2, LOAD_STEPS, "loading hazards")
    hazards = [load_hazard(spec, assume) for spec in request.hazards]
    report(3, LOAD_STEPS, "loading points")
    if request.points is not None:
        points = load_points(
            request.points, model, request.points_coords, assume=assume, box=box
        )
    else:
        points = project_points(project, model) if project is not None else None
    report(4, LOAD_STEPS, "loading grid and resources")
    grid = load_grid(request.grid, assume) if request.grid else None
    resources = (
        load_resources(request.resources, request.points_coords, assume=assume, box=box)
        if request.resources
        else None
    )
    report(5, LOAD_STEPS, "loading exposure")
    inputs = AnalysisInputs(
        communities=communities,
        hazards=hazards,
        points=points,
        cell_size=request.cell_size,
        grid=grid,
        grid_id_field=request.grid_id_field,
        crs=request.crs,
        budget_mb=request.memory_mb,
        resources=resources,
        service_radius=dict(request.service_radius),
        population=request.population,
        exposure=load_exposure(request.exposure, communities, assume),
        workers=request.workers,
        scheduler=request.scheduler,
    )
    report(LOAD_STEPS, LOAD_STEPS, "inputs loaded")
    return inputs, model


def check_request(request: AnalysisRequest) -> None:
    """Numbers and required inputs, before anything is read."""
    check_options(request.cell_size, request.memory_mb)
    if request.workers is not None and request.workers < 1:
        raise InputDataError(f"--workers must be 1 or more, got {request.workers}")
    if request.project is None and request.communities is None:
        raise InputDataError("compute needs --communities PATH or --project FILE")


# -- a project's part of the request ------------------------------------------


def open_project(location: Path | str) -> Project:
    """Open the project and read (and cache) its communities, errors worded."""
    project = Project.open(location)
    try:
        with project.errors():
            project.communities()
    except BaseException:
        project.close()
        raise
    return project


def with_project_settings(
    request: AnalysisRequest, project: Project
) -> AnalysisRequest:
    """*request* with the project's hazards, model and resources where it gives
    none (what the request names wins)."""
    with project.errors():
        settings = project.settings
        return dataclasses.replace(
            request,
            hazards=request.hazards or tuple(project.hazards()),
            model=request.model or _path(settings["model"]),
            resources=request.resources or _path(settings.get("resources")),
        )


def _path(text: str | None) -> Path | None:
    """A stored path, or None."""
    return Path(text) if text else None


def project_communities(project: Project) -> gpd.GeoDataFrame:
    """The project's communities, as load_communities would give them."""
    comms = project.communities()
    if len(comms) == 0:
        raise InputDataError(
            f"{project.path}: the project has no communities; pass --communities PATH"
        )
    return comms


def project_points(project: Project, model: RiskModel) -> gpd.GeoDataFrame | None:
    """The live ledger as compute's points (point_id, name, type, category, level,
    likelihood)."""
    with project.errors():
        points = project.points()
    if len(points) == 0:
        return None
    points = points.drop(columns="deleted")
    points.insert(0, "point_id", points["id"].astype(str))
    default = [model.point_rule(t).default_level for t in points["type"]]
    level = points["level"].to_numpy(dtype=float)
    points["level"] = np.where(np.isnan(level), default, level).astype(int)
    points["category"] = points["category"].fillna("")
    points["likelihood"] = ledger_likelihoods(points, model)
    return points


def project_photos(request: AnalysisRequest):
    """Thumbnails of the ledger's photos when the points come from the project."""
    from riskmap.registry.thumbnails import live_photo_thumbnails

    if request.project is None or request.points is not None:
        return None
    with Project.open(request.project) as project, project.errors():
        return live_photo_thumbnails(project)
