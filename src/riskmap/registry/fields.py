"""Ledger fields (docs/DOMAIN.md §3.3): names, labels, kinds, aliases, validation.

``FIELDS`` is the single ordered list the store, the importer, the exporter and a
form all use. ``clean_record`` turns user text into stored values and collects one
message per bad field; ``validate_record`` returns just the messages.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from riskmap.domain import level_of_word, level_words_hint
from riskmap.registry.levels import CATEGORIES, PointRules, load_point_rules

STATUSES = ("待整改", "整改中", "已销号")
METHODS = ("direct", "lec", "ls")


@dataclass(frozen=True)
class Field:
    """One ledger field."""

    name: str
    label_zh: str
    label_en: str
    kind: str  # text / int / float / choice / date / phone
    required: bool = False
    choices: tuple[Any, ...] = ()
    aliases: tuple[str, ...] = ()
    editable: bool = True

    def label(self, lang: str = "zh") -> str:
        """Display label in *lang*."""
        return self.label_en if lang == "en" else self.label_zh


def _types() -> tuple[str, ...]:
    """Listed point types (the list is open: other types are accepted too)."""
    return tuple(load_point_rules().types)


FIELDS: tuple[Field, ...] = (
    Field("id", "编号", "ID", "text", aliases=("point_id", "隐患编号", "序号编号")),
    Field("grid_code", "网格编码", "Grid code", "text", aliases=("网格", "网格编号")),
    Field("name", "名称", "Name", "text", True, aliases=("隐患名称", "隐患点名称")),
    Field("category", "类别", "Category", "choice", choices=CATEGORIES,
          aliases=("分类", "要素类别")),
    Field("type", "类型", "Type", "choice", True, choices=_types(),
          aliases=("隐患类型", "灾害类型")),
    Field("level", "风险等级", "Risk level", "int", choices=(1, 2, 3, 4),
          aliases=("等级", "风险级别")),
    Field("level_method", "评估方法", "Assessment method", "choice", choices=METHODS,
          aliases=("method", "方法")),
    Field("lec_l", "LEC-L 可能性", "LEC L", "float", aliases=("l", "lec_l值")),
    Field("lec_e", "LEC-E 暴露频率", "LEC E", "float", aliases=("e",)),
    Field("lec_c", "LEC-C 后果", "LEC C", "float", aliases=("c",)),
    Field("ls_l", "LS-L 可能性", "LS L", "int", choices=(1, 2, 3, 4, 5)),
    Field("ls_s", "LS-S 严重性", "LS S", "int", choices=(1, 2, 3, 4, 5)),
    Field("households", "威胁户数", "Households threatened", "int",
          aliases=("户数", "威胁户")),
    Field("people", "威胁人数", "People threatened", "int",
          aliases=("人数", "威胁人口")),
    Field("property_wan", "威胁财产(万元)", "Property threatened (10k CNY)", "float",
          aliases=("威胁财产", "财产", "property", "威胁财产万元")),
    Field("monitor", "监测人", "Monitor", "text", aliases=("监测员",)),
    Field("monitor_phone", "监测人电话", "Monitor phone", "phone",
          aliases=("监测电话", "监测人联系电话")),
    Field("responsible", "责任人", "Responsible person", "text",
          aliases=("负责人", "整改责任人")),
    Field("phone", "责任人电话", "Phone", "phone",
          aliases=("电话", "联系电话", "责任人联系电话")),
    Field("warning_signal", "预警信号", "Warning signal", "text"),
    Field("evacuation_route", "撤离路线", "Evacuation route", "text"),
    Field("shelter", "安置点", "Shelter", "text", aliases=("避险场所", "安置地点")),
    Field("measures", "管控措施", "Measures", "text",
          aliases=("整改措施", "防范措施", "措施")),
    Field("deadline", "整改时限", "Deadline", "date", aliases=("完成时限", "时限")),
    Field("status", "状态", "Status", "choice", choices=STATUSES,
          aliases=("整改状态",)),
    Field("photos", "照片", "Photos", "text", aliases=("照片路径",)),
    Field("reported_by", "上报人", "Reported by", "text", aliases=("排查人",)),
    Field("reported_at", "上报时间", "Reported at", "date",
          aliases=("排查时间", "上报日期")),
    Field("verified_at", "核查时间", "Verified at", "date", aliases=("核查日期",)),
    Field("address", "地址", "Address", "text", aliases=("地点", "位置", "详细地址")),
    Field("note", "巡查记录", "Inspection note", "text", aliases=("巡查情况",)),
    Field("community_id", "社区编码", "Community", "text", editable=False),
    Field("deleted", "已删除", "Deleted", "int", choices=(0, 1), editable=False),
)  # fmt: skip
FIELD_NAMES = tuple(f.name for f in FIELDS)
BY_NAME = {f.name: f for f in FIELDS}
_STATUS_WORDS = {
    "已整改": "已销号",
    "已验收": "已销号",
    "销号": "已销号",
    "未整改": "待整改",
}
# largest plausible value per numeric field: a point threatens one village, not
# a province; anything above is a typing or unit mistake (or infinity)
MAXIMA = {"households": 100_000, "people": 1_000_000, "property_wan": 10_000_000}
MAX_NUMBER = 1e9
_PHONE = re.compile(r"^\+?[\d*][\d\-\s*()]{4,19}$")


def header_aliases() -> dict[str, str]:
    """Lower-cased header text (name, labels, aliases) -> field name."""
    out: dict[str, str] = {}
    for f in FIELDS:
        for text in (*f.aliases, f.label_en, f.label_zh, f.name):
            out[text.strip().lower()] = f.name
    return out


def is_blank(value: Any) -> bool:
    """True for None, NaN and whitespace-only text."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def validate_record(record: dict[str, Any]) -> dict[str, str]:
    """Field -> message for every invalid value of *record*; empty when valid."""
    return clean_record(record)[1]


