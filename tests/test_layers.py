"""Imports flow one way: core's building blocks ← the apps ← the project's wiring;
and every middleware can run in the async mode the servers call it in.

core/errors.py, logs.py, health.py… are leaves every app may use; only the
wiring (settings, urls, asgi, wsgi) names the apps. A cycle here is how a helper
module ends up importing half the project at start-up.
"""

import re
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

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


def test_every_middleware_can_run_async():
    """One sync-only middleware puts every async view behind a thread and back
    (async_to_sync), a thread hop per request, and an aborted request then left
    the bridge's executor behind for request_finished: an ERROR under daphne."""
    sync_only = [
        path for path in settings.MIDDLEWARE
        if not getattr(import_string(path), "async_capable", False)
    ]

    assert sync_only == []
