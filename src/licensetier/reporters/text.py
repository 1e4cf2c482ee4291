"""The report for people: findings grouped by severity, each with why and what to do."""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import textwrap
from collections import Counter

from rich.console import Console
from rich.markup import escape as _markup
from rich.table import Table
from rich.text import Text

from licensetier.models import Artifact, Dependency, Finding, ScanResult, Severity
from licensetier.printable import printable
from licensetier.reasoning import MODIFIED, describe_modified
from licensetier.reporters import plural
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


def _wrap(text: str, width: int, indent: int, hang: int | None = None) -> list[str]:
    """``text`` (printable already) wrapped to ``width``: its first line indented by
    ``indent`` spaces, the next ones by ``hang``; words (a path, a URL) are never cut,
    a word longer than the line stands alone on its line."""
    hang = indent + 2 if hang is None else hang
    return textwrap.wrap(
        text,
        width=max(width, indent + 20),
        initial_indent=" " * indent,
        subsequent_indent=" " * hang,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [" " * indent]


UNWRAPPED = 1_000_000  # the line width of a report that is not wrapped


def _limit(console: Console) -> int:
    """The width the report's prose wraps to: the console's, unless its lines are
    never cut (a file or a pipe without COLUMNS: grep finds a whole message)."""
    return UNWRAPPED if console.soft_wrap else console.width


def _print_wrapped(
    console: Console, text: str, indent: int, hang: int | None = None, label: str = ""
) -> None:
    """Repository text wrapped to the console's width, each line escaped; ``label``
    (markup allowed, e.g. ``[bold]why:[/]``) starts the first line, its plain width
    counted in the wrapping."""
    plain_label = Text.from_markup(label).plain if label else ""
    lines = _wrap(plain_label + printable(text), _limit(console), indent, hang)
    for i, line in enumerate(lines):
        if i == 0 and label:
            body = line[indent + len(plain_label) :]
            console.print(" " * indent + label + _markup(body), soft_wrap=True)
        else:
            console.print(_markup(line), soft_wrap=True)


def _where(f: Finding) -> str:
    where = f.path or f.artifact or ""
    if f.path and f.line:
        where = f"{f.path}:{f.line}"
    return where


def _own_message(f: Finding) -> str:
    """The finding's message without the path it starts with (shown beside it)."""
    if f.path and f.message.startswith(f"{f.path}: "):
        return f.message[len(f.path) + 2 :]
    return f.message


def _finding(console: Console, f: Finding) -> None:
    """One finding on its own, with its why and what to do (--verbose's lists)."""
    console.print(
        f"  [{STYLE[f.severity]}]{f.severity.value.upper()}[/] [dim]{escape(f.rule)}[/] "
        f"{escape(_where(f))}",
        soft_wrap=True,
    )
    _print_wrapped(console, _own_message(f), 4, 6)
    if f.why:
        _print_wrapped(console, f.why, 4, 9, label="[bold]why:[/] ")
    if f.action:
        _print_wrapped(console, f.action, 4, 9, label="[bold]do:[/]  ")


_GLOB_SPECIAL = re.compile(r"([*?\[\]\\!#])")


def toml_string(value: str) -> str:
    """``value`` as a TOML basic string (quotes, backslashes and control characters
    escaped)."""
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _path_glob(paths: list[str]) -> str | None:
    """An exception ``path`` for these files: the file itself (anchored at the root),
    or their common directory's tree; None when a name cannot be written in TOML
    (a name that is not UTF-8)."""
    if any(0xD800 <= ord(c) <= 0xDFFF for p in paths for c in p):
        return None
    if len(set(paths)) == 1:
        escaped = _GLOB_SPECIAL.sub(r"\\\1", paths[0])
        return escaped if "/" in paths[0] else "/" + escaped
    common = posixpath.commonpath([posixpath.dirname(p) for p in paths])
    if not common:
        return None
    return _GLOB_SPECIAL.sub(r"\\\1", common) + "/**"


EXCEPTION_DAYS = 182  # the expiry a pasted exception proposes: about six months


def _path_globs(paths: list[str]) -> list[str]:
    """Exception ``path`` globs covering these files: their common directory's tree,
    else one per directory (a file at the root by itself)."""
    unique = list(dict.fromkeys(paths))
    if len(unique) == 1:
        glob = _path_glob(unique)
        return [glob] if glob else []
    glob = _path_glob(unique)
    if glob is not None:
        return [glob]
    by_parent: dict[str, list[str]] = {}
    for p in unique:
        by_parent.setdefault(posixpath.dirname(p), []).append(p)
    out: list[str] = []
    for parent, files in by_parent.items():
        for chunk in [files] if parent else [[f] for f in files]:
            one = _path_glob(chunk)
            if one is not None:
                out.append(one)
    return out


SNIPPET_TABLES = 3  # the [[exceptions]] tables shown for one message at most


def exception_snippet(group: list[Finding], today: dt.date | None = None) -> list[str]:
    """The ``[[exceptions]]`` tables that accept these findings (one rule's, with one
    message), to paste into licensetier.toml: by dependency, else by a path glob, with
    the license where they share one; at most :data:`SNIPPET_TABLES`. Nothing when no
    key can name them (a finding on an artifact as a whole: [tool.licensetier.rules]
    is the tool for that). The reason is left empty: the configuration refuses it until
    one is written."""
    deps = {f.dependency for f in group if f.dependency}
    paths = [f.path for f in group if f.path]
    targets: list[tuple[str, str]] = []
    rolled = next((f for f in group if f.members), None)
    if rolled is not None:  # the files under the artifact's own license: by that license
        return _own_files_snippet(rolled, today)
    if len(deps) == 1:
        targets = [("dependency", deps.pop())]
    elif len(paths) == len(group):
        targets = [("path", glob) for glob in _path_globs(paths)]
    if not targets:
        return []
    licenses = {f.license for f in group}
    license_ = group[0].license if len(licenses) == 1 else None
    expires = (today or dt.date.today()) + dt.timedelta(days=EXCEPTION_DAYS)
    lines: list[str] = []
    for key, value in targets[:SNIPPET_TABLES]:
        lines += ["[[exceptions]]", f"{key} = {toml_string(value)}"]
        if license_:
            lines.append(f"license = {toml_string(license_)}")
        lines.append('reason = ""  # required: why this is accepted')
        lines.append(f"expires = {expires.isoformat()}")
    if len(targets) > SNIPPET_TABLES:
        lines.append(f"# ... and {len(targets) - SNIPPET_TABLES} more such tables")
    return lines


def _own_files_snippet(rolled: Finding, today: dt.date | None) -> list[str]:
    """The exception that accepts the files of a rolled-up finding (the exceptions
    match file by file): their license, within the artifact's directory."""
    if not rolled.license:
        return []
    lines = ["[[exceptions]]"]
    if rolled.artifact != ".":
        if any(0xD800 <= ord(c) <= 0xDFFF for c in rolled.artifact):
            return []  # a name that is not UTF-8 cannot be written in TOML
        glob = _GLOB_SPECIAL.sub(r"\\\1", rolled.artifact) + "/**"  # the artifact's tree
        lines.append(f"path = {toml_string(glob)}")
    expires = (today or dt.date.today()) + dt.timedelta(days=EXCEPTION_DAYS)
    return [
        *lines,
        f"license = {toml_string(rolled.license)}  # every file under it, LICENSE included",
        'reason = ""  # required: why this is accepted',
        f"expires = {expires.isoformat()}",
    ]


def _rule_groups(findings: list[Finding]) -> list[list[Finding]]:
    """The findings by rule, in the order of each rule's first finding."""
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        by_rule.setdefault(f.rule, []).append(f)
    return list(by_rule.values())


def _message_groups(findings: list[Finding]) -> list[list[Finding]]:
    """One rule's findings by their message (without its path): the files that share
    a message are listed under it once."""
    by_message: dict[str, list[Finding]] = {}
    for f in findings:
        by_message.setdefault(_own_message(f), []).append(f)
    return list(by_message.values())


PLACES_SHOWN = 10  # the places listed under one message, unless --verbose


def _findings_of_severity(
    console: Console, severity: Severity, group: list[Finding], *, snippets: bool, verbose: bool
) -> None:
    """A severity's findings, grouped by rule: the rule's why and what to do once,
    then each message with the places it was found, then an exception to paste."""
    console.print(f"[{STYLE[severity]}]{TITLE[severity]} ({len(group)})[/]")
    for rule_findings in _rule_groups(group):
        first = rule_findings[0]
        count = f" ({plural(len(rule_findings), 'finding')})" if len(rule_findings) > 1 else ""
        console.print(
            f"  [{STYLE[severity]}]{severity.value.upper()}[/] [bold]{escape(first.rule)}[/]"
            f"{count}",
            soft_wrap=True,
        )
        if first.why:
            _print_wrapped(console, first.why, 4, 9, label="[bold]why:[/] ")
        if first.action:
            _print_wrapped(console, first.action, 4, 9, label="[bold]do:[/]  ")
        shown_snippet = False
        for same in _message_groups(rule_findings):
            message = _own_message(same[0])
            if len(same) == 1:
                where = _where(same[0])
                _print_wrapped(console, f"{where}: {message}" if where else message, 4, 8)
                for member in same[0].members if verbose else ():  # a rolled-up finding's files
                    _print_wrapped(console, _where(member), 6, 8)
            else:
                _print_wrapped(console, message, 4, 8)
                listed = same if verbose or len(same) <= PLACES_SHOWN + 1 else same[:PLACES_SHOWN]
                for f in listed:
                    _print_wrapped(console, _where(f), 6, 8)
                if len(listed) < len(same):
                    more = f"... and {len(same) - len(listed)} more (--verbose lists each)"
                    console.print(f"      [dim]{escape(more)}[/]", soft_wrap=True)
            if snippets and not shown_snippet and severity is not Severity.INFO:
                snippet = exception_snippet(same)
                if snippet:
                    shown_snippet = True
                    what = "it" if len(same) == 1 else f"these {len(same)}"
                    if len(same) == 1 and same[0].members:
                        what = f"these {same[0].count:,} files"
                    hint = (
                        f"to accept {what}, add to licensetier.toml "
                        "([[tool.licensetier.exceptions]] in pyproject.toml):"
                    )
                    for line in _wrap(hint, _limit(console), 4, 6):
                        console.print(f"[dim]{escape(line)}[/]", soft_wrap=True)
                    for line in snippet:
                        console.print(f"      [dim]{escape(line)}[/]", soft_wrap=True)
    console.print()


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


def text_console(buf: io.StringIO, *, color: bool, width: int, wrap: bool | None = None) -> Console:
    """The console the text reports print into: ``wrap`` (by default: with ``color``,
    on a terminal) wraps to ``width``; otherwise lines are never cut."""
    return Console(
        file=buf,
        force_terminal=color,
        no_color=not color,
        width=width,
        highlight=False,
        soft_wrap=not (color if wrap is None else wrap),
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
    wrap: bool = True,
    **_options: object,
) -> str:
    """The report; ``wrap``: prose wrapped to ``width`` with its indentation (the CLI
    wraps on a terminal, or to COLUMNS where set; a file or a pipe keeps whole lines)."""
    buf = io.StringIO()
    console = text_console(buf, color=color, width=width, wrap=wrap or color)
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
                indent = len(line) - len(line.lstrip(" "))
                _print_wrapped(console, line.lstrip(" "), indent, indent + 2)
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
        _findings_of_severity(console, severity, group, snippets=not quiet, verbose=verbose)
    if any(not f.existing for f in result.findings) and not quiet:
        hint = (
            "`licensetier rules RULE` explains a rule; [tool.licensetier.rules] sets its "
            "severity or turns it off."
        )
        for line in _wrap(hint, _limit(console), 0, 0):
            console.print(f"[dim]{escape(line)}[/]", soft_wrap=True)
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
            _print_wrapped(console, f"{where}: {e.message}", 2, 4)
        console.print()
    if verbose and result.skipped:
        console.print(f"[bold]Skipped files ({len(result.skipped)})[/]")
        for s in result.skipped:
            _print_wrapped(console, f"{s.path}: {s.reason}", 2, 4)
        console.print()
    if not quiet:
        for note in result.notes:
            _print_wrapped(console, note, 0, 6, label="[cyan]note:[/] ")
    console.print(_summary(result, verbose, len(existing)))  # cut only when wrapping
    return buf.getvalue()


def _summary(result: ScanResult, verbose: bool, existing: int) -> str:
    """The last line: counts, with their plurals right."""
    skipped = f"{len(result.skipped)} skipped" + ("" if verbose else " (--verbose lists them)")
    if not result.skipped:
        skipped = "0 skipped"
    errors = plural(result.count(Severity.ERROR), "error")
    warnings = plural(result.count(Severity.WARNING), "warning")
    return (
        f"{plural(len(result.files), 'file')} scanned, {skipped}; "
        f"[{STYLE[Severity.ERROR]}]{errors}[/], "
        f"[{STYLE[Severity.WARNING]}]{warnings}[/], "
        f"{plural(result.count(Severity.INFO), 'info')}"
        + (f" ({existing} existing)" if existing else "")
        + (f", {plural(len(result.errors), 'scan problem')}" if result.errors else "")
        + (
            f"; [{STYLE[Severity.ERROR]}]INCOMPLETE: "
            f"{plural(result.not_scanned, 'file')} not scanned within the time budget[/]"
            if result.not_scanned
            else ""
        )
    )
