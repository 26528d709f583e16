"""Every response the test suite gets from an /api/ address, held to images/openapi.yaml.

Installed for every test as the outermost middleware (tests/conftest.py), so
whatever a test asks the API — right or wrong — the answer must be one the
description promises: a documented status, content type, headers and body.
Requests are not checked: many tests send wrong ones on purpose. openapi-core
reads the description here; Schemathesis, a second implementation, fuzzes a
live server with it in CI (.ci/schema-check).
"""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound

from images.schema import description

openapi = OpenAPI.from_dict(description())
checked: list[str] = []


class ByAddress(DjangoOpenAPIRequest):
    """Found in the description by its address (Django's route names its
    parameter `pk`, the description `id`)."""

    path_pattern = None

    @property
    def host_url(self) -> str:
        # As sent: a test of a refused Host header still gets its answer checked.
        host = self.request.META.get("HTTP_HOST") or self.request.META["SERVER_NAME"]
        return f"{self.request.scheme}://{host}"


def check(request, response):
    # A 500 is a bug, never a promise: the tests that provoke one on purpose
    # check its JSON themselves, and Schemathesis fails on any.
    if not request.path.startswith("/api/") or response.status_code == 500:
        return
    try:
        openapi.validate_response(ByAddress(request), DjangoOpenAPIResponse(response))
    except (PathNotFound, OperationNotFound):
        # Not an operation of the API (an unknown address, a 405 for another
        # method): nothing is promised about it but a JSON error, which
        # tests of those cases check themselves.
        return
    checked.append(f"{request.method} {request.path} {response.status_code}")


class ResponsesMatchTheDescription:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self._acall(request)
        response = self.get_response(request)
        check(request, response)
        return response

    async def _acall(self, request):
        response = await self.get_response(request)
        check(request, response)
        return response
