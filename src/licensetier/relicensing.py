"""Known relicensings against dependencies: is this version of this package under the
new license of a known event, at the last open release, or asked for by a range that
admits the relicensed versions? (DOMAIN.md section 5; the data: license_db/relicensing.toml.)

A dependency matches an event on its package coordinates (purl type and name, exactly:
``github.com/hashicorp/vault/api`` is not ``github.com/hashicorp/vault``), then on its
version. Versions and ranges are compared by the ``univers`` library, with the version
scheme of the package's type (Go's semantic versions with ``+incompatible``, Maven's,
PEP 440, NuGet's...). A range nothing pins is checked with the ecosystem's own range
library (``packaging`` for Python, ``semantic_version``'s ``NpmSpec`` for npm) where
licensetier already uses one, else ``univers``'s native ranges.

One thing is hand-written: reading the commit time of a Go pseudo-version
(``v0.0.0-20230901120000-abcdefabcdef``), whose layout the Go module reference fixes
(https://go.dev/ref/mod#pseudo-versions) and no Python library parses. A pseudo-version
names a commit, not a release, so it is judged by that commit's time against the
event's date: every commit before the change is under the old license; one after it
is taken as under the new one (a commit on an old release branch may not be: said in
the message).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from licensetier.license_db import LicenseDB, RelicensingEvent
from licensetier.models import Dependency

CHANGED = "changed"  # the version is under the new license
LAST_OPEN = "last-open"  # pinned at the last open release: the next upgrade crosses
RANGE_ADMITS = "range-admits"  # a range nothing pins admits relicensed versions

# purl type -> the univers version scheme (vers:<scheme>/...)
_SCHEMES = {
    "golang": "golang",
    "maven": "maven",
    "pypi": "pypi",
    "npm": "npm",
    "nuget": "nuget",
    "gem": "gem",
    "cargo": "cargo",
    "composer": "composer",
}
_GENERIC = "generic"  # repositories' tags (pkg:github), conda: semantic versions

# Go pseudo-versions (https://go.dev/ref/mod#pseudo-versions): vX.0.0-<time>-<rev>,
# vX.Y.Z-pre.0.<time>-<rev>, vX.Y.(Z+1)-0.<time>-<rev>; the time is the commit's, UTC.
_PSEUDO = re.compile(r"^v\d+\.\d+\.\d+-(?:.*\.)?(\d{14})-[0-9a-f]{12}(?:\+incompatible)?$")


@dataclass(frozen=True)
class Match:
    """What an event says of one dependency."""

    event: RelicensingEvent  # the latest event whose version set holds the version
    root: RelicensingEvent  # the first event of its chain: the last open release's
    state: str  # CHANGED, LAST_OPEN or RANGE_ADMITS
    version: str | None  # the version (or range) that matched
    detail: str = ""  # how: "a commit of 2023-09-01", "the range >=1.90 admits 1.99.0"
    bound: str | None = None  # the upper bound to add, for RANGE_ADMITS

    def fork_text(self) -> str:
        fork = self.event.fork or self.root.fork
        if fork is None:
            return "an alternative: no community fork is known"
        return f"the community fork {fork.name} ({fork.license})"

    def describe(self, name: str) -> str:
        """The sentence of the issue: "github.com/hashicorp/terraform v1.6.0 is BUSL-1.1
        since 2023-08-10; v1.5.7 was the last MPL-2.0 release; OpenTofu is the MPL-2.0
        fork"."""
        e, root = self.event, self.root
        shown = f"{name} {self.version}" if self.version else name
        fork = e.fork or root.fork
        if self.state == CHANGED:
            how = f" ({self.detail})" if self.detail else ""
            text = (
                f"{shown}{how} is {e.new_license} since {e.date.isoformat()}; "
                f"{root.last_open_text} was the last {root.old_license} release"
            )
        elif self.state == LAST_OPEN:
            text = (
                f"{shown} is the last {e.old_license} release of {e.project}: "
                f"{_first(e)} are {e.new_license} (since {e.date.isoformat()}), "
                "so the next upgrade crosses the change"
            )
        else:
            text = (
                f"{shown}: {self.detail}, and {_first(e)} are {e.new_license} "
                f"(since {e.date.isoformat()}); add the upper bound {self.bound} to stay "
                f"on {e.old_license}"
            )
        if fork is not None:
            text += f"; {fork.name} is the {fork.license} fork"
        return text

    def event_text(self) -> str:
        """A short name of the event, for --diff-base."""
        e = self.event
        return (
            f"the relicensing of {e.project} from {e.old_license} to {e.new_license} "
            f"({e.date.isoformat()}, {e.source})"
        )


