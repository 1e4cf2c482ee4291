"""``licensetier``: the command group."""

from __future__ import annotations

import os
import signal
import sys

import click

from licensetier.cli.baseline import baseline
from licensetier.cli.deps import deps
from licensetier.cli.explain import explain
from licensetier.cli.history import history
from licensetier.cli.notice import notice
from licensetier.cli.openness import openness
from licensetier.cli.readiness import readiness
from licensetier.cli.rules import rules
from licensetier.cli.scan import pre_commit, scan


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(None, "--version", package_name="licensetier", prog_name="licensetier")
def cli() -> None:
    """License compliance against the tier each artifact is meant to have.

    Exit codes: 0 nothing at or above --fail-on; 1 findings; 2 usage or
    configuration error; 3 internal error.
    """


cli.add_command(scan)
cli.add_command(explain)
cli.add_command(deps)
cli.add_command(baseline)
cli.add_command(notice)
cli.add_command(history)
cli.add_command(openness)
cli.add_command(readiness)
cli.add_command(rules)
cli.add_command(pre_commit)


def main() -> None:
    if hasattr(signal, "SIGPIPE"):
        # A reader that stops early (`licensetier rules | head`) ends the process
        # quietly, as it ends cat or grep, not with a BrokenPipeError called a bug.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        cli(prog_name="licensetier")
    except SystemExit as done:
        from licensetier.detect import engine

        if engine.INDEX_LOADED and (done.code is None or isinstance(done.code, int)):
            # Every report is written and the cache committed by now. Freeing ScanCode's
            # index object by object as the interpreter shuts down takes about a second
            # (a fifth of a one-file scan that needs it): leave that to the system.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(done.code or 0)
        raise


if __name__ == "__main__":  # python -m licensetier.cli.main
    main()
