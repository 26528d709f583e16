from django.urls import path

from images import api

app_name = "api"
urlpatterns = [
    path("images/", api.image_collection, name="images"),
    path("images/<int:pk>/", api.image_item, name="image"),
]
