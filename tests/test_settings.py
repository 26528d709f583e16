"""Start-up configuration: loud failures for bad values, the embedded defaults."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_settings(**env):
    """Import core.settings in a fresh interpreter with exactly this environment."""
    clean = {k: v for k, v in os.environ.items() if k not in {
        "DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "LOG_FORMAT", "MAX_UPLOAD_SIZE"}}
    return subprocess.run(
        [sys.executable, "-c", "import core.settings as s; print(s.DATABASES['default']['ENGINE'],"
         " s.CHANNEL_LAYERS['default']['BACKEND'])"],
        cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60,
    )


def test_missing_secret_key_with_debug_off_is_a_clear_startup_error():
    result = load_settings(DEBUG="false")

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is false" in result.stderr


def test_debug_on_runs_without_a_secret_key_on_the_embedded_defaults():
    result = load_settings(DEBUG="true")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3", "channels.layers.InMemoryChannelLayer"
    ]


def test_database_and_redis_urls_switch_to_postgresql_and_redis_pubsub():
    result = load_settings(
        DEBUG="true", DATABASE_URL="postgres://u@127.0.0.1:5432/db", REDIS_URL="redis://r:6379/0"
    )

    assert result.stdout.split() == [
        "django.db.backends.postgresql", "channels_redis.pubsub.RedisPubSubChannelLayer"
    ]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be"),
        ({"MAX_UPLOAD_SIZE": "0"}, "MAX_UPLOAD_SIZE must be a positive number"),
        ({"MAX_UPLOAD_SIZE": "lots"}, "invalid literal"),
    ],
)
def test_malformed_values_fail_at_startup(env, message):
    result = load_settings(DEBUG="true", **env)

    assert result.returncode != 0
    assert message in result.stderr


def test_make_refuses_a_too_old_python_in_one_line(tmp_path):
    fake = tmp_path / "python3"
    fake.write_text(
        "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'Python 3.11.7'; exit 0; fi\nexit 1\n"
    )
    fake.chmod(0o755)

    result = subprocess.run(
        ["make", "-s", "-C", str(ROOT), f"PYTHON={fake}", f"VENV={tmp_path / 'venv'}", "run"],
        capture_output=True, text=True, timeout=60,
    )

    assert result.returncode != 0
    errors = result.stderr.strip().splitlines()
    assert errors[0].startswith("error: Live Gallery needs Python 3.12 or newer")
    assert "Python 3.11.7" in errors[0]
