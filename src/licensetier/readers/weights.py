"""Model weights and model metadata, read as data: headers only, with hard bounds.

======================  ==========================================================
``*.safetensors``       the 8-byte little-endian header length, then the JSON header
                        (at most :data:`MAX_SAFETENSORS_HEADER` bytes, never more
                        than the file holds); its ``__metadata__`` string map
``*.gguf``              magic ``GGUF``, version 2 or 3, the tensor and key-value
                        counts, then the key-value section only (every string and
                        array length bounded, at most :data:`MAX_GGUF_KV_BYTES` in
                        all); ``general.*`` scalars are kept, arrays (the tokenizer's
                        vocabulary) are skipped by seeking, tensors are never read
``adapter_config.json`` PEFT: ``base_model_name_or_path``
``config.json``         transformers (read beside weights only): ``_name_or_path``,
                        ``architectures``, ``model_type``
``model_index.json``    diffusers: ``_class_name``, ``_name_or_path``
``*.pt`` ``*.pth``      recognised by name only: never opened, unpickled or loaded
``*.ckpt`` ``*.onnx``   (a ``*.bin`` counts as weights when its name says so,
``*.h5`` ``*.keras``    ``pytorch_model*.bin``..., or when a model's ``config.json``,
``*.msgpack``           ``adapter_config.json`` or ``model_index.json`` sits beside it)
``*.tflite`` ``*.bin``
======================  ==========================================================

Every file is opened through :mod:`licensetier.fs` (never through a link out of the
root, regular files only). A header that claims more than its bound or than the file
holds, that is truncated, or that is not what the extension says is a
:class:`WeightsError` naming the reason; the caller reports it as a scan problem and
goes on.
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from licensetier import formats, fs
from licensetier.errors import ManifestError
from licensetier.models import HEADER_FORMATS, LFS_POINTER, ScanError, Weights

MAX_SAFETENSORS_HEADER = 100 * 1024 * 1024  # the format's own limit (safetensors' Rust crate)
MAX_GGUF_KV_BYTES = 64 * 1024 * 1024  # the key-value section; a 128k vocabulary is ~3 MB
MAX_GGUF_KEY = 64 * 1024  # one key's length
MAX_GGUF_KEPT_STRING = 64 * 1024  # a string value that is kept (longer ones are skipped)
MAX_GGUF_ARRAY_DEPTH = 4  # arrays of arrays
MAX_KEPT_METADATA = 256  # entries of the metadata map kept per file
MAX_KEPT_VALUE = 1024  # characters of each kept value
MAX_CONFIG_BYTES = 4 * 1024 * 1024  # config.json and friends

# -- the table of weights files --------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    pattern: str  # the whole file name, case-insensitive
    format: str  # as reported in weights[].format

    @property
    def header(self) -> bool:
        """Its header is read (:data:`licensetier.models.HEADER_FORMATS`)."""
        return self.format in HEADER_FORMATS


WEIGHTS_FILES: tuple[Kind, ...] = (
    # model.safetensors, model-00001-of-00004.safetensors
    Kind(r".+\.safetensors", "safetensors"),
    # llama-3-8b.Q4_K_M.gguf
    Kind(r".+\.gguf", "gguf"),
    # model.pt, model.pth (pickles: never opened)
    Kind(r".+\.(?:pt|pth)", "pytorch"),
    # model.ckpt
    Kind(r".+\.ckpt", "checkpoint"),
    # model.onnx
    Kind(r".+\.onnx", "onnx"),
    # tf_model.h5, model.keras
    Kind(r".+\.(?:h5|keras)", "keras"),
    # flax_model.msgpack
    Kind(r".+\.msgpack", "flax"),
    # model.tflite
    Kind(r".+\.tflite", "tensorflow-lite"),
    # pytorch_model.bin, pytorch_model-00001-of-00002.bin, adapter_model.bin,
    # diffusion_pytorch_model.bin (any other *.bin only beside a model's config)
    Kind(
        r"(?:pytorch_model|adapter_model|diffusion_pytorch_model|tf_model|model)"
        r"(?:[-.][^/]*)?\.bin",
        "pytorch",
    ),
)

# metadata files: name -> format
METADATA_FILES = {
    "adapter_config.json": "peft-adapter-config",
    "model_index.json": "diffusers-model-index",
    "config.json": "transformers-config",
}
_MODEL_CONFIGS = frozenset(METADATA_FILES)
# DOTALL: a file name may hold a newline (git allows it)
_NAME_FLAGS = re.IGNORECASE | re.DOTALL
_ANY_BIN = re.compile(r".+\.bin", _NAME_FLAGS)
# any *.bin beside a model's configuration file (adapter_config.json, config.json...)
_BESIDE_A_CONFIG = Kind(r".+\.bin", "pytorch")


class WeightsError(Exception):
    """A weights or metadata file that cannot be read as what its name says."""


_ANY_WEIGHTS = re.compile("|".join(f"(?:{k.pattern})" for k in WEIGHTS_FILES), _NAME_FLAGS)


def weights_format(name: str) -> Kind | None:
    """The row of a file name, or None when it is no weights file by name alone."""
    if not _ANY_WEIGHTS.fullmatch(name):
        return None
    for kind in WEIGHTS_FILES:
        if re.fullmatch(kind.pattern, name, _NAME_FLAGS):
            return kind
    return None


def candidates(paths: Iterable[str]) -> list[tuple[str, str]]:
    """``(path, format)`` of the weights and metadata files among ``paths`` (POSIX,
    relative to the root), in path order. A ``config.json`` counts only beside
    weights; any ``*.bin`` beside a model's configuration file."""
    paths = sorted(set(paths))
    directories: dict[str, set[str]] = {}
    for p in paths:
        pp = PurePosixPath(p)
        directories.setdefault(str(pp.parent), set()).add(pp.name)
    kinds: dict[str, Kind] = {}
    for p in paths:
        pp = PurePosixPath(p)
        kind = weights_format(pp.name)
        beside_a_config = bool(directories[str(pp.parent)] & _MODEL_CONFIGS)
        if kind is None and beside_a_config and _ANY_BIN.fullmatch(pp.name):
            kind = _BESIDE_A_CONFIG
        if kind is not None:
            kinds[p] = kind
    with_weights = {str(PurePosixPath(p).parent) for p in kinds}
    out: list[tuple[str, str]] = []
    for p in paths:
        pp = PurePosixPath(p)
        if p in kinds:
            out.append((p, kinds[p].format))
        elif pp.name in METADATA_FILES and (
            pp.name != "config.json" or str(pp.parent) in with_weights
        ):
            out.append((p, METADATA_FILES[pp.name]))
    return out


