"""nginx with the project's own templates in front of a real app server, for tests.

bench/nginx.py renders deploy/nginx/templates/*.template as the nginx image's
entrypoint does and runs nginx in a private prefix; the tests reuse it rather
than keep a second copy of that logic. Skips (with the reason) where nginx or
envsubst is missing; CI installs both (.ci/run).
"""

import contextlib
import importlib.util
import shutil
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.live_server import LiveServer

BENCH = Path(settings.BASE_DIR) / "bench"

needs_nginx = pytest.mark.skipif(
    shutil.which("envsubst") is None
    or (shutil.which("nginx") is None
        and not any(Path(p).exists() for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx"))),
    reason="needs nginx and envsubst (apt-get install nginx-light gettext-base)",
)


def bench_module(name: str):
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


@contextlib.contextmanager
def nginx_in_front(root: Path, **app_settings):
    """(nginx's base URL, the app's LiveServer): media on disk, as in compose."""
    nginx, lib = bench_module("nginx"), bench_module("lib")
    procs = lib.Processes(root / "logs")
    with LiveServer(root / "app", **app_settings) as app:
        try:
            front = nginx.Nginx(
                procs, root, upstream=f"127.0.0.1:{app.port}", media=app.media,
                static=root / "static", plain=root,
                max_upload=int(app_settings.get("MAX_UPLOAD_SIZE", settings.MAX_UPLOAD_SIZE)),
            )
            yield f"http://127.0.0.1:{front.port}", app
        finally:
            procs.stop_all()
