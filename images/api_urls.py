from django.urls import path

from images import api, schema, sharex

app_name = "api"
urlpatterns = [
    path("images/", api.image_collection, name="images"),
    path("images/<int:pk>/", api.image_item, name="image"),
    path("schema/", api.api_view("GET", "HEAD")(schema.schema), name="schema"),
    path("docs/", api.api_view("GET", "HEAD")(schema.docs), name="docs"),
    path("sharex.sxcu", api.api_view("GET", "HEAD")(sharex.uploader), name="sharex"),
]
