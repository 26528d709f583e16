"""Imports flow one way: core's building blocks ← the apps ← the project's wiring.

core/errors.py, logs.py, health.py… are leaves every app may use; only the
wiring (settings, urls, asgi, wsgi) names the apps. A cycle here is how a helper
module ends up importing half the project at start-up.
"""

import re
from pathlib import Path

import core

WIRING = {"settings.py", "urls.py", "asgi.py", "wsgi.py"}
APPS = ("images", "realtime")


def test_cores_building_blocks_import_no_app():
    pattern = re.compile(rf"^\s*(from|import)\s+({'|'.join(APPS)})\b", re.MULTILINE)
    importing = [
        path.name
        for path in Path(core.__file__).parent.glob("*.py")
        if path.name not in WIRING and pattern.search(path.read_text())
    ]

    assert importing == []
