from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from images.models import ApiKey, Image
from images.units import binary_size

# The product's name rather than "Django administration" (templates/admin/base_site.html).
admin.site.site_header = admin.site.site_title = "Live Gallery"

# The list shows each image's smallest preview at this size at most, never the
# original (a page of 100 originals can weigh hundreds of megabytes).
PREVIEW_BOX = 64
NAME_LENGTH = 40


class ExpiryFilter(admin.SimpleListFilter):
    title = _("expiry")
    parameter_name = "expires"

    def lookups(self, request, model_admin):
        return [("yes", _("expires")), ("no", _("kept"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(expires_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(expires_at__isnull=True)
        return queryset


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    """Staff can browse, rename and delete; uploads go through the API or pages,
    where they are validated. Deleting here also removes the file (images.receivers)."""

    list_display = [
        "preview", "short_name", "content_type", "dimensions", "file_size", "date",
    ]
    list_display_links = ["preview", "short_name"]
    list_filter = ["content_type", ExpiryFilter, ("api_key", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["api_key"]
    search_fields = ["name", "sha256"]
    readonly_fields = [
        "preview", "path", "size", "date", "content_type", "width", "height", "sha256",
        "expires_at", "api_key",
    ]
    date_hierarchy = "date"
    ordering = ["-date", "-id"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("preview"))
    def preview(self, image: Image):
        if not image.has_thumbnails:
            return "—"
        width, height = _fit(image.width, image.height, PREVIEW_BOX)
        url = reverse("images:thumbnail", args=[image.pk, settings.PREVIEW_WIDTHS[0]])
        return format_html(
            '<img src="{}" width="{}" height="{}" alt="" loading="lazy" decoding="async">',
            url, width, height,
        )

    @admin.display(description=pgettext_lazy("image", "name"), ordering="name")
    def short_name(self, image: Image):
        shown = Truncator(image.name).chars(NAME_LENGTH)
        if shown == image.name:
            return image.name
        return format_html('<span title="{}">{}</span>', image.name, shown)

    @admin.display(description=_("dimensions"))
    def dimensions(self, image: Image):
        return f"{image.width} × {image.height}"

    @admin.display(description=_("size"), ordering="size")
    def file_size(self, image: Image):
        return binary_size(image.size)


def _fit(width: int, height: int, box: int) -> tuple[int, int]:
    """The size that fits `box` × `box` with the image's proportions, never enlarged."""
    scale = min(1, box / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are listed and revoked here; they are made by `manage.py api_key create
    NAME`, which prints a key once (a page would have to show it, and keep it in
    the session's message store until it did). Revoked keys stay, so the images
    uploaded with them still say which key that was."""

    list_display = ["name", "key_prefix", "created", "last_used", "revoked"]
    list_filter = [("revoked", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    readonly_fields = ["name", "key_prefix", "created", "last_used", "revoked"]
    fields = readonly_fields
    actions = ["revoke"]

    @admin.display(description="key")
    def key_prefix(self, api_key):
        return f"lg_{api_key.prefix}_…"

    @admin.action(description="Revoke the selected API keys")
    def revoke(self, request, queryset):
        revoked = queryset.filter(revoked__isnull=True).update(revoked=timezone.now())
        self.message_user(request, f"Revoked {revoked} API key(s); they no longer work.")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
