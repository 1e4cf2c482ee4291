"""SPDX 2.3 JSON document (``--format spdx``): the scanned artifacts, their files and
their dependencies, with their licenses.

A pure function of the :class:`ScanResult` and of the options the CLI passes: no clock,
no file read, no network; the same input gives the same bytes.

- **Document.** ``name`` is the name of the scanned directory (never its absolute
  path). ``creationInfo.created`` is the ``created`` option (ISO 8601,
  ``YYYY-MM-DDThh:mm:ssZ``, or an aware ``datetime``), which the CLI sets to the time of
  the scan; without it the document says ``1970-01-01T00:00:00Z`` (:data:`DEFAULT_CREATED`,
  the "no date" of reproducible builds), so that the output stays reproducible.
  ``documentNamespace`` is the ``namespace`` option, else
  ``https://spdx.example.invalid/licensetier/<name>-<sha256>``, where ``<sha256>`` is the
  SHA-256 of the document rendered with an empty namespace: unique per content (as SPDX
  requires), identical for identical input, and under a reserved domain that never
  resolves (a namespace is an identifier, not a location).
- **Artifacts** (``SPDXRef-Artifact-<n>``, in the scan's order): one package each,
  ``licenseDeclared`` the artifact's declared license. Each is described by the
  document (``DESCRIBES``), and contained by the artifact it is nested in.
- **Files** (``SPDXRef-File-<n>``, by path): SPDX requires a SHA-1 per file: the
  ``file_checksums`` option maps a path to its SHA-1 (by default the result's
  ``checksums``, of the content scanned, which a scan gathers when asked), and only
  files with a checksum are listed. An artifact with listed files has
  ``filesAnalyzed: true``, ``CONTAINS`` relationships to them, and a
  ``packageVerificationCode`` over their SHA-1s; its other files (skipped by the scan, or
  without a checksum) are named in ``packageVerificationCodeExcludedFiles``. A file's
  ``licenseInfoInFiles`` are the licenses of ScanCode's detected expression (``NONE``
  when it found none, ``NOASSERTION`` when detection failed), the whole expression being
  in ``licenseComments``; ``licenseConcluded`` is ``NOASSERTION`` (no human concluded).
- **Dependencies** (``SPDXRef-Package-<purl, sanitized>``): one package per distinct
  package URL, with its purl as a ``PACKAGE-MANAGER`` external reference and its
  resolved license as ``licenseDeclared``. A direct dependency is related to its
  artifact by scope: ``artifact DEPENDS_ON pkg`` (runtime), ``pkg DEV_DEPENDENCY_OF
  artifact``, ``pkg OPTIONAL_DEPENDENCY_OF artifact``; a transitive one to the last
  step of its chain (``parent DEPENDS_ON pkg``, or ``OPTIONAL_DEPENDENCY_OF`` when
  optional), or to the artifact when that step is not among the dependencies. The
  chains are the shortest paths, so the graph is a spanning tree of the real one.
- **Licenses.** Every license expression is rewritten into valid SPDX 2.3 syntax
  (:func:`convert`): identifiers of the SPDX list are kept (with their canonical case),
  every ``LicenseRef-`` used gets a ``hasExtractedLicensingInfos`` entry (ScanCode's
  ``LicenseRef-scancode-<key>`` points at ScanCode's LicenseDB), and what SPDX 2.3 cannot
  say is named by a ``LicenseRef-licensetier-...`` with the original text: a name that is
  not an identifier, and ``X WITH Y`` where ``Y`` is not an exception of the SPDX list
  (SPDX 2.3 allows only listed exceptions after ``WITH``; ScanCode's
  ``LicenseRef-scancode-*-exception`` ones become e.g.
  ``LicenseRef-licensetier-LGPL-3.0-or-later-WITH-scancode-openssl-exception-lgpl3.0plus``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import PurePath
from typing import Any

from licensetier import expressions
from licensetier.errors import UnknownLicenseError
from licensetier.expressions import ExpressionTooDeep, Node, parse, spdx_list_symbol
from licensetier.models import Artifact, Classification, Dependency, FileResult, ScanResult
from licensetier.paths import owning_artifact
from licensetier.printable import printable, without_surrogates
from licensetier.reporters.mlbom import Dataset, Model, collect, header_license

SPDX_VERSION = "SPDX-2.3"
DATA_LICENSE = "CC0-1.0"
DOCUMENT_ID = "SPDXRef-DOCUMENT"
DEFAULT_CREATED = "1970-01-01T00:00:00Z"
NAMESPACE_BASE = "https://spdx.example.invalid/licensetier/"
NOASSERTION = "NOASSERTION"
NONE = "NONE"
MADE_PREFIX = "LicenseRef-licensetier-"
SCANCODE_PREFIX = "LicenseRef-scancode-"
SCANCODE_LICENSEDB = "https://scancode-licensedb.aboutcode.org/"

_CREATED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
_IDSTRING = re.compile(r"^[A-Za-z0-9.-]+$")
_NOT_IDSTRING = re.compile(r"[^A-Za-z0-9.-]+")


# --- licenses ----------------------------------------------------------------------


def _is_list_id(ident: str) -> bool:
    return not ident.startswith("LicenseRef-")


def _licensedb_url(ident: str) -> str:
    return f"{SCANCODE_LICENSEDB}{ident.removeprefix(SCANCODE_PREFIX)}.html"


class LicenseRefs:
    """The ``LicenseRef-`` identifiers a document uses, with their
    ``hasExtractedLicensingInfos`` entries."""

    def __init__(self) -> None:
        self._entries: dict[str, dict[str, Any]] = {}
        self._made: dict[str, str] = {}  # original text -> made identifier

    def given(self, ident: str) -> str:
        """A LicenseRef as found (ScanCode's, or the repository's own)."""
        if ident not in self._entries:
            if ident.startswith(SCANCODE_PREFIX):
                key = ident[len(SCANCODE_PREFIX) :]
                self._entries[ident] = {
                    "licenseId": ident,
                    "name": f"ScanCode license {key}",
                    "extractedText": f"See ScanCode LicenseDB: {key}",
                    "seeAlsos": [_licensedb_url(ident)],
                    "comment": "A license of ScanCode's LicenseDB that the SPDX License List "
                    "does not have; its text is in the LicenseDB.",
                }
            else:
                self._entries[ident] = {
                    "licenseId": ident,
                    "name": ident,
                    "extractedText": f"{ident}: a license reference as the scanned repository "
                    "or its licensetier configuration names it; its text is not part of this "
                    "document.",
                }
        return ident

    def made(self, name: str, text: str, stem: str, parts: Iterable[str] = ()) -> str:
        """A LicenseRef licensetier makes for ``name`` (a string SPDX 2.3 cannot say);
        ``parts``: the identifiers it is made of, for links to ScanCode's LicenseDB."""
        known = self._made.get(name)
        if known is not None:
            return known
        ident = MADE_PREFIX + (_NOT_IDSTRING.sub("-", stem).strip("-") or "unnamed")
        if ident in self._entries:
            ident += "-" + hashlib.sha256(name.encode()).hexdigest()[:8]
        self._made[name] = ident
        entry: dict[str, Any] = {"licenseId": ident, "name": name, "extractedText": text}
        see = [_licensedb_url(p) for p in parts if p.startswith(SCANCODE_PREFIX)]
        if see:
            entry["seeAlsos"] = see
        entry["comment"] = "Named by licensetier: SPDX 2.3 has no identifier or syntax for it."
        self._entries[ident] = entry
        return ident

    def entries(self) -> list[dict[str, Any]]:
        return [self._entries[i] for i in sorted(self._entries)]


