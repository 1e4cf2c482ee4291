"""The report for people: findings grouped by severity, each with why and what to do."""

from __future__ import annotations

import io
from collections import Counter

from rich.console import Console
from rich.markup import escape as _markup
from rich.table import Table

from licensetier.models import Artifact, Dependency, Finding, ScanResult, Severity
from licensetier.printable import printable
from licensetier.reasoning import MODIFIED, describe_modified
from licensetier.reuse import FIELD as REUSE_FIELD

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
LICENSES_SHOWN = 15
TITLE = {Severity.ERROR: "Errors", Severity.WARNING: "Warnings", Severity.INFO: "Information"}


def escape(value: str) -> str:
    """Repository text in the report: printable (a file name's control characters,
    an ESC among them, escaped, never sent to the terminal) and rich markup escaped."""
    return _markup(printable(value))


def _identifiers(expression: str) -> list[str]:
    """The license ids named in an SPDX expression, in order, once each."""
    words = expression.replace("(", " ").replace(")", " ").split()
    ids: list[str] = []
    skip_next = False
    for word in words:
        if word in ("AND", "OR"):
            continue
        if word == "WITH":
            skip_next = True
            continue
        if skip_next:
            ids[-1] = f"{ids[-1]} WITH {word}" if ids else word
            skip_next = False
            continue
        if word not in ids:
            ids.append(word)
    return ids


def _finding(console: Console, f: Finding) -> None:
    where = f.path or f.artifact
    if f.path and f.line:
        where = f"{f.path}:{f.line}"
    console.print(
        f"  [{STYLE[f.severity]}]{f.severity.value.upper()}[/] [dim]{escape(f.rule)}[/] "
        f"{escape(where or '')}"
    )
    console.print(f"    {escape(f.message)}")
    if f.why:
        console.print(f"    [bold]why:[/] {escape(f.why)}")
    if f.action:
        console.print(f"    [bold]do:[/]  {escape(f.action)}")


def dependency_table(deps: list[Dependency] | tuple[Dependency, ...]) -> Table:
    """One row per dependency: what it is, how it is pulled in, its license and where
    the answer came from."""
    table = Table(show_edge=False, box=None, pad_edge=False)
    for column in ("dependency", "ecosystem", "how", "license", "family", "source"):
        table.add_column(column, overflow="fold")
    for d in deps:
        how = "direct" if d.direct else "transitive"
        if d.scope != "runtime":
            how += f" {d.scope}"
        c = d.classification
        license_ = d.license or "?"
        if d.low_confidence:
            license_ += " (low confidence)"
        label = d.label if d.requirement is None else f"{d.label} (for {d.requirement})"
        table.add_row(
            escape(label),
            d.ecosystem,
            how,
            escape(license_),
            c.row if c else "-",
            escape(d.license_source),
        )
    return table


def _dependencies(console: Console, result: ScanResult, verbose: bool) -> None:
    deps = result.dependencies
    by_source = Counter(d.license_source for d in deps)
    direct = sum(1 for d in deps if d.direct)
    console.print(
        f"[bold]Dependencies ({len(deps)}: {direct} direct, {len(deps) - direct} transitive)[/] "
        "[dim]licenses from: "
        + ", ".join(f"{source} {n}" for source, n in by_source.most_common())
        + "[/]"
    )
    if verbose:
        console.print(dependency_table(deps))
    else:
        families = Counter(d.classification.row if d.classification else "-" for d in deps)
        console.print(
            "  "
            + ", ".join(f"{family} {n}" for family, n in families.most_common())
            + "  [dim](--verbose or `licensetier deps` lists each)[/]"
        )
    console.print()


WEIGHTS_SHOWN = 20


def _weights(console: Console, result: ScanResult, verbose: bool) -> None:
    """The weights and model metadata files, each with what its header says."""
    console.print(f"[bold]Weights and model metadata ({len(result.weights)})[/]")
    shown = result.weights if verbose else result.weights[:WEIGHTS_SHOWN]
    for w in shown:
        said = [f"license {w.license}"] if w.license else ["no license in its header"]
        if not w.header_read:
            said = ["recognised by name: never opened"]
        if w.role == "metadata":
            said = []
        if w.lfs_pointer is not None:  # the checkout holds the pointer, not the file
            said = ["a Git LFS pointer: its header is not in this checkout"]
        if w.base_models:
            said.append("base " + ", ".join(w.base_models))
        detail = f" [dim]{escape('; '.join(said))}[/]" if said else ""
        console.print(f"  {escape(w.path)} ({escape(w.format)}){detail}")
    if len(result.weights) > len(shown):
        console.print(
            f"  [dim]... and {len(result.weights) - len(shown)} more (--verbose lists all)[/]"
        )
    console.print()


