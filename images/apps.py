from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _register_sqlite_functions(sender, connection, **kwargs):
    """SQLite's LOWER folds ASCII only: name search uses Python's (models.Lowered)."""
    if connection.vendor == "sqlite":
        from images.models import sqlite_lower

        connection.connection.create_function("LG_LOWER", 1, sqlite_lower, deterministic=True)


class ImagesConfig(AppConfig):
    name = "images"

    def ready(self):
        from django.conf import settings

        from images import receivers  # noqa: F401  (connects the file-cleanup receiver)
        from images.ratelimit import parse_rate
        from images.validation import configure_pillow

        connection_created.connect(_register_sqlite_functions)
        configure_pillow()
        parse_rate(settings.UPLOAD_RATE_LIMIT)  # a malformed limit stops start-up
