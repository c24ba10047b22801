"""SDG 12.7.1 score: A × (B + C + D + E + F), each component's arithmetic shown (docs/sdg.md).

Each component is the sum of its sub-items' points (an item's weight × the fraction its answer
earns), at most the component's maximum. An answer without evidence (no document, no link)
earns 0 and is flagged, as UNEP's validation disregards answers whose evidence does not support
them; an item not answered earns 0 (only A is mandatory). The level is the highest band whose
lower bound the score reaches (the bands are data in the methodology file); a government is
implementing SPP at a score at or above the methodology's threshold (1).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ecoprocure.domain.sdg_answers import Answer, AnswerSheet, Evidence
from ecoprocure.domain.sdg_methodology import Component, Item, Level, Methodology, SdgError


def fmt(value: Decimal, places: int = 4) -> str:
    """A decimal without trailing zeros, rounded to ``places``."""
    rounded = value
    if value != value.to_integral():
        rounded = value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    text = format(rounded.normalize(), "f")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class ItemScore:
    item: Item
    answer: Answer | None
    points: Decimal
    flag: str  # why the item earns nothing although answered ("" when none)

    @property
    def status(self) -> str:
        if self.answer is None:
            return "not answered"
        return "no evidence" if self.flag else "answered"

    def term(self) -> str:
        shown = self.answer.value if self.answer else "not answered"
        shown += ", no evidence" if self.flag else ""
        return f"{fmt(self.points)} ({self.item.id}: {shown})"

    def to_dict(self) -> dict[str, Any]:
        evidence = self.answer.evidence if self.answer else Evidence("", "", "")
        return {
            "item": self.item.id,
            "text": self.item.text,
            "text_zh": self.item.text_zh,
            "scoring": self.item.scoring,
            "weight": float(self.item.weight),
            "weight_status": self.item.weight_status,
            "weight_source": self.item.source,
            "answer": self.answer.value if self.answer else None,
            "points": float(self.points),
            "status": self.status,
            "flag": self.flag or None,
            "evidence": {"document": evidence.document, "link": evidence.link, "note": evidence.note},
        }


@dataclass(frozen=True)
class ComponentScore:
    component: Component
    items: tuple[ItemScore, ...]
    value: Decimal
    capped: bool

    @property
    def arithmetic(self) -> str:
        terms = " + ".join(i.term() for i in self.items)
        cap = f", capped at {fmt(self.component.max)}" if self.capped else ""
        return f"{self.component.id} = {terms} = {fmt(self.value)}{cap}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.component.id,
            "name": self.component.name,
            "name_zh": self.component.name_zh,
            "role": self.component.role,
            "value": float(self.value),
            "max": float(self.component.max),
            "arithmetic": self.arithmetic,
            "items": [i.to_dict() for i in self.items],
        }


@dataclass(frozen=True)
class FDerivation:
    """F from ecoprocure's green-share data: green spend ÷ spend over the priority categories."""

    categories: tuple[str, ...]
    year: int | None
    rows: tuple[dict[str, Any], ...]  # per priority category: spend, green spend, share
    spend: Decimal
    green_spend: Decimal
    without_purchases: tuple[str, ...]  # priority categories with no purchases in the data
    currency: str

    @property
    def share(self) -> Decimal:
        return self.green_spend / self.spend

    @property
    def arithmetic(self) -> str:
        year = f" in {self.year}" if self.year is not None else ""
        return (
            f"F = green spend {fmt(self.green_spend, 2)} ÷ spend {fmt(self.spend, 2)} {self.currency} "
            f"in {len(self.rows)} priority categories{year} = {fmt(self.share * 100, 2)} %"
        )

    def answer(self, item: str) -> Answer:
        percent = self.share * 100
        note = self.arithmetic + (
            f"; priority categories without purchases: {', '.join(self.without_purchases)}"
            if self.without_purchases
            else ""
        )
        document = "ecoprocure green-share indicators over the workspace's ingested procurement data"
        return Answer(item, f"{fmt(percent, 2)} %", percent / 100, Evidence(document, "", note))

    def to_dict(self) -> dict[str, Any]:
        return {
            "categories": list(self.categories),
            "year": self.year,
            "currency": self.currency,
            "rows": list(self.rows),
            "spend": float(self.spend),
            "green_spend": float(self.green_spend),
            "share": float(self.share),
            "without_purchases": list(self.without_purchases),
            "arithmetic": self.arithmetic,
        }


