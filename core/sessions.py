"""Django's database sessions, refusing session cookies Django could never have made.

Django accepts any cookie value of 8+ characters as a session key and looks
it up. A key with a NUL byte (`sessionid="\\000…"`) is an error in
PostgreSQL rather than a miss, which turned a forged cookie into a failed
request — even a valid Bearer DELETE carrying it. Keys Django makes are 32
characters of [a-z0-9]; anything else is treated as no session at all.
"""

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

ALLOWED = frozenset(VALID_KEY_CHARS)


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key):
        return bool(super()._validate_session_key(key)) and ALLOWED.issuperset(key)
