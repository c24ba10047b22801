"""Synthetic OCDS releases for the demo: Chinese buyers purchasing in the demo registry's
categories, some items naming a certificate or a certified brand + model, most not, plus services
outside any ecolabel category, so the green share comes out somewhere between 0 and 1."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from pathlib import Path

from ecoprocure.reference import DATA_DIR

_BUYERS = [
    ("CN-BJ-FIN", "北京市财政局 Beijing Municipal Finance Bureau", "北京 Beijing", "provincial"),
    ("CN-SH-GPC", "上海市政府采购中心 Shanghai Government Procurement Centre", "上海 Shanghai", "provincial"),
    ("CN-TJ-BH", "天津市滨海新区 Tianjin Binhai New Area", "天津 Tianjin", "municipal"),
    ("CN-SZ-GPC", "深圳市政府采购中心 Shenzhen Government Procurement Centre", "广东 Guangdong", "municipal"),
    ("CN-MEE", "生态环境部 Ministry of Ecology and Environment", "北京 Beijing", "central"),
]
_SERVICES = [("79341000-6", "广告服务 Advertising services"), ("72000000-5", "IT 服务 IT services")]


def _cpv_for_categories() -> dict[str, str]:
    with (DATA_DIR / "category_codes.csv").open(encoding="utf-8") as fh:
        out: dict[str, str] = {}
        for row in csv.DictReader(fh):
            if row["code_scheme"] == "CPV":
                out.setdefault(row["category_code"], row["code"])
        return out


def generate(registry_dir: Path, out: Path, releases: int = 400, seed: int = 7) -> Path:
    """Write ``out`` (JSON Lines) from the demo registry files in ``registry_dir``."""
    rng = random.Random(seed)
    cpv = _cpv_for_categories()
    with (registry_dir / "certificates.csv").open(encoding="utf-8") as fh:
        certificates = [r for r in csv.DictReader(fh) if r["category"] in cpv]
    with (registry_dir / "models.csv").open(encoding="utf-8") as fh:
        models = [r for r in csv.DictReader(fh) if r["category"] in cpv]
    # purchases of the two years up to the end of 2025: the years the default factor set covers
    today = dt.date(2025, 12, 31)
    with out.open("w", encoding="utf-8") as fh:
        for n in range(releases):
            fh.write(
                json.dumps(_release(rng, n, today, cpv, certificates, models), ensure_ascii=False) + "\n"
            )
    return out


# Units as publishers give them: paper by the ream, paint by the litre, materials by mass or area.
_UNITS = {
    "paper": ("RM", "令"),
    "chem.paint": ("LTR", "升"),
    "chem": ("KGM", "千克"),
    "packaging": ("KGM", "千克"),
    "cleaning.products": ("KGM", "千克"),
    "building": ("MTK", "平方米"),
    "construction": ("TNE", "吨"),
    "office.furniture.school": ("SET", "套"),
}


def _unit(category: str) -> dict[str, str]:
    for prefix in sorted(_UNITS, key=len, reverse=True):
        if category == prefix or category.startswith(prefix + "."):
            code, name = _UNITS[prefix]
            return {"id": code, "name": name}
    return {"id": "H87", "name": "件"}


def _item(
    rng: random.Random,
    n: int,
    cpv: dict[str, str],
    certificates: list[dict[str, str]],
    models: list[dict[str, str]],
) -> dict[str, object]:
    roll = rng.random()
    attributes: list[dict[str, str]] = []
    category = ""  # services: no product category
    if roll < 0.15:
        code, description = rng.choice(_SERVICES)
    else:
        if roll < 0.45:
            model = rng.choice(models)
            category = model["category"]
            attributes = [
                {"name": "brand", "value": model["brand"]},
                {"name": "model", "value": model["model"]},
            ]
        elif roll < 0.6:
            cert = rng.choice(certificates)
            category = cert["category"]
            attributes = [{"name": "certificate number", "value": cert["number"]}]
        else:
            category = rng.choice(certificates)["category"]
        code, description = cpv[category], category
    item: dict[str, object] = {
        "id": str(n),
        "description": description,
        "classification": {"scheme": "CPV", "id": code},
        "quantity": rng.choice((1, 2, 5, 10, 20, 50)),
        "unit": {
            **_unit(category),
            "value": {"amount": round(rng.lognormvariate(7, 1), 2), "currency": "CNY"},
        },
    }
    if attributes:
        item["attributes"] = attributes
    return item


def _release(
    rng: random.Random,
    n: int,
    today: dt.date,
    cpv: dict[str, str],
    certificates: list[dict[str, str]],
    models: list[dict[str, str]],
) -> dict[str, object]:
    buyer_id, name, region, level = rng.choice(_BUYERS)
    date = (today - dt.timedelta(days=rng.randrange(0, 700))).isoformat()
    items = [_item(rng, i, cpv, certificates, models) for i in range(rng.randint(1, 4))]
    return {
        "ocid": f"ocds-demo-{n:06d}",
        "id": f"ocds-demo-{n:06d}-award",
        "date": date + "T00:00:00Z",
        "tag": ["award"],
        "buyer": {"id": buyer_id, "name": name},
        "parties": [
            {
                "id": buyer_id,
                "name": name,
                "roles": ["buyer"],
                "address": {"region": region},
                "details": {"level": level},
            }
        ],
        "tender": {"hasSustainability": rng.random() < 0.3},
        "awards": [
            {
                "id": f"ocds-demo-{n:06d}-a1",
                "date": date,
                "status": "active",
                "suppliers": [{"id": "S-DEMO", "name": "示例供应商 Demo Supplier"}],
                "items": items,
            }
        ],
    }
