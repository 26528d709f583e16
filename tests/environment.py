"""Loaded as a pytest plugin (`-p tests.environment`) before Django's settings.

Tests run with DEBUG off, as production does, so they need a SECRET_KEY; a
variable already set (CI's PostgreSQL run, say) wins over these defaults.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-" + "x" * 32)
os.environ.setdefault("DEBUG", "false")
