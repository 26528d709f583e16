"""Every connection the server hands us starts from a clean context.

Django runs each HTTP request inside asgiref's `ThreadSensitiveContext`: the
request's sync code (views, middleware, the ORM) runs on one thread made for
that request, so the request's database connection lives on that thread, and
`request_finished` closes it there. But a `ThreadSensitiveContext` that finds
one already set in its `contextvars` context reuses it instead of opening its own.

daphne starts the application for the next request on a keep-alive connection
from a Twisted callback that can still carry the previous request's context
(after a streamed response, such as `/image/<id>`). The next request then
borrowed a dead request's thread: its connection was opened on one thread and
"closed" on another, so it never went back to the pool. Ten such requests
emptied the default pool and every later request waited 5 s and answered 503,
until a restart (tests/test_connection_pool.py reproduces it from outside).

Running each connection in a new, empty context makes the server's bookkeeping
irrelevant: nothing of an earlier request can reach a later one.
"""

import asyncio
import contextvars


class OwnContext:
    """ASGI middleware: run the application in a fresh `contextvars.Context`."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        task = asyncio.get_running_loop().create_task(
            self.app(scope, receive, send), context=contextvars.Context()
        )
        # Awaiting the task (not shielding it) passes a cancellation by the
        # server on to the application, as a direct call would.
        return await task
