"""``licensetier baseline [PATH]``: record the current findings, so that later scans
fail only on new ones."""

from __future__ import annotations

from pathlib import Path

import click

from licensetier.cli.common import translate_errors
from licensetier.cli.deps import dependency_options, options_from, setup_options
from licensetier.compare import baseline_json
from licensetier.scan import OWN_DATA_FILES

DEFAULT_FILE = "licensetier-baseline.json"
assert DEFAULT_FILE in OWN_DATA_FILES  # a scan does not read it as a component


@click.command()
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Where to write it (default: PATH/{DEFAULT_FILE}).",
)
@setup_options
@dependency_options
@translate_errors
def baseline(
    path: Path,
    output: Path | None,
    config_path: Path | None,
    offline: bool,
    index_url: str | None,
    npm_registry: str | None,
    deps_dev_url: str | None,
    python_envs: tuple[Path, ...],
    lookup_timeout: float,
    cache_dir: Path | None,
    no_cache: bool,
) -> None:
    """Write the current errors and warnings (and excepted findings) of PATH to a
    reviewable JSON file. `licensetier scan --baseline FILE` then fails only on
    findings that are not in it."""
    from licensetier.cli.scan import prepared_scanner, run_scan

    root = path.resolve()
    options = options_from(
        offline, index_url, npm_registry, deps_dev_url, python_envs, lookup_timeout
    )
    with prepared_scanner(root, config_path, options, cache_dir=cache_dir, no_cache=no_cache) as s:
        result = run_scan(s, root)
    target = output or root / DEFAULT_FILE
    text = baseline_json(result)
    target.write_text(text, encoding="utf-8")
    recorded = text.count('"fingerprint"')
    click.echo(f"licensetier: wrote {recorded} findings to {target}", err=True)
