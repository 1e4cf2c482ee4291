"""``licensetier rules [RULE]...``: the rule catalogue, or the named rules."""

from __future__ import annotations

import click

from licensetier.cli.common import Choice, translate_errors, write_report

FORMATS = ("text", "json", "markdown")


@click.command("rules")
@click.argument("rule_ids", metavar="[RULE]...", nargs=-1)
@click.option(
    "--format",
    "fmt",
    type=Choice(FORMATS),
    default="text",
    show_default=True,
    help="markdown is docs/rules.md.",
)
@translate_errors
def rules(rule_ids: tuple[str, ...], fmt: str) -> None:
    """Every rule a finding can be raised under: its id, default severity, summary,
    why it matters and what to do. Set a rule's severity, or turn it off, in
    [tool.licensetier.rules]."""
    from licensetier.reporters import rules as report
    from licensetier.rules import load_catalogue

    catalogue = load_catalogue()
    for rule_id in rule_ids:
        if rule_id not in catalogue:
            hint = catalogue.did_you_mean(rule_id)
            raise click.BadParameter(
                f"no rule {rule_id!r}{hint} (`licensetier rules` lists them)",
                param_hint="RULE",
            )
    chosen = [catalogue[r] for r in dict.fromkeys(rule_ids)] or list(catalogue)
    render = {
        "text": report.render_text,
        "json": report.render_json,
        "markdown": report.render_markdown,
    }[fmt]
    write_report(render(chosen))
