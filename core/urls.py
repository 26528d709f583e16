from django.conf import settings
from django.contrib import admin
from django.contrib.staticfiles.views import serve as serve_static
from django.urls import include, path, re_path

from core import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("images.api_urls")),
    path("", include("images.urls")),
]
if settings.SERVE_STATIC:
    # A handful of small files for the single-process `make run`; in the
    # compose stack nginx serves the collected copies instead.
    urlpatterns += [re_path(r"^static/(?P<path>.*)$", serve_static, {"insecure": True})]

handler400 = "core.errors.bad_request"
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"
