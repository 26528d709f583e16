"""Log lines: one per request, as text or JSON (LOG_FORMAT), never forgeable.

Request paths, file names and header values come from clients. A newline in
one (`/x%0a2026-01-01 INFO fake line`) must not start a line of its own, so
the console format escapes control characters in every message; JSON escapes
them by nature. Tracebacks, which are ours, keep their lines.
"""

import json
import logging
import re
import time

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

request_logger = logging.getLogger("live_gallery.request")

# C0 and C1 controls and Unicode's line/paragraph separators: whatever a
# terminal or log viewer could take for the end of a line.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# X-Request-ID as nginx makes it (32 hex digits), or a client's own id of the
# same modest kind; anything else is not logged.
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def escape_controls(text: str) -> str:
    """`a\\nb` for a\nb: the text stays readable and on one line."""
    return CONTROL_CHARACTERS.sub(lambda match: match[0].encode("unicode_escape").decode(), text)


class ConsoleFormatter(logging.Formatter):
    """The plain-text format, with control characters in messages escaped."""

    def formatMessage(self, record):
        safe = logging.makeLogRecord(record.__dict__)
        safe.message = escape_controls(record.message)
        return super().formatMessage(safe)


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object; `extra={...}` fields become keys."""

    reserved = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

    def format(self, record):
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in self.reserved})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def request_id(request) -> str | None:
    """The id nginx gives each request (X-Request-ID), to find it in both logs."""
    value = request.headers.get("X-Request-ID", "")
    return value if REQUEST_ID.match(value) else None


def loggable_path(request) -> str:
    """The path without secrets: a delete link's token becomes "…".

    The query string is left out: nothing secret travels in it today, and
    keeping it out means nothing ever will reach the log.
    """
    match = request.resolver_match
    token = match.kwargs.get("token") if match else None
    return request.path.replace(f"/{token}/", "/…/") if token else request.path


class RequestLogMiddleware:
    """Logs method, path, status and duration of every request, sync or async."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self._acall(request)
        started = time.perf_counter()
        response = self.get_response(request)
        self._log(request, response, started)
        return response

    async def _acall(self, request):
        started = time.perf_counter()
        response = await self.get_response(request)
        self._log(request, response, started)
        return response

    @staticmethod
    def _log(request, response, started):
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        rid = request_id(request)
        path = loggable_path(request)
        request_logger.info(
            "%s %s %s %.1fms%s",
            request.method,
            path,
            response.status_code,
            duration_ms,
            f" id={rid}" if rid else "",
            extra={
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "request_id": rid,
            },
        )
