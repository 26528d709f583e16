"""Start-up configuration: loud failures for bad values, the embedded defaults."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_settings(*expressions: str, **env):
    """Import core.settings in a fresh interpreter with exactly this environment.

    Prints the database engine and channel layer, then each expression's value.
    """
    clean = {k: v for k, v in os.environ.items() if k not in {
        "DEBUG", "SECRET_KEY", "SECRET_KEY_FILE", "DATABASE_URL", "REDIS_URL", "LOG_FORMAT",
        "MAX_UPLOAD_SIZE"}}
    printed = ", ".join(["s.DATABASES['default']['ENGINE']",
                         "s.CHANNEL_LAYERS['default']['BACKEND']", *expressions])
    return subprocess.run(
        [sys.executable, "-c", f"import core.settings as s; print({printed})"],
        cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60,
    )


def test_without_secret_key_and_key_file_start_up_stops_with_a_clear_error():
    # The production image's shape: SECRET_KEY_FILE is empty in the Dockerfile.
    result = load_settings(DEBUG="false", SECRET_KEY_FILE="")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_the_production_image_keeps_no_key_file():
    assert re.search(r'^ENV (.+\\\n)*?\s+SECRET_KEY_FILE="" \\$',
                     (ROOT / "Dockerfile").read_text(), re.M)


def test_make_runs_shape_is_debug_off_with_a_key_made_once_in_a_private_file(tmp_path):
    key_file = tmp_path / "var" / "secret-key"

    first = load_settings("s.DEBUG", "s.SECRET_KEY", SECRET_KEY_FILE=str(key_file))
    second = load_settings("s.DEBUG", "s.SECRET_KEY", SECRET_KEY_FILE=str(key_file))

    assert first.returncode == 0, first.stderr
    engine, layer, debug, key = first.stdout.split()
    assert (engine, layer, debug) == (
        "django.db.backends.sqlite3", "channels.layers.InMemoryChannelLayer", "False")
    assert len(key) >= 50
    assert key_file.read_text().strip() == key
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert second.stdout.split()[3] == key
    assert [path.name for path in key_file.parent.iterdir()] == ["secret-key"]


def test_secret_key_wins_over_the_key_file(tmp_path):
    key_file = tmp_path / "secret-key"

    result = load_settings("s.SECRET_KEY", SECRET_KEY="k" * 60, SECRET_KEY_FILE=str(key_file))

    assert result.stdout.split()[2] == "k" * 60
    assert not key_file.exists()


def test_an_empty_key_file_is_a_clear_startup_error(tmp_path):
    key_file = tmp_path / "secret-key"
    key_file.write_text("\n")

    result = load_settings(SECRET_KEY_FILE=str(key_file))

    assert result.returncode != 0
    assert f"SECRET_KEY_FILE {key_file} holds no key" in result.stderr


def test_processes_starting_at_once_share_one_key(tmp_path):
    key_file = tmp_path / "secret-key"
    script = ("import sys; from pathlib import Path; from core.secret_key import load_or_create; "
              "print(load_or_create(Path(sys.argv[1])))")
    starts = [subprocess.Popen([sys.executable, "-c", script, str(key_file)], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True) for _ in range(6)]

    keys = {start.communicate(timeout=60)[0].strip() for start in starts}

    assert keys == {key_file.read_text().strip()}
    assert [path.name for path in tmp_path.iterdir()] == ["secret-key"]


def test_database_and_redis_urls_switch_to_postgresql_and_redis_pubsub():
    result = load_settings(
        SECRET_KEY="k" * 60, DATABASE_URL="postgres://u@127.0.0.1:5432/db",
        REDIS_URL="redis://r:6379/0",
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
    result = load_settings(SECRET_KEY="k" * 60, **env)

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


def test_every_setting_is_in_the_env_example_and_the_readme():
    names = set(re.findall(r'env\.\w+\("([A-Z_0-9]+)"', (ROOT / "core/settings.py").read_text()))
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()

    assert "SECRET_KEY_FILE" in names
    assert [n for n in sorted(names) if not re.search(rf"^(# )?{n}=", example, re.M)] == []
    assert [n for n in sorted(names) if f"`{n}`" not in readme] == []
