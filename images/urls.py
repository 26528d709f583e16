from django.urls import path

from images import api, delivery, views

app_name = "images"
urlpatterns = [
    path("", views.gallery, name="gallery"),
    path("upload/", views.upload, name="upload"),
    path("view/", views.view_lookup, name="view"),
    path("images/<int:pk>/", views.detail, name="detail"),
    path("delete/", views.delete, name="delete"),
    path("delete/<int:pk>/<str:token>/", views.delete_by_link, name="delete_link"),
    # The brief's own addresses for the JSON API (CONTRACT.md), beside /api/.
    path("images", api.brief_upload, name="brief_upload"),
    path("image/delete", api.brief_delete, name="brief_delete"),
    path("image/<int:pk>", delivery.image_bytes, name="bytes"),
    path("image/<int:pk>/original", delivery.original_bytes, name="original"),
    path("image/<int:pk>/w<int:width>.webp", delivery.thumbnail_bytes, name="thumbnail"),
    path(
        "image/<int:pk>/a<int:width>.webp", delivery.animated_preview_bytes,
        name="animated_preview",
    ),
]