@dataclass(frozen=True)
class Converted:
    """A license expression in SPDX 2.3 syntax.

    ``terms`` are its licenses (``X``, ``X WITH Y`` or a LicenseRef) in order of
    appearance, each once; ``faithful`` is false when licensetier had to name a part
    with a ``LicenseRef-licensetier-`` (then the expression is not the original one)."""

    expression: str
    terms: tuple[str, ...]
    faithful: bool


class _State:
    def __init__(self, refs: LicenseRefs) -> None:
        self.refs = refs
        self.terms: dict[str, None] = {}
        self.faithful = True

    def term(self, term: str) -> str:
        self.terms.setdefault(term)
        return term


def _unknown_text(raw: str) -> str:
    return (
        f"A license stated as {raw!r}, which is not an identifier of the SPDX License "
        "List; licensetier keeps it as it was written."
    )


def _license(raw: str, state: _State) -> str:
    """A license (not an exception) as an SPDX identifier or a LicenseRef."""
    known = spdx_list_symbol(raw)
    if known is not None and not known.is_exception:
        ident = known.id
        return ident if _is_list_id(ident) else state.refs.given(ident)
    if known is None and raw.startswith("LicenseRef-") and _IDSTRING.match(raw):
        return state.refs.given(raw)
    state.faithful = False
    if known is not None:  # an exception on its own, where a license should be
        return state.refs.made(
            raw,
            f"The license exception {known.id!r}, found on its own without the license it "
            "modifies; SPDX 2.3 allows an exception only after WITH.",
            known.id.removeprefix("LicenseRef-"),
            (known.id,),
        )
    return state.refs.made(raw, _unknown_text(raw), raw.removeprefix("LicenseRef-"))


