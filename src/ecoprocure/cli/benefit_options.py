"""Options shared by the commands that state benefits (``impact``, ``report annual``): which
equivalences to show and which prices value the reductions in money."""

from __future__ import annotations

from typing import Annotated

import typer

from ecoprocure.domain.benefit_summary import DEFAULT_EQUIVALENCES

# Typer reads the Annotated metadata at run time: kept real aliases, not string annotations.
Equivalences = Annotated[
    str | None,
    typer.Option(
        help=f"Comma list of equivalence ids (default {','.join(DEFAULT_EQUIVALENCES)}; none: off)."
    ),
]
CarbonPrice = Annotated[
    str | None, typer.Option(help="Carbon price id to value CO2 (e.g. cn-ets-2024, cn-seee-seed-40).")
]
ShadowPrices = Annotated[
    str | None,
    typer.Option(help="Comma list of pollutant shadow-price ids (e.g. cn-ept-so2,cn-ept-nox)."),
]


def ids(text: str) -> list[str]:
    """A comma list of ids; ``none`` is the empty list."""
    return [] if text.strip().lower() == "none" else [i.strip() for i in text.split(",") if i.strip()]
