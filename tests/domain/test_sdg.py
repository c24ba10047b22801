"""SDG 12.7.1: methodology files, answers files, the score, the level and F from data."""

from __future__ import annotations

import copy
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoprocure.domain.sdg_answers import load_answers, parse_answers
from ecoprocure.domain.sdg_methodology import (
    METHODOLOGY_DIR,
    SdgError,
    find_methodology,
    load_methodology,
    parse_methodology,
    shipped_versions,
)
from ecoprocure.domain.sdg_score import f_from_green_share, score_answers

ROOT = Path(__file__).resolve().parents[2]
WORKED = ROOT / "tests" / "fixtures" / "sdg" / "worked-check.toml"
CHINA = ROOT / "docs" / "examples" / "sdg-answers-china.toml"
UNEP_2021 = find_methodology("unep-2021")


def _data(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _score(data: dict[str, Any]) -> Any:
    sheet, methodology = parse_answers(data, origin="answers.toml")
    return score_answers(sheet, methodology)


def _answers(values: dict[str, Any]) -> dict[str, Any]:
    """An answers file with the given item values, each with a document as evidence."""
    return {
        "government": {
            "name": "Test",
            "level": "national",
            "country": "XX",
            "year": 2022,
            "methodology": "unep-2021",
        },
        "answer": [{"item": k, "value": v, "document": f"doc {k}"} for k, v in values.items()],
    }


# --- the worked check and the formula ------------------------------------------------------------


def test_the_worked_check_scores_2_67_in_level_2() -> None:
    sheet, methodology = load_answers(WORKED)
    result = score_answers(sheet, methodology)
    values = {c.component.id: c.value for c in result.components}
    assert values == {
        "A": Decimal(1),
        "B": Decimal("0.75"),
        "C": Decimal("0.8"),
        "D": Decimal("0.5"),
        "E": Decimal("0.5"),
        "F": Decimal("0.12"),
    }
    assert result.score == Decimal("2.67")
    assert (result.level.level, result.implementing) == (2, True)
    assert result.arithmetic.endswith("= 1 × (0.75 + 0.8 + 0.5 + 0.5 + 0.12) = 1 × 2.67 = 2.67")
    assert result.to_dict()["methodology_version"] == "unep-2021"


def test_a_zero_gives_zero_whatever_else_is_reported() -> None:
    data = _data(WORKED)
    data["answer"][0]["value"] = "no"
    result = _score(data)
    assert result.total == Decimal("2.67")
    assert (result.score, result.level.level, result.implementing) == (0, 0, False)


def test_the_gate_answer_is_required() -> None:
    data = _data(WORKED)
    data["answer"] = data["answer"][1:]
    with pytest.raises(SdgError, match=r"answers.toml: answer 'A.1': field value: required"):
        _score(data)


def test_an_answer_without_evidence_scores_zero_and_is_flagged() -> None:
    data = _data(WORKED)
    b1 = next(a for a in data["answer"] if a["item"] == "B.1")
    del b1["document"]
    b1["note"] = "a note alone is not evidence"
    result = _score(data)
    assert next(c for c in result.components if c.component.id == "B").value == Decimal("0.625")
    assert result.score == Decimal("2.545")
    assert result.flags == [
        {"item": "B.1", "problem": "answer without evidence (no document or link): scores 0"}
    ]
    item = result.to_dict()["components"]["B"]["items"][0]
    assert (item["status"], item["points"]) == ("no evidence", 0.0)


def test_a_no_needs_no_evidence() -> None:
    data = _answers({"A.1": "yes", "B.1": "no"})
    del data["answer"][1]["document"]
    assert _score(data).flags == []


def test_partial_answers_earn_their_fraction_of_the_weight() -> None:
    result = _score(_answers({"A.1": "yes", "D.1": "yes", "D.2": 0.25, "F.1": "40"}))
    d = next(c for c in result.components if c.component.id == "D")
    assert d.value == Decimal("0.625")
    assert result.score == Decimal("1.025")
    assert result.level.level == 1


@pytest.mark.parametrize(
    ("score", "level"),
    [
        ("0", 0),
        ("0.99", 0),
        ("1", 1),
        ("1.99", 1),
        ("2", 2),
        ("2.5", 2),
        ("3", 3),
        ("4", 3),
        ("4.01", 4),
        ("5", 4),
    ],
)
def test_levels_follow_the_bands_with_exactly_4_in_level_3(score: str, level: int) -> None:
    assert UNEP_2021.level_of(Decimal(score)).level == level


# --- hypothesis: bounds and monotonic levels -------------------------------------------------------

_ITEMS = UNEP_2021.items
_VALUE = {
    "yes_no": st.sampled_from(["yes", "no"]),
    "partial": st.one_of(st.sampled_from(["yes", "no"]), st.decimals(0, 1, places=3).map(str)),
    "percentage": st.decimals(0, 100, places=2).map(str),
}


@st.composite
def _answer_values(draw: st.DrawFn) -> dict[str, Any]:
    values: dict[str, Any] = {"A.1": draw(_VALUE["yes_no"])}
    for item_id, item in _ITEMS.items():
        if item_id != "A.1" and draw(st.booleans()):
            values[item_id] = draw(_VALUE[item.scoring])
    return values


@settings(max_examples=60, deadline=None)
@given(_answer_values())
def test_the_score_stays_within_0_and_5(values: dict[str, Any]) -> None:
    result = _score(_answers(values))
    assert 0 <= result.score <= 5
    for component in result.components:
        assert 0 <= component.value <= component.component.max


@given(st.decimals(0, 5, places=3), st.decimals(0, 5, places=3))
def test_the_level_is_monotone_in_the_score(a: Decimal, b: Decimal) -> None:
    low, high = sorted((a, b))
    assert UNEP_2021.level_of(low).level <= UNEP_2021.level_of(high).level
    assert (UNEP_2021.level_of(a).level >= 1) == (a >= 1)


# --- malformed answers files: file, item and field named ---------------------------------------------


def _broken(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(_data(WORKED))
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("government"), r"answers.toml: \[government\]: required"),
        (
            lambda d: d["government"].update(level="city"),
            r"\[government\]: field level: 'city' is not one of",
        ),
        (lambda d: d["government"].update(level="subnational"), r"\[government\]: field region: required"),
        (lambda d: d["government"].update(year="2020"), r"\[government\]: field year: '2020' is not a year"),
        (
            lambda d: d["government"].update(methodology="unep-1999"),
            r"unknown SDG 12.7.1 methodology 'unep-1999'",
        ),
        (lambda d: d["government"].update(colour="green"), r"\[government\]: field colour: unknown field"),
        (lambda d: d["answer"][1].update(item="B.9"), r"answer #2: field item: 'B.9' is not an item"),
        (
            lambda d: d["answer"][1].update(value="maybe"),
            r"answer 'B.1': field value: 'maybe' is not an answer",
        ),
        (
            lambda d: d["answer"][1].update(value=0.5),
            r"answer 'B.1': field value: 0.5 is not an answer \(yes or no\)",
        ),
        (lambda d: d["answer"][1].pop("value"), r"answer 'B.1': field value: required"),
        (lambda d: d["answer"][1].update(evidence="x"), r"answer 'B.1': field evidence: unknown field"),
        (lambda d: d["answer"][-1].update(value=120), r"answer 'F.1': field value: 120 is not a percentage"),
        (
            lambda d: d["answer"][-1].update(value="twelve"),
            r"answer 'F.1': field value: 'twelve' is not a number",
        ),
        (lambda d: d["answer"].append(dict(d["answer"][1])), r"answer 'B.1': field item: answered twice"),
        (
            lambda d: d.update(answer={"B.1": "yes"}),
            r"answers.toml: answer: write each answer as a \[\[answer\]\] table",
        ),
    ],
)
def test_malformed_answers_name_the_file_item_and_field(change: Any, message: str) -> None:
    with pytest.raises(SdgError, match=message):
        _score(_broken(change))