@dataclass(frozen=True)
class SdgScore:
    sheet: AnswerSheet
    methodology: Methodology
    components: tuple[ComponentScore, ...]
    gate: Decimal
    total: Decimal  # B + … + F
    score: Decimal
    level: Level
    f_derivation: FDerivation | None

    @property
    def implementing(self) -> bool:
        return self.score >= self.methodology.implementing_threshold

    @property
    def arithmetic(self) -> str:
        gate = next(c for c in self.components if c.component.role == "gate")
        added = [c for c in self.components if c.component.role != "gate"]
        terms = " + ".join(fmt(c.value) for c in added)
        names = " + ".join(c.component.id for c in added)
        return (
            f"score = {gate.component.id} × ({names}) = {fmt(self.gate)} × ({terms}) "
            f"= {fmt(self.gate)} × {fmt(self.total)} = {fmt(self.score)}"
        )

    @property
    def flags(self) -> list[dict[str, str]]:
        return [{"item": i.item.id, "problem": i.flag} for c in self.components for i in c.items if i.flag]

    def caveats(self) -> list[str]:
        notes = list(self.methodology.caveats)
        government = self.sheet.government
        if government.methodology != self.methodology.id:
            notes.insert(
                0,
                f"The answers file names methodology {government.methodology!r}; "
                f"scored under {self.methodology.id!r} ({self.methodology.origin}).",
            )
        if government.illustrative:
            notes.insert(0, "The answers are illustrative, not a government's submission.")
        return notes

    def to_dict(self) -> dict[str, Any]:
        g = self.sheet.government
        return {
            "score": float(self.score),
            "level": self.level.level,
            "level_label": self.level.label,
            "level_label_zh": self.level.label_zh,
            "implementing": self.implementing,
            "methodology_version": self.methodology.id,
            "methodology_title": self.methodology.title,
            "methodology_file": self.methodology.origin,
            "formula": self.methodology.formula,
            "arithmetic": self.arithmetic,
            "government": {
                "name": g.name,
                "level": g.level,
                "country": g.country,
                "region": g.region or None,
                "year": g.year,
                "illustrative": g.illustrative,
                "note": g.note or None,
            },
            "answers_file": self.sheet.origin,
            "components": {c.component.id: c.to_dict() for c in self.components},
            "flags": self.flags,
            "f_from_data": self.f_derivation.to_dict() if self.f_derivation else None,
            "caveats": self.caveats(),
            "sources": [vars(s) for s in self.methodology.sources],
        }


def _item_score(item: Item, answer: Answer | None) -> ItemScore:
    if answer is None:
        return ItemScore(item, None, Decimal(0), "")
    if not answer.evidence.present and answer.fraction > 0:
        return ItemScore(item, answer, Decimal(0), "answer without evidence (no document or link): scores 0")
    return ItemScore(item, answer, item.weight * answer.fraction, "")


def _component_score(component: Component, sheet: AnswerSheet) -> ComponentScore:
    items = tuple(_item_score(item, sheet.answers.get(item.id)) for item in component.items)
    raw = sum((i.points for i in items), Decimal(0))
    return ComponentScore(component, items, min(raw, component.max), raw > component.max)


def score_answers(
    sheet: AnswerSheet, methodology: Methodology, f_derivation: FDerivation | None = None
) -> SdgScore:
    """Score an answers file; ``f_derivation`` (F from data) replaces the file's F answer."""
    if methodology.scoring == "refused":
        raise SdgError(f"methodology {methodology.id}: scoring refused: {methodology.refusal}")
    if f_derivation is not None:
        sheet = sheet.with_answer(f_derivation.answer(share_item(methodology).id))
    components = tuple(_component_score(c, sheet) for c in methodology.components)
    gate = next(c.value for c in components if c.component.role == "gate")
    total = sum((c.value for c in components if c.component.role != "gate"), Decimal(0))
    score = gate * total
    return SdgScore(
        sheet, methodology, components, gate, total, score, methodology.level_of(score), f_derivation
    )


def share_item(methodology: Methodology) -> Item:
    """The one percentage item (F) that data can answer."""
    items = [i for c in methodology.components if c.role == "share" for i in c.items]
    if len(items) != 1:
        raise SdgError(
            f"{methodology.origin}: F from data needs exactly one percentage item; "
            f"the methodology has {len(items)}"
        )
    return items[0]


def _decimal(value: Any) -> Decimal:
    return Decimal(0) if value is None else Decimal(str(value))


def _covers(priority: str, category: str) -> bool:
    return category == priority or category.startswith(priority + ".")


def f_from_green_share(
    rows: Iterable[Mapping[str, Any]],
    categories: Iterable[str],
    *,
    year: int | None = None,
    currency: str = "",
) -> FDerivation:
    """F from green-share rows (``IndicatorResult.to_dict()["rows"]`` run by category, and by year
    when ``year`` is given): green spend ÷ spend of the purchases in the priority categories (a
    listed category covers its sub-categories)."""
    priority = tuple(dict.fromkeys(c.strip() for c in categories if c.strip()))
    if not priority:
        raise SdgError("F from data: no priority categories given")
    per: dict[str, list[Decimal]] = {}
    for row in rows:
        if "category" not in row:
            raise SdgError("F from data: the green-share rows carry no category (run them by category)")
        if year is not None and row.get("year") != year:
            continue
        category = row["category"]
        match = next((p for p in priority if category and _covers(p, str(category))), None)
        if match is None:
            continue
        sums = per.setdefault(match, [Decimal(0), Decimal(0)])
        sums[0] += _decimal(row.get("spend"))
        sums[1] += _decimal(row.get("green_spend"))
    spend = sum((s[0] for s in per.values()), Decimal(0))
    green = sum((s[1] for s in per.values()), Decimal(0))
    if spend <= 0:
        when = f" in {year}" if year is not None else ""
        raise SdgError(
            f"F from data: no purchases{when} in the priority categories ({', '.join(priority)}); "
            "answer F in the answers file instead"
        )
    table = tuple(
        {
            "category": c,
            "spend": float(s[0]),
            "green_spend": float(s[1]),
            "green_share": float(s[1] / s[0]) if s[0] else None,
        }
        for c, s in sorted(per.items())
    )
    missing = tuple(c for c in priority if c not in per)
    return FDerivation(priority, year, table, spend, green, missing, currency)
