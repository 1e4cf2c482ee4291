"""ScanCode's plugin managers under pluggy 1.6 and later.

ScanCode 32.5's ``plugincode`` (and ``licensedcode.additional_license_location_provider``)
declare their hook specifications as *classes* decorated with a ``HookspecMarker``
(``LocationProviderPlugin``, ``ScanPlugin``, ...) and hand the module holding them to
``PluginManager.add_hookspecs``. Up to pluggy 1.5 a hook specification was whatever
attribute carried the marker; from 1.6 pluggy looks only at functions and methods
(``inspect.getattr_static``), finds no specification in those modules and raises
``ValueError: did not find any 'plugincode.location_provider' hooks``. The module
``plugincode.location_provider`` builds its manager when it is imported, and it is
imported by everything that reads a file (``typecode`` -> ``extractcode``), unpickling
ScanCode's license index included: licensetier could not detect anything.

The classes are not hooks that ScanCode ever calls: its managers only list the plugin
classes registered under their entry points. :class:`ClassSpecsAccepted` (made by
:func:`_subclass`) is pluggy's ``PluginManager`` with one difference: ``add_hookspecs``
accepts a module whose only specifications are such classes instead of raising.
:func:`install` makes the three ScanCode modules that create plugin managers create it:
while one of them is being imported, and only then, ``pluggy.PluginManager`` is the
subclass (their ``from pluggy import PluginManager`` binds it for good). Nothing else
that uses pluggy in the process (pytest, for one) sees a difference. With pluggy
below 1.6 nothing is changed.

:func:`install` only puts a finder on ``sys.meta_path``: it imports nothing (ScanCode's
modules are imported when first used, as before).
"""

from __future__ import annotations

import importlib.machinery
import sys
import threading
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importlib.abc import Loader as _LoaderBase
    from importlib.abc import MetaPathFinder as _FinderBase
else:
    # the import system only calls these methods; importlib.abc would import
    # importlib.resources (25 ms of every run, a commit hook's included)
    _LoaderBase = _FinderBase = object

# The modules of ScanCode 32.5 that call PluginManager.add_hookspecs on a module whose
# specifications are classes.
PLUGIN_MODULES = frozenset(
    {
        "plugincode",
        "plugincode.location_provider",
        "licensedcode.additional_license_location_provider",
    }
)

_lock = threading.Lock()


def needs_compat(version: str) -> bool:
    """Whether this pluggy release ignores hook specifications that are classes (1.6+)."""
    parts: list[int] = []
    for part in version.split(".")[:2]:
        digits = "".join(c for c in part if c.isdigit())
        parts.append(int(digits) if digits else 0)
    while len(parts) < 2:
        parts.append(0)
    return (parts[0], parts[1]) >= (1, 6)


def _subclass() -> type[Any] | None:
    import pluggy

    if not needs_compat(str(getattr(pluggy, "__version__", "0"))):
        return None
    base: type[Any] = pluggy.PluginManager

    class ClassSpecsAccepted(base):  # type: ignore[misc]
        """A PluginManager that accepts a module whose hook specifications are
        classes carrying the spec marker, as pluggy 1.5 did."""

        def add_hookspecs(self, module_or_class: Any) -> None:
            try:
                super().add_hookspecs(module_or_class)
            except ValueError:
                if not _class_specs(module_or_class, self.project_name + "_spec"):
                    raise

    return ClassSpecsAccepted


def _class_specs(namespace: Any, marker: str) -> list[str]:
    """The names of the classes in ``namespace`` that carry the spec marker."""
    return [
        name
        for name, value in vars(namespace).items()
        if isinstance(value, type) and isinstance(getattr(value, marker, None), dict)
    ]


class _Loader(_LoaderBase):
    """Runs a ScanCode plugin module with ``pluggy.PluginManager`` set to the subclass."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        created: ModuleType | None = self._loader.create_module(spec)
        return created

    def exec_module(self, module: ModuleType) -> None:
        subclass = _subclass()
        if subclass is None:
            self._loader.exec_module(module)
            return
        import pluggy

        with _lock:
            original = pluggy.PluginManager
            pluggy.PluginManager = subclass  # type: ignore[misc]
            try:
                self._loader.exec_module(module)
            finally:
                pluggy.PluginManager = original  # type: ignore[misc]

    def __getattr__(self, name: str) -> Any:
        # get_resource_reader, get_source, ...: the wrapped loader's
        return getattr(self._loader, name)


class _Finder(_FinderBase):
    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in PLUGIN_MODULES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _Loader(spec.loader)
        return spec


def install() -> None:
    """Make ScanCode's plugin modules load under any pluggy (idempotent)."""
    if any(isinstance(finder, _Finder) for finder in sys.meta_path):
        return
    sys.meta_path.insert(0, _Finder())


if __name__ == "__main__":
    # ScanCode's own CLI under any pluggy, for the tests and benchmarks that compare
    # with it: ``python -m licensetier.detect.plugin_compat --license ...`` (its console
    # script, ``scancode``, fails to start under pluggy 1.6+)
    install()
    from scancode.cli import scancode

    scancode()
