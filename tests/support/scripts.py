"""The benchmark scripts (scripts/*.py) as modules, for the tests that guard them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def load_script(name: str, monkeypatch) -> ModuleType:
    """scripts/<name>.py as a module; its sibling `measure` is found as when the script runs as
    a file, and the module is registered under its name (dataclasses look their module up)."""
    monkeypatch.syspath_prepend(str(SCRIPTS))
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module
