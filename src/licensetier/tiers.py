"""Tiers, artifact kinds and the default conflict matrices, read from license_db/tiers.toml."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from licensetier.errors import LicenseDBError
from licensetier.formats import tomllib
from licensetier.models import Tier
from licensetier.paths import data_directory

CELL_VALUES = frozenset({"error", "warning", "info", "ok"})


@dataclass(frozen=True)
class ComponentOverride:
    kind: str
    licenses: frozenset[str]
    severity: str
    why: str


@dataclass(frozen=True)
class TierData:
    kinds: Mapping[str, Tier]  # kind -> tier, in the order of the data
    summaries: Mapping[Tier, str]
    intended: Mapping[Tier, str]
    component: Mapping[str, Mapping[Tier, str]]  # row -> tier -> cell
    declared: Mapping[str, Mapping[Tier, str]]
    component_overrides: tuple[ComponentOverride, ...]

    @property
    def component_rows(self) -> tuple[str, ...]:
        return tuple(self.component)

    @property
    def declared_rows(self) -> tuple[str, ...]:
        return tuple(self.declared)

    def tier_of(self, kind: str | None) -> Tier | None:
        return self.kinds.get(kind) if kind else None


def _matrix(data: Any, name: str) -> dict[str, dict[Tier, str]]:
    if not isinstance(data, dict):
        raise LicenseDBError(f"tiers.toml: [{name}] is missing")
    out: dict[str, dict[Tier, str]] = {}
    for row, cells in data.items():
        row_cells: dict[Tier, str] = {}
        for tier in Tier:
            cell = cells.get(tier.value)
            if cell not in CELL_VALUES:
                raise LicenseDBError(f"tiers.toml: [{name}.{row}] {tier.value} = {cell!r}")
            row_cells[tier] = cell
        out[row] = row_cells
    return out


def parse(data: dict[str, Any]) -> TierData:
    kinds: dict[str, Tier] = {}
    summaries: dict[Tier, str] = {}
    intended: dict[Tier, str] = {}
    for tier in Tier:
        entry = data["tiers"][tier.value]
        summaries[tier] = entry["summary"]
        intended[tier] = entry["intended"]
        for kind in entry["kinds"]:
            kinds[kind] = tier
    overrides = tuple(
        ComponentOverride(o["kind"], frozenset(o["licenses"]), o["severity"], o["why"])
        for o in data.get("component_overrides", [])
    )
    return TierData(
        kinds=kinds,
        summaries=summaries,
        intended=intended,
        component=_matrix(data.get("component"), "component"),
        declared=_matrix(data.get("declared"), "declared"),
        component_overrides=overrides,
    )


@functools.lru_cache(maxsize=4)
def load_tiers(directory: Path | None = None) -> TierData:
    path = (directory or data_directory()) / "tiers.toml"
    try:
        return parse(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, KeyError, tomllib.TOMLDecodeError) as exc:
        raise LicenseDBError(f"{path}: {exc}") from exc
