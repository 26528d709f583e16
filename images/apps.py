from django.apps import AppConfig


class ImagesConfig(AppConfig):
    name = "images"

    def ready(self):
        from images import receivers  # noqa: F401  (connects the file-cleanup receiver)
        from images.validation import configure_pillow

        configure_pillow()
