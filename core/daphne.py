"""Tuning for daphne, the ASGI server, applied when core.asgi is loaded.

daphne builds on Twisted's `http.Request`, which parses every multipart POST
body into `request.args` before daphne hands the raw body to the application
— which never looks at them. That parse copies the whole upload in memory and
runs the `email` package over it on the event loop, so every other request and
WebSocket of the process waits for it. Twisted's documented switch,
`parsePOSTFormSubmission=False`, turns it off. Measured with `make bench`:
a 5 MB JPEG upload 2.30× → 1.52× of the bare service cost; eight 20 MB
uploads at once peak at ~220 MB above idle instead of ~530 MB
(docs/performance.md).
"""

from functools import wraps

from daphne.http_protocol import WebRequest


def skip_twisted_form_parsing():
    if getattr(WebRequest.__init__, "skips_form_parsing", False):
        return
    original = WebRequest.__init__

    @wraps(original)
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("parsePOSTFormSubmission", False)
        original(self, *args, **kwargs)

    __init__.skips_form_parsing = True
    WebRequest.__init__ = __init__
