"""Error responses in one place: JSON for the API, pages for people.

A leaf module: it imports nothing of the apps, which import it.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext as _

logger = logging.getLogger("live_gallery.errors")


def json_error(code: str, message: str, status: int, **headers) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": code, "message": message}}, status=status, headers=headers
    )


# The brief's own addresses: API routes outside /api/ (images/urls.py).
BRIEF_API_PATHS = {"/images", "/image/delete"}


def is_api(request) -> bool:
    """JSON for the API, and for scripts on our pages that ask for it (upload.js)."""
    if request.path.startswith("/api/") or request.path in BRIEF_API_PATHS:
        return True
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def error_page(request, status: int, title: str, message: str):
    return render(
        request, "errors/error.html", {"title": title, "message": message}, status=status
    )


def _error(request, status, code, title, message):
    if is_api(request):
        return json_error(code, message, status)
    return error_page(request, status, title, message)


def bad_request(request, exception=None):
    return _error(request, 400, "bad_request", _("Bad request"), _("The request was malformed."))


def permission_denied(request, exception=None):
    return _error(request, 403, "forbidden", _("Forbidden"), _("You may not do that."))


def page_not_found(request, exception=None):
    return _error(
        request, 404, "not_found", _("Not found"), _("There is nothing at this address.")
    )


def server_error(request):
    return _error(
        request, 500, "server_error", _("Server error"), _("Something went wrong on our side.")
    )


def csrf_failure(request, reason=""):
    return _error(
        request,
        403,
        "csrf_failed",
        _("Form expired"),
        _("The form could not be verified (CSRF). Reload the page and try again."),
    )


class ServiceUnavailableMiddleware(MiddlewareMixin):
    """Answers 503 when the database cannot be reached, instead of a 500.

    A database that is down, restarting, out of connections or locked is an
    outage of a dependency, not a bug: clients may retry, and the message says
    so. Only those errors (OperationalError, InterfaceError) count; any other
    database error (a constraint, bad SQL, bad data) is a bug of ours, so it
    is left to Django: a 500 and a traceback in the log.

    Sync and async capable, like every middleware here: one sync-only
    middleware makes Django run async views (image bytes) through a thread
    and back (async_to_sync), and a client leaving mid-request then left that
    bridge's executor behind for Django's request_finished (an ERROR per
    aborted request under daphne).
    """

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error("database unavailable: %s", exception)
        message = _("The database is unavailable; try again shortly.")
        if is_api(request):
            return json_error("service_unavailable", message, 503, **{"Retry-After": "5"})
        response = error_page(request, 503, _("Service unavailable"), message)
        response["Retry-After"] = "5"
        return response