def test_a_partial_value_outside_0_1_is_refused() -> None:
    with pytest.raises(SdgError, match=r"answer 'D.2': field value: 1.5 is not a fraction between 0 and 1"):
        _score(_answers({"A.1": "yes", "D.2": 1.5}))


def test_an_unreadable_answers_file_names_it(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[government\nname=", encoding="utf-8")
    with pytest.raises(SdgError, match=r"bad.toml: not valid TOML"):
        load_answers(path)


# --- methodology files ---------------------------------------------------------------------------------


def test_the_shipped_versions_load_and_record_every_weight_with_status_and_source() -> None:
    assert shipped_versions() == ["unep-2021", "unep-v5-2020"]
    for item in UNEP_2021.items.values():
        assert item.weight_status in ("confirmed", "inferred", "unknown")
        assert item.source
    assert UNEP_2021.max_score == 5
    assert [i.id for i in UNEP_2021.component("B").items] == [f"B.{n}" for n in range(1, 9)]
    assert [i.id for i in UNEP_2021.component("C").items] == [f"C.{n}" for n in range(1, 6)]


def test_scoring_under_v5_is_refused_with_the_reason() -> None:
    v5 = find_methodology("unep-v5-2020")
    assert v5.scoring == "refused"
    sheet_data = _data(WORKED)
    with pytest.raises(SdgError, match=r"methodology unep-v5-2020: scoring refused: the point tables"):
        parse_answers(sheet_data, origin="answers.toml", methodology=v5)


def test_a_user_methodology_file_with_other_weights_is_used(tmp_path: Path) -> None:
    text = (METHODOLOGY_DIR / "unep-2021.toml").read_text(encoding="utf-8")
    text = text.replace('id = "unep-2021"', 'id = "unep-2021-official"', 1)
    text = text.replace('id = "D.1"', 'id = "D.1"\n# official', 1)
    text = text.replace('scoring = "partial"\nweight = "0.5"', 'scoring = "partial"\nweight = "0.7"', 1)
    text = text.replace('scoring = "partial"\nweight = "0.5"', 'scoring = "partial"\nweight = "0.3"', 1)
    path = tmp_path / "official.toml"
    path.write_text(text, encoding="utf-8")
    methodology = find_methodology(str(path))
    sheet, _ = load_answers(WORKED, methodology)
    result = score_answers(sheet, methodology)
    assert result.score == Decimal("2.87")
    assert result.to_dict()["methodology_version"] == "unep-2021-official"
    assert "scored under 'unep-2021-official'" in result.caveats()[1]


def test_weights_that_do_not_add_up_to_the_maximum_are_refused() -> None:
    data = _data(METHODOLOGY_DIR / "unep-2021.toml")
    data["components"][1]["items"][0]["weight"] = "0.5"
    with pytest.raises(SdgError, match=r"m.toml: component 'B': field items: the weights add up to 1.375"):
        parse_methodology(data, origin="m.toml")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["components"][1]["items"][2].update(scoring="maybe"),
            r"item 'B.3': field scoring: 'maybe'",
        ),
        (
            lambda d: d["components"][1]["items"][2].update(weight_status="guessed"),
            r"item 'B.3': field weight_status",
        ),
        (lambda d: d["components"][1]["items"][2].pop("source"), r"item 'B.3': field source: required"),
        (
            lambda d: d["components"][1]["items"][2].update(weight="x"),
            r"item 'B.3': field weight: 'x' is not a number",
        ),
        (lambda d: d["levels"][0].update(lower="0.5"), r"levels: the lowest level must start at 0"),
        (lambda d: d.update(scoring="maybe"), r"field scoring: 'maybe' is not supported or refused"),
    ],
)
def test_malformed_methodology_files_name_the_item_and_field(change: Any, message: str) -> None:
    data = _data(METHODOLOGY_DIR / "unep-2021.toml")
    change(data)
    with pytest.raises(SdgError, match=message):
        parse_methodology(data, origin="m.toml")


