"""``licensetier``: the command group."""

from __future__ import annotations

import difflib
import importlib
import os
import signal
import sys

import click

# Each command: the module that defines it and its name there. A command's module is
# imported when that command runs (or `--help` lists them all): a commit hook's
# `scan --staged` does not import what `readiness`, `history` or `notice` need (30 ms).
COMMANDS = {
    "baseline": ("licensetier.cli.baseline", "baseline"),
    "deps": ("licensetier.cli.deps", "deps"),
    "explain": ("licensetier.cli.explain", "explain"),
    "history": ("licensetier.cli.history", "history"),
    "notice": ("licensetier.cli.notice", "notice"),
    "openness": ("licensetier.cli.openness", "openness"),
    "pre-commit": ("licensetier.cli.scan", "pre_commit"),
    "readiness": ("licensetier.cli.readiness", "readiness"),
    "rules": ("licensetier.cli.rules", "rules"),
    "scan": ("licensetier.cli.scan", "scan"),
}


class _Commands(click.Group):
    """click's group, with the commands of :data:`COMMANDS` imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = COMMANDS.get(cmd_name)
        if where is None:
            return None
        command = getattr(importlib.import_module(where[0]), where[1])
        assert isinstance(command, click.Command), where
        assert command.name == cmd_name, where
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name in COMMANDS or name.startswith("-") or ctx.resilient_parsing:
            return super().resolve_command(ctx, args)
        close = difflib.get_close_matches(name, COMMANDS, n=1, cutoff=0.6)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        ctx.fail(f"No such command {name!r}.{hint}")


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(None, "--version", package_name="licensetier", prog_name="licensetier")
def cli() -> None:
    """License compliance against the tier each artifact is meant to have.

    Exit codes: 0 nothing at or above --fail-on; 1 findings; 2 usage or
    configuration error; 3 internal error.
    """


def main() -> None:
    if hasattr(signal, "SIGPIPE"):
        # A reader that stops early (`licensetier rules | head`) ends the process
        # quietly, as it ends cat or grep, not with a BrokenPipeError called a bug.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        cli(prog_name="licensetier")
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            # Every report is written and the cache committed by now. Freeing the
            # process's objects one by one as the interpreter shuts down takes about a
            # second after ScanCode's index was loaded (a fifth of a one-file scan that
            # needs it), and 0.04-0.08 s of a commit hook's run without it (ScanCode's
            # modules, the SPDX line reader's tables): leave that to the system.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(done.code or 0)
        raise


if __name__ == "__main__":  # python -m licensetier.cli.main
    main()
