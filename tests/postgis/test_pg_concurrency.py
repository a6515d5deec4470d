"""Many writers on one shared ledger: no lost update, no duplicate id, no deadlock."""

from __future__ import annotations

import threading

import pytest

from riskmap.cli import main
from riskmap.errors import InputDataError, StaleVersionError
from riskmap.registry import Project


@pytest.fixture
def shared(pg_url, communities):
    """A PostGIS project with one point whose households count is 0."""
    with Project.create(pg_url, communities, id_field="code") as project:
        project.add_point({"name": "热点", "type": "危房", "id": "HOT",
                           "households": 0}, 106.72, 31.87, user="u")  # fmt: skip
    return pg_url


@pytest.fixture(params=["gpkg", "postgis"])
def location(request, tmp_path, communities):
    """The same ledger in either store."""
    if request.param == "postgis":
        url = request.getfixturevalue("pg_url")
    else:
        url = tmp_path / "p.gpkg"
    with Project.create(url, communities, id_field="code") as project:
        project.add_point({"name": "热点", "type": "危房", "id": "HOT",
                           "households": 0}, 106.72, 31.87, user="u")  # fmt: skip
    return url


def test_stale_edit_is_refused(location):
    """An edit made on an older version than the ledger holds writes nothing."""
    with Project.open(location) as a, Project.open(location) as b:
        seen = a.get_point("HOT")["version"]
        b.edit_point("HOT", {"status": "整改中"}, user="b")
        with pytest.raises(StaleVersionError, match="version"):
            a.edit_point("HOT", {"status": "已销号"}, user="a", base_version=seen)
        with pytest.raises(StaleVersionError):
            a.move_point("HOT", 106.73, 31.87, user="a", base_version=seen)
        with pytest.raises(StaleVersionError):
            a.delete_point("HOT", user="a", base_version=seen)
        point = a.get_point("HOT")
    assert point["status"] == "整改中"
    assert point["version"] == seen + 1
    assert point["deleted"] == 0


def test_cli_base_version(location, capsys):
    """`points edit --base-version N`: applied at N, refused with one line after."""
    p = ["--project", str(location)]
    assert main(["points", "edit", "HOT", *p, "--set", "status=整改中",
                 "--base-version", "1"]) == 0  # fmt: skip
    assert main(["points", "edit", "HOT", *p, "--set", "status=已销号",
                 "--base-version", "1"]) == 2  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "changed since version 1" in err


def _bump(url: str, times: int, conflicts: list[int]) -> None:
    """Read households, write households + 1 on the version read; retry if stale."""
    with Project.open(url) as project:
        for _ in range(times):
            while True:
                point = project.get_point("HOT")
                try:
                    project.edit_point(
                        "HOT", {"households": int(point["households"]) + 1},
                        user="t", base_version=point["version"],
                    )  # fmt: skip
                    break
                except StaleVersionError:
                    conflicts.append(1)


def test_concurrent_read_modify_write_loses_nothing(shared):
    """Four connections increment one point 15 times each: exactly 60."""
    conflicts: list[int] = []
    threads = [
        threading.Thread(target=_bump, args=(shared, 15, conflicts)) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with Project.open(shared) as project:
        point = project.get_point("HOT")
    assert point["households"] == 60
    assert point["version"] == 61


def test_concurrent_adds_get_distinct_ids(shared):
    """Writers adding at once: every point kept, ids distinct, no error."""
    errors: list[Exception] = []

    def add(k: int) -> None:
        try:
            with Project.open(shared) as project:
                for i in range(10):
                    record = {"name": f"并发{k}-{i}", "type": "危房"}
                    lon, lat = 106.71 + k * 0.01, 31.86 + i * 0.001
                    project.add_point(record, lon, lat, user="t")
        except InputDataError as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Project.open(shared) as project:
        ids = project.points()["id"]
    assert len(ids) == 41
    assert ids.is_unique
