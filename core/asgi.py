"""ASGI entry point: HTTP to Django, WebSocket to the realtime consumers.

Django's ASGI application is built first so the app registry is ready before
the routing (which imports consumers and models) is loaded. Every connection
runs in a context of its own (core.contexts explains the pool leak that
prevents).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from core.contexts import OwnContext  # noqa: E402
from core.daphne import skip_twisted_form_parsing  # noqa: E402
from images.expiry import start_sweeper  # noqa: E402
from images.limits import BodySizeLimitMiddleware  # noqa: E402
from images.uploads import clear_temp_dir  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

skip_twisted_form_parsing()
# Nothing of this process is in flight yet: whatever is there was left by a
# server that died mid-upload.
clear_temp_dir()
# Every server process deletes expired images itself (EXPIRY_SWEEP_SECONDS):
# `make run` and each compose replica alike, with nothing else to run.
start_sweeper()

application = OwnContext(
    ProtocolTypeRouter(
        {
            "http": BodySizeLimitMiddleware(django_asgi_app),
            # No session or user middleware: the gallery socket is public and
            # keeps nothing per client but its origin (docs/realtime.md).
            "websocket": AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns)),
        }
    )
)