# -- safetensors -----------------------------------------------------------------------


def _size(handle: BinaryIO) -> int:
    return os.fstat(handle.fileno()).st_size


def _exactly(handle: BinaryIO, count: int, what: str) -> bytes:
    data = handle.read(count)
    if len(data) != count:
        raise WeightsError(
            f"truncated: {what} needs {count} bytes, the file ends after {len(data)}"
        )
    return data


def read_safetensors(handle: BinaryIO) -> dict[str, Any]:
    """The JSON header of a safetensors file (the tensors are never read)."""
    size = _size(handle)
    if size < 8:
        raise WeightsError(
            f"truncated: {size} bytes, a safetensors file starts with an 8-byte header length"
        )
    (length,) = struct.unpack("<Q", _exactly(handle, 8, "the header length"))
    if length > MAX_SAFETENSORS_HEADER:
        raise WeightsError(
            f"the header length claims {length} bytes, more than the "
            f"{MAX_SAFETENSORS_HEADER} bytes a safetensors header may have: not read"
        )
    if length > size - 8:
        raise WeightsError(
            f"truncated: the header length claims {length} bytes, the file holds "
            f"{size - 8} after it"
        )
    raw = _exactly(handle, length, "the header")
    try:
        header = formats.load_json(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise WeightsError(f"not a safetensors file: its header is not JSON ({exc})") from None
    if not isinstance(header, dict):
        raise WeightsError(
            f"not a safetensors file: its header is {formats.kind_of(header)}, not an object"
        )
    return header


# -- GGUF ------------------------------------------------------------------------------

_GGUF_FIXED = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_GGUF_FORMAT = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
                10: "<Q", 11: "<q", 12: "<d"}  # fmt: skip
_STRING, _ARRAY = 8, 9
_HUB_URL = re.compile(r"^https?://(?:www\.)?huggingface\.co/(?:datasets/)?", re.IGNORECASE)