def test_load_methodology_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SdgError, match=r"missing.toml: cannot read the methodology file"):
        load_methodology(tmp_path / "missing.toml")


# --- the China example -----------------------------------------------------------------------------------


def test_the_china_example_is_illustrative_and_in_level_2() -> None:
    sheet, methodology = load_answers(CHINA)
    result = score_answers(sheet, methodology)
    assert sheet.government.illustrative
    assert result.level.level == 2
    assert result.caveats()[0] == "The answers are illustrative, not a government's submission."


# --- F from data ---------------------------------------------------------------------------------

ROWS = [
    {"year": 2022, "category": "office.furniture", "spend": 2000.0, "green_spend": 1000.0},
    {"year": 2022, "category": "ict.computer.desktop", "spend": 1000.0, "green_spend": 800.0},
    {"year": 2022, "category": "food.catering", "spend": 5000.0, "green_spend": 0.0},
    {"year": 2023, "category": "office.furniture", "spend": 1000.0, "green_spend": 1000.0},
]


def test_f_from_data_is_green_spend_over_spend_in_the_priority_categories() -> None:
    derivation = f_from_green_share(
        ROWS, ["office.furniture", "ict.computer", "paper.copy"], year=2022, currency="CNY"
    )
    assert (derivation.spend, derivation.green_spend) == (Decimal(3000), Decimal(1800))
    assert derivation.share == Decimal("0.6")
    assert derivation.without_purchases == ("paper.copy",)
    assert [r["category"] for r in derivation.rows] == ["ict.computer", "office.furniture"]
    assert (
        derivation.arithmetic
        == "F = green spend 1800 ÷ spend 3000 CNY in 2 priority categories in 2022 = 60 %"
    )


def test_f_from_data_replaces_the_files_f_answer() -> None:
    sheet, methodology = load_answers(WORKED)
    derivation = f_from_green_share(ROWS, ["office.furniture"], year=2023)
    result = score_answers(sheet, methodology, derivation)
    assert next(c for c in result.components if c.component.id == "F").value == 1
    assert result.score == Decimal("3.55")
    assert result.to_dict()["f_from_data"]["share"] == 1.0


def test_f_from_data_without_purchases_says_so() -> None:
    with pytest.raises(
        SdgError, match=r"no purchases in 2024 in the priority categories \(office.furniture\)"
    ):
        f_from_green_share(ROWS, ["office.furniture"], year=2024)
    with pytest.raises(SdgError, match="carry no category"):
        f_from_green_share([{"year": 2022, "spend": 1.0}], ["office.furniture"])


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["office.furniture", "office.furniture.chair", "paper.copy", "other"]),
            st.decimals(0, 10**6, places=2),
            st.decimals(0, 1, places=3),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_f_from_data_is_a_share_between_0_and_1(rows: list[tuple[str, Decimal, Decimal]]) -> None:
    table = [{"category": c, "spend": float(s), "green_spend": float(s * g)} for c, s, g in rows]
    covered = sum(s for c, s, _ in rows if c != "other")
    if covered == 0:
        with pytest.raises(SdgError):
            f_from_green_share(table, ["office.furniture", "paper.copy"])
        return
    derivation = f_from_green_share(table, ["office.furniture", "paper.copy"])
    assert 0 <= derivation.share <= 1