def clean_record(
    record: dict[str, Any], rules: PointRules | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Stored values and error messages for a whole *record*.

    Unknown keys are errors. Category and status get defaults; the level is derived
    (LEC, LS, direct or the type's default).
    """
    rules = rules or load_point_rules()
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, raw in record.items():
        field = BY_NAME.get(key)
        if field is None:
            errors[str(key)] = f"unknown field {key!r}"
            continue
        try:
            values[key] = None if is_blank(raw) else _convert(field, raw)
        except ValueError as exc:
            errors[key] = f"{field.label_zh} {field.name}: {exc}"
    for field in FIELDS:
        missing = values.get(field.name) is None and field.name not in errors
        if field.required and missing:
            errors[field.name] = f"{field.label_zh} {field.name}: required (必填)"
    _fill_derived(values, rules, errors)
    return values, errors


def _convert(field: Field, raw: Any) -> Any:
    """One value converted to its stored form; ValueError explains a bad one."""
    if field.kind in ("int", "float"):
        number = _number(field, raw)
        if field.name == "level" and number not in field.choices:
            raise ValueError(f"{raw!r} is not a level; use {level_words_hint()}")
        if field.choices and number not in field.choices:
            choices = "/".join(str(c) for c in field.choices)
            raise ValueError(f"{raw!r} is not one of {choices}")
        return number
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # 13800000000.0 from a spreadsheet is the text 13800000000
    text = str(raw).strip()
    if field.kind == "date":
        return _date(raw)
    if field.kind == "phone" and not _PHONE.match(text):
        raise ValueError(f"{text!r} is not a phone number")
    if field.name == "status":
        text = _STATUS_WORDS.get(text, text)
    if field.name == "level_method":
        text = text.lower()
    if field.kind == "choice" and field.name != "type" and text not in field.choices:
        raise ValueError(f"{text!r} is not one of {'/'.join(field.choices)}")
    return text


def _number(field: Field, raw: Any) -> int | float:
    """An int or float (levels also accept the words of levels.toml: 红, 重大 …)."""
    if field.name == "level" and isinstance(raw, str):
        word = level_of_word(raw)
        raw = word if word is not None else raw.strip()
    try:
        number = float(raw)
    except (TypeError, ValueError):
        if field.name == "level":
            hint = level_words_hint()
            raise ValueError(f"{raw!r} is not a level; use {hint}") from None
        raise ValueError(f"{raw!r} is not a number") from None
    if math.isnan(number) or number < 0:
        raise ValueError(f"{raw!r} must be a number >= 0")
    most = MAXIMA.get(field.name, MAX_NUMBER)
    if not number <= most:  # also infinity (1e400 in a spreadsheet)
        raise ValueError(f"{raw!r} is not plausible (at most {most:,.0f})")
    if field.kind == "int":
        if number != int(number):
            raise ValueError(f"{raw!r} must be a whole number")
        return int(number)
    return number


def _date(raw: Any) -> str:
    """ISO date text from a date, a datetime or text like 2026/11/27."""
    if isinstance(raw, datetime):
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    text = str(raw).strip().replace("/", "-").replace(".", "-")
    text = re.sub(r"[年月]", "-", text).replace("日", "")
    try:
        return (
            datetime.fromisoformat(text.split(" ")[0].split("T")[0]).date().isoformat()
        )
    except ValueError:
        raise ValueError(f"{raw!r} is not a date (YYYY-MM-DD)") from None


def _fill_derived(values: dict, rules: PointRules, errors: dict[str, str]) -> None:
    """Category from the type, status default, and the level with its method."""
    ptype = values.get("type")
    if values.get("category") is None and ptype:
        values["category"] = rules.category_of(ptype) or None
    if values.get("status") is None:
        values["status"] = STATUSES[0]
    try:
        level, method = derive_level(values, rules)
    except ValueError as exc:
        errors.setdefault("level", f"风险等级 level: {exc}")
        return
    if level is not None:
        values["level"], values["level_method"] = level, method


def derive_level(values: dict, rules: PointRules) -> tuple[int | None, str]:
    """(level, method): from LEC or LS inputs, the given level, or the type default.

    A given level that disagrees with the LEC/LS inputs is an error.
    """
    method = values.get("level_method")
    lec = [values.get(k) for k in ("lec_l", "lec_e", "lec_c")]
    ls = [values.get(k) for k in ("ls_l", "ls_s")]
    computed = None
    if method in (None, "lec") and all(v is not None for v in lec):
        _check_lec(lec, rules)
        computed, method = rules.lec_level(*lec), "lec"
    elif method in (None, "ls") and all(v is not None for v in ls):
        computed, method = rules.ls_level(*ls), "ls"
    elif method in ("lec", "ls"):
        raise ValueError(f"method {method} needs all of its inputs (L, E, C or L, S)")
    given = values.get("level")
    if computed is not None:
        if given is not None and given != computed:
            raise ValueError(f"level {given} disagrees with {method} -> {computed}")
        return computed, method
    if given is not None:
        return given, "direct"
    if values.get("type"):
        return rules.default_level(values["type"]), "direct"
    return None, "direct"


def _check_lec(lec: list, rules: PointRules) -> None:
    """L, E and C must be values of the LEC tables (docs/DOMAIN.md §1.2)."""
    for name, value, allowed in zip("LEC", lec, rules.lec_values, strict=True):
        if float(value) not in allowed:
            table = "/".join(f"{v:g}" for v in allowed)
            raise ValueError(f"LEC {name}={value:g} is not one of {table}")


def edit_method(changes: dict[str, Any]) -> dict[str, Any]:
    """An edit's assessment method: new LS or LEC inputs re-derive the level; a bare
    level switches to the direct method."""
    if "level_method" in changes:
        return {}
    keys = set(changes)
    for method, inputs in (
        ("ls", {"ls_l", "ls_s"}),
        ("lec", {"lec_l", "lec_e", "lec_c"}),
    ):
        if keys & inputs:
            return {"level_method": method, "level": None}
    return {"level_method": "direct"} if "level" in keys else {}