def _models(console: Console, result: ScanResult, verbose: bool) -> None:
    """Each artifact's model (card, base models, training data) and the dataset cards."""
    if result.models:
        console.print(f"[bold]Models ({len(result.models)})[/]")
        for m in result.models if verbose else result.models[:WEIGHTS_SHOWN]:
            said = [m.name] if m.name else []
            if m.license:
                said.append(f"license {m.license}")
            else:
                said.append("no license on its card" if m.card else "no model card")
            if m.base_models:
                said.append("base " + ", ".join(b.model for b in m.base_models))
            if m.datasets:
                said.append(
                    "trained on "
                    + ", ".join(
                        d.name
                        + (
                            f" ({d.license}{', non-commercial' if d.non_commercial else ''})"
                            if d.license or d.non_commercial
                            else " (license not known)"
                        )
                        for d in m.datasets
                    )
                )
            where = m.card or m.artifact
            console.print(f"  {escape(where)} [dim]{escape('; '.join(said))}[/]")
        console.print()
    if result.datasets:
        console.print(f"[bold]Dataset cards ({len(result.datasets)})[/]")
        for d in result.datasets if verbose else result.datasets[:WEIGHTS_SHOWN]:
            said = [d.name or d.path, d.license or "no license understood"]
            if d.non_commercial:
                said.append("non-commercial")
            console.print(f"  {escape(d.path)} [dim]{escape('; '.join(said))}[/]")
        console.print()


def text_console(buf: io.StringIO, *, color: bool, width: int) -> Console:
    """The console the text reports print into: on a terminal rich wraps to its width;
    in a file or a pipe, lines are never cut."""
    return Console(
        file=buf,
        force_terminal=color,
        no_color=not color,
        width=width,
        highlight=False,
        soft_wrap=not color,
    )


def _declared_by(a: Artifact) -> list[str]:
    """A short line of the evidence of the declared license (and of a BUSL's
    parameters), under the artifacts' table."""
    if not a.declared:
        return []
    parts = []
    for d in a.declared:
        # a file stands for itself; a field is named after its file
        where = d.source if d.field in ("file", REUSE_FIELD) else f"{d.source} {d.field}"
        parts.append(f"{where} ({d.role})")
    lines = [f"{a.path}: declared by " + ", ".join(parts)]
    r = a.reasoning
    if r is not None and r.low_confidence:
        lines[0] += " - low confidence"
    b = r.business_source if r is not None else None
    if b is not None:
        said = [f"{b.source}: Business Source License"]
        if b.licensor:
            said.append(f"licensor {b.licensor}")
        if b.change_date:
            said.append(f"change date {b.change_date_iso or b.change_date}")
        said.append(f"change license {b.change_license or b.change_license_raw or '?'}")
        if b.changed:
            said.append(f"the change date has passed: judged as {b.change_license}")
        lines.append("  " + ", ".join(said))
    for c in r.modified if r is not None else ():
        lines.append("  " + describe_modified(c).removeprefix(MODIFIED))
    return lines