def _with(license_raw: str, exception_raw: str, state: _State) -> str:
    known = spdx_list_symbol(exception_raw)
    if known is not None and known.is_exception and _is_list_id(known.id):
        return f"{_license(license_raw, state)} WITH {known.id}"
    # SPDX 2.3 takes only exceptions of its list after WITH: name the combination
    state.faithful = False
    left = spdx_list_symbol(license_raw)
    left_name = left.id if left is not None and not left.is_exception else license_raw
    right_name = known.id if known is not None else exception_raw
    name = f"{left_name} WITH {right_name}"
    return state.refs.made(
        name,
        f"{left_name}, with the additional permissions of the license exception "
        f"{right_name}. SPDX 2.3 allows only exceptions of the SPDX License List after "
        "WITH, so this combination is named as a whole.",
        f"{left_name.removeprefix('LicenseRef-')}-WITH-{right_name.removeprefix('LicenseRef-')}",
        (left_name, right_name),
    )


def _render(node: Node, state: _State) -> str:
    return expressions.render(
        node,
        lambda leaf: state.term(_license(leaf.raw, state)),
        lambda pair: state.term(_with(pair.license.raw, pair.exception.raw, state)),
    )


@functools.lru_cache(maxsize=4096)
def convert_alone(expression: str | None) -> Converted | None:
    """:func:`convert` for a format without LicenseRefs of its own (cached)."""
    return convert(expression)


def convert(expression: str | None, refs: LicenseRefs | None = None) -> Converted | None:
    """``expression`` in valid SPDX 2.3 syntax, registering the LicenseRefs it uses in
    ``refs``; None for no expression."""
    if expression is None or not expression.strip():
        return None
    state = _State(refs if refs is not None else LicenseRefs())
    stem = expression
    parsed: Node | None
    try:
        parsed = parse(expression)
    except ExpressionTooDeep:  # named as a whole, with the text as it stands
        parsed, stem = None, "expression-too-deeply-nested"
    except UnknownLicenseError:
        parsed = None
    if parsed is None:
        state.faithful = False
        text = state.refs.made(expression, _unknown_text(expression), stem)
        return Converted(text, (text,), False)
    text = _render(parsed, state)
    return Converted(text, tuple(state.terms), state.faithful)


# --- the document ------------------------------------------------------------------


def document_name(root: str) -> str:
    return printable(PurePath(root).name) or "root"


def created_timestamp(created: object) -> str:
    """The ``created`` option as ``YYYY-MM-DDThh:mm:ssZ``."""
    if created is None:
        return DEFAULT_CREATED
    if isinstance(created, datetime):
        if created.tzinfo is None:
            raise ValueError("created: a datetime needs a time zone")
        return created.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(created, str) and _CREATED.match(created):
        return created
    raise ValueError(f"created: expected YYYY-MM-DDThh:mm:ssZ, got {created!r}")


def checksums(option: object) -> dict[str, str]:
    """The ``file_checksums`` option: path -> lower-case SHA-1."""
    if option is None:
        return {}
    if not isinstance(option, Mapping):
        raise TypeError("file_checksums: expected a mapping of path to SHA-1")
    out: dict[str, str] = {}
    for path, sha1 in option.items():
        if not isinstance(path, str) or not isinstance(sha1, str) or not _SHA1.match(sha1):
            raise ValueError(f"file_checksums: not a path and a SHA-1: {path!r}: {sha1!r}")
        out[path] = sha1.lower()
    return out


def tool_version() -> str:
    from licensetier import __version__

    return __version__


def artifacts_of(result: ScanResult) -> tuple[Artifact, ...]:
    """The scan's artifacts, with a root artifact first when the scan has none."""
    if any(a.path == "." for a in result.artifacts):
        return result.artifacts
    return (Artifact(".", None, None, None, origin="implicit"), *result.artifacts)


# the deepest artifact that contains a path (the root artifact contains every path);
# the name other modules imported
owner = owning_artifact


def parent_artifact(a: Artifact, artifacts: Iterable[Artifact]) -> Artifact | None:
    if a.path == ".":
        return None
    return owning_artifact(a.path, [o for o in artifacts if o.path != a.path])


def unique_packages(dependencies: Iterable[Dependency]) -> dict[str, list[Dependency]]:
    """Package key (its purl) -> every occurrence, in the scan's order."""
    out: dict[str, list[Dependency]] = {}
    for d in dependencies:
        out.setdefault(package_key(d), []).append(d)
    return out


