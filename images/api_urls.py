from django.urls import path

from images import api, schema, sharex, tus

app_name = "api"
urlpatterns = [
    path("images/", api.image_collection, name="images"),
    path("images/<int:pk>/", api.image_item, name="image"),
    path("schema/", api.api_view("GET", "HEAD")(schema.schema), name="schema"),
    path("docs/", api.api_view("GET", "HEAD")(schema.docs), name="docs"),
    path("sharex.sxcu", api.api_view("GET", "HEAD")(sharex.uploader), name="sharex"),
    path("uploads/", tus.upload_collection, name="uploads"),
    path("uploads/<uuid:upload_id>/", tus.upload_item, name="upload"),
]
