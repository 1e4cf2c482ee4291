"""CycloneDX 1.6 JSON BOM (``--format cyclonedx``): the scanned artifacts, their
dependencies and the files with a license.

A pure function of the :class:`ScanResult` and of the options the CLI passes: no clock,
no file read, no network; the same input gives the same bytes. Written with the json
module (cyclonedx-python-lib is only used by the tests, to validate).

- ``serialNumber`` is the ``serial_number`` option, else ``urn:uuid:<uuid5>`` of the
  SHA-256 of the BOM rendered without it: unique per content, identical for identical
  input. ``metadata.timestamp`` is the ``created`` option (as for SPDX: the CLI passes
  the time of the scan); without it there is no timestamp (it is optional in
  CycloneDX, and a made-up date would be wrong).
- ``metadata.component`` is the root artifact (``bom-ref`` ``artifact:.``, type
  ``application``, its declared license); the other artifacts are components
  ``artifact:<path>``.
- One ``library`` component per distinct package URL (``bom-ref`` = the purl), with its
  license: ``[{"expression": ...}]`` when the expression is valid SPDX as it stands
  (``LicenseRef-`` identifiers included), else ``[{"license": {"name": ...}}]`` with the
  expression as licensetier has it (for example ``X WITH LicenseRef-...``, which SPDX
  2.3 does not allow); ``acknowledgement: declared``. ``scope``: ``required``
  (runtime), ``optional``, ``excluded`` (development only); a package met in several
  scopes takes the least restrictive. ``properties``: ``licensetier:license_source``,
  ``licensetier:family`` (the row of the conflict matrices), ``licensetier:manifest``
  and ``licensetier:artifact`` (one per occurrence), ``licensetier:reason``.
- One ``file`` component per scanned file with a detected license (``bom-ref``
  ``file:<path>``), with its SHA-1 when the ``file_checksums`` option (by default the
  result's ``checksums``) gives one.
- ``dependencies``: each artifact depends on its direct dependencies; each transitive
  dependency is depended on by the last step of its chain (or by its artifact when
  that step is not among the dependencies). The chains are shortest paths, so this is
  a spanning tree of the real graph: only refs with known dependencies get an entry
  (CycloneDX reads an empty ``dependsOn`` as "depends on nothing", an absent entry as
  "unknown").
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from typing import Any

from licensetier.models import Artifact, Dependency, ScanResult, Weights
from licensetier.paths import owning_artifact
from licensetier.printable import printable, without_surrogates
from licensetier.reporters.mlbom import Dataset, Model, collect, header_license
from licensetier.reporters.spdx import (
    artifact_name,
    artifacts_of,
    chain_parents,
    checksums,
    convert_alone,
    created_timestamp,
    document_name,
    family_label,
    is_library,
    is_lockfile_or_config,
    package_key,
    pinned_version,
    representative,
    requirement_of,
    tool_version,
    unique_packages,
)

SPEC_VERSION = "1.6"
_SERIAL = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# SCOPE_ORDER: the least restrictive scope wins for a package met in several
_SCOPE = {"runtime": "required", "optional": "optional", "development": "excluded"}
_SCOPE_ORDER = {"required": 0, "optional": 1, "excluded": 2}


def licenses(expression: str | None, *, declared: bool) -> list[dict[str, Any]]:
    """A CycloneDX license choice for an SPDX expression (empty for none)."""
    converted = convert_alone(expression)
    if expression is None or converted is None:
        return []
    ack = {"acknowledgement": "declared"} if declared else {}
    if converted.faithful:
        return [{"expression": converted.expression, **ack}]
    return [{"license": {"name": expression, **ack}}]


def artifact_ref(path: str) -> str:
    return f"artifact:{printable(path)}"


def _property(name: str, value: str) -> dict[str, str]:
    return {"name": f"licensetier:{name}", "value": value}


def _artifact(a: Artifact, root: str) -> dict[str, Any]:
    component: dict[str, Any] = {
        "type": "library" if is_library(a) else "application",
        "bom-ref": artifact_ref(a.path),
    }
    if a.supplier:
        component["supplier"] = {"name": printable(a.supplier)}
    component["name"] = artifact_name(a, root)
    if a.version:
        component["version"] = printable(a.version)
    c = a.declared_classification
    described = _described(
        component,
        a.declared_license,
        artifact=a.path,
        kind=a.kind,
        tier=a.tier.value if a.tier else None,
        intended_license=a.intended_license,
        family=family_label(c),
        named_by=a.identity_source,
    )
    if a.copyrights:
        # CycloneDX's order: copyright after licenses; properties last is fine for JSON
        described["copyright"] = "\n".join(printable(line) for line in a.copyrights)
    return described


def _described(
    component: dict[str, Any], license_: str | None, **properties: str | None
) -> dict[str, Any]:
    """``component`` with its declared license and its ``licensetier:`` properties
    (those that are not None, in the order given)."""
    chosen = licenses(license_, declared=True)
    if chosen:
        component["licenses"] = chosen
    component["properties"] = [
        _property(name, value) for name, value in properties.items() if value
    ]
    return component


def _dependency(occurrences: list[Dependency]) -> dict[str, Any]:
    d = representative(occurrences)
    component: dict[str, Any] = {
        "type": "library",
        "bom-ref": package_key(d),
        "name": d.name,
    }
    version = pinned_version(d)
    if version:
        component["version"] = version
    component["scope"] = min(
        (_SCOPE.get(o.scope, "required") for o in occurrences), key=_SCOPE_ORDER.__getitem__
    )
    chosen = licenses(d.license, declared=True)
    if not chosen and d.license_raw:
        chosen = [{"license": {"name": d.license_raw, "acknowledgement": "declared"}}]
    if chosen:
        component["licenses"] = chosen
    if d.purl.startswith("pkg:"):
        component["purl"] = d.purl
    properties = [_property("license_source", d.license_source)]
    wanted = requirement_of(d)
    if wanted is not None:
        properties.append(_property("requirement", wanted))
        if d.requirement and d.version:
            properties.append(_property("version_chosen_online", d.version))
    family = family_label(d.classification)
    if family is not None:
        properties.append(_property("family", family))
    seen: set[tuple[str, str]] = set()
    for o in occurrences:
        if (o.artifact, o.manifest) not in seen:
            seen.add((o.artifact, o.manifest))
            properties.append(_property("manifest", o.manifest))
            properties.append(_property("artifact", o.artifact))
    if d.reason:
        properties.append(_property("reason", d.reason))
    component["properties"] = properties
    return component


def model_ref(key: str) -> str:
    return f"model:{printable(key)}"


_LFS_SHA256 = re.compile(r"^sha256:([0-9a-f]{64})$")


def _weights_file(model: str, w: Weights, sha1s: Mapping[str, str]) -> dict[str, Any]:
    """A weights or metadata file of a model, as a sub-component: its SHA-1 when the
    scan read it; for a Git LFS pointer, the SHA-256 of the weights the pointer names
    (the pointer's own SHA-1 would describe the pointer, not the weights)."""
    name = printable(w.path)
    # a metadata file shared by the checkpoints of a directory is a part of each
    component: dict[str, Any] = {"type": "file", "bom-ref": f"{model}:file:{name}", "name": name}
    pointer = w.lfs_pointer
    if pointer is not None:
        found = _LFS_SHA256.match(pointer)
        if found:
            component["hashes"] = [{"alg": "SHA-256", "content": found.group(1)}]
    elif w.path in sha1s:
        component["hashes"] = [{"alg": "SHA-1", "content": sha1s[w.path]}]
    said = header_license(w)
    chosen = licenses(said, declared=True)
    if not chosen and said:
        chosen = [{"license": {"name": said, "acknowledgement": "declared"}}]
    if chosen:
        component["licenses"] = chosen
    properties = [_property("format", w.format), _property("role", w.role)]
    if w.license_link:
        properties.append(_property("license_link", printable(w.license_link)))
    if pointer is not None:
        properties.append(_property("git_lfs_pointer", printable(pointer)))
    component["properties"] = properties
    return component


def _ancestor(m: Model, index: int) -> dict[str, Any]:
    base = m.base_models[index]
    component: dict[str, Any] = {
        "type": "machine-learning-model",
        "bom-ref": f"{model_ref(m.key)}:base:{printable(base.model)}",
        "name": base.model,  # printable (mlbom)
    }
    return _described(
        component,
        base.license,
        source=base.source,
        relation=base.relation,
        original=base.original,
    )


def _model(m: Model, sha1s: Mapping[str, str]) -> dict[str, Any]:
    """The machine-learning-model component of one artifact's model."""
    component: dict[str, Any] = {
        "type": "machine-learning-model",
        "bom-ref": model_ref(m.key),
        "name": m.name,  # printable (mlbom)
    }
    chosen = licenses(m.license, declared=True)
    if not chosen and m.license:
        chosen = [{"license": {"name": m.license, "acknowledgement": "declared"}}]
    if chosen:
        component["licenses"] = chosen
    if m.base_models:
        component["pedigree"] = {"ancestors": [_ancestor(m, i) for i in range(len(m.base_models))]}
    parameters: dict[str, Any] = {}
    if m.info is not None and m.info.task:
        parameters["task"] = printable(m.info.task)
    if m.architecture:
        parameters["modelArchitecture"] = m.architecture
    if m.datasets:
        parameters["datasets"] = [{"ref": key} for key in m.datasets]
    if parameters:
        component["modelCard"] = {"modelParameters": parameters}
    if m.files:
        component["components"] = [_weights_file(model_ref(m.key), w, sha1s) for w in m.files]
    properties = [_property("artifact", m.artifact)]
    if m.info is not None and m.info.card:
        properties.append(_property("card", printable(m.info.card)))
    if m.info is not None and m.info.library:
        properties.append(_property("library", printable(m.info.library)))
    properties.extend(_property("format", f) for f in m.formats)
    properties.extend(_property("license_source", path) for path in m.license_from)
    component["properties"] = properties
    return component


def _dataset(d: Dataset) -> dict[str, Any]:
    component: dict[str, Any] = {"type": "data", "bom-ref": d.key, "name": d.name}
    chosen = licenses(d.license, declared=True)
    if chosen:
        component["licenses"] = chosen
    data: dict[str, Any] = {"type": "dataset", "name": d.name}
    if re.match(r"^https?://\S+$", d.name):
        data["contents"] = {"url": d.name}
    component["data"] = [data]
    properties = []
    if d.non_commercial:
        properties.append(_property("non_commercial", "true"))
    if d.card:
        properties.append(_property("card", d.card))
    if d.artifact:
        properties.append(_property("artifact", d.artifact))
    properties.extend(_property("named_by", path) for path in d.named_by)
    if properties:
        component["properties"] = properties
    return component


def to_dict(
    result: ScanResult,
    *,
    created: object = None,
    serial_number: str | None = None,
    file_checksums: object = None,
) -> dict[str, Any]:
    """The BOM as a dict; no ``serialNumber`` unless given (:func:`render` derives it)."""
    sha1s = checksums(result.checksums if file_checksums is None else file_checksums)
    root_name = document_name(result.root)
    root_path = result.root
    artifacts = artifacts_of(result)
    known_artifacts = {a.path for a in artifacts}

    tools = [{"type": "application", "name": "licensetier", "version": tool_version()}]
    if "scancode_toolkit" in result.engine:
        tools.append(
            {
                "type": "library",
                "name": "scancode-toolkit",
                "version": result.engine["scancode_toolkit"],
            }
        )
    metadata: dict[str, Any] = {}
    if created is not None:
        metadata["timestamp"] = created_timestamp(created)
    metadata["tools"] = {"components": tools}
    root = next(a for a in artifacts if a.path == ".")
    metadata["component"] = _artifact(root, root_path)
    if "license_db" in result.engine:
        metadata["properties"] = [_property("license_db", result.engine["license_db"])]

    components = [_artifact(a, root_path) for a in artifacts if a.path != "."]
    grouped = unique_packages(result.dependencies)
    components.extend(_dependency(occurrences) for occurrences in grouped.values())

    models, datasets = collect(result, root_name)
    components.extend(_model(m, sha1s) for m in models)
    components.extend(_dataset(d) for d in datasets)
    for f in sorted(result.files, key=lambda f: f.path):
        chosen = licenses(f.license_spdx, declared=False)
        if not chosen or is_lockfile_or_config(f.path):
            continue  # a lockfile's licenses are its packages', the config's are policy
        name = printable(f.path)  # a name that is not UTF-8 or holds control characters
        component: dict[str, Any] = {"type": "file", "bom-ref": f"file:{name}", "name": name}
        if f.path in sha1s:
            component["hashes"] = [{"alg": "SHA-1", "content": sha1s[f.path]}]
        component["licenses"] = chosen
        properties = [_property("artifact", owning_artifact(f.path, artifacts).path)]
        family = family_label(f.classification)
        if family is not None:
            properties.append(_property("family", family))
        if f.classification is not None and f.classification.not_a_license_of_use:
            properties.append(_property("category", f.classification.category))
        component["properties"] = properties
        components.append(component)

    graph: dict[str, dict[str, None]] = {}
    for m in models:
        if m.datasets:  # trained on (CycloneDX has no finer word for it)
            graph[model_ref(m.key)] = dict.fromkeys(m.datasets)
    for d, puller in zip(result.dependencies, chain_parents(result.dependencies), strict=True):
        if puller is not None:
            source = package_key(puller)
        else:
            source = artifact_ref(d.artifact if d.artifact in known_artifacts else ".")
        graph.setdefault(source, {})[package_key(d)] = None

    bom: dict[str, Any] = {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
    }
    if serial_number is not None:
        bom["serialNumber"] = serial_number
    bom["version"] = 1
    bom["metadata"] = metadata
    bom["components"] = components
    order = [artifact_ref(a.path) for a in artifacts] + [model_ref(m.key) for m in models]
    order += list(grouped)
    bom["dependencies"] = [
        {"ref": ref, "dependsOn": list(graph[ref])} for ref in order if ref in graph
    ]
    return bom


def _dumps(bom: Mapping[str, Any]) -> str:
    return json.dumps(without_surrogates(bom), indent=2, ensure_ascii=False) + "\n"


def render(
    result: ScanResult,
    *,
    created: object = None,
    serial_number: object = None,
    file_checksums: object = None,
    **_options: object,
) -> str:
    """The CycloneDX 1.6 JSON BOM of ``result``.

    ``created``: the BOM's timestamp (``YYYY-MM-DDThh:mm:ssZ`` or an aware datetime;
    default: none). ``serial_number``: ``urn:uuid:...`` (default: derived from the
    content). ``file_checksums``: path -> SHA-1 of the scanned files."""
    if serial_number is not None and not (
        isinstance(serial_number, str) and _SERIAL.match(serial_number)
    ):
        raise ValueError(f"serial_number: expected urn:uuid:<uuid>, got {serial_number!r}")
    bom = to_dict(
        result, created=created, serial_number=serial_number, file_checksums=file_checksums
    )
    if serial_number is None:
        digest = hashlib.sha256(_dumps(bom).encode()).hexdigest()
        serial = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'licensetier:bom:{digest}')}"
        bom = {
            **{k: v for k, v in bom.items() if k in ("$schema", "bomFormat", "specVersion")},
            "serialNumber": serial,
            **{k: v for k, v in bom.items() if k not in ("$schema", "bomFormat", "specVersion")},
        }
    return _dumps(bom)