def package_key(d: Dependency) -> str:
    return d.purl or f"{d.ecosystem}:{d.label}"


#: Artifact kinds that are libraries others build on (an SBOM's root is then a
#: library, not an application).
LIBRARY_KINDS = frozenset({"sdk", "client-library", "integration", "connector"})

_ORGANIZATION = re.compile(
    r"\b(?:inc|llc|ltd|limited|gmbh|corp|corporation|company|foundation|team|project|"
    r"contributors|authors|developers|group|org|s\.?a|b\.?v|ag)\b\.?",
    re.IGNORECASE,
)


def is_library(a: Artifact) -> bool:
    return a.kind in LIBRARY_KINDS


def artifact_name(a: Artifact, root: str) -> str:
    """The artifact's name: its manifest's project name, else the scanned directory's
    name (the root) or its path."""
    if a.name:
        return printable(a.name)
    return document_name(root) if a.path == "." else printable(a.path)


def spdx_supplier(name: str) -> str:
    """SPDX's ``supplier``: ``Organization: ...`` for a name that reads as one (Inc.,
    Foundation, contributors..., or a single word: "Pallets"), else ``Person: ...``."""
    single = len(name.split()) == 1
    kind = "Organization" if single or _ORGANIZATION.search(name) else "Person"
    return f"{kind}: {printable(name)}"


def pinned_version(d: Dependency) -> str | None:
    """The version an SBOM gives a dependency: only an exact one (a range or a version
    chosen for a range is said elsewhere: :func:`requirement_of`)."""
    return d.version if d.exact and d.version else None


def requirement_of(d: Dependency) -> str | None:
    """The range a dependency was asked for, when it is not pinned."""
    if d.exact:
        return None
    return d.requirement or d.version or "any version"


def is_lockfile_or_config(path: str) -> bool:
    """A lockfile (the licenses it names are its packages') or licensetier's own
    configuration file (the licenses it names are policy): not files whose content is
    under the licenses found in them."""
    from licensetier.config import CONFIG_FILE_NAMES
    from licensetier.deps.base import Role
    from licensetier.readers.routes import dependency_route

    name = path.rsplit("/", 1)[-1]
    if name in CONFIG_FILE_NAMES and name != "pyproject.toml":
        return True
    route = dependency_route(name)
    return route is not None and route.role is Role.LOCKFILE


def family_label(c: Classification | None) -> str | None:
    """The family to show: the row of the conflict matrices, or ``not-a-license`` for
    a text that is not a license of use (a CLA, a DCO: ScanCode files them under
    licenses, and their grant would read as permissive)."""
    if c is None:
        return None
    if c.not_a_license_of_use:
        return "not-a-license"
    return c.row


def representative(occurrences: list[Dependency]) -> Dependency:
    """The occurrence whose license speaks for the package: the first resolved one."""
    return next((d for d in occurrences if d.license is not None), occurrences[0])


