"""`manage.py api_key create NAME | list | revoke NAME`: keys for private instances.

A key is printed once, by `create`, and stored only as its SHA-256 digest
(images.models.ApiKey); `list` shows names and the public prefix, never a key.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.utils import timezone

from images.models import ApiKey


class Command(BaseCommand):
    help = "Create, list and revoke API keys (X-API-Key) for uploads."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="make a key and print it, once")
        create.add_argument("name", help="who or what the key is for, e.g. ci-runner")
        actions.add_parser("list", help="every key: name, prefix, created, last used, state")
        revoke = actions.add_parser("revoke", help="stop a key from working, at once")
        revoke.add_argument("name")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _create(self, name, **options):
        name = name.strip()
        if not name:
            raise CommandError("The name must not be empty.")
        try:
            with transaction.atomic():
                api_key, key = ApiKey.create(name)
        except IntegrityError:
            raise CommandError(f"An active key is already named {name!r}.") from None
        self.stdout.write(key)
        self.stderr.write(
            f"Created API key {name!r} (prefix {api_key.prefix}). This is the only time "
            "it is shown: store it now. Send it as the X-API-Key header."
        )

    def _list(self, **options):
        keys = ApiKey.objects.order_by("name", "created")
        if not keys:
            self.stderr.write("No API keys yet: manage.py api_key create NAME")
        for api_key in keys:
            state = f"revoked {api_key.revoked:%Y-%m-%d %H:%M}" if api_key.revoked else "active"
            used = f"{api_key.last_used:%Y-%m-%d %H:%M}" if api_key.last_used else "never"
            self.stdout.write(
                f"{api_key.name}\tlg_{api_key.prefix}_…\tcreated {api_key.created:%Y-%m-%d %H:%M}"
                f"\tlast used {used}\t{state}"
            )

    def _revoke(self, name, **options):
        revoked = ApiKey.objects.active().filter(name=name).update(revoked=timezone.now())
        if not revoked:
            raise CommandError(f"No active key is named {name!r}.")
        self.stderr.write(f"Revoked API key {name!r}: it no longer works.")
