"""licensetier: license compliance against the tier each artifact is meant to have."""

from __future__ import annotations

from licensetier.detect import plugin_compat as _plugin_compat

# ScanCode's plugin modules load under pluggy 1.6+ too (imports nothing of ScanCode)
_plugin_compat.install()


def __getattr__(name: str) -> str:
    # looked up on use: importlib.metadata costs every run 40 ms at import
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("licensetier")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            return "0.0.0"
    raise AttributeError(name)
