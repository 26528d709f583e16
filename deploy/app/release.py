"""The compose stack's one-shot release step (the `migrate` service).

Database migrations, then a refresh of the static volume from the files
collected into the image at build time (a named volume is seeded from the
image only when it is first created). One process, so Django starts once.
"""

import os

import django
from django.core.management import call_command

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
django.setup()
# skip_checks=False: the system checks run as with `manage.py migrate`.
call_command("migrate", interactive=False, skip_checks=False)
call_command("collectstatic", interactive=False, verbosity=0)
