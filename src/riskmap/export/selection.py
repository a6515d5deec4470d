"""Which communities of a result an export covers (``--community NAME|ID ...``)."""

from __future__ import annotations

from riskmap.domain import RiskResult
from riskmap.errors import InputDataError


def select_communities(
    result: RiskResult, wanted: list[str] | None, every: str = "--all"
) -> list[str]:
    """Ids of the communities chosen by id or by name (a name that several
    communities share chooses them all; all when *wanted* is None); an
    InputDataError naming the valid ones (and *every*, the way to get all) for an
    unknown one."""
    table = result.communities
    ids = [str(i) for i in table["community_id"]]
    names = [str(n) for n in table["community"]]
    if not ids:
        raise InputDataError("the result has no communities to export")
    if wanted is None:
        return ids
    if not wanted:
        raise InputDataError(
            f"no community chosen; name one with --community or {every}"
        )
    chosen: dict[str, None] = {}
    for item in wanted:
        found = [i for i in ids if i == item] or [
            i for i, n in zip(ids, names, strict=True) if n == item
        ]
        if not found:
            raise InputDataError(
                f"community {item!r} is not in the result; choose one of "
                f"{', '.join(names)} (or {every})"
            )
        chosen.update(dict.fromkeys(found))
    return list(chosen)
