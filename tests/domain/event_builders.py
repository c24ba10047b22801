"""Small event files for the tests: a valid one, and ways to change one field."""

from __future__ import annotations

from pathlib import Path

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "event-national-games.toml"

BASE = """\
[event]
id = "{event_id}"
name = "Test conference"
organiser = "Test organiser"
start = 2024-05-01
end = 2024-05-03

[[emission]]
id = "power"
scope = 2
source = "Venue electricity"
activity = 2000
activity_unit = "kWh"
factor = 0.5
factor_unit = "kg CO2e / kWh"
factor_source = "test factor"

[[emission]]
id = "travel"
scope = 3
source = "Delegate travel"
tco2e = 9
tco2e_source = "test figure"

[[offset]]
id = "vcs"
type = "VCS"
registry = "Verra"
serial_range = "{serial}"
vintage = 2023
quantity = {quantity}
retired_on = 2024-06-01

[verification]
type = "other_party"
body = "A validator"
date = 2024-07-01
"""


def event_text(event_id: str = "conf-2024", serial: str = "VCS-TEST-1-10", quantity: int = 10) -> str:
    """10 t CO2e emitted (1 t electricity + 9 t travel), 10 t offsets retired: neutral."""
    return BASE.format(event_id=event_id, serial=serial, quantity=quantity)


def write_event(
    directory: Path,
    name: str = "event.toml",
    text: str | None = None,
    *,
    event_id: str = "conf-2024",
    serial: str = "VCS-TEST-1-10",
) -> Path:
    path = directory / name
    path.write_text(text if text is not None else event_text(event_id, serial), encoding="utf-8")
    return path
