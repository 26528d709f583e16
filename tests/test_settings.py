"""Start-up configuration: loud failures for bad values, the embedded defaults."""

import json
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
        ({"EXPIRY_SWEEP_SECONDS": "-1"}, "EXPIRY_SWEEP_SECONDS must be 0 (off)"),
        ({"EXPIRY_SWEEP_SECONDS": "soon"}, "could not convert"),
        ({"MAX_DECODE_BYTES": "0"}, "MAX_DECODE_BYTES must be a positive number"),
        ({"MAX_CONCURRENT_DECODES": "0"}, "MAX_CONCURRENT_DECODES must be a positive number"),
        ({"DECODE_QUEUE_TIMEOUT": "-1"}, "DECODE_QUEUE_TIMEOUT must be 0"),
    ],
)
def test_malformed_values_fail_at_startup(env, message):
    result = load_settings(DEBUG="true", **env)

    assert result.returncode != 0
    assert message in result.stderr


def media_storage(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("S3_")}
    result = subprocess.run(
        [sys.executable, "-c", "import json, core.settings as s; "
         "print(json.dumps(s.STORAGES['default'], default=str))"],
        cwd=ROOT, env={**clean, "DEBUG": "true", **env}, capture_output=True, text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_s3_bucket_media_stays_in_media_root(tmp_path):
    storage = media_storage(MEDIA_ROOT=str(tmp_path), S3_ENDPOINT_URL="http://unused")

    assert storage["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert storage["OPTIONS"]["location"] == str(tmp_path)


def test_s3_bucket_puts_media_on_object_storage_with_every_s3_setting():
    storage = media_storage(
        S3_BUCKET="gallery", S3_ENDPOINT_URL="http://s3:8333", S3_REGION="eu-west-3",
        S3_ACCESS_KEY_ID="key", S3_SECRET_ACCESS_KEY="secret", S3_PREFIX="/live/",
    )

    assert storage == {
        "BACKEND": "images.storage.S3MediaStorage",
        "OPTIONS": {
            "bucket_name": "gallery", "endpoint_url": "http://s3:8333",
            "region_name": "eu-west-3", "access_key": "key", "secret_key": "secret",
            "location": "live",
        },
    }


def test_s3_defaults_are_aws_in_us_east_1_with_boto3s_own_credentials():
    storage = media_storage(S3_BUCKET="gallery")

    assert storage["OPTIONS"] == {
        "bucket_name": "gallery", "endpoint_url": None, "region_name": "us-east-1",
        "access_key": None, "secret_key": None, "location": "",
    }