def render(
    result: ScanResult,
    *,
    verbose: bool = False,
    quiet: bool = False,
    color: bool = False,
    width: int = 100,
    **_options: object,
) -> str:
    buf = io.StringIO()
    console = text_console(buf, color=color, width=width)
    if not quiet:
        console.print(f"[bold]licensetier[/] scan of {escape(result.root)}")
        table = Table(title=None, show_edge=False, pad_edge=False, box=None)
        for column in ("artifact", "kind", "tier", "declared license", "family", "intended"):
            table.add_column(column)
        for a in result.artifacts:
            c = a.declared_classification
            family = (c.row if c else "none") if a.declared else "none"
            table.add_row(
                escape(a.path),
                escape(a.kind or "-"),
                a.tier.value if a.tier else "-",
                escape(a.declared_license or "-"),
                family,
                escape(a.intended_license or "-"),
            )
        console.print(table)
        for a in result.artifacts:
            for line in _declared_by(a):
                console.print(escape(line))
        console.print()
    shown = [Severity.ERROR, Severity.WARNING] + ([] if quiet else [Severity.INFO])
    for severity in shown:
        group = [
            f
            for f in result.findings
            if f.severity is severity and not f.excepted and not f.existing
        ]
        if not group:
            continue
        console.print(f"[{STYLE[severity]}]{TITLE[severity]} ({len(group)})[/]")
        for f in group:
            _finding(console, f)
        console.print()
    if any(not f.existing for f in result.findings) and not quiet:
        hint = (
            "`licensetier rules RULE` explains a rule; [tool.licensetier.rules] sets its "
            "severity or turns it off."
        )
        console.print(f"[dim]{escape(hint)}[/]")
        console.print()
    existing = [f for f in result.findings if f.existing and not f.excepted]
    if existing and not quiet:
        console.print(
            f"[bold]Existing before, not failing ({len(existing)})[/]"
            + ("" if verbose else " [dim](--verbose lists each)[/]")
        )
        if verbose:
            for f in existing:
                _finding(console, f)
        else:
            for rule, n in Counter(f.rule for f in existing).most_common():
                console.print(f"  {n:>4}  {escape(rule)}")
        console.print()
    excepted = [f for f in result.findings if f.excepted]
    if excepted and not quiet:
        console.print(
            f"[bold]Excepted by the configuration ({len(excepted)})[/]"
            + ("" if verbose else " [dim](--verbose lists each)[/]")
        )
        if verbose:
            for f in excepted:
                _finding(console, f)
        else:
            reasons = Counter(f.excepted for f in excepted)
            for reason, n in reasons.most_common():
                console.print(f"  {n:>4}  {escape(reason or '')}")
        console.print()
    if not quiet:
        licenses: Counter[str] = Counter()
        for file in result.files:
            if file.license_spdx and file.classification:
                for ident in _identifiers(file.license_spdx):
                    licenses[ident] += 1
        if licenses:
            console.print("[bold]Licenses found in files[/] [dim](files that name each)[/]")
            table = Table(show_edge=False, box=None, pad_edge=False)
            table.add_column("files", justify="right")
            table.add_column("license")
            ranked = sorted(licenses.items(), key=lambda kv: (-kv[1], kv[0]))
            limit = len(ranked) if verbose else LICENSES_SHOWN
            for ident, n in ranked[:limit]:
                table.add_row(str(n), escape(ident))
            console.print(table)
            if len(ranked) > limit:
                console.print(f"  [dim]... and {len(ranked) - limit} more (--verbose lists all)[/]")
            console.print()
        if result.dependencies:
            _dependencies(console, result, verbose)
        if result.weights:
            _weights(console, result, verbose)
        if result.models or result.datasets:
            _models(console, result, verbose)
        if verbose:
            console.print("[bold]Files with a license[/]")
            for file in result.files:
                if file.license_spdx:
                    lines = ", ".join(
                        f"{d.start_line}-{d.end_line} {d.matcher} {d.score:.0f}"
                        for d in file.detections
                    )
                    family = file.classification.row if file.classification else "-"
                    console.print(
                        f"  {escape(file.path)}: {escape(file.license_spdx)} [{family}] ({lines})"
                    )
            console.print()
    if result.errors:
        console.print(f"[bold red]Problems while scanning ({len(result.errors)})[/]")
        for e in result.errors:
            where = f"{e.path}:{e.line}" if e.line else e.path
            console.print(f"  {escape(where)}: {escape(e.message)}")
        console.print()
    if verbose and result.skipped:
        console.print(f"[bold]Skipped files ({len(result.skipped)})[/]")
        for s in result.skipped:
            console.print(f"  {escape(s.path)}: {escape(s.reason)}")
        console.print()
    if not quiet:
        for note in result.notes:
            console.print(f"[cyan]note:[/] {escape(note)}")
    skipped = f"{len(result.skipped)} skipped" + ("" if verbose else " (--verbose lists them)")
    if not result.skipped:
        skipped = "0 skipped"
    console.print(
        f"{len(result.files)} files scanned, {skipped}; "
        f"[{STYLE[Severity.ERROR]}]{result.count(Severity.ERROR)} errors[/], "
        f"[{STYLE[Severity.WARNING]}]{result.count(Severity.WARNING)} warnings[/], "
        f"{result.count(Severity.INFO)} infos"
        + (f" ({len(existing)} existing)" if existing else "")
        + (f", {len(result.errors)} scan problems" if result.errors else "")
        + (
            f"; [{STYLE[Severity.ERROR]}]INCOMPLETE: {result.not_scanned} files not scanned "
            f"within the time budget[/]"
            if result.not_scanned
            else ""
        )
    )
    return buf.getvalue()
