"""The secret key of a checkout without one: made once, kept in a file.

`make run` (and `manage.py` on the same checkout) need a SECRET_KEY with
DEBUG off. Rather than a fixed development key, which anyone could read in
this repository and forge sessions with, each checkout gets its own random
key, written once to SECRET_KEY_FILE (var/secret-key) with 0600 permissions
and read from there at every later start, so sessions survive a restart.

The production image turns this off (SECRET_KEY_FILE empty in the
Dockerfile): a container on its own disk would make a different key per
replica and per restart, so there a missing SECRET_KEY stops start-up.
"""

import os
import secrets
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

MIN_LENGTH = 50


def load_or_create(path: Path) -> str:
    """The key in `path`, written there first when the file does not exist.

    Several processes may start at once on a fresh checkout (`make run`'s
    migrate, a test's servers): the key is written to a private temporary
    file and linked into place, so a reader sees a whole key or none, and
    only the first writer's key is ever used.
    """
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret-key-")  # 0600
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(MIN_LENGTH) + "\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:  # another process made it first: use that one
            pass
    finally:
        os.unlink(temporary)
    return _read(path)


def _read(path: Path) -> str:
    key = path.read_text().strip()
    if len(key) < MIN_LENGTH:
        raise ImproperlyConfigured(
            f"SECRET_KEY_FILE {path} holds no key of at least {MIN_LENGTH} characters; "
            "delete it to have a new one made, or set SECRET_KEY."
        )
    return key
