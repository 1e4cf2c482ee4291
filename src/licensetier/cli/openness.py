"""``licensetier openness [PATH]``: the Model Openness Framework class and the Open
Source AI Definition's checklist of each model artifact."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from licensetier.cli.common import EXIT_OK, report_options, translate_errors, write_report
from licensetier.cli.deps import setup_options

FORMATS = ("text", "json")  # reporters/openness.py's, named here: --help imports no reporter


@click.command()
@report_options(FORMATS)
@click.option("--kind", help="Kind of the root artifact (model-weights, ...).")
@setup_options
@translate_errors
def openness(
    path: Path,
    fmt: str,
    output: Path | None,
    kind: str | None,
    config_path: Path | None,
    cache_dir: Path | None,
    no_cache: bool,
) -> None:
    """Model openness of PATH (default: the current directory): for each model
    artifact (a model card, weights, or kind model-weights/frontier-weights), the Model
    Openness Framework class its files reach, each of the framework's components
    (present, license, acceptable, where found), and the Open Source AI Definition
    1.0's checklist. A repository without a model artifact is assessed as one."""
    from licensetier.cli.scan import prepared_scanner
    from licensetier.config import Config, with_root_overrides
    from licensetier.license_db import LicenseDB
    from licensetier.reporters.openness import render
    from licensetier.scan import Extras
    from licensetier.tiers import TierData

    root = path.resolve()

    def adjust(config: Config, db: LicenseDB, tiers: TierData) -> Config:
        return with_root_overrides(config, kind=kind, tier=None, license=None, db=db, tiers=tiers)

    with prepared_scanner(
        root,
        config_path,
        None,
        cache_dir=cache_dir,
        no_cache=no_cache,
        adjust=adjust if kind else None,
        extras=Extras(openness_root=True),
    ) as scanner:
        result = scanner.scan(root)
    notes: tuple[str, ...] = ()
    if [o.artifact for o in result.openness] == ["."] and not any(
        m.artifact == "." for m in result.models
    ):
        root_kind = next((a.kind for a in result.artifacts if a.path == "."), None)
        if root_kind not in ("model-weights", "frontier-weights"):
            notes = (
                "No model card, weights or artifact of kind model-weights was found: the "
                "repository is assessed as one model's (--kind model-weights says so).",
            )
    write_report(render(result, fmt, notes), output)
    sys.exit(EXIT_OK)
