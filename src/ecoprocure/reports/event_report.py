"""The qualifying explanatory statement (QES) of a carbon-neutral event, PAS 2060 style.

HTML and Markdown from the Jinja2 templates in ``templates/events/``; JSON is the check's own
dictionary plus the declaration in the chosen language. English and Chinese labels are a plain
dictionary here for now (the gettext catalogue of pages and reports can take them over later).
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ecoprocure.domain.events import EventResult
from ecoprocure.reports.files import write_text_atomic

FORMATS = ("html", "json", "md")
LANGUAGES = ("en", "zh")
TEMPLATES = Path(__file__).with_name("templates")

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Qualifying explanatory statement: carbon neutrality",
        "event": "Event",
        "organiser": "Organiser",
        "dates": "Dates",
        "location": "Location",
        "subject": "Subject of the declaration",
        "boundary": "Boundary",
        "period": "Period",
        "baseline": "Baseline",
        "commitment": "Commitment",
        "inventory": "Carbon footprint (inventory)",
        "by_scope": "By scope",
        "by_source": "By source",
        "scope": "Scope",
        "source": "Source",
        "arithmetic": "Arithmetic",
        "factor_source": "Factor / figure source",
        "total": "Total",
        "reductions": "Carbon management plan: reductions",
        "reductions_note": "Reported, not subtracted again: the inventory already reflects them.",
        "measure": "Measure",
        "offsets": "Offsets",
        "type": "Type",
        "registry": "Registry",
        "serial": "Serial number / range",
        "vintage": "Vintage",
        "quantity": "Quantity (t CO2e)",
        "retired_on": "Retired on",
        "reference": "Retirement reference",
        "counted": "Counted",
        "yes": "yes",
        "no": "no",
        "balance": "Balance",
        "neutral": "Carbon neutral",
        "not_neutral": "Carbon neutrality is not demonstrated",
        "verification": "Verification",
        "verification_type": "Type",
        "body": "Body",
        "date": "Date",
        "standard": "Standard",
        "declaration": "Declaration of achievement",
        "no_declaration": "No declaration can be made: see the problems below.",
        "problems": "Problems",
        "none": "none",
        "rules": "Rules applied",
        "rules_text": "offsets retired no later than {months} months after the declaration date; "
        "vintage no older than {age} years before the event ends",
        "tco2e": "t CO2e",
    },
    "zh": {
        "title": "合格解释声明：碳中和",
        "event": "活动",
        "organiser": "组织方",
        "dates": "日期",
        "location": "地点",
        "subject": "声明对象",
        "boundary": "边界",
        "period": "时段",
        "baseline": "基准",
        "commitment": "承诺",
        "inventory": "碳足迹（排放清单）",
        "by_scope": "按范围",
        "by_source": "按排放源",
        "scope": "范围",
        "source": "排放源",
        "arithmetic": "计算",
        "factor_source": "因子 / 数据来源",
        "total": "合计",
        "reductions": "碳管理计划：减排",
        "reductions_note": "仅报告，不再扣减：排放清单已反映这些减排。",
        "measure": "措施",
        "offsets": "抵消",
        "type": "类型",
        "registry": "登记簿",
        "serial": "序列号 / 区间",
        "vintage": "年份",
        "quantity": "数量（吨二氧化碳当量）",
        "retired_on": "注销日期",
        "reference": "注销凭证",
        "counted": "计入",
        "yes": "是",
        "no": "否",
        "balance": "平衡",
        "neutral": "已实现碳中和",
        "not_neutral": "未能证明碳中和",
        "verification": "核查",
        "verification_type": "类型",
        "body": "机构",
        "date": "日期",
        "standard": "标准",
        "declaration": "实现声明",
        "no_declaration": "无法作出声明：见下列问题。",
        "problems": "问题",
        "none": "无",
        "rules": "适用规则",
        "rules_text": "抵消须在声明日期后{months}个月内注销；年份不早于活动结束前{age}年",
        "tco2e": "吨二氧化碳当量",
    },
}
VERIFICATION_ZH = {
    "independent_third_party": "独立第三方认证",
    "other_party": "其他方验证",
    "self": "自我验证",
}


def declaration(result: EventResult, lang: str) -> str | None:
    """PAS 2060's declaration of achievement in ``lang`` (``None`` when neutrality is not shown)."""
    english = result.declaration()
    if english is None or lang == "en":
        return english
    info, verification = result.event.info, result.event.verification
    assert verification is not None
    return (
        f"{info.organiser}已按照{verification.standard}于{verification.date.isoformat()}实现"
        f"{info.subject or info.name}的碳中和，经{VERIFICATION_ZH[verification.type]}。"
    )


def number(value: str | None) -> str:
    """A decimal string with thousands separators (``165833`` → ``165,833``)."""
    if value is None:
        return ""
    try:
        return f"{Decimal(value):,f}"
    except InvalidOperation:
        return value


def markdown_cell(value: Any) -> Any:
    """Text from the event file cannot break a Markdown table: pipes escaped, lines joined."""
    if not isinstance(value, str):
        return value
    return " ".join(value.replace("|", "\\|").split())


def report_data(result: EventResult, lang: str) -> dict[str, Any]:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")
    data = result.to_dict() | {"language": lang, "declaration": declaration(result, lang)}
    if lang == "zh" and data["verification"] is not None:
        kind = data["verification"]["type"]
        data["verification"] = data["verification"] | {"wording": VERIFICATION_ZH[kind]}
    return data


def render(result: EventResult, output_format: str, lang: str = "en") -> str:
    if output_format not in FORMATS:
        raise ValueError(f"unknown report format {output_format!r}; use one of {', '.join(FORMATS)}")
    data = report_data(result, lang)
    if output_format == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=output_format == "html",
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=None if output_format == "html" else markdown_cell,
    )
    env.filters["num"] = number
    template = env.get_template(f"events/qes.{output_format}.j2")
    return template.render(d=data, t=LABELS[lang], lang=lang)


def write_report(result: EventResult, output_format: str, path: Path, lang: str = "en") -> Path:
    """Render, then write ``path`` atomically."""
    return write_text_atomic(path, render(result, output_format, lang))
