"""``licensetier history``'s reports: text (a timeline per file) and JSON
(docs/formats.md, "history")."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from licensetier.history import Event, History, Stated
from licensetier.printable import printable

HISTORY_SCHEMA = "licensetier-history/1"


def _side(stated: Stated | None) -> dict[str, Any] | None:
    return None if stated is None else stated.as_json()


def _event_json(event: Event) -> dict[str, Any]:
    commit = event.commit
    return {
        "commit": commit.id,
        "short": commit.short,
        "date": commit.author_date,
        "committer_date": commit.committer_date,
        "author": commit.author,
        "email": commit.email,
        "subject": commit.subject,
        "path": event.path,
        "old_path": event.old_path,
        "file_kind": event.file_kind,
        "kind": event.kind,
        "old": _side(event.old),
        "new": _side(event.new),
        "warning": event.warning,
    }


def render_json(result: History) -> str:
    data = {
        "schema": HISTORY_SCHEMA,
        "repository": result.repository,
        "directories": [d or "." for d in result.directories],
        "events": [_event_json(e) for e in result.events],
        "warnings": sum(1 for e in result.events if e.warning),
        "problems": [
            {
                "commit": p.commit.id,
                "short": p.commit.short,
                "date": p.commit.author_date,
                "path": p.path,
                "message": p.message,
            }
            for p in result.problems
        ],
        "stats": {
            "commits": result.commits,
            "file_versions": result.blobs,
            "from_cache": result.cached,
            "seconds": round(result.seconds, 2),
        },
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _shown(stated: Stated | None) -> str:
    if stated is None:
        return "(none)"
    if stated.keys is None:
        return "(no license detected)"
    family = stated.family.value if stated.family else "unknown"
    return f"{printable(stated.shown)} ({family})"


def render_text(result: History, *, color: bool = False) -> str:
    style: Callable[..., str]
    if color:
        import click

        style = click.style
    else:

        def style(text: str, **_: Any) -> str:
            return text

    lines: list[str] = []
    by_file: dict[str, list[Event]] = {}
    group_of: dict[str, str] = {}  # a file's current path -> its timeline's first path
    for event in result.events:
        # a rename (or a replacement) continues the timeline of the file it came from
        came_from = event.old_path or event.path
        key = group_of.get(came_from, group_of.get(event.path, event.path))
        group_of[event.path] = key
        by_file.setdefault(key, []).append(event)
    where = ", ".join(d or "." for d in result.directories)
    lines.append(f"License history of {printable(result.repository)} ({where})")
    lines.append("")
    if not by_file:
        lines.append(
            "No license file, manifest license field or model card license in the history."
        )
    for _first, events in by_file.items():
        kind = events[0].file_kind
        lines.append(style(f"{printable(events[-1].path)}  [{kind}]", bold=True))
        for event in events:
            commit = event.commit
            head = f"  {commit.author_date[:10]}  {commit.short}  {printable(commit.author)}"
            if event.kind == "added":
                what = f"added: {_shown(event.new)}"
            elif event.kind == "removed":
                what = f"removed: {_shown(event.old)}"
            elif event.kind == "renamed":
                what = f"renamed from {printable(event.old_path or '')}: {_shown(event.new)}"
            else:
                what = f"{_shown(event.old)} -> {_shown(event.new)}"
                if event.old_path:
                    what += f" (was {printable(event.old_path)})"
            lines.append(f"{head}  {what}")
            if event.warning:
                lines.append(style(f"    ! warning: {event.warning}", fg="red", bold=True))
        lines.append("")
    for problem in result.problems:
        lines.append(
            style(
                f"problem: commit {problem.commit.short} ({problem.commit.author_date[:10]}), "
                f"{printable(problem.path)}: {printable(problem.message)}",
                fg="yellow",
            )
        )
    if result.problems:
        lines.append("")
    warnings = sum(1 for e in result.events if e.warning)
    lines.append(
        f"{len(result.events)} changes, {warnings} from open to not open; "
        f"{result.commits} commits read, {result.blobs} file versions "
        f"({result.cached} from the cache) in {result.seconds:.1f} s"
    )
    return "\n".join(lines) + "\n"
