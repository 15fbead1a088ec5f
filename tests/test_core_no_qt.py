"""The core knows nothing of Qt (DESIGN §1): importing all of it must not load PySide6."""

from __future__ import annotations

import json
import subprocess
import sys

_PROBE = """
import json, pkgutil, sys, importlib
import citelib

imported = []
for info in pkgutil.walk_packages(citelib.__path__, "citelib."):
    if info.name == "citelib.gui" or info.name.startswith("citelib.gui."):
        continue
    if info.name == "citelib.__main__":  # runs the app when imported
        continue
    importlib.import_module(info.name)
    imported.append(info.name)
qt = sorted(m for m in sys.modules if m == "PySide6" or m.startswith(("PySide6.", "shiboken")))
print(json.dumps({"imported": imported, "qt": qt}))
"""


def test_the_core_imports_without_qt() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    imported = set(result["imported"])
    # the walk really covered the core, not just the top package
    assert {
        "citelib.model",
        "citelib.search",
        "citelib.check",
        "citelib.backup",
        "citelib.cli",
        "citelib.library.service",
        "citelib.library.history",
        "citelib.store.database",
        "citelib.store.sqlite",
        "citelib.store.schema",
    } <= imported
    assert result["qt"] == []