def _dir(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def chain_parents(dependencies: Sequence[Dependency]) -> list[Dependency | None]:
    """For each dependency, the one that pulls it in (the last step of its chain) among
    those of the same artifact and ecosystem, preferring one of the same directory;
    None for a direct dependency or when that step is not among the dependencies."""
    index: dict[tuple[str, str, str], list[Dependency]] = {}
    for o in dependencies:
        index.setdefault((o.artifact, o.ecosystem, o.label), []).append(o)
    out: list[Dependency | None] = []
    for d in dependencies:
        if d.direct or not d.chain:
            out.append(None)
            continue
        candidates = index.get((d.artifact, d.ecosystem, d.chain[-1]), [])
        near = [o for o in candidates if _dir(o.manifest) == _dir(d.manifest)]
        best = near or candidates
        out.append(best[0] if best else None)
    return out


@dataclass(frozen=True)
class _Listed:
    """A file listed in the document."""

    ident: str
    path: str
    sha1: str
    terms: tuple[str, ...]


class _Builder:
    def __init__(self, result: ScanResult, sha1s: Mapping[str, str]) -> None:
        self.result = result
        self.sha1s = sha1s
        self.refs = LicenseRefs()
        self.relationships: dict[tuple[str, str, str], str | None] = {}
        self.converted: dict[str | None, Converted | None] = {}
        self.artifacts = artifacts_of(result)
        self.artifact_ids = {a.path: f"SPDXRef-Artifact-{i}" for i, a in enumerate(self.artifacts)}

    def relate(self, element: str, kind: str, related: str, comment: str | None = None) -> None:
        self.relationships.setdefault((element, kind, related), comment)

    def convert(self, expression: str | None) -> Converted | None:
        """:func:`convert`, once per distinct expression (its LicenseRefs are
        registered the first time)."""
        if expression not in self.converted:
            self.converted[expression] = convert(expression, self.refs)
        return self.converted[expression]

    def license(self, expression: str | None) -> str:
        converted = self.convert(expression)
        return converted.expression if converted is not None else NOASSERTION

    def files(self) -> tuple[list[dict[str, Any]], dict[str, list[_Listed]]]:
        """The file entries, and the listed files of each artifact (by its path)."""
        entries: list[dict[str, Any]] = []
        by_artifact: dict[str, list[_Listed]] = {}
        listed = sorted((f for f in self.result.files if f.path in self.sha1s), key=_path)
        for n, f in enumerate(listed, start=1):
            entry, terms = self.file(f"SPDXRef-File-{n}", f)
            entries.append(entry)
            a = owning_artifact(f.path, self.artifacts)
            by_artifact.setdefault(a.path, []).append(
                _Listed(entry["SPDXID"], f.path, self.sha1s[f.path], terms)
            )
        return entries, by_artifact

    def file(self, ident: str, f: FileResult) -> tuple[dict[str, Any], tuple[str, ...]]:
        entry: dict[str, Any] = {
            "SPDXID": ident,
            "fileName": f"./{printable(f.path)}",
            "checksums": [{"algorithm": "SHA1", "checksumValue": self.sha1s[f.path]}],
        }
        if is_lockfile_or_config(f.path):
            entry["licenseConcluded"] = NOASSERTION
            entry["licenseInfoInFiles"] = [NONE]
            if f.path.rsplit("/", 1)[-1] in _CONFIG:
                said = "licensetier's configuration: the licenses it names are its policy"
            else:
                said = "A lockfile: the licenses it names are those of the packages it pins"
            entry["licenseComments"] = said + ", not the file's own."
            return entry, ()
        converted = self.convert(f.license_spdx)
        info: list[str]
        if converted is not None:
            info = list(converted.terms)
        else:
            info = [NOASSERTION if f.engine == "failed" else NONE]
        cla = f.classification is not None and f.classification.not_a_license_of_use
        # the license licensetier concluded for the file: ScanCode's detection, which
        # the scan kept (corrected where licensetier corrects it)
        if converted is not None and not cla:
            entry["licenseConcluded"] = converted.expression
        elif converted is None and f.engine != "failed":
            entry["licenseConcluded"] = NONE
        else:
            entry["licenseConcluded"] = NOASSERTION
        entry["licenseInfoInFiles"] = info
        if converted is not None:
            said = f"Detected by ScanCode: {f.license_spdx}"
            if converted.expression != f.license_spdx:
                said += f" (in SPDX 2.3: {converted.expression})"
            if cla and f.classification is not None:
                said += (
                    f"; not a license of use ({f.classification.category}): an agreement "
                    "for contributors, not terms the file is used under"
                )
            entry["licenseComments"] = said + "."
        return entry, converted.terms if converted is not None and not cla else ()

    def unlisted(self) -> dict[str, list[str]]:
        """Per artifact path, its paths that are not listed: skipped by the scan, or
        without a checksum."""
        out: dict[str, list[str]] = {}
        paths = [f.path for f in self.result.files if f.path not in self.sha1s]
        paths += [s.path for s in self.result.skipped]
        for p in sorted(paths):
            out.setdefault(owning_artifact(p, self.artifacts).path, []).append(f"./{printable(p)}")
        return out

    def artifact(self, a: Artifact, files: list[_Listed], unlisted: list[str]) -> dict[str, Any]:
        package: dict[str, Any] = {
            "SPDXID": self.artifact_ids[a.path],
            "name": artifact_name(a, self.result.root),
        }
        if a.version:
            package["versionInfo"] = printable(a.version)
        if a.supplier:
            package["supplier"] = spdx_supplier(a.supplier)
        package["downloadLocation"] = NOASSERTION
        package["filesAnalyzed"] = bool(files)
        if files:
            # SPDX 2.3 section 7.9: the SHA-1 of the sorted, concatenated SHA-1s
            joined = "".join(sorted(f.sha1 for f in files))
            code: dict[str, Any] = {
                "packageVerificationCodeValue": hashlib.sha1(joined.encode()).hexdigest()
            }
            if unlisted:
                code["packageVerificationCodeExcludedFiles"] = unlisted
            package["packageVerificationCode"] = code
            package["licenseInfoFromFiles"] = sorted({t for f in files for t in f.terms}) or [NONE]
        concluded = a.declared_license and not (a.reasoning and a.reasoning.low_confidence)
        package["licenseConcluded"] = self.license(a.declared_license) if concluded else NOASSERTION
        package["licenseDeclared"] = self.license(a.declared_license)
        if a.copyrights:
            package["copyrightText"] = "\n".join(printable(c) for c in a.copyrights)
        package["primaryPackagePurpose"] = "LIBRARY" if is_library(a) else "SOURCE"
        package["comment"] = _artifact_comment(a)
        return package

    def dependency(self, ident: str, occurrences: list[Dependency]) -> dict[str, Any]:
        d = representative(occurrences)
        package: dict[str, Any] = {"SPDXID": ident, "name": d.name}
        version = pinned_version(d)
        if version:
            package["versionInfo"] = version
        package["downloadLocation"] = NOASSERTION
        package["filesAnalyzed"] = False
        # concluded by licensetier's resolution: from the package's own metadata or
        # license files, not a guess (low confidence) nor unresolved
        concluded = d.license and d.license_source != "unresolved" and not d.low_confidence
        package["licenseConcluded"] = self.license(d.license) if concluded else NOASSERTION
        package["licenseDeclared"] = self.license(d.license)
        if d.purl.startswith("pkg:"):
            package["externalRefs"] = [
                {
                    "referenceCategory": "PACKAGE-MANAGER",
                    "referenceType": "purl",
                    "referenceLocator": d.purl,
                }
            ]
        package["primaryPackagePurpose"] = "LIBRARY"
        package["comment"] = _dependency_comment(d, occurrences)
        return package


def _path(f: FileResult) -> str:
    return f.path


def _artifact_comment(a: Artifact) -> str:
    parts = [f"licensetier artifact {a.path!r}"]
    if a.identity_source:
        parts.append(f"named by {a.identity_source}")
    parts.append(f"kind {a.kind}" if a.kind else "no kind declared")
    parts.append(f"tier {a.tier.value}" if a.tier else "no tier declared")
    if a.intended_license:
        parts.append(f"intended license {a.intended_license}")
    if a.declared:
        said = ", ".join(f"{d.source} ({d.field}): {d.raw}" for d in a.declared)
        parts.append(f"declared by {said}")
    return "; ".join(parts) + "."


def _dependency_comment(d: Dependency, occurrences: list[Dependency]) -> str:
    parts = []
    wanted = requirement_of(d)
    if wanted is not None:
        said = f"not pinned: asked for {wanted}"
        if d.requirement and d.version:
            said += f" (version {d.version} chosen for it online)"
        parts.append(said)
    if d.license_source == "unresolved":
        parts.append(f"license unresolved: {d.reason}" if d.reason else "license unresolved")
    else:
        where = f" ({d.license_where})" if d.license_where else ""
        parts.append(f"license from {d.license_source}{where}")
        if d.license_raw and d.license_raw != d.license:
            parts.append(f"stated as {d.license_raw!r}")
        if d.low_confidence:
            parts.append(f"low confidence: {d.reason}" if d.reason else "low confidence")
    row = family_label(d.classification)
    if row:
        parts.append(f"family {row}")
    seen = sorted({f"{o.manifest} of artifact {o.artifact!r} ({o.scope})" for o in occurrences})
    parts.append("from " + ", ".join(seen))
    return "; ".join(parts) + "."


def _package_ids(keys: Iterable[str]) -> dict[str, str]:
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for key in keys:
        stem = _NOT_IDSTRING.sub("-", key.removeprefix("pkg:")).strip("-") or "package"
        ident = f"SPDXRef-Package-{stem}"
        n = 2
        while ident in taken:
            ident = f"SPDXRef-Package-{stem}-{n}"
            n += 1
        taken.add(ident)
        ids[key] = ident
    return ids


def _ml_package(ident: str, name: str, license_: str, comment: str) -> dict[str, Any]:
    """A package for a model, a base model or a dataset: not a download, no files of
    its own; ``OTHER`` is the honest purpose (SPDX 2.3 has none for models or data)."""
    return {
        "SPDXID": ident,
        "name": name,
        "downloadLocation": NOASSERTION,
        "filesAnalyzed": False,
        "licenseConcluded": NOASSERTION,
        "licenseDeclared": license_,
        "primaryPackagePurpose": "OTHER",
        "comment": comment,
    }


def _model_comment(m: Model) -> str:
    parts = [f"machine-learning model of licensetier artifact {m.artifact!r}"]
    if m.info is not None and m.info.card:
        parts.append(f"model card {printable(m.info.card)}")
    if m.info is not None and m.info.task:
        parts.append(f"task {printable(m.info.task)}")
    if m.info is not None and m.info.library:
        parts.append(f"library {printable(m.info.library)}")
    if m.architecture:
        parts.append(f"architecture {m.architecture}")
    if m.license_from:
        parts.append("license stated by " + ", ".join(m.license_from))
    for w in m.files:
        said = [w.format]
        header = header_license(w)
        if header:
            said.append(f"license {header!r} in its header")
        if w.lfs_pointer is not None:
            said.append(f"a Git LFS pointer to {printable(w.lfs_pointer)}")
        parts.append(f"{w.role} file {printable(w.path)} ({', '.join(said)})")
    return "; ".join(parts) + "."


def _dataset_comment(d: Dataset) -> str:
    parts = ["dataset"]
    if d.card:
        parts.append(f"described by the dataset card {d.card}")
    if d.non_commercial:
        parts.append("its license restricts commercial use")
    if d.named_by:
        parts.append("named by " + ", ".join(d.named_by))
    return "; ".join(parts) + "."


def _machine_learning(
    b: _Builder, result: ScanResult, packages: list[dict[str, Any]], files: list[dict[str, Any]]
) -> None:
    """The ML-BOM part: a package per model, base model and dataset, with
    relationships (docs/ai-artifacts.md, "ML-BOM").

    - ``model DESCENDANT_OF base``: the weights derive from the base's (fine-tuned,
      quantized, merged, or an adapter on it; the card's word is the relationship's
      comment). SPDX 2.3's DESCENDANT_OF is "a descendant of", as a fork is of its
      original; VARIANT_OF would not say which came first.
    - ``model GENERATED_FROM dataset``: trained on it. SPDX 2.3 has no "trained on"
      (SPDX 3.0's AI profile has ``trainedOn``); GENERATED_FROM says the model was
      produced from the data, which is what training is; DATA_FILE_OF would say the
      dataset is a part of the model, which it is not.
    - ``weights file DATA_FILE_OF model``, ``metadata file METAFILE_OF model``, for the
      files listed in the document (those with a SHA-1); the model package itself has
      no files (it is not a package whose files were analysed).
    - ``artifact CONTAINS model`` and ``artifact CONTAINS dataset`` (a dataset card in
      the scan)."""
    models, datasets = collect(result, document_name(result.root))
    if not models and not datasets:
        return
    listed = {f["fileName"][2:]: f["SPDXID"] for f in files}
    dataset_ids = {d.key: f"SPDXRef-Dataset-{n}" for n, d in enumerate(datasets, start=1)}
    for d in datasets:
        if d.artifact is not None:
            holder = b.artifact_ids.get(d.artifact, b.artifact_ids["."])
            b.relate(holder, "CONTAINS", dataset_ids[d.key])
    bases: dict[str, str] = {}  # lower-cased name -> SPDX id
    for n, m in enumerate(models, start=1):
        ident = f"SPDXRef-Model-{n}"
        packages.append(_ml_package(ident, m.name, b.license(m.license), _model_comment(m)))
        b.relate(b.artifact_ids.get(m.artifact, b.artifact_ids["."]), "CONTAINS", ident)
        for w in m.files:
            file_id = listed.get(printable(w.path))
            if file_id is not None:
                kind = "DATA_FILE_OF" if w.role == "weights" else "METAFILE_OF"
                b.relate(file_id, kind, ident)
        for base in m.base_models:
            key = base.model.lower()
            if key not in bases:
                bases[key] = f"SPDXRef-BaseModel-{len(bases) + 1}"
                said = [f"base model, named by {base.source}"]
                if base.original:
                    said.append(f"a re-publication of {base.original}")
                packages.append(
                    _ml_package(
                        bases[key], base.model, b.license(base.license), "; ".join(said) + "."
                    )
                )
            how = f"relation {base.relation}" if base.relation else "derived"
            b.relate(ident, "DESCENDANT_OF", bases[key], f"{how}; named by {base.source}")
        for key in m.datasets:
            b.relate(ident, "GENERATED_FROM", dataset_ids[key], "trained on it")
    packages.extend(
        _ml_package(dataset_ids[d.key], d.name, b.license(d.license), _dataset_comment(d))
        for d in datasets
    )


_CONFIG = frozenset({"licensetier.toml"})

_SCOPE_TO_ARTIFACT = {"development": "DEV_DEPENDENCY_OF", "optional": "OPTIONAL_DEPENDENCY_OF"}


def to_dict(
    result: ScanResult,
    *,
    created: object = None,
    namespace: str | None = None,
    file_checksums: object = None,
) -> dict[str, Any]:
    """The document as a dict; ``documentNamespace`` is empty unless ``namespace`` is
    given (:func:`render` fills it from the content)."""
    b = _Builder(result, checksums(result.checksums if file_checksums is None else file_checksums))
    files, files_by_artifact = b.files()
    unlisted = b.unlisted()
    packages = [
        b.artifact(a, files_by_artifact.get(a.path, []), unlisted.get(a.path, []))
        for a in b.artifacts
    ]

    for a in b.artifacts:
        b.relate(DOCUMENT_ID, "DESCRIBES", b.artifact_ids[a.path])
    for a in b.artifacts:
        parent = parent_artifact(a, b.artifacts)
        if parent is not None:
            b.relate(b.artifact_ids[parent.path], "CONTAINS", b.artifact_ids[a.path])
    for a in b.artifacts:
        for listed in files_by_artifact.get(a.path, []):
            b.relate(b.artifact_ids[a.path], "CONTAINS", listed.ident)

    grouped = unique_packages(result.dependencies)
    package_ids = _package_ids(grouped)
    for key, occurrences in grouped.items():
        packages.append(b.dependency(package_ids[key], occurrences))
    for d, puller in zip(result.dependencies, chain_parents(result.dependencies), strict=True):
        ident = package_ids[package_key(d)]
        if puller is not None:
            parent_id = package_ids[package_key(puller)]
            if d.scope == "optional":
                b.relate(ident, "OPTIONAL_DEPENDENCY_OF", parent_id)
            else:
                b.relate(parent_id, "DEPENDS_ON", ident)
            continue
        artifact_id = b.artifact_ids.get(d.artifact, b.artifact_ids["."])
        kind = _SCOPE_TO_ARTIFACT.get(d.scope)
        if kind is None:
            b.relate(artifact_id, "DEPENDS_ON", ident)
        else:
            b.relate(ident, kind, artifact_id)

    _machine_learning(b, result, packages, files)

    creation: dict[str, Any] = {
        "created": created_timestamp(created),
        "creators": [f"Tool: licensetier-{tool_version()}"],
    }
    engine = [
        f"ScanCode toolkit {result.engine['scancode_toolkit']}"
        if "scancode_toolkit" in result.engine
        else "",
        f"license data {result.engine['license_db']}" if "license_db" in result.engine else "",
    ]
    said = ", ".join(e for e in engine if e)
    creation["comment"] = "Licenses detected by licensetier" + (f" ({said})" if said else "") + "."

    document: dict[str, Any] = {
        "spdxVersion": SPDX_VERSION,
        "dataLicense": DATA_LICENSE,
        "SPDXID": DOCUMENT_ID,
        "name": document_name(result.root),
        "documentNamespace": namespace or "",
        "creationInfo": creation,
        "packages": packages,
    }
    if files:
        document["files"] = files
    extracted = b.refs.entries()
    if extracted:
        document["hasExtractedLicensingInfos"] = extracted
    document["relationships"] = [
        {"spdxElementId": e, "relationshipType": k, "relatedSpdxElement": r}
        | ({"comment": comment} if comment else {})
        for (e, k, r), comment in b.relationships.items()
    ]
    return document


def _dumps(document: Mapping[str, Any]) -> str:
    # names are printable already; a comment naming a file that is not UTF-8 is too
    return json.dumps(without_surrogates(document), indent=2, ensure_ascii=False) + "\n"


def render(
    result: ScanResult,
    *,
    created: object = None,
    namespace: object = None,
    file_checksums: object = None,
    **_options: object,
) -> str:
    """The SPDX 2.3 JSON document of ``result``.

    ``created``: the creation time (``YYYY-MM-DDThh:mm:ssZ`` or an aware datetime;
    default :data:`DEFAULT_CREATED`). ``namespace``: the document namespace (default:
    derived from the content). ``file_checksums``: path -> SHA-1 of the scanned files
    (files without one are not listed)."""
    if namespace is not None and not isinstance(namespace, str):
        raise TypeError("namespace: expected a string")
    document = to_dict(result, created=created, namespace=namespace, file_checksums=file_checksums)
    if not namespace:
        digest = hashlib.sha256(_dumps(document).encode()).hexdigest()
        stem = _NOT_IDSTRING.sub("-", document["name"])
        document["documentNamespace"] = f"{NAMESPACE_BASE}{stem}-{digest}"
    return _dumps(document)
