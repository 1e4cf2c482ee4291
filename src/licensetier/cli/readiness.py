"""``licensetier readiness [PATH]``: the open-readiness checklist of each typically-open
artifact (docs/strategy.md, section 4)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from licensetier.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    Choice,
    report_options,
    translate_errors,
    write_report,
)
from licensetier.cli.deps import setup_options
from licensetier.models import Tier
from licensetier.reporters.readiness import FORMATS


@click.command()
@report_options(FORMATS)
@click.option("--kind", help="Kind of the root artifact (sdk, client-library, docs, ...).")
@click.option("--tier", type=Choice([t.value for t in Tier]), help="Tier of the root artifact.")
@click.option(
    "--license", "license_", metavar="SPDX", help="Intended license of the root artifact."
)
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 1 when an item of a checklist is missing (default: exit 0, the checklist "
    "is advice; `scan` reports the same items as findings under its --fail-on).",
)
@setup_options
@translate_errors
def readiness(
    path: Path,
    fmt: str,
    output: Path | None,
    kind: str | None,
    tier: str | None,
    license_: str | None,
    strict: bool,
    config_path: Path | None,
    cache_dir: Path | None,
    no_cache: bool,
) -> None:
    """The open-readiness checklist of each typically-open artifact of PATH (default:
    the current directory): a LICENSE matching the declared license, a NOTICE where
    Apache-2.0 asks for one, contribution terms (DCO or CLA), a trademark statement,
    and no directory under another license mixed in."""
    from licensetier.cli.scan import prepared_scanner
    from licensetier.config import Config, with_root_overrides
    from licensetier.license_db import LicenseDB
    from licensetier.reporters.readiness import render
    from licensetier.reporters.status import problems
    from licensetier.tiers import TierData

    root = path.resolve()

    def adjust(config: Config, db: LicenseDB, tiers: TierData) -> Config:
        return with_root_overrides(
            config, kind=kind, tier=tier, license=license_, db=db, tiers=tiers
        )

    with prepared_scanner(
        root, config_path, None, cache_dir=cache_dir, no_cache=no_cache, adjust=adjust
    ) as scanner:
        result = scanner.scan(root)
    for line in problems(result):
        click.echo(line, err=True)
    write_report(render(result, fmt), output)
    failed = sum(c.failed for c in result.checklists)
    sys.exit(EXIT_FINDINGS if strict and failed else EXIT_OK)