def _first(e: RelicensingEvent) -> str:
    """The first changed release, with those of the older lines the change also reached
    ("1.15.0 and later (also 1.14.9 on its line)")."""
    first, *rest = (v.split(" (")[0] for v in e.first_changed)
    if not rest:
        return f"{first} and later"
    lines = "its line" if len(rest) == 1 else "their lines"
    return f"{first} and later (also {', '.join(rest)} on {lines})"


def _key(purl_type: str, namespace: str | None, name: str) -> tuple[str, str]:
    """The name a Dependency carries for a package URL's parts."""
    if purl_type == "maven" and namespace:
        full = f"{namespace}:{name}"
    elif namespace:
        full = f"{namespace}/{name}"
    else:
        full = name
    return purl_type, _normal(purl_type, full)


def _normal(purl_type: str, name: str) -> str:
    if purl_type == "pypi":
        from packaging.utils import canonicalize_name

        return str(canonicalize_name(name))
    if purl_type in ("nuget", "conda", "github"):
        return name.lower()
    return name


def _parse(purl_text: str) -> tuple[str, str]:
    from packageurl import PackageURL

    p = PackageURL.from_string(purl_text)
    return _key(p.type, p.namespace, p.name)


class Table:
    """The events of a license database, indexed by package coordinates."""

    def __init__(self, events: Sequence[RelicensingEvent]) -> None:
        self.events = tuple(events)
        self._by_id = {e.id: e for e in self.events}
        self._exact: dict[tuple[str, str], list[RelicensingEvent]] = {}
        self._patterns: list[tuple[str, str, RelicensingEvent]] = []
        self._open: set[tuple[str, str]] = set()
        for e in self.events:
            for text in e.packages:
                kind, name = _parse(text)
                if "*" in name:
                    self._patterns.append((kind, name, e))
                else:
                    self._exact.setdefault((kind, name), []).append(e)
            self._open.update(_parse(text) for text in e.stayed_open)

    def root(self, event: RelicensingEvent) -> RelicensingEvent:
        seen = {event.id}
        while event.follows is not None and event.follows not in seen:
            seen.add(event.follows)
            event = self._by_id[event.follows]
        return event

    def events_for(self, ecosystem: str, name: str) -> list[RelicensingEvent]:
        """The events of a package, oldest first; none for a package that stayed open."""
        key = (ecosystem, _normal(ecosystem, name))
        if key in self._open:
            return []
        found = list(self._exact.get(key, ()))
        found += [e for kind, glob, e in self._patterns if kind == key[0] and _glob(key[1], glob)]
        return sorted(set(found), key=lambda e: (e.date, e.id))

    def stayed_open(self, ecosystem: str, name: str) -> bool:
        return (ecosystem, _normal(ecosystem, name)) in self._open

    # -- versions ----------------------------------------------------------------------
    def state_of(self, ecosystem: str, name: str, version: str) -> Match | None:
        """What the events say of an exact version: CHANGED (the latest event whose set
        holds it), LAST_OPEN, or None."""
        events = self.events_for(ecosystem, name)
        if not events:
            return None
        stamp = pseudo_time(version) if ecosystem == "golang" else None
        for e in reversed(events):  # the latest change first
            if stamp is not None:
                if stamp >= e.date:
                    detail = (
                        f"a commit of {stamp.isoformat()}, after the change; a commit on an "
                        "older release branch may still be under the old license"
                    )
                    return Match(e, self.root(e), CHANGED, version, detail)
                continue
            if _within(ecosystem, version, e.changed):
                return Match(e, self.root(e), CHANGED, version)
        if stamp is not None:
            return None
        for e in events:
            if e.follows is None and _within(ecosystem, version, e.last_open):
                return Match(e, e, LAST_OPEN, version, bound=_bound(ecosystem, e))
        return None

    def match(self, dep: Dependency) -> Match | None:
        """What the events say of a dependency. A version chosen online for a range
        (``requirement``) is judged as the version the range gives today; a range that
        admits relicensed versions is RANGE_ADMITS."""
        events = self.events_for(dep.ecosystem, dep.name)
        if not events or not dep.version:
            return None
        if dep.exact or dep.requirement:
            found = self.state_of(dep.ecosystem, dep.name, dep.version)
            if found is not None and found.state == CHANGED:
                return found
            if dep.exact:
                return found
        spec = dep.requirement or dep.version
        for e in reversed(events):
            if e.follows is not None:
                continue
            probe = next((v for v in _lower_bounds(e) if _admits(dep.ecosystem, spec, v)), None)
            if probe is not None:
                detail = f"the range {spec} admits {probe}"
                return Match(e, e, RANGE_ADMITS, spec, detail, bound=_bound(dep.ecosystem, e))
        return None

    def crossed(self, ecosystem: str, name: str, old: str | None, new: str | None) -> Match | None:
        """The event a version change crosses (the old version outside its set, the new
        one inside), for --diff-base."""
        if not old or not new or old == new:
            return None
        now = self.state_of(ecosystem, name, new)
        if now is None or now.state != CHANGED:
            return None
        before = self.state_of(ecosystem, name, old)
        if before is not None and before.state == CHANGED and before.event.id == now.event.id:
            return None
        return now


