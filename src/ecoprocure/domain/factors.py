"""Environmental-benefit factor sets: load one, list those available, pick one by name.

A factor set is a folder holding ``factor-set.toml`` (name, version, region, valid years,
description, licence, sources) and ``rows.csv`` (one row per category and impact). ecoprocure ships
``ecoprocure-default-cn`` in ``reference/data/factors/default/``; users add their own as folders
under ``$ECOPROCURE_HOME/factors/<name>/`` or anywhere else (pass the path). The format is
documented in ``docs/factors.md``.

>>> fs = load_factor_set(SHIPPED_DIR / "default")
>>> row = fs.rows_for("paper.copy", "cod")[0]
>>> fs.values(row).to("g").central
<Quantity(800, 'gram')>

This module and its companions (:mod:`~ecoprocure.domain.factor_model` for the types and unit
arithmetic, :mod:`~ecoprocure.domain.factor_files` and :mod:`~ecoprocure.domain.factor_rows` for
the checks) are pure: no database, no CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ecoprocure.domain.factor_files import (
    METADATA_FILE,
    FactorSetError,
    Problem,
    read_metadata,
    reference_categories,
    shipped_impacts,
)
from ecoprocure.domain.factor_model import (
    FactorRow,
    FactorSet,
    FactorSetInfo,
    FactorUnitError,
    FactorValues,
    Impact,
    Source,
)
from ecoprocure.domain.factor_rows import COLUMNS, read_rows
from ecoprocure.errors import DataError, NotFound
from ecoprocure.reference import DATA_DIR

__all__ = [
    "COLUMNS",
    "DEFAULT_FACTOR_SET",
    "SHIPPED_DIR",
    "FactorRow",
    "FactorSet",
    "FactorSetEntry",
    "FactorSetError",
    "FactorSetInfo",
    "FactorUnitError",
    "FactorValues",
    "Impact",
    "Problem",
    "Source",
    "available_factor_sets",
    "find_factor_set",
    "load_factor_set",
    "user_factors_dir",
]

SHIPPED_DIR = DATA_DIR / "factors"
DEFAULT_FACTOR_SET = "ecoprocure-default-cn"


def user_factors_dir(home: Path) -> Path:
    """Where a user's factor sets live: ``<home>/factors/<name>/``."""
    return home / "factors"


def load_factor_set(folder: Path, *, origin: str = "path") -> FactorSet:
    """Read and check the factor set in ``folder``; :class:`FactorSetError` lists every problem."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FactorSetError(
            folder, [Problem(str(folder), None, None, "is not a folder holding a factor set")]
        )
    info, extra_impacts, rows_file = read_metadata(folder, origin)
    impacts = {**shipped_impacts(), **extra_impacts}
    categories = reference_categories()
    rows, problems = read_rows(folder / rows_file, info, impacts, categories)
    if problems:
        raise FactorSetError(folder, problems)
    return FactorSet(
        info=info,
        rows=tuple(rows),
        impacts=impacts,
        categories={code: c.functional_unit for code, c in categories.items()},
        parents={code: c.parent for code, c in categories.items()},
    )


@dataclass(frozen=True)
class FactorSetEntry:
    """A factor set found on disk: its metadata, or why it cannot be read."""

    folder: Path
    origin: str
    info: FactorSetInfo | None
    error: str | None = None

    @property
    def name(self) -> str:
        return self.info.name if self.info else self.folder.name


def _candidate_folders(home: Path | None) -> list[tuple[Path, str]]:
    folders = [(p.parent, "shipped") for p in sorted(SHIPPED_DIR.glob(f"*/{METADATA_FILE}"))]
    if home is not None:
        folders += [(p.parent, "user") for p in sorted(user_factors_dir(home).glob(f"*/{METADATA_FILE}"))]
    return folders


def available_factor_sets(home: Path | None = None) -> list[FactorSetEntry]:
    """The shipped factor sets, then the user's under ``<home>/factors/``; unreadable ones say why.

    Only the metadata is read here; :func:`load_factor_set` checks the rows.
    """
    entries = []
    for folder, origin in _candidate_folders(home):
        try:
            info, _, _ = read_metadata(folder, origin)
        except DataError as exc:
            entries.append(FactorSetEntry(folder, origin, None, str(exc)))
        else:
            entries.append(FactorSetEntry(folder, origin, info))
    return entries


def find_factor_set(name_or_path: str | Path, home: Path | None = None) -> FactorSet:
    """The factor set named ``name_or_path`` (shipped or under ``<home>/factors``), or in that folder."""
    path = Path(name_or_path)
    if path.is_dir() and (path / METADATA_FILE).exists():
        return load_factor_set(path)
    entries = available_factor_sets(home)
    matches = [e for e in entries if e.info is not None and e.info.name == str(name_or_path)]
    if not matches:
        known = ", ".join(sorted({e.name for e in entries if e.info})) or "none"
        broken = [e for e in entries if e.info is None and e.folder.name == str(name_or_path)]
        if broken:
            raise DataError(broken[0].error or f"factor set {name_or_path} cannot be read")
        raise NotFound(
            f"no factor set named {str(name_or_path)!r}; available: {known}. "
            f"Add yours as a folder under {user_factors_dir(home) if home else '$ECOPROCURE_HOME/factors'} "
            "or pass the folder's path"
        )
    if len(matches) > 1:
        folders = "; ".join(str(e.folder) for e in matches)
        raise DataError(
            f"{len(matches)} factor sets are named {str(name_or_path)!r} ({folders}): "
            "rename one (field name of its factor-set.toml) or pass the folder's path"
        )
    return load_factor_set(matches[0].folder, origin=matches[0].origin)
