from django.contrib import admin

from images.models import Image


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    """Staff can browse, rename and delete; uploads go through the API or pages,
    where they are validated. Deleting here also removes the file (images.receivers)."""

    list_display = ["id", "name", "content_type", "width", "height", "size", "date"]
    list_filter = ["content_type"]
    search_fields = ["name", "sha256"]
    readonly_fields = ["path", "size", "date", "content_type", "width", "height", "sha256"]
    date_hierarchy = "date"

    def has_add_permission(self, request):
        return False
