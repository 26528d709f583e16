"""Loaded as a pytest plugin (`-p tests.environment`) before Django's settings.

Tests run with DEBUG off, as production does, so they need a SECRET_KEY; a
variable already set (CI's PostgreSQL run, say) wins over these defaults.
Each test run names its own things in Redis (REDIS_PREFIX), so two runs side
by side on one Redis server never receive each other's live events; servers
a test starts inherit it. Likewise its own upload temp folder.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-" + "x" * 32)
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("REDIS_PREFIX", f"live-gallery-test-{os.getpid()}")
# No expiry sweeper in the test process (tests call images.expiry themselves);
# tests/live_server.py gives the servers it starts one.
os.environ.setdefault("EXPIRY_SWEEP_SECONDS", "0")
os.environ.setdefault("UPLOAD_TEMP_DIR", tempfile.mkdtemp(prefix="live-gallery-test-uploads-"))
