from django.contrib import admin
from django.utils import timezone

from images.models import ApiKey, Image


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    """Staff can browse, rename and delete; uploads go through the API or pages,
    where they are validated. Deleting here also removes the file (images.receivers)."""

    list_display = ["id", "name", "content_type", "width", "height", "size", "date"]
    list_filter = ["content_type"]
    search_fields = ["name", "sha256"]
    readonly_fields = [
        "path", "size", "date", "content_type", "width", "height", "sha256", "api_key",
    ]
    date_hierarchy = "date"

    def has_add_permission(self, request):
        return False


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