class _Cursor:
    """Reads a GGUF key-value section: never past the file's end nor the bound."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.size = _size(handle)
        self.at = 0

    def _room(self, count: int, what: str) -> None:
        if self.at + count > MAX_GGUF_KV_BYTES:
            raise WeightsError(
                f"{what} at offset {self.at} claims {count} bytes, beyond the "
                f"{MAX_GGUF_KV_BYTES}-byte bound of the key-value section: not read"
            )
        if self.at + count > self.size:
            raise WeightsError(
                f"truncated: {what} at offset {self.at} claims {count} bytes, the file "
                f"holds {self.size - self.at} after it"
            )

    def take(self, count: int, what: str) -> bytes:
        self._room(count, what)
        data = _exactly(self.handle, count, what)
        self.at += count
        return data

    def skip(self, count: int, what: str) -> None:
        self._room(count, what)
        self.handle.seek(count, os.SEEK_CUR)
        self.at += count

    def number(self, fmt: str, what: str) -> Any:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), what))[0]

    def string(self, what: str, keep: int) -> str | None:
        """A string; None (skipped, not read) when it is longer than ``keep``."""
        length = self.number("<Q", f"the length of {what}")
        if length > keep:
            self.skip(length, what)
            return None
        return self.take(length, what).decode("utf-8", errors="replace")


def _gguf_value(cur: _Cursor, vtype: int, key: str, depth: int = 0) -> Any:
    """A value (a string or a number), or None when it is skipped (arrays, long strings)."""
    if vtype in _GGUF_FORMAT:
        return cur.number(_GGUF_FORMAT[vtype], f"the value of {key}")
    if vtype == _STRING:
        return cur.string(f"the value of {key}", MAX_GGUF_KEPT_STRING)
    if vtype == _ARRAY:
        if depth >= MAX_GGUF_ARRAY_DEPTH:
            raise WeightsError(f"{key}: arrays nested more than {MAX_GGUF_ARRAY_DEPTH} deep")
        etype = cur.number("<I", f"the element type of {key}")
        count = cur.number("<Q", f"the length of {key}")
        if etype in _GGUF_FIXED:
            cur.skip(count * _GGUF_FIXED[etype], f"the array {key}")
        elif etype == _STRING:
            for _ in range(count):
                cur.skip(cur.number("<Q", f"a string length in {key}"), f"a string in {key}")
        elif etype == _ARRAY:
            for _ in range(count):
                _gguf_value(cur, _ARRAY, key, depth + 1)
        else:
            raise WeightsError(f"{key}: unknown array element type {etype}")
        return None
    raise WeightsError(f"{key}: unknown value type {vtype}")


def read_gguf(handle: BinaryIO) -> dict[str, Any]:
    """The key-value pairs of a GGUF file's header whose values are scalars (arrays are
    skipped; the tensor infos and tensors are never read)."""
    cur = _Cursor(handle)
    if cur.size < 4 or handle.read(4) != b"GGUF":
        raise WeightsError("not a GGUF file: it does not start with the magic 'GGUF'")
    cur.at = 4
    version = cur.number("<I", "the version")
    if version not in (2, 3):
        raise WeightsError(f"GGUF version {version}: only versions 2 and 3 are read")
    cur.number("<Q", "the tensor count")
    kv_count = cur.number("<Q", "the key-value count")
    values: dict[str, Any] = {}
    for index in range(kv_count):
        key = cur.string(f"key {index}", MAX_GGUF_KEY)
        if key is None:
            raise WeightsError(f"key {index} is longer than {MAX_GGUF_KEY} bytes")
        vtype = cur.number("<I", f"the type of {key}")
        value = _gguf_value(cur, vtype, key)
        if value is not None:
            values[key] = value
    return values


# -- what is kept ----------------------------------------------------------------------


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text[:MAX_KEPT_VALUE]


def _kept(pairs: Iterable[tuple[str, Any]]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k[:MAX_KEPT_VALUE], _text(v)) for k, v in pairs))[:MAX_KEPT_METADATA]


def _first(values: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = values.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:MAX_KEPT_VALUE]
    return None


def _split(value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(v.strip() for v in value.split(",") if v.strip())


def _from_safetensors(path: str, header: dict[str, Any]) -> Weights:
    meta = header.get("__metadata__")
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise WeightsError(f"__metadata__ is {formats.kind_of(meta)}, not an object")
    strings = {k: v for k, v in meta.items() if isinstance(k, str) and isinstance(v, str)}
    return Weights(
        path=path,
        format="safetensors",
        license=_first(strings, "license", "license_name"),
        license_name=_first(strings, "license_name"),
        license_link=_first(strings, "license_link", "license_url"),
        base_models=_split(_first(strings, "base_model", "base_model_name_or_path")),
        metadata=_kept(strings.items()),
    )


def _gguf_list(values: dict[str, Any], prefix: str, fields: tuple[str, ...]) -> tuple[str, ...]:
    count = values.get(f"{prefix}.count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        return ()
    out: list[str] = []
    for i in range(min(count, MAX_KEPT_METADATA)):
        for field in fields:
            value = _first(values, f"{prefix}.{i}.{field}")
            if value:
                out.append(_HUB_URL.sub("", value).rstrip("/") if field == "repo_url" else value)
                break
    return tuple(out)


def _from_gguf(path: str, values: dict[str, Any]) -> Weights:
    return Weights(
        path=path,
        format="gguf",
        license=_first(values, "general.license", "general.license.name"),
        license_name=_first(values, "general.license.name"),
        license_link=_first(values, "general.license.link"),
        base_models=_gguf_list(values, "general.base_model", ("repo_url", "organization", "name")),
        datasets=_gguf_list(values, "general.dataset", ("repo_url", "organization", "name")),
        metadata=_kept((k, v) for k, v in values.items() if k.startswith("general.")),
    )


def _from_config(path: str, fmt: str, data: Any) -> Weights:
    if not isinstance(data, dict):
        raise WeightsError(f"expected a JSON object, got {formats.kind_of(data)}")
    keys = {
        "peft-adapter-config": ("base_model_name_or_path", "peft_type", "task_type"),
        "transformers-config": ("_name_or_path", "architectures", "model_type"),
        "diffusers-model-index": ("_class_name", "_name_or_path", "_diffusers_version"),
    }[fmt]
    kept = {k: data[k] for k in keys if k in data}
    base = _first(data, "base_model_name_or_path", "_name_or_path")
    return Weights(
        path=path,
        format=fmt,
        role="metadata",
        base_models=(base,) if base and fmt != "diffusers-model-index" else (),
        metadata=_kept(
            (k, ", ".join(map(str, v)) if isinstance(v, list) else v) for k, v in kept.items()
        ),
    )


_LFS_PREFIX = b"version https://git-lfs.github.com/spec/"
_LFS_LINE = re.compile(rb"^(oid|size) ([^\s]{1,200})$", re.MULTILINE)
MAX_LFS_POINTER = 1024  # the spec: a pointer is below 1024 bytes


def _lfs_pointer(handle: BinaryIO) -> tuple[tuple[str, str], ...] | None:
    """A Git LFS pointer (a repository cloned without its LFS objects) in place of the
    weights: its ``oid`` and ``size``; None for anything else. The handle is left at
    the start of the file."""
    head = handle.read(MAX_LFS_POINTER + 1)
    handle.seek(0)
    if not head.startswith(_LFS_PREFIX) or len(head) > MAX_LFS_POINTER:
        return None
    found = {
        m.group(1).decode(): m.group(2).decode("ascii", "replace") for m in _LFS_LINE.finditer(head)
    }
    return ((LFS_POINTER, found.get("oid", "")), ("git_lfs_size", found.get("size", "")))


def read_one(root: Path, path: str, fmt: str) -> Weights:
    """What one weights or metadata file says (:class:`WeightsError`, or ``OSError``
    for a file :mod:`licensetier.fs` refuses)."""
    if fmt in HEADER_FORMATS:
        with fs.open_binary(root / path, root) as handle:
            pointer = _lfs_pointer(handle)
            if pointer is not None:
                return Weights(path=path, format=fmt, metadata=pointer)
            if fmt == "safetensors":
                return _from_safetensors(path, read_safetensors(handle))
            return _from_gguf(path, read_gguf(handle))
    if fmt in METADATA_FILES.values():
        try:
            text = formats.read_text(root / path, path, MAX_CONFIG_BYTES, base=root)
            data = formats.parse_json(text, path)
        except ManifestError as exc:
            raise WeightsError(str(exc)) from None
        return _from_config(path, fmt, data)
    fs.locate(root / path, root)  # a link out is refused, never opened
    return Weights(path=path, format=fmt)


def read_weights(root: Path, paths: Iterable[str]) -> tuple[list[Weights], list[ScanError]]:
    """The weights and metadata files among ``paths`` below ``root``, each read as far
    as its header; a file that cannot be is a scan problem, and the others are read."""
    found: list[Weights] = []
    problems: list[ScanError] = []
    for path, fmt in candidates(paths):
        try:
            found.append(read_one(root, path, fmt))
        except WeightsError as exc:
            problems.append(ScanError(path, f"{fmt} header not read: {exc}"))
        except OSError as exc:
            problems.append(ScanError(path, f"{fmt} header not read: {fs.reason(exc)}"))
    return found, problems
