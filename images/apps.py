from django.apps import AppConfig


class ImagesConfig(AppConfig):
    name = "images"

    def ready(self):
        from django.conf import settings

        from images import receivers  # noqa: F401  (connects the file-cleanup receiver)
        from images.ratelimit import parse_rate
        from images.validation import configure_pillow

        configure_pillow()
        parse_rate(settings.UPLOAD_RATE_LIMIT)  # a malformed limit stops start-up
