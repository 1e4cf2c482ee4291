"""licensetier: license compliance against the tier each artifact is meant to have."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("licensetier")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"
