"""licensetier.detect.plugin_compat: ScanCode's plugin modules under pluggy 1.6+."""

from __future__ import annotations

import subprocess
import sys
import types

import pluggy
import pytest

from licensetier.detect import plugin_compat


@pytest.mark.parametrize(
    ("version", "needed"),
    [("1.5.0", False), ("1.6.0", True), ("1.7.0", True), ("2.0.0rc1", True), ("1", False)],
)
def test_the_releases_that_need_it(version: str, needed: bool) -> None:
    assert plugin_compat.needs_compat(version) is needed


def test_the_plugin_modules_get_the_subclass_and_nothing_else_does() -> None:
    # import in a fresh interpreter: this one has imported them already
    code = (
        "import licensetier, pluggy, plugincode, plugincode.location_provider as lp\n"
        "print(type(lp.location_provider_plugins.manager).__name__,"
        " pluggy.PluginManager.__name__, plugincode.PluggyPluginManager.__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    manager, public, bound = done.stdout.split()
    assert public == "PluginManager"  # pluggy's own name, restored after the import
    if plugin_compat.needs_compat(pluggy.__version__):
        assert manager == bound == "ClassSpecsAccepted"
    else:
        assert manager == bound == "PluginManager"


def test_a_module_without_any_spec_is_still_refused() -> None:
    subclass = plugin_compat._subclass()
    if subclass is None:
        pytest.skip("pluggy < 1.6 refuses it itself")
    empty = types.ModuleType("empty")
    with pytest.raises(ValueError, match="did not find any"):
        subclass("empty").add_hookspecs(empty)


def test_class_specs_are_accepted() -> None:
    subclass = plugin_compat._subclass()
    if subclass is None:
        pytest.skip("pluggy < 1.6 accepts them itself")
    module = types.ModuleType("specs")

    @pluggy.HookspecMarker("specs")
    class Spec:
        pass

    module.Spec = Spec  # type: ignore[attr-defined]
    manager = subclass("specs")
    manager.add_hookspecs(module)
    assert plugin_compat._class_specs(module, "specs_spec") == ["Spec"]