def _glob(name: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(name, pattern)


def pseudo_time(version: str) -> dt.date | None:
    """The commit date of a Go pseudo-version, else None."""
    m = _PSEUDO.match(version.strip())
    if m is None:
        return None
    try:
        return dt.datetime.strptime(m.group(1), "%Y%m%d%H%M%S").date()
    except ValueError:
        return None


def _vers(text: str) -> Any:
    """A ``vers:`` range, read by univers (untyped: Any)."""
    from univers import version_range

    ranges: Any = version_range.VersionRange
    return ranges.from_string(text)


@functools.lru_cache(maxsize=512)
def _range(scheme: str, interval: str) -> Any:
    return _vers(f"vers:{scheme}/{interval}")


def _scheme(ecosystem: str) -> str:
    return _SCHEMES.get(ecosystem, _GENERIC)


def _within(ecosystem: str, version: str, intervals: Iterable[str]) -> bool:
    """Whether ``version`` is in one of the ``vers`` intervals; a version the scheme
    cannot read is in none."""
    scheme = _scheme(ecosystem)
    for interval in intervals:
        try:
            vrange = _range(scheme, interval)
            if vrange.version_class(version) in vrange:
                return True
        except Exception:  # univers raises ValueError, TypeError, its own InvalidVersion
            continue
    return False


def _lower_bounds(e: RelicensingEvent) -> list[str]:
    """The first relicensed version of each interval of the event (its ``>=`` bounds)."""
    out: list[str] = []
    for interval in e.changed:
        for part in interval.split("|"):
            part = part.strip()
            if part.startswith(">="):
                out.append(part[2:].strip())
            elif part[:1].isdigit():
                out.append(part)
    return out


def _bound(ecosystem: str, e: RelicensingEvent) -> str:
    """The upper bound that keeps a range below the event, as the ecosystem writes it."""
    first = min(
        _lower_bounds(e) or [e.first_changed[0].split(" (")[0]],
        key=lambda v: _sort_key(ecosystem, v),
    )
    if ecosystem in ("maven", "nuget"):
        return f"(,{first})"
    return f"<{first}"


def _sort_key(ecosystem: str, version: str) -> Any:
    try:
        return _range(_scheme(ecosystem), version).version_class(version)
    except Exception:
        return version


def _admits(ecosystem: str, spec: str, version: str) -> bool:
    """Whether a range as its manifest writes it admits ``version`` (no pre-releases);
    a range that cannot be read admits nothing said here."""
    spec = spec.strip()
    try:
        if ecosystem == "pypi":
            from packaging.specifiers import SpecifierSet

            return SpecifierSet(spec if spec not in ("", "*") else "").contains(version)
        if ecosystem == "npm":
            from semantic_version import NpmSpec, Version

            return bool(NpmSpec(spec or "*").match(Version(version)))
        from univers.version_range import RANGE_CLASS_BY_SCHEMES

        cls: Any = RANGE_CLASS_BY_SCHEMES.get(_scheme(ecosystem))
        if cls is None or not spec:
            return False
        vrange = cls.from_native(spec)
        return bool(vrange.version_class(version) in vrange)
    except Exception:  # the libraries raise their own errors for what they cannot read
        return False


def table(db: LicenseDB) -> Table:
    """The events of ``db``, indexed (once per database)."""
    cached = getattr(db, "_relicensing_table", None)
    if cached is None:
        cached = Table(db.relicensing)
        db._relicensing_table = cached  # type: ignore[attr-defined]
    assert isinstance(cached, Table)
    return cached
